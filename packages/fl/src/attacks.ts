// Byzantine behaviour for experiments: label flipping (data poisoning) and scaled updates (model poisoning),
// applied to a chosen fraction of vehicles or of cells.
import { mulberry32, permutation } from "./rng.js";

export type AttackKind = "none" | "labelflip" | "scale";
export type AttackLevel = "vehicle" | "cell";

export interface AttackConfig {
  kind: AttackKind;
  level: AttackLevel;
  /** fraction of vehicles (level "vehicle") or cells (level "cell") that are malicious */
  fraction: number;
  /** multiplier for "scale" (default −10: the honest update reversed and amplified) */
  factor?: number;
  seed?: number;
}

/** Deterministically choose round(fraction·count) malicious indices out of `count`. */
export function pickMalicious(count: number, fraction: number, seed: number): Set<number> {
  const k = Math.round(Math.max(0, Math.min(1, fraction)) * count);
  const perm = permutation(count, mulberry32(seed));
  return new Set(Array.from(perm.subarray(0, k)));
}

/** Label flipping: y → 1 − y (copy). */
export function flipLabels(y: Uint8Array): Uint8Array {
  return y.map((v) => 1 - v) as Uint8Array;
}

/** Scaled update: factor × honest update (copy). */
export function scaleUpdate(update: Float64Array, factor = -10): Float64Array<ArrayBuffer> {
  return Float64Array.from(update, (v) => v * factor);
}
