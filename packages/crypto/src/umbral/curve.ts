// secp256k1 points and scalar multiplication on the float64 field of field.ts: what Umbral spends its time on.
//
// - Jacobian coordinates (X/Z², Y/Z³) with a = 0: doubling 2M+5S (dbl-2009-l), mixed addition 7M+4S (madd-2007-bl),
//   general addition 11M+5S (add-2007-bl), from the Explicit-Formulas Database.
// - Variable-base multiplication (`mulMany`, Strauss for several points at once): GLV split of each scalar into two
//   ~128-bit halves (λ·(x, y) = (β·x, y)), each recoded into 26 odd signed digits of 5 bits, over a table of the odd
//   multiples P, 3P, …, 31P. Every digit is non-zero, so the sequence of field operations is the same for every
//   scalar (125 doublings and 52 additions per point); the parity fix-ups are always computed and selected
//   arithmetically. As with @noble/curves, BigInt work on the scalar and table indexing by digit are not
//   constant-time at the machine level.
// - Fixed-base multiplication (`FixedBase`, for G and Umbral's U): 43 windows of 6 bits, each with a table of its
//   32 odd multiples, built on first use (~4 ms); a multiplication is 42 mixed additions and no doublings.
//
// Exceptional cases: the mixed and general additions are incomplete (P + P and P + (−P) are not handled). With the
// digit orders used here they cannot occur for honestly random scalars; an adversary who picks both a scalar and a
// point with a known discrete-log relation can make one occur, and then the result collapses to Z = 0, which every
// caller treats as "no point" (a failed check), never as a wrong point: a degenerate (0, 0, 0) stays degenerate.

import { AssertionError } from "@amc/utils";
import { bytesToNumberBE } from "@noble/curves/abstract/utils";
import {
  type Fe,
  fe,
  feAdd,
  feEquals,
  feFromBigInt,
  feInv,
  feIsZero,
  feLin2,
  feLin2Reduce,
  feLin3Reduce,
  feMul,
  feMulSmall,
  feNeg,
  feSelect,
  feSqr,
  feSqrt,
  feSub,
  feToBigInt,
  P,
} from "./field.js";
import { BETA, N, recodeOdd, splitGlv } from "./scalar.js";

export class Jacobian {
  readonly x: Fe = fe();
  readonly y: Fe = fe();
  readonly z: Fe = fe();

  static fromAffine(x: Fe, y: Fe): Jacobian {
    const j = new Jacobian();
    j.x.set(x);
    j.y.set(y);
    j.z[0] = 1;
    return j;
  }
}

// Scratch registers for the formulas below (JavaScript is single-threaded and none of these functions re-enter).
const t0 = fe();
const t1 = fe();
const t2 = fe();
const t3 = fe();
const t4 = fe();
const t5 = fe();
const t6 = fe();
const t7 = fe();
const t8 = fe();
const t9 = fe();
const t10 = fe();
const t11 = fe();

// In the formulas, numbers in comments are limb bounds of lazy values as multiples of a reduced element's; a
// product's two factors may multiply to at most 10 (see field.ts).

/** o = 2p (o may be p): dbl-2009-l with E² computed as 9A². */
export function jDouble(o: Jacobian, p: Jacobian): void {
  const a = t0;
  const b = t1;
  const c = t2;
  const d = t3;
  const m = t4;
  const twoY = t5;
  feSqr(a, p.x); // A = X²
  feSqr(b, p.y); // B = Y²
  feSqr(c, b); // C = B²
  feAdd(m, p.x, b); // 2
  feSqr(m, m); // (X + B)²
  feLin3Reduce(d, m, 2, a, -2, c, -2); // D = 2((X + B)² − A − C)
  feAdd(twoY, p.y, p.y); // 2, before p.y is overwritten
  feSqr(m, a); // F = E² = (3A)² = 9A²
  feLin2Reduce(o.x, m, 9, d, -2); // X3 = F − 2D
  feSub(m, d, o.x); // 2
  feMul(m, a, m); // A·(D − X3), 1·2
  feLin2Reduce(o.y, m, 3, c, -8); // Y3 = E·(D − X3) − 8C
  feMul(o.z, twoY, p.z); // Z3 = 2·Y·Z, 2·1
}

