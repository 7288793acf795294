// Hostile bytes into every ITS decoder: random buffers and mutations of valid encodings (bit flips, truncation,
// insertion, appended garbage). A decoder may accept or refuse, but it refuses only with UperDecodeError, and
// what it accepts is a value the encoder takes back (so nothing out of constraint ever gets past decoding).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCam, encodeCam } from "./cam.js";
import { decodeItsPduHeader } from "./cdd.js";
import { decodeDenm, encodeDenm } from "./denm.js";
import { camArbitrary, denmArbitrary } from "./testing.js";
import { UperDecodeError } from "./uper.js";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): Outcome<T> {
  try {
    return { ok: true, value: decode(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Decodes `bytes`; a refusal must be typed, an acceptance must survive encode and decode unchanged. */
function checkDecoder<T>(decode: (bytes: Uint8Array) => T, encode: (value: T) => Uint8Array, bytes: Uint8Array): void {
  const started = performance.now();
  const outcome = attempt(decode, bytes);
  expect(performance.now() - started, "a decode took too long").toBeLessThan(250);
  if (!outcome.ok) {
    expect(outcome.error).toBeInstanceOf(UperDecodeError);
    return;
  }
  expect(decode(encode(outcome.value))).toEqual(outcome.value);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant("splice" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

function mutate(bytes: Uint8Array, m: MutationValue): Uint8Array {
  switch (m.kind) {
    case "flip": {
      const out = Uint8Array.from(bytes);
      for (const b of m.bits) {
        const bit = b % (out.length * 8);
        out[bit >> 3]! ^= 0x80 >> (bit & 7);
      }
      return out;
    }
    case "truncate":
      return bytes.subarray(0, m.keep % bytes.length);
    case "append":
      return Uint8Array.from([...bytes, ...m.bytes]);
    case "splice": {
      const at = m.at % (bytes.length + 1);
      return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    }
  }
}
type MutationValue = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

describe("ITS decoders under hostile input", () => {
  it("random bytes: only UperDecodeError, never a hang", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        checkDecoder(decodeCam, encodeCam, bytes);
        checkDecoder(decodeDenm, encodeDenm, bytes);
        const header = attempt(decodeItsPduHeader, bytes);
        if (!header.ok) expect(header.error).toBeInstanceOf(UperDecodeError);
      }),
      { numRuns: 3000 },
    );
  });

  it("random bytes behind a valid CAM or DENM header reach deep into the decoders", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 200 }), (cam, tail) => {
        const bytes = Uint8Array.from([2, cam ? 2 : 1, 0, 0, 0, 7, ...tail]);
        if (cam) checkDecoder(decodeCam, encodeCam, bytes);
        else checkDecoder(decodeDenm, encodeDenm, bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated valid CAMs", () => {
    fc.assert(
      fc.property(camArbitrary(), mutation, (cam, m) => checkDecoder(decodeCam, encodeCam, mutate(encodeCam(cam), m))),
      { numRuns: 1500 },
    );
  });

  it("mutated valid DENMs", () => {
    fc.assert(
      fc.property(denmArbitrary(), mutation, (denm, m) =>
        checkDecoder(decodeDenm, encodeDenm, mutate(encodeDenm(denm), m)),
      ),
      { numRuns: 1500 },
    );
  });
});
