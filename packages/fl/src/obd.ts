// OBD-II recordings → resampled signals → sliding windows → feature vectors, labels and data-quality flags.
//
// Every function here is pure (takes CSV text or arrays); file access lives in loader.ts only.
//
// Source format (KIT OBD-II dataset, CC BY 4.0): ~10 Hz rows, `Time` as hh:mm:ss.mmm, one signal updated per
// row (the others repeat or are empty) → we forward-fill, then sample-and-hold onto a fixed grid.

export interface ObdTrace {
  name: string;
  /** Seconds since the first usable row. */
  t: Float64Array;
  speedKmh: Float64Array;
  rpm: Float64Array;
  throttle: Float64Array;
  pedal: Float64Array;
}

const COLUMNS = {
  speedKmh: /vehicle speed/i,
  rpm: /engine rpm/i,
  throttle: /absolute throttle/i,
  pedal: /accelerator pedal position d/i,
} as const;
type SignalKey = keyof typeof COLUMNS;
const SIGNAL_KEYS = Object.keys(COLUMNS) as SignalKey[];

/** hh:mm:ss(.mmm) → seconds of day; NaN when malformed. */
export function parseClock(s: string): number {
  const m = /^\s*(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*$/.exec(s);
  if (!m) return Number.NaN;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * Parse one KIT OBD-II CSV (header may contain mojibake such as `Â°C`; only the columns we use are matched, by
 * name). Empty cells are forward-filled; rows before every used signal has been seen once are dropped. A clock
 * that goes backwards by more than 12 h is taken as a midnight wrap.
 */
export function parseObdCsv(text: string, name = "recording"): ObdTrace {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",");
  const timeIdx = header.findIndex((h) => /^\s*time\s*$/i.test(h));
  if (timeIdx < 0) throw new Error(`${name}: no Time column`);
  const idx = {} as Record<SignalKey, number>;
  for (const k of SIGNAL_KEYS) {
    const i = header.findIndex((h) => COLUMNS[k].test(h));
    if (i < 0) throw new Error(`${name}: missing column for ${k}`);
    idx[k] = i;
  }
  const last: Record<SignalKey, number> = {
    speedKmh: Number.NaN,
    rpm: Number.NaN,
    throttle: Number.NaN,
    pedal: Number.NaN,
  };
  const out: Record<SignalKey | "t", number[]> = { t: [], speedKmh: [], rpm: [], throttle: [], pedal: [] };
  let t0 = Number.NaN;
  let dayOffset = 0;
  let prevClock = Number.NaN;
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === "") continue;
    const cells = line.split(",");
    let clock = parseClock(cells[timeIdx] ?? "");
    if (Number.isNaN(clock)) continue;
    if (!Number.isNaN(prevClock) && clock + dayOffset < prevClock - 43200) dayOffset += 86400;
    clock += dayOffset;
    prevClock = clock;
    for (const k of SIGNAL_KEYS) {
      const c = cells[idx[k]];
      if (c !== undefined && c.trim() !== "") {
        const v = Number(c);
        if (Number.isFinite(v)) last[k] = v;
      }
    }
    if (SIGNAL_KEYS.some((k) => Number.isNaN(last[k]))) continue;
    if (Number.isNaN(t0)) t0 = clock;
    out.t.push(clock - t0);
    for (const k of SIGNAL_KEYS) out[k].push(last[k]);
  }
  return {
    name,
    t: Float64Array.from(out.t),
    speedKmh: Float64Array.from(out.speedKmh),
    rpm: Float64Array.from(out.rpm),
    throttle: Float64Array.from(out.throttle),
    pedal: Float64Array.from(out.pedal),
  };
}

