// secp256k1 points and scalar multiplication, driving the WebAssembly arithmetic of arithmetic.ts.
//
// - Variable-base multiplication (`mulMany`, Strauss for several points at once): GLV split of each scalar into two
//   ~128-bit halves (λ·(x, y) = (β·x, y)), each recoded into 26 odd signed digits of 5 bits, over a table of the odd
//   multiples P, 3P, …, 31P. Every digit is non-zero, so the sequence of field operations is the same for every
//   scalar (125 doublings shared by all points, 54 additions per point); the parity fix-ups are always computed
//   and selected arithmetically. BigInt work on the scalar (split, recoding) and table indexing by digit are not
//   constant-time, as in @noble/curves.
// - Fixed-base multiplication (`FixedBase`, for G and Umbral's U): 43 windows of 6 bits, each with a table of its
//   32 odd multiples, built on first use (a few ms) in the persistent region; a multiplication is 42 mixed
//   additions and no doublings.
//
// Exceptional cases: the mixed and general additions are incomplete (P + P and P + (−P) are not handled). For
// honest inputs they occur with negligible probability (repeated points are merged first, see LinearCombination);
// for one point, whether they occur depends on the scalar alone (the group has prime order), so a chosen point
// cannot provoke them. An adversary choosing several points with known discrete-log relations, or a public scalar,
// can. An exceptional addition leaves Z = 0, and Z stays 0 through every later formula, so a product whose Z is 0
// is either the point at infinity or hit one: `mulMany` and `FixedBase.mul` then recompute it with @noble/curves'
// complete (BigInt, ~50x slower) arithmetic. Every product is therefore exact.
//
// Everything that touches wasm memory must run inside `withArena` (the public functions of this folder do).

import { AssertionError } from "@amc/utils";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  arenaAlloc,
  BETA_ELEMENT,
  bigIntToLimbs,
  bytesToLimbs,
  canonicalLimbs,
  copyElements,
  ELEMENT,
  type Fe,
  feEquals,
  feIsZero,
  jsScratch,
  limbsEqual,
  limbsToBigInt,
  limbsToBytes,
  persistentAlloc,
  wasm,
  writeLimbs,
} from "./arithmetic.js";
import { N, recodeOdd, splitGlv } from "./scalar.js";

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const ONE = bigIntToLimbs(1n);

/** A Jacobian point in wasm memory: X, Y, Z at address, address + 80, address + 160. */
export class Jacobian {
  readonly address: number;

  constructor(address: number = arenaAlloc(3)) {
    this.address = address;
  }

  get x(): Fe {
    return this.address;
  }

  get y(): Fe {
    return this.address + ELEMENT;
  }

  get z(): Fe {
    return this.address + 2 * ELEMENT;
  }
}

/** A point of the curve other than infinity: canonical affine limbs (JS-side) and its compressed encoding. */
export class CurvePoint {
  /** Canonical limbs of x and y (radix 2^26). */
  readonly x: Int32Array;
  readonly y: Int32Array;
  #compressed: Uint8Array | undefined;

  private constructor(x: Int32Array, y: Int32Array, compressed?: Uint8Array) {
    this.x = x;
    this.y = y;
    this.#compressed = compressed;
  }

  /** @internal From canonical limbs known to be a point of the curve. */
  static fromCanonical(x: Int32Array, y: Int32Array): CurvePoint {
    return new CurvePoint(x, y);
  }

  /** Parses a 33-byte SEC1 compressed point; undefined when it is not one or not on the curve. */
  static fromBytes(bytes: Uint8Array): CurvePoint | undefined {
    if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return undefined;
    const x = bytesToLimbs(bytes.subarray(1));
    if (limbsToBigInt(x) >= P) return undefined;
    // y² = x³ + 7; p ≡ 3 (mod 4), so a root is (x³ + 7)^((p+1)/4) when there is one.
    const [sx, rhs, root, check] = [jsScratch(0), jsScratch(1), jsScratch(2), jsScratch(3)];
    writeLimbs(sx, x);
    wasm.sqr(rhs, sx);
    wasm.mul(rhs, rhs, sx);
    writeLimbs(check, SEVEN);
    wasm.add(rhs, rhs, check);
    wasm.sqrt(root, rhs);
    wasm.sqr(check, root);
    if (!feEquals(check, rhs)) return undefined;
    let y = canonicalLimbs(root);
    if ((y[0]! & 1) !== (bytes[0] & 1)) {
      writeLimbs(check, ZERO);
      wasm.sub(root, check, root);
      y = canonicalLimbs(root);
    }
    return new CurvePoint(x, y, bytes.slice());
  }

