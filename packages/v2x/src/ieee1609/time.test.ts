import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IEEE1609_EPOCH_UTC_MS,
  leapSecondsAt,
  time32FromDate,
  time32ToDate,
  time64FromDate,
  time64ToDate,
  time64ToUnixMs,
} from "./time.js";

describe("IEEE 1609.2 time (TAI since 2004-01-01)", () => {
  it("starts at zero on the epoch and counts the 5 leap seconds inserted since", () => {
    expect(time64FromDate(new Date("2004-01-01T00:00:00Z"))).toBe(0n);
    expect(leapSecondsAt(Date.UTC(2005, 11, 31, 23, 59, 59))).toBe(0);
    expect(leapSecondsAt(Date.UTC(2006, 0, 1))).toBe(1);
    expect(leapSecondsAt(Date.UTC(2026, 0, 1))).toBe(5);
    const at2026 = Date.UTC(2026, 0, 1);
    expect(time64FromDate(at2026)).toBe(BigInt(at2026 - IEEE1609_EPOCH_UTC_MS + 5000) * 1000n);
  });

  it("reads the real sample's generationTime as Wireshark does (2017-08-10 21:02:20.800 UTC)", () => {
    expect(time64ToDate(429483745800140n).toISOString()).toBe("2017-08-10T21:02:20.800Z");
  });

  it("round-trips every millisecond instant, and Time32 every second", () => {
    fc.assert(
      fc.property(fc.integer({ min: IEEE1609_EPOCH_UTC_MS, max: Date.UTC(2100, 0, 1) }), (ms) => {
        expect(time64ToUnixMs(time64FromDate(ms))).toBe(ms);
        const seconds = Math.floor(ms / 1000) * 1000;
        expect(time32ToDate(time32FromDate(seconds)).getTime()).toBe(seconds);
      }),
    );
  });

  it("maps the TAI second of a leap second to the next UTC second", () => {
    const after = Date.UTC(2017, 0, 1);
    const tai = time64FromDate(after);
    expect(time64ToUnixMs(tai - 1_000_000n)).toBe(after); // 2016-12-31T23:59:60 has no Date
    expect(time64ToUnixMs(tai - 2_000_000n)).toBe(after - 1000);
  });

  it("refuses instants before the epoch", () => {
    expect(() => time64FromDate(new Date("2003-12-31T23:59:59Z"))).toThrow("before the IEEE 1609.2 epoch");
  });
});