/** Signals on a fixed grid. accel/jerk are centred differences over `derivSpanS` (the speed sensor is 1 km/h). */
export interface DrivingSignals {
  name: string;
  hz: number;
  /** m/s */
  speed: Float64Array;
  /** m/s², centred difference of speed over derivSpanS */
  accel: Float64Array;
  /** m/s³, centred difference of accel over derivSpanS */
  jerk: Float64Array;
  /** braking indicator: max(0, −accel) in m/s² */
  brake: Float64Array;
  /** accelerator pedal position D, % */
  pedal: Float64Array;
  /** absolute throttle position, % */
  throttle: Float64Array;
  rpm: Float64Array;
  /** seconds since the last raw row at each grid point (logger dropouts show up here) */
  staleness: Float64Array;
}

export interface SignalOptions {
  hz?: number;
  derivSpanS?: number;
}

/** Centred difference over `span` samples each side, divided by the elapsed time; edges use one-sided spans. */
export function derivative(x: Float64Array, hz: number, span: number): Float64Array {
  const n = x.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - span);
    const b = Math.min(n - 1, i + span);
    d[i] = b > a ? ((x[b]! - x[a]!) * hz) / (b - a) : 0;
  }
  return d;
}

/** Build the fixed-rate signal set from raw per-signal arrays (shared by the recordings and the generator). */
export function deriveSignals(
  name: string,
  hz: number,
  speedKmh: Float64Array,
  rpm: Float64Array,
  throttle: Float64Array,
  pedal: Float64Array,
  staleness: Float64Array,
  derivSpanS = 0.5,
): DrivingSignals {
  const span = Math.max(1, Math.round(derivSpanS * hz));
  const speed = speedKmh.map((v) => v / 3.6);
  const accel = derivative(speed, hz, span);
  const jerk = derivative(accel, hz, span);
  const brake = accel.map((a) => (a < 0 ? -a : 0));
  return { name, hz, speed, accel, jerk, brake, pedal, throttle, rpm, staleness };
}

/** Sample-and-hold the forward-filled trace onto a `hz` grid and derive acceleration, jerk and braking. */
export function resampleTrace(trace: ObdTrace, opts: SignalOptions = {}): DrivingSignals {
  const hz = opts.hz ?? 10;
  const n = trace.t.length;
  const dur = n > 0 ? trace.t[n - 1]! : 0;
  const m = Math.floor(dur * hz) + 1;
  const sp = new Float64Array(m);
  const rp = new Float64Array(m);
  const th = new Float64Array(m);
  const pe = new Float64Array(m);
  const st = new Float64Array(m);
  let j = 0;
  for (let i = 0; i < m; i++) {
    const tg = i / hz;
    while (j + 1 < n && trace.t[j + 1]! <= tg) j++;
    sp[i] = trace.speedKmh[j]!;
    rp[i] = trace.rpm[j]!;
    th[i] = trace.throttle[j]!;
    pe[i] = trace.pedal[j]!;
    st[i] = tg - trace.t[j]!;
  }
  return deriveSignals(trace.name, hz, sp, rp, th, pe, st, opts.derivSpanS ?? 0.5);
}

const FEATURE_SIGNALS = ["speed", "accel", "jerk", "brake", "pedal", "throttle", "rpm"] as const;
const STATS = ["mean", "std", "min", "max"] as const;
/** Names of the feature vector entries, in order. */
export const FEATURE_NAMES: readonly string[] = [
  ...FEATURE_SIGNALS.flatMap((s) => STATS.map((k) => `${s}_${k}`)),
  "accel_absmax",
  "jerk_absmax",
  "hard_brake_frac",
  "rpm_per_speed_std",
];
export const FEATURE_DIM = FEATURE_NAMES.length;

export interface WindowOptions {
  windowS?: number;
  strideS?: number;
}

/** Labelling thresholds (m/s²); see docs/federated-learning.md, "Labelling rule". */
export interface LabelRule {
  /** abnormal when the window contains deceleration ≥ this (full/harsh braking) */
  hardBrake: number;
  /** abnormal when the window contains acceleration ≥ this (hard acceleration) */
  hardAccel: number;
}
export const DEFAULT_LABEL_RULE: LabelRule = { hardBrake: 3.0, hardAccel: 2.5 };

