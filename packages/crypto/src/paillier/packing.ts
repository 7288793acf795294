// Packing many fixed-point values into one Paillier plaintext, for summing federated-learning updates.
//
// Encoding (per value v, after the client clipped it to |v| ≤ maxAbs): q = round(v·scale) ∈ [−Q, Q] with
// Q = round(maxAbs·scale), offset u = q + Q ∈ [0, 2Q]. Slot width w = bitLength(2Q·N) + 1 guard bit, N = maxSummands,
// so a sum of up to N contributions (≤ 2Q·N < 2^(w−1)) never carries into the next slot and never sets the guard bit;
// slots per plaintext = floor((bitLength(n) − 2) / w), so a packed sum stays below 2^(bitLength(n)−2) < n and never
// wraps modulo n. Slot i of a plaintext holds bits [i·w, (i+1)·w); unused slots of the last plaintext hold 0.
// This is the slot packing used for Paillier-based aggregation in the literature (e.g. Ge, Zdonik, "Answering
// Aggregation Queries in a Secure System Model", VLDB 2007; BatchCrypt, USENIX ATC 2020), with the offset encoding
// in place of BatchCrypt's two's complement so that overflow is detectable.
//
// Decryption of the sum of `count` contributions subtracts count·Q per slot and divides by scale. It refuses (with
// PaillierOverflowError, naming the slot) any slot above 2Q·count, a set guard bit, any bit above the last slot, and
// count > N. This detects a contributor who bypassed the encoder with a slot value too large for the aggregate, but
// not every dishonest contribution: a value that stays within the aggregate bound (or a plaintext chosen to cancel
// out modulo n) still decrypts. Full protection needs per-contribution range proofs, out of scope here.

import { InvalidInputError } from "@amc/utils";
import { bitLength } from "./arithmetic.js";
import { PaillierOverflowError } from "./errors.js";
import type { PaillierPrivateKey, PaillierPublicKey } from "./keys.js";
import { checkCiphertext, decrypt, encryptWithPrecomputed } from "./paillier.js";
import type { RandomnessPool } from "./pool.js";

/** How values are encoded: fixed-point factor, accepted range before scaling, and how many sums must fit. */
export type Packing = {
  /** Fixed-point factor: v is sent as round(v·scale). */
  readonly scale: number;
  /** Largest |v| accepted; clients clip first, larger values are refused. */
  readonly maxAbs: number;
  /** Largest number of contributions that may be summed (N). */
  readonly maxSummands: number;
};

/** The layout a packing gives under one modulus. */
export type PackingLayout = {
  /** Q = round(maxAbs·scale): encoded values lie in [−Q, Q]. */
  readonly bound: bigint;
  /** Slot width w in bits, guard bit included. */
  readonly slotBits: number;
  /** Slots per plaintext. */
  readonly slotsPerPlaintext: number;
};

/**
 * The slot layout of `packing` under `pk` (validates the packing).
 * @example packingLayout({ scale: 2 ** 16, maxAbs: 1, maxSummands: 1000 }, pk).slotsPerPlaintext // 73 at 2048 bits
 */
export function packingLayout(packing: Packing, pk: PaillierPublicKey): PackingLayout {
  const { scale, maxAbs, maxSummands } = packing;
  if (!(Number.isFinite(scale) && scale > 0))
    throw new InvalidInputError(`Packing scale must be a positive finite number, got ${scale}.`);
  if (!(Number.isFinite(maxAbs) && maxAbs > 0))
    throw new InvalidInputError(`Packing maxAbs must be a positive finite number, got ${maxAbs}.`);
  if (!Number.isSafeInteger(maxSummands) || maxSummands < 1) {
    throw new InvalidInputError(`Packing maxSummands must be a positive integer, got ${maxSummands}.`);
  }
  const q = Math.round(maxAbs * scale);
  if (!Number.isSafeInteger(q) || q < 1) {
    throw new InvalidInputError(`Packing maxAbs·scale must round to an integer in [1, 2^53), got ${maxAbs * scale}.`);
  }
  const bound = BigInt(q);
  const slotBits = bitLength(2n * bound * BigInt(maxSummands)) + 1;
  const slotsPerPlaintext = Math.floor((pk.bits - 2) / slotBits);
  if (slotsPerPlaintext < 1) {
    throw new InvalidInputError(`Packing needs ${slotBits}-bit slots, more than a ${pk.bits}-bit modulus holds.`, {
      fix: "use a larger key, a smaller scale or maxAbs, or fewer summands",
    });
  }
  return Object.freeze({ bound, slotBits, slotsPerPlaintext });
}

/** How many plaintexts (= ciphertexts) a vector of `length` values needs. */
export function packedLength(layout: PackingLayout, length: number): number {
  return Math.ceil(length / layout.slotsPerPlaintext);
}

/**
 * Encodes `values` (each |v| ≤ maxAbs, finite) into plaintexts of `slotsPerPlaintext` offset-encoded slots.
 * @example const plaintexts = packVector(packing, pk, new Float64Array([0.5, -0.25]));
 */
