// Logistic regression and a one-hidden-layer MLP (tanh, sigmoid output) on typed arrays. Parameters are one
// flat Float64Array so that federated updates, clipping and aggregation work on plain vectors.
//
// Layouts: logreg = [w(d), b]; mlp = [W1 (h×d, row-major), b1 (h), w2 (h), b2].
import { mulberry32, permutation } from "./rng.js";

export interface ModelSpec {
  kind: "logreg" | "mlp";
  /** input dimension */
  d: number;
  /** hidden units (mlp only; default 16) */
  hidden?: number;
}

/** A labelled design matrix: row-major X (n × d) and y ∈ {0,1}. */
export interface Dataset {
  X: Float64Array;
  y: Uint8Array;
  n: number;
  d: number;
}

export function paramCount(spec: ModelSpec): number {
  if (spec.kind === "logreg") return spec.d + 1;
  const h = spec.hidden ?? 16;
  return h * spec.d + h + h + 1;
}

/** Deterministic initialisation: zeros for logreg, Xavier-uniform for the MLP. */
export function initParams(spec: ModelSpec, seed: number): Float64Array {
  const p = new Float64Array(paramCount(spec));
  if (spec.kind === "logreg") return p;
  const h = spec.hidden ?? 16;
  const rng = mulberry32(seed);
  const a1 = Math.sqrt(6 / (spec.d + h));
  for (let i = 0; i < h * spec.d; i++) p[i] = (2 * rng.next() - 1) * a1;
  const a2 = Math.sqrt(6 / (h + 1));
  const o = h * spec.d + h;
  for (let i = 0; i < h; i++) p[o + i] = (2 * rng.next() - 1) * a2;
  return p;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** P(abnormal) for row i of X. `hbuf` (length ≥ hidden) is scratch space for the MLP. */
function forwardRow(spec: ModelSpec, p: Float64Array, X: Float64Array, i: number, hbuf: Float64Array): number {
  const d = spec.d;
  const off = i * d;
  if (spec.kind === "logreg") {
    let z = p[d]!;
    for (let j = 0; j < d; j++) z += p[j]! * X[off + j]!;
    return z;
  }
  const h = spec.hidden ?? 16;
  const b1 = h * d;
  const w2 = b1 + h;
  let z2 = p[w2 + h]!;
  for (let k = 0; k < h; k++) {
    let z = p[b1 + k]!;
    const r = k * d;
    for (let j = 0; j < d; j++) z += p[r + j]! * X[off + j]!;
    const a = Math.tanh(z);
    hbuf[k] = a;
    z2 += p[w2 + k]! * a;
  }
  return z2;
}

/** Predicted probabilities for all rows. */
export function predictProba(spec: ModelSpec, p: Float64Array, data: Dataset): Float64Array {
  const out = new Float64Array(data.n);
  const hbuf = new Float64Array(spec.hidden ?? 16);
  for (let i = 0; i < data.n; i++) out[i] = sigmoid(forwardRow(spec, p, data.X, i, hbuf));
  return out;
}

/** Hard predictions at `threshold` (default 0.5). */
export function predict(spec: ModelSpec, p: Float64Array, data: Dataset, threshold = 0.5): Uint8Array {
  const pr = predictProba(spec, p, data);
  return pr.map((v) => (v >= threshold ? 1 : 0)) as unknown as Uint8Array;
}

export interface LossOptions {
  /** weight of positive examples (class weighting); default 1 */
  posWeight?: number;
  /** L2 penalty λ/2·‖θ‖² on weights (biases excluded); default 0 */
  l2?: number;
}

/**
 * Weighted binary cross-entropy (mean over `rows`, or all rows) plus L2; when `grad` is given it is overwritten
 * with ∂loss/∂θ.
 */
export function lossAndGrad(
  spec: ModelSpec,
  p: Float64Array,
  data: Dataset,
  opts: LossOptions = {},
  grad?: Float64Array,
  rows?: ArrayLike<number>,
): number {
  const d = spec.d;
  const h = spec.hidden ?? 16;
  const pw = opts.posWeight ?? 1;
  const l2 = opts.l2 ?? 0;
  const hbuf = new Float64Array(h);
  const m = rows ? rows.length : data.n;
  if (grad) grad.fill(0);
  let loss = 0;
  for (let r = 0; r < m; r++) {
    const i = rows ? rows[r]! : r;
    const z = forwardRow(spec, p, data.X, i, hbuf);
    const y = data.y[i]!;
    const w = y === 1 ? pw : 1;
    // numerically stable log(1+e^{-z}) / log(1+e^{z})
    const sp = (t: number) => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
    loss += w * (y === 1 ? sp(-z) : sp(z));
    if (!grad) continue;
    const dz = (w * (sigmoid(z) - y)) / m;
    const off = i * d;
    if (spec.kind === "logreg") {
      for (let j = 0; j < d; j++) grad[j]! += dz * data.X[off + j]!;
      grad[d]! += dz;
      continue;
    }
    const b1 = h * d;
    const w2 = b1 + h;
    for (let k = 0; k < h; k++) {
      const a = hbuf[k]!;
      grad[w2 + k]! += dz * a;
      const dz1 = dz * p[w2 + k]! * (1 - a * a);
      grad[b1 + k]! += dz1;
      const rk = k * d;
      for (let j = 0; j < d; j++) grad[rk + j]! += dz1 * data.X[off + j]!;
    }
    grad[w2 + h]! += dz;
  }
  loss /= Math.max(1, m);
  if (l2 > 0) {
    const isBias = biasMask(spec);
    for (let j = 0; j < p.length; j++) {
      if (isBias[j]) continue;
      loss += 0.5 * l2 * p[j]! * p[j]!;
      if (grad) grad[j]! += l2 * p[j]!;
    }
  }
  return loss;
}

function biasMask(spec: ModelSpec): Uint8Array {
  const m = new Uint8Array(paramCount(spec));
  if (spec.kind === "logreg") {
    m[spec.d] = 1;
    return m;
  }
  const h = spec.hidden ?? 16;
  for (let k = 0; k < h; k++) m[h * spec.d + k] = 1;
  m[m.length - 1] = 1;
  return m;
}

export interface TrainOptions extends LossOptions {
  epochs?: number;
  lr?: number;
  batch?: number;
  seed?: number;
}

/** Class weight nNeg/nPos (capped at `cap`), 1 when a class is missing. */
export function balancedPosWeight(y: Uint8Array, cap = 20): number {
  let pos = 0;
  for (const v of y) pos += v;
  const neg = y.length - pos;
  return pos > 0 && neg > 0 ? Math.min(cap, neg / pos) : 1;
}

/** Mini-batch SGD from `start` (not modified); returns the new parameters. Deterministic given `seed`. */
export function trainSgd(spec: ModelSpec, start: Float64Array, data: Dataset, opts: TrainOptions = {}): Float64Array {
  const p = Float64Array.from(start);
  if (data.n === 0) return p;
  const epochs = opts.epochs ?? 1;
  const lr = opts.lr ?? 0.05;
  const batch = opts.batch ?? 32;
  const rng = mulberry32(opts.seed ?? 1);
  const g = new Float64Array(p.length);
  for (let e = 0; e < epochs; e++) {
    const perm = permutation(data.n, rng);
    for (let s = 0; s < data.n; s += batch) {
      lossAndGrad(spec, p, data, opts, g, perm.subarray(s, Math.min(data.n, s + batch)));
      for (let j = 0; j < p.length; j++) p[j]! -= lr * g[j]!;
    }
  }
  return p;
}
