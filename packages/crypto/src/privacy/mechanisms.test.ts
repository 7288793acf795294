import { InvalidInputError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { gaussianMechanism, laplaceMechanism, meanMechanism } from "./mechanisms.js";
import { rationalToNumber } from "./rational.js";
import { createSeededRng } from "./rng.js";
import { chiSquaredTest, discreteGaussianPmf, discreteLaplacePmf, histogram } from "./statistics.testkit.js";
import { zcdpToEpsilon } from "./zcdp.js";

describe("laplaceMechanism", () => {
  it("calibrates Lap_Z(Δ/ε) exactly and states an ε-DP cost", () => {
    const mechanism = laplaceMechanism({ sensitivity: 3, epsilon: 0.4 });
    expect(mechanism.kind).toBe("discreteLaplace");
    expect(mechanism.scale).toEqual({ num: 15n, den: 2n });
    expect(mechanism.cost).toEqual({ kind: "dp", epsilon: { num: 2n, den: 5n }, delta: { num: 0n, den: 1n } });
  });

  it("adds noise distributed as Lap_Z(Δ/ε) around the true value", () => {
    const mechanism = laplaceMechanism({ sensitivity: 1n, epsilon: "1/2" });
    const rng = createSeededRng("laplace-mechanism");
    const noise = Array.from({ length: 30_000 }, () => mechanism.release(1_000, rng) - 1_000n);
    expect(chiSquaredTest(histogram(noise), discreteLaplacePmf(2)).pValue).toBeGreaterThan(0.001);
  });

  it("rejects a non-integer value, a sensitivity below 1 and ε ≤ 0", () => {
    const mechanism = laplaceMechanism({ sensitivity: 1, epsilon: 1 });
    expect(() => mechanism.release(2.5)).toThrow("The query value must be an integer, got 2.5.");
    expect(() => laplaceMechanism({ sensitivity: 0, epsilon: 1 })).toThrow(
      "Sensitivity must be a positive integer, got 0.",
    );
    expect(() => laplaceMechanism({ sensitivity: 1.5, epsilon: 1 })).toThrow(InvalidInputError);
    expect(() => laplaceMechanism({ sensitivity: 1, epsilon: 0 })).toThrow("ε must be greater than 0, got 0.");
  });
});

describe("gaussianMechanism", () => {
  it("turns ρ into σ² = Δ²/(2ρ) and σ² into ρ, exactly", () => {
    const fromRho = gaussianMechanism({ sensitivity: 1n, rho: "0.005" });
    expect(fromRho.sigma2).toEqual({ num: 100n, den: 1n });
    expect(fromRho.cost).toEqual({ kind: "zcdp", rho: { num: 1n, den: 200n } });
    const fromSigma = gaussianMechanism({ sensitivity: 3n, sigma2: "4.5" });
    expect(fromSigma.cost.rho).toEqual({ num: 1n, den: 1n });
  });

  it("meets a given (ε, δ) on its own, with σ² as small as 12 digits allow", () => {
    for (const [epsilon, delta, sensitivity] of [
      [1, 1e-6, 1n],
      [0.1, 1e-9, 5n],
      [3, 1e-5, 2n],
    ] as const) {
      const mechanism = gaussianMechanism({ sensitivity, epsilon, delta });
      const rho = rationalToNumber(mechanism.cost.rho);
      const achieved = zcdpToEpsilon(rho, delta);
      expect(achieved).toBeLessThanOrEqual(epsilon);
      expect(achieved).toBeGreaterThan(epsilon * 0.999_999);
      expect(mechanism.sigma2.den.toString().length).toBeLessThanOrEqual(13);
    }
  });

  it("adds noise distributed as N_Z(0, σ²) around the true value", () => {
    const mechanism = gaussianMechanism({ sensitivity: 1n, sigma2: 6n });
    const rng = createSeededRng("gaussian-mechanism");
    const noise = Array.from({ length: 30_000 }, () => mechanism.release(-42n, rng) + 42n);
    expect(chiSquaredTest(histogram(noise), discreteGaussianPmf(6)).pValue).toBeGreaterThan(0.001);
  });

  it("rejects parameters out of range", () => {
    expect(() => gaussianMechanism({ sensitivity: 1n, rho: -1 })).toThrow("ρ must be greater than 0, got -1.");
    expect(() => gaussianMechanism({ sensitivity: 1n, epsilon: 1, delta: 1 })).toThrow("δ must be in (0, 1), got 1.");
  });
});

describe("meanMechanism", () => {
  it("splits the budget between a noisy sum and a noisy count and clips values", () => {
    const mechanism = meanMechanism({ lower: -10, upper: 200, epsilon: 1 });
    expect(mechanism.cost).toEqual({ kind: "dp", epsilon: { num: 1n, den: 1n }, delta: { num: 0n, den: 1n } });
    expect(mechanism.sum.cost).toMatchObject({ epsilon: { num: 1n, den: 2n } });
    expect(mechanism.count.cost).toMatchObject({ epsilon: { num: 1n, den: 2n } });
    // Sum sensitivity max(|−10|, |200|) = 200 at ε/2: scale 400.
    expect(mechanism.sum).toMatchObject({ scale: { num: 400n, den: 1n } });

    const rng = createSeededRng("mean");
    const speeds = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? 40 : 60));
    const { mean, count } = mechanism.release([...speeds, 10_000, -500], rng); // the outliers clip to 200 and −10
    const trueMean = (20_000 * 50 + 200 - 10) / 20_002;
    expect(Math.abs((mean ?? Number.NaN) - trueMean)).toBeLessThan(1);
    expect(Math.abs(Number(count) - 20_002)).toBeLessThan(40);
  });

  it("with ρ uses discrete Gaussian noise; the mean stays in [lower, upper] and is undefined when the count is not positive", () => {
    const mechanism = meanMechanism({ lower: 0, upper: 10, rho: 0.02 });
    expect(mechanism.cost).toEqual({ kind: "zcdp", rho: { num: 1n, den: 50n } });
    const rng = createSeededRng("mean-empty");
    const means = Array.from({ length: 40 }, () => mechanism.release([3, 4], rng).mean);
    expect(means.some((m) => m === undefined)).toBe(true);
    for (const m of means) if (m !== undefined) expect(m >= 0 && m <= 10).toBe(true);
  });

  it("rejects an empty or inverted range", () => {
    expect(() => meanMechanism({ lower: 0, upper: 0, epsilon: 1 })).toThrow("The clipping range [0, 0]");
    expect(() => meanMechanism({ lower: 5, upper: 1, epsilon: 1 })).toThrow("lower (5) must not exceed upper (1).");
  });
});
