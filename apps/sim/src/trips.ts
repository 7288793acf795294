// Trip summaries: what an owned vehicle uploads as its data object (kind driving_behaviour, the usage-based
// insurance scope of docs/data-sharing.md) — distance, duration, mean and top speed, hard brakings and the H3
// cells driven through, accumulated from the traffic engine's states since the last upload. A summary rather than
// the raw trace is data minimisation (GDPR Art. 5(1)(c)): the insurer prices on behaviour, not on a track.

/** Deceleration that counts as hard braking, m/s² (≈ 0.3 g, the usual telematics threshold). */
export const HARD_BRAKING_MPS2 = -3;
/** A gap in the samples longer than this (s) is not integrated (the vehicle was not driven by us meanwhile). */
const MAX_GAP_SECONDS = 5;

export type TripSample = { time: number; speed: number; acceleration: number; cell: string | null };

export type TripSummary = {
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  distanceMetres: number;
  meanSpeedKmh: number;
  maxSpeedKmh: number;
  hardBrakings: number;
  cells: string[];
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export class TripRecorder {
  #first: number | undefined;
  #last: number | undefined;
  #startedAtMs = 0;
  #distance = 0;
  #driven = 0;
  #maxSpeed = 0;
  #hardBrakings = 0;
  #braking = false;
  readonly #cells = new Set<string>();

  /** Adds one state (sim time in seconds, speed m/s, acceleration m/s²); `wallMs` stamps the trip's start. */
  push(sample: TripSample, wallMs: number = Date.now()): void {
    if (this.#first === undefined) {
      this.#first = sample.time;
      this.#startedAtMs = wallMs;
    }
    const dt = this.#last === undefined ? 0 : sample.time - this.#last;
    if (dt > 0 && dt <= MAX_GAP_SECONDS) {
      this.#distance += sample.speed * dt;
      this.#driven += dt;
    }
    this.#last = sample.time;
    this.#maxSpeed = Math.max(this.#maxSpeed, sample.speed);
    const braking = sample.acceleration <= HARD_BRAKING_MPS2;
    if (braking && !this.#braking) this.#hardBrakings++;
    this.#braking = braking;
    if (sample.cell) this.#cells.add(sample.cell);
  }

  /** The summary since the last reset, or undefined when nothing was driven. */
  summary(wallMs: number = Date.now()): TripSummary | undefined {
    if (this.#first === undefined || this.#driven === 0) return undefined;
    return {
      startedAt: new Date(this.#startedAtMs).toISOString(),
      endedAt: new Date(wallMs).toISOString(),
      durationSeconds: round(this.#driven, 1),
      distanceMetres: round(this.#distance, 1),
      meanSpeedKmh: round((this.#distance / this.#driven) * 3.6, 1),
      maxSpeedKmh: round(this.#maxSpeed * 3.6, 1),
      hardBrakings: this.#hardBrakings,
      cells: [...this.#cells].sort(),
    };
  }

  reset(): void {
    this.#first = undefined;
    this.#last = undefined;
    this.#distance = 0;
    this.#driven = 0;
    this.#maxSpeed = 0;
    this.#hardBrakings = 0;
    this.#braking = false;
    this.#cells.clear();
  }
}
