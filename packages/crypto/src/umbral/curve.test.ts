import { secp256k1 } from "@noble/curves/secp256k1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bigIntToLimbs,
  bytesToLimbs,
  canonicalLimbs,
  jsScratch,
  limbsToBigInt,
  limbsToBytes,
  wasm,
  withArena,
  writeLimbs,
} from "./arithmetic.js";
import { CurvePoint, G, jEquals, jEqualsAffine, mulMany, mulPoint, OddMultiples, toAffineBatch } from "./curve.js";
import { ecdsaSign, ecdsaVerify } from "./ecdsa.js";
import { LAMBDA, N, randomScalar, recodeOdd, splitGlv } from "./scalar.js";
import { sleb, uleb } from "./wasmEncoder.js";

// @noble/curves (BigInt, audited) is the reference for every field and group operation of the wasm backend.

const P = secp256k1.CURVE.Fp.ORDER;
const Point = secp256k1.ProjectivePoint;
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
const fieldValue = fc.bigInt({ min: 0n, max: P - 1n });
const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const SEED = 0x5eed;
const EDGE_FIELD = [0n, 1n, 2n, P - 1n, P - 2n, 2n ** 255n, 2n ** 256n - 2n ** 32n - 978n, 2n ** 26n - 1n, 2n ** 26n];
const EDGE_SCALARS = [1n, 2n, 3n, 31n, 32n, 33n, 64n, 2n ** 128n, 2n ** 128n + 1n, LAMBDA, N - LAMBDA, N - 2n, N - 1n];

const [A, B, O] = [jsScratch(70), jsScratch(71), jsScratch(72)];
const load = (address: number, value: bigint) => writeLimbs(address, bigIntToLimbs(value));
const read = (address: number) => limbsToBigInt(canonicalLimbs(address));
const toNoble = (point: CurvePoint) => Point.fromHex(point.toBytes());
const ours = (point: InstanceType<typeof Point>) => {
  const parsed = CurvePoint.fromBytes(point.toRawBytes(true));
  if (parsed === undefined) throw new Error("noble point did not parse");
  return parsed;
};

