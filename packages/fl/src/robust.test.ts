import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clipL2, fedAvg, l2norm, multiKrum, trimmedMean } from "./robust.js";

const vec = (d: number) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d })
    .map((a) => Float64Array.from(a));
const SEED = 20240611;

describe("robust aggregation", () => {
  it("clipping bounds the norm and keeps direction", () => {
    fc.assert(
      fc.property(
        vec(6),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (v, c, s) => {
          const u = v.map((x) => x * s);
          const r = clipL2(u, c);
          expect(l2norm(r.vector)).toBeLessThanOrEqual(c + 1e-9);
          if (!r.clipped) expect(Array.from(r.vector)).toEqual(Array.from(u));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("Multi-Krum (m = n) and trimmed mean (β = 0) equal the mean without outliers", () => {
    fc.assert(
      fc.property(fc.array(vec(5), { minLength: 4, maxLength: 12 }), (us) => {
        const mean = fedAvg(us).vector;
        const k = multiKrum(us, 0, us.length);
        const t = trimmedMean(us, { beta: 0, normFactor: 0 });
        expect(k.dropped).toEqual([]);
        expect(t.dropped).toEqual([]);
        for (let j = 0; j < 5; j++) {
          expect(k.vector[j]).toBeCloseTo(mean[j]!, 9);
          expect(t.vector[j]).toBeCloseTo(mean[j]!, 9);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("drop planted outliers with a reason", () => {
    fc.assert(
      fc.property(
        fc.array(vec(8), { minLength: 7, maxLength: 12 }),
        fc.integer({ min: 1, max: 2 }),
        fc.double({ min: 20, max: 100, noNaN: true }),
        (honest, f, scale) => {
          const bad = honest.slice(0, f).map((h) => h.map((x) => x * -scale + scale));
          const all = [...honest, ...bad];
          const badIdx = bad.map((_, i) => honest.length + i);
          const k = multiKrum(all, f);
          for (const i of badIdx) expect(k.dropped.map((d) => d.index)).toContain(i);
          expect(k.dropped.every((d) => d.reason.startsWith("krum score"))).toBe(true);
          const t = trimmedMean(all, { beta: 0.2 });
          for (const i of badIdx) expect(t.dropped.map((d) => d.index)).toContain(i);
          // result stays inside the honest range
          for (let j = 0; j < 8; j++) {
            const col = honest.map((h) => h[j]!);
            expect(t.vector[j]!).toBeGreaterThanOrEqual(Math.min(...col) - 1e-9);
            expect(t.vector[j]!).toBeLessThanOrEqual(Math.max(...col) + 1e-9);
            expect(k.vector[j]!).toBeGreaterThanOrEqual(Math.min(...col) - 1e-9);
            expect(k.vector[j]!).toBeLessThanOrEqual(Math.max(...col) + 1e-9);
          }
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});
