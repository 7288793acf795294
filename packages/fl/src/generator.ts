// Fleet generator: normal, aggressive and drowsy driving at 10 Hz with the same signal set as the KIT
// recordings (speed quantised to 1 km/h, rpm, throttle, pedal), so the same feature pipeline applies.
//
// Model: a target speed (piecewise constant, drawn from the fitted moving-speed quantiles, with stops) is
// tracked by a car-following-like controller a = clamp(k·(v* − v), −bMax, aMax) plus Ornstein–Uhlenbeck noise.
//   normal     — limits and noise fitted to the recordings (see fitGeneratorParams).
//   aggressive — higher target speeds, 1.6× limits, harsh-brake / hard-acceleration events (~1 per 45 s).
//   drowsy     — low noise, long low-variance cruising, slow speed weaving (±3 km/h), 2.5 s delayed reaction
//                to target changes and occasional late hard braking (~1 per 120 s).
// rpm = speed × gear ratio (ratios fitted from rpm/speed clusters), idle rpm at standstill; throttle is a linear
// function of pedal fitted by least squares. Parameters are fitted in fitGeneratorParams(); the defaults below
// are that fit on all five KIT recordings (bench/fl-eval.ts prints it again).
import { type DrivingSignals, deriveSignals } from "./obd.js";
import { mulberry32, type Rng } from "./rng.js";

export type DriverStyle = "normal" | "aggressive" | "drowsy";

export interface GeneratorParams {
  /** 1 %, 50 % and 99 % quantiles of acceleration while moving (m/s²) */
  accelQ01: number;
  accelQ50: number;
  accelQ99: number;
  /** 10 %, 50 %, 90 % quantiles of speed while moving (km/h) */
  speedQ10: number;
  speedQ50: number;
  speedQ90: number;
  /** rpm per km/h for each gear, low to high, and upshift speeds (km/h) between them */
  gearRatios: number[];
  shiftKmh: number[];
  idleRpm: number;
  /** throttle ≈ throttleA + throttleB · pedal */
  throttleA: number;
  throttleB: number;
}

/** Fit on the five KIT recordings (fitGeneratorParams on their resampled signals). */
export const DEFAULT_GENERATOR_PARAMS: GeneratorParams = {
  accelQ01: -1.94,
  accelQ50: 0,
  accelQ99: 1.94,
  speedQ10: 22,
  speedQ50: 75,
  speedQ90: 128,
  gearRatios: [100, 37, 25.5, 20, 17],
  shiftKmh: [15, 35, 55, 75],
  idleRpm: 769,
  throttleA: 83.0,
  throttleB: -0.01,
};

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]! : 0;
}

/**
 * Fit generator parameters from resampled recordings (clean samples only: staleness ≤ 1 s).
 * Acceleration quantiles and speed quantiles are taken over moving samples (> 5 km/h); gear ratios are the modes
 * of rpm/speed in 0.5-rpm/(km/h) bins found above 20 km/h (local maxima holding ≥ 3 % of samples, plus a fixed
 * first gear); idle rpm is the median rpm at standstill; throttle(pedal) is an ordinary least-squares line.
 */
