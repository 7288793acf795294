// Properties of PlausibilityChecker (plausibility.ts): any physically possible track passes, any jump beyond the
// speed bound fails without moving the reference, and memory stays bounded.
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { haversineMeters, PlausibilityChecker, type TimedPosition } from "./plausibility.js";

const T0 = 1_700_000_000_000;
const LAT0 = 487_000_000;
const LON0 = 23_000_000;
const UNITS_PER_METER = 1e7 / ((6_371_008.8 * Math.PI) / 180);

/** `from` moved `north`/`east` metres (flat-Earth step, exact enough over a few kilometres). */
const move = (from: { latitude: number; longitude: number }, north: number, east: number) => ({
  latitude: Math.round(from.latitude + north * UNITS_PER_METER),
  longitude: Math.round(from.longitude + (east * UNITS_PER_METER) / Math.cos((from.latitude / 1e7) * (Math.PI / 180))),
});

const step = fc.record({
  dt: fc.integer({ min: 0, max: 5_000 }),
  speed: fc.double({ min: 0, max: 66, noNaN: true }), // 5 % under the bound: room for the flat-Earth steps
  heading: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
  noiseN: fc.integer({ min: -15, max: 15 }),
  noiseE: fc.integer({ min: -15, max: 15 }),
});

describe("haversineMeters", () => {
  it("measures 0.001° of latitude as 111.2 m and is symmetric", () => {
    expect(haversineMeters(LAT0, LON0, LAT0 + 10_000, LON0)).toBeCloseTo(111.195, 2);
    fc.assert(
      fc.property(
        fc.integer({ min: -900_000_000, max: 900_000_000 }),
        fc.integer({ min: -1_800_000_000, max: 1_800_000_000 }),
        fc.integer({ min: -900_000_000, max: 900_000_000 }),
        fc.integer({ min: -1_800_000_000, max: 1_800_000_000 }),
        (a, b, c, d) => {
          const distance = haversineMeters(a, b, c, d);
          expect(distance).toBeGreaterThanOrEqual(0);
          expect(distance).toBeLessThanOrEqual(Math.PI * 6_371_008.8 + 1e-6);
          expect(haversineMeters(c, d, a, b)).toBeCloseTo(distance, 6);
        },
      ),
    );
  });
});

