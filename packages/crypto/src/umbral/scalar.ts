// Scalars modulo the secp256k1 group order n, the GLV split of a scalar into two ~128-bit halves, and the regular
// signed-digit recoding the scalar multiplications in curve.ts consume. Scalars are bigints (a few operations per
// protocol step, so BigInt speed does not matter here); the per-bit work happens on small integers.

import { AssertionError } from "@amc/utils";
import { invert, mod } from "@noble/curves/abstract/modular";
import { bytesToNumberBE, numberToBytesBE } from "@noble/curves/abstract/utils";
import { randomBytes } from "@noble/hashes/utils";

/** The order of secp256k1's group. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export const modN = (a: bigint): bigint => mod(a, N);
export const invN = (a: bigint): bigint => invert(a, N);
/** Inverses of non-zero scalars with one modular inversion for all (Montgomery's trick): ~40 µs each saved. */
export function batchInvN(values: readonly bigint[]): bigint[] {
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const v of values) {
    prefix.push(acc);
    acc = mod(acc * v, N);
  }
  let inv = invert(acc, N);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = mod(inv * prefix[i]!, N);
    inv = mod(inv * values[i]!, N);
  }
  return out;
}
export const scalarToBytes = (a: bigint): Uint8Array => numberToBytesBE(a, 32);
export const bytesToScalar = (bytes: Uint8Array): bigint => bytesToNumberBE(bytes);

/** A uniformly random scalar in [1, n), by rejection sampling from the platform CSPRNG (rejects ~2^-128). */
export function randomScalar(): bigint {
  for (;;) {
    const k = bytesToNumberBE(randomBytes(32));
    if (k > 0n && k < N) return k;
  }
}

// GLV endomorphism: λ·(x, y) = (β·x, y) with λ³ ≡ 1 (mod n) and β³ ≡ 1 (mod p).
export const LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;
export const BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een;
// A short basis of the lattice {(a, b) : a + b·λ ≡ 0 (mod n)} (as in libsecp256k1 and @noble/curves).
const A1 = 0x3086d221a7d46bcde86c90e49284eb15n;
const B1 = -0xe4437ed6010e88286f547fa90abfe4c3n;
const A2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8n;
const B2 = A1;
const HALF_N = N >> 1n;
const TWO_128 = 1n << 128n;

const divNearest = (a: bigint, b: bigint) => (a + b / 2n) / b;

/** k ≡ (k1neg ? −k1 : k1) + (k2neg ? −k2 : k2)·λ (mod n) with 0 ≤ k1, k2 ≤ 2^128. */
export type GlvSplit = { k1: bigint; k1neg: boolean; k2: bigint; k2neg: boolean };

export function splitGlv(k: bigint): GlvSplit {
  const c1 = divNearest(B2 * k, N);
  const c2 = divNearest(-B1 * k, N);
  let k1 = mod(k - c1 * A1 - c2 * A2, N);
  let k2 = mod(-c1 * B1 - c2 * B2, N);
  const k1neg = k1 > HALF_N;
  const k2neg = k2 > HALF_N;
  if (k1neg) k1 = N - k1;
  if (k2neg) k2 = N - k2;
  if (k1 > TWO_128 || k2 > TWO_128) throw new AssertionError("GLV split out of range");
  return { k1, k1neg, k2, k2neg };
}

/**
 * Regular signed-digit recoding (Joye–Tunstall): an odd k < 2^(w·(count−1) + w) becomes `count` digits, all odd,
 * |d| < 2^w, with k = Σ d[i]·2^(w·i). Every digit is non-zero, so a multiplication that consumes them performs the
 * same additions whatever the scalar. Derived in closed form: d[i] = 2·v + 1 − 2^w·(1 − b) where v is bits
 * w·i+1 … w·i+w−1 of k and b is bit w·i+w; the last digit is 1 + 2·(k >> (w·(count−1) + 1)).
 */
export function recodeOdd(k: bigint, w: number, count: number, out: Int8Array = new Int8Array(count)): Int8Array {
  if ((k & 1n) === 0n || k >> BigInt(w * count) !== 0n) {
    throw new AssertionError("recodeOdd needs an odd scalar below 2^(w·count)");
  }
  // 32-bit words of k, enough for its count·w bits.
  const words = new Uint32Array(((count * w) >> 5) + 1);
  let rest = k;
  for (let i = 0; i < words.length && rest > 0n; i++) {
    words[i] = Number(rest & 0xffffffffn);
    rest >>= 32n;
  }
  const bit = (i: number) => (words[i >>> 5]! >>> (i & 31)) & 1;
  const full = 1 << w;
  for (let i = 0; i < count - 1; i++) {
    let v = 0;
    for (let j = w - 1; j >= 1; j--) v = (v << 1) | bit(w * i + j);
    out[i] = 2 * v + 1 - full * (1 - bit(w * i + w));
  }
  let top = 0;
  for (let j = w; j >= 1; j--) top = (top << 1) | bit(w * (count - 1) + j);
  out[count - 1] = 2 * top + 1;
  return out;
}
