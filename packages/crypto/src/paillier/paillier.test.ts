// Paillier against paillier-bigint 3.4.3 (MIT; test oracle only) on the same keys: same r gives the same
// ciphertext, each side decrypts the other's, homomorphic operations agree; CRT decryption equals the textbook
// L(c^λ mod n²)·μ mod n; the precomputed path equals `encrypt`; the randomness pool and key serialisation.
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { PrivateKey, PublicKey } from "paillier-bigint";
import { beforeAll, describe, expect, it } from "vitest";
import { modPow } from "./arithmetic.js";
import {
  add,
  addAll,
  addPlain,
  decrypt,
  encrypt,
  encryptWithPrecomputed,
  generateKeyPair,
  multiplyPlain,
  type PaillierKeyPair,
  type PaillierPrivateKey,
  precomputeRandomness,
  privateKeyFromJson,
  privateKeyFromPrimes,
  privateKeyToJson,
  publicKeyFromJson,
  publicKeyFromN,
  publicKeyToJson,
  RandomnessPool,
  randomUnit,
} from "./index.js";

const oracleOf = (sk: PaillierPrivateKey) => {
  const pk = new PublicKey(sk.publicKey.n, sk.publicKey.n + 1n);
  return { pk, sk: new PrivateKey(sk.lambda, sk.mu, pk, sk.p, sk.q) };
};
const textbook = (sk: PaillierPrivateKey, c: bigint) => {
  const { n, nSquared } = sk.publicKey;
  return (((modPow(c, sk.lambda, nSquared) - 1n) / n) * sk.mu) % n;
};

let big: PaillierKeyPair; // 2048 bits
let small: PaillierKeyPair; // 512 bits, for property tests

beforeAll(() => {
  big = generateKeyPair(2048);
  small = generateKeyPair(512);
});

describe("keys", () => {
  it("test_generateKeyPair_hasRequestedSizeAndValidConstants", () => {
    const { publicKey: pk, privateKey: sk } = big;
    expect(pk.bits).toBe(2048);
    expect(sk.p).not.toBe(sk.q);
    expect(sk.p.toString(2).length).toBe(1024);
    expect(sk.q.toString(2).length).toBe(1024);
    expect(sk.p * sk.q).toBe(pk.n);
    expect((sk.q * sk.qInvModP) % sk.p).toBe(1n);
    expect((sk.lambda * sk.mu) % pk.n).toBe(1n);
  });

  it("test_json_roundTripsAndIsJsonSafe", () => {
    const pkJson = JSON.parse(JSON.stringify(publicKeyToJson(big.publicKey)));
    expect(publicKeyFromJson(pkJson)).toEqual(big.publicKey);
    const skJson = JSON.parse(JSON.stringify(privateKeyToJson(small.privateKey)));
    expect(privateKeyFromJson(skJson)).toEqual(small.privateKey);
  });

  it("test_keys_rejectBadInput", () => {
    expect(() => publicKeyFromN(small.publicKey.n + 1n)).toThrow(/positive odd bigint/);
    expect(() => publicKeyFromN(3n * 5n)).toThrow(/fewer than 512/);
    expect(() => publicKeyFromJson({ n: "0xzz" })).toThrow(InvalidInputError);
    expect(() => publicKeyFromJson(null)).toThrow(/must be an object/);
    expect(() => privateKeyFromPrimes(small.privateKey.p, small.privateKey.p)).toThrow(/must differ/);
    expect(() => privateKeyFromPrimes(small.privateKey.p, small.privateKey.q + 2n)).toThrow(/not prime/);
    expect(() => privateKeyFromJson({ p: "11" })).toThrow(/lowercase hex/);
    expect(() => generateKeyPair(1001)).toThrow(/even number of bits/);
    expect(() => generateKeyPair(256)).toThrow(InvalidInputError);
  });
});

describe("paillier-bigint oracle, 2048-bit key", () => {
  it("test_encrypt_sameRGivesOraclesCiphertext", () => {
    const oracle = oracleOf(big.privateKey);
    const { n } = big.publicKey;
    for (const m of [0n, 1n, 123456789n, n - 1n, randomUnit(big.publicKey)]) {
      const r = randomUnit(big.publicKey);
      const ours = encrypt(big.publicKey, m, r);
      expect(ours).toBe(oracle.pk.encrypt(m, r));
      expect(encryptWithPrecomputed(big.publicKey, m, precomputeRandomness(big.publicKey, r))).toBe(ours);
    }
  });

  it("test_decrypt_eachSideDecryptsTheOther", () => {
    const oracle = oracleOf(big.privateKey);
    const m1 = randomUnit(big.publicKey);
    const m2 = 42n;
    expect(decrypt(big.privateKey, oracle.pk.encrypt(m1))).toBe(m1);
    expect(oracle.sk.decrypt(encrypt(big.publicKey, m2))).toBe(m2);
    const c = encrypt(big.publicKey, m1);
    expect(decrypt(big.privateKey, c)).toBe(textbook(big.privateKey, c));
  });

  it("test_homomorphicOps_agreeWithOracle", () => {
    const { publicKey: pk, privateKey: sk } = big;
    const oracle = oracleOf(sk);
    const [a, b] = [randomUnit(pk), 987654321n];
    const [ca, cb] = [encrypt(pk, a), oracle.pk.encrypt(b)];
    expect(add(pk, ca, cb)).toBe(oracle.pk.addition(ca, cb));
    expect(decrypt(sk, add(pk, ca, cb))).toBe((a + b) % pk.n);
    expect(addAll(pk, [ca, cb, ca])).toBe(oracle.pk.addition(ca, cb, ca));
    expect(addPlain(pk, ca, 5n)).toBe(oracle.pk.plaintextAddition(ca, 5n));
    expect(multiplyPlain(pk, cb, 1000n)).toBe(oracle.pk.multiply(cb, 1000n));
    expect(oracle.sk.decrypt(multiplyPlain(pk, cb, 1000n))).toBe(b * 1000n);
    expect(decrypt(sk, addPlain(pk, cb, -b))).toBe(0n);
  });
});