  /** The 33-byte SEC1 compressed encoding (cached; do not modify the returned array). */
  compressed(): Uint8Array {
    if (this.#compressed === undefined) {
      const out = new Uint8Array(33);
      out[0] = 2 + (this.y[0]! & 1);
      limbsToBytes(this.x, out, 1);
      this.#compressed = out;
    }
    return this.#compressed;
  }

  /** A copy of the 33-byte SEC1 compressed encoding. */
  toBytes(): Uint8Array {
    return this.compressed().slice();
  }

  equals(other: CurvePoint): boolean {
    return limbsEqual(this.x, other.x) && limbsEqual(this.y, other.y);
  }

  /** Writes x and y to wasm memory at `target` and `target + 80`. */
  store(target: Fe): void {
    writeLimbs(target, this.x);
    writeLimbs(target + ELEMENT, this.y);
  }
}

const SEVEN = bigIntToLimbs(7n);
const ZERO = bigIntToLimbs(0n);

/** Affine points of Jacobian ones, with one field inversion for the whole batch; undefined where Z ≡ 0. */
export function toAffineBatch(points: readonly Jacobian[]): (CurvePoint | undefined)[] {
  const live = points.filter((p) => !feIsZero(p.z));
  const coordinates = arenaAlloc(2 * live.length);
  normalizeInto(
    live.map((p) => p.address),
    live.map((_, i) => coordinates + 2 * i * ELEMENT),
  );
  const affine = new Map(
    live.map((p, i) => {
      const x = coordinates + 2 * i * ELEMENT;
      return [p, CurvePoint.fromCanonical(canonicalLimbs(x), canonicalLimbs(x + ELEMENT))] as const;
    }),
  );
  return points.map((p) => affine.get(p));
}

/**
 * Writes the affine (x, y) of each Jacobian point (addresses, none degenerate) to targets[i] and targets[i] + 80,
 * with Montgomery's batch inversion: one field inversion and a few multiplications per point.
 */
function normalizeInto(points: readonly number[], targets: readonly Fe[]): void {
  const count = points.length;
  if (count === 0) return;
  const prefix = arenaAlloc(count);
  const z = (i: number) => points[i]! + 2 * ELEMENT;
  copyElements(prefix, z(0), 1);
  for (let i = 1; i < count; i++) wasm.mul(prefix + i * ELEMENT, prefix + (i - 1) * ELEMENT, z(i));
  const [inv, zInv, zInv2] = [jsScratch(10), jsScratch(11), jsScratch(12)];
  wasm.inv(inv, prefix + (count - 1) * ELEMENT);
  for (let i = count - 1; i >= 0; i--) {
    if (i > 0) {
      wasm.mul(zInv, inv, prefix + (i - 1) * ELEMENT);
      wasm.mul(inv, inv, z(i));
    } else copyElements(zInv, inv, 1);
    const out = targets[i]!;
    wasm.sqr(zInv2, zInv);
    wasm.mul(out, points[i]!, zInv2);
    wasm.mul(zInv2, zInv2, zInv);
    wasm.mul(out + ELEMENT, points[i]! + ELEMENT, zInv2);
  }
}

/** p (Jacobian) = q (affine), without an inversion: X = x·Z², Y = y·Z³. False when p is degenerate. */
export function jEqualsAffine(p: Jacobian, q: CurvePoint): boolean {
  if (feIsZero(p.z)) return false;
  const [zz, t, qx] = [jsScratch(20), jsScratch(21), jsScratch(22)];
  q.store(qx);
  wasm.sqr(zz, p.z);
  wasm.mul(t, qx, zz);
  if (!feEquals(t, p.x)) return false;
  wasm.mul(zz, zz, p.z);
  wasm.mul(t, qx + ELEMENT, zz);
  return feEquals(t, p.y);
}

