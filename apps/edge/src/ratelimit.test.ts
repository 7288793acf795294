// Properties of TicketRateLimiter and AdmissionControl (ratelimit.ts): the token-bucket bound holds over every
// interval of every time sequence, idle tickets are never refused, memory stays bounded, and the watermarks
// switch with hysteresis.
import { AssertionError, InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionControl, TicketRateLimiter } from "./ratelimit.js";

const T0 = 1_700_000_000_000;

describe("TicketRateLimiter", () => {
  it("grants at most burst + rate × elapsed over every interval, whatever the time sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 60 }),
        // Mostly forward steps, some backward (a clock that steps back must not grant extra).
        fc.array(fc.integer({ min: -200, max: 400 }), { minLength: 1, maxLength: 400 }),
        (rate, burst, steps) => {
          const limiter = new TicketRateLimiter({ ratePerSecond: rate, burst });
          let now = T0;
          const granted: number[] = [];
          for (const s of steps) {
            now += s;
            if (limiter.take("car", now)) granted.push(now);
          }
          // Every interval [granted[i], granted[j]] (times as the limiter saw them, so far as monotone clocks go):
          // j − i + 1 grants need burst + rate × span / 1000 tokens. Exact integer arithmetic (× 1000 both sides).
          for (let i = 0; i < granted.length; i++) {
            let high = granted[i]!;
            let low = granted[i]!;
            for (let j = i; j < granted.length; j++) {
              high = Math.max(high, granted[j]!);
              low = Math.min(low, granted[j]!);
              expect((j - i + 1) * 1000).toBeLessThanOrEqual(burst * 1000 + rate * (high - low));
            }
          }
          expect(granted.length).toBeGreaterThanOrEqual(Math.min(burst, steps.length > 0 ? 1 : 0));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("grants a whole burst at once, then exactly the rate", () => {
    const limiter = new TicketRateLimiter({ ratePerSecond: 20, burst: 40 });
    let granted = 0;
    for (let i = 0; i < 100; i++) if (limiter.take("car", T0)) granted++;
    expect(granted).toBe(40);
    // One second later, twenty more and not one over.
    granted = 0;
    for (let i = 0; i < 100; i++) if (limiter.take("car", T0 + 1_000)) granted++;
    expect(granted).toBe(20);
    // Other tickets have their own buckets.
    expect(limiter.take("other", T0 + 1_000)).toBe(true);
  });

  it("never refuses a ticket that sends no faster than the rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        (rate, extra) => {
          const limiter = new TicketRateLimiter({ ratePerSecond: rate, burst: 1 });
          let now = T0;
          for (const e of extra) {
            now += Math.ceil(1000 / rate) + e;
            expect(limiter.take("car", now)).toBe(true);
          }
        },
      ),
    );
  });

  it("keeps at most maxTickets buckets and drops only full ones, so the bound survives eviction", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 40 }), dt: fc.integer({ min: 0, max: 300 }) }), {
          minLength: 1,
          maxLength: 500,
        }),
        (stream) => {
          const limiter = new TicketRateLimiter({ ratePerSecond: 10, burst: 3, maxTickets: 8 });
          const grants = new Map<number, number[]>();
          let now = T0;
          for (const { who, dt } of stream) {
            now += dt;
            if (limiter.take(`t${who}`, now)) grants.set(who, [...(grants.get(who) ?? []), now]);
            expect(limiter.size).toBeLessThanOrEqual(8);
          }
          for (const times of grants.values())
            for (let i = 0; i < times.length; i++)
              for (let j = i; j < times.length; j++)
                expect((j - i + 1) * 1000).toBeLessThanOrEqual(3 * 1000 + 10 * (times[j]! - times[i]!));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses a new ticket while every bucket is still refilling, and admits it once one is full again", () => {
    const limiter = new TicketRateLimiter({ ratePerSecond: 10, burst: 2, maxTickets: 2 });
    expect(limiter.take("a", T0)).toBe(true);
    expect(limiter.take("b", T0)).toBe(true);
    expect(limiter.take("c", T0)).toBe(false);
    // After 100 ms "a" and "b" are back to 2 tokens, the same as no bucket: they make room.
    expect(limiter.take("c", T0 + 100)).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(2);
  });

  it("refuses invalid settings", () => {
    expect(() => new TicketRateLimiter({ ratePerSecond: 0 })).toThrow(InvalidInputError);
    expect(() => new TicketRateLimiter({ burst: 0.5 })).toThrow(
      "rate limiter burst must be a positive integer, got 0.5",
    );
  });
});

describe("AdmissionControl", () => {
  it("never exceeds high in flight and refuses from high until drained to low", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 30 })
          .chain((high) => fc.tuple(fc.constant(high), fc.integer({ min: 0, max: high - 1 }))),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }),
        ([high, low], ops) => {
          const control = new AdmissionControl({ high, low });
          let inFlight = 0;
          let refusing = false;
          for (const acquire of ops) {
            if (acquire) {
              const admitted = control.tryAcquire();
              // The model: refuse once high is reached, until in-flight has drained to low.
              expect(admitted).toBe(!refusing);
              if (admitted) inFlight++;
              if (inFlight >= high) refusing = true;
            } else if (inFlight > 0) {
              control.release();
              inFlight--;
              if (inFlight <= low) refusing = false;
            }
            expect(control.inFlight).toBe(inFlight);
            expect(control.inFlight).toBeLessThanOrEqual(high);
            expect(control.overloaded).toBe(refusing);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("decides from a count the caller keeps (tryEnter), with the same hysteresis", () => {
    const control = new AdmissionControl({ high: 10, low: 6 });
    expect(control.tryEnter(9)).toBe(true);
    expect(control.tryEnter(10)).toBe(false);
    expect(control.tryEnter(8)).toBe(false); // still above low
    expect(control.tryEnter(6)).toBe(true);
    expect(control.tryEnter(9)).toBe(true);
  });

  it("pins its misuse errors", () => {
    expect(() => new AdmissionControl({ high: 5, low: 5 })).toThrow(
      "admission control low watermark must be an integer in [0, high), got 5 with high 5",
    );
    expect(() => new AdmissionControl().release()).toThrow(AssertionError);
    expect(new AdmissionControl({ high: 100 }).low).toBe(75);
  });
});
