// Which RSU a simulated vehicle talks to (docs/edge.md, "handover"): the network's H3 cells (resolution 7) are
// matched to the topology's edge chains; each served cell gets its RSUs placed on its main roads (placeRsus); a
// vehicle uses the nearest RSU of the cell it is in, or none when its cell has no edge chain (out of coverage).
// Crossing into a neighbouring served cell is a handover: the new RSU is shown the previous cell's ADMISSION,
// which an RSU accepts only from an adjacent cell (H3 ring 1), not from its own cell, and only while it is fresh.
// Within a cell, a vehicle keeps its RSU until another is clearly nearer (hysteresis), so it does not flap
// between two RSUs at the same distance. Pure functions, tested without a platform.
import { rsuSpecs, type Topology } from "@amc/chain";
import { areNeighborCells, latLngToCell } from "h3-js";
import { coveringCells, placeRsus, type RoadNetwork } from "./network.js";

export const CELL_RESOLUTION = 7;

export type CellCoverage = { cell: string; roadMetres: number; chain: string | null };
export type PlacedRsu = { name: string; cell: string; lat: number; lon: number; url: string };
export type Coverage = { cells: CellCoverage[]; rsus: PlacedRsu[]; unplaced: string[] };

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMeters(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const rad = Math.PI / 180;
  const dPhi = (bLat - aLat) * rad;
  const dLambda = (bLon - aLon) * rad;
  const h = Math.sin(dPhi / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLambda / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const cellOf = (lat: number, lon: number): string => latLngToCell(lat, lon, CELL_RESOLUTION);

/**
 * The network's cells with the edge chain serving each (null: out of coverage), and the topology's RSUs placed on
 * the roads of their cell. RSUs of a cell the network does not reach are listed in `unplaced` (they get no
 * vehicles).
 */
export function planCoverage(net: RoadNetwork, topology: Topology): Coverage {
  const chainOf = new Map<string, string>();
  for (const chain of topology.chains) if (chain.role === "edge" && chain.h3Cell) chainOf.set(chain.h3Cell, chain.name);
  const cells = coveringCells(net, CELL_RESOLUTION).map((c) => ({ ...c, chain: chainOf.get(c.cell) ?? null }));
  const covered = new Set(cells.map((c) => c.cell));
  const specs = rsuSpecs(topology);
  const rsus: PlacedRsu[] = [];
  const unplaced: string[] = [];
  for (const cell of new Set(specs.map((s) => s.cell))) {
    const inCell = specs.filter((s) => s.cell === cell).sort((a, b) => a.index - b.index);
    if (!covered.has(cell)) {
      unplaced.push(...inCell.map((s) => s.name));
      continue;
    }
    const spots = placeRsus(net, cell, inCell.length);
    inCell.forEach((spec, i) => {
      const spot = spots[i];
      if (spot) rsus.push({ name: spec.name, cell, lat: spot.lat, lon: spot.lon, url: spec.url });
      else unplaced.push(spec.name);
    });
  }
  return { cells, rsus, unplaced };
}

/** The nearest RSU of `cell` to a position, with its distance; undefined when the cell has none. */
export function nearestRsu(
  rsus: readonly PlacedRsu[],
  cell: string,
  lat: number,
  lon: number,
): { rsu: PlacedRsu; distance: number } | undefined {
  let best: { rsu: PlacedRsu; distance: number } | undefined;
  for (const rsu of rsus) {
    if (rsu.cell !== cell) continue;
    const distance = distanceMeters(lat, lon, rsu.lat, rsu.lon);
    if (!best || distance < best.distance) best = { rsu, distance };
  }
  return best;
}

export type LinkDecision =
  | { action: "stay" }
  | { action: "disconnect" }
  /** Connect to `rsu`; `handover`: present the previous cell's ADMISSION. */
  | { action: "connect"; rsu: PlacedRsu; handover: boolean };

export type LinkInput = {
  /** The RSU the vehicle is connected (or connecting) to. */
  current: PlacedRsu | undefined;
  lat: number;
  lon: number;
  rsus: readonly PlacedRsu[];
  /** The vehicle's last admission with its current ticket: its cell and when it was given (unix ms). */
  lastAdmission: { cell: string; at: number } | undefined;
  now: number;
  admissionTtlMs: number;
  /** How much nearer another RSU of the same cell must be before the vehicle switches to it. */
  hysteresisMeters: number;
};

/** What a vehicle at a position does with its RSU link. */
export function decideLink(input: LinkInput): LinkDecision {
  const cell = cellOf(input.lat, input.lon);
  const nearest = nearestRsu(input.rsus, cell, input.lat, input.lon);
  if (!nearest) return input.current ? { action: "disconnect" } : { action: "stay" };
  const { current } = input;
  if (current && current.cell === cell) {
    if (current.name === nearest.rsu.name) return { action: "stay" };
    const toCurrent = distanceMeters(input.lat, input.lon, current.lat, current.lon);
    return toCurrent - nearest.distance > input.hysteresisMeters
      ? { action: "connect", rsu: nearest.rsu, handover: false }
      : { action: "stay" };
  }
  const last = input.lastAdmission;
  const handover =
    last !== undefined &&
    last.cell !== cell &&
    input.now - last.at < input.admissionTtlMs &&
    areNeighborCells(last.cell, cell);
  return { action: "connect", rsu: nearest.rsu, handover };
}

/** Distance along a polyline (net x,y) of the point on it nearest to (x, y). */
export function offsetAlong(shape: readonly [number, number][], x: number, y: number): number {
  let best = Number.POSITIVE_INFINITY;
  let bestOffset = 0;
  let walked = 0;
  for (let i = 1; i < shape.length; i++) {
    const [ax, ay] = shape[i - 1] ?? [0, 0];
    const [bx, by] = shape[i] ?? [0, 0];
    const len = Math.hypot(bx - ax, by - ay);
    const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / (len * len)));
    const d = Math.hypot(ax + (bx - ax) * t - x, ay + (by - ay) * t - y);
    if (d < best) {
      best = d;
      bestOffset = walked + t * len;
    }
    walked += len;
  }
  return bestOffset;
}

/** The point at `offset` metres along a polyline (clamped to its ends). */
export function pointAlong(shape: readonly [number, number][], offset: number): [number, number] {
  let left = Math.max(0, offset);
  for (let i = 1; i < shape.length; i++) {
    const [ax, ay] = shape[i - 1] ?? [0, 0];
    const [bx, by] = shape[i] ?? [0, 0];
    const len = Math.hypot(bx - ax, by - ay);
    if (left <= len && len > 0) return [ax + ((bx - ax) * left) / len, ay + ((by - ay) * left) / len];
    left -= len;
  }
  return shape.at(-1) ?? [0, 0];
}

/** Length of a polyline. */
export function polylineLength(shape: readonly [number, number][]): number {
  let total = 0;
  for (let i = 1; i < shape.length; i++) {
    const [ax, ay] = shape[i - 1] ?? [0, 0];
    const [bx, by] = shape[i] ?? [0, 0];
    total += Math.hypot(bx - ax, by - ay);
  }
  return total;
}
