import { describe, expect, it } from "vitest";
import { HARD_BRAKING_MPS2, TripRecorder } from "./trips.js";

describe("TripRecorder", () => {
  it("integrates distance and time, tracks top speed, counts each hard braking once, lists the cells", () => {
    const trip = new TripRecorder();
    expect(trip.summary()).toBeUndefined();
    // 10 s at 10 m/s, then a 1 s hard stop (two samples below the threshold: one braking), then 5 s at 20 m/s.
    let t = 0;
    for (; t < 10; t += 0.1) trip.push({ time: t, speed: 10, acceleration: 0, cell: "a" }, 1000);
    t += 0.1;
    trip.push({ time: t, speed: 5, acceleration: HARD_BRAKING_MPS2 - 1, cell: "a" });
    t += 0.1;
    trip.push({ time: t, speed: 0, acceleration: HARD_BRAKING_MPS2 - 2, cell: "a" });
    const resume = t;
    for (; t < resume + 5; t += 0.1) trip.push({ time: t, speed: 20, acceleration: 0.5, cell: "b" });
    trip.push({ time: t + 0.1, speed: 20, acceleration: HARD_BRAKING_MPS2, cell: "b" });
    const summary = trip.summary(20_000);
    expect(summary?.hardBrakings).toBe(2);
    expect(summary?.maxSpeedKmh).toBe(72);
    expect(summary?.distanceMetres).toBeGreaterThan(200);
    expect(summary?.distanceMetres).toBeLessThan(207);
    expect(summary?.durationSeconds).toBeCloseTo(15.3, 0);
    expect(summary?.cells).toEqual(["a", "b"]);
    expect(summary?.startedAt).toBe(new Date(1000).toISOString());
    trip.reset();
    expect(trip.summary()).toBeUndefined();
  });

  it("does not integrate over a gap (the vehicle was parked or replaced)", () => {
    const trip = new TripRecorder();
    trip.push({ time: 0, speed: 10, acceleration: 0, cell: null });
    trip.push({ time: 1, speed: 10, acceleration: 0, cell: null });
    trip.push({ time: 60, speed: 10, acceleration: 0, cell: null });
    expect(trip.summary()?.distanceMetres).toBe(10);
    expect(trip.summary()?.cells).toEqual([]);
  });
});
