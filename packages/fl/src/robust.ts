// Client-side clipping and cloud-side combination of (cell) updates: FedAvg, Multi-Krum, trimmed mean.
// Every combiner returns the combined vector and which inputs were dropped, with a human-readable reason.

export interface Dropped {
  index: number;
  reason: string;
}

export interface Combined {
  vector: Float64Array;
  /** indices whose values entered the result (fully or, for trimmed mean, in some coordinates) */
  used: number[];
  dropped: Dropped[];
}

export function l2norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Scale `v` down to L2 norm ≤ maxNorm (copy). */
export function clipL2(v: Float64Array, maxNorm: number): { vector: Float64Array; norm: number; clipped: boolean } {
  const norm = l2norm(v);
  if (norm <= maxNorm || norm === 0) return { vector: Float64Array.from(v), norm, clipped: false };
  const s = maxNorm / norm;
  return { vector: v.map((x) => x * s), norm, clipped: true };
}

function checkInputs(updates: readonly Float64Array[]): number {
  if (updates.length === 0) throw new Error("no updates to combine");
  const d = updates[0]!.length;
  for (const u of updates) if (u.length !== d) throw new Error("updates differ in length");
  return d;
}

/** Weighted mean (weights default to 1): plain FedAvg, drops nothing. */
export function fedAvg(updates: readonly Float64Array[], weights?: readonly number[]): Combined {
  const d = checkInputs(updates);
  const out = new Float64Array(d);
  let W = 0;
  updates.forEach((u, i) => {
    const w = weights?.[i] ?? 1;
    W += w;
    for (let j = 0; j < d; j++) out[j]! += w * u[j]!;
  });
  for (let j = 0; j < d; j++) out[j] = W > 0 ? out[j]! / W : 0;
  return { vector: out, used: updates.map((_, i) => i), dropped: [] };
}

function sqDist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i]! - b[i]!;
    s += e * e;
  }
  return s;
}

/**
 * Multi-Krum (Blanchard et al. 2017; El Mhamdi et al. 2018). Score(i) = Σ squared distances to its n−f−2 nearest
 * other inputs; the m lowest-scoring inputs are averaged (m defaults to n−f). Needs n ≥ 2f+3 for the guarantee;
 * with fewer inputs the neighbourhood shrinks to at least 1.
 */
export function multiKrum(updates: readonly Float64Array[], f: number, m?: number): Combined {
  checkInputs(updates);
  const n = updates.length;
  const k = Math.max(1, Math.min(n - 1, n - f - 2));
  const sel = Math.max(1, Math.min(n, m ?? n - f));
  const dist: number[][] = updates.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = sqDist(updates[i]!, updates[j]!);
      dist[i]![j] = s;
      dist[j]![i] = s;
    }
  const scores = dist.map((row, i) =>
    n === 1
      ? 0
      : row
          .filter((_, j) => j !== i)
          .sort((a, b) => a - b)
          .slice(0, k)
          .reduce((a, b) => a + b, 0),
  );
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const used = order
    .slice(0, sel)
    .map((o) => o[1])
    .sort((a, b) => a - b);
  const worstKept = order[sel - 1]![0];
  const dropped = order.slice(sel).map(([s, i]) => ({
    index: i,
    reason: `krum score ${fmt(s)} above the ${sel} selected (max ${fmt(worstKept)})`,
  }));
  const mean = fedAvg(used.map((i) => updates[i]!)).vector;
  return { vector: mean, used, dropped };
}

export interface TrimmedMeanOptions {
  /** fraction trimmed at EACH end per coordinate (Yin et al. 2018 β); default 0.2 */
  beta?: number;
  /** inputs whose L2 norm exceeds normFactor × median norm are removed before trimming; default 3 (0 = off) */
  normFactor?: number;
  /** report an input as dropped when it was trimmed in at least this fraction of coordinates; default 0.8 */
  reportFrac?: number;
}

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, sort, discard the ⌊βn⌋ smallest and largest,
 * average the rest. Preceded by a norm screen. Inputs trimmed in most coordinates are reported as dropped.
 */
export function trimmedMean(updates: readonly Float64Array[], opts: TrimmedMeanOptions = {}): Combined {
  const d = checkInputs(updates);
  const beta = opts.beta ?? 0.2;
  const normFactor = opts.normFactor ?? 3;
  const reportFrac = opts.reportFrac ?? 0.8;
  const dropped: Dropped[] = [];
  let keep = updates.map((_, i) => i);
  if (normFactor > 0 && updates.length >= 3) {
    const norms = updates.map(l2norm);
    const med = median(norms);
    keep = [];
    norms.forEach((nm, i) => {
      if (med > 0 && nm > normFactor * med)
        dropped.push({ index: i, reason: `norm ${fmt(nm)} > ${normFactor}× median ${fmt(med)}` });
      else keep.push(i);
    });
  }
  const n = keep.length;
  const b = Math.min(Math.floor(beta * n), Math.floor((n - 1) / 2));
  const out = new Float64Array(d);
  const trimmedCount = new Array<number>(updates.length).fill(0);
  const col = new Array<[number, number]>(n);
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < n; r++) {
      const i = keep[r]!;
      col[r] = [updates[i]![j]!, i];
    }
    col.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let s = 0;
    for (let r = b; r < n - b; r++) s += col[r]![0];
    out[j] = s / (n - 2 * b);
    for (let r = 0; r < b; r++) {
      trimmedCount[col[r]![1]]!++;
      trimmedCount[col[n - 1 - r]![1]]!++;
    }
  }
  const used: number[] = [];
  for (const i of keep) {
    const frac = trimmedCount[i]! / d;
    if (b > 0 && frac >= reportFrac)
      dropped.push({ index: i, reason: `trimmed in ${Math.round(frac * 100)}% of coordinates` });
    if (frac < 1) used.push(i);
  }
  dropped.sort((x, y) => x.index - y.index);
  return { vector: out, used, dropped };
}

export type CloudRule =
  | { kind: "fedavg" }
  | { kind: "multikrum"; f: number; m?: number }
  | ({ kind: "trimmed" } & TrimmedMeanOptions);

/** Dispatch on the selected cloud rule. */
export function combine(rule: CloudRule, updates: readonly Float64Array[], weights?: readonly number[]): Combined {
  switch (rule.kind) {
    case "fedavg":
      return fedAvg(updates, weights);
    case "multikrum":
      return multiKrum(updates, rule.f, rule.m);
    case "trimmed":
      return trimmedMean(updates, rule);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toExponential(2) : x.toFixed(3);
}
