import { InvalidInputError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { type RationalLike, rationalToNumber, toRational } from "./rational.js";
import { createSeededRng } from "./rng.js";
import { isqrt, sampleBernoulliExp, sampleDiscreteGaussian, sampleDiscreteLaplace } from "./samplers.js";
import {
  chiSquaredTest,
  discreteGaussianPmf,
  discreteLaplacePmf,
  histogram,
  pmfMoments,
  sampleMoments,
} from "./statistics.testkit.js";

// The hard assertions run on seeded RNGs, so they are deterministic: a correct sampler passes them on every run,
// and the thresholds (p > 0.001, 5 standard errors) were not tuned to the seeds. The power checks show that the
// same samples are rejected against a pmf only 5% (Laplace scale) or 10% (Gaussian σ²) off, so the tests can
// catch a wrong sampler. A smaller run on the OS CSPRNG checks the default path with a loose threshold
// (p > 1e-6, so a false alarm is a one-in-a-million event).

const N = 60_000;
const draw = (n: number, sample: () => bigint): bigint[] => Array.from({ length: n }, sample);

/** |observed − expected| in standard errors of the mean. */
const zScore = (observed: number, expected: number, variance: number, n: number): number =>
  Math.abs(observed - expected) / Math.sqrt(variance / n);

describe("isqrt", () => {
  it("is ⌊√n⌋ around perfect squares and for large n", () => {
    for (let r = 0n; r < 200n; r++) {
      expect(isqrt(r * r)).toBe(r);
      if (r > 0n) expect(isqrt(r * r - 1n)).toBe(r - 1n);
      expect(isqrt(r * r + 2n * r)).toBe(r);
    }
    const big = (1n << 200n) + 12345n;
    expect(isqrt(big * big + big)).toBe(big);
  });
});

describe("sampleBernoulliExp (Canonne–Kamath–Steinke Algorithm 1)", () => {
  it.each<[string, RationalLike]>([
    ["0", 0n],
    ["1/3", "1/3"],
    ["1", 1n],
    ["5/2", "5/2"],
    ["4.2", 4.2],
  ])("succeeds with frequency e^{−γ} for γ = %s", (_, gamma) => {
    const rng = createSeededRng(`bernoulli-exp-${String(gamma)}`);
    const p = Math.exp(-rationalToNumber(toRational(gamma)));
    const n = 40_000;
    let successes = 0;
    for (let i = 0; i < n; i++) if (sampleBernoulliExp(gamma, rng)) successes++;
    if (p === 1) expect(successes).toBe(n);
    else expect(zScore(successes / n, p, p * (1 - p), n)).toBeLessThan(5);
  });

  it("handles large γ cheaply (early exit) and exactly never succeeds when the odds are e^{−1000}", () => {
    const rng = createSeededRng("bernoulli-exp-large");
    for (let i = 0; i < 2000; i++) expect(sampleBernoulliExp(1000n, rng)).toBe(false);
  });

  it("rejects a negative γ", () => {
    expect(() => sampleBernoulliExp(-0.5)).toThrow("γ must not be negative, got -1/2.");
  });
});

describe("sampleDiscreteLaplace (Canonne–Kamath–Steinke Algorithm 2)", () => {
  // 1/2 exercises s > t (Y = ⌊X/s⌋ merges values), 3/2 a proper fraction, 10 a wide integer scale.
  it.each<[string, number]>([
    ["1/2", 0.5],
    ["3/2", 1.5],
    ["10", 10],
  ])("matches the pmf of Lap_Z(%s): chi-squared, mean 0, variance 2e^{−1/t}/(1 − e^{−1/t})²", (scale, t) => {
    const rng = createSeededRng(`discrete-laplace-${scale}`);
    const samples = draw(N, () => sampleDiscreteLaplace(scale, rng));
    const pmf = discreteLaplacePmf(t);
    const fit = chiSquaredTest(histogram(samples), pmf);
    expect(fit.bins).toBeGreaterThan(3);
    expect(fit.pValue).toBeGreaterThan(0.001);

    const q = Math.exp(-1 / t);
    const variance = (2 * q) / (1 - q) ** 2;
    const exact = pmfMoments(pmf);
    expect(exact.variance).toBeCloseTo(variance, 8); // the closed form agrees with the pmf
    const observed = sampleMoments(samples);
    expect(zScore(observed.mean, 0, variance, N)).toBeLessThan(5);
    // The sample variance has standard error √((E[X⁴] − σ⁴)/N).
    expect(zScore(observed.variance, variance, exact.fourth - variance ** 2, N)).toBeLessThan(5);

    // Power: the same samples are rejected against a scale 5% larger.
    expect(chiSquaredTest(histogram(samples), discreteLaplacePmf(t * 1.05)).pValue).toBeLessThan(1e-6);
  });

  it("fits on the OS CSPRNG too (smoke run, loose threshold)", () => {
    const samples = draw(20_000, () => sampleDiscreteLaplace("5/2"));
    expect(chiSquaredTest(histogram(samples), discreteLaplacePmf(2.5)).pValue).toBeGreaterThan(1e-6);
  });

  it("rejects a scale that is not positive or not a number", () => {
    expect(() => sampleDiscreteLaplace(0)).toThrow("Discrete Laplace scale must be greater than 0, got 0.");
    expect(() => sampleDiscreteLaplace("-1/3")).toThrow(InvalidInputError);
    expect(() => sampleDiscreteLaplace("two")).toThrow('Discrete Laplace scale "two" is not a number.');
    expect(() => sampleDiscreteLaplace(Number.NaN)).toThrow("must be a finite number");
  });
});

describe("sampleDiscreteGaussian (Canonne–Kamath–Steinke Algorithm 3)", () => {
  // 1/4 has σ < 1 (t = 1); 7/2 a fractional σ²; 12.345678901234 a long exact decimal; 100 an integer σ.
  it.each<[string, RationalLike, number]>([
    ["1/4", "1/4", 0.25],
    ["7/2", "7/2", 3.5],
    ["12.345678901234", "12.345678901234", 12.345678901234],
    ["100", 100, 100],
  ])("matches the pmf of N_Z(0, %s): chi-squared, mean 0, variance ≤ σ²", (name, sigma2, s2) => {
    const rng = createSeededRng(`discrete-gaussian-${name}`);
    const samples = draw(N, () => sampleDiscreteGaussian(sigma2, rng));
    const pmf = discreteGaussianPmf(s2);
    const fit = chiSquaredTest(histogram(samples), pmf);
    expect(fit.bins).toBeGreaterThan(3);
    expect(fit.pValue).toBeGreaterThan(0.001);

    const exact = pmfMoments(pmf);
    expect(exact.variance).toBeLessThanOrEqual(s2); // the paper's bound Var[N_Z(0, σ²)] < σ²
    const observed = sampleMoments(samples);
    expect(zScore(observed.mean, 0, exact.variance, N)).toBeLessThan(5);
    expect(zScore(observed.variance, exact.variance, exact.fourth - exact.variance ** 2, N)).toBeLessThan(5);

    expect(chiSquaredTest(histogram(samples), discreteGaussianPmf(s2 * 1.1)).pValue).toBeLessThan(1e-6);
  });

  it("fits on the OS CSPRNG too (smoke run, loose threshold)", () => {
    const samples = draw(20_000, () => sampleDiscreteGaussian(9n));
    expect(chiSquaredTest(histogram(samples), discreteGaussianPmf(9)).pValue).toBeGreaterThan(1e-6);
  });

  it("is reproducible under a seeded RNG", () => {
    const a = createSeededRng("reproducible");
    const b = createSeededRng("reproducible");
    expect(draw(50, () => sampleDiscreteGaussian("2.5", a))).toEqual(draw(50, () => sampleDiscreteGaussian("2.5", b)));
  });

  it("rejects σ² ≤ 0", () => {
    expect(() => sampleDiscreteGaussian(0n)).toThrow("Discrete Gaussian variance σ² must be greater than 0, got 0.");
  });
});