export function packVector(packing: Packing, pk: PaillierPublicKey, values: Float64Array): bigint[] {
  const layout = packingLayout(packing, pk);
  const { slotsPerPlaintext, slotBits } = layout;
  const q = Number(layout.bound);
  const width = BigInt(slotBits);
  const out: bigint[] = [];
  for (let start = 0; start < values.length; start += slotsPerPlaintext) {
    const end = Math.min(start + slotsPerPlaintext, values.length);
    let acc = 0n;
    // Highest slot first, so slot i ends at bits [i·w, (i+1)·w).
    for (let i = end - 1; i >= start; i--) {
      const v = values[i]!;
      if (!Number.isFinite(v) || Math.abs(v) > packing.maxAbs) {
        throw new InvalidInputError(
          `Value ${i} (${v}) is outside the packing's range [−${packing.maxAbs}, ${packing.maxAbs}].`,
          {
            fix: "clip the update to maxAbs (and drop NaN/Infinity) before packing",
          },
        );
      }
      // round(v·scale) ∈ [−Q, Q] since round is monotone and |v| ≤ maxAbs; clamp guards float rounding of v·scale.
      const encoded = Math.min(q, Math.max(-q, Math.round(v * packing.scale))) + q;
      acc = (acc << width) | BigInt(encoded);
    }
    out.push(acc);
  }
  return out;
}

/**
 * Packs and encrypts `values`, one precomputed randomness from `pool` per ciphertext (one multiplication each).
 * @example const cts = encryptVector(pk, packing, update, pool);
 */
export function encryptVector(
  pk: PaillierPublicKey,
  packing: Packing,
  values: Float64Array,
  pool: RandomnessPool,
): bigint[] {
  if (pool.publicKey.n !== pk.n)
    throw new InvalidInputError("encryptVector: the randomness pool belongs to another public key.");
  return packVector(packing, pk, values).map((m) => encryptWithPrecomputed(pk, m, pool.take()));
}

/** Element-wise homomorphic sum of packed ciphertext vectors of equal length. */
export function addVectors(pk: PaillierPublicKey, vectors: readonly (readonly bigint[])[]): bigint[] {
  const length = vectors[0]?.length ?? 0;
  const out = new Array<bigint>(length).fill(1n);
  for (const [v, vector] of vectors.entries()) {
    if (vector.length !== length) {
      throw new InvalidInputError(`addVectors: vector ${v} has ${vector.length} ciphertexts, vector 0 has ${length}.`);
    }
    for (let i = 0; i < length; i++) {
      const c = vector[i]!;
      checkCiphertext(pk, c);
      out[i] = (out[i]! * c) % pk.nSquared;
    }
  }
  return out;
}

function checkSummands(packing: Packing, count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new InvalidInputError(`Summand count must be a positive integer, got ${count}.`);
  }
  if (count > packing.maxSummands) {
    throw new PaillierOverflowError(
      "too-many-summands",
      { ciphertextIndex: -1, slot: -1, valueIndex: -1 },
      `${count} contributions were summed but the packing leaves headroom for ${packing.maxSummands}; slots may have carried.`,
    );
  }
}

/**
 * Decodes plaintexts holding the sum of `count` packed contributions into the sum of the original values, checking
 * every slot (see the file header). Throws PaillierOverflowError naming the first offending slot.
 */
export function unpackSum(
  packing: Packing,
  pk: PaillierPublicKey,
  plaintexts: readonly bigint[],
  count: number,
  length: number,
): Float64Array {
  const layout = packingLayout(packing, pk);
  const { slotsPerPlaintext, slotBits, bound } = layout;
  checkSummands(packing, count);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new InvalidInputError(`Vector length must be a non-negative integer, got ${length}.`);
  if (plaintexts.length !== packedLength(layout, length)) {
    throw new InvalidInputError(
      `A vector of ${length} values packs into ${packedLength(layout, length)} ciphertexts, got ${plaintexts.length}.`,
    );
  }
  const width = BigInt(slotBits);
  const mask = (1n << width) - 1n;
  const guard = 1n << (width - 1n);
  const limit = 2n * bound * BigInt(count);
  const offset = bound * BigInt(count);
  const scale = packing.scale;
  const out = new Float64Array(length);
  for (const [k, m] of plaintexts.entries()) {
    if (m >> (width * BigInt(slotsPerPlaintext)) !== 0n) {
      throw new PaillierOverflowError(
        "bits-above-last-slot",
        { ciphertextIndex: k, slot: -1, valueIndex: -1 },
        `The plaintext has ${bitLength(m)} bits; ${slotsPerPlaintext} slots of ${slotBits} bits end at bit ${slotsPerPlaintext * slotBits}.`,
      );
    }
    let rest = m;
    for (let slot = 0; slot < slotsPerPlaintext; slot++) {
      const u = rest & mask;
      rest >>= width;
      const index = k * slotsPerPlaintext + slot;
      if (u > limit) {
        const reason = (u & guard) !== 0n ? "guard-bit-set" : "slot-above-bound";
        throw new PaillierOverflowError(
          reason,
          { ciphertextIndex: k, slot, valueIndex: index < length ? index : -1 },
          `Slot value ${u} exceeds 2Q·count = ${limit} (Q = ${bound}, count = ${count}).`,
        );
      }
      if (index < length) out[index] = Number(u - offset) / scale;
    }
  }
  return out;
}

/**
 * Decrypts the packed sum of `count` contributions (`ciphertexts` as produced by `addVectors` over `count`
 * `encryptVector` outputs) into the sum of the original vectors, `length` values long. Each value is within
 * count/(2·scale) of the exact sum. Throws PaillierOverflowError when a slot is out of range (see file header).
 * @example const sum = decryptVector(sk, packing, addVectors(pk, updates), updates.length, dim);
 */
export function decryptVector(
  sk: PaillierPrivateKey,
  packing: Packing,
  ciphertexts: readonly bigint[],
  count: number,
  length: number,
): Float64Array {
  packingLayout(packing, sk.publicKey);
  checkSummands(packing, count);
  return unpackSum(
    packing,
    sk.publicKey,
    ciphertexts.map((c) => decrypt(sk, c)),
    count,
    length,
  );
}
