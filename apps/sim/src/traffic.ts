// The built-in traffic engine: a fleet that drives a RoadNetwork without SUMO, fast enough to run inside the
// platform process (a step for 50 vehicles takes well under a millisecond).
//
// Car following is the Intelligent Driver Model: M. Treiber, A. Hennecke, D. Helbing, "Congested traffic states in
// empirical observations and microscopic simulations", Phys. Rev. E 62, 1805 (2000):
//   a = a_max · [1 − (v/v0)^4 − (s*/s)^2],  s* = s0 + v·T + v·Δv / (2·√(a_max·b)).
// Junctions and turns are handled as a moving speed limit: v0 near a junction is capped by the braking curve
// √(v_j² + 2·b·d) towards the speed allowed through it (the next edge's limit, lower for sharp turns and for
// yield / traffic-light junctions), which is how the IDM literature models speed-limit changes. Each driver gets its
// own IDM parameters and speed factor; about one in seven is aggressive (harder acceleration and braking), so the
// acceleration signal carries the harsh events that the federated-learning labels look for.
// Vehicle ids stay stable ("veh0"…): a vehicle whose route ends drives on along a new route, and one that leaves
// the network at a dead end re-enters elsewhere under the same id.

import { InvalidInputError } from "@amc/utils";
import { networkDetails, type RoadEdge, type RoadNetwork, trueHeading } from "./network.js";
import { mulberry32, type Rng, uniform } from "./rng.js";
import { randomRoute } from "./routing.js";

export type VehicleState = {
  id: string;
  lat: number;
  lon: number;
  /** Net x,y (metres). */
  x: number;
  y: number;
  /** m/s */
  speed: number;
  /** Degrees clockwise from true north, 0..360. */
  heading: number;
  /** m/s² */
  acceleration: number;
  /** Edge id (SUMO may also report an internal junction edge, starting with ':'). */
  edge: string;
  /** Simulated seconds since the engine started. */
  time: number;
};

export interface TrafficEngine {
  readonly kind: "builtin" | "sumo";
  /** Advance by stepSeconds and return every vehicle now in the network. */
  step(): Promise<VehicleState[]>;
  close(): Promise<void>;
}

export type TrafficOptions = {
  vehicles: number;
  seed: number;
  /** Simulated seconds per step (default 0.1). */
  stepSeconds?: number;
  /** Only edges accepted by this predicate are used for routes. */
  within?: (e: RoadEdge) => boolean;
};

/** Largest factor by which a driver exceeds the speed limit. */
export const MAX_SPEED_FACTOR = 1.2;
/** Vehicle length used for gaps (m). */
export const VEHICLE_LENGTH = 4.5;
/** Bumper-to-bumper distance that is never undercut, whatever the model says (m). */
export const MIN_GAP = 0.5;
const LANE_WIDTH = 3.2;
const MAX_DECEL = 9;

type Driver = { factor: number; aMax: number; b: number; T: number; s0: number };

type Segment = {
  edge: RoadEdge;
  /** Lane polyline followed by the junction link to the next edge. */
  xs: Float64Array;
  ys: Float64Array;
  /** Cumulative length at each point. */
  cum: Float64Array;
  length: number;
  /** Speed allowed when leaving the segment (Infinity at a dead end or the end of a route). */
  exitSpeed: number;
};

type Vehicle = {
  id: string;
  driver: Driver;
  route: string[];
  idx: number;
  seg: Segment;
  pos: number;
  lane: number;
  v: number;
  a: number;
  /** The route cannot be extended (dead end): the vehicle leaves the network at its end. */
  final: boolean;
};

