import { decode, encode } from "cborg";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePlatformMessage,
  encodePlatformMessage,
  type MapObservation,
  type PlatformMessage,
  PlatformMessageError,
  PSID,
  psidOf,
} from "./platform.js";

const observation: MapObservation = {
  v: 1,
  type: "mapObservation",
  observedAt: 1_700_000_000_000,
  latitude: 487654321,
  longitude: 116543210,
  feature: "speedLimit",
  value: "80",
  confidence: 90,
};

const messageArbitrary: fc.Arbitrary<PlatformMessage> = fc.oneof(
  fc.record(
    {
      v: fc.constant(1 as const),
      type: fc.constant("mapObservation" as const),
      observedAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      latitude: fc.integer({ min: -900000000, max: 900000000 }),
      longitude: fc.integer({ min: -1800000000, max: 1800000000 }),
      heading: fc.integer({ min: 0, max: 3599 }),
      feature: fc.constantFrom("speedLimit", "laneClosure", "roadGeometry", "trafficSign", "surface", "hazard"),
      value: fc.string({ maxLength: 256 }),
      confidence: fc.integer({ min: 0, max: 100 }),
      evidenceHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    },
    { requiredKeys: ["v", "type", "observedAt", "latitude", "longitude", "feature", "value", "confidence"] },
  ),
  fc.record({
    v: fc.constant(1 as const),
    type: fc.constant("modelUpdate" as const),
    taskId: fc.string({ minLength: 1, maxLength: 64 }),
    round: fc.nat(),
    baseModelHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    sampleCount: fc.nat(),
    encoding: fc.constantFrom("float32", "int8", "masked"),
    update: fc.uint8Array({ maxLength: 2000 }),
  }),
  fc.record({
    v: fc.constant(1 as const),
    type: fc.constant("taskResult" as const),
    taskId: fc.string({ minLength: 1, maxLength: 64 }),
    completedAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    status: fc.constantFrom("ok", "failed", "rejected"),
    result: fc.uint8Array({ maxLength: 2000 }),
  }),
);

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
};

describe("platform messages (deterministic CBOR)", () => {
  it("uses the ETSI PSIDs for CAM and DENM and the private-use ones for platform payloads", () => {
    expect(PSID.cam).toBe(36);
    expect(PSID.denm).toBe(37);
    expect(psidOf(observation)).toBe(0x1d);
    expect(psidOf({ type: "modelUpdate" })).toBe(0x1e);
    expect(psidOf({ type: "taskResult" })).toBe(0x1e);
  });

  it("encodes map keys in bytewise order (RFC 8949 4.2.1), whatever the object's key order", () => {
    const bytes = encodePlatformMessage(observation);
    const shuffled = encodePlatformMessage({ ...observation, confidence: 90, v: 1, type: "mapObservation" });
    expect(shuffled).toEqual(bytes);
    // Keys sort by their encoded bytes: shorter text keys first (the length is in the first byte).
    expect(Buffer.from(bytes).toString("hex").slice(0, 20)).toBe("a861760164747970656e"); // {"v": 1, "type": ...
    expect(decodePlatformMessage(bytes)).toEqual(observation);
  });

  it("round-trips any valid message bit-exactly", () => {
    fc.assert(
      fc.property(messageArbitrary, (message) => {
        const bytes = encodePlatformMessage(message);
        const decoded = decodePlatformMessage(bytes, { psid: psidOf(message) });
        expect(decoded).toEqual(message);
        expect(encodePlatformMessage(decoded)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses non-deterministic encodings of a valid message", () => {
    // The same map with its entries in reverse order: valid CBOR, same value, not the deterministic form.
    const entries = Object.entries(observation).reverse();
    const unsorted = Uint8Array.from([
      0xa0 + entries.length,
      ...entries.flatMap(([k, v]) => [...encode(k), ...encode(v)]),
    ]);
    expect(decode(unsorted)).toEqual(observation);
    expect(refusal(() => decodePlatformMessage(unsorted))).toMatchObject({ code: "nonDeterministic" });
    const longInt = Uint8Array.from([0xa1, 0x61, 0x76, 0x18, 0x01]); // {"v": 1} with a 1-byte argument
    expect(refusal(() => decodePlatformMessage(longInt))).toMatchObject({ code: "cbor" });
  });

  it("refuses unknown versions, unknown keys, floats and a PSID that does not match", () => {
    const cases: Array<[unknown, string]> = [
      [{ ...observation, v: 2 }, "v: Invalid input: expected 1"],
      [{ ...observation, extra: 1 }, 'Unrecognized key: "extra"'],
      [{ ...observation, confidence: 90.5 }, "confidence"],
    ];
    for (const [value, message] of cases) {
      const error = refusal(() => decodePlatformMessage(encode(value, { float64: false })));
      expect(error).toBeInstanceOf(PlatformMessageError);
      expect(String(error)).toContain(message);
    }
    const bytes = encodePlatformMessage(observation);
    expect(refusal(() => decodePlatformMessage(bytes, { psid: PSID.modelUpdate }))).toMatchObject({
      code: "psidMismatch",
      shortMessage: "a mapObservation belongs to PSID 29, not 30",
    });
    expect(() => encodePlatformMessage({ ...observation, confidence: 101 })).toThrow(
      "cannot encode the platform message: confidence",
    );
  });

  it("random and mutated bytes only ever raise PlatformMessageError", () => {
    const valid = fc.sample(messageArbitrary, { numRuns: 20, seed: 7 }).map(encodePlatformMessage);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (random, pick, bit) => {
        const base = valid[pick % valid.length]!;
        const mutated = Uint8Array.from(base);
        mutated[(bit >> 3) % mutated.length]! ^= 1 << (bit & 7);
        for (const input of [random, mutated, base.subarray(0, pick % base.length)]) {
          try {
            decodePlatformMessage(input);
          } catch (error) {
            expect(error).toBeInstanceOf(PlatformMessageError);
          }
        }
      }),
      { numRuns: 2000 },
    );
    expect(refusal(() => decodePlatformMessage(new Uint8Array(65537)))).toMatchObject({ code: "tooLarge" });
  });
});
