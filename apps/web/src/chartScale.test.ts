// Tests of the chart scales: linear mapping and round tick values.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linearTicks, scaleLinear } from "./chartScale.js";

describe("scaleLinear", () => {
  it("maps the domain's ends onto the range's ends (also reversed ranges)", () => {
    const y = scaleLinear([0, 10], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(10)).toBe(0);
    expect(y(5)).toBe(100);
    expect(scaleLinear([3, 3], [0, 10])(3)).toBe(5);
  });
});

describe("linearTicks", () => {
  it("gives round steps inside the interval", () => {
    expect(linearTicks(0, 10, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(linearTicks(0, 130, 5)).toEqual([0, 50, 100]);
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(5, 1, 5)).toEqual([]);
  });

  it("stays within [min, max] with at most about twice the asked count", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (min, span, count) => {
          const ticks = linearTicks(min, min + span, count);
          expect(ticks.length).toBeGreaterThan(0);
          expect(ticks.length).toBeLessThanOrEqual(2 * count + 2);
          for (const t of ticks) {
            expect(t).toBeGreaterThanOrEqual(min - span * 1e-9);
            expect(t).toBeLessThanOrEqual(min + span + span * 1e-9);
          }
        },
      ),
      { seed: 5 },
    );
  });
});
