import { generateKeyPairSync } from "node:crypto";
import type { DIDResolutionResult } from "did-resolver";
import { stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { createDidAuthToken, didAuthVerifier, type PrivateJwk } from "./auth.js";
import { attributeName, buildDocument, jwkThumbprint, type RegistryEvent } from "./document.js";

const did = `did:amc:test:${"cd".repeat(32)}`;
function keyPair(): PrivateJwk {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return { kty: jwk.kty ?? "", crv: jwk.crv ?? "", x: jwk.x ?? "", y: jwk.y ?? "", d: jwk.d ?? "" };
}
const key = keyPair();
const publicJwk = { kty: key.kty, crv: key.crv, x: key.x, y: key.y };
const kid = `${did}#${jwkThumbprint(publicJwk)}-authentication`;

function resolverWith(relationship: string, deactivated = false) {
  const events: RegistryEvent[] = [
    {
      kind: "created",
      controller: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      subjectType: "organisation",
      blockNumber: 1n,
      timestamp: 1,
      logIndex: 0,
    },
    {
      kind: "attributeChanged",
      name: attributeName(`amc/vm/P256/${relationship}`),
      value: stringToHex(JSON.stringify(publicJwk)),
      validTo: 2n ** 60n,
      blockNumber: 2n,
      timestamp: 2,
      logIndex: 0,
    },
    ...(deactivated ? [{ kind: "deactivated" as const, blockNumber: 3n, timestamp: 3, logIndex: 0 }] : []),
  ];
  return async (): Promise<DIDResolutionResult> => {
    const { document, metadata } = buildDocument({ did, chainId: 1, events, now: 100 });
    return {
      didResolutionMetadata: metadata.deactivated ? { error: "deactivated" } : {},
      didDocument: document,
      didDocumentMetadata: metadata,
    };
  };
}

describe("DID authentication", () => {
  const audience = "http://127.0.0.1:8080";
  it("accepts a fresh token signed by an authentication key, once", async () => {
    const verifier = didAuthVerifier({ audience, resolve: resolverWith("authentication") });
    const token = createDidAuthToken({ did, kid, privateJwk: key, audience });
    expect(await verifier.verify(token)).toEqual({ ok: true, did, kid });
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "the token was already used" });
  });

  it("refuses wrong audience, expiry, a foreign key, a non-authentication key and a deactivated DID", async () => {
    const verifier = didAuthVerifier({ audience, resolve: resolverWith("authentication") });
    expect(
      await verifier.verify(createDidAuthToken({ did, kid, privateJwk: key, audience: "http://elsewhere" })),
    ).toMatchObject({
      ok: false,
      reason: 'the token is for "http://elsewhere", not "http://127.0.0.1:8080"',
    });
    expect(await verifier.verify(createDidAuthToken({ did, kid, privateJwk: key, audience, now: 1000 }))).toEqual({
      ok: false,
      reason: "the token has expired",
    });
    expect(await verifier.verify(createDidAuthToken({ did, kid, privateJwk: keyPair(), audience }))).toEqual({
      ok: false,
      reason: "bad signature",
    });
    const assertionOnly = didAuthVerifier({ audience, resolve: resolverWith("assertionMethod") });
    expect((await assertionOnly.verify(createDidAuthToken({ did, kid, privateJwk: key, audience }))).ok).toBe(false);
    const gone = didAuthVerifier({ audience, resolve: resolverWith("authentication", true) });
    expect(await gone.verify(createDidAuthToken({ did, kid, privateJwk: key, audience }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining("deactivated"),
    });
    expect(await verifier.verify("not.a.jwt.at-all")).toMatchObject({ ok: false });
  });
});