describe("PlausibilityChecker", () => {
  it("accepts every track a vehicle could drive, GNSS noise included", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        const checker = new PlausibilityChecker();
        let truth = { latitude: LAT0, longitude: LON0 };
        let time = T0;
        expect(checker.check("car", { ...truth, generationTime: time })).toEqual({ ok: true });
        for (const s of steps) {
          const metres = (s.speed * s.dt) / 1000;
          truth = move(truth, metres * Math.cos(s.heading), metres * Math.sin(s.heading));
          time += s.dt;
          const seen = move(truth, s.noiseN, s.noiseE);
          expect(checker.check("car", { ...seen, generationTime: time, speed: s.speed }, time)).toEqual({ ok: true });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses any jump beyond speed × time + tolerance, and the refusal does not move the reference", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 1.02, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        (dt, factor, heading) => {
          const checker = new PlausibilityChecker();
          const start = { latitude: LAT0, longitude: LON0 };
          expect(checker.check("car", { ...start, generationTime: T0 }).ok).toBe(true);
          const limit = (70 * dt) / 1000 + 50;
          const far = move(start, limit * factor * Math.cos(heading), limit * factor * Math.sin(heading));
          const verdict = checker.check("car", { ...far, generationTime: T0 + dt });
          expect(verdict.ok).toBe(false);
          // The reference is still the start: a message near it, at the same time, passes.
          expect(checker.check("car", { ...move(start, 10, 10), generationTime: T0 + dt }).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("says what was implausible", () => {
    const checker = new PlausibilityChecker();
    checker.check("car", { latitude: LAT0, longitude: LON0, generationTime: T0 });
    expect(checker.check("car", { latitude: LAT0 + 100_000, longitude: LON0, generationTime: T0 + 10_000 })).toEqual({
      ok: false,
      detail: "moved 1112 m in 10000 ms (111.2 m/s); at most 750 m is plausible (70 m/s plus 50 m tolerance)",
    });
    expect(checker.check("car", { latitude: LAT0, longitude: LON0, generationTime: T0, speed: 80 })).toEqual({
      ok: false,
      detail: "claimed speed 80 m/s exceeds 70 m/s",
    });
    expect(checker.check("car", { latitude: LAT0, longitude: LON0, generationTime: T0 - 5_000 })).toEqual({
      ok: false,
      detail: "generation time went back 5000 ms from the ticket's last message (tolerance 1000 ms)",
    });
    expect(checker.check("car", { latitude: 900_000_001, longitude: LON0, generationTime: T0 })).toEqual({
      ok: false,
      detail: "position (900000001, 23000000) is not a valid latitude/longitude in 1e-7°",
    });
  });

  it("refuses a claimed speed over the bound and accepts one under it, even on a first message", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 200, noNaN: true }), (speed) => {
        const checker = new PlausibilityChecker();
        const verdict = checker.check(`t`, { latitude: LAT0, longitude: LON0, generationTime: T0, speed });
        expect(verdict.ok).toBe(speed <= 70);
      }),
    );
    expect(new PlausibilityChecker().check("t", { latitude: 0, longitude: 0, generationTime: 0, speed: -1 }).ok).toBe(
      false,
    );
  });

  it("accepts a slightly older message (reordering) without replacing the newer position", () => {
    const checker = new PlausibilityChecker();
    const start = { latitude: LAT0, longitude: LON0 };
    checker.check("car", { ...start, generationTime: T0 });
    const ahead = move(start, 1_000, 0);
    expect(checker.check("car", { ...ahead, generationTime: T0 + 15_000 }).ok).toBe(true);
    // 800 ms older than the newest message and 40 m from it: accepted.
    expect(checker.check("car", { ...move(ahead, -40, 0), generationTime: T0 + 14_200 }).ok).toBe(true);
    // The reference is still `ahead` at T0 + 15 000: 100 m further 1 s later is fine, from the start it would not be.
    expect(checker.check("car", { ...move(ahead, 100, 0), generationTime: T0 + 16_000 }).ok).toBe(true);
  });

  it("recovers from a GNSS jump once enough time has passed to make it reachable", () => {
    const checker = new PlausibilityChecker();
    const start = { latitude: LAT0, longitude: LON0 };
    checker.check("car", { ...start, generationTime: T0 });
    const jumped = move(start, 10_000, 0);
    expect(checker.check("car", { ...jumped, generationTime: T0 + 1_000 }).ok).toBe(false);
    expect(checker.check("car", { ...jumped, generationTime: T0 + 100_000 }).ok).toBe(false);
    expect(checker.check("car", { ...jumped, generationTime: T0 + 143_000 }).ok).toBe(true);
  });

  it("seeds a track from a handover position, unless it already knows a newer one", () => {
    const checker = new PlausibilityChecker();
    const handover: TimedPosition = { latitude: LAT0, longitude: LON0, generationTime: T0 };
    checker.seed("car", handover);
    expect(checker.check("car", { ...move(handover, 5_000, 0), generationTime: T0 + 1_000 }).ok).toBe(false);
    expect(checker.check("car", { ...move(handover, 100, 0), generationTime: T0 + 1_000 }).ok).toBe(true);
    // An older seed does not overwrite what was seen since.
    checker.seed("car", { ...move(handover, 5_000, 0), generationTime: T0 - 1 });
    expect(checker.check("car", { ...move(handover, 150, 0), generationTime: T0 + 2_000 }).ok).toBe(true);
    expect(() => checker.seed("car", { latitude: Number.NaN, longitude: 0, generationTime: T0 })).toThrow(
      InvalidInputError,
    );
  });

  it("remembers at most maxTickets, forgets idle tickets, and treats a forgotten ticket as new", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 200 }), dt: fc.integer({ min: 0, max: 30_000 }) }), {
          minLength: 1,
          maxLength: 300,
        }),
        (stream) => {
          const checker = new PlausibilityChecker({ maxTickets: 50, idleMs: 60_000 });
          const lastSeen = new Map<number, number>();
          let now = T0;
          for (const { who, dt } of stream) {
            now += dt;
            checker.check(`t${who}`, { latitude: LAT0, longitude: LON0, generationTime: now }, now);
            lastSeen.set(who, now);
            const live = [...lastSeen.values()].filter((at) => at >= now - 60_000).length;
            expect(checker.size).toBeLessThanOrEqual(Math.min(50, live));
          }
        },
      ),
      { numRuns: 100 },
    );
    const checker = new PlausibilityChecker({ idleMs: 60_000 });
    checker.check("car", { latitude: LAT0, longitude: LON0, generationTime: T0 });
    // Idle for more than a minute, the ticket is forgotten: a far position is a first sighting again.
    const far = move({ latitude: LAT0, longitude: LON0 }, 50_000, 0);
    expect(checker.check("car", { ...far, generationTime: T0 + 61_000 }, T0 + 61_000).ok).toBe(true);
    expect(checker.size).toBe(1);
  });

  it("refuses a configuration without a speed bound", () => {
    expect(() => new PlausibilityChecker({ maxSpeedMps: 0 })).toThrow(
      "plausibility maxSpeedMps must be a positive number, got 0",
    );
  });
});