/** o = p + (qx, qy) for an affine q (o may be p): madd-2007-bl. Incomplete: p = ±q gives Z = 0 (file header). */
export function jAddAffine(o: Jacobian, p: Jacobian, qx: Fe, qy: Fe): void {
  const zz = t0;
  const h = t1;
  const r = t2;
  const hh = t3;
  const j = t4;
  const v = t5;
  const n = t6;
  const twoZ = t7;
  const m = t8;
  feSqr(zz, p.z); // Z1Z1
  feMul(h, qx, zz); // U2
  feSub(h, h, p.x); // H = U2 − X1, 2
  feMul(r, qy, p.z);
  feMul(r, r, zz); // S2
  feSub(r, r, p.y); // R = S2 − Y1 = r/2, 2
  feSqr(hh, h); // H², 2·2
  feMul(j, h, hh); // J/4 = H³, 2·1
  feMul(v, p.x, hh); // V/4 = X1·H²
  feMul(n, p.y, j); // Y1·J/4, before p.y is overwritten
  feAdd(twoZ, p.z, p.z); // 2, before p.z is overwritten
  feSqr(m, r); // R², 2·2
  feLin3Reduce(o.x, m, 4, j, -4, v, -8); // X3 = r² − J − 2V
  feLin2(m, v, 4, o.x, -1); // V − X3, 5
  feMul(m, r, m); // R·(V − X3), 2·5
  feLin2Reduce(o.y, m, 2, n, -8); // Y3 = r·(V − X3) − 2·Y1·J
  feMul(o.z, twoZ, h); // Z3 = 2·Z1·H, 2·2
}

/** o = p + q for Jacobian p and q (o may be p or q): add-2007-bl. Incomplete like jAddAffine. */
export function jAdd(o: Jacobian, p: Jacobian, q: Jacobian): void {
  const z1z1 = t0;
  const z2z2 = t1;
  const u1 = t2;
  const h = t3;
  const s1 = t4;
  const r = t5;
  const hh = t6;
  const j = t7;
  const v = t8;
  const n = t9;
  const z3 = t10;
  const m = t11;
  feSqr(z1z1, p.z);
  feSqr(z2z2, q.z);
  feMul(u1, p.x, z2z2); // U1
  feMul(h, q.x, z1z1); // U2
  feSub(h, h, u1); // H = U2 − U1, 2
  feMul(s1, p.y, q.z);
  feMul(s1, s1, z2z2); // S1
  feMul(r, q.y, p.z);
  feMul(r, r, z1z1); // S2
  feSub(r, r, s1); // R = S2 − S1 = r/2, 2
  feMul(z3, p.z, q.z);
  feAdd(z3, z3, z3); // 2
  feMul(z3, z3, h); // Z3 = 2·Z1·Z2·H, 2·2 (p and q are not read below)
  feSqr(hh, h); // H², 2·2
  feMul(j, h, hh); // J/4
  feMul(v, u1, hh); // V/4
  feMul(n, s1, j); // S1·J/4
  feSqr(m, r); // R²
  feLin3Reduce(o.x, m, 4, j, -4, v, -8); // X3 = r² − J − 2V
  feLin2(m, v, 4, o.x, -1); // V − X3, 5
  feMul(m, r, m); // 2·5
  feLin2Reduce(o.y, m, 2, n, -8); // Y3 = r·(V − X3) − 2·S1·J
  o.z.set(z3);
}

/** A point of the curve other than infinity, in affine coordinates; carries its SEC1 compressed encoding. */
export class CurvePoint {
  /** Affine x and y as reduced field elements (internal representation). */
  readonly x: Fe;
  readonly y: Fe;
  #compressed: Uint8Array | undefined;

