// The platform's federated round (docs/federated-learning.md): the task's fixed configuration, the data each side
// prepares deterministically (vehicles train on their own windows; the model owner evaluates on held-out real
// recordings when present and on the generated evaluation fleet), the vehicle's local step, the model owner's
// combination of opened cell aggregates, and the model's canonical bytes whose keccak256 FLRegistry records.
import { existsSync } from "node:fs";
import { InvalidInputError } from "@amc/utils";
import { type Hex, keccak256, stringToHex } from "viem";
import { binaryMetrics, type Metrics, type PreparedData, prepareData } from "./evaluate.js";
import { loadKitRecordings } from "./loader.js";
import { initParams, type ModelSpec, paramCount, predict, trainSgd } from "./models.js";
import { cleanWindows, type ObdTrace, resampleTrace, standardize, windowize } from "./obd.js";
import { type CloudRule, clipL2, combine, l2norm } from "./robust.js";
import type { SecureConfig } from "./secure.js";

/** Everything a round's participants must agree on; its keccak256 is the task's configHash on chain. */
export type FlTaskConfig = {
  name: string;
  model: ModelSpec;
  secure: SecureConfig;
  /** Client-side L2 clip of every update (also the per-coordinate bound of the secure encoding). */
  clipNorm: number;
  rule: CloudRule;
  /** Cells below this many contributors are not used (FLRegistry minContributors). */
  minContributors: number;
  local: { epochs: number; lr: number; batch: number; l2: number };
  /** Generated fleet used when the real recordings are absent, and the evaluation fleet. */
  data: { genTrainVehicles: number; genEvalVehicles: number; genDurationS: number };
  seed: number;
};

export const DEFAULT_TASK_CONFIG: FlTaskConfig = {
  name: "abnormal-driving/logreg/v1",
  model: { kind: "logreg", d: 32 },
  secure: { mode: "paillier", scale: 2 ** 16, maxAbs: 1, maxSummands: 1000 },
  clipNorm: 1,
  // A cell counts as dropped only when nothing of it is used: a norm outlier (> 3× the median), or trimmed in every
  // coordinate (partially trimmed cells still shape the mean, so they are accepted).
  rule: { kind: "trimmed", beta: 0.25, normFactor: 3, reportFrac: 1 },
  minContributors: 3,
  local: { epochs: 1, lr: 0.1, batch: 32, l2: 1e-4 },
  data: { genTrainVehicles: 24, genEvalVehicles: 12, genDurationS: 600 },
  seed: 1,
};

export const taskIdOf = (config: FlTaskConfig): Hex => keccak256(stringToHex(`amc/fl/${config.name}`));
export const configHashOf = (config: FlTaskConfig): Hex => keccak256(stringToHex(JSON.stringify(config)));

/** The recordings folder beside the repository (`../shared/vectors/driving-obd2`), if it is there. */
export function platformData(config: FlTaskConfig, recordingsDir?: string): PreparedData {
  const traces = recordingsDir && existsSync(recordingsDir) ? loadKitRecordings(recordingsDir) : [];
  return prepareData(traces, {
    genTrainVehicles: config.data.genTrainVehicles,
    genEvalVehicles: config.data.genEvalVehicles,
    genDurationS: config.data.genDurationS,
  });
}

/**
 * Adds vehicles whose driving signals come from elsewhere (the city simulator's fleet, apps/sim, writes one
 * KIT-format CSV per vehicle): each trace is windowed, cleaned of quality-flagged windows and standardised with the
 * platform data's own standardiser (so every vehicle trains in the same feature space as the model owner evaluates
 * in), and becomes one more client. Traces too short for a window add nothing. Returns the number added.
 */
export function addVehicleTraces(data: PreparedData, traces: readonly ObdTrace[]): number {
  let added = 0;
  for (const trace of traces) {
    const clean = cleanWindows(windowize(resampleTrace(trace)));
    if (clean.n === 0) continue;
    const z = standardize(clean, data.standardizer);
    data.clients.push({ X: z.X, y: z.y, n: z.n, d: z.d });
    data.clientNames.push(trace.name);
    added++;
  }
  return added;
}

/** A vehicle's step: train from the global model on its own windows, return the clipped update. */
export function vehicleUpdate(
  config: FlTaskConfig,
  global: Float64Array,
  data: PreparedData,
  vehicle: number,
  round: number,
): Float64Array {
  const client = data.clients[vehicle];
  if (!client) throw new InvalidInputError(`no vehicle ${vehicle} in the prepared data`);
  const local = trainSgd(config.model, global, client, {
    ...config.local,
    posWeight: 1.5,
    seed: config.seed * 7919 + round * 131 + vehicle,
  });
  const update = local.map((x, j) => x - global[j]!);
  return clipL2(update, config.clipNorm).vector;
}

