// Metrics, data preparation (split by recording) and the experiment harness: vehicles → cell (RSU) sum →
// cloud combination (FedAvg or Byzantine-robust), with client clipping and optional attackers.
import { type AttackConfig, flipLabels, pickMalicious, scaleUpdate } from "./attacks.js";
import { EVAL_FLEET_SEED, type GeneratorParams, generateFleet, TRAIN_FLEET_SEED } from "./generator.js";
import { type Dataset, initParams, type ModelSpec, predict, trainSgd } from "./models.js";
import {
  cleanWindows,
  concatWindows,
  fitStandardizer,
  type LabelRule,
  type ObdTrace,
  resampleTrace,
  type Standardizer,
  selectWindows,
  standardize,
  type WindowSet,
  windowize,
} from "./obd.js";
import { type CloudRule, type Combined, clipL2, combine } from "./robust.js";

export interface Metrics {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function binaryMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === 1;
    const p = yPred[i] === 1;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, tn, precision, recall, f1 };
}

/** Recordings held out for testing by default (a free-driving and the hard-acceleration recording). */
export const DEFAULT_TEST_RECORDINGS: readonly string[] = ["2017-07-14", "2018-02-23"];

export interface PrepareOptions {
  /** substrings of recording names that go to the test split; every other recording is training */
  testRecordings?: readonly string[];
  /** real training recordings are cut into contiguous vehicles of this many seconds (default 600) */
  segmentS?: number;
  genTrainVehicles?: number;
  genEvalVehicles?: number;
  genDurationS?: number;
  trainSeed?: number;
  evalSeed?: number;
  rule?: LabelRule;
  generatorParams?: GeneratorParams;
}

/** A data-quality-flagged window, reported and excluded from training. */
export interface FlaggedWindow {
  source: string;
  start: number;
  reason: string;
}

export interface PreparedData {
  /** one standardised dataset per vehicle (real segments first, then generated vehicles) */
  clients: Dataset[];
  clientNames: string[];
  testReal: Dataset;
  testGen: Dataset;
  split: { train: string[]; test: string[] };
  flagged: FlaggedWindow[];
  standardizer: Standardizer;
}

function toDataset(w: WindowSet): Dataset {
  return { X: w.X, y: w.y, n: w.n, d: w.d };
}

/**
 * Split by recording (never by window), window each recording separately, drop quality-flagged windows from
 * training (and from testing, where they are reported instead), fit the standardiser on training windows only.
 */
export function prepareData(traces: readonly ObdTrace[], opts: PrepareOptions = {}): PreparedData {
  const testKeys = opts.testRecordings ?? DEFAULT_TEST_RECORDINGS;
  const segment = opts.segmentS ?? 600;
  const isTest = (name: string) => testKeys.some((k) => name.includes(k));
  const flagged: FlaggedWindow[] = [];
  const rawClients: WindowSet[] = [];
  const clientNames: string[] = [];
  const testSets: WindowSet[] = [];
  for (const tr of traces) {
    const w = windowize(resampleTrace(tr), opts.rule ? { rule: opts.rule } : {});
    for (let i = 0; i < w.n; i++)
      if (w.flag[i] !== "") flagged.push({ source: w.source[i]!, start: w.start[i]!, reason: w.flag[i]! });
    const clean = cleanWindows(w);
    if (isTest(tr.name)) {
      testSets.push(clean);
      continue;
    }
    for (let s0 = 0, k = 0; ; s0 += segment, k++) {
      const idx: number[] = [];
      for (let i = 0; i < clean.n; i++) if (clean.start[i]! >= s0 && clean.start[i]! < s0 + segment) idx.push(i);
      if (idx.length === 0) {
        if (clean.n === 0 || s0 > clean.start[clean.n - 1]!) break;
        continue;
      }
      rawClients.push(selectWindows(clean, idx));
      clientNames.push(`${tr.name}#${k}`);
    }
  }
  const gp = opts.generatorParams ? { params: opts.generatorParams } : {};
  const genTrain = generateFleet(opts.trainSeed ?? TRAIN_FLEET_SEED, {
    vehicles: opts.genTrainVehicles ?? 40,
    durationS: opts.genDurationS ?? 600,
    ...gp,
  });
  for (const t of genTrain) {
    rawClients.push(windowize(t.signals, opts.rule ? { rule: opts.rule } : {}));
    clientNames.push(t.signals.name);
  }
  const genEval = generateFleet(opts.evalSeed ?? EVAL_FLEET_SEED, {
    vehicles: opts.genEvalVehicles ?? 20,
    durationS: opts.genDurationS ?? 600,
    ...gp,
  });
  const evalSet = concatWindows(genEval.map((t) => windowize(t.signals, opts.rule ? { rule: opts.rule } : {})));
  const z = fitStandardizer(concatWindows(rawClients));
  return {
    clients: rawClients.map((w) => toDataset(standardize(w, z))),
    clientNames,
    testReal: toDataset(standardize(concatWindows(testSets), z)),
    testGen: toDataset(standardize(evalSet, z)),
    split: {
      train: traces.filter((t) => !isTest(t.name)).map((t) => t.name),
      test: traces.filter((t) => isTest(t.name)).map((t) => t.name),
    },
    flagged,
    standardizer: z,
  };
}