  private constructor(x: Fe, y: Fe, compressed?: Uint8Array) {
    this.x = x;
    this.y = y;
    this.#compressed = compressed;
  }

  /** @internal From affine coordinates known to be on the curve. */
  static fromAffine(x: Fe, y: Fe): CurvePoint {
    return new CurvePoint(x, y);
  }

  /** Parses a 33-byte SEC1 compressed point; undefined when it is not one or not on the curve. */
  static fromBytes(bytes: Uint8Array): CurvePoint | undefined {
    if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return undefined;
    const xValue = bytesToNumberBE(bytes.subarray(1));
    if (xValue >= P) return undefined;
    const x = feFromBigInt(xValue);
    const rhs = fe();
    feSqr(rhs, x);
    feMul(rhs, rhs, x);
    rhs[0] = rhs[0]! + 7;
    const y = feSqrt(rhs);
    if (y === undefined) return undefined;
    if (Number(feToBigInt(y) & 1n) !== (bytes[0] & 1)) feNeg(y, y);
    return new CurvePoint(x, y, bytes.slice());
  }

  /** The 33-byte SEC1 compressed encoding (cached; do not modify the returned array). */
  compressed(): Uint8Array {
    if (this.#compressed === undefined) {
      const out = new Uint8Array(33);
      let xValue = feToBigInt(this.x);
      out[0] = 2 + Number(feToBigInt(this.y) & 1n);
      for (let i = 32; i >= 1; i--) {
        out[i] = Number(xValue & 0xffn);
        xValue >>= 8n;
      }
      this.#compressed = out;
    }
    return this.#compressed;
  }

  /** A copy of the 33-byte SEC1 compressed encoding. */
  toBytes(): Uint8Array {
    return this.compressed().slice();
  }

  equals(other: CurvePoint): boolean {
    const a = this.compressed();
    const b = other.compressed();
    for (let i = 0; i < 33; i++) if (a[i] !== b[i]) return false;
    return true;
  }
}

/** Affine points of Jacobian ones, with one field inversion for the whole batch; undefined where Z ≡ 0. */
export function toAffineBatch(points: readonly Jacobian[]): (CurvePoint | undefined)[] {
  const live = points.map((p) => !feIsZero(p.z));
  const xs = points.map(() => fe());
  const ys = points.map(() => fe());
  normalizeInto(
    points.filter((_, i) => live[i]),
    xs.filter((_, i) => live[i]),
    ys.filter((_, i) => live[i]),
  );
  return points.map((_, i) => (live[i] ? CurvePoint.fromAffine(xs[i]!, ys[i]!) : undefined));
}

/** Writes the affine coordinates of non-degenerate Jacobian points (Montgomery's batch inversion). */
function normalizeInto(points: readonly Jacobian[], xs: readonly Fe[], ys: readonly Fe[]): void {
  const count = points.length;
  if (count === 0) return;
  const prefix = points.map(() => fe());
  prefix[0]!.set(points[0]!.z);
  for (let i = 1; i < count; i++) feMul(prefix[i]!, prefix[i - 1]!, points[i]!.z);
  const inv = fe();
  feInv(inv, prefix[count - 1]!);
  const zInv = fe();
  const zInv2 = fe();
  for (let i = count - 1; i >= 0; i--) {
    const p = points[i]!;
    if (i > 0) feMul(zInv, inv, prefix[i - 1]!);
    else zInv.set(inv);
    if (i > 0) feMul(inv, inv, p.z);
    feSqr(zInv2, zInv);
    feMul(xs[i]!, p.x, zInv2);
    feMul(zInv2, zInv2, zInv);
    feMul(ys[i]!, p.y, zInv2);
  }
}

/** p (Jacobian) = q (affine), without an inversion: X = x·Z², Y = y·Z³. False when p is degenerate. */
export function jEqualsAffine(p: Jacobian, q: CurvePoint): boolean {
  if (feIsZero(p.z)) return false;
  const zz = fe();
  const t = fe();
  feSqr(zz, p.z);
  feMul(t, q.x, zz);
  if (!feEquals(t, p.x)) return false;
  feMul(zz, zz, p.z);
  feMul(t, q.y, zz);
  return feEquals(t, p.y);
}

