import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CredentialError } from "./errors.js";
import {
  assertKeyFitsAlgorithm,
  importPublicJwk,
  jwkThumbprint,
  KeyCache,
  publicJwk,
  type SignatureAlgorithm,
  signatureAlgorithms,
  signBytes,
  toPrivateKey,
  verifyBytes,
} from "./keys.js";
import { generateTestKey } from "./testing.js";

const pairs: Record<SignatureAlgorithm, () => ReturnType<typeof generateKeyPairSync>> = {
  ES256: () => generateKeyPairSync("ec", { namedCurve: "P-256" }),
  ES384: () => generateKeyPairSync("ec", { namedCurve: "P-384" }),
  ES512: () => generateKeyPairSync("ec", { namedCurve: "P-521" }),
  EdDSA: () => generateKeyPairSync("ed25519"),
};

describe("keys", () => {
  for (const alg of signatureAlgorithms) {
    it(`${alg} signs r||s and verifies; any flipped bit fails`, () => {
      const { privateKey, publicKey } = pairs[alg]();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (data, bit) => {
          const signature = signBytes(alg, privateKey, data);
          expect(verifyBytes(alg, publicKey, data, signature)).toBe(true);
          const flipped = Buffer.from(signature);
          const at = (bit >> 3) % flipped.length;
          flipped[at] = (flipped[at] ?? 0) ^ (1 << (bit & 7));
          expect(verifyBytes(alg, publicKey, data, flipped)).toBe(false);
        }),
        { numRuns: 20 },
      );
    });
  }

  it("treats a signature of the wrong length (DER instead of P1363) as invalid", () => {
    const { publicKey } = pairs.ES256();
    const der = Buffer.concat([
      Buffer.from([0x30, 0x44, 0x02, 0x20]),
      Buffer.alloc(32, 1),
      Buffer.from([0x02, 0x20]),
      Buffer.alloc(32, 1),
    ]);
    expect(verifyBytes("ES256", publicKey, Buffer.from("x"), der)).toBe(false);
  });

  it("refuses a key of the wrong curve for the algorithm", () => {
    const { publicJwk: jwk } = generateTestKey();
    expect(() => assertKeyFitsAlgorithm(jwk, "ES384")).toThrow("the key is EC/P-256, but ES384 needs EC/P-384");
    expect(() => assertKeyFitsAlgorithm(jwk, "ES256")).not.toThrow();
  });

  it("computes RFC 7638 thumbprints (the W3C suite's kid for its P-256 key)", () => {
    const jwk = {
      kty: "EC",
      crv: "P-256",
      x: "WfTi93YuhsQxKbD0ftnjOXJndqhnJ5kgDV-ZDGyrhBQ",
      y: "qUd_55EjX0mjKZ6W6mF4UXVYTQ41K6jfdnYFwN5uPyk",
    };
    expect(jwkThumbprint(jwk)).toBe("73voMXFNmNlOEpuYCSJlh8eN0dscykoO6gBukgRS1uU");
    expect(() => jwkThumbprint({ kty: "RSA" })).toThrow("cannot take the thumbprint of a RSA key");
  });

  it("keeps only public members and refuses unusable keys", () => {
    const { privateJwk } = generateTestKey();
    expect(Object.keys(publicJwk(privateJwk)).sort()).toEqual(["crv", "kty", "x", "y"]);
    expect(() => importPublicJwk({ kty: "EC", crv: "P-256", x: "AA", y: "AA" })).toThrow(CredentialError);
    expect(() => toPrivateKey(publicJwk(privateJwk))).toThrow("the signing JWK has no private part `d`");
    expect(() => toPrivateKey(importPublicJwk(publicJwk(privateJwk)))).toThrow("the signing key is not a private key");
  });

  it("caches KeyObjects per kid, re-imports a rotated key and evicts the oldest", () => {
    const cache = new KeyCache(2);
    const a = generateTestKey().publicJwk;
    const b = generateTestKey().publicJwk;
    const first = cache.get("did:x#1", a);
    expect(cache.get("did:x#1", { ...a })).toBe(first);
    const rotated = cache.get("did:x#1", b);
    expect(rotated).not.toBe(first);
    cache.get("did:x#2", a);
    cache.get("did:x#3", a);
    expect(cache.size).toBe(2);
    expect(cache.get("did:x#1", b)).not.toBe(rotated);
  });
});
