import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { compactVerify, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { VC_CONTEXT_V2 } from "./credential.js";
import { base64urlEncode, type JsonObject } from "./encoding.js";
import { CredentialError } from "./errors.js";
import {
  checkJoseMediaType,
  decodeJws,
  envelopeCredential,
  issueVcJwt,
  issueVpJwt,
  openEnvelope,
  signJws,
  verifyJwsSignature,
} from "./jose.js";
import { importPublicJwk } from "./keys.js";
import { generateTestKey, testDid } from "./testing.js";

const issuer = testDid("oem");
const kid = `${issuer}#key-1`;
const key = generateTestKey();
const credential = {
  "@context": [VC_CONTEXT_V2],
  type: ["VerifiableCredential"],
  issuer,
  validFrom: "2026-01-01T00:00:00Z",
  credentialSubject: { id: testDid("car") },
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

describe("VC-JOSE", () => {
  it("issues vc+jwt with the credential itself as payload (plus iss and iat) and the documented header", () => {
    const jwt = issueVcJwt({ credential, kid, privateKey: key.privateJwk });
    const jws = decodeJws(jwt);
    expect(jws.header).toEqual({ alg: "ES256", typ: "vc+jwt", cty: "vc", kid });
    const { iss, iat, ...rest } = jws.payload;
    expect(rest).toEqual(credential);
    expect(iss).toBe(credential.issuer);
    expect(typeof iat).toBe("number");
    expect(verifyJwsSignature(jws, importPublicJwk(key.publicJwk))).toBe(true);
  });

  it("is verified by jose (compactVerify and jwtVerify) with the issuer's public JWK", async () => {
    const jwt = issueVcJwt({ credential, kid, privateKey: key.privateKey });
    const publicKey = await importJWK(key.publicJwk, "ES256");
    const compact = await compactVerify(jwt, publicKey, { algorithms: ["ES256"] });
    expect(JSON.parse(new TextDecoder().decode(compact.payload))).toMatchObject(credential);
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, {
      typ: "vc+jwt",
      issuer: String(credential.issuer),
    });
    expect(protectedHeader.kid).toBe(kid);
    expect(payload).toMatchObject(credential);
  });

  it("issues vp+jwt with enveloped credentials, nonce and audience that jose verifies", async () => {
    const holder = testDid("driver");
    const holderKey = generateTestKey();
    const vcJwt = issueVcJwt({ credential, kid, privateKey: key.privateKey });
    const vp = issueVpJwt({
      holder,
      kid: `${holder}#key-1`,
      privateKey: holderKey.privateKey,
      credentials: [vcJwt],
      nonce: "n-123",
      audience: "did:amc:test:verifier",
      now: new Date(),
    });
    const { payload, protectedHeader } = await jwtVerify(vp, await importJWK(holderKey.publicJwk, "ES256"), {
      typ: "vp+jwt",
      audience: "did:amc:test:verifier",
      maxTokenAge: "5m",
    });
    expect(protectedHeader).toEqual({ alg: "ES256", typ: "vp+jwt", cty: "vp", kid: `${holder}#key-1` });
    expect(payload).toMatchObject({
      holder,
      nonce: "n-123",
      type: "VerifiablePresentation",
      verifiableCredential: [{ type: "EnvelopedVerifiableCredential", id: `data:application/vc+jwt,${vcJwt}` }],
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
  });

  it("fails every tampered byte of header, payload or signature", () => {
    const jwt = issueVcJwt({ credential, kid, privateKey: key.privateKey });
    const publicKey = importPublicJwk(key.publicJwk);
    fc.assert(
      fc.property(fc.nat({ max: jwt.length - 1 }), fc.constantFrom("A", "B", "_"), (at, replacement) => {
        if (jwt[at] === "." || jwt[at] === replacement) return;
        const tampered = jwt.slice(0, at) + replacement + jwt.slice(at + 1);
        let ok: boolean;
        try {
          ok = verifyJwsSignature(decodeJws(tampered), publicKey);
        } catch (error) {
          if (!(error instanceof CredentialError)) throw error;
          ok = false;
        }
        // Only a change in the unused low bits of the last base64url character can leave the bytes equal.
        if (ok)
          expect(Buffer.from(tampered.split(".")[2] ?? "", "base64url")).toEqual(
            Buffer.from(jwt.split(".")[2] ?? "", "base64url"),
          );
      }),
      { numRuns: 200 },
    );
  });

  it("pins decoding errors", () => {
    const header = (h: object) => base64urlEncode(JSON.stringify(h));
    const body = base64urlEncode("{}");
    expect(codeOf(() => decodeJws("a.b"))).toBe("malformed: a compact JWS has 3 parts, this has 2");
    expect(codeOf(() => decodeJws(`${header({ alg: "none" })}.${body}.`))).toBe(
      'unsupported: algorithm "none" is not accepted',
    );
    expect(codeOf(() => decodeJws(`${header({ alg: "ES256" })}.${body}.`, ["EdDSA"]))).toBe(
      'unsupported: algorithm "ES256" is not accepted',
    );
    expect(codeOf(() => decodeJws(`${header({ alg: "ES256", crit: ["b64"] })}.${body}.`))).toBe(
      "unsupported: the JWS header has `crit` extensions, which this verifier does not know",
    );
    expect(codeOf(() => decodeJws(`${header({ alg: "ES256", kid: 1 })}.${body}.`))).toBe(
      "malformed: the JWS kid is not a string",
    );
    expect(codeOf(() => decodeJws(`e30.${body}.`))).toBe("malformed: the JWS header has no alg");
    expect(codeOf(() => decodeJws(`${header({ alg: "ES256" })}.not+json.`))).toBe(
      "malformed: the JWS payload is not base64url",
    );
    expect(codeOf(() => decodeJws(`${header({ alg: "ES256" })}.${base64urlEncode("[1]")}.`))).toBe(
      "malformed: the JWS payload is not a JSON object",
    );
  });

  it("checks typ and cty, with or without the application/ prefix", () => {
    const check = (header: JsonObject) => codeOf(() => checkJoseMediaType(header, { typ: ["vc+jwt"], cty: ["vc"] }));
    expect(check({ typ: "vc+jwt", cty: "vc" })).toBe("ok");
    expect(check({ typ: "application/vc+jwt" })).toBe("ok");
    expect(check({ typ: "bad+typ", cty: "vc" })).toBe('bad_media_type: typ is "bad+typ", expected "vc+jwt"');
    expect(check({ cty: "vc" })).toBe('bad_media_type: typ is null, expected "vc+jwt"');
    expect(check({ typ: "vc+jwt", cty: "bad+cty" })).toBe('bad_media_type: cty is "bad+cty", expected "vc"');
  });

  it("envelopes and opens credentials in every media type", () => {
    const jwt = signJws({ alg: "ES256", typ: "vc+jwt" }, credential, key.privateKey);
    const sd = `${signJws({ alg: "ES256", typ: "dc+sd-jwt" }, credential, key.privateKey)}~`;
    const cose = new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40]);
    expect(openEnvelope(String(envelopeCredential(jwt).id))).toEqual({
      mediaType: "application/vc+jwt",
      credential: jwt,
    });
    expect(openEnvelope(String(envelopeCredential(sd).id))).toEqual({
      mediaType: "application/dc+sd-jwt",
      credential: sd,
    });
    expect(openEnvelope(String(envelopeCredential(cose).id))).toEqual({
      mediaType: "application/vc+cose",
      credential: Buffer.from(cose),
    });
    expect(codeOf(() => openEnvelope("bad-credential"))).toBe('malformed: "bad-credential" is not a data: URL');
    expect(codeOf(() => openEnvelope("data:application/json,{}"))).toBe(
      "bad_media_type: application/json is not the media type of a secured credential",
    );
    expect(codeOf(() => openEnvelope("data:application/vc+cose,AAAA"))).toBe(
      "malformed: a vc+cose data: URL must be base64-encoded",
    );
  });

  it("refuses to issue a payload with vc or vp claims", () => {
    expect(() => issueVcJwt({ credential: { ...credential, vc: {} }, kid, privateKey: key.privateKey })).toThrow(
      InvalidInputError,
    );
  });
});