/** p = q for two Jacobian points, by cross-multiplying; false when either is degenerate. */
export function jEquals(p: Jacobian, q: Jacobian): boolean {
  if (feIsZero(p.z) || feIsZero(q.z)) return false;
  const pz2 = fe();
  const qz2 = fe();
  const a = fe();
  const b = fe();
  feSqr(pz2, p.z);
  feSqr(qz2, q.z);
  feMul(a, p.x, qz2);
  feMul(b, q.x, pz2);
  if (!feEquals(a, b)) return false;
  feMul(pz2, pz2, p.z);
  feMul(qz2, qz2, q.z);
  feMul(a, p.y, qz2);
  feMul(b, q.y, pz2);
  return feEquals(a, b);
}

/** x(p) mod n = r, as ECDSA verification needs, without an inversion: X = r·Z² or (r + n)·Z² when r + n < p. */
export function jXModNEquals(p: Jacobian, r: bigint): boolean {
  if (feIsZero(p.z)) return false;
  const zz = fe();
  const t = fe();
  feSqr(zz, p.z);
  feMul(t, feFromBigInt(r), zz);
  if (feEquals(t, p.x)) return true;
  if (r + N >= P) return false;
  feMul(t, feFromBigInt(r + N), zz);
  return feEquals(t, p.x);
}

// ---------------------------------------------------------------------------------------------------------------
// Variable-base multiplication.

const GLV_WINDOW = 5;
const GLV_DIGITS = 26; // 26 digits of 5 bits cover the ≤ 2^128 + 1 halves
const TABLE_SIZE = 1 << (GLV_WINDOW - 1); // odd multiples 1, 3, …, 31
const BETA_FE = feFromBigInt(BETA);

/** The odd multiples (2j + 1)·P, j < 16, of one point, affine, with β·x for the λ·P half. */
export class OddMultiples {
  readonly xs: Fe[];
  readonly ys: Fe[];
  readonly xBetas: Fe[];

  private constructor(xs: Fe[], ys: Fe[]) {
    this.xs = xs;
    this.ys = ys;
    this.xBetas = xs.map((x) => {
      const xb = fe();
      feMul(xb, x, BETA_FE);
      return xb;
    });
  }

  /** Tables for several points with a single field inversion between them. */
  static build(points: readonly CurvePoint[]): OddMultiples[] {
    const jacobians: Jacobian[] = [];
    const xs: Fe[][] = [];
    const ys: Fe[][] = [];
    for (const point of points) {
      const doubled = Jacobian.fromAffine(point.x, point.y);
      jDouble(doubled, doubled);
      let previous = new Jacobian();
      jAddAffine(previous, doubled, point.x, point.y); // 3P
      const pointXs = [point.x];
      const pointYs = [point.y];
      for (let j = 1; j < TABLE_SIZE; j++) {
        if (j > 1) {
          const next = new Jacobian();
          jAdd(next, previous, doubled);
          previous = next;
        }
        jacobians.push(previous);
        pointXs.push(fe());
        pointYs.push(fe());
      }
      xs.push(pointXs);
      ys.push(pointYs);
    }
    normalizeInto(
      jacobians,
      xs.flatMap((list) => list.slice(1)),
      ys.flatMap((list) => list.slice(1)),
    );
    return xs.map((list, i) => new OddMultiples(list, ys[i]!));
  }
}

/** A scalar prepared for `mulMany`: its GLV halves made odd and recoded. */
type Prepared = {
  table: OddMultiples;
  digits1: Int8Array;
  digits2: Int8Array;
  neg1: number; // 1 when the half's base is −P (resp. −λP)
  neg2: number;
  fix1: number; // 1 when the half was even and 1 was added to it (subtract the base at the end)
  fix2: number;
};

