import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "./random.js";
import {
  FIELD_ELEMENT_BYTES,
  fieldElementFromBytes,
  fieldElementToBytes,
  fieldElementToSecret,
  lagrangeAtZero,
  SHAMIR_PRIME,
  type ShamirShare,
  secretToFieldElement,
  shamirCombine,
  shamirSplit,
} from "./shamir.js";

const SEED = 20_201_109;
const xs = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}

describe("Shamir sharing over GF(2^521 − 1)", () => {
  const random = seededRandom("shamir");
  const secret = secretToFieldElement(random(32));

  it("uses the Mersenne prime 2^521 − 1, above 2^256", () => {
    expect(SHAMIR_PRIME).toBe(2n ** 521n - 1n);
    expect(SHAMIR_PRIME > 2n ** 256n).toBe(true);
  });

  it("reconstructs from every subset of t shares", () => {
    const shares = shamirSplit(secret, 3, xs(6), random);
    const all = subsets(shares, 3);
    expect(all).toHaveLength(20);
    for (const subset of all) expect(shamirCombine(subset, 3)).toBe(secret);
    for (const subset of subsets(shares, 4)) expect(shamirCombine(subset, 3)).toBe(secret);
  });

  it("refuses t − 1 shares, and interpolating t − 1 shares gives a wrong value", () => {
    const shares = shamirSplit(secret, 4, xs(7), random);
    expect(() => shamirCombine(shares.slice(0, 3), 4)).toThrow(InvalidInputError);
    for (const subset of subsets(shares, 3)) expect(shamirCombine(subset, 3)).not.toBe(secret);
  });

  it("t − 1 shares are consistent with any secret (a polynomial through them fits every f(0))", () => {
    const shares = shamirSplit(secret, 3, xs(5), random);
    const known = shares.slice(0, 2);
    for (const guess of [0n, 1n, secret + 1n, SHAMIR_PRIME - 1n]) {
      // The degree-2 polynomial through (0, guess) and the two known shares predicts a third share...
      const points: ShamirShare[] = [{ x: 0n, y: guess }, ...known];
      const at = (x: bigint) => {
        let y = 0n;
        for (const [i, p] of points.entries()) {
          let l = 1n;
          for (const [j, q] of points.entries()) {
            if (i !== j) l = (((l * (x - q.x)) % SHAMIR_PRIME) * inverse(p.x - q.x)) % SHAMIR_PRIME;
          }
          y = (y + p.y * l) % SHAMIR_PRIME;
        }
        return (y + SHAMIR_PRIME) % SHAMIR_PRIME;
      };
      const fake = { x: 3n, y: at(3n) };
      // ...and those three shares reconstruct `guess`: nothing in the two known shares rules it out.
      expect(shamirCombine([...known, fake], 3)).toBe(guess);
    }
  });

  it("produces field elements at the given abscissas, encoded in 66 bytes", () => {
    const shares = shamirSplit(secret, 5, [7n, 3n, 11n, 100n, 2n ** 32n - 1n], random);
    expect(shares.map((s) => s.x)).toEqual([7n, 3n, 11n, 100n, 2n ** 32n - 1n]);
    for (const share of shares) {
      expect(share.y >= 0n && share.y < SHAMIR_PRIME).toBe(true);
      const bytes = fieldElementToBytes(share.y);
      expect(bytes).toHaveLength(FIELD_ELEMENT_BYTES);
      expect(fieldElementFromBytes(bytes)).toBe(share.y);
    }
    // With t > 1 the shares are not the secret: at least most exceed 2^256.
    expect(shares.filter((s) => s.y >= 2n ** 256n).length).toBeGreaterThanOrEqual(4);
    expect(() => fieldElementFromBytes(fieldElementToBytes(SHAMIR_PRIME - 1n).map(() => 0xff))).toThrow(
      InvalidInputError,
    );
  });

  it("round-trips 32-byte secrets and rejects bad parameters", () => {
    const bytes = seededRandom("bytes")(32);
    expect(fieldElementToSecret(secretToFieldElement(bytes))).toEqual(bytes);
    expect(() => fieldElementToSecret(2n ** 256n)).toThrow(InvalidInputError);
    expect(() => shamirSplit(secret, 3, [1n, 2n], random)).toThrow(InvalidInputError);
    expect(() => shamirSplit(secret, 2, [1n, 1n, 2n], random)).toThrow(InvalidInputError);
    expect(() => shamirSplit(secret, 2, [0n, 1n], random)).toThrow(InvalidInputError);
    expect(() => shamirSplit(SHAMIR_PRIME, 2, [1n, 2n], random)).toThrow(InvalidInputError);
    expect(() => lagrangeAtZero([1n, 1n])).toThrow(InvalidInputError);
  });

  it("reconstructs from any t of n shares (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (value, t, extra, pick) => {
          const n = t + extra;
          const shares = shamirSplit(value, t, xs(n), seededRandom(`p${pick}`));
          const chosen = [...shares].sort((a, b) =>
            Number(((a.x * BigInt(pick + 1)) % 97n) - ((b.x * BigInt(pick + 1)) % 97n)),
          );
          expect(shamirCombine(chosen.slice(0, t), t)).toBe(value);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});

function inverse(a: bigint): bigint {
  const p = SHAMIR_PRIME;
  let [r0, r1] = [((a % p) + p) % p, p];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % p) + p) % p;
}
