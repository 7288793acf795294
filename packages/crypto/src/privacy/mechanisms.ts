// Differentially private releases of integer-valued queries (counts, sums of clipped integers) with exact discrete
// noise. Sources (the guarantees each mechanism states in its `cost`):
//   - discrete Laplace: adding Lap_Z(Δ/ε) to a query of sensitivity Δ is ε-DP (the geometric mechanism, Ghosh,
//     Roughgarden & Sundararajan, STOC 2009; Canonne, Kamath & Steinke 2020, arXiv:2004.00010, on Lap_Z).
//   - discrete Gaussian: adding N_Z(0, σ²) to a query of sensitivity Δ is (Δ²/(2σ²))-zCDP (Canonne, Kamath &
//     Steinke 2020, Theorem 4), converted to (ε, δ) with their Corollary 13 (see zcdp.ts).
// "Neighbouring" means one record added or removed, so a count has sensitivity 1 and a sum of values clipped to
// [lower, upper] has sensitivity max(|lower|, |upper|).
// A mechanism is built first and draws noise later, so that the budget can be charged in between: build it, pass
// its `cost` to `PrivacyAccountant.charge` (or call `PrivacyAccountant.release`), and only then `release`.

import { InvalidInputError } from "@amc/utils";
import {
  ceilToSignificantDigits,
  makeRational,
  type Rational,
  type RationalLike,
  ratDiv,
  rationalToNumber,
  ratMul,
  toPositiveRational,
  ZERO,
} from "./rational.js";
import { cryptoRng, type UniformRng } from "./rng.js";
import { discreteGaussianInternal, discreteLaplaceInternal, toIntegerValue } from "./samplers.js";
import { zcdpRhoFor } from "./zcdp.js";

/**
 * The privacy a release spends: (ε, δ)-DP (δ = 0 for pure ε-DP, composed by adding ε and δ), or ρ-zCDP (composed
 * by adding ρ). `PrivacyAccountant` charges either.
 */
export type PrivacyCost = { kind: "dp"; epsilon: Rational; delta: Rational } | { kind: "zcdp"; rho: Rational };

/** A calibrated noise-adding mechanism for one integer query: charge `cost`, then `release` the true value. */
export type IntegerMechanism = {
  readonly cost: PrivacyCost;
  /** The true value plus fresh noise. `rng` defaults to the OS CSPRNG; inject one only in tests. */
  release(value: bigint | number, rng?: UniformRng): bigint;
};

export type LaplaceMechanismParameters = {
  /** How much one record can change the query (a positive integer): 1 for a count. */
  sensitivity: bigint | number;
  /** The ε of ε-DP, > 0; numbers are read as the decimal they print as (0.1 is exactly 1/10). */
  epsilon: RationalLike;
};

export type DiscreteLaplaceMechanism = IntegerMechanism & {
  readonly kind: "discreteLaplace";
  /** Δ/ε, exact. */
  readonly scale: Rational;
  readonly cost: { kind: "dp"; epsilon: Rational; delta: Rational };
};

export type GaussianMechanismParameters = {
  /** How much one record can change the query (a positive integer): 1 for a count. */
  sensitivity: bigint | number;
} & (
  | { /** The zCDP ρ to spend; σ² = Δ²/(2ρ) exactly. */ rho: RationalLike; sigma2?: never; epsilon?: never }
  | { /** The noise variance parameter; ρ = Δ²/(2σ²) exactly. */ sigma2: RationalLike; rho?: never; epsilon?: never }
  | {
      /** The (ε, δ)-DP this release alone must meet; σ² is the smallest (to 12 digits, rounded up) that does. */
      epsilon: RationalLike;
      delta: RationalLike;
      rho?: never;
      sigma2?: never;
    }
);

export type DiscreteGaussianMechanism = IntegerMechanism & {
  readonly kind: "discreteGaussian";
  /** σ² of N_Z(0, σ²), exact; the noise variance is slightly below it. */
  readonly sigma2: Rational;
  readonly cost: { kind: "zcdp"; rho: Rational };
};

export type MeanMechanismParameters = {
  /** Values are clipped to [lower, upper] (integers, lower ≤ upper) before summing. */
  lower: bigint | number;
  upper: bigint | number;
} & ({ epsilon: RationalLike; rho?: never } | { rho: RationalLike; epsilon?: never });

export type NoisyMean = {
  /** The noisy sum of the clipped values. */
  sum: bigint;
  /** The noisy number of values. */
  count: bigint;
  /** sum / count clamped to [lower, upper]; undefined when the noisy count is ≤ 0. Post-processing: free. */
  mean: number | undefined;
};

export type MeanMechanism = {
  /** The whole release: half of it buys the sum, half the count. */
  readonly cost: PrivacyCost;
  readonly sum: IntegerMechanism;
  readonly count: IntegerMechanism;
  release(values: readonly (bigint | number)[], rng?: UniformRng): NoisyMean;
};

function positiveSensitivity(value: bigint | number): bigint {
  const sensitivity = toIntegerValue(value, "Sensitivity");
  if (sensitivity < 1n) {
    throw new InvalidInputError(`Sensitivity must be a positive integer, got ${sensitivity}.`, {
      fix: "a count has sensitivity 1; a sum of values clipped to [lo, hi] has sensitivity max(|lo|, |hi|)",
    });
  }
  return sensitivity;
}

/**
 * The discrete Laplace (geometric) mechanism: ε-DP for a query of the given integer sensitivity, noise
 * Lap_Z(Δ/ε) drawn exactly.
 *
 * @example
 * const mechanism = laplaceMechanism({ sensitivity: 1n, epsilon: 0.5 });
 * accountant = accountant.charge(mechanism.cost, "vehicles seen at RSU 7");
 * const noisyCount = mechanism.release(trueCount);
 */