/** Throws InvalidInputError for options no engine can run with. */
export function checkTrafficOptions(net: RoadNetwork, options: TrafficOptions): void {
  if (!Number.isInteger(options.vehicles) || options.vehicles < 0) {
    throw new InvalidInputError(`vehicles must be a non-negative integer, got ${options.vehicles}`);
  }
  if (!Number.isFinite(options.seed)) throw new InvalidInputError(`seed must be a number, got ${options.seed}`);
  const dt = options.stepSeconds ?? 0.1;
  if (!(dt > 0 && dt <= 1)) throw new InvalidInputError(`stepSeconds must be in (0, 1], got ${dt}`);
  if (net.edges.size === 0) {
    throw new InvalidInputError(`${net.name} has no drivable edges`, {
      fix: "load the network for the right vehicle class (e.g. vehicleClass: 'vip' for a raceway)",
    });
  }
}

function headingOf(dx: number, dy: number): number {
  const h = (Math.atan2(dx, dy) * 180) / Math.PI;
  return h < 0 ? h + 360 : h;
}

function angleBetween(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** Built-in engine: IDM car following on random routes; deterministic for a seed. */
export class BuiltinTraffic implements TrafficEngine {
  readonly kind = "builtin" as const;
  private readonly net: RoadNetwork;
  private readonly rng: Rng;
  private readonly dt: number;
  private readonly within: ((e: RoadEdge) => boolean) | undefined;
  private readonly vehicles: Vehicle[] = [];
  private readonly onEdge = new Map<string, Vehicle[]>();
  private readonly segments = new Map<string, Segment>();
  /** Next edge id → vehicles heading for it from the end of their current edge (rebuilt every step). */
  private readonly approaching = new Map<string, Vehicle[]>();
  private time = 0;
  private closed = false;

  constructor(net: RoadNetwork, options: TrafficOptions) {
    checkTrafficOptions(net, options);
    this.net = net;
    this.rng = mulberry32(options.seed);
    this.dt = options.stepSeconds ?? 0.1;
    this.within = options.within;
    for (let i = 0; i < options.vehicles; i++) {
      const aggressive = this.rng() < 0.15;
      const driver: Driver = aggressive
        ? {
            factor: uniform(this.rng, 1.08, MAX_SPEED_FACTOR),
            aMax: uniform(this.rng, 2.8, 3.6),
            b: uniform(this.rng, 3.8, 5),
            T: uniform(this.rng, 0.7, 1),
            s0: 1.5,
          }
        : {
            factor: uniform(this.rng, 0.88, 1.08),
            aMax: uniform(this.rng, 1.1, 1.8),
            b: uniform(this.rng, 1.6, 2.5),
            T: uniform(this.rng, 1.2, 1.8),
            s0: 2,
          };
      const vehicle = this.place(`veh${i}`, driver);
      this.vehicles.push(vehicle);
    }
  }

  async step(): Promise<VehicleState[]> {
    if (this.closed) throw new InvalidInputError("the traffic engine is closed", { fix: "create a new engine" });
    return this.stepSync();
  }

  /** Same as step(), synchronously (for benchmarks and tight loops). */
  stepSync(): VehicleState[] {
    const dt = this.dt;
    this.time += dt;
    for (const list of this.approaching.values()) list.length = 0;
    for (const veh of this.vehicles) {
      const next = veh.route[veh.idx + 1];
      if (next === undefined) continue;
      let list = this.approaching.get(next);
      if (!list) {
        list = [];
        this.approaching.set(next, list);
      }
      list.push(veh);
    }
    for (const veh of this.vehicles) this.advance(veh, dt);
    return this.vehicles.map((v) => this.state(v));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- routes and segments ----

  private segment(edgeId: string, nextId: string | undefined): Segment {
    const key = `${edgeId}\n${nextId ?? ""}`;
    const cached = this.segments.get(key);
    if (cached) return cached;
    const edge = this.net.edges.get(edgeId)!;
    const points: [number, number][] = edge.shape.slice();
    let exitSpeed = Number.POSITIVE_INFINITY;
    const next = nextId === undefined ? undefined : this.net.edges.get(nextId);
    if (next) {
      const link = networkDetails(this.net).links.get(key);
      const via = link?.shape ?? [];
      for (const p of via.length > 0 ? via : []) points.push(p);
      points.push(next.shape[0]!);
      const n = edge.shape.length;
      const [ax, ay] = edge.shape[n - 2]!;
      const [bx, by] = edge.shape[n - 1]!;
      const [cx, cy] = next.shape[0]!;
      const [dx, dy] = next.shape[1]!;
      const turn = angleBetween(headingOf(bx - ax, by - ay), headingOf(dx - cx, dy - cy));
      exitSpeed = next.speed;
      if (link?.dir === "t" || turn > 150) exitSpeed = Math.min(exitSpeed, 4);
      else if (turn > 20) exitSpeed = Math.min(exitSpeed, Math.max(5, 16 * (1 - turn / 180)));
      const jt = networkDetails(this.net).junctionTypes.get(edge.to) ?? "";
      if (/right_before_left|allway_stop|priority_stop|traffic_light|zipper/.test(jt) && turn > 20) {
        exitSpeed = Math.min(exitSpeed, 7);
      } else if (/right_before_left|allway_stop/.test(jt)) exitSpeed = Math.min(exitSpeed, 9);
    }
    // Drop repeated points so every piece has a direction.
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of points) {
      const lx = xs[xs.length - 1];
      const ly = ys[ys.length - 1];
      if (lx !== undefined && ly !== undefined && Math.hypot(x - lx, y - ly) < 1e-6) continue;
      xs.push(x);
      ys.push(y);
    }
    if (xs.length === 1) {
      xs.push(xs[0]! + 0.1);
      ys.push(ys[0]!);
    }
    const cum = new Float64Array(xs.length);
    for (let i = 1; i < xs.length; i++) cum[i] = cum[i - 1]! + Math.hypot(xs[i]! - xs[i - 1]!, ys[i]! - ys[i - 1]!);
    const seg: Segment = {
      edge,
      xs: Float64Array.from(xs),
      ys: Float64Array.from(ys),
      cum,
      length: cum[cum.length - 1]!,
      exitSpeed,
    };
    this.segments.set(key, seg);
    return seg;
  }

  private newRoute(from?: string): string[] {
    const options: Parameters<typeof randomRoute>[2] = { minLength: 1500 };
    if (this.within) options.within = this.within;
    if (from !== undefined) options.from = from;
    return randomRoute(this.net, this.rng, options);
  }

  /** Make sure the vehicle knows the edge after the current one (extending its trip from where it is). */
  private extend(veh: Vehicle): void {
    if (veh.final || veh.idx < veh.route.length - 1) return;
    const more = this.newRoute(veh.route[veh.route.length - 1]!);
    if (more.length < 2) {
      veh.final = true;
      return;
    }
    if (veh.idx > 32) {
      veh.route.splice(0, veh.idx);
      veh.idx = 0;
    }
    for (let i = 1; i < more.length; i++) veh.route.push(more[i]!);
    veh.seg = this.segment(veh.route[veh.idx]!, veh.route[veh.idx + 1]);
  }

  private occupy(veh: Vehicle): void {
    const id = veh.seg.edge.id;
    let list = this.onEdge.get(id);
    if (!list) {
      list = [];
      this.onEdge.set(id, list);
    }
    list.push(veh);
  }

  private vacate(veh: Vehicle): void {
    const list = this.onEdge.get(veh.seg.edge.id);
    if (!list) return;
    const i = list.indexOf(veh);
    if (i >= 0) list.splice(i, 1);
  }

  /** Put a vehicle at a free spot on a new random route. */
  private place(id: string, driver: Driver, existing?: Vehicle): Vehicle {
    let chosen: { route: string[]; pos: number } | undefined;
    for (let attempt = 0; attempt < 40 && !chosen; attempt++) {
      const route = this.newRoute();
      const edge = this.net.edges.get(route[0]!)!;
      const pos = this.rng() * Math.max(0, edge.length - 1);
      const others = this.onEdge.get(edge.id) ?? [];
      if (others.every((o) => Math.abs(o.pos - pos) > 25)) chosen = { route, pos };
    }
    if (!chosen) {
      throw new InvalidInputError(`no free place to put vehicle ${id} on ${this.net.name}`, {
        fix: "use fewer vehicles or a larger network",
      });
    }
    const veh: Vehicle = existing ?? {
      id,
      driver,
      route: chosen.route,
      idx: 0,
      seg: this.segment(chosen.route[0]!, chosen.route[1]),
      pos: chosen.pos,
      lane: 0,
      v: 0,
      a: 0,
      final: false,
    };
    veh.route = chosen.route;
    veh.idx = 0;
    veh.final = false;
    veh.seg = this.segment(chosen.route[0]!, chosen.route[1]);
    veh.pos = Math.min(chosen.pos, veh.seg.length);
    veh.lane = Math.floor(this.rng() * veh.seg.edge.lanes);
    veh.v = veh.seg.edge.speed * driver.factor * 0.5;
    veh.a = 0;
    this.extend(veh);
    this.occupy(veh);
    return veh;
  }

  // ---- dynamics ----

  /**
   * Nearest vehicle ahead along this vehicle's route: same lane on the current edge, any lane on the next edges,
   * and — for the merge into the next edge — any vehicle from another edge that is closer to that merge (zipper
   * order: whoever reaches the junction first goes first). Returns the bumper-to-bumper gap and the leader's speed.
   */
  private leader(veh: Vehicle, horizon: number): { gap: number; v: number } | undefined {
    let best: Vehicle | undefined;
    let bestPos = Number.POSITIVE_INFINITY;
    for (const o of this.onEdge.get(veh.seg.edge.id) ?? []) {
      if (o !== veh && o.lane === veh.lane && o.pos > veh.pos && o.pos < bestPos) {
        best = o;
        bestPos = o.pos;
      } else if (o !== veh && o.lane === veh.lane && o.pos === veh.pos && o.id < veh.id) {
        best = o;
        bestPos = o.pos;
      }
    }
    if (best) return { gap: bestPos - veh.pos - VEHICLE_LENGTH, v: best.v };
    let offset = veh.seg.length - veh.pos;
    let merge: { gap: number; v: number } | undefined;
    const next = veh.route[veh.idx + 1];
    if (next !== undefined && offset < horizon) {
      for (const o of this.approaching.get(next) ?? []) {
        if (o === veh || o.seg.edge.id === veh.seg.edge.id || o.route[o.idx + 1] !== next) continue;
        const theirs = o.seg.length - o.pos;
        if (theirs > offset || (theirs === offset && o.id > veh.id)) continue;
        // Side by side (in path terms): wait at the junction until the other has gone in.
        const behind = offset - theirs - VEHICLE_LENGTH;
        const safe = behind >= veh.driver.s0 + veh.v * 0.5;
        const candidate = safe ? { gap: behind, v: o.v } : { gap: Math.max(0.1, offset - 1), v: 0 };
        if (!merge || candidate.gap < merge.gap) merge = candidate;
      }
    }
    for (let k = veh.idx + 1; k < veh.route.length && offset < horizon; k++) {
      const edgeId = veh.route[k]!;
      let nearest: Vehicle | undefined;
      for (const o of this.onEdge.get(edgeId) ?? []) {
        if (o !== veh && (!nearest || o.pos < nearest.pos)) nearest = o;
      }
      if (nearest) {
        const gap = offset + nearest.pos - VEHICLE_LENGTH;
        return merge && merge.gap < gap ? merge : { gap, v: nearest.v };
      }
      if (merge) return merge;
      offset += this.segment(edgeId, veh.route[k + 1]).length;
    }
    return merge;
  }

  private advance(veh: Vehicle, dt: number): void {
    const d = veh.driver;
    const seg = veh.seg;
    const v = veh.v;
    let v0 = Math.max(1, seg.edge.speed * d.factor);
    const toExit = Math.max(0, seg.length - veh.pos);
    const exitSpeed = seg.exitSpeed * d.factor;
    let a: number;
    let needed = Number.NEGATIVE_INFINITY;
    if (Number.isFinite(exitSpeed)) {
      v0 = Math.min(v0, Math.sqrt(exitSpeed * exitSpeed + 2 * d.b * toExit));
      if (v > exitSpeed) needed = -(v * v - exitSpeed * exitSpeed) / (2 * Math.max(toExit, 0.5));
    }
    v0 = Math.max(v0, 1);
    const lead = this.leader(veh, Math.max(60, v * 5 + 40));
    const free = 1 - (v / v0) ** 4;
    if (lead) {
      const s = Math.max(0.1, lead.gap);
      const sStar = d.s0 + Math.max(0, v * d.T + (v * (v - lead.v)) / (2 * Math.sqrt(d.aMax * d.b)));
      a = d.aMax * (free - (sStar / s) ** 2);
    } else {
      a = d.aMax * free;
    }
    if (needed > Number.NEGATIVE_INFINITY) a = Math.min(a, needed);
    a = Math.max(-MAX_DECEL, Math.min(d.aMax, a));
    let nv = v + a * dt;
    let dx: number;
    if (nv < 0) {
      dx = a < 0 ? (v * v) / (-2 * a) : 0;
      nv = 0;
    } else {
      dx = ((v + nv) / 2) * dt;
    }
    // Never run into the leader, whatever the model said (it can only lag at merges the IDM does not see).
    if (lead && dx > lead.gap - MIN_GAP) {
      // Emergency stop: held behind the leader, braking no harder than a car can (speed and displacement may
      // disagree for this one step).
      dx = Math.max(0, lead.gap - MIN_GAP);
      nv = Math.max(0, v - MAX_DECEL * dt, Math.min(nv, lead.v));
    }
    veh.a = (nv - v) / dt;
    veh.v = nv;
    veh.pos += dx;
    while (veh.pos >= veh.seg.length) {
      if (veh.idx + 1 >= veh.route.length) {
        // Left the network at a dead end: re-enter elsewhere under the same id.
        this.vacate(veh);
        this.place(veh.id, veh.driver, veh);
        return;
      }
      const rest = veh.pos - veh.seg.length;
      this.vacate(veh);
      veh.idx += 1;
      veh.seg = this.segment(veh.route[veh.idx]!, veh.route[veh.idx + 1]);
      veh.pos = rest;
      const lanes = veh.seg.edge.lanes;
      veh.lane = veh.lane < lanes ? veh.lane : lanes - 1;
      this.extend(veh);
      this.occupy(veh);
    }
  }

  private state(veh: Vehicle): VehicleState {
    const seg = veh.seg;
    const { cum, xs, ys } = seg;
    let lo = 0;
    let hi = cum.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! <= veh.pos) lo = mid;
      else hi = mid;
    }
    const len = cum[hi]! - cum[lo]!;
    const f = len > 0 ? Math.min(1, Math.max(0, (veh.pos - cum[lo]!) / len)) : 0;
    const dx = xs[hi]! - xs[lo]!;
    const dy = ys[hi]! - ys[lo]!;
    let x = xs[lo]! + dx * f;
    let y = ys[lo]! + dy * f;
    if (veh.lane > 0 && len > 0) {
      // Lane k lies k lane widths to the left of lane 0 (SUMO numbers lanes from the right).
      x += (-dy / len) * veh.lane * LANE_WIDTH;
      y += (dx / len) * veh.lane * LANE_WIDTH;
    }
    const [lat, lon] = this.net.toLatLon(x, y);
    return {
      id: veh.id,
      lat,
      lon,
      x,
      y,
      speed: veh.v,
      heading: trueHeading(this.net, headingOf(dx, dy)),
      acceleration: veh.a,
      edge: seg.edge.id,
      time: Math.round(this.time * 1e6) / 1e6,
    };
  }
}
