import { InvalidInputError } from "@amc/utils";
import { SDJwtInstance } from "@sd-jwt/core";
import { digest, ES256, generateSalt } from "@sd-jwt/crypto-nodejs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VC_CONTEXT_V2 } from "./credential.js";
import { base64urlEncode, isJsonObject, parseJsonObject } from "./encoding.js";
import { CredentialError } from "./errors.js";
import { decodeJws, signJws } from "./jose.js";
import {
  createDisclosure,
  createKbJwt,
  decodeDisclosure,
  formatClaimPath,
  issueSdJwt,
  packDisclosures,
  parseClaimPath,
  presentSdJwt,
  sdHash,
  splitSdJwt,
  unpackDisclosures,
  verifyKbJwt,
} from "./sdjwt.js";
import { generateTestKey, testDid } from "./testing.js";

const issuerKey = generateTestKey();
const holderKey = generateTestKey();
const kid = `${testDid("oem")}#key-1`;
const vehicle = {
  "@context": [VC_CONTEXT_V2],
  type: ["VerifiableCredential", "VehicleIdentityCredential"],
  issuer: testDid("oem"),
  validFrom: "2026-01-01T00:00:00Z",
  credentialSubject: {
    id: testDid("car"),
    vin: "WVWZZZ1JZXW000001",
    make: "VW",
    model: "ID.3",
    year: 2024,
    powertrain: "BEV",
    battery: { chemistry: "NMC", capacityKWh: 58 },
  },
};

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CredentialError) return `${error.code}: ${error.shortMessage}`;
    throw error;
  }
  return "ok";
};

const claimName = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);
const subjectArb = fc.dictionary(claimName, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 6 });