/** Data-quality thresholds for the sensor-glitch detector. */
export interface QualityRule {
  /** logger staleness above this (s) = dropout */
  maxStalenessS: number;
  /** |accel| above this (m/s²) is physically implausible for a passenger car on a 1 s span */
  maxAbsAccel: number;
  /** moving faster than this (km/h) with rpm below minRpm = speed/rpm inconsistency */
  movingKmh: number;
  minRpm: number;
}
export const DEFAULT_QUALITY_RULE: QualityRule = { maxStalenessS: 1.0, maxAbsAccel: 11, movingKmh: 20, minRpm: 400 };

export interface WindowSet {
  /** row-major n × d */
  X: Float64Array;
  y: Uint8Array;
  n: number;
  d: number;
  /** recording (or generated trip) name of each window */
  source: string[];
  /** window start time, s from the start of its recording */
  start: Float64Array;
  /** "" when the window is clean, else the data-quality reason (such windows are kept out of training) */
  flag: string[];
}

/** Quality flag of samples [a, b): "" if clean. */
export function qualityFlag(
  sig: DrivingSignals,
  a: number,
  b: number,
  rule: QualityRule = DEFAULT_QUALITY_RULE,
): string {
  let maxStale = 0;
  let maxAcc = 0;
  let inconsistent = 0;
  for (let i = a; i < b; i++) {
    maxStale = Math.max(maxStale, sig.staleness[i]!);
    maxAcc = Math.max(maxAcc, Math.abs(sig.accel[i]!));
    if (sig.speed[i]! * 3.6 > rule.movingKmh && sig.rpm[i]! < rule.minRpm) inconsistent++;
  }
  if (maxStale > rule.maxStalenessS) return `dropout: no data for ${maxStale.toFixed(1)} s`;
  if (maxAcc > rule.maxAbsAccel) return `implausible jump: |accel| ${maxAcc.toFixed(1)} m/s²`;
  if (inconsistent > 0) return `speed/rpm inconsistent in ${inconsistent} samples`;
  return "";
}

/** Feature vector of samples [a, b) written into out[off..off+FEATURE_DIM). */
export function windowFeatures(sig: DrivingSignals, a: number, b: number, out: Float64Array, off: number): void {
  let o = off;
  const len = b - a;
  for (const s of FEATURE_SIGNALS) {
    const x = sig[s];
    let sum = 0;
    let sq = 0;
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = a; i < b; i++) {
      const v = x[i]!;
      sum += v;
      sq += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const mean = sum / len;
    out[o++] = mean;
    out[o++] = Math.sqrt(Math.max(0, sq / len - mean * mean));
    out[o++] = mn;
    out[o++] = mx;
  }
  let accAbs = 0;
  let jerkAbs = 0;
  let hard = 0;
  let rs = 0;
  let rs2 = 0;
  let rc = 0;
  for (let i = a; i < b; i++) {
    accAbs = Math.max(accAbs, Math.abs(sig.accel[i]!));
    jerkAbs = Math.max(jerkAbs, Math.abs(sig.jerk[i]!));
    if (sig.brake[i]! > 2) hard++;
    if (sig.speed[i]! > 2) {
      const r = sig.rpm[i]! / (sig.speed[i]! * 3.6);
      rs += r;
      rs2 += r * r;
      rc++;
    }
  }
  out[o++] = accAbs;
  out[o++] = jerkAbs;
  out[o++] = hard / len;
  out[o++] = rc > 1 ? Math.sqrt(Math.max(0, rs2 / rc - (rs / rc) ** 2)) : 0;
}

/** Window label under `rule`: 1 = harsh braking or harsh acceleration happening inside the window. */
export function windowLabel(sig: DrivingSignals, a: number, b: number, rule: LabelRule = DEFAULT_LABEL_RULE): 0 | 1 {
  for (let i = a; i < b; i++) {
    const acc = sig.accel[i]!;
    if (acc <= -rule.hardBrake || acc >= rule.hardAccel) return 1;
  }
  return 0;
}

/**
 * Slide windows over one recording (never across recordings: each call sees a single signal set). Labels come
 * from `labels` when given (generator ground truth per sample), else from `rule`.
 */
