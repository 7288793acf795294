// A pool of precomputed Paillier randomness r^n mod n² (see paillier.ts): the exponentiation that dominates an
// encryption is done ahead of time, in small batches that yield to the event loop between them (setImmediate), so
// that an encryption on the hot path costs one modular multiplication. This is the "offline/online" split that
// Paillier's scheme allows because r^n does not depend on the message. Pure computation: no I/O, no timers other
// than setImmediate between batches.

import { InvalidInputError } from "@amc/utils";
import type { PaillierPublicKey } from "./keys.js";
import { precomputeRandomness } from "./paillier.js";

export type RandomnessPoolOptions = {
  /** Values computed between two yields to the event loop (default 4: ~0.2 s at 2048 bits). */
  batchSize?: number;
};

export type RandomnessPoolStats = {
  /** Values ready now. */
  size: number;
  /** take() calls that found the pool empty and computed a value on the spot. */
  misses: number;
  /** take() calls in total. */
  taken: number;
  /** Values computed by refills (not counting misses). */
  computed: number;
  /** Whether a background refill target is set. */
  background: boolean;
};

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Precomputed r^n mod n² values for one public key. `take()` is synchronous; `refill()` and the background refill
 * compute in batches of `batchSize`, yielding between batches.
 * @example
 * const pool = new RandomnessPool(pk);
 * await pool.refill(100);
 * const c = encryptWithPrecomputed(pk, m, pool.take());
 */
export class RandomnessPool {
  readonly publicKey: PaillierPublicKey;
  readonly batchSize: number;
  readonly #values: bigint[] = [];
  #misses = 0;
  #taken = 0;
  #computed = 0;
  #target = 0;
  #running: Promise<void> | undefined;

  constructor(publicKey: PaillierPublicKey, options: RandomnessPoolOptions = {}) {
    const batchSize = options.batchSize ?? 4;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new InvalidInputError(`RandomnessPool batchSize must be a positive integer, got ${batchSize}.`);
    }
    this.publicKey = publicKey;
    this.batchSize = batchSize;
  }

  /** Values ready now. */
  get size(): number {
    return this.#values.length;
  }

  /** One precomputed r^n mod n², removed from the pool; computed on the spot (a miss) when the pool is empty. */
  take(): bigint {
    this.#taken++;
    const value = this.#values.pop();
    if (this.#target > 0 && this.#running === undefined && this.#values.length < this.#target) this.#kick();
    if (value !== undefined) return value;
    this.#misses++;
    return precomputeRandomness(this.publicKey);
  }

  /** Adds `count` values, `batchSize` at a time with a yield to the event loop before each batch. */
  async refill(count: number): Promise<void> {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new InvalidInputError(`RandomnessPool.refill count must be a non-negative integer, got ${count}.`);
    }
    let left = count;
    while (left > 0) {
      await yieldToEventLoop();
      const batch = Math.min(left, this.batchSize);
      for (let i = 0; i < batch; i++) this.#values.push(precomputeRandomness(this.publicKey));
      this.#computed += batch;
      left -= batch;
    }
  }

  /**
   * Keeps the pool topped up to `target` values in the background (batches yielding to the event loop) until
   * `stop()`. Returns the promise of the current refill run, for tests and shutdown.
   */
  startBackgroundRefill(target: number): Promise<void> {
    if (!Number.isSafeInteger(target) || target < 1) {
      throw new InvalidInputError(`RandomnessPool background target must be a positive integer, got ${target}.`);
    }
    this.#target = target;
    return this.#running ?? this.#kick();
  }

  /** Stops the background refill after the batch in progress; resolves when it has stopped. */
  async stop(): Promise<void> {
    this.#target = 0;
    await this.#running;
  }

  /** Counters for monitoring: size, misses, takes, values computed by refills. */
  stats(): RandomnessPoolStats {
    return {
      size: this.#values.length,
      misses: this.#misses,
      taken: this.#taken,
      computed: this.#computed,
      background: this.#target > 0,
    };
  }

  #kick(): Promise<void> {
    const run = (async () => {
      while (this.#target > 0 && this.#values.length < this.#target) {
        await this.refill(Math.min(this.batchSize, this.#target - this.#values.length));
      }
    })().finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}
