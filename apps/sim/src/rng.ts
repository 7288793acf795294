// Seeded pseudo-random numbers for the simulator: every random choice (routes, drivers, departures) goes through
// one of these so that a run is reproducible from its seed. mulberry32 is a 32-bit generator by Tommy Ettinger
// (public domain); good enough for traffic, not for cryptography.

/** A function returning uniformly distributed numbers in [0, 1). */
export type Rng = () => number;

/** Deterministic generator: the same seed always gives the same sequence. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Uniform number in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}
