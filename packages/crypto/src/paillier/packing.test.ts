// Packing of fixed-point vectors: the layout, round trips of sums of up to N clipped vectors (property test, fixed
// seed), detection of out-of-range slots at decryption, and refusal of bad inputs.
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addVectors,
  decryptVector,
  encrypt,
  encryptVector,
  generateKeyPair,
  type Packing,
  type PaillierKeyPair,
  PaillierOverflowError,
  packingLayout,
  packVector,
  publicKeyFromN,
  RandomnessPool,
  unpackSum,
} from "./index.js";

let keys: PaillierKeyPair; // 512 bits: 510 usable plaintext bits
let pool: RandomnessPool;
const packing: Packing = { scale: 2 ** 10, maxAbs: 2, maxSummands: 8 };

beforeAll(async () => {
  keys = generateKeyPair(512);
  pool = new RandomnessPool(keys.publicKey, { batchSize: 16 });
  await pool.refill(64);
});

describe("layout", () => {
  it("test_packingLayout_typicalFlPacking", () => {
    const pk2048 = publicKeyFromN((1n << 2047n) + 1n);
    // Q = 65536, 2QN = 131072000 (27 bits) + guard = 28-bit slots; floor(2046 / 28) = 73.
    expect(packingLayout({ scale: 2 ** 16, maxAbs: 1, maxSummands: 1000 }, pk2048)).toEqual({
      bound: 65536n,
      slotBits: 28,
      slotsPerPlaintext: 73,
    });
    // Q = 2048, 2QN = 32768 (16 bits) + guard = 17; floor(510 / 17) = 30.
    expect(packingLayout(packing, keys.publicKey)).toEqual({ bound: 2048n, slotBits: 17, slotsPerPlaintext: 30 });
  });

  it("test_packVector_offsetEncodingInSlots", () => {
    const [m] = packVector(packing, keys.publicKey, new Float64Array([0, -2, 2, 0.5]));
    const slots = [0, 1, 2, 3].map((i) => (m! >> BigInt(17 * i)) & ((1n << 17n) - 1n));
    expect(slots).toEqual([2048n, 0n, 4096n, 2048n + 512n]);
    expect(m! >> (17n * 4n)).toBe(0n);
  });
});

describe("round trip (fast-check, fixed seed)", () => {
  it("testFuzz_decryptVector_sumOfUpToNClippedVectors", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const value = fc.double({ min: -packing.maxAbs, max: packing.maxAbs, noNaN: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70 }).chain((length) =>
          fc.array(fc.array(value, { minLength: length, maxLength: length }), {
            minLength: 1,
            maxLength: packing.maxSummands,
          }),
        ),
        (vectors) => {
          const length = vectors[0]!.length;
          const encrypted = vectors.map((v) => encryptVector(pk, packing, Float64Array.from(v), pool));
          const sum = decryptVector(sk, packing, addVectors(pk, encrypted), vectors.length, length);
          expect(sum.length).toBe(length);
          for (let i = 0; i < length; i++) {
            const exact = vectors.reduce((acc, v) => acc + v[i]!, 0);
            expect(Math.abs(sum[i]! - exact)).toBeLessThanOrEqual((vectors.length * 0.5) / packing.scale + 1e-12);
          }
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });

  it("test_decryptVector_extremeValuesAtFullCountDoNotCarry", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const max = new Float64Array(45).fill(packing.maxAbs);
    const min = new Float64Array(45).fill(-packing.maxAbs);
    const n = packing.maxSummands;
    const high = addVectors(
      pk,
      Array.from({ length: n }, () => encryptVector(pk, packing, max, pool)),
    );
    const low = addVectors(
      pk,
      Array.from({ length: n }, () => encryptVector(pk, packing, min, pool)),
    );
    expect(decryptVector(sk, packing, high, n, 45)).toEqual(new Float64Array(45).fill(n * packing.maxAbs));
    expect(decryptVector(sk, packing, low, n, 45)).toEqual(new Float64Array(45).fill(-n * packing.maxAbs));
  });
});

