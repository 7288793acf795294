// Typed errors of the Paillier module.

import { InvalidInputError } from "@amc/utils";

/** Why a decrypted packed slot was refused. */
export type PaillierOverflowReason =
  | "slot-above-bound"
  | "guard-bit-set"
  | "bits-above-last-slot"
  | "too-many-summands";

/**
 * A packed aggregate that cannot be the sum of `count` honestly encoded contributions: a slot exceeds 2Q·count, its
 * guard bit is set, bits above the last slot are set (the plaintext wrapped modulo n), or `count` exceeds the
 * packing's maxSummands. Some contributor encrypted an out-of-range value; the aggregate must be discarded.
 */
export class PaillierOverflowError extends InvalidInputError {
  override name = "PaillierOverflowError";
  readonly reason: PaillierOverflowReason;
  /** Index of the ciphertext in the vector (−1 when the whole vector is refused). */
  readonly ciphertextIndex: number;
  /** Slot within that ciphertext's plaintext (−1 when not about one slot). */
  readonly slot: number;
  /** Index of the value the slot holds in the unpacked vector (−1 when not about one slot, or a padding slot). */
  readonly valueIndex: number;

  constructor(
    reason: PaillierOverflowReason,
    where: { ciphertextIndex: number; slot: number; valueIndex: number },
    details: string,
  ) {
    const place =
      where.slot >= 0
        ? ` in slot ${where.slot} of ciphertext ${where.ciphertextIndex}${where.valueIndex >= 0 ? ` (value ${where.valueIndex})` : " (padding)"}`
        : where.ciphertextIndex >= 0
          ? ` in ciphertext ${where.ciphertextIndex}`
          : "";
    super(`Packed Paillier aggregate out of range (${reason})${place}.`, {
      details,
      fix: "discard this aggregate: a contributor encrypted a value outside the packing's range (or the count of summed contributions is wrong); re-run the round without it",
    });
    this.reason = reason;
    this.ciphertextIndex = where.ciphertextIndex;
    this.slot = where.slot;
    this.valueIndex = where.valueIndex;
  }
}
