import { parseObdCsv } from "@amc/fl";
import { describe, expect, it } from "vitest";
import { loadSumoNetwork, resolveNetworkFile } from "./network.js";
import { engineRpm, formatClock, ObdRecorder, obdSample, powerDemand } from "./signals.js";
import { BuiltinTraffic, type VehicleState } from "./traffic.js";

const state = (time: number, speed: number, acceleration = 0, id = "v"): VehicleState => ({
  id,
  lat: 52.3,
  lon: 13.6,
  x: 0,
  y: 0,
  speed,
  heading: 0,
  acceleration,
  edge: "e",
  time,
});

describe("ObdRecorder", () => {
  it("writes a CSV that parseObdCsv (@amc/fl) reads back with the same speeds", () => {
    const net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
    const engine = new BuiltinTraffic(net, { vehicles: 5, seed: 8 });
    const rec = new ObdRecorder();
    for (let k = 0; k < 600; k++) for (const s of engine.stepSync()) rec.push(s);
    for (const id of ["veh0", "veh3"]) {
      const samples = rec.samples(id);
      expect(samples).toHaveLength(600);
      const trace = parseObdCsv(rec.toCsv(id), id);
      expect(trace.t.length).toBe(600);
      for (let i = 0; i < samples.length; i++) {
        expect(trace.speedKmh[i]).toBeCloseTo(samples[i]!.speedKmh, 2);
        expect(trace.t[i]).toBeCloseTo(samples[i]!.t - samples[0]!.t, 3);
        expect(Math.abs(trace.rpm[i]! - samples[i]!.rpm)).toBeLessThanOrEqual(0.5);
        expect(trace.throttle[i]).toBeCloseTo(samples[i]!.throttle, 2);
        expect(trace.pedal[i]).toBeCloseTo(samples[i]!.pedal, 2);
      }
    }
  });

  it("samples at 10 Hz, keeps a bounded history and restarts when time goes back", () => {
    const rec = new ObdRecorder(10);
    for (let k = 0; k <= 1000; k++) rec.push(state(k * 0.05, 10)); // 20 Hz input, 50 s
    const s = rec.samples("v");
    expect(s).toHaveLength(100);
    expect(s[s.length - 1]!.t).toBeCloseTo(50, 6);
    expect(s[1]!.t - s[0]!.t).toBeCloseTo(0.1, 6);
    rec.push(state(1, 5));
    expect(rec.samples("v")).toHaveLength(1);
    expect(rec.samples("unknown")).toEqual([]);
    expect(rec.toCsv("unknown").trim().split("\n")).toHaveLength(1);
  });

  it("derives plausible engine signals", () => {
    expect(engineRpm(0, 0)).toBe(800);
    const cruise = obdSample(state(0, 50 / 3.6));
    expect(cruise.rpm).toBeGreaterThan(1200);
    expect(cruise.rpm).toBeLessThan(2600);
    expect(obdSample(state(0, 120 / 3.6)).rpm).toBeLessThan(3500);
    // Harder acceleration → more throttle and pedal, later upshift.
    const hard = obdSample(state(0, 50 / 3.6, 2.8));
    expect(hard.throttle).toBeGreaterThan(cruise.throttle + 30);
    expect(hard.pedal).toBeGreaterThan(cruise.pedal + 30);
    expect(hard.rpm).toBeGreaterThan(cruise.rpm);
    // Braking: throttle closed (~15 % as on real sensors).
    const brake = obdSample(state(0, 50 / 3.6, -3));
    expect(brake.throttle).toBeCloseTo(14.9, 5);
    expect(powerDemand(0, 0)).toBe(0);
    expect(formatClock(3661.5)).toBe("01:01:01.500");
    expect(formatClock(86_400 + 1)).toBe("00:00:01.000");
  });
});
