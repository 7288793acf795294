// Simulated road hazards that the fleet reports and the edge confirms (DESIGN.md §5, "consensus on information";
// docs/edge.md). Every ~hazardEverySeconds (seeded) an accident (ETSI TS 102 894-2 CauseCodeType 2) or black ice
// (cause 6 adverseWeatherCondition-Adhesion, sub-cause 6 blackIceOnRoad) appears on a road of a covered cell; each
// connected vehicle passing within `reportRadiusMeters` reports it once in a DENM; the RSUs confirm it once k
// distinct tickets of one slot reported it within their radius and window, and broadcast the event, which marks
// the hazard confirmed. A hazard expires after `lifetimeMs`.
//
// Where it appears matters: k vehicles must pass it within the RSU's window. So it goes on the road that most
// vehicles are on or about to enter (their edge, or an edge leading into it), a little ahead of the frontmost
// vehicle on that road: every vehicle behind it on the same road must drive past it.
import { buildDenm, type ItsSigner } from "@amc/sdk";
import { encodeDenm, PSID, signData, tenthMicrodegrees } from "@amc/v2x";
import type { Hex } from "viem";
import { distanceMeters, offsetAlong, pointAlong, polylineLength } from "./coverage.js";
import type { RoadNetwork } from "./network.js";
import type { Rng } from "./rng.js";

export const CAUSE_ACCIDENT = 2;
export const CAUSE_ADHESION = 6;
export const SUBCAUSE_BLACK_ICE = 6;

export type Hazard = {
  id: string;
  causeCode: number;
  subCauseCode: number;
  lat: number;
  lon: number;
  cell: string;
  edge: string;
  startedAt: number;
  expiresAt: number;
  /** Vehicles (keys) that reported it. */
  reporters: Set<string>;
  confirmed: boolean;
  eventId: Hex | null;
};

/** What hazard placement needs to know of a vehicle. */
export type HazardVehicle = { key: string; lat: number; lon: number; x: number; y: number; edge: string };

/** Milliseconds until the next hazard: uniform in [0.5, 1.5] × the mean. */
export function nextHazardDelayMs(rng: Rng, meanSeconds: number): number {
  return Math.round((0.5 + rng()) * meanSeconds * 1000);
}

/** Edge → edges leading into it. */
export function predecessorsOf(net: RoadNetwork): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [from, tos] of net.successors)
    for (const to of tos) {
      const list = out.get(to);
      if (list) list.push(from);
      else out.set(to, [from]);
    }
  return out;
}

export type HazardSpot = { edge: string; lat: number; lon: number; cell: string; vehiclesOnEdge: number };

/**
 * Picks where a hazard appears: among the edges carrying vehicles, those with the most vehicles on them (plus half
 * a point per vehicle on an edge leading into them) are preferred (one of the best three, at random); the spot is
 * 40–120 m ahead of the frontmost vehicle on the edge, kept 5 m inside its end. `coveredCell` says whether a
 * position is in a covered cell (returns the cell) — a spot outside coverage could not be reported.
 */
export function chooseHazardSpot(
  net: RoadNetwork,
  rng: Rng,
  vehicles: readonly HazardVehicle[],
  coveredCell: (lat: number, lon: number) => string | undefined,
  predecessors: Map<string, string[]> = predecessorsOf(net),
): HazardSpot | undefined {
  const onEdge = new Map<string, HazardVehicle[]>();
  for (const v of vehicles) {
    if (!net.edges.has(v.edge)) continue; // internal junction edges and unknown ids
    const list = onEdge.get(v.edge);
    if (list) list.push(v);
    else onEdge.set(v.edge, [v]);
  }
  const scored = [...onEdge]
    .map(([edge, list]) => ({
      edge,
      list,
      score: list.length + 0.5 * (predecessors.get(edge) ?? []).reduce((n, p) => n + (onEdge.get(p)?.length ?? 0), 0),
    }))
    .sort((a, b) => b.score - a.score || (a.edge < b.edge ? -1 : 1));
  const top = scored.slice(0, 3);
  // Try the chosen candidate first, then the others in score order.
  const first = Math.min(top.length - 1, Math.floor(rng() * top.length));
  const order = top.length ? [top[first], ...scored.filter((_, i) => i !== first)] : [];
  for (const candidate of order) {
    if (!candidate) continue;
    const edge = net.edges.get(candidate.edge);
    if (!edge || edge.shape.length < 2) continue;
    const length = polylineLength(edge.shape);
    const front = Math.max(...candidate.list.map((v) => offsetAlong(edge.shape, v.x, v.y)));
    const offset = Math.max(0, Math.min(length - 5, front + 40 + rng() * 80));
    const [x, y] = pointAlong(edge.shape, offset);
    const [lat, lon] = net.toLatLon(x, y);
    const cell = coveredCell(lat, lon);
    if (cell) return { edge: edge.id, lat, lon, cell, vehiclesOnEdge: candidate.list.length };
  }
  return undefined;
}

/** The (hazard, vehicle) pairs that report now: active, unconfirmed hazards within the radius of a vehicle that has not reported them yet. */
export function dueReports<V extends { key: string; lat: number; lon: number }>(
  hazards: readonly Hazard[],
  vehicles: readonly V[],
  radiusMeters: number,
  now: number,
): { hazard: Hazard; vehicle: V }[] {
  const out: { hazard: Hazard; vehicle: V }[] = [];
  for (const hazard of hazards) {
    if (hazard.confirmed || now >= hazard.expiresAt) continue;
    for (const vehicle of vehicles)
      if (
        !hazard.reporters.has(vehicle.key) &&
        distanceMeters(vehicle.lat, vehicle.lon, hazard.lat, hazard.lon) <= radiusMeters
      )
        out.push({ hazard, vehicle });
  }
  return out;
}

