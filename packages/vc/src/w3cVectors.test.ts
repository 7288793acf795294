// The W3C VC-JOSE-COSE test suite's inputs (w3c/vc-jose-cose-test-suite, tests/input/, W3C Software and Document
// License), read in place from ../shared/vectors/: every signed file verifies or fails exactly as its name says.
// Keys come from the suite's vm-*.json by their thumbprint kid. No status lists and no role callbacks are involved.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type JsonWebKey, jwkThumbprint } from "./keys.js";
import { verifyCredential, verifyPresentation } from "./verify.js";

const dir = resolve(import.meta.dirname, "../../../../shared/vectors/w3c-vc-jose-cose");
const read = (name: string) => readFileSync(join(dir, name), "utf8").trim();

const verificationMethod = z.object({ publicKeyJwk: z.looseObject({ kid: z.string(), kty: z.string() }) });
const keys = new Map<string, JsonWebKey>();
for (const name of readdirSync(dir).filter((n) => /^vm-.*\.json$/.test(n))) {
  const { publicKeyJwk } = verificationMethod.parse(JSON.parse(read(name)));
  keys.set(publicKeyJwk.kid, publicKeyJwk);
}
const resolveKey = async (kid: string) => keys.get(kid);

/** A minute after a vp+jwt's `iat` (the suite's presentations expire a day after issuance, in 2024). */
function presentationTime(token: string): Date {
  const [, payload] = token.split(".");
  if (payload === undefined) return new Date("2025-01-01T00:00:00Z");
  const { iat } = z
    .object({ iat: z.number().optional() })
    .parse(JSON.parse(Buffer.from(payload, "base64url").toString()));
  return iat === undefined ? new Date("2025-01-01T00:00:00Z") : new Date((iat + 60) * 1000);
}

const vectorFiles = readdirSync(dir).filter((n) => n.endsWith(".txt"));

describe("W3C VC-JOSE-COSE test vectors", () => {
  it("has the suite's keys under their thumbprints and all 23 signed inputs", () => {
    for (const [kid, jwk] of keys) expect(jwkThumbprint(jwk)).toBe(kid);
    expect(vectorFiles).toHaveLength(23);
  });

  const credentialExpect: Record<string, string | null> = {
    "credential-cose-bad-media-type.txt": "bad_media_type",
    "credential-cose-bad-signature.txt": "invalid_signature",
    "credential-cose-minimal-not-base64.txt": "malformed",
    "credential-cose-minimal.txt": null,
    "credential-issuer-match-signed.txt": null,
    "credential-jose-bad-media-type.txt": "bad_media_type",
    "credential-jose-bad-signature.txt": "invalid_signature",
    "credential-jose-minimal.txt": null,
    "credential-jose-unknown-extensions.txt": null,
    // VC-JOSE-COSE §3.1.1: the JWT claims `vc` and `vp` MUST NOT appear (the suite's test 15 expects failure).
    "credential-jose-vc-vp-claims.txt": "invalid_claims",
    "credential-sdjwt-bad-media-type.txt": "bad_media_type",
    "credential-sdjwt-bad-signature.txt": "invalid_signature",
    "credential-sdjwt-nested.txt": null,
    "credential-sdjwt-selective.txt": null,
  };

  for (const [file, code] of Object.entries(credentialExpect)) {
    it(`${file} ${code === null ? "verifies" : `fails with ${code}`}`, async () => {
      const result = await verifyCredential(read(file), { resolveKey, now: new Date("2025-01-01T00:00:00Z") });
      if (code === null) {
        expect(result.errors).toEqual([]);
        expect(result.verified).toBe(true);
      } else {
        expect(result.verified).toBe(false);
        expect(result.errors.map((e) => e.code)).toEqual([code]);
      }
    });
  }

  it("recovers the disclosed claims of the selective and nested SD-JWTs", async () => {
    const selective = await verifyCredential(read("credential-sdjwt-selective.txt"), { resolveKey });
    expect(selective.credential?.credentialSubject).toEqual({
      birthDate: "1990-01-01",
      id: "did:example:ebfeb1f712ebc6f1c276e12ec21",
      firstName: "Jane",
      lastName: "Doe",
    });
    const nested = await verifyCredential(read("credential-sdjwt-nested.txt"), { resolveKey });
    expect(nested.disclosed?.sort()).toEqual([
      "credentialSubject.address.city",
      "credentialSubject.address.street",
      "credentialSubject.phoneNumbers[0]",
    ]);
    expect(nested.credential?.credentialSubject).toMatchObject({
      address: { street: "123 Main St", city: "Anytown", country: "USA", postalCode: "12345" },
      phoneNumbers: [
        { number: "+1-555-123-4567", type: "work" },
        { number: "+1-555-987-6543", type: "mobile" },
      ],
    });
  });

  const presentationExpect: Record<string, string | null> = {
    "presentation-cose-bad-credential.txt": "credential_invalid",
    "presentation-cose-bad-media-type.txt": "bad_media_type",
    "presentation-cose-single.txt": null,
    "presentation-jose-bad-credential.txt": "credential_invalid",
    "presentation-jose-bad-media-type.txt": "bad_media_type",
    "presentation-jose-multiple.txt": null,
    "presentation-sdjwt-bad-credential.txt": "credential_invalid",
    "presentation-sdjwt-bad-media-type.txt": "bad_media_type",
    "presentation-sdjwt-selective.txt": null,
  };

  for (const [file, code] of Object.entries(presentationExpect)) {
    it(`${file} ${code === null ? "verifies" : `fails with ${code}`}`, async () => {
      const token = read(file);
      // The suite's presentations bind no holder (the issuer presents credentials issued to did:example:123), and
      // the suite checks embedded credentials only as envelopes: presentation-cose-single embeds a placeholder.
      const result = await verifyPresentation(token, {
        resolveKey,
        now: presentationTime(token),
        holderBinding: "off",
        embeddedCredentials: "envelope-only",
      });
      if (code === null) {
        expect(result.errors).toEqual([]);
        expect(result.verified).toBe(true);
      } else {
        expect(result.verified).toBe(false);
        expect(result.errors.map((e) => e.code)).toContain(code);
      }
    });
  }

  it("verifies every credential inside presentation-jose-multiple (vc+jwt, vc+sd-jwt, vc+cose) in full", async () => {
    const token = read("presentation-jose-multiple.txt");
    const result = await verifyPresentation(token, { resolveKey, now: presentationTime(token), holderBinding: "off" });
    expect(result.errors).toEqual([]);
    expect(result.credentials.map((c) => [c.mediaType, c.result?.verified])).toEqual([
      ["application/vc+jwt", true],
      ["application/vc+sd-jwt", true],
      ["application/vc+cose", true],
    ]);
  });

  it("fails presentation-*-bad-credential because of the credential, even when verifying in full", async () => {
    for (const file of ["presentation-jose-bad-credential.txt", "presentation-cose-bad-credential.txt"]) {
      const token = read(file);
      const result = await verifyPresentation(token, {
        resolveKey,
        now: presentationTime(token),
        holderBinding: "off",
      });
      expect(result.errors.map((e) => e.code)).toEqual(["credential_invalid"]);
      expect(result.credentials[0]?.errors[0]?.code).toBe("malformed");
    }
  });

  it("reports the placeholder credential in presentation-cose-single when verifying in full", async () => {
    const result = await verifyPresentation(read("presentation-cose-single.txt"), { resolveKey, holderBinding: "off" });
    expect(result.errors).toEqual([
      {
        code: "credential_invalid",
        message: "verifiableCredential[0]: malformed: neither a compact JWS nor an SD-JWT",
      },
    ]);
  });
});
