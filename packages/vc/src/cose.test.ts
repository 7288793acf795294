import { generateKeyPairSync } from "node:crypto";
import { encode, Tagged } from "cborg";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COSE_SIGN1_TAG,
  checkCoseMediaType,
  decodeCoseSign1,
  signCoseSign1,
  sigStructure,
  verifyCoseSign1,
} from "./cose.js";
import { CredentialError } from "./errors.js";

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = generateKeyPairSync("ed25519");
const payload = new TextEncoder().encode('{"@context":["https://www.w3.org/ns/credentials/v2"]}');

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CredentialError) return `${error.code}: ${error.shortMessage}`;
    throw error;
  }
  return "ok";
};

describe("VC-COSE", () => {
  it("signs and verifies COSE_Sign1, tagged or not, with ES256 and EdDSA", () => {
    for (const tagged of [true, false])
      for (const [alg, pair] of [
        ["ES256", p256],
        ["EdDSA", ed],
      ] as const) {
        const bytes = signCoseSign1({
          payload,
          alg,
          key: pair.privateKey,
          kid: "k1",
          contentType: "application/vc",
          tagged,
        });
        expect(bytes[0] === 0xd2).toBe(tagged);
        const cose = decodeCoseSign1(bytes);
        expect(cose).toMatchObject({ alg, kid: "k1", contentType: "application/vc", typ: undefined });
        expect(verifyCoseSign1(cose, pair.publicKey)).toBe(true);
      }
  });

  it("signs the RFC 9052 Sig_structure: [\"Signature1\", protected, h'', payload]", () => {
    const bytes = sigStructure(new Uint8Array([0xa1, 0x01, 0x26]), new Uint8Array([0x7b, 0x7d]));
    expect(Buffer.from(bytes).toString("hex")).toBe("846a5369676e61747572653143a1012640427b7d");
  });

  it("fails when any payload byte changes", () => {
    const bytes = signCoseSign1({ payload, alg: "ES256", key: p256.privateKey });
    fc.assert(
      fc.property(fc.nat({ max: payload.length - 1 }), (at) => {
        const cose = decodeCoseSign1(bytes);
        const changed = Uint8Array.from(cose.payload);
        changed[at] = (changed[at] ?? 0) ^ 1;
        expect(verifyCoseSign1({ ...cose, payload: changed }, p256.publicKey)).toBe(false);
      }),
    );
  });

  it("pins decoding errors", () => {
    expect(codeOf(() => decodeCoseSign1(new Uint8Array([0xff])))).toBe("malformed: the credential is not CBOR");
    expect(codeOf(() => decodeCoseSign1(encode([1, 2, 3])))).toBe("malformed: not a COSE_Sign1 array");
    expect(
      codeOf(() =>
        decodeCoseSign1(encode(new Tagged(COSE_SIGN1_TAG, [new Uint8Array(), new Map(), null, new Uint8Array()]))),
      ),
    ).toBe("malformed: the COSE_Sign1 payload is detached");
    const header = encode(new Map([[1, -257]]));
    expect(codeOf(() => decodeCoseSign1(encode([header, new Map(), payload, new Uint8Array()])))).toBe(
      "unsupported: COSE algorithm -257 is not accepted",
    );
    expect(codeOf(() => decodeCoseSign1(encode([encode([1]), new Map(), payload, new Uint8Array()])))).toBe(
      "malformed: the protected header is not a map",
    );
  });

  it("checks content type and typ", () => {
    const cose = (contentType?: string, typ?: string) =>
      decodeCoseSign1(
        signCoseSign1({
          payload,
          alg: "ES256",
          key: p256.privateKey,
          ...(contentType ? { contentType } : {}),
          ...(typ ? { typ } : {}),
        }),
      );
    expect(codeOf(() => checkCoseMediaType(cose("application/vc", "application/vc+cose"), "vc"))).toBe("ok");
    expect(codeOf(() => checkCoseMediaType(cose(undefined, "application/vp+cose"), "vp"))).toBe("ok");
    expect(codeOf(() => checkCoseMediaType(cose("very/bad"), "vc"))).toBe(
      'bad_media_type: content type is "very/bad", expected "application/vc"',
    );
    expect(codeOf(() => checkCoseMediaType(cose("application/vc", "application/vp+cose"), "vc"))).toBe(
      'bad_media_type: typ is "application/vp+cose", expected "application/vc+cose"',
    );
    expect(codeOf(() => checkCoseMediaType(cose(), "vc"))).toBe(
      "bad_media_type: neither content type nor typ says application/vc",
    );
  });
});
