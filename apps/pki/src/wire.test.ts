// The request signatures the PKI service checks (the wire format lives in packages/v2x/src/pki/client.ts): the
// canonical form ignores key order but nothing else, so a reordered body still verifies and any changed field,
// added field or other signer does not.
import { generateKeyPairSync } from "node:crypto";
import { canonicalJson, pkiTicketsRequestSchema, signPkiRequest, verifyPkiRequest } from "@amc/v2x";
import { describe, expect, it } from "vitest";

const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
const did = `did:amc:test:${"ab".repeat(32)}`;

describe("PKI request signatures", () => {
  it("canonical JSON sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: [3, { z: 1, a: "x" }], a: null, c: undefined })).toBe(
      '{"a":null,"b":[3,{"a":"x","z":1}]}',
    );
    expect(() => canonicalJson({ n: Number.NaN })).toThrow("has no JSON form");
  });

  it("verifies a reordered body and refuses a changed one, an extra field or another key", () => {
    const body = {
      vehicleDid: did,
      period: 0,
      slots: [0, 1],
      publicKeys: [`02${"11".repeat(32)}`, `03${"22".repeat(32)}`],
    };
    const signed = { ...body, signature: signPkiRequest(body, key.privateKey) };
    const reordered = {
      signature: signed.signature,
      slots: [0, 1],
      publicKeys: body.publicKeys,
      period: 0,
      vehicleDid: did,
    };
    expect(verifyPkiRequest(reordered, key.publicKey)).toBe(true);
    expect(verifyPkiRequest({ ...signed, slots: [1, 0] }, key.publicKey)).toBe(false);
    expect(verifyPkiRequest({ ...signed, period: 1 }, key.publicKey)).toBe(false);
    expect(verifyPkiRequest({ ...signed, extra: 1 }, key.publicKey)).toBe(false);
    expect(verifyPkiRequest(signed, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey)).toBe(false);
    expect(verifyPkiRequest({ ...signed, signature: "00" }, key.publicKey)).toBe(false);
    // The service refuses unknown fields outright, so nothing unsigned can ride along.
    expect(pkiTicketsRequestSchema.safeParse({ ...signed, extra: 1 }).success).toBe(false);
    expect(pkiTicketsRequestSchema.safeParse(signed).success).toBe(true);
  });
});