describe("overflow detection", () => {
  const { slotBits: w, bound: q } = { slotBits: 17n, bound: 2048n };
  const honest = () => encryptVector(keys.publicKey, packing, new Float64Array(30).fill(1), pool);

  const caught = (run: () => unknown): PaillierOverflowError => {
    try {
      run();
    } catch (error) {
      if (error instanceof PaillierOverflowError) return error;
      throw error;
    }
    throw new Error("expected a PaillierOverflowError");
  };

  it("test_decryptVector_slotAboveBoundIsNamed", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    // Slot 3 holds 2Q + 1: one more than a single contribution may hold.
    const forged = [encrypt(pk, (2n * q + 1n) << (3n * w))];
    const error = caught(() => decryptVector(sk, packing, forged, 1, 30));
    expect(error.reason).toBe("slot-above-bound");
    expect(error).toMatchObject({ ciphertextIndex: 0, slot: 3, valueIndex: 3 });
    expect(error.shortMessage).toBe(
      "Packed Paillier aggregate out of range (slot-above-bound) in slot 3 of ciphertext 0 (value 3).",
    );
    // Summed with honest contributions, a large enough forged slot still exceeds 2Q·count.
    const big = [encrypt(pk, (2n * q * 3n) << (7n * w))];
    const summed = addVectors(pk, [honest(), honest(), big]);
    expect(caught(() => decryptVector(sk, packing, summed, 3, 30))).toMatchObject({ slot: 7, valueIndex: 7 });
  });

  it("test_decryptVector_guardBitAndWrapAreDetected", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const guard = [encrypt(pk, 1n << (w - 1n + 5n * w))];
    expect(caught(() => decryptVector(sk, packing, guard, 1, 30))).toMatchObject({ reason: "guard-bit-set", slot: 5 });
    const above = [encrypt(pk, 1n << (30n * w))];
    expect(caught(() => decryptVector(sk, packing, above, 1, 30))).toMatchObject({
      reason: "bits-above-last-slot",
      ciphertextIndex: 0,
    });
    // A "negative" plaintext that borrows below zero wraps the sum modulo n: the top bits light up.
    const wrapped = addVectors(pk, [honest(), [encrypt(pk, pk.n - (4000n << (29n * w)))]]);
    expect(caught(() => decryptVector(sk, packing, wrapped, 2, 30)).reason).toBe("bits-above-last-slot");
  });

  it("test_decryptVector_inRangeForgeryIsNotDetectable", () => {
    // The limit of checks at decryption (see packing.ts): n − 1 subtracts 1 from slot 0 without a borrow, and the
    // result is still a valid-looking aggregate. Only per-contribution range proofs would catch this.
    const { publicKey: pk, privateKey: sk } = keys;
    const forged = addVectors(pk, [honest(), [encrypt(pk, pk.n - 1n)]]);
    const sum = decryptVector(sk, packing, forged, 2, 30);
    expect(sum[0]).toBe(1 - 2 - 1 / packing.scale);
  });

  it("test_decryptVector_moreThanNSummandsRefused", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const nine = addVectors(
      pk,
      Array.from({ length: 9 }, () => honest()),
    );
    expect(caught(() => decryptVector(sk, packing, nine, 9, 30))).toMatchObject({
      reason: "too-many-summands",
      slot: -1,
    });
    expect(() => unpackSum(packing, pk, [0n], 9, 30)).toThrow(PaillierOverflowError);
  });
});

describe("bad inputs", () => {
  it("test_packVector_rejectsOutOfRangeAndNonFinite", () => {
    const pk = keys.publicKey;
    expect(() => packVector(packing, pk, new Float64Array([0, 2.0001]))).toThrow(
      "Value 1 (2.0001) is outside the packing's range [−2, 2].",
    );
    expect(() => packVector(packing, pk, new Float64Array([Number.NaN]))).toThrow(/Value 0 \(NaN\)/);
    expect(() => packVector(packing, pk, new Float64Array([Number.NEGATIVE_INFINITY]))).toThrow(InvalidInputError);
  });

  it("test_packing_rejectsBadDescriptions", () => {
    const pk = keys.publicKey;
    expect(() => packingLayout({ ...packing, scale: 0 }, pk)).toThrow(/scale must be a positive finite/);
    expect(() => packingLayout({ ...packing, maxAbs: Number.NaN }, pk)).toThrow(/maxAbs must be/);
    expect(() => packingLayout({ ...packing, maxSummands: 1.5 }, pk)).toThrow(/maxSummands must be/);
    expect(() => packingLayout({ scale: 2 ** 42, maxAbs: 2 ** 12, maxSummands: 1 }, pk)).toThrow(/\[1, 2\^53\)/);
    expect(() =>
      packingLayout({ scale: 2 ** 50, maxAbs: 1, maxSummands: 2 ** 50 }, publicKeyFromN((1n << 511n) + 1n)),
    ).not.toThrow();
  });

  it("test_decryptVector_rejectsWrongShapesAndPools", () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const cts = encryptVector(pk, packing, new Float64Array(31), pool);
    expect(cts.length).toBe(2);
    expect(() => decryptVector(sk, packing, cts, 1, 29)).toThrow(/packs into 1 ciphertexts, got 2/);
    expect(() => decryptVector(sk, packing, cts, 0, 31)).toThrow(/count must be a positive integer/);
    expect(() => addVectors(pk, [cts, cts.slice(1)])).toThrow(/vector 1 has 1 ciphertexts/);
    const other = new RandomnessPool(publicKeyFromN(pk.n + 2n));
    expect(() => encryptVector(pk, packing, new Float64Array(1), other)).toThrow(/another public key/);
  });
});
