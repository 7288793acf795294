// A file keystore for DID keys: one JSON file per DID under <home>/keys, written atomically with mode 0600.
// The CLI writes it when it creates a DID or rotates a key; the gateway's issuer service reads the keys of the
// DIDs it issues for. Development only in this form: production keeps keys in an HSM or KMS behind the same
// interface (docs/did-method-amc.md, "Key custody").
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, readJsonIfExists, stringify, writeFileAtomic } from "@amc/utils";
import { z } from "zod";
import type { PrivateJwk } from "./auth.js";
import { parseDid } from "./did.js";
import { jwkThumbprint, type Relationship, relationships } from "./document.js";

// P-256 keys sign (ES256); secp256k1 keys serve as keyAgreement keys (Umbral proxy re-encryption, data sharing).
const privateJwkSchema = z.object({
  kty: z.literal("EC"),
  crv: z.enum(["P-256", "secp256k1"]),
  x: z.string(),
  y: z.string(),
  d: z.string(),
});
const entrySchema = z.object({
  did: z.string(),
  keys: z.array(
    z.object({
      kid: z.string(),
      relationship: z.enum(relationships),
      privateJwk: privateJwkSchema,
      revoked: z.boolean().default(false),
    }),
  ),
});
export type KeystoreEntry = z.infer<typeof entrySchema>;
export type StoredKey = KeystoreEntry["keys"][number];

export function generateP256(): PrivateJwk {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "", d: jwk.d ?? "" };
}

export const publicOf = (jwk: PrivateJwk) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });

export const kidFor = (did: string, jwk: PrivateJwk, relationship: Relationship) =>
  `${did}#${jwkThumbprint(publicOf(jwk))}-${relationship}`;

export class Keystore {
  constructor(private readonly dir: string) {}

  private path(did: string): string {
    const parsed = parseDid(did);
    if (!parsed.ok) throw new InvalidInputError(`not a did:amc DID: ${did}`);
    return join(this.dir, `${parsed.value.network}-${parsed.value.id.slice(2)}.json`);
  }

  get(did: string): KeystoreEntry | undefined {
    const raw = readJsonIfExists(this.path(did));
    return raw === undefined ? undefined : entrySchema.parse(raw);
  }

  /** The newest unrevoked key of `did` for `relationship` (on `curve`, default P-256). */
  key(did: string, relationship: Relationship, curve: "P-256" | "secp256k1" = "P-256"): StoredKey | undefined {
    return this.get(did)
      ?.keys.filter((k) => k.relationship === relationship && !k.revoked && k.privateJwk.crv === curve)
      .at(-1);
  }

  add(did: string, relationship: Relationship, privateJwk: PrivateJwk): StoredKey {
    const entry = this.get(did) ?? { did, keys: [] };
    const key = {
      kid: kidFor(did, privateJwk, relationship),
      relationship,
      privateJwk: privateJwkSchema.parse(privateJwk),
      revoked: false,
    };
    entry.keys.push(key);
    this.write(entry);
    return key;
  }

  markRevoked(did: string, kid: string): void {
    const entry = this.get(did);
    if (!entry) return;
    for (const k of entry.keys) if (k.kid === kid) k.revoked = true;
    this.write(entry);
  }

  list(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((n) => n.endsWith(".json"))
        .flatMap((n) => {
          const raw = readJsonIfExists(join(this.dir, n));
          const parsed = entrySchema.safeParse(raw);
          return parsed.success ? [parsed.data.did] : [];
        });
    } catch {
      return [];
    }
  }

  private write(entry: KeystoreEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(entry.did);
    writeFileAtomic(path, stringify(entry, 2));
    chmodSync(path, 0o600);
  }
}