/** p = q for two Jacobian points, by cross-multiplying; false when either is degenerate. */
export function jEquals(p: Jacobian, q: Jacobian): boolean {
  if (feIsZero(p.z) || feIsZero(q.z)) return false;
  const [pz2, qz2, a, b] = [jsScratch(20), jsScratch(21), jsScratch(22), jsScratch(23)];
  wasm.sqr(pz2, p.z);
  wasm.sqr(qz2, q.z);
  wasm.mul(a, p.x, qz2);
  wasm.mul(b, q.x, pz2);
  if (!feEquals(a, b)) return false;
  wasm.mul(pz2, pz2, p.z);
  wasm.mul(qz2, qz2, q.z);
  wasm.mul(a, p.y, qz2);
  wasm.mul(b, q.y, pz2);
  return feEquals(a, b);
}

/** x(p) mod n = r, as ECDSA verification needs, without an inversion: X = r·Z² or (r + n)·Z² when r + n < p. */
export function jXModNEquals(p: Jacobian, r: bigint): boolean {
  if (feIsZero(p.z)) return false;
  const [zz, t, rr] = [jsScratch(20), jsScratch(21), jsScratch(22)];
  wasm.sqr(zz, p.z);
  for (const candidate of r + N < P ? [r, r + N] : [r]) {
    writeLimbs(rr, bigIntToLimbs(candidate));
    wasm.mul(t, rr, zz);
    if (feEquals(t, p.x)) return true;
  }
  return false;
}

/** The affine x of a non-degenerate Jacobian point as a bigint (one inversion). */
export function affineXOf(p: Jacobian): bigint | undefined {
  const point = toAffineBatch([p])[0];
  return point === undefined ? undefined : limbsToBigInt(point.x);
}

// ---------------------------------------------------------------------------------------------------------------
// Variable-base multiplication.

const GLV_WINDOW = 5;
const GLV_DIGITS = 26; // 26 digits of 5 bits cover the ≤ 2^128 + 1 halves
const TABLE_SIZE = 1 << (GLV_WINDOW - 1); // odd multiples 1, 3, …, 31
const ENTRY = 3 * ELEMENT; // x, y, β·x

/** The odd multiples (2j + 1)·P, j < 16, of one point in wasm memory: x, y and β·x (for λ·P) per entry. */
export class OddMultiples {
  readonly point: CurvePoint;
  readonly address: number;

  private constructor(point: CurvePoint, address: number) {
    this.point = point;
    this.address = address;
  }