export type Mode = "centralised" | "fedavg" | "robust";

export interface ExperimentConfig {
  model: ModelSpec;
  mode: Mode;
  /** cloud rule for mode "robust" (default Multi-Krum with f = ⌈0.3·cells⌉) */
  cloudRule?: CloudRule;
  attack?: AttackConfig;
  rounds?: number;
  localEpochs?: number;
  lr?: number;
  batch?: number;
  l2?: number;
  /** client-side L2 clip of each update in mode "robust" (default 1.0) */
  clipNorm?: number;
  cells?: number;
  seed?: number;
  /**
   * Applied to each (clipped) vehicle update before the cell sum; identity by default. The lead plugs fixed-point
   * quantisation + Paillier / SecAgg masking in here: the cell sum is arithmetically the same.
   */
  quantize?: (update: Float64Array, vehicle: number, round: number) => Float64Array;
  /**
   * The cell's secure aggregation: given the cell's (clipped) updates, returns their sum. Default: plain summation.
   * `secureCellSum` (secure.ts) runs the same sum through Paillier or SecAgg+ masking.
   */
  cellAggregate?: (updates: Float64Array[], cell: number, round: number) => Float64Array;
  /** class weight for positives; default √(nNeg/nPos) of the pooled (unpoisoned) training labels */
  posWeight?: number;
}

export interface RoundLog {
  round: number;
  dropped: { cell: number; reason: string }[];
}

export interface ExperimentResult {
  real: Metrics;
  gen: Metrics;
  params: Float64Array;
  rounds: RoundLog[];
  maliciousVehicles: number[];
  maliciousCells: number[];
}

/** Vehicles are dealt round-robin into cells in a seeded random order. */
export function assignCells(vehicles: number, cells: number, seed: number): number[] {
  const order = pickMalicious(vehicles, 1, seed ^ 0x5eed);
  const cellOf = new Array<number>(vehicles).fill(0);
  [...order].forEach((v, k) => {
    cellOf[v] = k % cells;
  });
  return cellOf;
}

/**
 * Run one experiment. Centralised training pools every vehicle's data (poisoned labels included) and trains for
 * rounds × localEpochs epochs; the federated modes simulate `rounds` rounds of local training from the global
 * model → update → (clip) → (quantize) → cell sum / count → cloud combination → global += combined.
 */
