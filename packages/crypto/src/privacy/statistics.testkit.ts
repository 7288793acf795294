// Goodness-of-fit tools for the sampler tests: Pearson's chi-squared test against an exact pmf on the integers,
// with the p-value from the regularised incomplete gamma function (Numerical Recipes, 3rd ed., §6.2), and the
// exact moments of a pmf. Test support only; not exported from the package.

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; ~1e-15 relative). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Q(a, x) = Γ(a, x)/Γ(a), the regularised upper incomplete gamma function. */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    // Series for P(a, x).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * front;
  }
  // Continued fraction for Q(a, x), modified Lentz.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return front * h;
}

/** P[χ²_df ≥ x]. */
export function chiSquaredSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** Counts of integer samples. */
export function histogram(samples: Iterable<bigint>): { counts: Map<number, number>; total: number } {
  const counts = new Map<number, number>();
  let total = 0;
  for (const sample of samples) {
    const x = Number(sample);
    counts.set(x, (counts.get(x) ?? 0) + 1);
    total++;
  }
  return { counts, total };
}

export type ChiSquaredResult = { statistic: number; df: number; pValue: number; bins: number };

/**
 * Pearson's chi-squared test of integer samples against `pmf`, a pmf on Z with mass concentrated around 0.
 * Every integer with an expected count ≥ `minExpected` is its own bin; the rest of each tail is one bin, merged
 * into its neighbour when its expected count is below `minExpected`.
 */
export function chiSquaredTest(
  { counts, total }: { counts: Map<number, number>; total: number },
  pmf: (x: number) => number,
  minExpected = 5,
): ChiSquaredResult {
  let lo = 0;
  let hi = 0;
  while (pmf(lo - 1) * total >= minExpected) lo--;
  while (pmf(hi + 1) * total >= minExpected) hi++;
  const bins: { expected: number; observed: number }[] = [];
  let inside = 0;
  for (let x = lo; x <= hi; x++) {
    const p = pmf(x);
    inside += p;
    bins.push({ expected: p * total, observed: counts.get(x) ?? 0 });
  }
  let leftMass = 0;
  for (let x = lo - 1; pmf(x) > 0 && x > lo - 1_000_000; x--) leftMass += pmf(x);
  const rightMass = Math.max(0, 1 - inside - leftMass);
  let leftObserved = 0;
  let rightObserved = 0;
  for (const [x, count] of counts) {
    if (x < lo) leftObserved += count;
    if (x > hi) rightObserved += count;
  }
  const left = { expected: leftMass * total, observed: leftObserved };
  const right = { expected: rightMass * total, observed: rightObserved };
  if (left.expected >= minExpected) bins.unshift(left);
  else {
    bins[0]!.expected += left.expected;
    bins[0]!.observed += left.observed;
  }
  if (right.expected >= minExpected) bins.push(right);
  else {
    bins[bins.length - 1]!.expected += right.expected;
    bins[bins.length - 1]!.observed += right.observed;
  }
  const statistic = bins.reduce((sum, { expected, observed }) => sum + (observed - expected) ** 2 / expected, 0);
  const df = bins.length - 1;
  return { statistic, df, pValue: chiSquaredSurvival(statistic, df), bins: bins.length };
}

/** Exact moments E[X²] (the variance) and E[X⁴] of a pmf on Z symmetric about 0, summed until the terms vanish. */
export function pmfMoments(pmf: (x: number) => number): { variance: number; fourth: number } {
  let second = 0;
  let fourth = 0;
  for (let x = 0; ; x++) {
    const p = pmf(x);
    const weight = x === 0 ? 1 : 2;
    if (x > 10 && p * x ** 4 < 1e-300) break;
    second += weight * p * x * x;
    fourth += weight * p * x ** 4;
  }
  return { variance: second, fourth };
}

/** Sample mean and (biased) sample variance. */
export function sampleMoments(samples: readonly bigint[]): { mean: number; variance: number } {
  let sum = 0;
  let sum2 = 0;
  for (const s of samples) {
    const x = Number(s);
    sum += x;
    sum2 += x * x;
  }
  const mean = sum / samples.length;
  return { mean, variance: sum2 / samples.length - mean * mean };
}

/** The discrete Laplace pmf Lap_Z(t): (1 − e^{−1/t})/(1 + e^{−1/t}) · e^{−|x|/t}. */
export function discreteLaplacePmf(t: number): (x: number) => number {
  const q = Math.exp(-1 / t);
  const norm = (1 - q) / (1 + q);
  return (x) => norm * q ** Math.abs(x);
}

/** The discrete Gaussian pmf N_Z(0, σ²), normalised by direct summation. */
export function discreteGaussianPmf(sigma2: number): (x: number) => number {
  let norm = 1;
  for (let x = 1; ; x++) {
    const term = Math.exp((-x * x) / (2 * sigma2));
    if (term < 1e-300) break;
    norm += 2 * term;
  }
  return (x) => Math.exp((-x * x) / (2 * sigma2)) / norm;
}
