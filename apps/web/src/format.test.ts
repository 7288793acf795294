// Tests of the formatting helpers: exact token amounts from base-unit strings, hash shortening and ages.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ageParts, formatUnits18, shortDid, shortHex, unitsToNumber } from "./format.js";

describe("formatUnits18", () => {
  it("prints whole tokens exactly, grouped", () => {
    expect(formatUnits18("300000000000000000000000000")).toBe("300,000,000");
    expect(formatUnits18("1500000000000000000")).toBe("1.5");
    expect(formatUnits18("1234567000000000000", "en", 4)).toBe("1.2346");
    expect(formatUnits18("0")).toBe("0");
    expect(formatUnits18(-2n * 10n ** 18n)).toBe("-2");
  });

  it("rounds half up to the requested decimals", () => {
    expect(formatUnits18("1005000000000000000", "en", 2)).toBe("1.01");
    expect(formatUnits18("1004999999999999999", "en", 2)).toBe("1");
  });

  it("refuses what is not a decimal integer", () => {
    expect(() => formatUnits18("1.5")).toThrow(/decimal integer/);
  });

  it("agrees with the float conversion to the printed precision", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 27n }), (units) => {
        const printed = Number(formatUnits18(units, "en", 2).replaceAll(",", ""));
        expect(Math.abs(printed - unitsToNumber(units))).toBeLessThanOrEqual(0.005 + unitsToNumber(units) * 1e-15);
      }),
      { seed: 11 },
    );
  });
});

describe("shortHex / shortDid", () => {
  it("keeps head and tail", () => {
    expect(shortHex(`0x${"ab".repeat(32)}`)).toBe("0xababab…abab");
    expect(shortHex("0x1234")).toBe("0x1234");
    expect(shortDid(`did:amc:dev:0x${"12".repeat(32)}`)).toBe("did:amc:dev:0x121212…1212");
  });
});

describe("ageParts", () => {
  it("chooses the unit", () => {
    expect(ageParts(5)).toEqual({ n: 5, unit: "s" });
    expect(ageParts(-3)).toEqual({ n: 0, unit: "s" });
    expect(ageParts(600)).toEqual({ n: 10, unit: "min" });
    expect(ageParts(7200)).toEqual({ n: 2, unit: "h" });
    expect(ageParts(3 * 86_400)).toEqual({ n: 3, unit: "d" });
  });
});
