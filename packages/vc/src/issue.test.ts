import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { platformCredentialTypes } from "./credential.js";
import { buildCredential, issueCredential } from "./issue.js";
import { decodeJws } from "./jose.js";
import { splitSdJwt } from "./sdjwt.js";
import { generateTestKey, testDid } from "./testing.js";

const oem = testDid("oem");
const car = testDid("car");
const key = generateTestKey();
const subject = {
  id: car,
  vin: "WVWZZZ1JZXW000001",
  make: "VW",
  model: "ID.3",
  year: 2024,
  powertrain: "BEV" as const,
};

describe("issuing platform credentials", () => {
  it("builds the VCDM 2.0 document with type, validity, status and holder key", () => {
    const credential = buildCredential({
      type: "VehicleIdentityCredential",
      issuer: oem,
      subject,
      id: "urn:uuid:1",
      validFrom: new Date("2026-01-01T00:00:00.000Z"),
      validUntil: new Date("2036-01-01T00:00:00Z"),
      status: [
        { statusListCredential: "https://status.example/r/1", statusListIndex: 42, statusPurpose: "revocation" },
        { statusListCredential: "https://status.example/s/1", statusListIndex: 42, statusPurpose: "suspension" },
      ],
      holderJwk: key.privateJwk,
    });
    expect(credential).toEqual({
      "@context": ["https://www.w3.org/ns/credentials/v2"],
      id: "urn:uuid:1",
      type: ["VerifiableCredential", "VehicleIdentityCredential"],
      issuer: oem,
      validFrom: "2026-01-01T00:00:00Z",
      validUntil: "2036-01-01T00:00:00Z",
      credentialSubject: subject,
      credentialStatus: [
        {
          id: "https://status.example/r/1#42",
          type: "BitstringStatusListEntry",
          statusPurpose: "revocation",
          statusListIndex: "42",
          statusListCredential: "https://status.example/r/1",
        },
        {
          id: "https://status.example/s/1#42",
          type: "BitstringStatusListEntry",
          statusPurpose: "suspension",
          statusListIndex: "42",
          statusListCredential: "https://status.example/s/1",
        },
      ],
      cnf: { jwk: key.publicJwk },
    });
  });

  it("issues vc+jwt and SD-JWT with only the chosen claims hidden", () => {
    const jwt = issueCredential({
      type: "VehicleIdentityCredential",
      issuer: oem,
      kid: `${oem}#key-1`,
      privateKey: key.privateKey,
      subject,
      format: "vc+jwt",
    });
    expect(decodeJws(jwt).header.typ).toBe("vc+jwt");
    const sd = issueCredential({
      type: "VehicleIdentityCredential",
      issuer: oem,
      kid: `${oem}#key-1`,
      privateKey: key.privateKey,
      subject,
      format: "sd-jwt",
      disclosable: ["credentialSubject.vin"],
      holderJwk: key.publicJwk,
    });
    const split = splitSdJwt(sd);
    expect(split.disclosures).toHaveLength(1);
    const payload = decodeJws(split.jwt).payload;
    expect(JSON.stringify(payload)).not.toContain(subject.vin);
    expect(payload.cnf).toEqual({ jwk: key.publicJwk });
  });

  it("pins the issuance errors", () => {
    const base = { issuer: oem, kid: `${oem}#key-1`, privateKey: key.privateKey, format: "vc+jwt" as const };
    expect(() =>
      issueCredential({ ...base, type: "VehicleIdentityCredential", subject: { ...subject, year: 1800 } }),
    ).toThrow(InvalidInputError);
    try {
      issueCredential({ ...base, type: "VehicleIdentityCredential", subject: { ...subject, year: 1800 } });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      if (error instanceof InvalidInputError) {
        expect(error.shortMessage).toBe("invalid VehicleIdentityCredential subject");
        expect(error.details).toBe("credentialSubject.year: Too small: expected number to be >=1886");
      }
    }
    expect(() => issueCredential({ ...base, kid: `${car}#key-1`, type: "VehicleIdentityCredential", subject })).toThrow(
      `kid ${car}#key-1 is not a verification method of the issuer ${oem}`,
    );
    expect(() =>
      issueCredential({ ...base, type: "VehicleIdentityCredential", subject, disclosable: ["credentialSubject.vin"] }),
    ).toThrow("disclosable claims need format sd-jwt");
    expect(() =>
      issueCredential({
        ...base,
        type: "VehicleIdentityCredential",
        subject,
        validFrom: new Date(2),
        validUntil: new Date(1),
      }),
    ).toThrow("validUntil must be after validFrom");
    expect(() =>
      issueCredential({
        ...base,
        type: "VehicleIdentityCredential",
        subject,
        status: { statusListCredential: "https://s", statusListIndex: -1, statusPurpose: "revocation" },
      }),
    ).toThrow("status index -1 is not a non-negative integer");
  });

  it("every platform type has its schema enforced at issuance", () => {
    fc.assert(
      fc.property(fc.constantFrom(...platformCredentialTypes), (type) => {
        // As from an HTTP body: JSON, unchecked by the compiler.
        const subjectFromJson = JSON.parse('{"id":"not-a-did"}');
        expect(() => buildCredential({ type, issuer: oem, subject: subjectFromJson })).toThrow(
          `invalid ${type} subject`,
        );
      }),
    );
  });
});