export function laplaceMechanism(parameters: LaplaceMechanismParameters): DiscreteLaplaceMechanism {
  const sensitivity = positiveSensitivity(parameters.sensitivity);
  const epsilon = toPositiveRational(parameters.epsilon, "ε");
  const scale = ratDiv({ num: sensitivity, den: 1n }, epsilon);
  return {
    kind: "discreteLaplace",
    scale,
    cost: { kind: "dp", epsilon, delta: ZERO },
    release: (value, rng = cryptoRng) =>
      toIntegerValue(value, "The query value") + discreteLaplaceInternal(scale.num, scale.den, rng),
  };
}

/**
 * The discrete Gaussian mechanism: Δ²/(2σ²)-zCDP for a query of integer sensitivity Δ, noise N_Z(0, σ²) drawn
 * exactly. Give ρ, σ², or the (ε, δ) the release must meet on its own; the cost is always stated as ρ so that
 * Gaussian releases compose by adding ρ in the accountant.
 *
 * @example
 * const mechanism = gaussianMechanism({ sensitivity: 1n, rho: "0.005" }); // σ² = 100
 * const noisyCount = accountant.release(mechanism, trueCount, { label: "trips today" });
 */
export function gaussianMechanism(parameters: GaussianMechanismParameters): DiscreteGaussianMechanism {
  const sensitivity = positiveSensitivity(parameters.sensitivity);
  const sensitivity2 = { num: sensitivity * sensitivity, den: 1n };
  let sigma2: Rational;
  if (parameters.rho !== undefined) {
    sigma2 = ratDiv(sensitivity2, ratMul(toPositiveRational(parameters.rho, "ρ"), { num: 2n, den: 1n }));
  } else if (parameters.sigma2 !== undefined) {
    sigma2 = toPositiveRational(parameters.sigma2, "σ²");
  } else {
    const epsilon = rationalToNumber(toPositiveRational(parameters.epsilon, "ε"));
    const delta = rationalToNumber(toPositiveRational(parameters.delta, "δ"));
    const rho = zcdpRhoFor(epsilon, delta);
    if (!(rho > 0)) throw new InvalidInputError(`No Gaussian noise meets (ε = ${epsilon}, δ = ${delta})-DP.`);
    // Rounding σ² up lowers ρ: the release stays within (ε, δ).
    sigma2 = ceilToSignificantDigits(rationalToNumber(sensitivity2) / (2 * rho) / (1 - 1e-12), 12);
  }
  const rho = ratDiv(sensitivity2, ratMul(sigma2, { num: 2n, den: 1n }));
  return {
    kind: "discreteGaussian",
    sigma2,
    cost: { kind: "zcdp", rho },
    release: (value, rng = cryptoRng) =>
      toIntegerValue(value, "The query value") + discreteGaussianInternal(sigma2.num, sigma2.den, rng),
  };
}

/**
 * A differentially private mean of integer values clipped to [lower, upper]: a noisy sum and a noisy count, each
 * bought with half the budget (discrete Laplace for ε, discrete Gaussian for ρ), and their ratio.
 *
 * @example
 * const mechanism = meanMechanism({ lower: 0, upper: 200, epsilon: 1 }); // speeds in km/h
 * accountant = accountant.charge(mechanism.cost, "mean speed");
 * const { mean } = mechanism.release(speeds);
 */
export function meanMechanism(parameters: MeanMechanismParameters): MeanMechanism {
  const lower = toIntegerValue(parameters.lower, "lower");
  const upper = toIntegerValue(parameters.upper, "upper");
  if (lower > upper) throw new InvalidInputError(`lower (${lower}) must not exceed upper (${upper}).`);
  // max(|lower|, |upper|): the sum's sensitivity when one record is added or removed.
  let largest = upper < 0n ? -upper : upper;
  if (-lower > largest) largest = -lower;
  if (largest === 0n) throw new InvalidInputError("The clipping range [0, 0] leaves nothing to average.");
  const half = { num: 1n, den: 2n };
  let sum: IntegerMechanism;
  let count: IntegerMechanism;
  let cost: PrivacyCost;
  if (parameters.rho !== undefined) {
    const rho = toPositiveRational(parameters.rho, "ρ");
    sum = gaussianMechanism({ sensitivity: largest, rho: ratMul(rho, half) });
    count = gaussianMechanism({ sensitivity: 1n, rho: ratMul(rho, half) });
    cost = { kind: "zcdp", rho };
  } else {
    const epsilon = toPositiveRational(parameters.epsilon, "ε");
    sum = laplaceMechanism({ sensitivity: largest, epsilon: ratMul(epsilon, half) });
    count = laplaceMechanism({ sensitivity: 1n, epsilon: ratMul(epsilon, half) });
    cost = { kind: "dp", epsilon, delta: ZERO };
  }
  const lowerNumber = Number(lower);
  const upperNumber = Number(upper);
  return {
    cost,
    sum,
    count,
    release(values, rng = cryptoRng) {
      let total = 0n;
      for (const raw of values) {
        const value = toIntegerValue(raw, "A value");
        // Clip to [lower, upper] (bigints, so no Math.min/max).
        if (value < lower) total += lower;
        else if (value > upper) total += upper;
        else total += value;
      }
      const noisySum = sum.release(total, rng);
      const noisyCount = count.release(BigInt(values.length), rng);
      const mean =
        noisyCount > 0n
          ? Math.min(upperNumber, Math.max(lowerNumber, rationalToNumber(makeRational(noisySum, noisyCount))))
          : undefined;
      return { sum: noisySum, count: noisyCount, mean };
    },
  };
}
