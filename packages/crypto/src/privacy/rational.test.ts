import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ceilToSignificantDigits,
  formatRational,
  makeRational,
  ratAdd,
  ratCompare,
  rationalFromDouble,
  rationalToNumber,
  toRational,
} from "./rational.js";

describe("toRational", () => {
  it("reads numbers as the decimals they print as", () => {
    expect(toRational(0.1)).toEqual({ num: 1n, den: 10n });
    expect(toRational(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(toRational(-2.5)).toEqual({ num: -5n, den: 2n });
    expect(toRational(3)).toEqual({ num: 3n, den: 1n });
    expect(toRational(1.5e21)).toEqual({ num: 1_500_000_000_000_000_000_000n, den: 1n });
  });

  it("reads decimal and fraction strings, bigints and rationals, in lowest terms", () => {
    expect(toRational("0.250")).toEqual({ num: 1n, den: 4n });
    expect(toRational("1E-6")).toEqual({ num: 1n, den: 1_000_000n });
    expect(toRational(".5")).toEqual({ num: 1n, den: 2n });
    expect(toRational(" 6/4 ")).toEqual({ num: 3n, den: 2n });
    expect(toRational("-0")).toEqual({ num: 0n, den: 1n });
    expect(toRational(7n)).toEqual({ num: 7n, den: 1n });
    expect(toRational({ num: 10n, den: -4n })).toEqual({ num: -5n, den: 2n });
  });

  it("makes 0.1 + 0.2 exactly 0.3", () => {
    expect(ratCompare(ratAdd(toRational(0.1), toRational(0.2)), toRational(0.3))).toBe(0);
  });

  it("rejects what is not a finite number, with the parameter's name", () => {
    expect(() => toRational(Number.POSITIVE_INFINITY, "ε")).toThrow("ε must be a finite number, got Infinity.");
    expect(() => toRational("1/0", "ε")).toThrow('ε "1/0" has denominator 0.');
    expect(() => toRational("abc", "ε")).toThrow(InvalidInputError);
    expect(() => toRational(".", "ε")).toThrow('ε "." is not a number.');
    expect(() => toRational("1e999", "ε")).toThrow("exponent beyond ±400");
    expect(() => makeRational(1n, 0n)).toThrow("denominator 0");
  });

  it("formats as it reads back", () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt({ min: 1n }), (num, den) => {
        const r = makeRational(num, den);
        expect(toRational(formatRational(r))).toEqual(r);
      }),
      { seed: 20_240_601 },
    );
  });
});

describe("double conversions", () => {
  it("rationalFromDouble is exact and rationalToNumber maps it back", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const r = rationalFromDouble(x);
        expect(rationalToNumber(r)).toBe(x === 0 ? 0 : x); // -0 reads as 0
      }),
      { seed: 20_240_602 },
    );
    expect(rationalFromDouble(0.1)).toEqual({ num: 3602879701896397n, den: 36028797018963968n });
    expect(rationalToNumber({ num: 1n, den: 3n })).toBe(1 / 3);
    expect(rationalToNumber({ num: -(10n ** 400n), den: 3n * 10n ** 399n })).toBe(-10 / 3);
    expect(rationalToNumber({ num: 10n ** 400n, den: 1n })).toBe(Number.POSITIVE_INFINITY);
  });

  it("ceilToSignificantDigits rounds up to a short decimal", () => {
    expect(ceilToSignificantDigits(0.5, 12)).toEqual({ num: 1n, den: 2n });
    // The double nearest 0.1 lies above 1/10, so rounding it up must not give 1/10.
    expect(ceilToSignificantDigits(0.1, 12)).toEqual({ num: 100_000_000_001n, den: 1_000_000_000_000n });
    expect(ceilToSignificantDigits(2 / 3, 3)).toEqual({ num: 667n, den: 1000n });
    expect(ceilToSignificantDigits(123456.7, 3)).toEqual({ num: 124000n, den: 1n });
    fc.assert(
      fc.property(fc.double({ min: 1e-200, max: 1e200, noNaN: true }), fc.integer({ min: 1, max: 17 }), (x, d) => {
        const r = ceilToSignificantDigits(x, d);
        expect(ratCompare(r, rationalFromDouble(x))).toBeGreaterThanOrEqual(0);
        expect(rationalToNumber(r)).toBeLessThanOrEqual(x * (1 + 10 ** (1 - d)) * (1 + 1e-15));
      }),
      { seed: 20_240_603 },
    );
  });
});