function prepare(table: OddMultiples, k: bigint): Prepared {
  const { k1, k1neg, k2, k2neg } = splitGlv(k);
  const fix1 = Number(1n - (k1 & 1n));
  const fix2 = Number(1n - (k2 & 1n));
  return {
    table,
    digits1: recodeOdd(k1 + BigInt(fix1), GLV_WINDOW, GLV_DIGITS),
    digits2: recodeOdd(k2 + BigInt(fix2), GLV_WINDOW, GLV_DIGITS),
    neg1: k1neg ? 1 : 0,
    neg2: k2neg ? 1 : 0,
    fix1,
    fix2,
  };
}

const yScratch = fe();
const addScratch = new Jacobian();

/** acc += sign·(digit)·base where base is P (half 1) or λP (half 2) of `table`; `negBase` flips the sign. */
function addDigit(acc: Jacobian, table: OddMultiples, half: 1 | 2, digit: number, negBase: number): void {
  const s = digit >> 31; // −1 for negative digits, else 0
  const index = ((digit ^ s) - s - 1) >> 1;
  const negative = -s ^ negBase;
  feMulSmall(yScratch, table.ys[index]!, 1 - 2 * negative);
  jAddAffine(acc, acc, half === 1 ? table.xs[index]! : table.xBetas[index]!, yScratch);
}

/** acc −= base·fix without branching on fix (the subtraction is computed either way). */
function subtractIf(acc: Jacobian, table: OddMultiples, half: 1 | 2, negBase: number, fix: number): void {
  feMulSmall(yScratch, table.ys[0]!, 2 * negBase - 1);
  jAddAffine(addScratch, acc, half === 1 ? table.xs[0]! : table.xBetas[0]!, yScratch);
  feSelect(acc.x, acc.x, addScratch.x, fix);
  feSelect(acc.y, acc.y, addScratch.y, fix);
  feSelect(acc.z, acc.z, addScratch.z, fix);
}

/**
 * Σ scalars[i] · P_i, where tables[i] are P_i's odd multiples; scalars in [1, n). One shared chain of doublings
 * (Strauss); the operation sequence depends only on the number of terms.
 */
