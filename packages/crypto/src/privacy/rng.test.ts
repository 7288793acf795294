import { InvalidInputError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { createSeededRng, cryptoRng, type UniformRng } from "./rng.js";

/** |observed − expected| in standard errors of the mean. */
const zScore = (observed: number, expected: number, variance: number, n: number): number =>
  Math.abs(observed - expected) / Math.sqrt(variance / n);

describe("uniform RNGs", () => {
  it("seeded: the same seed gives the same integers, another seed others", () => {
    const a = createSeededRng("seed");
    const b = createSeededRng("seed");
    const c = createSeededRng("other seed");
    const seq = (rng: UniformRng) => Array.from({ length: 20 }, () => rng.uniformBelow(1_000_000n));
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
  });

  it("uniformBelow(7) is uniform (chi-squared) and uniformBelow(1) is 0", () => {
    const rng = createSeededRng("uniform-7");
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) {
      const x = Number(rng.uniformBelow(7n));
      counts[x] = (counts[x] ?? 0) + 1;
    }
    const statistic = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
    expect(statistic).toBeLessThan(22.46); // χ²_6 at p = 0.001
    expect(rng.uniformBelow(1n)).toBe(0n);
  });

  it("uniformBelow(n) for n beyond 64 bits stays below n and is uniform in its top bits", () => {
    const rng = createSeededRng("uniform-big");
    const n = 3n << 68n; // P[x ≥ 2^69] = 1/3
    let high = 0;
    for (let i = 0; i < 30_000; i++) {
      const x = rng.uniformBelow(n);
      expect(x >= 0n && x < n).toBe(true);
      if (x >= 1n << 69n) high++;
    }
    expect(zScore(high / 30_000, 1 / 3, (1 / 3) * (2 / 3), 30_000)).toBeLessThan(5);
  });

  it("cryptoRng draws in range, for small and large n", () => {
    for (const n of [2n, 7n, 0xffffffffn, 0x100000000n, (1n << 200n) + 3n]) {
      for (let i = 0; i < 200; i++) {
        const x = cryptoRng.uniformBelow(n);
        expect(x >= 0n && x < n).toBe(true);
      }
    }
  });

  it("rejects n < 1", () => {
    expect(() => cryptoRng.uniformBelow(0n)).toThrow(InvalidInputError);
    expect(() => createSeededRng("x").uniformBelow(-5n)).toThrow("uniformBelow needs n ≥ 1, got -5.");
  });
});