describe("wasm field arithmetic against BigInt", () => {
  it("multiplies, squares, adds and subtracts modulo p, edge values included", () => {
    const check = (a: bigint, b: bigint) => {
      load(A, a);
      load(B, b);
      wasm.mul(O, A, B);
      expect(read(O)).toBe(mod(a * b, P));
      wasm.sqr(O, A);
      expect(read(O)).toBe(mod(a * a, P));
      wasm.sub(O, A, B);
      expect(read(O)).toBe(mod(a - b, P));
      wasm.lin3r(O, A, 4, B, -8, A, 3);
      expect(read(O)).toBe(mod(7n * a - 8n * b, P));
    };
    for (const a of EDGE_FIELD) for (const b of EDGE_FIELD) check(a, b);
    fc.assert(fc.property(fieldValue, fieldValue, check), { seed: SEED, numRuns: 500 });
  });

  it("multiplies lazily added inputs (eight reduced elements summed) exactly", () => {
    fc.assert(
      fc.property(fieldValue, fieldValue, (a, b) => {
        load(A, P - 1n);
        for (let i = 0; i < 3; i++) wasm.add(A, A, A); // 8·(p − 1), limbs up to 2^29
        load(B, b);
        wasm.add(B, B, B);
        wasm.add(B, B, B); // 4b
        wasm.mul(O, A, B);
        expect(read(O)).toBe(mod(8n * (P - 1n) * 4n * b, P));
        load(A, a);
        wasm.scale(A, A, -8);
        wasm.sqr(O, A);
        expect(read(O)).toBe(mod(64n * a * a, P));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("inverts and takes square roots", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: P - 1n }), (a) => {
        load(A, a);
        wasm.inv(O, A);
        expect(mod(read(O) * a, P)).toBe(1n);
        load(A, mod(a * a, P));
        wasm.sqrt(O, A);
        const root = read(O);
        expect(root === a || root === P - a).toBe(true);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("converts between 26-bit limbs, bigints and big-endian bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const limbs = bytesToLimbs(bytes);
        expect(limbsToBigInt(limbs)).toBe(BigInt(`0x${Buffer.from(bytes).toString("hex")}`));
        const back = new Uint8Array(32);
        limbsToBytes(limbs, back, 0);
        expect(back).toEqual(bytes);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("reduces non-canonical representations (values ≥ p, negative limbs) to the canonical value", () => {
    for (const value of [P, P + 1n, 2n ** 256n - 1n, 2n ** 260n - 1n]) {
      writeLimbs(A, bigIntToLimbs(value));
      expect(read(A)).toBe(mod(value, P));
    }
    load(A, 5n);
    load(B, 7n);
    wasm.sub(O, A, B); // limbs −2, 0, …
    expect(read(O)).toBe(P - 2n);
  });
});

describe("wasm memory discipline", () => {
  it("refuses arena allocations outside withArena, and releases the arena when the body throws", () => {
    expect(() => G.mul(5n)).toThrow(/arena allocation outside withArena/);
    expect(() =>
      withArena(() => {
        G.mul(5n);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    withArena(() => expect(toAffineBatch([G.mul(5n)])[0]!.toBytes()).toEqual(Point.BASE.multiply(5n).toRawBytes(true)));
  });
});

describe("LEB128 encoding of the wasm encoder", () => {
  it("encodes unsigned and signed integers as the spec's examples", () => {
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0)).toEqual([0]);
    expect(sleb(-123456n)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63n)).toEqual([0x3f]);
    expect(sleb(64n)).toEqual([0xc0, 0x00]);
    expect(sleb(-64n)).toEqual([0x40]);
  });
});

describe("scalars: GLV split and regular recoding", () => {
  it("splits k into halves of at most 128 bits with k ≡ k1 + k2·λ (mod n)", () => {
    const check = (k: bigint) => {
      const { k1, k1neg, k2, k2neg } = splitGlv(k);
      expect(k1 <= 2n ** 128n && k2 <= 2n ** 128n).toBe(true);
      expect(mod((k1neg ? -k1 : k1) + (k2neg ? -k2 : k2) * LAMBDA, N)).toBe(k);
    };
    EDGE_SCALARS.forEach(check);
    fc.assert(fc.property(scalar, check), { seed: SEED, numRuns: 500 });
  });

  it("recodes odd scalars into non-zero odd digits that sum back to the scalar", () => {
    const check = (k: bigint, w: number, count: number) => {
      const digits = recodeOdd(k, w, count);
      let sum = 0n;
      for (let i = count - 1; i >= 0; i--) sum = sum * 2n ** BigInt(w) + BigInt(digits[i]!);
      expect(sum).toBe(k);
      for (const d of digits) expect(Math.abs(d) % 2 === 1 && Math.abs(d) < 2 ** w).toBe(true);
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 129n }), (k) => check(k | 1n, 5, 26)),
      { seed: SEED, numRuns: 300 },
    );
    fc.assert(
      fc.property(scalar, (k) => check(k | 1n, 6, 43)),
      { seed: SEED, numRuns: 300 },
    );
    expect(() => recodeOdd(2n, 5, 26)).toThrow(/odd scalar/);
  });
});

describe("curve points and scalar multiplication against @noble/curves", () => {
  it("parses and re-encodes compressed points, and rejects what is not one", () => {
    fc.assert(
      fc.property(scalar, (k) => {
        const point = Point.BASE.multiply(k);
        const parsed = ours(point);
        expect(parsed.toBytes()).toEqual(point.toRawBytes(true));
      }),
      { seed: SEED, numRuns: 100 },
    );
    const g = Point.BASE.toRawBytes(true);
    expect(CurvePoint.fromBytes(g.slice(0, 32))).toBeUndefined();
    expect(CurvePoint.fromBytes(Uint8Array.of(4, ...g.slice(1)))).toBeUndefined();
    const xIsP = new Uint8Array(33);
    xIsP[0] = 2;
    xIsP.set(Buffer.from(P.toString(16), "hex"), 1);
    expect(CurvePoint.fromBytes(xIsP)).toBeUndefined();
    const offCurve = Uint8Array.of(2, ...new Uint8Array(31), 5); // x = 5: 5³ + 7 = 132 is not a square mod p
    expect(CurvePoint.fromBytes(offCurve)).toBeUndefined();
  });

  it("multiplies G (fixed base) and arbitrary points (GLV, Strauss) like noble, edge scalars included", () => {
    withArena(() => {
      const check = (k: bigint, other: bigint, l: bigint) => {
        expect(toNoble(toAffineBatch([G.mul(k)])[0]!).equals(Point.BASE.multiply(k))).toBe(true);
        const q = Point.BASE.multiply(other);
        expect(toNoble(toAffineBatch([mulPoint(ours(q), k)])[0]!).equals(q.multiply(k))).toBe(true);
        const r = Point.BASE.multiply(l);
        const tables = OddMultiples.build([ours(q), ours(r)]);
        const sum = toAffineBatch([mulMany(tables, [k, l])])[0]!;
        expect(toNoble(sum).equals(q.multiply(k).add(r.multiply(l)))).toBe(true);
      };
      for (const k of EDGE_SCALARS) check(k, randomScalar(), randomScalar());
      fc.assert(fc.property(scalar, scalar, scalar, check), { seed: SEED, numRuns: 100 });
    });
  });

  it("compares Jacobian points without inverting, and treats Z = 0 (an exceptional addition's result) as no point", () => {
    withArena(() => {
      const k = randomScalar();
      const a = G.mul(k);
      const b = mulPoint(ours(Point.BASE), k);
      expect(jEquals(a, b)).toBe(true);
      expect(jEqualsAffine(a, toAffineBatch([b])[0]!)).toBe(true);
      expect(jEquals(a, G.mul(k === 1n ? 2n : k - 1n))).toBe(false);
      // P + P through the incomplete mixed addition collapses to Z = 0 …
      const q = ours(Point.BASE.multiply(k));
      const degenerate = G.mul(k); // the same point as q, in Jacobian coordinates
      const scratch = jsScratch(73);
      q.store(scratch);
      wasm.madd(degenerate.address, degenerate.address, scratch, scratch + 80, 0);
      // … which every comparison and normalisation treats as no point at all.
      expect(toAffineBatch([degenerate])[0]).toBeUndefined();
      expect(jEquals(degenerate, degenerate)).toBe(false);
      expect(jEqualsAffine(degenerate, q)).toBe(false);
    });
  });
});

describe("exceptional additions", () => {
  it("recomputes a product exactly when the fast path hits P + P or P − P, and reports true infinity", () => {
    withArena(() => {
      // Two copies of one point with scalars k and 1 − k: the digit sums cancel inside the Strauss loop and make
      // additions exceptional for many k; the result must still be exactly P.
      const point = ours(Point.BASE.multiply(randomScalar()));
      const [a, b] = OddMultiples.build([point, point]);
      for (let i = 0; i < 40; i++) {
        const k = randomScalar();
        const sum = toAffineBatch([mulMany([a!, b!], [k, mod(1n - k, N)])])[0];
        expect(sum?.equals(point)).toBe(true);
      }
      // k·P + (n − k)·P is the point at infinity: no point, not a wrong one.
      const k = randomScalar();
      expect(toAffineBatch([mulMany([a!, b!], [k, N - k])])[0]).toBeUndefined();
    });
  });
});

describe("ECDSA (k256's, as rust-umbral signs kfrags) against @noble/curves", () => {
  it("signs what noble verifies, verifies what noble signs, and rejects high s and wrong inputs", () => {
    fc.assert(
      fc.property(scalar, fc.uint8Array({ maxLength: 200 }), (d, message) =>
        withArena(() => {
          const publicKey = Point.BASE.multiply(d);
          const hash = new Uint8Array(secp256k1.CURVE.hash(message));
          const signature = ecdsaSign(message, d);
          expect(secp256k1.verify(signature, hash, publicKey.toRawBytes(true))).toBe(true);
          const theirs = secp256k1.sign(hash, d).toCompactRawBytes();
          expect(ecdsaVerify(theirs, message, ours(publicKey))).toBe(true);
          // The same signature with s → n − s is valid ECDSA, but k256 (and we) insist on low s.
          const s = BigInt(`0x${Buffer.from(theirs.slice(32)).toString("hex")}`);
          const high = Uint8Array.from([
            ...theirs.slice(0, 32),
            ...Buffer.from((N - s).toString(16).padStart(64, "0"), "hex"),
          ]);
          expect(ecdsaVerify(high, message, ours(publicKey))).toBe(false);
          expect(ecdsaVerify(theirs, Uint8Array.of(...message, 0), ours(publicKey))).toBe(false);
          expect(ecdsaVerify(theirs, message, ours(Point.BASE.multiply(d === 1n ? 2n : d - 1n)))).toBe(false);
        }),
      ),
      { seed: SEED, numRuns: 40 },
    );
  });
});
