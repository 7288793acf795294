// Kinematic plausibility of V2X messages per authorization ticket: the "plausibility" step of the RSU pipeline
// (DESIGN.md §5; ACK status 12 `implausible` in docs/edge.md). A ticket's messages must describe a vehicle that
// could physically have moved from its last accepted position to the new one: a jump faster than `maxSpeedMps`
// (beyond a GNSS noise tolerance), a claimed speed above it, or a generation time running backwards marks a
// forged, replayed or broken sender. This follows the misbehaviour-detection checks of ETSI TR 103 460 (position
// and speed consistency) in their simplest, deterministic form. Pure logic, no clock of its own: the caller passes
// `now` (the RSU's receive time), which only drives the forgetting of idle tickets.

import { InvalidInputError } from "@amc/utils";

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;
const RAD_PER_UNIT = Math.PI / 180 / 1e7;

/**
 * Great-circle distance in metres between two positions given in 1e-7 degrees (ETSI latitude/longitude units),
 * by the haversine formula. Accurate to ~0.5 % (spherical Earth), which is far below GNSS noise at RSU ranges.
 *
 * @example
 * haversineMeters(487_000_000, 23_000_000, 487_010_000, 23_000_000); // ≈ 111 m (0.001° of latitude)
 */
export function haversineMeters(latitude1: number, longitude1: number, latitude2: number, longitude2: number): number {
  const phi1 = latitude1 * RAD_PER_UNIT;
  const phi2 = latitude2 * RAD_PER_UNIT;
  const dPhi = phi2 - phi1;
  const dLambda = (longitude2 - longitude1) * RAD_PER_UNIT;
  const a = Math.sin(dPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(dLambda / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A position report: latitude/longitude in 1e-7 degrees, generation time in Unix milliseconds. */
export type TimedPosition = { latitude: number; longitude: number; generationTime: number };

/** What the checker looks at in a message: its position and time, and the speed it claims (m/s) when it has one. */
export type PlausibilityInput = TimedPosition & { speed?: number | undefined };

export type PlausibilityResult = { ok: true } | { ok: false; detail: string };

export type PlausibilityConfig = {
  /** Fastest believable vehicle, m/s (default 70 m/s ≈ 252 km/h). */
  maxSpeedMps?: number;
  /** Position noise allowed on top of the speed bound, metres (default 50, two poor GNSS fixes). */
  positionToleranceMeters?: number;
  /**
   * How far a generation time may go back from the ticket's last accepted one, ms (default 1 000). Within it the
   * message is checked against the newer position and accepted without replacing it (reordering, a resent
   * message); beyond it the message is refused.
   */
  backwardsToleranceMs?: number;
  /** A ticket not seen for this long is forgotten, ms (default 10 minutes). */
  idleMs?: number;
  /** At most this many tickets are remembered; the least recently seen go first (default 100 000). */
  maxTickets?: number;
};

type Remembered = { latitude: number; longitude: number; generationTime: number; seenAt: number };

const MAX_LATITUDE = 900_000_000;
const MAX_LONGITUDE = 1_800_000_000;

/**
 * Remembers, per ticket, the last accepted position and refuses messages that could not follow from it.
 *
 * A refused message does not move the reference: a forger cannot drag a ticket's track away step by step, and an
 * honest vehicle whose GNSS jumped recovers by itself, because the distance allowed grows with the time since the
 * last accepted message (after a 10 km jump, ~140 s at the default 70 m/s).
 *
 * Memory is bounded twice: tickets idle for `idleMs` are dropped, and at most `maxTickets` are kept (least
 * recently seen evicted). A forgotten ticket's next message is accepted as a first sighting, which is all the
 * checker could say about a vehicle it never saw.
 *
 * @example
 * const checker = new PlausibilityChecker();
 * checker.check(ticket, { latitude, longitude, generationTime, speed: 13.9 }, receivedAt); // { ok: true }
 */
export class PlausibilityChecker {
  readonly maxSpeedMps: number;
  readonly positionToleranceMeters: number;
  readonly backwardsToleranceMs: number;
  readonly idleMs: number;
  readonly maxTickets: number;
  // Insertion order is recency order: a ticket is deleted and re-inserted whenever it is seen.
  readonly #tickets = new Map<string, Remembered>();

  constructor(config: PlausibilityConfig = {}) {
    this.maxSpeedMps = config.maxSpeedMps ?? 70;
    this.positionToleranceMeters = config.positionToleranceMeters ?? 50;
    this.backwardsToleranceMs = config.backwardsToleranceMs ?? 1_000;
    this.idleMs = config.idleMs ?? 10 * 60_000;
    this.maxTickets = config.maxTickets ?? 100_000;
    positive("maxSpeedMps", this.maxSpeedMps);
    nonNegative("positionToleranceMeters", this.positionToleranceMeters);
    nonNegative("backwardsToleranceMs", this.backwardsToleranceMs);
    positive("idleMs", this.idleMs);
    if (!Number.isSafeInteger(this.maxTickets) || this.maxTickets < 1)
      throw new InvalidInputError(`plausibility maxTickets must be a positive integer, got ${this.maxTickets}`, {
        fix: "pass maxTickets >= 1",
      });
  }

  /** Number of tickets remembered. */
  get size(): number {
    return this.#tickets.size;
  }

  /**
   * Checks `message` from `ticket` against the ticket's last accepted position and, when it is plausible and not
   * older than that position, remembers it. `now` is the RSU's clock (ms, default the message's generation time);
   * it only ages idle tickets out.
   */
  check(ticket: string, message: PlausibilityInput, now: number = message.generationTime): PlausibilityResult {
    this.#expire(now);
    const { latitude, longitude, generationTime, speed } = message;
    if (!isPosition(latitude, longitude))
      return { ok: false, detail: `position (${latitude}, ${longitude}) is not a valid latitude/longitude in 1e-7°` };
    if (!Number.isFinite(generationTime))
      return { ok: false, detail: `generation time ${generationTime} is not a number` };
    if (speed !== undefined) {
      if (!Number.isFinite(speed) || speed < 0) return { ok: false, detail: `claimed speed ${speed} m/s is invalid` };
      if (speed > this.maxSpeedMps)
        return { ok: false, detail: `claimed speed ${round(speed)} m/s exceeds ${this.maxSpeedMps} m/s` };
    }

    const previous = this.#tickets.get(ticket);
    if (previous === undefined) {
      this.#remember(ticket, { latitude, longitude, generationTime, seenAt: now });
      return { ok: true };
    }
    // Seen, whatever the verdict: a ticket sending garbage is still a ticket in use.
    this.#remember(ticket, { ...previous, seenAt: now });

    const dt = generationTime - previous.generationTime;
    if (dt < -this.backwardsToleranceMs)
      return {
        ok: false,
        detail: `generation time went back ${-dt} ms from the ticket's last message (tolerance ${this.backwardsToleranceMs} ms)`,
      };
    const moved = haversineMeters(previous.latitude, previous.longitude, latitude, longitude);
    const allowed = (this.maxSpeedMps * Math.abs(dt)) / 1000 + this.positionToleranceMeters;
    if (moved > allowed) {
      const implied = dt === 0 ? "an instant" : `${round((moved * 1000) / Math.abs(dt))} m/s`;
      return {
        ok: false,
        detail:
          `moved ${round(moved)} m in ${Math.abs(dt)} ms (${implied}); at most ${round(allowed)} m is plausible ` +
          `(${this.maxSpeedMps} m/s plus ${this.positionToleranceMeters} m tolerance)`,
      };
    }
    if (dt >= 0) this.#remember(ticket, { latitude, longitude, generationTime, seenAt: now });
    return { ok: true };
  }

  /**
   * Starts a ticket's track from a position known elsewhere: on handover, the previous cell's ADMISSION carries the
   * vehicle's last position (`pos`, at `at`). Ignored when this checker already holds a newer position. `now` is
   * the RSU's clock (ms, default `last.generationTime`).
   */
  seed(ticket: string, last: TimedPosition, now: number = last.generationTime): void {
    if (!isPosition(last.latitude, last.longitude) || !Number.isFinite(last.generationTime))
      throw new InvalidInputError(
        `cannot seed ticket ${ticket} with position (${last.latitude}, ${last.longitude}) at ${last.generationTime}`,
        { fix: "pass latitude/longitude as integers in 1e-7 degrees and a generation time in Unix ms" },
      );
    this.#expire(now);
    const current = this.#tickets.get(ticket);
    if (current !== undefined && current.generationTime >= last.generationTime) {
      this.#remember(ticket, { ...current, seenAt: now });
      return;
    }
    this.#remember(ticket, { ...last, seenAt: now });
  }

  /** Forgets a ticket (e.g. when it is revoked or leaves the cell). */
  forget(ticket: string): void {
    this.#tickets.delete(ticket);
  }

  #remember(ticket: string, entry: Remembered): void {
    this.#tickets.delete(ticket);
    this.#tickets.set(ticket, entry);
    if (this.#tickets.size > this.maxTickets) {
      const oldest = this.#tickets.keys().next();
      if (!oldest.done) this.#tickets.delete(oldest.value);
    }
  }

  // Entries are in recency order, so the idle ones are at the front; a clock that steps back only delays expiry.
  #expire(now: number): void {
    const cutoff = now - this.idleMs;
    for (const [ticket, entry] of this.#tickets) {
      if (entry.seenAt >= cutoff) break;
      this.#tickets.delete(ticket);
    }
  }
}

function isPosition(latitude: number, longitude: number): boolean {
  return (
    Number.isInteger(latitude) &&
    Number.isInteger(longitude) &&
    Math.abs(latitude) <= MAX_LATITUDE &&
    Math.abs(longitude) <= MAX_LONGITUDE
  );
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new InvalidInputError(`plausibility ${name} must be a positive number, got ${value}`, {
      fix: `pass ${name} > 0`,
    });
}

function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0))
    throw new InvalidInputError(`plausibility ${name} must be a non-negative number, got ${value}`, {
      fix: `pass ${name} >= 0`,
    });
}

const round = (x: number): number => Math.round(x * 10) / 10;
