import { beforeAll, describe, expect, it } from "vitest";
import { loadSumoNetwork, type RoadNetwork, resolveNetworkFile } from "./network.js";
import { BuiltinTraffic, MAX_SPEED_FACTOR, type VehicleState } from "./traffic.js";

let net: RoadNetwork;

beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
});

/** Distance from (x, y) to a polyline. */
function distanceToShape(x: number, y: number, shape: readonly [number, number][]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < shape.length; i++) {
    const [ax, ay] = shape[i - 1]!;
    const [bx, by] = shape[i]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

function bearing(a: VehicleState, b: VehicleState): number {
  const dLat = b.lat - a.lat;
  const dLon = (b.lon - a.lon) * Math.cos((a.lat * Math.PI) / 180);
  const h = (Math.atan2(dLon, dLat) * 180) / Math.PI;
  return h < 0 ? h + 360 : h;
}

describe("BuiltinTraffic", () => {
  it("drives 20 vehicles for 2 simulated minutes on the network, within limits, without collisions", async () => {
    const engine = new BuiltinTraffic(net, { vehicles: 20, seed: 11 });
    expect(engine.kind).toBe("builtin");
    const odometer = new Map<string, number>();
    let prev = new Map<string, VehicleState>();
    let headingChecks = 0;
    let minA = 0;
    let maxA = 0;
    const steps = 1200; // 120 s at 0.1 s
    for (let k = 0; k < steps; k++) {
      const states = await engine.step();
      expect(states).toHaveLength(20);
      const byEdge = new Map<string, VehicleState[]>();
      for (const s of states) {
        expect(s.time).toBeCloseTo((k + 1) * 0.1, 6);
        const edge = net.edges.get(s.edge);
        expect(edge, `edge ${s.edge}`).toBeDefined();
        // On the edge, or in the junction towards one of its successors.
        const near = [edge!.shape, ...(net.successors.get(s.edge) ?? []).map((n) => net.edges.get(n)!.shape)].map(
          (shape) => distanceToShape(s.x, s.y, shape),
        );
        expect(Math.min(...near), `${s.id} off its road at t=${s.time}`).toBeLessThan(15);
        expect(s.speed).toBeGreaterThanOrEqual(0);
        expect(s.speed).toBeLessThanOrEqual(edge!.speed * MAX_SPEED_FACTOR + 0.5);
        expect(s.heading).toBeGreaterThanOrEqual(0);
        expect(s.heading).toBeLessThan(360);
        const [lat, lon] = net.toLatLon(s.x, s.y);
        expect(lat).toBeCloseTo(s.lat, 9);
        expect(lon).toBeCloseTo(s.lon, 9);
        minA = Math.min(minA, s.acceleration);
        maxA = Math.max(maxA, s.acceleration);
        const list = byEdge.get(s.edge) ?? [];
        list.push(s);
        byEdge.set(s.edge, list);
        const p = prev.get(s.id);
        const step = p ? Math.hypot(s.x - p.x, s.y - p.y) : 0;
        // (a vehicle that left the network at a dead end re-enters elsewhere: a jump, not driving)
        if (step < 50) odometer.set(s.id, (odometer.get(s.id) ?? 0) + step);
        if (p && s.speed > 3 && p.edge === s.edge) {
          const moved = Math.hypot(s.x - p.x, s.y - p.y);
          const turn = Math.abs(p.heading - s.heading) % 360;
          // Straight stretches only: across a shape vertex the chord lies between two segment directions.
          if (moved > 0.3 && moved < 10 && Math.min(turn, 360 - turn) < 5) {
            const d = Math.abs(bearing(p, s) - s.heading) % 360;
            expect(Math.min(d, 360 - d), `heading of ${s.id} at t=${s.time}`).toBeLessThan(10);
            headingChecks++;
          }
        }
      }
      // Vehicles on the same edge are either in different lanes (3.2 m apart) or at least a car length apart.
      for (const list of byEdge.values())
        for (let i = 0; i < list.length; i++)
          for (let j = i + 1; j < list.length; j++) {
            const a = list[i]!;
            const b = list[j]!;
            expect(Math.hypot(a.x - b.x, a.y - b.y), `${a.id}/${b.id} at t=${a.time}`).toBeGreaterThan(2.5);
          }
      prev = new Map(states.map((s) => [s.id, s]));
    }
    expect(headingChecks).toBeGreaterThan(5000);
    // Every vehicle drove: even on 20 km/h residential streets 2 minutes make > 400 m.
    for (const [id, metres] of odometer) expect(metres, id).toBeGreaterThan(400);
    expect(minA).toBeGreaterThanOrEqual(-9.0001);
    expect(maxA).toBeLessThanOrEqual(3.6 + 1e-9);
    await engine.close();
    await expect(engine.step()).rejects.toThrow(/closed/);
  });

  it("is deterministic for a seed and differs between seeds", async () => {
    const run = async (seed: number) => {
      const e = new BuiltinTraffic(net, { vehicles: 10, seed });
      let last: VehicleState[] = [];
      for (let k = 0; k < 300; k++) last = await e.step();
      return last;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it("produces harsh events (the labels federated learning needs) but mostly calm driving", () => {
    const e = new BuiltinTraffic(net, { vehicles: 30, seed: 2 });
    let harsh = 0;
    let n = 0;
    for (let k = 0; k < 3000; k++)
      for (const s of e.stepSync()) {
        n++;
        if (s.acceleration < -3 || s.acceleration > 2.5) harsh++;
      }
    expect(harsh).toBeGreaterThan(0);
    expect(harsh / n).toBeLessThan(0.05);
  });

  it("keeps to `within` and rejects bad options", async () => {
    const within = (edge: { kind: string }) => edge.kind.startsWith("highway.motorway");
    const e = new BuiltinTraffic(net, { vehicles: 5, seed: 1, within });
    for (let k = 0; k < 200; k++) for (const s of await e.step()) expect(within(net.edges.get(s.edge)!)).toBe(true);
    expect(() => new BuiltinTraffic(net, { vehicles: -1, seed: 1 })).toThrow(/non-negative integer/);
    expect(() => new BuiltinTraffic(net, { vehicles: 1, seed: 1, stepSeconds: 0 })).toThrow(/stepSeconds/);
  });

  it("steps 50 vehicles quickly (figure printed, not asserted)", () => {
    const e = new BuiltinTraffic(net, { vehicles: 50, seed: 3 });
    for (let k = 0; k < 100; k++) e.stepSync();
    const t0 = performance.now();
    for (let k = 0; k < 1000; k++) e.stepSync();
    console.log(`builtin step, 50 vehicles: ${((performance.now() - t0) / 1000).toFixed(3)} ms`);
  });
});
