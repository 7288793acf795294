// Uniform integers for the exact samplers. The samplers need nothing but `uniformBelow(n)` (Canonne, Kamath &
// Steinke 2020: every step is a uniform draw from {0, …, n − 1} and integer comparisons), so the RNG is an
// interface: releases use the operating system's CSPRNG (`cryptoRng`); tests and reproducible simulations inject
// a seeded one. Both draw exactly uniform integers by rejection, never by a biased `x mod n`.

import { createCipheriv, createHash, randomFillSync } from "node:crypto";
import { InvalidInputError } from "@amc/utils";

/** A source of uniform integers: `uniformBelow(n)` is uniform on {0, …, n − 1} for every n ≥ 1. */
export type UniformRng = { uniformBelow(n: bigint): bigint };

const TWO_32 = 2 ** 32;
const BUFFER_BYTES = 4096;

/** Uniform integers from a stream of random bytes, by rejection sampling. */
class ByteStreamRng implements UniformRng {
  readonly #refill: (buffer: Buffer) => void;
  readonly #buffer = Buffer.alloc(BUFFER_BYTES);
  #offset = BUFFER_BYTES;

  constructor(refill: (buffer: Buffer) => void) {
    this.#refill = refill;
  }

  #u32(): number {
    if (this.#offset + 4 > BUFFER_BYTES) {
      this.#refill(this.#buffer);
      this.#offset = 0;
    }
    const value = this.#buffer.readUInt32LE(this.#offset);
    this.#offset += 4;
    return value;
  }

  uniformBelow(n: bigint): bigint {
    if (n < 1n) throw new InvalidInputError(`uniformBelow needs n ≥ 1, got ${n}.`);
    if (n === 1n) return 0n;
    if (n <= 0xffffffffn) {
      // Accept u < limit, the largest multiple of m that fits in 32 bits: then u mod m is exactly uniform.
      const m = Number(n);
      const limit = TWO_32 - (TWO_32 % m);
      for (;;) {
        const u = this.#u32();
        if (u < limit) return BigInt(u % m);
      }
    }
    // Draw bitLength(n − 1) bits and reject values ≥ n: at most 2 tries expected.
    const bits = (n - 1n).toString(2).length;
    const words = Math.ceil(bits / 32);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(this.#u32());
      x &= mask;
      if (x < n) return x;
    }
  }
}

/** The operating system's CSPRNG (`crypto.randomFillSync`): the RNG for every real release. */
export const cryptoRng: UniformRng = new ByteStreamRng((buffer) => randomFillSync(buffer));

/**
 * A deterministic RNG: the ChaCha20 keystream under the key SHA-256(seed). The same seed gives the same
 * integers on every machine. For tests and reproducible simulations only: noise that anyone holding the seed can
 * recompute protects nobody, so never use it for a real release.
 *
 * @example
 * const rng = createSeededRng("test-1");
 * sampleDiscreteGaussian(4n, rng); // the same value on every run
 */
export function createSeededRng(seed: string | Uint8Array): UniformRng {
  const key = createHash("sha256").update(seed).digest();
  const keystream = createCipheriv("chacha20", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(BUFFER_BYTES);
  return new ByteStreamRng((buffer) => {
    keystream.update(zeros).copy(buffer);
  });
}
