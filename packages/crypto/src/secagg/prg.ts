// The mask generator of SecAgg (Bonawitz et al., CCS 2017, §4: PRG(b_i) and PRG(s_ij) expand 32-byte seeds into
// vectors over Z_R), here with R = 2^32: AES-256-CTR keyed by the seed, zero IV, encrypting zeros, and the key
// stream read as little-endian 32-bit words (on every platform, so clients and server agree). A zero IV is safe
// because every seed is used for one expansion only: b_i is fresh per round and s_ij is derived with the round id.
// Vector arithmetic is modulo 2^32: stores into a Uint32Array reduce modulo 2^32 (ToUint32), so `a[k] + b[k]` and
// `a[k] − b[k]` are stored exactly, with no overflow, for any uint32 operands.

import { createCipheriv } from "node:crypto";
import { InvalidInputError } from "@amc/utils";

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const ZERO_IV = Buffer.alloc(16);
let zeros = Buffer.alloc(0);

function keyStream(seed: Uint8Array, length: number): Buffer {
  if (seed.length !== 32) throw new InvalidInputError(`PRG: seeds are 32 bytes, got ${seed.length}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new InvalidInputError(`PRG: bad vector length ${length}`);
  if (zeros.length < 4 * length) zeros = Buffer.alloc(4 * length);
  return createCipheriv("aes-256-ctr", seed, ZERO_IV).update(zeros.subarray(0, 4 * length));
}

/** The key stream as uint32 words: a view when aligned on a little-endian platform, else a converted copy. */
function words(stream: Buffer, length: number): Uint32Array {
  if (LITTLE_ENDIAN && stream.byteOffset % 4 === 0) return new Uint32Array(stream.buffer, stream.byteOffset, length);
  const out = new Uint32Array(length);
  for (let k = 0; k < length; k++) out[k] = stream.readUInt32LE(4 * k);
  return out;
}

/** PRG(seed): `length` uint32 words of AES-256-CTR key stream (key = seed, 32 bytes; IV = 0). */
export function expandMask(seed: Uint8Array, length: number): Uint32Array {
  return new Uint32Array(words(keyStream(seed, length), length));
}

/** acc ← acc + sign·PRG(seed) (mod 2^32), in place, without materialising the mask twice; returns acc. */
export function applyMask(acc: Uint32Array, seed: Uint8Array, sign: 1 | -1): Uint32Array {
  const mask = words(keyStream(seed, acc.length), acc.length);
  return sign === 1 ? addInto(acc, mask) : subtractInto(acc, mask);
}

function sameLength(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new InvalidInputError(`vectors of lengths ${a.length} and ${b.length} differ`);
}

/** acc ← acc + v (mod 2^32), in place; returns acc. */
export function addInto(acc: Uint32Array, v: Uint32Array): Uint32Array {
  sameLength(acc, v);
  for (let k = 0; k < acc.length; k++) acc[k] = (acc[k] as number) + (v[k] as number);
  return acc;
}

/** acc ← acc − v (mod 2^32), in place; returns acc. */
export function subtractInto(acc: Uint32Array, v: Uint32Array): Uint32Array {
  sameLength(acc, v);
  for (let k = 0; k < acc.length; k++) acc[k] = (acc[k] as number) - (v[k] as number);
  return acc;
}

/** The plain sum of `vectors` (all of one length) modulo 2^32: what secure aggregation must output. */
export function sumMod32(vectors: readonly Uint32Array[], length = vectors[0]?.length ?? 0): Uint32Array {
  const sum = new Uint32Array(length);
  for (const v of vectors) addInto(sum, v);
  return sum;
}
