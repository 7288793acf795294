// Fuzzing every decoder: random bytes and mutated valid encodings may only ever raise CoerDecodeError (or its
// subclass CoerUnsupportedError), never another exception, never hang, never allocate beyond the input; and any
// input a decoder accepts is canonical: encoding what it decoded gives back the same bytes. verifySignedData
// turns every such input into a failure value, and never accepts a message whose signed bytes were changed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as arb from "./arbitraries.js";
import {
  CertificateCodec,
  type Codec,
  decodeWithTbsSpan,
  EccP256CurvePointCodec,
  GeographicRegionCodec,
  HeaderInfoCodec,
  Ieee1609Dot2DataCodec,
  PsidGroupPermissionsCodec,
  SignatureCodec,
  SignedDataCodec,
  ToBeSignedCertificateCodec,
  ToBeSignedDataCodec,
} from "./codec.js";
import { CoerDecodeError } from "./coer.js";
import { toHex } from "./hash.js";
import { signData } from "./sign.js";
import { createTestPki, PSID, SHANGHAI } from "./testing.js";
import { verifySignedData } from "./verify.js";

/** Decodes; returns the value, or undefined after a CoerDecodeError. Any other exception fails the property. */
function tryDecode<T>(codec: Codec<T>, bytes: Uint8Array): T | undefined {
  try {
    return codec.decode(bytes);
  } catch (error) {
    if (error instanceof CoerDecodeError) {
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(bytes.length);
      return undefined;
    }
    throw error;
  }
}

/** A decoded value re-encodes to exactly the bytes it came from. */
function expectCanonical<T>(codec: Codec<T>, bytes: Uint8Array): void {
  const value = tryDecode(codec, bytes);
  if (value !== undefined) expect(toHex(codec.encode(value))).toBe(toHex(bytes));
}

type Mutation =
  | { kind: "flip"; at: number; mask: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number }
  | { kind: "huge-length"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("huge-length" as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.kind) {
      case "flip":
        if (out.length > 0) out[at] = out[at]! ^ m.mask;
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
      case "insert":
        out = Uint8Array.from([...out.subarray(0, at), m.byte, ...out.subarray(at)]);
        break;
      case "delete":
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1)]);
        break;
      case "huge-length":
        // A long-form length or quantity claiming 4 GiB: must fail fast without allocating it.
        out = Uint8Array.from([...out.subarray(0, at), 0x84, 0xff, 0xff, 0xff, 0xff, ...out.subarray(at)]);
        break;
    }
  }
  return out;
}

type Target = { name: string; check: (bytes: Uint8Array) => void; valid: fc.Arbitrary<Uint8Array> };
const targets: Target[] = [];
function register<T>(codec: Codec<T>, values: fc.Arbitrary<T>) {
  // The codec with its own arbitrary, so mutations start from valid encodings of the right type.
  targets.push({
    name: codec.name,
    check: (bytes) => expectCanonical(codec, bytes),
    valid: values.map((v) => codec.encode(v)),
  });
}
register(Ieee1609Dot2DataCodec, arb.ieee1609Dot2Data);
register(SignedDataCodec, arb.signedData);
register(
  ToBeSignedDataCodec,
  arb.signedData.map((s) => s.tbsData),
);
register(CertificateCodec, arb.certificate);
register(ToBeSignedCertificateCodec, arb.toBeSignedCertificate);
register(HeaderInfoCodec, arb.headerInfo);
register(SignatureCodec, arb.signature);
register(EccP256CurvePointCodec, arb.eccPoint);
register(GeographicRegionCodec, arb.geographicRegion);
register(PsidGroupPermissionsCodec, arb.psidGroupPermissions);

describe("decoders under random and mutated input", () => {
  for (const { name, check, valid } of targets) {
    it(`${name}: random bytes raise only CoerDecodeError, and what decodes is canonical`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(bytes)),
        { numRuns: 1500 },
      );
    });

    it(`${name}: mutated valid encodings raise only CoerDecodeError, and what decodes is canonical`, () => {
      fc.assert(
        fc.property(valid, fc.array(mutation, { minLength: 1, maxLength: 4 }), (bytes, mutations) =>
          check(mutate(bytes, mutations)),
        ),
        { numRuns: 400 },
      );
    });
  }

  it("rejects absurd lengths and quantities at once, without allocating them", () => {
    const started = performance.now();
    const cases = [
      Uint8Array.of(3, 0x80, 0x84, 0xff, 0xff, 0xff, 0xff), // unsecuredData of 4 GiB
      Uint8Array.of(3, 0x80, 0x88, 1, 2, 3, 4, 5, 6, 7, 8), // length of 8 octets
      // SignerIdentifier.certificate with a quantity of 2^40 certificates
      Uint8Array.of(3, 0x81, 0x00, 0x40, 3, 0x80, 0, 0x00, 0x01, 0x20, 0x81, 0x06, 1, 0, 0, 0, 0, 0),
    ];
    for (const bytes of cases) expect(tryDecode(Ieee1609Dot2DataCodec, bytes)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("verifySignedData under random and mutated input", () => {
  const now = new Date("2026-03-01T08:00:00Z");
  const pki = createTestPki({ now });
  const options = { certificateByDigest: pki.certificateByDigest, now };
  const sign = (mode: "digest" | "certificate") =>
    signData({
      payload: Uint8Array.of(1, 2, 3, 4),
      psid: PSID.cam,
      generationTime: now,
      generationLocation: { ...SHANGHAI, elevation: 4096 },
      signer: { certificate: pki.at, privateKey: pki.atKey.privateKey },
      signerIdentifierMode: mode,
    });
  const messages = [sign("digest"), sign("certificate")];

  it("returns a failure value for random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = verifySignedData(bytes, options);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("never accepts a message whose signed bytes changed, and never throws", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...messages),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (original, mutations) => {
          const bytes = mutate(original, mutations);
          const result = verifySignedData(bytes, options);
          if (result.ok) {
            // Only bytes outside tbsData may differ (e.g. rSig x-only versus compressed R carry the same r).
            const a = decodeWithTbsSpan(original).tbs;
            const b = decodeWithTbsSpan(bytes).tbs;
            expect(toHex(bytes.subarray(b?.start, b?.end))).toBe(toHex(original.subarray(a?.start, a?.end)));
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
