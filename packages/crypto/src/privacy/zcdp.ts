// Conversions between zero-concentrated DP (ρ-zCDP) and approximate (ε, δ)-DP, for the Gaussian mechanism and the
// budget accountant. Sources:
//   - C. Canonne, G. Kamath, T. Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020,
//     arXiv:2004.00010, §2.3, Corollary 13: ρ-zCDP implies (ε, δ)-DP for
//       δ = inf_{α>1} exp((α−1)(αρ−ε)) / (α−1) · (1 − 1/α)^α,
//     tighter than the classic bound; any α > 1 gives a valid δ, so a slightly-off optimum only costs tightness.
//   - M. Bun, T. Steinke, "Concentrated Differential Privacy: Simplifications, Extensions, and Lower Bounds",
//     TCC 2016, arXiv:1605.02065: ε-DP implies (ε²/2)-zCDP (Proposition 1.4), zCDP composes by adding ρ
//     (Lemma 1.7), and ρ-zCDP implies (ρ + 2√(ρ·ln(1/δ)), δ)-DP (Proposition 1.3), the starting bracket below.
// This is accounting, not sampling, so floats are fine here; every result is rounded in the private direction:
// the ε and δ returned are upper bounds and the ρ a lower bound, with a relative margin of 1e-9 on δ that covers
// the float error of exp and log many times over.

import { InvalidInputError } from "@amc/utils";
import { type Rational, type RationalLike, ratMul, toNonNegativeRational } from "./rational.js";

const DELTA_MARGIN = 1 - 1e-9;
const MAX_BISECTIONS = 2000;

function requireNonNegative(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new InvalidInputError(`${name} must be a finite number ≥ 0, got ${value}.`);
  }
}

function requireProbability(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0 && value < 1)) {
    throw new InvalidInputError(`${name} must be in (0, 1), got ${value}.`);
  }
}

/**
 * Bisection on a monotone predicate that is false at `lo` and true at `hi`: returns adjacent (to float precision)
 * points with `above(low)` false and `above(high)` true.
 */
function bisect(lo: number, hi: number, above: (x: number) => boolean): { low: number; high: number } {
  let low = lo;
  let high = hi;
  for (let i = 0; i < MAX_BISECTIONS; i++) {
    const mid = (low + high) / 2;
    if (mid <= low || mid >= high) break;
    if (above(mid)) high = mid;
    else low = mid;
  }
  return { low, high };
}

/**
 * The δ such that ρ-zCDP implies (ε, δ)-DP (Canonne–Kamath–Steinke Corollary 13); an upper bound, at most 1.
 *
 * @example
 * zcdpToDelta(0.5, 5); // ≈ 2.9e-6
 */
export function zcdpToDelta(rho: number, epsilon: number): number {
  requireNonNegative(rho, "ρ");
  requireNonNegative(epsilon, "ε");
  if (rho === 0) return 0;
  // The exponent is convex in α; its derivative is (2α − 1)ρ − ε + ln(1 − 1/α). α ≥ 1.01 keeps ln(1 − 1/α) tame;
  // the optimum only lies below that when ε ≲ ρ, where δ is large anyway.
  const alpha = bisect(
    1.01,
    (epsilon + 1) / (2 * rho) + 2,
    (a) => (2 * a - 1) * rho - epsilon + Math.log1p(-1 / a) >= 0,
  ).high;
  const delta = Math.exp((alpha - 1) * (alpha * rho - epsilon) + alpha * Math.log1p(-1 / alpha)) / (alpha - 1);
  return Math.min(1, delta / DELTA_MARGIN);
}

/**
 * The smallest ε (to float precision, rounded up) such that ρ-zCDP implies (ε, δ)-DP, for δ in (0, 1).
 *
 * @example
 * zcdpToEpsilon(0.5, 1e-6); // ≈ 5.22 (the classic bound ρ + 2√(ρ ln 1/δ) gives 5.76)
 */
export function zcdpToEpsilon(rho: number, delta: number): number {
  requireNonNegative(rho, "ρ");
  requireProbability(delta, "δ");
  if (rho === 0) return 0;
  let high = rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
  while (zcdpToDelta(rho, high) > delta) high = high * 2 + 1;
  return bisect(0, high, (epsilon) => zcdpToDelta(rho, epsilon) <= delta).high;
}

/**
 * The largest ρ (to float precision, rounded down) such that ρ-zCDP implies (ε, δ)-DP, for ε ≥ 0 and δ in (0, 1):
 * the zCDP budget to give a Gaussian mechanism that must be (ε, δ)-DP.
 *
 * @example
 * zcdpRhoFor(1, 1e-6); // ≈ 0.0244
 */
export function zcdpRhoFor(epsilon: number, delta: number): number {
  requireNonNegative(epsilon, "ε");
  requireProbability(delta, "δ");
  if (epsilon === 0) return 0;
  let high = epsilon + 1;
  while (zcdpToDelta(high, epsilon) <= delta) high *= 2;
  return bisect(0, high, (rho) => zcdpToDelta(rho, epsilon) > delta).low;
}

/**
 * ε-DP implies (ε²/2)-zCDP (Bun–Steinke Proposition 1.4), exactly: charge a pure-DP mechanism this way when many
 * of them compose with Gaussian ones, where adding ρ beats adding ε.
 */
export function pureDpToZcdp(epsilon: RationalLike): Rational {
  const e = toNonNegativeRational(epsilon, "ε");
  return ratMul(ratMul(e, e), { num: 1n, den: 2n });
}
