// Test and benchmark fixtures (not exported from the package index): fresh P-256 keys, a consortium of named
// parties with DIDs and roles, and status lists served the way an issuer would publish and anchor them. Nothing is
// mocked that the package runs for real: signatures, GZIP and hashes are the production code paths.
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";
import type { ConsortiumRole } from "./credential.js";
import { issueVcJwt } from "./jose.js";
import { publicJwk } from "./keys.js";
import { type BitstringStatusList, createStatusListCredential, type Hex, statusListStateHash } from "./statusList.js";
import type { FetchedStatusList, VerifyCredentialOptions } from "./verify.js";

export type TestKey = { privateKey: KeyObject; privateJwk: JsonWebKey; publicJwk: JsonWebKey };

export function generateTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKey,
    privateJwk: privateKey.export({ format: "jwk" }),
    publicJwk: publicJwk(publicKey.export({ format: "jwk" })),
  };
}

/** A did:amc DID for a name, deterministic so that messages can be pinned. */
export function testDid(name: string): string {
  return `did:amc:test:${createHash("sha256").update(name).digest("hex")}`;
}

export type Party = TestKey & { did: string; kid: string };

export type PublishedList = {
  url: string;
  list: BitstringStatusList;
  issuer: Party;
  purpose: "revocation" | "suspension";
};

/** Parties, roles, control and status lists, with the callbacks a verifier takes. */
export class TestWorld {
  readonly keys = new Map<string, JsonWebKey>();
  readonly roles = new Map<string, Set<ConsortiumRole>>();
  readonly controllers = new Map<string, string>();
  readonly lists = new Map<string, FetchedStatusList>();

  party(name: string, roles: readonly ConsortiumRole[] = []): Party {
    const did = testDid(name);
    const key = generateTestKey();
    const kid = `${did}#key-1`;
    this.keys.set(kid, key.publicJwk);
    this.roles.set(did, new Set(roles));
    return { ...key, did, kid };
  }

  /** Publishes `list` at `url`: signed as vc+jwt (`signed`), or as a plain document with its anchored hash. */
  publish(published: PublishedList, how: "signed" | "anchored" = "anchored", anchoredHash?: Hex): void {
    const credential = createStatusListCredential({
      id: published.url,
      issuer: published.issuer.did,
      statusPurpose: published.purpose,
      list: published.list,
    });
    const hash = anchoredHash ?? statusListStateHash(credential.credentialSubject.encodedList);
    this.lists.set(
      published.url,
      how === "signed"
        ? { credential: issueVcJwt({ credential, kid: published.issuer.kid, privateKey: published.issuer.privateKey }) }
        : { credential, anchoredHash: hash },
    );
  }

  options(now?: Date): VerifyCredentialOptions {
    return {
      resolveKey: async (kid) => this.keys.get(kid),
      issuerHasRole: async (did, role) => this.roles.get(did)?.has(role) ?? false,
      issuerControls: async (issuer, subject) => this.controllers.get(subject) === issuer,
      fetchStatusList: async (url) => {
        const list = this.lists.get(url);
        if (!list) throw new Error(`404 ${url}`);
        return list;
      },
      ...(now ? { now } : {}),
    };
  }
}