export function runExperiment(data: PreparedData, config: ExperimentConfig): ExperimentResult {
  const seed = config.seed ?? 1;
  const rounds = config.rounds ?? 20;
  const E = config.localEpochs ?? 1;
  const cells = config.cells ?? 10;
  const attack = config.attack ?? { kind: "none", level: "vehicle", fraction: 0 };
  const nV = data.clients.length;
  const cellOf = assignCells(nV, cells, seed);
  const malV =
    attack.level === "vehicle" ? pickMalicious(nV, attack.fraction, attack.seed ?? seed + 17) : new Set<number>();
  const malC =
    attack.level === "cell" ? pickMalicious(cells, attack.fraction, attack.seed ?? seed + 17) : new Set<number>();
  if (attack.kind === "none") {
    malV.clear();
    malC.clear();
  }
  const isMal = (v: number) => malV.has(v) || malC.has(cellOf[v]!);
  const flips = attack.kind === "labelflip";
  const clients = data.clients.map((c, v) => (flips && isMal(v) ? { ...c, y: flipLabels(c.y) } : c));
  const pooledY = new Uint8Array(clients.reduce((a, c) => a + c.n, 0));
  {
    let o = 0;
    for (const c of data.clients) {
      pooledY.set(c.y, o);
      o += c.n;
    }
  }
  let pos = 0;
  for (const v of pooledY) pos += v;
  const posWeight = config.posWeight ?? (pos > 0 ? Math.sqrt((pooledY.length - pos) / pos) : 1);
  const train = { epochs: E, lr: config.lr ?? 0.1, batch: config.batch ?? 32, posWeight, l2: config.l2 ?? 1e-4 };
  let global = initParams(config.model, seed);
  const logs: RoundLog[] = [];

  if (config.mode === "centralised") {
    const X = new Float64Array(pooledY.length * config.model.d);
    const y = new Uint8Array(pooledY.length);
    let o = 0;
    for (const c of clients) {
      X.set(c.X, o * c.d);
      y.set(c.y, o);
      o += c.n;
    }
    global = trainSgd(
      config.model,
      global,
      { X, y, n: y.length, d: config.model.d },
      { ...train, epochs: rounds * E, seed },
    );
  } else {
    const clip = config.clipNorm ?? 1.0;
    const rule: CloudRule =
      config.mode === "fedavg"
        ? { kind: "fedavg" }
        : (config.cloudRule ?? { kind: "multikrum", f: Math.ceil(0.3 * cells) });
    const q = config.quantize ?? ((u: Float64Array) => u);
    for (let r = 0; r < rounds; r++) {
      const sums: Float64Array[] = Array.from({ length: cells }, () => new Float64Array(global.length));
      const counts = new Array<number>(cells).fill(0);
      const perCell: Float64Array[][] = Array.from({ length: cells }, () => []);
      for (let v = 0; v < nV; v++) {
        const c = clients[v]!;
        if (c.n === 0) continue;
        const local = trainSgd(config.model, global, c, { ...train, seed: seed * 7919 + r * 131 + v });
        let u: Float64Array = local.map((x, j) => x - global[j]!);
        if (attack.kind === "scale" && malV.has(v)) u = scaleUpdate(u, attack.factor ?? -10);
        if (config.mode === "robust") u = clipL2(u, clip).vector;
        u = q(u, v, r);
        if (config.cellAggregate) perCell[cellOf[v]!]!.push(u);
        else {
          const s = sums[cellOf[v]!]!;
          for (let j = 0; j < u.length; j++) s[j]! += u[j]!;
        }
        counts[cellOf[v]!]!++;
      }
      if (config.cellAggregate)
        for (let c = 0; c < cells; c++) if (perCell[c]!.length > 0) sums[c] = config.cellAggregate(perCell[c]!, c, r);
      const cellIdx: number[] = [];
      const cellMeans: Float64Array[] = [];
      const weights: number[] = [];
      for (let c = 0; c < cells; c++) {
        if (counts[c] === 0) continue;
        let m = sums[c]!.map((x) => x / counts[c]!);
        if (attack.kind === "scale" && malC.has(c)) m = scaleUpdate(m, attack.factor ?? -10);
        cellIdx.push(c);
        cellMeans.push(m);
        weights.push(counts[c]!);
      }
      const res: Combined = combine(rule, cellMeans, weights);
      logs.push({ round: r, dropped: res.dropped.map((d) => ({ cell: cellIdx[d.index]!, reason: d.reason })) });
      global = global.map((x, j) => x + res.vector[j]!);
    }
  }
  return {
    real: binaryMetrics(data.testReal.y, predict(config.model, global, data.testReal)),
    gen: binaryMetrics(data.testGen.y, predict(config.model, global, data.testGen)),
    params: global,
    rounds: logs,
    maliciousVehicles: [...malV].sort((a, b) => a - b),
    maliciousCells: [...malC].sort((a, b) => a - b),
  };
}
