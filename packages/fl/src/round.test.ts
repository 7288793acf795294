// Vehicles from elsewhere (the city simulator's fleet) join the platform's data in its feature space.
import { describe, expect, it } from "vitest";
import { prepareData } from "./evaluate.js";
import type { ObdTrace } from "./obd.js";
import { addVehicleTraces } from "./round.js";

/** A drive at 10 Hz: cruising with one hard stop, as the simulator's OBD recorder writes it. */
function drive(name: string, seconds: number): ObdTrace {
  const n = seconds * 10;
  const t = new Float64Array(n);
  const speedKmh = new Float64Array(n);
  const rpm = new Float64Array(n);
  const throttle = new Float64Array(n);
  const pedal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = i / 10;
    const s = i / 10;
    // 50 km/h, a hard stop between 60 and 62 s (−7 m/s²), then accelerating again.
    const v = s < 60 ? 50 : s < 62 ? Math.max(0, 50 - (s - 60) * 25) : Math.min(50, (s - 62) * 7);
    speedKmh[i] = v;
    rpm[i] = 800 + v * 30;
    throttle[i] = s >= 62 && v < 50 ? 40 : 15;
    pedal[i] = throttle[i]! * 0.8;
  }
  return { name, t, speedKmh, rpm, throttle, pedal };
}

describe("addVehicleTraces", () => {
  const base = () => prepareData([], { genTrainVehicles: 4, genEvalVehicles: 2, genDurationS: 120 });

  it("adds one standardised client per usable trace, in the platform data's feature space", () => {
    const data = base();
    const before = data.clients.length;
    const added = addVehicleTraces(data, [drive("sim:a", 180), drive("sim:b", 120)]);
    expect(added).toBe(2);
    expect(data.clients).toHaveLength(before + 2);
    expect(data.clientNames.slice(-2)).toEqual(["sim:a", "sim:b"]);
    const client = data.clients.at(-2)!;
    expect(client.d).toBe(data.clients[0]!.d);
    expect(client.n).toBeGreaterThan(10);
    // The hard stop is labelled abnormal in some window, cruising is not.
    const labels = Array.from(client.y);
    expect(labels).toContain(1);
    expect(labels).toContain(0);
    // Standardised with the platform's standardiser: the same raw trace added twice gives identical features.
    const again = base();
    addVehicleTraces(again, [drive("sim:a", 180)]);
    expect(Array.from(again.clients.at(-1)!.X)).toEqual(Array.from(client.X));
  });

  it("a trace too short for one window adds nothing", () => {
    const data = base();
    const before = data.clients.length;
    expect(addVehicleTraces(data, [drive("sim:short", 1)])).toBe(0);
    expect(data.clients).toHaveLength(before);
  });
});
