// End-to-end verification on a small consortium (an OEM, a regulator, an RSU operator, a car, an owner, a
// grantee): revocation and suspension through anchored and signed status lists, tampered lists, validity windows,
// issuer authority, and holder binding for vp+jwt and SD-JWT+KB presentations.
import { InvalidInputError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { VC_CONTEXT_V2 } from "./credential.js";
import { base64urlEncode } from "./encoding.js";
import { issueCredential } from "./issue.js";
import { issueVcJwt, issueVpJwt, signJws } from "./jose.js";
import { presentSdJwt } from "./sdjwt.js";
import { BitstringStatusList, statusListStateHash } from "./statusList.js";
import { type Party, TestWorld, testDid } from "./testing.js";
import { verifyCredential, verifyPresentation } from "./verify.js";

const world = new TestWorld();
const oem = world.party("oem", ["OEM"]);
const regulator = world.party("regulator", ["REGULATOR"]);
const rsuOperator = world.party("rsu-operator", ["RSU_OPERATOR"]);
const car = world.party("car");
const owner = world.party("owner");
const grantee = world.party("grantee");
const stranger = world.party("stranger");
world.controllers.set(car.did, owner.did);

const revocations = {
  url: "https://status.oem.example/revocation/1",
  list: new BitstringStatusList(),
  issuer: oem,
  purpose: "revocation" as const,
};
const suspensions = {
  url: "https://status.oem.example/suspension/1",
  list: new BitstringStatusList(),
  issuer: oem,
  purpose: "suspension" as const,
};
world.publish(revocations);
world.publish(suspensions);

const now = new Date("2026-06-01T12:00:00Z");
const vehicleSubject = {
  id: car.did,
  vin: "WVWZZZ1JZXW000001",
  make: "VW",
  model: "ID.3",
  year: 2024,
  powertrain: "BEV" as const,
};

function vehicleIdentity(
  index: number,
  overrides: Partial<Parameters<typeof issueCredential>[0]> = {},
  issuer: Party = oem,
) {
  return issueCredential({
    type: "VehicleIdentityCredential",
    issuer: issuer.did,
    kid: issuer.kid,
    privateKey: issuer.privateKey,
    subject: vehicleSubject,
    validFrom: new Date("2026-01-01T00:00:00Z"),
    validUntil: new Date("2027-01-01T00:00:00Z"),
    status: [
      { statusListCredential: revocations.url, statusListIndex: index, statusPurpose: "revocation" },
      { statusListCredential: suspensions.url, statusListIndex: index, statusPurpose: "suspension" },
    ],
    format: "vc+jwt",
    ...overrides,
  });
}

const codes = (result: { errors: { code: string }[] }) => result.errors.map((e) => e.code);

describe("verifyCredential", () => {
  it("verifies a vc+jwt with status, role and validity checks all passing", async () => {
    const result = await verifyCredential(vehicleIdentity(1), world.options(now));
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.format).toBe("vc+jwt");
    expect(result.kid).toBe(oem.kid);
    expect(result.credential?.credentialSubject).toEqual(vehicleSubject);
  });

  it("fails a revoked index with revoked and a suspended one with suspended", async () => {
    revocations.list.set(7, true);
    suspensions.list.set(8, true);
    world.publish(revocations);
    world.publish(suspensions);
    const revoked = await verifyCredential(vehicleIdentity(7), world.options(now));
    expect(revoked.errors).toEqual([
      { code: "revoked", message: `the credential is revoked (${revocations.url}, index 7)` },
    ]);
    const suspended = await verifyCredential(vehicleIdentity(8), world.options(now));
    expect(suspended.errors).toEqual([
      { code: "suspended", message: `the credential is suspended (${suspensions.url}, index 8)` },
    ]);
    expect(suspended.credential).toBeDefined();
    suspensions.list.set(8, false);
    world.publish(suspensions);
    expect((await verifyCredential(vehicleIdentity(8), world.options(now))).verified).toBe(true);
  });

  it("fails with status_unverifiable when the served list does not hash to the anchored state", async () => {
    const options = world.options(now);
    const served = new BitstringStatusList();
    served.set(3, false); // the mirror serves a list in which nothing is revoked
    revocations.list.set(3, true);
    world.publish(revocations, "anchored", statusListStateHash(revocations.list.encode()));
    const honest = await verifyCredential(vehicleIdentity(3), options);
    expect(codes(honest)).toEqual(["revoked"]);
    // A mirror drops the revocation, but the anchor on chain still has the state with bit 3 set.
    world.publish({ ...revocations, list: served }, "anchored", statusListStateHash(revocations.list.encode()));
    const result = await verifyCredential(vehicleIdentity(3), options);
    expect(result.errors).toEqual([
      {
        code: "status_unverifiable",
        message: `the status list hashes to ${statusListStateHash(served.encode())}, but ${statusListStateHash(revocations.list.encode())} is anchored`,
      },
    ]);
    revocations.list.set(3, false);
    world.publish(revocations);
  });

  it("accepts a signed status list, and refuses one signed by someone else or neither signed nor anchored", async () => {
    const signedWorld = new TestWorld();
    const issuer = signedWorld.party("oem-2", ["OEM"]);
    const mallory = signedWorld.party("mallory", ["OEM"]);
    const list = {
      url: "https://status.example/2",
      list: new BitstringStatusList(),
      issuer,
      purpose: "revocation" as const,
    };
    list.list.set(5, true);
    signedWorld.publish(list, "signed");
    const credential = (index: number) =>
      issueCredential({
        type: "VehicleIdentityCredential",
        issuer: issuer.did,
        kid: issuer.kid,
        privateKey: issuer.privateKey,
        subject: vehicleSubject,
        status: { statusListCredential: list.url, statusListIndex: index, statusPurpose: "revocation" },
        format: "vc+jwt",
        validFrom: new Date("2026-01-01T00:00:00Z"),
      });
    expect(codes(await verifyCredential(credential(4), signedWorld.options(now)))).toEqual([]);
    expect(codes(await verifyCredential(credential(5), signedWorld.options(now)))).toEqual(["revoked"]);
    signedWorld.publish({ ...list, issuer: mallory }, "signed");
    expect((await verifyCredential(credential(4), signedWorld.options(now))).errors).toEqual([
      {
        code: "status_unverifiable",
        message: `the status list is issued by ${mallory.did}, not by the credential's issuer`,
      },
    ]);
    const entry = signedWorld.lists.get(list.url);
    if (!entry || typeof entry.credential !== "string") throw new Error("expected a signed list");
    signedWorld.lists.set(list.url, {
      credential: JSON.parse(Buffer.from(entry.credential.split(".")[1] ?? "", "base64url").toString()),
    });
    expect((await verifyCredential(credential(4), signedWorld.options(now))).errors).toEqual([
      { code: "status_unverifiable", message: "the status list is neither signed nor matched to an anchored hash" },
    ]);
    signedWorld.lists.delete(list.url);
    expect((await verifyCredential(credential(4), signedWorld.options(now))).errors).toEqual([
      { code: "status_unverifiable", message: `fetching status list ${list.url} failed` },
    ]);
    const { fetchStatusList: _none, ...withoutFetch } = signedWorld.options(now);
    expect((await verifyCredential(credential(4), withoutFetch)).errors).toEqual([
      { code: "status_unverifiable", message: "the credential has a status entry, but no fetchStatusList was given" },
    ]);
    expect((await verifyCredential(credential(4), { ...withoutFetch, checkStatus: false })).verified).toBe(true);
  });

  it("refuses a list whose purpose or id does not match the entry, and indexes beyond it", async () => {
    const swapped = world.lists.get(suspensions.url);
    if (!swapped) throw new Error("no suspension list");
    const serveSuspensions = { ...world.options(now), fetchStatusList: async () => swapped };
    expect((await verifyCredential(vehicleIdentity(1), serveSuspensions)).errors.map((e) => e.message)).toEqual([
      `the status list served is ${suspensions.url}, not ${revocations.url}`,
    ]);
    world.publish({ ...suspensions, url: revocations.url });
    expect((await verifyCredential(vehicleIdentity(1), world.options(now))).errors.map((e) => e.message)).toEqual([
      "the status list is for suspension, the entry for revocation",
    ]);
    world.publish(revocations);
    const beyond = await verifyCredential(vehicleIdentity(200_000), world.options(now));
    expect(beyond.errors.map((e) => e.message)).toEqual([
      "status index 200000 is beyond the list's 131072 entries",
      "status index 200000 is beyond the list's 131072 entries",
    ]);
  });

  it("checks the validity window with clock skew", async () => {
    const jwt = vehicleIdentity(1);
    expect((await verifyCredential(jwt, world.options(new Date("2025-12-31T23:59:30Z")))).verified).toBe(true);
    expect((await verifyCredential(jwt, world.options(new Date("2025-12-31T23:58:00Z")))).errors).toEqual([
      { code: "not_yet_valid", message: "the credential is valid from 2026-01-01T00:00:00.000Z" },
    ]);
    expect((await verifyCredential(jwt, world.options(new Date("2027-01-01T00:02:00Z")))).errors).toEqual([
      { code: "expired", message: "the credential expired at 2027-01-01T00:00:00.000Z" },
    ]);
  });

  it("refuses an issuer without the role its credential type needs", async () => {
    const forged = vehicleIdentity(1, {}, stranger);
    expect((await verifyCredential(forged, world.options(now))).errors).toEqual([
      {
        code: "issuer_not_authorised",
        message: `${stranger.did} holds no OEM role, which a VehicleIdentityCredential issuer needs`,
      },
      {
        code: "status_unverifiable",
        message: `the status list is issued by ${oem.did}, not by the credential's issuer`,
      },
      {
        code: "status_unverifiable",
        message: `the status list is issued by ${oem.did}, not by the credential's issuer`,
      },
    ]);
    const inspection = (issuer: Party) =>
      issueCredential({
        type: "InspectionCredential",
        issuer: issuer.did,
        kid: issuer.kid,
        privateKey: issuer.privateKey,
        subject: {
          id: car.did,
          result: "pass",
          reportHash: `0x${"ab".repeat(32)}`,
          inspectedAt: "2026-05-01T10:00:00Z",
        },
        format: "vc+jwt",
        validFrom: new Date("2026-05-01T10:00:00Z"),
      });
    expect((await verifyCredential(inspection(regulator), world.options(now))).verified).toBe(true);
    expect(codes(await verifyCredential(inspection(oem), world.options(now)))).toEqual(["issuer_not_authorised"]);
    const rsu = issueCredential({
      type: "RsuAuthorisationCredential",
      issuer: rsuOperator.did,
      kid: rsuOperator.kid,
      privateKey: rsuOperator.privateKey,
      subject: { id: testDid("rsu-17"), h3Cell: "871f1d489ffffff", operator: rsuOperator.did },
      format: "vc+jwt",
      validFrom: new Date("2026-01-01T00:00:00Z"),
    });
    expect((await verifyCredential(rsu, world.options(now))).verified).toBe(true);
    const { issuerHasRole: _skip, ...noRoles } = world.options(now);
    expect((await verifyCredential(inspection(oem), noRoles)).verified).toBe(true);
  });

  it("requires an access grant to come from the vehicle's controller and honours its expiry", async () => {
    const grant = (issuer: Party, expiry: string) =>
      issueCredential({
        type: "AccessGrantCredential",
        issuer: issuer.did,
        kid: issuer.kid,
        privateKey: issuer.privateKey,
        subject: { id: grantee.did, vehicle: car.did, scopes: ["telemetry:read"], purpose: "insurance quote", expiry },
        format: "vc+jwt",
        validFrom: new Date("2026-05-01T00:00:00Z"),
      });
    expect((await verifyCredential(grant(owner, "2026-07-01T00:00:00Z"), world.options(now))).verified).toBe(true);
    expect((await verifyCredential(grant(stranger, "2026-07-01T00:00:00Z"), world.options(now))).errors).toEqual([
      {
        code: "issuer_not_authorised",
        message: `${stranger.did} does not control ${car.did}, which a AccessGrantCredential issuer must`,
      },
    ]);
    expect((await verifyCredential(grant(owner, "2026-05-15T00:00:00Z"), world.options(now))).errors).toEqual([
      { code: "expired", message: "the access grant expired at 2026-05-15T00:00:00Z" },
    ]);
  });

  it("pins signature, key and format failures", async () => {
    const jwt = vehicleIdentity(1);
    const [h, p, s] = jwt.split(".");
    const otherPayload = base64urlEncode(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()), issuer: stranger.did }),
    );
    expect((await verifyCredential(`${h}.${otherPayload}.${s}`, world.options(now))).errors).toEqual([
      { code: "invalid_signature", message: `the signature does not verify with key ${oem.kid}` },
    ]);
    expect((await verifyCredential(jwt, { ...world.options(now), resolveKey: async () => undefined })).errors).toEqual([
      { code: "unknown_key", message: `no key is known for kid ${oem.kid}` },
    ]);
    expect(
      (
        await verifyCredential(jwt, {
          ...world.options(now),
          resolveKey: async () => {
            throw new Error("timeout");
          },
        })
      ).errors,
    ).toEqual([{ code: "unknown_key", message: `resolving key ${oem.kid} failed` }]);
    expect((await verifyCredential(jwt, { ...world.options(now), algorithms: ["EdDSA"] })).errors).toEqual([
      { code: "unsupported", message: 'algorithm "ES256" is not accepted' },
    ]);
    expect((await verifyCredential("not a credential!", world.options(now))).errors).toEqual([
      { code: "malformed", message: "the COSE credential is not base64" },
    ]);
    const notVc = signJws({ alg: "ES256", typ: "vc+jwt", kid: oem.kid }, { hello: "world" }, oem.privateKey);
    expect((await verifyCredential(notVc, world.options(now))).errors).toEqual([
      {
        code: "malformed",
        message: "not a verifiable credential: @context: Invalid input: expected array, received undefined",
      },
    ]);
    const crossSigned = issueVcJwt({
      credential: {
        "@context": [VC_CONTEXT_V2],
        type: ["VerifiableCredential"],
        issuer: oem.did,
        credentialSubject: {},
      },
      kid: stranger.kid,
      privateKey: stranger.privateKey,
    });
    expect((await verifyCredential(crossSigned, world.options(now))).errors).toEqual([
      {
        code: "issuer_not_authorised",
        message: `the credential is signed with a key of ${stranger.did}, not of its issuer ${oem.did}`,
      },
    ]);
  });

  it("verifies SD-JWT credentials, validating only the disclosed subject claims", async () => {
    const sd = vehicleIdentity(1, {
      format: "sd-jwt",
      disclosable: ["credentialSubject.vin", "credentialSubject.year"],
      holderJwk: car.publicJwk,
    });
    const shown = presentSdJwt(sd, { disclose: ["credentialSubject.year"] });
    const result = await verifyCredential(shown, world.options(now));
    expect(result.errors).toEqual([]);
    expect(result.disclosed).toEqual(["credentialSubject.year"]);
    expect(result.credential?.credentialSubject).not.toHaveProperty("vin");
  });
});

