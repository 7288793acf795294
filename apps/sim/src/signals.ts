// Driving signals for federated learning: turns the simulated fleet's states into OBD-II-like samples at 10 Hz in
// the units and CSV layout of the KIT OBD-II recordings that `@amc/fl` parses (`parseObdCsv`: a `Time` column as
// hh:mm:ss.mmm and columns named "Vehicle Speed", "Engine RPM", "Absolute Throttle Position", "Accelerator Pedal
// Position D"). A vehicle's history is bounded (the last 10 minutes by default).
//
// RPM comes from a simple six-speed gearbox (OBD PID 0x0C is engine speed): wheel speed × gear ratio × final drive,
// shifting up earlier when cruising and later under load, idling at 800 rpm. Throttle and pedal (PIDs 0x11 and
// 0x49, percent) follow the power demand: the acceleration asked for plus rolling and air resistance, over what
// the engine can give; a closed throttle reads ~15 % as on real sensors.

import type { VehicleState } from "./traffic.js";

export type ObdSample = { t: number; speedKmh: number; rpm: number; throttle: number; pedal: number };

const HZ = 10;
const IDLE_RPM = 800;
const WHEEL_RADIUS = 0.31;
const FINAL_DRIVE = 3.7;
const GEARS = [3.6, 2.1, 1.4, 1.0, 0.8, 0.65] as const;

/** Engine rpm for a speed (m/s) at a power demand 0..1. */
export function engineRpm(speed: number, demand: number): number {
  if (speed < 0.5) return IDLE_RPM;
  const wheelRpm = (speed * 60) / (2 * Math.PI * WHEEL_RADIUS);
  const upshift = 2200 + 1800 * demand;
  let rpm = wheelRpm * GEARS[0] * FINAL_DRIVE;
  for (const g of GEARS) {
    rpm = wheelRpm * g * FINAL_DRIVE;
    if (rpm <= upshift) break;
  }
  return Math.max(IDLE_RPM, rpm);
}

/** Power demand 0..1 from speed (m/s) and acceleration (m/s²). */
export function powerDemand(speed: number, acceleration: number): number {
  const resistance = 0.12 + 0.0004 * speed * speed; // rolling + aerodynamic drag as an acceleration, m/s²
  const available = Math.max(1.2, 3.5 - 0.04 * speed); // what the engine can add at this speed, m/s²
  if (speed < 0.5 && acceleration <= 0) return 0;
  return Math.min(1, Math.max(0, (acceleration + resistance) / available));
}

/** One OBD sample from a vehicle state. */
export function obdSample(state: VehicleState): ObdSample {
  const demand = powerDemand(state.speed, state.acceleration);
  return {
    t: state.time,
    speedKmh: state.speed * 3.6,
    rpm: engineRpm(state.speed, demand),
    throttle: 14.9 + 65 * demand,
    pedal: 15.3 + 62 * demand,
  };
}

/** hh:mm:ss.mmm of `seconds` after midnight (wraps after 24 h, as the recordings' clock does). */
export function formatClock(seconds: number): string {
  const ms = Math.round(seconds * 1000) % 86_400_000;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const f = ms % 1000;
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(h)}:${p2(m)}:${p2(s)}.${String(f).padStart(3, "0")}`;
}

export const OBD_CSV_HEADER =
  "Time,Vehicle Speed Sensor [km/h],Engine RPM [RPM],Absolute Throttle Position [%],Accelerator Pedal Position D [%]";

/** Records 10 Hz OBD samples per vehicle from the states an engine returns. */
export class ObdRecorder {
  private readonly history = new Map<string, ObdSample[]>();
  private readonly maxSamples: number;

  /** `keepSeconds`: how much history to keep per vehicle (default 600 s). `clockStart`: CSV clock at t = 0. */
  constructor(
    keepSeconds = 600,
    private readonly clockStart = 8 * 3600,
  ) {
    this.maxSamples = Math.max(1, Math.round(keepSeconds * HZ));
  }

  /** Adds a state; states closer than 0.1 s to the last sample are skipped, and time going back starts afresh. */
  push(state: VehicleState): void {
    let list = this.history.get(state.id);
    if (!list) {
      list = [];
      this.history.set(state.id, list);
    }
    const last = list[list.length - 1];
    if (last && state.time < last.t) list.length = 0;
    else if (last && state.time - last.t < 1 / HZ - 1e-6) return;
    list.push(obdSample(state));
    if (list.length > this.maxSamples * 1.25) list.splice(0, list.length - this.maxSamples);
  }

  /** The kept samples of a vehicle, oldest first (empty for an unknown vehicle). */
  samples(vehicleId: string): ObdSample[] {
    const list = this.history.get(vehicleId) ?? [];
    return list.length > this.maxSamples ? list.slice(list.length - this.maxSamples) : list.slice();
  }

  /** Vehicles with at least one sample. */
  vehicles(): string[] {
    return [...this.history.keys()];
  }

  /** The vehicle's samples as a KIT-style OBD CSV that `parseObdCsv` from `@amc/fl` reads. */
  toCsv(vehicleId: string): string {
    const lines = [OBD_CSV_HEADER];
    for (const s of this.samples(vehicleId)) {
      lines.push(
        `${formatClock(this.clockStart + s.t)},${s.speedKmh.toFixed(2)},${Math.round(s.rpm)},${s.throttle.toFixed(2)},${s.pedal.toFixed(2)}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}
