import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseVin, vehicleIdFromVin, vinCheckDigit, vinKeyFromEnvironment } from "./vin.js";

const key = Buffer.alloc(32, 7);

describe("VIN-keyed vehicle ids", () => {
  it("computes the North American check digit (49 CFR 565.15 example VIN)", () => {
    // 1M8GDM9AXKP042788 is the worked example of the check-digit rule, check digit X.
    expect(vinCheckDigit("1M8GDM9AXKP042788")).toBe("X");
    expect(vehicleIdFromVin("1M8GDM9AXKP042788", key, { requireCheckDigit: true })).toMatch(/^0x[0-9a-f]{64}$/);
    expect(() => vehicleIdFromVin("1M8GDM9A1KP042788", key, { requireCheckDigit: true })).toThrow(
      "fails its check digit",
    );
  });

  it("normalises spelling, so one VIN gives one id", () => {
    expect(vehicleIdFromVin("wvw zzz1kz-6w123456", key)).toBe(vehicleIdFromVin("WVWZZZ1KZ6W123456", key));
  });

  it("gives distinct ids for distinct VINs and keys, and no id without the key", () => {
    const vinArb = fc.stringMatching(/^[A-HJ-NPR-Z0-9]{17}$/);
    fc.assert(
      fc.property(vinArb, vinArb, (a, b) => {
        fc.pre(a !== b);
        expect(vehicleIdFromVin(a, key)).not.toBe(vehicleIdFromVin(b, key));
        expect(vehicleIdFromVin(a, key)).not.toBe(vehicleIdFromVin(a, Buffer.alloc(32, 8)));
      }),
    );
  });

  it("rejects malformed VINs and short keys with clear errors", () => {
    expect(() => normaliseVin("WVWZZZ1KZ6W12345O")).toThrow(
      "a VIN has 17 characters from 0-9 and A-Z without I, O and Q",
    );
    expect(() => normaliseVin("SHORT")).toThrow(/17 characters/);
    expect(() => vehicleIdFromVin("WVWZZZ1KZ6W123456", Buffer.alloc(16))).toThrow("at least 32 bytes");
  });

  it("requires AMC_VIN_KEY outside dev and test networks", () => {
    const saved = process.env.AMC_VIN_KEY;
    delete process.env.AMC_VIN_KEY;
    try {
      expect(vinKeyFromEnvironment("dev")).toHaveLength(32);
      expect(() => vinKeyFromEnvironment("cn-east")).toThrow("AMC_VIN_KEY is not set");
      process.env.AMC_VIN_KEY = "ab".repeat(32);
      expect(Buffer.from(vinKeyFromEnvironment("cn-east")).toString("hex")).toBe("ab".repeat(32));
    } finally {
      if (saved === undefined) delete process.env.AMC_VIN_KEY;
      else process.env.AMC_VIN_KEY = saved;
    }
  });
});
