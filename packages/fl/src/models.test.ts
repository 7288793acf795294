import { describe, expect, it } from "vitest";
import { type Dataset, initParams, lossAndGrad, type ModelSpec, paramCount, predict, trainSgd } from "./models.js";
import { mulberry32 } from "./rng.js";

function toy(n: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const d = 4;
  const X = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = rng.normal();
    y[i] = X[i * d]! + 0.5 * X[i * d + 1]! > 0.3 ? 1 : 0;
  }
  return { X, y, n, d };
}

describe("models", () => {
  for (const kind of ["logreg", "mlp"] as const)
    it(`${kind} learns a separable toy problem`, () => {
      const spec: ModelSpec = { kind, d: 4, hidden: 8 };
      const train = toy(400, 1);
      const test = toy(200, 2);
      const p = trainSgd(spec, initParams(spec, 3), train, { epochs: 30, lr: 0.2, batch: 16, seed: 4 });
      const yh = predict(spec, p, test);
      let ok = 0;
      for (let i = 0; i < test.n; i++) ok += yh[i] === test.y[i] ? 1 : 0;
      expect(ok / test.n).toBeGreaterThan(0.93);
      expect(Array.from(trainSgd(spec, initParams(spec, 3), train, { epochs: 2, seed: 4 }))).toEqual(
        Array.from(trainSgd(spec, initParams(spec, 3), train, { epochs: 2, seed: 4 })),
      );
    });

  it("MLP gradient matches finite differences", () => {
    const spec: ModelSpec = { kind: "mlp", d: 4, hidden: 5 };
    const data = toy(20, 7);
    const p = initParams(spec, 9);
    const opts = { posWeight: 2.5, l2: 0.01 };
    const g = new Float64Array(paramCount(spec));
    lossAndGrad(spec, p, data, opts, g);
    const h = 1e-6;
    for (let j = 0; j < p.length; j++) {
      const q = Float64Array.from(p);
      q[j]! += h;
      const lp = lossAndGrad(spec, q, data, opts);
      q[j]! -= 2 * h;
      const lm = lossAndGrad(spec, q, data, opts);
      expect(g[j]!).toBeCloseTo((lp - lm) / (2 * h), 6);
    }
  });
});
