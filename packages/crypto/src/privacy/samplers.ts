// Exact samplers for discrete differential-privacy noise, after
//   C. Canonne, G. Kamath, T. Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020,
//   arXiv:2004.00010, section "Sampling": Algorithm 1 (Bernoulli(exp(−γ))), Algorithm 2 (discrete Laplace),
//   Algorithm 3 (discrete Gaussian).
// Why exact: noise drawn with floating point is not distributed as the proof assumes, and the gaps in a float
// sampler's output reveal the true value (Mironov, "On Significance of the Least Significant Bits for
// Differential Privacy", CCS 2012). Here every parameter is a rational over bigint and every step is a uniform
// integer draw and an integer comparison, so the output follows the stated pmf exactly, given a uniform RNG:
//   discrete Laplace  Lap_Z(t):      P[x] = (e^{1/t} − 1)/(e^{1/t} + 1) · e^{−|x|/t}
//   discrete Gaussian N_Z(0, σ²):    P[x] = e^{−x²/(2σ²)} / Σ_{y∈Z} e^{−y²/(2σ²)}
// Running time is random (rejection sampling) and so leaks through timing; the paper discusses this; it
// does not matter for a server releasing aggregates, but do not run these where an adversary times each draw.

import { InvalidInputError } from "@amc/utils";
import { type RationalLike, toNonNegativeRational, toPositiveRational } from "./rational.js";
import { cryptoRng, type UniformRng } from "./rng.js";

// --- Internal forms on bare bigints, shared with the mechanisms (which validate their parameters once). -------

/** Bernoulli(num/den) for 0 ≤ num ≤ den. */
const bernoulli = (num: bigint, den: bigint, rng: UniformRng): boolean => rng.uniformBelow(den) < num;

/**
 * Algorithm 1, case γ ∈ [0, 1]: draw Bernoulli(γ/K) for K = 1, 2, … until one fails; the K it fails at is odd
 * with probability exp(−γ) (the alternating series of e^{−γ}).
 */
function bernoulliExpAtMostOne(num: bigint, den: bigint, rng: UniformRng): boolean {
  if (num === 0n) return true;
  let k = 1n;
  while (bernoulli(num, den * k, rng)) k++;
  return (k & 1n) === 1n;
}

/**
 * Bernoulli(exp(−num/den)) for num/den ≥ 0. Algorithm 1, case γ > 1: ⌊γ⌋ independent Bernoulli(exp(−1)) must all
 * succeed, then Bernoulli(exp(−(γ − ⌊γ⌋))). Returns early at the first failure, so large γ is cheap.
 */
export function bernoulliExpInternal(num: bigint, den: bigint, rng: UniformRng): boolean {
  for (let whole = num / den; whole > 0n; whole--) {
    if (!bernoulliExpAtMostOne(1n, 1n, rng)) return false;
  }
  return bernoulliExpAtMostOne(num % den, den, rng);
}

/** Algorithm 2: Lap_Z(t/s) for integers t, s ≥ 1. */
export function discreteLaplaceInternal(t: bigint, s: bigint, rng: UniformRng): bigint {
  for (;;) {
    // X = U + t·V is geometric with success probability 1 − e^{−1/t}: U is its remainder mod t (accepted with
    // probability e^{−U/t}), V its quotient, itself geometric with success probability 1 − e^{−1}.
    const u = rng.uniformBelow(t);
    if (!bernoulliExpInternal(u, t, rng)) continue;
    let v = 0n;
    while (bernoulliExpAtMostOne(1n, 1n, rng)) v++;
    // Y = ⌊X/s⌋ is geometric with success probability 1 − e^{−s/t}; a random sign, rejecting −0 so that 0 is not
    // counted twice, gives the two-sided law.
    const y = (u + t * v) / s;
    const negative = rng.uniformBelow(2n) === 1n;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** ⌊√n⌋ for n ≥ 0, by Newton's method on bigints. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * Algorithm 3: N_Z(0, a/b) for integers a, b ≥ 1. Proposes Y ~ Lap_Z(t) with t = ⌊σ⌋ + 1 and accepts it with
 * probability exp(−(|Y| − σ²/t)²/(2σ²)); the expected number of proposals is a small constant for every σ.
 */
export function discreteGaussianInternal(a: bigint, b: bigint, rng: UniformRng): bigint {
  // ⌊σ⌋ = ⌊√⌊a/b⌋⌋, since k ≤ √x ⇔ k² ≤ x ⇔ k² ≤ ⌊x⌋ for an integer k.
  const t = isqrt(a / b) + 1n;
  const bt = b * t;
  // γ = (|Y| − a/(bt))² / (2a/b) = (|Y|·b·t − a)² / (2·a·b·t²).
  const gammaDen = 2n * a * b * t * t;
  for (;;) {
    const y = discreteLaplaceInternal(t, 1n, rng);
    const magnitude = y < 0n ? -y : y;
    const offset = magnitude * bt - a;
    if (bernoulliExpInternal(offset * offset, gammaDen, rng)) return y;
  }
}

// --- Public samplers. ------------------------------------------------------------------------------------------

/**
 * One exact draw of Bernoulli(exp(−γ)) for a rational γ ≥ 0 (Canonne–Kamath–Steinke Algorithm 1).
 *
 * @example
 * sampleBernoulliExp({ num: 1n, den: 2n }); // true with probability e^{−1/2}
 */
export function sampleBernoulliExp(gamma: RationalLike, rng: UniformRng = cryptoRng): boolean {
  const g = toNonNegativeRational(gamma, "γ");
  return bernoulliExpInternal(g.num, g.den, rng);
}

/**
 * One exact draw of the discrete Laplace distribution Lap_Z(scale), P[x] ∝ e^{−|x|/scale}, for a rational
 * scale > 0 (Canonne–Kamath–Steinke Algorithm 2). Adding it to a sensitivity-Δ integer query with
 * scale = Δ/ε gives ε-DP; `laplaceMechanism` does that.
 *
 * @example
 * sampleDiscreteLaplace(toRational("2.5")); // variance 2e^{−0.4}/(1 − e^{−0.4})²
 */
export function sampleDiscreteLaplace(scale: RationalLike, rng: UniformRng = cryptoRng): bigint {
  const t = toPositiveRational(scale, "Discrete Laplace scale");
  return discreteLaplaceInternal(t.num, t.den, rng);
}

/**
 * One exact draw of the discrete Gaussian N_Z(0, σ²), P[x] ∝ e^{−x²/(2σ²)}, for a rational σ² > 0
 * (Canonne–Kamath–Steinke Algorithm 3). Its variance is below σ²; adding it to a sensitivity-Δ integer query
 * gives Δ²/(2σ²)-zCDP; `gaussianMechanism` does that.
 *
 * @example
 * sampleDiscreteGaussian(100n); // σ = 10
 */
export function sampleDiscreteGaussian(sigma2: RationalLike, rng: UniformRng = cryptoRng): bigint {
  const s = toPositiveRational(sigma2, "Discrete Gaussian variance σ²");
  return discreteGaussianInternal(s.num, s.den, rng);
}

/** Throws unless `value` is an integer (a bigint or a safe-integer number); returns it as a bigint. */
export function toIntegerValue(value: bigint | number, name: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidInputError(`${name} must be an integer, got ${value}.`, {
      fix: "these mechanisms add integer noise to integer queries: round or scale the value to an integer first",
    });
  }
  return BigInt(value);
}
