// Load shedding of the RSU (DESIGN.md §5 pipeline; ACK statuses 13 `rate_limited` and 14 `overloaded` in
// docs/edge.md). Two independent guards, both pure and clocked by the caller:
// - `TicketRateLimiter`: a token bucket per authorization ticket, so that one vehicle (or one stolen key) cannot
//   take the RSU's verification capacity from the others. Tokens are counted in thousandths so that integer rates
//   and millisecond clocks give exact arithmetic: the bound "accepted <= burst + rate × elapsed" holds exactly.
// - `AdmissionControl`: a global in-flight limit with high/low watermarks (hysteresis, as in Node's stream
//   highWaterMark back-pressure): past `high` the RSU answers `overloaded` until the backlog drains to `low`, rather
//   than flapping at one threshold.

import { AssertionError, InvalidInputError } from "@amc/utils";

export type TicketRateLimiterConfig = {
  /** Sustained messages per second per ticket (default 20: CAM at 10 Hz plus DENM and platform traffic). */
  ratePerSecond?: number;
  /** Messages a ticket may send at once after being idle (default 40). */
  burst?: number;
  /** At most this many buckets are kept (default 100 000). */
  maxTickets?: number;
};

type Bucket = { units: number; at: number };

/** One token in bucket units: tokens are counted in thousandths so that rate × milliseconds stays an integer. */
const UNIT = 1000;

/**
 * A token bucket per ticket. Over any interval [t1, t2] a ticket is granted at most
 * `burst + ratePerSecond × (t2 − t1) / 1000` messages; a clock that steps back grants nothing extra.
 *
 * Memory: a bucket that has refilled completely is the same as no bucket, so such buckets are dropped (least
 * recently used first) without changing any decision. When `maxTickets` buckets are all still refilling, a ticket
 * without a bucket is refused (fail closed) rather than evicting a partly drained bucket, which would hand that
 * ticket a fresh burst; with the defaults that takes 100 000 tickets active within two seconds.
 *
 * @example
 * const limiter = new TicketRateLimiter();
 * if (!limiter.take(ticket, Date.now())) ack(seq, Status.rate_limited);
 */
export class TicketRateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxTickets: number;
  // Insertion order is recency order (delete and re-insert on every take), so full buckets gather at the front.
  readonly #buckets = new Map<string, Bucket>();

  constructor(config: TicketRateLimiterConfig = {}) {
    this.ratePerSecond = config.ratePerSecond ?? 20;
    this.burst = config.burst ?? 40;
    this.maxTickets = config.maxTickets ?? 100_000;
    if (!(Number.isFinite(this.ratePerSecond) && this.ratePerSecond > 0))
      throw new InvalidInputError(`rate limiter ratePerSecond must be a positive number, got ${this.ratePerSecond}`, {
        fix: "pass ratePerSecond > 0",
      });
    if (!Number.isSafeInteger(this.burst) || this.burst < 1)
      throw new InvalidInputError(`rate limiter burst must be a positive integer, got ${this.burst}`, {
        fix: "pass burst >= 1",
      });
    if (!Number.isSafeInteger(this.maxTickets) || this.maxTickets < 1)
      throw new InvalidInputError(`rate limiter maxTickets must be a positive integer, got ${this.maxTickets}`, {
        fix: "pass maxTickets >= 1",
      });
  }

  /** Number of buckets held. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes `cost` tokens (default 1) from `ticket`'s bucket at time `now` (ms); false when it has too few. */
  take(ticket: string, now: number, cost = 1): boolean {
    if (!(Number.isFinite(cost) && cost > 0))
      throw new InvalidInputError(`rate limiter cost must be a positive number, got ${cost}`, { fix: "pass cost > 0" });
    const full = this.burst * UNIT;
    let bucket = this.#buckets.get(ticket);
    if (bucket === undefined) {
      this.#dropFull(now);
      if (this.#buckets.size >= this.maxTickets) return false;
      bucket = { units: full, at: now };
    } else {
      this.#buckets.delete(ticket);
      if (now > bucket.at)
        bucket = { units: Math.min(full, bucket.units + this.ratePerSecond * (now - bucket.at)), at: now };
    }
    const granted = bucket.units >= cost * UNIT;
    if (granted) bucket = { units: bucket.units - cost * UNIT, at: bucket.at };
    this.#buckets.set(ticket, bucket);
    return granted;
  }

  /** Forgets a ticket's bucket (e.g. when the ticket is revoked or the vehicle leaves the cell). */
  forget(ticket: string): void {
    this.#buckets.delete(ticket);
  }

  #dropFull(now: number): void {
    const full = this.burst * UNIT;
    for (const [ticket, bucket] of this.#buckets) {
      if (bucket.units + this.ratePerSecond * Math.max(0, now - bucket.at) < full) break;
      this.#buckets.delete(ticket);
    }
  }
}

