import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareData, runExperiment } from "./evaluate.js";
import { loadKitRecordings } from "./loader.js";
import { FEATURE_DIM } from "./obd.js";

const DATA = join(import.meta.dirname, "../../../../shared/vectors/driving-obd2");

describe("end-to-end experiment", () => {
  it("robust aggregation holds F1 under 30 % scaled cells while FedAvg collapses", () => {
    const data = prepareData(loadKitRecordings(DATA), { genTrainVehicles: 10, genEvalVehicles: 4 });
    const base = { model: { kind: "logreg" as const, d: FEATURE_DIM }, rounds: 10, cells: 10, seed: 1 };
    const attack = { kind: "scale" as const, level: "cell" as const, fraction: 0.3 };
    const clean = runExperiment(data, { ...base, mode: "robust" });
    const robust = runExperiment(data, { ...base, mode: "robust", attack });
    const fedavg = runExperiment(data, { ...base, mode: "fedavg", attack });
    expect(robust.real.f1).toBeGreaterThan(clean.real.f1 - 0.05);
    expect(fedavg.real.f1).toBeLessThan(clean.real.f1 - 0.3);
    const dropped = new Set(robust.rounds.at(-1)!.dropped.map((d) => d.cell));
    for (const c of robust.maliciousCells) expect(dropped.has(c)).toBe(true);
  });
});