describe("verifyPresentation", () => {
  const nonce = "challenge-1";
  const audience = testDid("insurer");

  function grantFor(holder: Party) {
    return issueCredential({
      type: "AccessGrantCredential",
      issuer: owner.did,
      kid: owner.kid,
      privateKey: owner.privateKey,
      subject: {
        id: holder.did,
        vehicle: car.did,
        scopes: ["telemetry:read"],
        purpose: "insurance quote",
        expiry: "2026-12-31T00:00:00Z",
      },
      format: "vc+jwt",
      validFrom: new Date("2026-05-01T00:00:00Z"),
    });
  }

  function vp(
    presenter: Party,
    credentials: string[],
    overrides: { nonce?: string; audience?: string; holder?: string } = {},
  ) {
    return issueVpJwt({
      holder: overrides.holder ?? presenter.did,
      kid: presenter.kid,
      privateKey: presenter.privateKey,
      credentials,
      nonce: overrides.nonce ?? nonce,
      audience: overrides.audience ?? audience,
      now,
    });
  }

  it("verifies a vp+jwt whose holder is the subject of its credential", async () => {
    const result = await verifyPresentation(vp(grantee, [grantFor(grantee)]), {
      ...world.options(now),
      nonce,
      audience,
    });
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ verified: true, format: "vp+jwt", holder: grantee.did });
    expect(result.credentials[0]?.result?.credential?.type).toContain("AccessGrantCredential");
  });

  it("fails a wrong nonce, a wrong audience, a presenter who is not the holder, and an unbound credential", async () => {
    const options = { ...world.options(now), nonce, audience };
    expect((await verifyPresentation(vp(grantee, [grantFor(grantee)], { nonce: "old" }), options)).errors).toEqual([
      { code: "holder_binding_failed", message: "the presentation's nonce is not the one this verifier issued" },
    ]);
    expect(
      (await verifyPresentation(vp(grantee, [grantFor(grantee)], { audience: "did:amc:test:other" }), options)).errors,
    ).toEqual([
      { code: "holder_binding_failed", message: `the presentation is for "did:amc:test:other", not ${audience}` },
    ]);
    expect(
      (await verifyPresentation(vp(stranger, [grantFor(grantee)], { holder: grantee.did }), options)).errors,
    ).toEqual([
      {
        code: "holder_binding_failed",
        message: `the presentation is signed with ${stranger.kid}, not a key of its holder ${grantee.did}`,
      },
    ]);
    const stolen = await verifyPresentation(vp(stranger, [grantFor(grantee)]), options);
    expect(stolen.errors).toEqual([
      {
        code: "credential_invalid",
        message:
          "verifiableCredential[0]: holder_binding_failed: verifiableCredential[0] is bound to neither the holder (as subject) nor the presenting key (cnf)",
      },
    ]);
  });

  it("accepts a credential bound by cnf to the presenting key", async () => {
    const sd = vehicleIdentity(1, {
      format: "sd-jwt",
      disclosable: ["credentialSubject.vin"],
      holderJwk: owner.publicJwk,
    });
    const shown = presentSdJwt(sd, { disclose: [] });
    const result = await verifyPresentation(vp(owner, [shown]), { ...world.options(now), nonce, audience });
    expect(result.errors).toEqual([]);
    expect(result.credentials[0]?.mediaType).toBe("application/vc+sd-jwt");
  });

  it("verifies an SD-JWT+KB presentation and pins its holder-binding failures", async () => {
    const sd = vehicleIdentity(1, {
      format: "sd-jwt",
      disclosable: ["credentialSubject.vin", "credentialSubject.make"],
      holderJwk: car.publicJwk,
    });
    const present = (privateKey = car.privateKey, n = nonce, aud = audience) =>
      presentSdJwt(sd, {
        disclose: ["credentialSubject.make"],
        keyBinding: { privateKey, nonce: n, audience: aud, now },
      });
    const options = { ...world.options(now), nonce, audience };
    const ok = await verifyPresentation(present(), options);
    expect(ok.errors).toEqual([]);
    expect(ok).toMatchObject({ verified: true, format: "sd-jwt+kb", holder: car.did });
    expect(ok.credentials[0]?.result?.keyBinding).toMatchObject({ nonce, aud: audience });
    expect((await verifyPresentation(present(car.privateKey, "replayed"), options)).errors).toEqual([
      { code: "holder_binding_failed", message: "the key-binding JWT's nonce is not the one this verifier issued" },
    ]);
    expect((await verifyPresentation(present(car.privateKey, nonce, "did:amc:test:other"), options)).errors).toEqual([
      { code: "holder_binding_failed", message: `the key-binding JWT is for "did:amc:test:other", not ${audience}` },
    ]);
    expect((await verifyPresentation(present(stranger.privateKey), options)).errors).toEqual([
      { code: "holder_binding_failed", message: "the key-binding JWT is not signed by the credential's cnf key" },
    ]);
    expect((await verifyPresentation(presentSdJwt(sd, { disclose: [] }), options)).errors).toEqual([
      {
        code: "holder_binding_failed",
        message: "no key-binding JWT: the holder must sign the verifier's nonce and audience",
      },
    ]);
    const later = await verifyPresentation(present(), { ...options, now: new Date(now.getTime() + 10 * 60_000) });
    expect(later.errors).toEqual([{ code: "holder_binding_failed", message: "the key-binding JWT is too old" }]);
  });

  it("refuses contradictory options", async () => {
    await expect(
      verifyPresentation("x", { ...world.options(now), embeddedCredentials: "envelope-only" }),
    ).rejects.toThrow(InvalidInputError);
  });
});