/** The hazard a confirmed edge event is about: same cause, within `radiusMeters` (positions in 1e-7°). */
export function matchEvent(
  hazards: readonly Hazard[],
  event: { causeCode: number; latitude: number; longitude: number },
  radiusMeters: number,
): Hazard | undefined {
  let best: { hazard: Hazard; d: number } | undefined;
  for (const hazard of hazards) {
    if (hazard.causeCode !== event.causeCode) continue;
    const d = distanceMeters(event.latitude / 1e7, event.longitude / 1e7, hazard.lat, hazard.lon);
    if (d <= radiusMeters && (!best || d < best.d)) best = { hazard, d };
  }
  return best?.hazard;
}

export type HazardFieldOptions = {
  rng: Rng;
  everySeconds: number;
  lifetimeMs: number;
  reportRadiusMeters: number;
  /** How far a confirmed event may lie from the hazard and still be about it (the RSU's radiusMeters). */
  matchRadiusMeters: number;
};

/** The hazards of a run: when the next appears, who reports, which are confirmed, and which expired. */
export class HazardField {
  readonly #hazards: Hazard[] = [];
  #nextAt: number | undefined;
  #counter = 0;
  #predecessors: Map<string, string[]> | undefined;

  constructor(readonly options: HazardFieldOptions) {}

  /** Active hazards and those that expired in the last few minutes, newest first. */
  list(): readonly Hazard[] {
    return this.#hazards;
  }

  /**
   * Advances to `now`: drops hazards expired for over a lifetime, places a new hazard when one is due, and returns
   * the new hazard (if any) and the reports due.
   */
  tick<V extends HazardVehicle>(
    now: number,
    net: RoadNetwork,
    vehicles: readonly V[],
    reporters: readonly V[],
    coveredCell: (lat: number, lon: number) => string | undefined,
  ): { spawned: Hazard | undefined; reports: { hazard: Hazard; vehicle: V }[] } {
    for (let i = this.#hazards.length - 1; i >= 0; i--)
      if (now > (this.#hazards[i]?.expiresAt ?? 0) + this.options.lifetimeMs) this.#hazards.splice(i, 1);
    this.#nextAt ??= now + nextHazardDelayMs(this.options.rng, this.options.everySeconds);
    let spawned: Hazard | undefined;
    if (now >= this.#nextAt) {
      this.#predecessors ??= predecessorsOf(net);
      const spot = chooseHazardSpot(net, this.options.rng, vehicles, coveredCell, this.#predecessors);
      // No vehicle in coverage: try again a little later rather than waiting a whole interval.
      this.#nextAt = now + (spot ? nextHazardDelayMs(this.options.rng, this.options.everySeconds) : 5000);
      if (spot) {
        const ice = this.options.rng() < 0.5;
        spawned = {
          id: `hz-${++this.#counter}`,
          causeCode: ice ? CAUSE_ADHESION : CAUSE_ACCIDENT,
          subCauseCode: ice ? SUBCAUSE_BLACK_ICE : 0,
          lat: spot.lat,
          lon: spot.lon,
          cell: spot.cell,
          edge: spot.edge,
          startedAt: now,
          expiresAt: now + this.options.lifetimeMs,
          reporters: new Set(),
          confirmed: false,
          eventId: null,
        };
        this.#hazards.unshift(spawned);
      }
    }
    return { spawned, reports: dueReports(this.#hazards, reporters, this.options.reportRadiusMeters, now) };
  }

  /** Marks the hazard a confirmed event is about; returns it when this is news (first confirmation). */
  confirm(event: { eventId: Hex; causeCode: number; latitude: number; longitude: number }): Hazard | undefined {
    const hazard = matchEvent(this.#hazards, event, this.options.matchRadiusMeters);
    if (!hazard || hazard.confirmed) return undefined;
    hazard.confirmed = true;
    hazard.eventId = event.eventId;
    return hazard;
  }
}

/**
 * A signed DENM reporting a hazard seen from where the vehicle is: the DENM's eventPosition is the hazard, the
 * IEEE 1609.2 generationLocation is the reporting station (as the standard defines it). `signDenm` of @amc/sdk puts
 * the event position in both, which would make a report from 100 m away look like a 100 m jump of the vehicle to
 * the RSU's plausibility check; reporting the station's own position keeps its track continuous.
 */
export function signHazardReport(parameters: {
  signer: ItsSigner;
  stationId: number;
  causeCode: number;
  subCauseCode: number;
  event: { latitude: number; longitude: number };
  station: { latitude: number; longitude: number };
  sequenceNumber: number;
  time: number;
}): Uint8Array {
  const denm = buildDenm({
    stationId: parameters.stationId,
    causeCode: parameters.causeCode,
    subCauseCode: parameters.subCauseCode,
    position: parameters.event,
    sequenceNumber: parameters.sequenceNumber,
    time: parameters.time,
  });
  return signData({
    payload: encodeDenm(denm),
    psid: PSID.denm,
    generationTime: new Date(parameters.time),
    // Elevation unknown: 0 m above the ellipsoid, in IEEE 1609.2 units (decimetres above -409.5 m).
    generationLocation: {
      latitude: tenthMicrodegrees(parameters.station.latitude),
      longitude: tenthMicrodegrees(parameters.station.longitude),
      elevation: 4095,
    },
    signer: parameters.signer,
    signerIdentifierMode: "digest",
  });
}