export function fitGeneratorParams(sigs: readonly DrivingSignals[]): GeneratorParams {
  const acc: number[] = [];
  const spd: number[] = [];
  const ratio: number[] = [];
  const idle: number[] = [];
  let sp = 0;
  let st = 0;
  let spp = 0;
  let spt = 0;
  let cnt = 0;
  for (const s of sigs)
    for (let i = 0; i < s.speed.length; i++) {
      if (s.staleness[i]! > 1) continue;
      const kmh = s.speed[i]! * 3.6;
      if (kmh > 5) {
        acc.push(s.accel[i]!);
        spd.push(kmh);
      }
      if (kmh > 20) ratio.push(s.rpm[i]! / kmh);
      if (kmh < 0.5) idle.push(s.rpm[i]!);
      sp += s.pedal[i]!;
      st += s.throttle[i]!;
      spp += s.pedal[i]! * s.pedal[i]!;
      spt += s.pedal[i]! * s.throttle[i]!;
      cnt++;
    }
  acc.sort((a, b) => a - b);
  spd.sort((a, b) => a - b);
  idle.sort((a, b) => a - b);
  const bins = new Map<number, number>();
  for (const r of ratio) {
    const b = Math.round(r * 2) / 2;
    bins.set(b, (bins.get(b) ?? 0) + 1);
  }
  const modes = [...bins.entries()]
    .filter(([b, c]) => c >= 0.03 * ratio.length && c >= (bins.get(b - 0.5) ?? 0) && c >= (bins.get(b + 0.5) ?? 0))
    .map(([b]) => b)
    .sort((a, b) => b - a);
  const gearRatios = [100, ...modes.filter((m) => m < 90)];
  // upshift speed between consecutive gears: where the lower gear would reach ~2900 rpm, capped by 20 km/h steps
  const shiftKmh = gearRatios.slice(0, -1).map((g, i) => Math.round(Math.min(2900 / g, 15 + 20 * i)));
  const slope = (cnt * spt - sp * st) / Math.max(1e-9, cnt * spp - sp * sp);
  return {
    accelQ01: quantile(acc, 0.01),
    accelQ50: quantile(acc, 0.5),
    accelQ99: quantile(acc, 0.99),
    speedQ10: quantile(spd, 0.1),
    speedQ50: quantile(spd, 0.5),
    speedQ90: quantile(spd, 0.9),
    gearRatios,
    shiftKmh,
    idleRpm: quantile(idle, 0.5),
    throttleA: (st - slope * sp) / Math.max(1, cnt),
    throttleB: slope,
  };
}

export interface TripOptions {
  style: DriverStyle;
  durationS?: number;
  hz?: number;
  params?: GeneratorParams;
  name?: string;
}

/** One generated trip; `events` marks samples inside an injected harsh event (ground truth for analysis). */
export interface GeneratedTrip {
  signals: DrivingSignals;
  style: DriverStyle;
  events: Uint8Array;
}

function drawTarget(rng: Rng, p: GeneratorParams, scale: number): number {
  // piecewise-linear inverse CDF through the fitted quantiles
  const u = rng.next();
  let v: number;
  if (u < 0.1) v = (u / 0.1) * p.speedQ10;
  else if (u < 0.5) v = p.speedQ10 + ((u - 0.1) / 0.4) * (p.speedQ50 - p.speedQ10);
  else if (u < 0.9) v = p.speedQ50 + ((u - 0.5) / 0.4) * (p.speedQ90 - p.speedQ50);
  else v = p.speedQ90 + ((u - 0.9) / 0.1) * 0.25 * p.speedQ90;
  return Math.max(8, v * scale);
}