export type AdmissionControlConfig = {
  /** In-flight messages at which the RSU starts refusing (default 10 000). */
  high?: number;
  /** In-flight messages at which it accepts again (default 3/4 of high). */
  low?: number;
};

/**
 * Says when the RSU must answer `overloaded` instead of accepting more messages, from the number in flight
 * (received, not yet durably logged and acknowledged): once `high` are in flight it refuses until they drain to
 * `low`. Either it counts them (`tryAcquire` / `release`) or the caller does and asks `tryEnter(count)`; use one
 * style per instance.
 *
 * @example
 * if (!admission.tryAcquire()) return ack(seq, Status.overloaded);
 * try { await log.append(message); } finally { admission.release(); }
 */
export class AdmissionControl {
  readonly high: number;
  readonly low: number;
  #inFlight = 0;
  #overloaded = false;

  constructor(config: AdmissionControlConfig = {}) {
    this.high = config.high ?? 10_000;
    this.low = config.low ?? Math.floor((this.high * 3) / 4);
    if (!Number.isSafeInteger(this.high) || this.high < 1)
      throw new InvalidInputError(`admission control high watermark must be a positive integer, got ${this.high}`, {
        fix: "pass high >= 1",
      });
    if (!Number.isSafeInteger(this.low) || this.low < 0 || this.low >= this.high)
      throw new InvalidInputError(
        `admission control low watermark must be an integer in [0, high), got ${this.low} with high ${this.high}`,
        { fix: "pass 0 <= low < high" },
      );
  }

  /** Messages currently in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True while the RSU must refuse new messages: from reaching `high` until draining to `low`. */
  get overloaded(): boolean {
    return this.#overloaded;
  }

  /**
   * Decides on one message when the caller counts in-flight messages itself: `inFlight` is the count before this
   * message. Returns false (answer `overloaded`) from `high` until the count drains to `low`.
   */
  tryEnter(inFlight: number): boolean {
    if (inFlight >= this.high) this.#overloaded = true;
    else if (this.#overloaded && inFlight <= this.low) this.#overloaded = false;
    return !this.#overloaded;
  }

  /** Admits one message, counted here, and returns true; or returns false when overloaded (log nothing). */
  tryAcquire(): boolean {
    if (!this.tryEnter(this.#inFlight)) return false;
    this.#inFlight++;
    // Known at once, so that `overloaded` is right before the next message arrives.
    if (this.#inFlight >= this.high) this.#overloaded = true;
    return true;
  }

  /** Marks one message admitted by `tryAcquire` as done (logged and acknowledged, or failed). */
  release(): void {
    if (this.#inFlight === 0)
      throw new AssertionError("AdmissionControl.release() called with nothing in flight", {
        fix: "call release() exactly once per successful tryAcquire()",
      });
    this.#inFlight--;
    if (this.#overloaded && this.#inFlight <= this.low) this.#overloaded = false;
  }
}
