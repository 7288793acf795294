import { describe, expect, it } from "vitest";
import { EVAL_FLEET_SEED, generateFleet, generateTrip, TRAIN_FLEET_SEED } from "./generator.js";
import { windowize } from "./obd.js";

describe("fleet generator", () => {
  it("is deterministic in the seed", () => {
    const a = generateFleet(TRAIN_FLEET_SEED, { vehicles: 3, durationS: 120 });
    const b = generateFleet(TRAIN_FLEET_SEED, { vehicles: 3, durationS: 120 });
    for (let i = 0; i < 3; i++) {
      expect(a[i]!.style).toBe(b[i]!.style);
      expect(Array.from(a[i]!.signals.speed)).toEqual(Array.from(b[i]!.signals.speed));
      expect(Array.from(a[i]!.signals.rpm)).toEqual(Array.from(b[i]!.signals.rpm));
    }
  });

  it("uses different data for training and evaluation seeds", () => {
    expect(TRAIN_FLEET_SEED).not.toBe(EVAL_FLEET_SEED);
    const a = generateFleet(TRAIN_FLEET_SEED, { vehicles: 2, durationS: 120 });
    const b = generateFleet(EVAL_FLEET_SEED, { vehicles: 2, durationS: 120 });
    expect(Array.from(a[0]!.signals.speed)).not.toEqual(Array.from(b[0]!.signals.speed));
  });

  it("produces plausible signals and more abnormal windows for aggressive than normal drivers", () => {
    const count = (style: "normal" | "aggressive" | "drowsy") => {
      let pos = 0;
      for (let s = 1; s <= 4; s++) {
        const t = generateTrip(s, { style, durationS: 600 });
        for (const v of t.signals.speed) expect(v * 3.6).toBeLessThan(260);
        for (const r of t.signals.rpm) expect(r).toBeGreaterThan(0);
        pos += windowize(t.signals).y.reduce((a, v) => a + v, 0);
      }
      return pos;
    };
    expect(count("aggressive")).toBeGreaterThan(count("normal"));
    expect(count("drowsy")).toBeGreaterThan(0);
  });
});
