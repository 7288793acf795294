import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareData } from "./evaluate.js";
import { loadKitRecordings } from "./loader.js";
import {
  concatWindows,
  FEATURE_DIM,
  fitStandardizer,
  parseObdCsv,
  resampleTrace,
  standardize,
  windowize,
} from "./obd.js";

const DATA = join(import.meta.dirname, "../../../../shared/vectors/driving-obd2");

const CSV = [
  "Time,Engine Coolant Temperature [Â°C],Intake Manifold Absolute Pressure [kPa],Engine RPM [RPM],Vehicle Speed Sensor [km/h],Intake Air Temperature [Â°C],Air Flow Rate from Mass Flow Sensor [g/s],Absolute Throttle Position [%],Ambient Air Temperature [Â°C],Accelerator Pedal Position D [%],Accelerator Pedal Position E [%]",
  "07:00:41.000,31,,,,,,,,,",
  "07:00:41.100,31,97.0,800,,,,,,,",
  "07:00:41.200,31,97.0,,10,,,20,,5,",
  "07:00:41.300,31,97.0,900,,,,,,,",
  "07:00:41.400,31,97.0,,12,,,,,7,",
].join("\n");

describe("OBD parsing", () => {
  it("parses mojibake headers and forward-fills, dropping rows before every signal is known", () => {
    const tr = parseObdCsv(CSV, "inline");
    expect(Array.from(tr.t)).toEqual([0, expect.closeTo(0.1, 9), expect.closeTo(0.2, 9)]);
    expect(Array.from(tr.speedKmh)).toEqual([10, 10, 12]);
    expect(Array.from(tr.rpm)).toEqual([800, 900, 900]);
    expect(Array.from(tr.throttle)).toEqual([20, 20, 20]);
    expect(Array.from(tr.pedal)).toEqual([5, 5, 7]);
  });

  it("resamples with sample-and-hold and derives acceleration in m/s²", () => {
    const rows = [
      "Time,Engine RPM [RPM],Vehicle Speed Sensor [km/h],Absolute Throttle Position [%],Accelerator Pedal Position D [%]",
    ];
    for (let i = 0; i <= 100; i++)
      rows.push(`08:00:${String(Math.floor(i / 10)).padStart(2, "0")}.${i % 10}00,1500,${(i * 0.36).toFixed(2)},20,10`);
    const sig = resampleTrace(parseObdCsv(rows.join("\n")), { hz: 10 });
    expect(sig.speed.length).toBe(101);
    expect(sig.accel[50]).toBeCloseTo(1, 6); // 3.6 km/h per s = 1 m/s²
    expect(sig.jerk[50]).toBeCloseTo(0, 6);
    const w = windowize(sig);
    expect(w.n).toBe(8);
    expect(w.d).toBe(FEATURE_DIM);
    expect(w.flag.every((f) => f === "")).toBe(true);
  });

  it("flags logger dropouts", () => {
    const rows = [
      "Time,Engine RPM [RPM],Vehicle Speed Sensor [km/h],Absolute Throttle Position [%],Accelerator Pedal Position D [%]",
    ];
    for (let s = 0; s < 5; s++) rows.push(`08:00:0${s}.000,1500,50,20,10`);
    rows.push("08:00:09.000,1500,50,20,10");
    const w = windowize(resampleTrace(parseObdCsv(rows.join("\n"))));
    expect(w.flag.some((f) => f.startsWith("dropout"))).toBe(true);
  });
});

describe("real recordings", () => {
  const recs = loadKitRecordings(DATA);

  it("windows never cross recordings", () => {
    const sets = recs.slice(0, 2).map((r) => windowize(resampleTrace(r)));
    const all = concatWindows(sets);
    for (const s of sets) {
      const dur = resampleTrace(recs[sets.indexOf(s)]!).speed.length / 10;
      for (let i = 0; i < s.n; i++) expect(s.start[i]! + 3).toBeLessThanOrEqual(dur + 1e-9);
    }
    expect(all.n).toBe(sets[0]!.n + sets[1]!.n);
    expect(new Set(all.source).size).toBe(2);
  });

  it("splits by recording, flags the sensor glitch and standardises on training data only", () => {
    const data = prepareData(recs, { genTrainVehicles: 2, genEvalVehicles: 1, genDurationS: 60 });
    const train = new Set(data.split.train);
    expect(data.split.test.length).toBeGreaterThan(0);
    for (const t of data.split.test) expect(train.has(t)).toBe(false);
    for (const name of data.clientNames) if (name.startsWith("kit_")) expect(train.has(name.split("#")[0]!)).toBe(true);
    expect(data.flagged.some((f) => f.source.includes("Messfehler") && f.reason.startsWith("dropout"))).toBe(true);
    const z = fitStandardizer(concatWindows([windowize(resampleTrace(recs[0]!))]));
    const s = standardize(concatWindows([windowize(resampleTrace(recs[0]!))]), z);
    expect(Math.abs(s.X[0]!)).toBeLessThanOrEqual(8);
  });
});