  /** Tables for several points with a single field inversion between them (in the arena, or persistent). */
  static build(points: readonly CurvePoint[], persistent = false): OddMultiples[] {
    const tables = points.map(
      (point) => new OddMultiples(point, persistent ? persistentAlloc(3 * TABLE_SIZE) : arenaAlloc(3 * TABLE_SIZE)),
    );
    const jacobians: number[] = [];
    const doubled = new Jacobian();
    points.forEach((point, t) => {
      const base = tables[t]!.address;
      point.store(base);
      copyElements(doubled.x, base, 2);
      writeLimbs(doubled.z, ONE);
      wasm.dbl(doubled.address, doubled.address);
      let previous = new Jacobian();
      wasm.madd(previous.address, doubled.address, base, base + ELEMENT, 0); // 3P
      jacobians.push(previous.address);
      for (let j = 2; j < TABLE_SIZE; j++) {
        const next = new Jacobian();
        wasm.jadd(next.address, previous.address, doubled.address);
        jacobians.push(next.address);
        previous = next;
      }
    });
    // Entries 1..15 of every table, normalised in one batch.
    normalizeInto(
      jacobians,
      tables.flatMap((table) => Array.from({ length: TABLE_SIZE - 1 }, (_, j) => table.address + (j + 1) * ENTRY)),
    );
    for (const table of tables) {
      for (let j = 0; j < TABLE_SIZE; j++) {
        const entry = table.address + j * ENTRY;
        wasm.mul(entry + 2 * ELEMENT, entry, BETA_ELEMENT);
      }
    }
    return tables;
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

/** acc += digit·base, base = P (half 1) or λP (half 2) of the table, negated when `negBase` is 1. */
function addDigit(acc: number, table: OddMultiples, half: 1 | 2, digit: number, negBase: number): void {
  const s = digit >> 31; // −1 for negative digits, else 0
  const entry = table.address + (((digit ^ s) - s - 1) >> 1) * ENTRY;
  wasm.madd(acc, acc, half === 1 ? entry : entry + 2 * ELEMENT, entry + ELEMENT, -s ^ negBase);
}

/** acc −= base when fix is 1, computing the subtraction either way and selecting without a branch. */
function subtractIf(acc: number, spare: number, table: OddMultiples, half: 1 | 2, negBase: number, fix: number): void {
  const entry = table.address;
  wasm.madd(spare, acc, half === 1 ? entry : entry + 2 * ELEMENT, entry + ELEMENT, 1 - negBase);
  wasm.jselect(acc, acc, spare, fix);
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
  const result = new Jacobian();
  const acc = result.address;
  // Start from the first half's top digit (always positive), then add everyone else's.
  const entry = first.table.address + ((first.digits1[top]! - 1) >> 1) * ENTRY;
  copyElements(acc, entry, 1);
  wasm.scale(acc + ELEMENT, entry + ELEMENT, 1 - 2 * first.neg1);
  writeLimbs(result.z, ONE);
  addDigit(acc, first.table, 2, first.digits2[top]!, first.neg2);
  for (let t = 1; t < terms.length; t++) {
    const term = terms[t]!;
    addDigit(acc, term.table, 1, term.digits1[top]!, term.neg1);
    addDigit(acc, term.table, 2, term.digits2[top]!, term.neg2);
  }
  for (let i = top - 1; i >= 0; i--) {
    for (let d = 0; d < GLV_WINDOW; d++) wasm.dbl(acc, acc);
    for (const term of terms) {
      addDigit(acc, term.table, 1, term.digits1[i]!, term.neg1);
      addDigit(acc, term.table, 2, term.digits2[i]!, term.neg2);
    }
  }
  const spare = arenaAlloc(3);
  for (const term of terms) {
    subtractIf(acc, spare, term.table, 1, term.neg1, term.fix1);
    subtractIf(acc, spare, term.table, 2, term.neg2, term.fix2);
  }
  if (feIsZero(result.z))
    completeInto(
      result,
      tables.map((table) => table.point),
      scalars,
    );
  return result;
}

/** Writes Σ k_i·P_i computed by @noble/curves (complete formulas) to `out`; Z = 0 when it is infinity. */
function completeInto(out: Jacobian, points: readonly CurvePoint[], scalars: readonly bigint[]): void {
  const Point = secp256k1.ProjectivePoint;
  let sum = Point.ZERO;
  points.forEach((point, i) => {
    sum = sum.add(Point.fromHex(point.compressed()).multiply(scalars[i]!));
  });
  if (sum.equals(Point.ZERO)) {
    writeLimbs(out.z, ZERO);
    return;
  }
  const { x, y } = sum.toAffine();
  writeLimbs(out.x, bigIntToLimbs(x));
  writeLimbs(out.y, bigIntToLimbs(y));
  writeLimbs(out.z, ONE);
}

/**
 * Σ k_i·P_i over points that may repeat, with the tables built once for several sums. Equal points are merged
 * (their scalars added) before the Strauss loop: two copies of one point can cancel each other's digit sums and
 * make an addition exceptional (then `mulMany` falls back to slow complete arithmetic), and honest inputs do
 * repeat points: with threshold 1, every cfrag carries the same E1 and V1.
 */
export class LinearCombination {
  readonly #tables: OddMultiples[];
  readonly #slot: number[];

  constructor(points: readonly CurvePoint[]) {
    const unique: CurvePoint[] = [];
    this.#slot = points.map((point) => {
      const found = unique.findIndex((other) => other.equals(point));
      return found >= 0 ? found : unique.push(point) - 1;
    });
    this.#tables = OddMultiples.build(unique);
  }

