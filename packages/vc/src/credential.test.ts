import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consortiumRoles,
  credentialTypes,
  describeZodError,
  issuerId,
  platformCredentialTypes,
  platformTypeOf,
  powertrains,
  statusEntries,
  subjectIds,
  VC_CONTEXT_V2,
  vehicleIdentitySubjectSchema,
  verifiableCredentialSchema,
} from "./credential.js";

const did = "did:amc:test:0000000000000000000000000000000000000000000000000000000000000001";
const minimal = {
  "@context": [VC_CONTEXT_V2],
  type: ["VerifiableCredential"],
  issuer: did,
  credentialSubject: { id: did },
};

const vinChar = fc.constantFrom(..."ABCDEFGHJKLMNPRSTUVWXYZ0123456789");
const vehicleSubject = fc.record(
  {
    id: fc.constant(did),
    vin: fc.array(vinChar, { minLength: 17, maxLength: 17 }).map((c) => c.join("")),
    make: fc.string({ minLength: 1 }),
    model: fc.string({ minLength: 1 }),
    year: fc.integer({ min: 1886, max: 2100 }),
    powertrain: fc.constantFrom(...powertrains),
    battery: fc.record({
      chemistry: fc.constantFrom("LFP", "NMC"),
      capacityKWh: fc.double({ min: 1, max: 300, noNaN: true }),
    }),
  },
  { requiredKeys: ["id", "vin", "make", "model", "year", "powertrain"] },
);

describe("credential data model", () => {
  it("accepts a minimal VCDM 2.0 credential and keeps members it does not know", () => {
    const parsed = verifiableCredentialSchema.parse({ ...minimal, evidence: [{ id: "x" }] });
    expect(parsed.evidence).toEqual([{ id: "x" }]);
  });

  it("requires the v2 context first, VerifiableCredential among the types and dateTimeStamps with a zone", () => {
    const error = (value: unknown) => {
      const result = verifiableCredentialSchema.safeParse(value);
      return result.success ? "ok" : describeZodError(result.error);
    };
    expect(error({ ...minimal, "@context": ["https://www.w3.org/2018/credentials/v1"] })).toBe(
      "@context: the first @context must be https://www.w3.org/ns/credentials/v2",
    );
    expect(error({ ...minimal, type: ["Other"] })).toBe("type: type must include VerifiableCredential");
    expect(error({ ...minimal, validFrom: "2026-01-01T00:00:00" })).toMatch(/^validFrom: /);
    expect(error({ ...minimal, validFrom: "2026-01-01T00:00:00+02:00" })).toBe("ok");
    expect(error({ ...minimal, issuer: { id: did, name: "OEM" } })).toBe("ok");
  });

  it("reads issuer, subjects and status entries in either shape", () => {
    expect(issuerId({ id: did })).toBe(did);
    expect(subjectIds({ credentialSubject: [{ id: "a" }, {}, { id: "b" }] })).toEqual(["a", "b"]);
    expect(statusEntries({ credentialStatus: { type: "X" } })).toEqual([{ type: "X" }]);
    expect(statusEntries({})).toEqual([]);
  });

  it("names a rule for every platform type, and roles that the consortium knows", () => {
    expect(platformCredentialTypes).toHaveLength(6);
    for (const type of platformCredentialTypes) {
      const rule = credentialTypes[type].issuer;
      if (rule.kind === "role") for (const role of rule.anyOf) expect(consortiumRoles).toContain(role);
    }
    expect(credentialTypes.VehicleIdentityCredential.issuer).toEqual({ kind: "role", anyOf: ["OEM"] });
    expect(credentialTypes.AccessGrantCredential.issuer).toEqual({ kind: "controller", subjectField: "vehicle" });
    expect(platformTypeOf({ type: ["VerifiableCredential", "InspectionCredential"] })).toBe("InspectionCredential");
    expect(platformTypeOf({ type: "VerifiableCredential" })).toBeUndefined();
  });

  it("accepts every well-formed vehicle identity subject", () => {
    fc.assert(
      fc.property(vehicleSubject, (subject) => {
        expect(vehicleIdentitySubjectSchema.parse(subject)).toEqual(subject);
      }),
    );
  });

  it("pins the subject errors of the platform types", () => {
    const message = (type: (typeof platformCredentialTypes)[number], subject: unknown) => {
      const result = credentialTypes[type].subject.safeParse(subject);
      return result.success ? "ok" : describeZodError(result.error, "credentialSubject");
    };
    const vehicle = { id: did, vin: "WVWZZZ1JZXW000001", make: "VW", model: "ID.3", year: 2024, powertrain: "BEV" };
    expect(message("VehicleIdentityCredential", vehicle)).toBe("ok");
    expect(message("VehicleIdentityCredential", { ...vehicle, vin: "WVWZZZ1JZXW00000I" })).toBe(
      "credentialSubject.vin: a VIN is 17 characters of A-Z (no I, O, Q) and 0-9",
    );
    expect(
      message("AccessGrantCredential", {
        id: did,
        vehicle: did,
        scopes: ["Telemetry"],
        purpose: "p",
        expiry: "2027-01-01T00:00:00Z",
      }),
    ).toBe("credentialSubject.scopes.0: scopes look like telemetry:read");
    expect(message("RsuAuthorisationCredential", { id: did, h3Cell: "871f1d489ffffff", operator: did })).toBe("ok");
    expect(
      message("InspectionCredential", {
        id: did,
        result: "pass",
        reportHash: "0x12",
        inspectedAt: "2026-01-01T00:00:00Z",
      }),
    ).toBe("credentialSubject.reportHash: a 0x-prefixed lowercase 32-byte hex hash");
    expect(message("ConsortiumMembershipCredential", { id: did, roles: ["KING"] })).toMatch(
      /^credentialSubject\.roles\.0: /,
    );
    expect(message("VehicleOwnershipCredential", { id: "alice", vehicle: did, since: "2026-01-01T00:00:00Z" })).toBe(
      "credentialSubject.id: not a DID",
    );
  });
});
