import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pureDpToZcdp, zcdpRhoFor, zcdpToDelta, zcdpToEpsilon } from "./zcdp.js";

// Reference values: the infimum of Canonne–Kamath–Steinke Corollary 13 found by an independent brute-force grid
// over α (step ×1.00001 from 1.0001 to 10^4, in Python), not by this file's bisection.
const REFERENCE = {
  deltaAtRho0025Eps1: 1.3361319067217652e-6,
  epsAtRho0025Delta1e6: 1.0140742547299908,
  epsAtRho05Delta1e6: 5.221534444537657,
  rhoAtEps1Delta1e6: 0.02435597035892023,
};

describe("zCDP ↔ (ε, δ)-DP (Canonne–Kamath–Steinke Corollary 13)", () => {
  it("matches the brute-force infimum, rounded in the private direction", () => {
    const delta = zcdpToDelta(0.025, 1);
    expect(delta).toBeGreaterThanOrEqual(REFERENCE.deltaAtRho0025Eps1);
    expect(delta / REFERENCE.deltaAtRho0025Eps1 - 1).toBeLessThan(1e-8);

    const eps = zcdpToEpsilon(0.025, 1e-6);
    expect(eps).toBeGreaterThanOrEqual(REFERENCE.epsAtRho0025Delta1e6);
    expect(eps / REFERENCE.epsAtRho0025Delta1e6 - 1).toBeLessThan(1e-8);

    const eps2 = zcdpToEpsilon(0.5, 1e-6);
    expect(eps2).toBeGreaterThanOrEqual(REFERENCE.epsAtRho05Delta1e6);
    expect(eps2 / REFERENCE.epsAtRho05Delta1e6 - 1).toBeLessThan(1e-8);

    const rho = zcdpRhoFor(1, 1e-6);
    expect(rho).toBeLessThanOrEqual(REFERENCE.rhoAtEps1Delta1e6);
    expect(1 - rho / REFERENCE.rhoAtEps1Delta1e6).toBeLessThan(1e-8);
  });

  it("is never worse than Bun–Steinke's ρ + 2√(ρ ln 1/δ), and the three conversions agree", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 50, noNaN: true }),
        fc.double({ min: 1e-15, max: 0.5, noNaN: true }),
        (rho, delta) => {
          const eps = zcdpToEpsilon(rho, delta);
          expect(eps).toBeLessThanOrEqual(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)));
          expect(zcdpToDelta(rho, eps)).toBeLessThanOrEqual(delta);
          const back = zcdpRhoFor(eps, delta);
          expect(zcdpToDelta(back, eps)).toBeLessThanOrEqual(delta);
          expect(back).toBeGreaterThan(rho * (1 - 1e-6));
        },
      ),
      { seed: 20_240_604, numRuns: 200 },
    );
  });

  it("has the degenerate cases of the definitions", () => {
    expect(zcdpToDelta(0, 0)).toBe(0);
    expect(zcdpToEpsilon(0, 1e-9)).toBe(0);
    expect(zcdpRhoFor(0, 1e-9)).toBe(0);
    expect(zcdpToDelta(10, 0)).toBe(1);
  });

  it("rejects parameters outside their ranges", () => {
    expect(() => zcdpToEpsilon(0.1, 0)).toThrow("δ must be in (0, 1), got 0.");
    expect(() => zcdpToEpsilon(-1, 0.1)).toThrow("ρ must be a finite number ≥ 0, got -1.");
    expect(() => zcdpRhoFor(Number.NaN, 0.1)).toThrow(InvalidInputError);
  });
});

describe("pureDpToZcdp (Bun–Steinke Proposition 1.4)", () => {
  it("is ε²/2, exactly", () => {
    expect(pureDpToZcdp(0.1)).toEqual({ num: 1n, den: 200n });
    expect(pureDpToZcdp("2/3")).toEqual({ num: 2n, den: 9n });
  });
});