export function windowize(
  sig: DrivingSignals,
  opts: WindowOptions & { rule?: LabelRule; quality?: QualityRule; labels?: Uint8Array } = {},
): WindowSet {
  const w = Math.round((opts.windowS ?? 3) * sig.hz);
  const s = Math.max(1, Math.round((opts.strideS ?? 1) * sig.hz));
  const total = sig.speed.length;
  const n = total >= w ? Math.floor((total - w) / s) + 1 : 0;
  const X = new Float64Array(n * FEATURE_DIM);
  const y = new Uint8Array(n);
  const start = new Float64Array(n);
  const flag: string[] = [];
  for (let k = 0; k < n; k++) {
    const a = k * s;
    const b = a + w;
    windowFeatures(sig, a, b, X, k * FEATURE_DIM);
    if (opts.labels) {
      let lab: 0 | 1 = 0;
      for (let i = a; i < b; i++) if (opts.labels[i]) lab = 1;
      y[k] = lab;
    } else {
      y[k] = windowLabel(sig, a, b, opts.rule);
    }
    start[k] = a / sig.hz;
    flag.push(qualityFlag(sig, a, b, opts.quality));
  }
  return { X, y, n, d: FEATURE_DIM, source: new Array<string>(n).fill(sig.name), start, flag };
}

/** Concatenate window sets (recordings stay identifiable through `source`). */
export function concatWindows(sets: readonly WindowSet[]): WindowSet {
  const n = sets.reduce((a, s) => a + s.n, 0);
  const d = sets[0]?.d ?? FEATURE_DIM;
  const X = new Float64Array(n * d);
  const y = new Uint8Array(n);
  const start = new Float64Array(n);
  const source: string[] = [];
  const flag: string[] = [];
  let o = 0;
  for (const s of sets) {
    X.set(s.X, o * d);
    y.set(s.y, o);
    start.set(s.start, o);
    source.push(...s.source);
    flag.push(...s.flag);
    o += s.n;
  }
  return { X, y, n, d, source, start, flag };
}

/** Subset of windows by index. */
export function selectWindows(set: WindowSet, idx: ArrayLike<number>): WindowSet {
  const n = idx.length;
  const X = new Float64Array(n * set.d);
  const y = new Uint8Array(n);
  const start = new Float64Array(n);
  const source: string[] = [];
  const flag: string[] = [];
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    X.set(set.X.subarray(i * set.d, (i + 1) * set.d), k * set.d);
    y[k] = set.y[i]!;
    start[k] = set.start[i]!;
    source.push(set.source[i]!);
    flag.push(set.flag[i]!);
  }
  return { X, y, n, d: set.d, source, start, flag };
}

/** Windows without a data-quality flag (the only ones used for training). */
export function cleanWindows(set: WindowSet): WindowSet {
  const idx: number[] = [];
  for (let i = 0; i < set.n; i++) if (set.flag[i] === "") idx.push(i);
  return selectWindows(set, idx);
}

export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
}

/** Fit per-feature mean/std on (training) windows only. */
export function fitStandardizer(set: WindowSet): Standardizer {
  const { d, n, X } = set;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = n > 0 ? mean[j]! / n : 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const e = X[i * d + j]! - mean[j]!;
      std[j]! += e * e;
    }
  for (let j = 0; j < d; j++) {
    const s = n > 1 ? Math.sqrt(std[j]! / (n - 1)) : 1;
    std[j] = s > 1e-9 ? s : 1;
  }
  return { mean, std };
}

/** Apply a standardiser (returns a new set; features are clamped to ±8 σ so one glitch cannot dominate). */
export function standardize(set: WindowSet, z: Standardizer): WindowSet {
  const X = new Float64Array(set.X.length);
  for (let i = 0; i < set.n; i++)
    for (let j = 0; j < set.d; j++) {
      const v = (set.X[i * set.d + j]! - z.mean[j]!) / z.std[j]!;
      X[i * set.d + j] = Math.max(-8, Math.min(8, v));
    }
  return { ...set, X };
}
