// Arithmetic in GF(p), p = 2^256 − 2^32 − 977, the base field of secp256k1, on float64 limbs instead of BigInt.
// A V8 BigInt multiply-and-reduce costs ~650 ns; the unrolled limb code in fieldMul.generated.ts does it in ~100 ns,
// and that is what makes our Umbral faster than the WebAssembly reference. Everything here is exact integer
// arithmetic carried in doubles (see fieldMul.codegen.ts for the bounds).
//
// An element is 11 signed limbs of 24 bits: value = Σ limb[i] · 2^(24·i), defined modulo p and not unique.
// "Reduced" (what feMul, feSqr and the fe…Reduce functions return) means |limb| ≤ B = 2^23 + 2^19. feAdd, feSub,
// feMulSmall and feLin2 do not carry, so their results are "lazy": limbs grow with each operation. feMul/feSqr accept inputs whose limb
// bounds, as multiples of B, multiply to at most 10 (e.g. a sum of three reduced elements times a sum of three);
// code that stores an element for later reduces it first. The curve code notes these multiples inline.

import {
  feAdd,
  feLin2,
  feLin2Reduce,
  feLin3Reduce,
  feMul,
  feMulSmall,
  feReduce,
  feSelect,
  feSqr,
  feSub,
} from "./fieldMul.generated.js";

export { feAdd, feLin2, feLin2Reduce, feLin3Reduce, feMul, feMulSmall, feReduce, feSelect, feSqr, feSub };

/** A field element: 11 balanced 24-bit limbs (see the file header). */
export type Fe = Float64Array;

export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const LIMBS = 11;
const R = 16777216;

export const fe = (): Fe => new Float64Array(LIMBS);

export function feFromBigInt(value: bigint, out: Fe = fe()): Fe {
  let v = ((value % P) + P) % P;
  for (let i = 0; i < LIMBS; i++) {
    out[i] = Number(v & 0xffffffn);
    v >>= 24n;
  }
  return out;
}

/** The canonical value in [0, p). Pairs of limbs are combined in doubles (exact below 2^53) to halve BigInt work. */
export function feToBigInt(a: Fe): bigint {
  let v = BigInt(a[10]!);
  for (let i = 8; i >= 0; i -= 2) v = (v << 48n) + BigInt(a[i]! + a[i + 1]! * R);
  v %= P;
  return v < 0n ? v + P : v;
}

export function feCopy(o: Fe, a: Fe): void {
  o.set(a);
}

/** o = −a (same bound as a). */
export function feNeg(o: Fe, a: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = -a[i]!;
}

/** True when a ≡ 0 (mod p). Goes through BigInt, so keep it out of inner loops. */
export function feIsZero(a: Fe): boolean {
  return feToBigInt(a) === 0n;
}

export function feEquals(a: Fe, b: Fe): boolean {
  return feToBigInt(a) === feToBigInt(b);
}

/** o = a^(2^n) · b: n squarings then one multiplication (o may alias a or b). */
function sqrNMul(o: Fe, a: Fe, n: number, b: Fe): void {
  feSqr(o, a);
  for (let i = 1; i < n; i++) feSqr(o, o);
  feMul(o, o, b);
}

// Shared prefix of the inversion and square-root addition chains (libsecp256k1's): x_k = a^(2^k − 1).
function chainPrefix(a: Fe): { x2: Fe; x22: Fe; x223: Fe } {
  const x2 = fe();
  feSqr(x2, a);
  feMul(x2, x2, a);
  const x3 = fe();
  feSqr(x3, x2);
  feMul(x3, x3, a);
  const x6 = fe();
  sqrNMul(x6, x3, 3, x3);
  const x9 = fe();
  sqrNMul(x9, x6, 3, x3);
  const x11 = fe();
  sqrNMul(x11, x9, 2, x2);
  const x22 = fe();
  sqrNMul(x22, x11, 11, x11);
  const x44 = fe();
  sqrNMul(x44, x22, 22, x22);
  const x88 = fe();
  sqrNMul(x88, x44, 44, x44);
  const x176 = fe();
  sqrNMul(x176, x88, 88, x88);
  const x220 = fe();
  sqrNMul(x220, x176, 44, x44);
  const x223 = fe();
  sqrNMul(x223, x220, 3, x3);
  return { x2, x22, x223 };
}

/** o = a^(p−2) = a⁻¹ (0 for a = 0): 255 squarings and 15 multiplications. */
export function feInv(o: Fe, a: Fe): void {
  const { x2, x22, x223 } = chainPrefix(a);
  const t = fe();
  sqrNMul(t, x223, 23, x22);
  sqrNMul(t, t, 5, a);
  sqrNMul(t, t, 3, x2);
  sqrNMul(o, t, 2, a);
}

/** A square root of a (p ≡ 3 mod 4, so a^((p+1)/4)), or undefined when a is not a square. */
export function feSqrt(a: Fe): Fe | undefined {
  const { x2, x22, x223 } = chainPrefix(a);
  const root = fe();
  sqrNMul(root, x223, 23, x22);
  sqrNMul(root, root, 6, x2);
  feSqr(root, root);
  feSqr(root, root);
  const check = fe();
  feSqr(check, root);
  return feEquals(check, a) ? root : undefined;
}
