// Linear scales and "nice" tick values for the inline SVG charts, pure so they are tested under node.

/** Maps `domain` linearly onto `range`; a zero-width domain maps everything to the range's middle. */
export function scaleLinear(domain: readonly [number, number], range: readonly [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return (_v: number) => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v: number) => r0 + (v - d0) * k;
}

/**
 * About `count` round tick values (1, 2 or 5 × 10^n apart) covering [min, max], both included when they fall on a
 * step. Empty for an empty or invalid interval.
 */
export function linearTicks(min: number, max: number, count: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min || count < 1) return [];
  if (max === min) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((s) => s * power >= raw) ?? 10) * power;
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  // Float division can put the outermost tick a hair outside the interval (1e-10 at 1e6); clamp it back in.
  for (let i = first; i <= last; i++) ticks.push(Math.min(max, Math.max(min, Number((i * step).toPrecision(12)))));
  return ticks;
}