export type OpenedCell = { cellId: Hex; sum: Float64Array; count: number };
export type CombinedRound = {
  model: Float64Array;
  accepted: Hex[];
  dropped: { cellId: Hex; code: number; reason: string }[];
};

/** FLRegistry drop codes. */
export const DROP_CODES = {
  belowMinContributors: 0,
  krumOutlier: 1,
  trimmedOutlier: 2,
  normOutlier: 3,
  decryptionFailed: 4,
  other: 5,
} as const;

/**
 * The model owner's step: the mean update of each opened cell, combined with the task's robust rule; cells the
 * rule leaves out are dropped with its reason. The new model is the global model plus the combined update.
 */
export function combineCells(config: FlTaskConfig, global: Float64Array, cells: readonly OpenedCell[]): CombinedRound {
  if (cells.length === 0) throw new InvalidInputError("no usable cell aggregate to combine");
  const means = cells.map((c) => c.sum.map((x) => x / c.count));
  // With fewer than 3 cells a robust rule has nothing to compare: plain weighted mean.
  const rule: CloudRule = cells.length < 3 ? { kind: "fedavg" } : config.rule;
  const combined = combine(
    rule,
    means,
    cells.map((c) => c.count),
  );
  const code = rule.kind === "multikrum" ? DROP_CODES.krumOutlier : DROP_CODES.trimmedOutlier;
  const dropped = combined.dropped.map((d) => ({
    cellId: cells[d.index]!.cellId,
    code: d.reason.startsWith("norm") ? DROP_CODES.normOutlier : code,
    reason: d.reason,
  }));
  const droppedIds = new Set(dropped.map((d) => d.cellId));
  const model = global.map((x, j) => x + combined.vector[j]!);
  if (!model.every(Number.isFinite) || l2norm(combined.vector) > config.clipNorm * 10)
    throw new InvalidInputError("the combined update is not finite or implausibly large");
  return { model, accepted: cells.map((c) => c.cellId).filter((id) => !droppedIds.has(id)), dropped };
}

/** F1 etc. of a model on the held-out real recordings (when present) and the generated evaluation fleet. */
export function evaluateModel(
  config: FlTaskConfig,
  params: Float64Array,
  data: PreparedData,
): { real: Metrics | null; gen: Metrics; windows: number } {
  const real =
    data.testReal.n > 0 ? binaryMetrics(data.testReal.y, predict(config.model, params, data.testReal)) : null;
  const gen = binaryMetrics(data.testGen.y, predict(config.model, params, data.testGen));
  return { real, gen, windows: data.testReal.n + data.testGen.n };
}

export const initialModel = (config: FlTaskConfig): Float64Array => initParams(config.model, config.seed);

const MAGIC = "AMCFL1";

/** Canonical model bytes: "AMCFL1" ‖ u32 LE header length ‖ JSON {spec} ‖ float64 LE parameters. */
export function modelBytes(spec: ModelSpec, params: Float64Array): Uint8Array {
  if (params.length !== paramCount(spec)) throw new InvalidInputError("parameter count does not match the model");
  const header = new TextEncoder().encode(JSON.stringify({ kind: spec.kind, d: spec.d, hidden: spec.hidden ?? null }));
  const out = new Uint8Array(6 + 4 + header.length + params.length * 8);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(6, header.length, true);
  out.set(header, 10);
  const base = 10 + header.length;
  for (let i = 0; i < params.length; i++) view.setFloat64(base + i * 8, params[i]!, true);
  return out;
}

export function modelFromBytes(bytes: Uint8Array): { spec: ModelSpec; params: Float64Array } {
  if (bytes.length < 10 || new TextDecoder().decode(bytes.subarray(0, 6)) !== MAGIC)
    throw new InvalidInputError("not an AMC model (magic AMCFL1 missing)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(6, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength))) as {
    kind: "logreg" | "mlp";
    d: number;
    hidden: number | null;
  };
  const spec: ModelSpec = { kind: header.kind, d: header.d, ...(header.hidden ? { hidden: header.hidden } : {}) };
  const base = 10 + headerLength;
  const count = paramCount(spec);
  if (bytes.length !== base + count * 8) throw new InvalidInputError("model bytes have the wrong length");
  const params = new Float64Array(count);
  for (let i = 0; i < count; i++) params[i] = view.getFloat64(base + i * 8, true);
  return { spec, params };
}

export const modelHashOf = (bytes: Uint8Array): Hex => keccak256(bytes);
