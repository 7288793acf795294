import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSumoNetwork, type RoadNetwork, resolveNetworkFile } from "./network.js";
import { mulberry32 } from "./rng.js";
import { randomRoute, shortestPath } from "./routing.js";

let net: RoadNetwork;
let ids: string[];

beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
  ids = [...net.edges.keys()].sort();
});

function connected(route: readonly string[]): boolean {
  for (let i = 1; i < route.length; i++) if (!net.successors.get(route[i - 1]!)?.includes(route[i]!)) return false;
  return true;
}

describe("shortestPath", () => {
  it("returns connected paths from start to destination (property over random pairs)", () => {
    let found = 0;
    fc.assert(
      fc.property(fc.nat(ids.length - 1), fc.nat(ids.length - 1), (i, j) => {
        const path = shortestPath(net, ids[i]!, ids[j]!);
        if (path === undefined) return;
        found++;
        expect(path[0]).toBe(ids[i]);
        expect(path[path.length - 1]).toBe(ids[j]);
        expect(connected(path)).toBe(true);
        expect(new Set(path).size).toBe(path.length);
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(found).toBeGreaterThan(100);
  });

  it("is no slower than any other route it could take (checked against a random walk that reaches the target)", () => {
    const rng = mulberry32(7);
    const tt = (p: string[]) => p.reduce((s, id) => s + net.edges.get(id)!.length / net.edges.get(id)!.speed, 0);
    for (let k = 0; k < 50; k++) {
      const walk = randomRoute(net, rng, { minLength: 3000 });
      const from = walk[0]!;
      const to = walk[walk.length - 1]!;
      const best = shortestPath(net, from, to)!;
      expect(best).toBeDefined();
      expect(tt(best)).toBeLessThanOrEqual(tt(walk) + 1e-9);
    }
  });

  it("rejects unknown edges", () => {
    expect(() => shortestPath(net, "nope", ids[0]!)).toThrow(/start edge "nope" is not a drivable edge/);
    expect(shortestPath(net, ids[0]!, ids[0]!)).toEqual([ids[0]]);
  });
});

describe("randomRoute", () => {
  it("is connected, deterministic for a seed and reaches the minimum length where the roads allow", () => {
    const a = randomRoute(net, mulberry32(1), { minLength: 2000 });
    expect(randomRoute(net, mulberry32(1), { minLength: 2000 })).toEqual(a);
    let long = 0;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const r = randomRoute(net, mulberry32(seed), { minLength: 2000 });
        expect(r.length).toBeGreaterThan(0);
        expect(connected(r)).toBe(true);
        if (r.reduce((s, id) => s + net.edges.get(id)!.length, 0) >= 2000) long++;
      }),
      { seed: 5, numRuns: 100 },
    );
    expect(long).toBeGreaterThan(80);
  });

  it("honours `within` and `from`", () => {
    const within = (e: { kind: string }) => e.kind.startsWith("highway.motorway");
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const r = randomRoute(net, mulberry32(seed), { within, minLength: 1000 });
        for (const id of r) expect(within(net.edges.get(id)!)).toBe(true);
        expect(connected(r)).toBe(true);
      }),
      { seed: 9, numRuns: 100 },
    );
    const start = ids.find((id) => (net.successors.get(id)?.length ?? 0) > 0)!;
    expect(randomRoute(net, mulberry32(3), { from: start })[0]).toBe(start);
    expect(() => randomRoute(net, mulberry32(3), { within: () => false })).toThrow(/no drivable edge/);
  });
});