describe("SD-JWT", () => {
  it("parses and formats claim paths", () => {
    expect(parseClaimPath("credentialSubject.phoneNumbers[0]")).toEqual(["credentialSubject", "phoneNumbers", 0]);
    expect(parseClaimPath("a.b.2")).toEqual(["a", "b", 2]);
    expect(formatClaimPath(["credentialSubject", "phoneNumbers", 0])).toBe("credentialSubject.phoneNumbers[0]");
    expect(() => parseClaimPath("a..b")).toThrow('claim path "a..b" has an empty segment');
  });

  it("round-trips any claims: all disclosures give back the original, a subset gives exactly that subset", () => {
    fc.assert(
      fc.property(subjectArb, fc.nat(), fc.nat({ max: 3 }), (subject, mask, decoys) => {
        const original = parseJsonObject(JSON.stringify({ ...vehicle, credentialSubject: subject }), "claims");
        const names = Object.keys(subject);
        const disclosable = names.filter((_, i) => (mask >> i) & 1).map((n) => `credentialSubject.${n}`);
        const { payload, disclosures } = packDisclosures(original, disclosable, { decoys });
        expect(disclosures).toHaveLength(disclosable.length);
        // A disclosable claim is no longer a key of the subject (the same name may still occur deeper inside
        // another claim's value, so look at the subject's own keys, not the whole text).
        const packedSubject = payload.credentialSubject;
        const ownKeys = packedSubject && typeof packedSubject === "object" ? Object.keys(packedSubject) : [];
        for (const path of disclosable) expect(ownKeys).not.toContain(path.split(".")[1]);
        const all = unpackDisclosures(
          payload,
          disclosures.map((d) => d.encoded),
        );
        expect(all.claims).toEqual(original);
        const shown = disclosures.filter((_, i) => i % 2 === 0);
        const some = unpackDisclosures(
          payload,
          shown.map((d) => d.encoded),
        );
        const hidden = new Set(disclosures.filter((_, i) => i % 2 === 1).map((d) => d.name));
        const expected = Object.fromEntries(Object.entries(subject).filter(([k]) => !hidden.has(k)));
        expect(some.claims.credentialSubject).toEqual(JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps a disclosed claim named __proto__ as a claim, not as the object's prototype", () => {
    const original = parseJsonObject('{"credentialSubject":{"__proto__":{"admin":true}}}', "claims");
    const { payload, disclosures } = packDisclosures(original, ["credentialSubject.__proto__"]);
    const { claims } = unpackDisclosures(
      payload,
      disclosures.map((d) => d.encoded),
    );
    expect(JSON.stringify(claims)).toBe('{"credentialSubject":{"__proto__":{"admin":true}}}');
    expect(Object.getPrototypeOf(claims.credentialSubject)).toBe(Object.prototype);
  });

  it("packs nested claims and array elements, deepest first, and sorts digests", () => {
    const { payload, disclosures } = packDisclosures(
      { ...vehicle, credentialSubject: { ...vehicle.credentialSubject, tags: ["a", "b"] } },
      ["credentialSubject.battery", "credentialSubject.battery.capacityKWh", "credentialSubject.tags[1]"],
    );
    expect(disclosures.map((d) => d.name)).toEqual(["capacityKWh", undefined, "battery"]);
    const subject = payload.credentialSubject;
    if (!isJsonObject(subject)) throw new Error("no subject");
    expect(subject.tags).toEqual(["a", { "...": disclosures[1]?.digest }]);
    expect(payload._sd_alg).toBe("sha-256");
    const battery = decodeDisclosure(disclosures[2]?.encoded ?? "");
    expect(battery.value).toEqual({ chemistry: "NMC", _sd: [disclosures[0]?.digest] });
    const { disclosed } = unpackDisclosures(
      payload,
      disclosures.map((d) => d.encoded),
    );
    expect(disclosed.map((d) => formatClaimPath(d.path)).sort()).toEqual([
      "credentialSubject.battery",
      "credentialSubject.battery.capacityKWh",
      "credentialSubject.tags[1]",
    ]);
  });

  it("refuses to hide claims a verifier needs, and paths that do not exist", () => {
    expect(() => packDisclosures(vehicle, ["issuer"])).toThrow(InvalidInputError);
    expect(() => packDisclosures(vehicle, ["validUntil"])).toThrow(
      'claim "validUntil" cannot be selectively disclosable',
    );
    expect(() => packDisclosures(vehicle, ["credentialSubject.color"])).toThrow(
      'claim "credentialSubject.color" does not exist in the credential',
    );
    expect(() => packDisclosures(vehicle, ["credentialSubject._sd"])).toThrow(
      'claim "credentialSubject._sd" is SD-JWT syntax, not a claim',
    );
  });

  it("rejects duplicated, unreferenced, conflicting and malformed disclosures", () => {
    const { payload, disclosures } = packDisclosures(vehicle, ["credentialSubject.vin", "credentialSubject.make"]);
    const [vin, make] = disclosures.map((d) => d.encoded);
    if (!vin || !make) throw new Error("missing disclosures");
    expect(codeOf(() => unpackDisclosures(payload, [vin, vin]))).toBe(
      "invalid_disclosure: the same disclosure is presented twice",
    );
    const stray = createDisclosure("color", "red").encoded;
    expect(codeOf(() => unpackDisclosures(payload, [vin, stray]))).toBe(
      "invalid_disclosure: a disclosure matches no digest in the credential",
    );
    const twice = structuredClone(payload);
    const subject = twice.credentialSubject;
    if (!isJsonObject(subject) || !Array.isArray(subject._sd)) throw new Error("no _sd");
    subject.other = { _sd: [subject._sd[0]] };
    expect(codeOf(() => unpackDisclosures(twice, []))).toBe("invalid_disclosure: a digest appears more than once");
    const clash = createDisclosure("model", "Other");
    const withClash = structuredClone(payload);
    if (isJsonObject(withClash.credentialSubject)) withClash.credentialSubject._sd = [clash.digest];
    expect(codeOf(() => unpackDisclosures(withClash, [clash.encoded]))).toBe(
      'invalid_disclosure: disclosed claim "model" is already present',
    );
    expect(codeOf(() => unpackDisclosures({ ...payload, _sd_alg: "sha-512" }, []))).toBe(
      'unsupported: _sd_alg "sha-512" is not sha-256',
    );
    expect(codeOf(() => decodeDisclosure(base64urlEncode('["salt"]')))).toBe(
      "invalid_disclosure: a disclosure must be [salt, value] or [salt, name, value]",
    );
    expect(codeOf(() => decodeDisclosure(base64urlEncode('["salt","_sd",1]')))).toBe(
      'invalid_disclosure: a disclosure may not name the claim "_sd"',
    );
    expect(codeOf(() => decodeDisclosure("%%%"))).toBe("invalid_disclosure: a disclosure is not base64url JSON");
  });

  it("splits compact SD-JWTs and refuses empty disclosures", () => {
    expect(splitSdJwt("h.p.s~d1~d2~")).toEqual({
      jwt: "h.p.s",
      disclosures: ["d1", "d2"],
      kbJwt: undefined,
      presented: "h.p.s~d1~d2~",
    });
    expect(splitSdJwt("h.p.s~k.b.j")).toEqual({ jwt: "h.p.s", disclosures: [], kbJwt: "k.b.j", presented: "h.p.s~" });
    expect(codeOf(() => splitSdJwt("h.p.s"))).toBe("malformed: an SD-JWT has at least one `~`");
    expect(codeOf(() => splitSdJwt("h.p.s~~"))).toBe("malformed: the SD-JWT has an empty disclosure");
  });

  it("presents a chosen subset with a key-binding JWT over it", () => {
    const issued = issueSdJwt({
      payload: vehicle,
      disclosable: [
        "credentialSubject.vin",
        "credentialSubject.make",
        "credentialSubject.battery",
        "credentialSubject.battery.capacityKWh",
      ],
      kid,
      privateKey: issuerKey.privateKey,
      holderJwk: holderKey.publicJwk,
      decoys: 2,
    });
    const now = new Date();
    const presented = presentSdJwt(issued, {
      disclose: ["credentialSubject.battery.capacityKWh"],
      keyBinding: { privateKey: holderKey.privateKey, nonce: "n1", audience: "did:amc:test:verifier", now },
    });
    const split = splitSdJwt(presented);
    expect(split.disclosures).toHaveLength(2); // battery and its capacity, not vin or make
    const kb = split.kbJwt ?? "";
    const kbHeader = decodeJws(kb).header;
    expect(kbHeader).toEqual({ alg: "ES256", typ: "kb+jwt" });
    const payload = verifyKbJwt(kb, {
      holderJwk: holderKey.publicJwk,
      presented: split.presented,
      nonce: "n1",
      audience: "did:amc:test:verifier",
      now,
    });
    expect(payload).toEqual({
      iat: Math.floor(now.getTime() / 1000),
      aud: "did:amc:test:verifier",
      nonce: "n1",
      sd_hash: sdHash(split.presented),
    });
  });

  it("pins every key-binding failure", () => {
    const presented = issueSdJwt({ payload: vehicle, disclosable: [], kid, privateKey: issuerKey.privateKey });
    const now = new Date("2026-06-01T12:00:00Z");
    const kb = createKbJwt(presented, { privateKey: holderKey.privateKey, nonce: "n1", audience: "v", now });
    const check = (overrides: Partial<Parameters<typeof verifyKbJwt>[1]>, token = kb) =>
      codeOf(() =>
        verifyKbJwt(token, {
          holderJwk: holderKey.publicJwk,
          presented,
          nonce: "n1",
          audience: "v",
          now,
          ...overrides,
        }),
      );
    expect(check({})).toBe("ok");
    expect(check({ nonce: "n2" })).toBe(
      "holder_binding_failed: the key-binding JWT's nonce is not the one this verifier issued",
    );
    expect(check({ audience: "w" })).toBe('holder_binding_failed: the key-binding JWT is for "v", not w');
    expect(check({ holderJwk: issuerKey.publicJwk })).toBe(
      "holder_binding_failed: the key-binding JWT is not signed by the credential's cnf key",
    );
    expect(check({ presented: `${presented}x~` })).toBe(
      "holder_binding_failed: the key-binding JWT's sd_hash does not match the presented SD-JWT",
    );
    expect(check({ now: new Date("2026-06-01T12:06:01Z") })).toBe(
      "holder_binding_failed: the key-binding JWT is too old",
    );
    expect(check({ now: new Date("2026-06-01T11:58:59Z") })).toBe(
      "holder_binding_failed: the key-binding JWT is issued in the future",
    );
    const wrongTyp = signJws({ alg: "ES256", typ: "JWT" }, { iat: 0 }, holderKey.privateKey);
    expect(check({}, wrongTyp)).toBe('holder_binding_failed: key-binding JWT: typ is "JWT", expected "kb+jwt"');
    expect(check({}, "x")).toBe("holder_binding_failed: key-binding JWT: a compact JWS has 3 parts, this has 1");
  });
});

describe("SD-JWT interop with @sd-jwt/core", () => {
  const sdjwt = new SDJwtInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    signAlg: "ES256",
    signer: async (data: string) => (await ES256.getSigner(issuerKey.privateJwk))(data),
    verifier: async (data: string, signature: string) =>
      (await ES256.getVerifier(issuerKey.publicJwk))(data, signature),
    kbSignAlg: "ES256",
    kbSigner: async (data: string) => (await ES256.getSigner(holderKey.privateJwk))(data),
    kbVerifier: async (data: string, signature: string, payload: { cnf?: { jwk?: object } }) =>
      (await ES256.getVerifier(payload.cnf?.jwk ?? {}))(data, signature),
  });

  it("verifies our SD-JWT with its KB-JWT (nonce, audience) and recovers exactly the disclosed claims", async () => {
    const issued = issueSdJwt({
      payload: vehicle,
      disclosable: ["credentialSubject.vin", "credentialSubject.model", "credentialSubject.battery.capacityKWh"],
      kid,
      privateKey: issuerKey.privateKey,
      holderJwk: holderKey.publicJwk,
      decoys: 3,
    });
    const presented = presentSdJwt(issued, {
      disclose: ["credentialSubject.model", "credentialSubject.battery.capacityKWh"],
      keyBinding: { privateKey: holderKey.privateKey, nonce: "nonce-42", audience: "did:amc:test:insurer" },
    });
    const result = await sdjwt.verify(presented, { keyBindingNonce: "nonce-42" });
    expect(result.kb?.payload.aud).toBe("did:amc:test:insurer");
    const { vin: _vin, ...withoutVin } = vehicle.credentialSubject;
    expect(result.payload).toEqual({ ...vehicle, credentialSubject: withoutVin, cnf: { jwk: holderKey.publicJwk } });
    await expect(sdjwt.verify(presented, { keyBindingNonce: "other" })).rejects.toThrow("Invalid Nonce");
  });

  it("lets us unpack what @sd-jwt/core issues, arrays and nesting included", async () => {
    const issued = await sdjwt.issue(
      { iss: "did:amc:test:x", credentialSubject: { make: "VW", tags: ["a", "b"], battery: { kwh: 58 } } },
      { credentialSubject: { _sd: ["make", "battery"], tags: { _sd: [1] }, battery: { _sd: ["kwh"] } } },
    );
    const split = splitSdJwt(issued);
    const { claims } = unpackDisclosures(decodeJws(split.jwt).payload, split.disclosures);
    expect(claims).toEqual({
      iss: "did:amc:test:x",
      credentialSubject: { make: "VW", tags: ["a", "b"], battery: { kwh: 58 } },
    });
  });
});