/** Generate one trip, deterministic in `seed`. */
export function generateTrip(seed: number, opts: TripOptions): GeneratedTrip {
  const p = opts.params ?? DEFAULT_GENERATOR_PARAMS;
  const hz = opts.hz ?? 10;
  const n = Math.round((opts.durationS ?? 600) * hz);
  const rng = mulberry32(seed);
  const style = opts.style;
  const dt = 1 / hz;
  const aggressive = style === "aggressive";
  const drowsy = style === "drowsy";
  const aMax = Math.max(0.8, p.accelQ99) * (aggressive ? 1.6 : 1);
  const bMax = Math.max(0.8, -p.accelQ01) * (aggressive ? 1.6 : 1);
  const sigma = (drowsy ? 0.08 : aggressive ? 0.45 : 0.3) * Math.max(0.5, p.accelQ99 / 2);
  const gain = drowsy ? 0.15 : aggressive ? 0.6 : 0.35;
  const eventRate = aggressive ? 1 / 45 : drowsy ? 1 / 120 : 0;
  const lagSamples = drowsy ? Math.round(2.5 * hz) : 0;

  const kmh = new Float64Array(n);
  const rpm = new Float64Array(n);
  const pedal = new Float64Array(n);
  const throttle = new Float64Array(n);
  const events = new Uint8Array(n);
  const targets = new Float64Array(n);
  let target = 0;
  let segLeft = 0;
  let v = 0; // m/s
  let noise = 0;
  let eventLeft = 0;
  let eventAcc = 0;
  let gear = 0;
  const weavePeriod = 15 + 15 * rng.next();
  for (let i = 0; i < n; i++) {
    if (segLeft <= 0) {
      const stop = rng.next() < (aggressive ? 0.12 : 0.18);
      target = stop ? 0 : drawTarget(rng, p, aggressive ? 1.15 : drowsy ? 0.95 : 1);
      segLeft = Math.round((stop ? 8 + 20 * rng.next() : drowsy ? 60 + 120 * rng.next() : 20 + 70 * rng.next()) * hz);
    }
    segLeft--;
    targets[i] = target;
    const seen =
      targets[Math.max(0, i - lagSamples)]! + (drowsy ? 3 * Math.sin((2 * Math.PI * i) / (weavePeriod * hz)) : 0);
    noise += -noise * 0.5 * dt + sigma * Math.sqrt(dt) * rng.normal() * 1.5;
    let a = Math.max(-bMax, Math.min(aMax, gain * (seen / 3.6 - v))) + noise;
    if (eventLeft <= 0 && eventRate > 0 && v > 8 && rng.next() < eventRate * dt) {
      const brakeEvent = drowsy || rng.next() < 0.5;
      eventAcc = brakeEvent ? -(4 + 3.5 * rng.next()) : 3.2 + 1.8 * rng.next();
      eventLeft = Math.round((brakeEvent ? 1.5 + 1.5 * rng.next() : 2 + 2 * rng.next()) * hz);
      if (brakeEvent) target = Math.max(0, v * 3.6 * (0.2 + 0.4 * rng.next()));
    }
    if (eventLeft > 0) {
      a = eventAcc;
      events[i] = 1;
      eventLeft--;
    }
    v = Math.max(0, v + a * dt);
    if (v === 0 && a < 0) noise = 0;
    const k = v * 3.6;
    kmh[i] = Math.round(k);
    while (gear < p.shiftKmh.length && k > p.shiftKmh[gear]! + 3) gear++;
    while (gear > 0 && k < p.shiftKmh[gear - 1]! - 3) gear--;
    const ratio = p.gearRatios[Math.min(gear, p.gearRatios.length - 1)]!;
    rpm[i] = k < 3 ? p.idleRpm + 20 * rng.normal() : Math.max(p.idleRpm, ratio * k + 30 * rng.normal());
    const ped =
      a > 0 ? Math.min(100, 12 + 14 * a + 0.08 * k + 2 * rng.normal()) : a > -0.3 ? Math.max(0, 6 + 0.1 * k) : 0;
    pedal[i] = Math.max(0, ped);
    throttle[i] = Math.max(0, Math.min(100, p.throttleA + p.throttleB * pedal[i]! + 0.5 * rng.normal()));
  }
  const signals = deriveSignals(
    opts.name ?? `gen-${style}-${seed}`,
    hz,
    kmh,
    rpm,
    throttle,
    pedal,
    new Float64Array(n),
  );
  return { signals, style, events };
}

export interface FleetOptions {
  vehicles: number;
  durationS?: number;
  /** mix of styles (fractions, normalised); default 0.6 normal / 0.25 aggressive / 0.15 drowsy */
  mix?: Record<DriverStyle, number>;
  params?: GeneratorParams;
}

/** Documented seeds: training fleets use TRAIN_FLEET_SEED, evaluation fleets EVAL_FLEET_SEED. */
export const TRAIN_FLEET_SEED = 0x7a11;
export const EVAL_FLEET_SEED = 0xe7a1;

/** Generate a fleet: vehicle i gets style by the mix (deterministic order) and trip seed hash(seed, i). */
export function generateFleet(seed: number, opts: FleetOptions): GeneratedTrip[] {
  const mix = opts.mix ?? { normal: 0.6, aggressive: 0.25, drowsy: 0.15 };
  const total = mix.normal + mix.aggressive + mix.drowsy;
  const rng = mulberry32(seed);
  const trips: GeneratedTrip[] = [];
  for (let i = 0; i < opts.vehicles; i++) {
    const u = rng.next() * total;
    const style: DriverStyle = u < mix.normal ? "normal" : u < mix.normal + mix.aggressive ? "aggressive" : "drowsy";
    const tripSeed = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
    trips.push(
      generateTrip(tripSeed, {
        style,
        durationS: opts.durationS ?? 600,
        name: `gen-${seed}-${i}-${style}`,
        ...(opts.params ? { params: opts.params } : {}),
      }),
    );
  }
  return trips;
}
