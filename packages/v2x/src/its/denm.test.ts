import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItsUnsupportedError, timestampItsFromUnixMs } from "./cdd.js";
import {
  CauseCodeType,
  DEFAULT_VALIDITY_DURATION,
  type Denm,
  decodeDenm,
  encodeDenm,
  SubCauseCode,
  writeDenm,
} from "./denm.js";
import { denmArbitrary, sampleDenm } from "./testing.js";
import { UperDecodeError, UperWriter } from "./uper.js";

const bitCount = (denm: Denm) => {
  const w = new UperWriter();
  writeDenm(w, denm);
  return w.bitCount;
};

describe("DENM (EN 302 637-3 v1.3.1) codec", () => {
  it("round-trips the sample black-ice DENM", () => {
    expect(sampleDenm.denm.situation?.eventType).toEqual({
      causeCode: CauseCodeType.adverseWeatherConditionAdhesion,
      subCauseCode: SubCauseCode.adverseWeatherConditionAdhesion.blackIceOnRoad,
    });
    expect(decodeDenm(encodeDenm(sampleDenm))).toEqual(sampleDenm);
  });

  it("round-trips any DENM, extensions included, and re-encodes bit-exactly", () => {
    fc.assert(
      fc.property(denmArbitrary(), (denm) => {
        const bytes = encodeDenm(denm);
        const decoded = decodeDenm(bytes);
        expect(decoded).toEqual(denm);
        expect(encodeDenm(decoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("leaves validityDuration out when it is the DEFAULT 600 s (CANONICAL-PER) and restores it on decode", () => {
    const withDefault = encodeDenm(sampleDenm);
    const explicit: Denm = structuredClone(sampleDenm);
    explicit.denm.management.validityDuration = 601;
    expect(bitCount(explicit) - bitCount(sampleDenm)).toBe(17); // ValidityDuration 0..86400

    expect(decodeDenm(withDefault).denm.management.validityDuration).toBe(DEFAULT_VALIDITY_DURATION);
    expect(decodeDenm(encodeDenm(explicit)).denm.management.validityDuration).toBe(601);
  });

  it("maps wall-clock time to TimestampIts (ms since 2004-01-01 UTC)", () => {
    expect(timestampItsFromUnixMs(Date.UTC(2004, 0, 1))).toBe(0);
    expect(timestampItsFromUnixMs(Date.UTC(2024, 0, 1))).toBe(631152000000);
  });

  it("refuses a CAM, a truncated DENM and an unsupported alacarte container with typed errors", () => {
    const bytes = encodeDenm(sampleDenm);
    const asCam = Uint8Array.from(bytes);
    asCam[1] = 2;
    expect(() => decodeDenm(asCam)).toThrow("messageID is 2, not denm(1)");
    expect(() => decodeDenm(bytes.subarray(0, bytes.length - 3))).toThrow(UperDecodeError);
    // With an empty alacarte container, its last 7 bits are the extension bit and 6 presence bits, the last of
    // which is stationaryVehicle.
    const withAlacarte: Denm = { ...sampleDenm, denm: { ...sampleDenm.denm, alacarte: {} } };
    const bits = bitCount(withAlacarte);
    const patched = encodeDenm(withAlacarte);
    patched[(bits - 1) >> 3]! |= 0x80 >> ((bits - 1) & 7);
    expect(() => decodeDenm(patched)).toThrow(ItsUnsupportedError);
    expect(() => decodeDenm(patched)).toThrow("the DENM's alacarte container has stationaryVehicle, not decoded");
  });
});