  /** Σ scalars[i]·points[i] (scalars mod n, zero allowed); undefined when it is the point at infinity. */
  sum(scalars: readonly bigint[]): Jacobian | undefined {
    const merged = this.#tables.map(() => 0n);
    this.#slot.forEach((slot, i) => {
      merged[slot] = (merged[slot]! + (scalars[i] ?? 0n)) % N;
    });
    const live = merged.flatMap((k, slot) => (k === 0n ? [] : [{ table: this.#tables[slot]!, k }]));
    if (live.length === 0) return undefined;
    return mulMany(
      live.map(({ table }) => table),
      live.map(({ k }) => k),
    );
  }
}

/** Multiplies an arbitrary point by one scalar (a `mulMany` of one term). */
export function mulPoint(point: CurvePoint, k: bigint): Jacobian {
  return mulMany(OddMultiples.build([point]), [k]);
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed-base multiplication.

const FIXED_WINDOW = 6;
const FIXED_DIGITS = 43; // 43 digits of 6 bits cover scalars < 2^258
const FIXED_TABLE = 1 << (FIXED_WINDOW - 1);
const FIXED_ENTRY = 2 * ELEMENT;

/** Precomputed windows for multiplying one fixed point: entry (i, j) = (2j + 1)·2^(6i)·B, affine. */
export class FixedBase {
  readonly point: CurvePoint;
  #table: number | undefined;
  #odd: OddMultiples | undefined;

  constructor(point: CurvePoint) {
    this.point = point;
  }

  /** The point's odd multiples for `mulMany`, built once. */
  get oddMultiples(): OddMultiples {
    this.#odd ??= OddMultiples.build([this.point], true)[0]!;
    return this.#odd;
  }

  #windows(): number {
    if (this.#table === undefined) {
      const table = persistentAlloc(2 * FIXED_DIGITS * FIXED_TABLE);
      const jacobians: number[] = [];
      const base = new Jacobian();
      this.point.store(base.x);
      writeLimbs(base.z, ONE);
      const doubled = new Jacobian();
      for (let i = 0; i < FIXED_DIGITS; i++) {
        wasm.dbl(doubled.address, base.address);
        let current = new Jacobian();
        copyElements(current.address, base.address, 3);
        jacobians.push(current.address);
        for (let j = 1; j < FIXED_TABLE; j++) {
          const next = new Jacobian();
          wasm.jadd(next.address, current.address, doubled.address);
          jacobians.push(next.address);
          current = next;
        }
        for (let d = 0; d < FIXED_WINDOW; d++) wasm.dbl(base.address, base.address);
      }
      normalizeInto(
        jacobians,
        jacobians.map((_, i) => table + i * FIXED_ENTRY),
      );
      this.#table = table;
    }
    return this.#table;
  }

  /** k·B for k in [1, n). Even k is computed as −((n − k)·B), so the recoding always sees an odd scalar. */
  mul(k: bigint): Jacobian {
    if (k <= 0n || k >= N) throw new AssertionError("FixedBase.mul: scalar out of range");
    const table = this.#windows();
    const flip = Number(1n - (k & 1n));
    const digits = recodeOdd(flip ? N - k : k, FIXED_WINDOW, FIXED_DIGITS);
    const result = new Jacobian();
    const acc = result.address;
    // Low window first: the partial sum stays below the next window's term, so no addition is exceptional.
    const first = digits[0]!;
    const s0 = first >> 31;
    const entry0 = table + (((first ^ s0) - s0 - 1) >> 1) * FIXED_ENTRY;
    copyElements(acc, entry0, 1);
    wasm.scale(acc + ELEMENT, entry0 + ELEMENT, 1 + 2 * s0);
    writeLimbs(result.z, ONE);
    for (let i = 1; i < FIXED_DIGITS; i++) {
      const digit = digits[i]!;
      const s = digit >> 31;
      const entry = table + (i * FIXED_TABLE + (((digit ^ s) - s - 1) >> 1)) * FIXED_ENTRY;
      wasm.madd(acc, acc, entry, entry + ELEMENT, -s);
    }
    wasm.scale(result.y, result.y, 1 - 2 * flip);
    if (feIsZero(result.z)) completeInto(result, [this.point], [k]);
    return result;
  }
}

const G_X = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const G_Y = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** The generator G with its fixed-base tables. */
export const G = new FixedBase(CurvePoint.fromCanonical(bigIntToLimbs(G_X), bigIntToLimbs(G_Y)));

/** a + b for affine points, complete: undefined when b = −a (the sum is the point at infinity). */
export function addPoints(a: CurvePoint, b: CurvePoint): CurvePoint | undefined {
  const sum = new Jacobian();
  a.store(sum.x);
  writeLimbs(sum.z, ONE);
  if (a.equals(b)) wasm.dbl(sum.address, sum.address);
  else {
    const q = arenaAlloc(2);
    b.store(q);
    wasm.madd(sum.address, sum.address, q, q + ELEMENT, 0);
  }
  return toAffineBatch([sum])[0];
}