describe("properties, 512-bit key (fast-check, fixed seed)", () => {
  it("testFuzz_encryptDecrypt_matchesOracleAndTextbook", () => {
    const { publicKey: pk, privateKey: sk } = small;
    const oracle = oracleOf(sk);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: pk.n - 1n }), fc.bigInt({ min: 0n, max: pk.n - 1n }), (m, k) => {
        const r = randomUnit(pk);
        const c = encrypt(pk, m, r);
        expect(c).toBe(oracle.pk.encrypt(m, r));
        expect(decrypt(sk, c)).toBe(m);
        expect(decrypt(sk, c)).toBe(textbook(sk, c));
        expect(oracle.sk.decrypt(c)).toBe(m);
        expect(decrypt(sk, add(pk, c, encrypt(pk, k)))).toBe((m + k) % pk.n);
        expect(decrypt(sk, multiplyPlain(pk, c, k))).toBe((m * k) % pk.n);
        expect(decrypt(sk, addPlain(pk, c, k))).toBe((m + k) % pk.n);
      }),
      { seed: 20240601, numRuns: 60 },
    );
  });
});

describe("bad inputs", () => {
  it("test_encrypt_rejectsOutOfRangePlaintexts", () => {
    const pk = small.publicKey;
    expect(() => encrypt(pk, pk.n)).toThrow(/out of range: it must be in \[0, n\)/);
    expect(() => encrypt(pk, -1n)).toThrow(/negative value/);
    expect(() => encryptWithPrecomputed(pk, pk.n + 5n, 1n)).toThrow(InvalidInputError);
    expect(() => encryptWithPrecomputed(pk, 1n, 0n)).toThrow(/precomputed randomness/);
    expect(() => encrypt(pk, 1n, pk.n)).toThrow(/coprime/);
    expect(() => encrypt(pk, 1n, small.privateKey.p)).toThrow(/coprime/);
  });

  it("test_decryptAndAdd_rejectCiphertextsOutsideZn2", () => {
    const pk = small.publicKey;
    expect(() => decrypt(small.privateKey, 0n)).toThrow(/in \(0, n²\)/);
    expect(() => decrypt(small.privateKey, pk.nSquared)).toThrow(/in \(0, n²\)/);
    expect(() => add(pk, 1n, pk.nSquared + 1n)).toThrow(InvalidInputError);
    expect(() => decrypt(big.privateKey, encrypt(big.publicKey, 1n) * 0n)).toThrow(InvalidInputError);
  });
});

describe("RandomnessPool", () => {
  it("test_pool_refillTakeAndMisses", async () => {
    const { publicKey: pk, privateKey: sk } = small;
    const pool = new RandomnessPool(pk, { batchSize: 3 });
    await pool.refill(7);
    expect(pool.size).toBe(7);
    for (let i = 0; i < 9; i++) expect(decrypt(sk, encryptWithPrecomputed(pk, BigInt(i), pool.take()))).toBe(BigInt(i));
    expect(pool.stats()).toEqual({ size: 0, misses: 2, taken: 9, computed: 7, background: false });
  });

  it("test_pool_refillYieldsToEventLoop", async () => {
    const pool = new RandomnessPool(small.publicKey, { batchSize: 2 });
    const done = pool.refill(10);
    const interleaved: number[] = [];
    const watcher = (async () => {
      while (pool.size < 10) {
        interleaved.push(pool.size);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    await done;
    await watcher;
    // The watcher ran between batches: it saw intermediate sizes.
    expect(new Set(interleaved).size).toBeGreaterThan(2);
  });

  it("test_pool_backgroundRefillKeepsTargetUntilStop", async () => {
    const pool = new RandomnessPool(small.publicKey, { batchSize: 2 });
    await pool.startBackgroundRefill(6);
    expect(pool.size).toBe(6);
    expect(pool.stats().background).toBe(true);
    pool.take();
    pool.take();
    pool.take();
    await pool.startBackgroundRefill(6); // joins the run take() started
    expect(pool.size).toBe(6);
    await pool.stop();
    pool.take();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(pool.size).toBe(5);
    expect(pool.stats()).toMatchObject({ misses: 0, taken: 4, background: false });
  });

  it("test_pool_rejectsBadArguments", async () => {
    expect(() => new RandomnessPool(small.publicKey, { batchSize: 0 })).toThrow(/batchSize/);
    const pool = new RandomnessPool(small.publicKey);
    await expect(pool.refill(-1)).rejects.toThrow(/non-negative integer/);
    expect(() => pool.startBackgroundRefill(0)).toThrow(/positive integer/);
  });
});