export function mulMany(tables: readonly OddMultiples[], scalars: readonly bigint[]): Jacobian {
  if (tables.length === 0 || tables.length !== scalars.length) throw new AssertionError("mulMany: bad arguments");
  const terms = tables.map((table, i) => {
    const k = scalars[i]!;
    if (k <= 0n || k >= N) throw new AssertionError("mulMany: scalar out of range");
    return prepare(table, k);
  });
  const top = GLV_DIGITS - 1;
  const first = terms[0]!;
  const acc = new Jacobian();
  // Start from the first half's top digit (always positive), then add everyone else's.
  const topDigit = first.digits1[top]!;
  const index = (topDigit - 1) >> 1;
  acc.x.set(first.table.xs[index]!);
  feMulSmall(acc.y, first.table.ys[index]!, 1 - 2 * first.neg1);
  acc.z[0] = 1;
  addDigit(acc, first.table, 2, first.digits2[top]!, first.neg2);
  for (let t = 1; t < terms.length; t++) {
    const term = terms[t]!;
    addDigit(acc, term.table, 1, term.digits1[top]!, term.neg1);
    addDigit(acc, term.table, 2, term.digits2[top]!, term.neg2);
  }
  for (let i = top - 1; i >= 0; i--) {
    for (let d = 0; d < GLV_WINDOW; d++) jDouble(acc, acc);
    for (const term of terms) {
      addDigit(acc, term.table, 1, term.digits1[i]!, term.neg1);
      addDigit(acc, term.table, 2, term.digits2[i]!, term.neg2);
    }
  }
  for (const term of terms) {
    subtractIf(acc, term.table, 1, term.neg1, term.fix1);
    subtractIf(acc, term.table, 2, term.neg2, term.fix2);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed-base multiplication.

const FIXED_WINDOW = 6;
const FIXED_DIGITS = 43; // 43 digits of 6 bits cover scalars < 2^258
const FIXED_TABLE = 1 << (FIXED_WINDOW - 1);

/** Precomputed windows for multiplying one fixed point: table[i][j] = (2j + 1)·2^(6i)·B. */
export class FixedBase {
  readonly point: CurvePoint;
  #xs: Fe[] | undefined;
  #ys: Fe[] | undefined;
  #odd: OddMultiples | undefined;

  constructor(point: CurvePoint) {
    this.point = point;
  }

  /** The point's odd multiples for `mulMany`, built once. */
  get oddMultiples(): OddMultiples {
    this.#odd ??= OddMultiples.build([this.point])[0]!;
    return this.#odd;
  }

  #tables(): { xs: Fe[]; ys: Fe[] } {
    if (this.#xs === undefined || this.#ys === undefined) {
      const jacobians: Jacobian[] = [];
      let base = Jacobian.fromAffine(this.point.x, this.point.y);
      for (let i = 0; i < FIXED_DIGITS; i++) {
        const doubled = new Jacobian();
        jDouble(doubled, base);
        let current = base;
        jacobians.push(current);
        for (let j = 1; j < FIXED_TABLE; j++) {
          const next = new Jacobian();
          jAdd(next, current, doubled);
          jacobians.push(next);
          current = next;
        }
        const nextBase = new Jacobian();
        jDouble(nextBase, base);
        for (let d = 1; d < FIXED_WINDOW; d++) jDouble(nextBase, nextBase);
        base = nextBase;
      }
      const xs = jacobians.map(() => fe());
      const ys = jacobians.map(() => fe());
      normalizeInto(jacobians, xs, ys);
      this.#xs = xs;
      this.#ys = ys;
    }
    return { xs: this.#xs, ys: this.#ys };
  }

  /** k·B for k in [1, n). Even k is computed as −((n − k)·B), so the recoding always sees an odd scalar. */
  mul(k: bigint): Jacobian {
    if (k <= 0n || k >= N) throw new AssertionError("FixedBase.mul: scalar out of range");
    const { xs, ys } = this.#tables();
    const flip = Number(1n - (k & 1n));
    const digits = recodeOdd(flip ? N - k : k, FIXED_WINDOW, FIXED_DIGITS);
    const acc = new Jacobian();
    // Low window first: the partial sum stays below the next window's term, so no addition is exceptional.
    const first = digits[0]!;
    const s0 = first >> 31;
    const i0 = ((first ^ s0) - s0 - 1) >> 1;
    acc.x.set(xs[i0]!);
    feMulSmall(acc.y, ys[i0]!, 1 + 2 * s0);
    acc.z[0] = 1;
    for (let i = 1; i < FIXED_DIGITS; i++) {
      const digit = digits[i]!;
      const s = digit >> 31;
      const index = i * FIXED_TABLE + (((digit ^ s) - s - 1) >> 1);
      feMulSmall(yScratch, ys[index]!, 1 + 2 * s);
      jAddAffine(acc, acc, xs[index]!, yScratch);
    }
    feMulSmall(acc.y, acc.y, 1 - 2 * flip);
    return acc;
  }
}

const G_X = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const G_Y = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** The generator G with its fixed-base tables. */
export const G = new FixedBase(CurvePoint.fromAffine(feFromBigInt(G_X), feFromBigInt(G_Y)));

/** Multiplies an arbitrary point by one scalar (a `mulMany` of one term). */
export function mulPoint(point: CurvePoint, k: bigint): Jacobian {
  return mulMany(OddMultiples.build([point]), [k]);
}

/** a + b for affine points, complete: undefined when b = −a (the sum is the point at infinity). */
export function addPoints(a: CurvePoint, b: CurvePoint): CurvePoint | undefined {
  const sum = Jacobian.fromAffine(a.x, a.y);
  if (a.equals(b)) jDouble(sum, sum);
  else jAddAffine(sum, sum, b.x, b.y);
  return toAffineBatch([sum])[0];
}
