// Routes over a RoadNetwork: fastest paths (Dijkstra, 1959, on free-flow travel time = length / speed limit, with a
// binary heap) and random trips for the simulated fleet. Both engines use these routes, so a vehicle drives the same
// kind of trip whether the built-in model or SUMO moves it.

import { InvalidInputError } from "@amc/utils";
import { networkDetails, type RoadEdge, type RoadNetwork } from "./network.js";
import { type Rng, randomInt } from "./rng.js";

/** Min-heap of (key, value) pairs on parallel arrays. */
class MinHeap {
  private keys: number[] = [];
  private values: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: string): void {
    const k = this.keys;
    const v = this.values;
    let i = k.length;
    k.push(key);
    v.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p]! <= key) break;
      k[i] = k[p]!;
      v[i] = v[p]!;
      i = p;
    }
    k[i] = key;
    v[i] = value;
  }

  pop(): [number, string] | undefined {
    const k = this.keys;
    const v = this.values;
    if (k.length === 0) return undefined;
    const top: [number, string] = [k[0]!, v[0]!];
    const lastK = k.pop()!;
    const lastV = v.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && k[r]! < k[l]! ? r : l;
        if (k[c]! >= lastK) break;
        k[i] = k[c]!;
        v[i] = v[c]!;
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

function travelTime(e: RoadEdge): number {
  return e.length / Math.max(0.5, e.speed);
}

function checkEdge(net: RoadNetwork, id: string, role: string): RoadEdge {
  const e = net.edges.get(id);
  if (!e) {
    throw new InvalidInputError(`${role} edge "${id}" is not a drivable edge of ${net.name}`, {
      fix: "pick an id from net.edges",
    });
  }
  return e;
}

/**
 * Fastest route from edge `from` to edge `to` (both included) over `net.successors`, by free-flow travel time.
 * Returns undefined when `to` cannot be reached. Throws InvalidInputError for an unknown edge id.
 */
export function shortestPath(net: RoadNetwork, from: string, to: string): string[] | undefined {
  const start = checkEdge(net, from, "start");
  checkEdge(net, to, "destination");
  if (from === to) return [from];
  const dist = new Map<string, number>([[from, travelTime(start)]]);
  const prev = new Map<string, string>();
  const heap = new MinHeap();
  heap.push(travelTime(start), from);
  for (let item = heap.pop(); item; item = heap.pop()) {
    const [d, id] = item;
    if (d > (dist.get(id) ?? Number.POSITIVE_INFINITY)) continue;
    if (id === to) break;
    for (const next of net.successors.get(id) ?? []) {
      const e = net.edges.get(next);
      if (!e) continue;
      const nd = d + travelTime(e);
      if (nd < (dist.get(next) ?? Number.POSITIVE_INFINITY)) {
        dist.set(next, nd);
        prev.set(next, id);
        heap.push(nd, next);
      }
    }
  }
  if (!dist.has(to)) return undefined;
  const path = [to];
  for (let cur = prev.get(to); cur !== undefined; cur = prev.get(cur)) path.push(cur);
  return path.reverse();
}

export type RandomRouteOptions = {
  /** Minimum route length in metres (default 1500); met unless the network runs out of road first. */
  minLength?: number;
  /** Only edges accepted by this predicate are used. */
  within?: (e: RoadEdge) => boolean;
  /** Start on this edge (e.g. where a vehicle finished its previous route) instead of a random one. */
  from?: string;
};

function routeLength(net: RoadNetwork, route: readonly string[]): number {
  let s = 0;
  for (const id of route) s += net.edges.get(id)?.length ?? 0;
  return s;
}

/**
 * A random connected trip: a fastest path between random edges (so it looks like a purposeful journey), extended by
 * a random walk that avoids U-turns when the path is shorter than `minLength`. Consecutive edges are always
 * successors; every edge passes `within`. Deterministic for a given rng state.
 */
export function randomRoute(net: RoadNetwork, rng: Rng, options: RandomRouteOptions = {}): string[] {
  const within = options.within ?? (() => true);
  const minLength = options.minLength ?? 1500;
  const pool = [...net.edges.values()].filter(within).map((e) => e.id);
  if (pool.length === 0) {
    throw new InvalidInputError(`no drivable edge of ${net.name} passes the route filter`, {
      fix: "widen the `within` filter or pick another network",
    });
  }
  if (options.from !== undefined) checkEdge(net, options.from, "start");
  const inside = new Set(pool);
  const restricted: RoadNetwork = options.within
    ? {
        ...net,
        successors: new Map([...net.successors].map(([k, v]) => [k, v.filter((s) => inside.has(s))])),
      }
    : net;
  const links = networkDetails(net).links;
  const withSuccessors = pool.filter((id) => (restricted.successors.get(id)?.length ?? 0) > 0);
  const starts = withSuccessors.length > 0 ? withSuccessors : pool;

  // A fastest path between random edges, extended by a random walk (no U-turns, no repeated edge while there is
  // a choice) until long enough; dead ends at the network's rim cut a walk short, so keep the longest of a few.
  let best: string[] = [];
  let bestLength = -1;
  for (let attempt = 0; attempt < 12 && bestLength < minLength; attempt++) {
    const from = options.from ?? starts[randomInt(rng, starts.length)]!;
    const to = pool[randomInt(rng, pool.length)]!;
    const route = (restricted.edges.has(from) && shortestPath(restricted, from, to)) || [from];
    const seen = new Set(route);
    let length = routeLength(net, route);
    while (length < minLength && route.length < 10_000) {
      const last = route[route.length - 1]!;
      const next = restricted.successors.get(last) ?? [];
      if (next.length === 0) break;
      const fresh = next.filter((s) => !seen.has(s) && links.get(`${last}\n${s}`)?.dir !== "t");
      const choices = fresh.length > 0 ? fresh : next;
      const pick = choices[randomInt(rng, choices.length)]!;
      route.push(pick);
      seen.add(pick);
      length += net.edges.get(pick)?.length ?? 0;
    }
    if (length > bestLength) {
      best = route;
      bestLength = length;
    }
  }
  return best;
}
