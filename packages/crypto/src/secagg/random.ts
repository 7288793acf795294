// Randomness for secure aggregation (Bonawitz et al., CCS 2017, §4: every client draws its key pairs, its
// self-mask seed b_i and its Shamir coefficients at random). The protocol code takes a `RandomSource`, so releases
// use the operating system's CSPRNG (`systemRandom`) and tests, benchmarks and reproducible simulations inject a
// seeded stream (`seededRandom`: AES-256-CTR keyed by SHA-256 of a label and the seed, so distinct seeds give
// independent-looking streams; it is a CSPRNG only as far as the seed is secret).

import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { InvalidInputError } from "@amc/utils";

/** A source of uniformly random bytes: `random(n)` returns n fresh bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** The operating system's CSPRNG (`crypto.randomBytes`). */
export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/**
 * A deterministic byte stream from `seed` (bytes, or a string taken as UTF-8), for tests and simulations:
 * AES-256-CTR with key SHA-256("amc/secagg/v1/random" ‖ 0x00 ‖ seed) and a zero IV, read sequentially.
 */
export function seededRandom(seed: Uint8Array | string): RandomSource {
  const seedBytes = typeof seed === "string" ? new TextEncoder().encode(seed) : seed;
  if (!(seedBytes instanceof Uint8Array))
    throw new InvalidInputError("seededRandom: the seed must be bytes or a string");
  const key = createHash("sha256")
    .update("amc/secagg/v1/random")
    .update(new Uint8Array([0]))
    .update(seedBytes)
    .digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  // Small draws come from a buffered block of the stream; large ones straight from the cipher. Either way the
  // bytes are the stream's, in order.
  let block = Buffer.alloc(0);
  let offset = 0;
  return (length) => {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new InvalidInputError(`seededRandom: cannot draw ${length} bytes`);
    }
    const out = new Uint8Array(length);
    const filled = Math.min(length, block.length - offset);
    out.set(block.subarray(offset, offset + filled));
    offset += filled;
    if (filled < length) {
      if (length - filled >= 1024) {
        out.set(cipher.update(Buffer.alloc(length - filled)), filled);
      } else {
        block = cipher.update(Buffer.alloc(4096));
        out.set(block.subarray(0, length - filled), filled);
        offset = length - filled;
      }
    }
    return out;
  };
}

/** A uniform integer in [0, n) for 1 ≤ n ≤ 2^32, by rejection sampling on 32-bit words of `random`. */
export function uniformBelow(random: RandomSource, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) throw new InvalidInputError(`uniformBelow: bad bound ${n}`);
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const bytes = random(4);
    const word = ((bytes[0] ?? 0) * 2 ** 24 + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0)) >>> 0;
    if (word < limit) return word % n;
  }
}
