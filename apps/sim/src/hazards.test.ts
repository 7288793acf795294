import { beforeAll, describe, expect, it } from "vitest";
import { cellOf, distanceMeters, offsetAlong } from "./coverage.js";
import {
  CAUSE_ACCIDENT,
  CAUSE_ADHESION,
  chooseHazardSpot,
  dueReports,
  type Hazard,
  HazardField,
  type HazardVehicle,
  matchEvent,
  nextHazardDelayMs,
} from "./hazards.js";
import { loadSumoNetwork, type RoadNetwork, resolveNetworkFile } from "./network.js";
import { mulberry32 } from "./rng.js";

let net: RoadNetwork;
beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
});
const covered = (lat: number, lon: number) => {
  const cell = cellOf(lat, lon);
  return cell === "871f18a0cffffff" || cell === "871f18a01ffffff" ? cell : undefined;
};

/** Vehicles at `offsets` metres along edge `id`. */
function onEdge(id: string, offsets: number[], prefix = id): HazardVehicle[] {
  const edge = net.edges.get(id);
  if (!edge) throw new Error(`no edge ${id}`);
  return offsets.map((o, i) => {
    let left = o;
    let point = edge.shape[0] ?? [0, 0];
    for (let k = 1; k < edge.shape.length; k++) {
      const [ax, ay] = edge.shape[k - 1] ?? [0, 0];
      const [bx, by] = edge.shape[k] ?? [0, 0];
      const len = Math.hypot(bx - ax, by - ay);
      if (left <= len) {
        point = [ax + ((bx - ax) * left) / len, ay + ((by - ay) * left) / len];
        break;
      }
      left -= len;
    }
    const [lat, lon] = net.toLatLon(point[0], point[1]);
    return { key: `${prefix}-${i}`, lat, lon, x: point[0], y: point[1], edge: id };
  });
}

/** The longest edge lying in a covered cell. */
const longCoveredEdge = () =>
  [...net.edges.values()]
    .filter((e) => e.length > 400 && e.geo.every(([lat, lon]) => covered(lat, lon)))
    .sort((a, b) => b.length - a.length)[0]!;

describe("hazard placement", () => {
  it("goes on the road with the most vehicles, ahead of the frontmost one, in a covered cell", () => {
    const busy = longCoveredEdge();
    const other = [...net.edges.values()].find((e) => e.id !== busy.id && e.length > 100)!;
    const vehicles = [...onEdge(busy.id, [20, 60, 110]), ...onEdge(other.id, [10])];
    for (let seed = 1; seed <= 20; seed++) {
      const spot = chooseHazardSpot(net, mulberry32(seed), vehicles, covered);
      expect(spot).toBeDefined();
      if (!spot) continue;
      if (spot.edge !== busy.id) continue; // one of the best three, at random: the busy road most of the time
      const [x, y] = net.toXY(spot.lat, spot.lon);
      const along = offsetAlong(busy.shape, x, y);
      expect(along).toBeGreaterThanOrEqual(110 + 39);
      expect(along).toBeLessThanOrEqual(Math.min(110 + 121, busy.length));
      expect(spot.cell).toBe(covered(spot.lat, spot.lon));
      expect(spot.vehiclesOnEdge).toBe(3);
    }
    const picks = Array.from({ length: 20 }, (_, s) => chooseHazardSpot(net, mulberry32(s + 1), vehicles, covered));
    expect(picks.filter((p) => p?.edge === busy.id).length).toBeGreaterThanOrEqual(5);
  });

  it("is the same for the same seed, and none without vehicles in coverage", () => {
    const vehicles = onEdge(longCoveredEdge().id, [30, 90]);
    expect(chooseHazardSpot(net, mulberry32(9), vehicles, covered)).toEqual(
      chooseHazardSpot(net, mulberry32(9), vehicles, covered),
    );
    expect(chooseHazardSpot(net, mulberry32(9), vehicles, () => undefined)).toBeUndefined();
    expect(chooseHazardSpot(net, mulberry32(9), [], covered)).toBeUndefined();
  });

  it("spaces hazards uniformly within half to one and a half of the mean", () => {
    const rng = mulberry32(3);
    const delays = Array.from({ length: 500 }, () => nextHazardDelayMs(rng, 45));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(22_500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(67_500);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeGreaterThan(42_000);
  });
});

describe("reporters", () => {
  const hazard = (over: Partial<Hazard> = {}): Hazard => ({
    id: "hz-1",
    causeCode: CAUSE_ADHESION,
    subCauseCode: 6,
    lat: 52.31,
    lon: 13.6,
    cell: "871f18a0cffffff",
    edge: "e",
    startedAt: 0,
    expiresAt: 100_000,
    reporters: new Set(),
    confirmed: false,
    eventId: null,
    ...over,
  });
  const at = (key: string, metresNorth: number) => ({ key, lat: 52.31 + metresNorth / 111_195, lon: 13.6 });

  it("each vehicle within the radius reports once; none after confirmation or expiry", () => {
    const h = hazard();
    const vehicles = [at("near", 50), at("edge", 99), at("far", 150)];
    const first = dueReports([h], vehicles, 100, 1000);
    expect(first.map((r) => r.vehicle.key)).toEqual(["near", "edge"]);
    for (const r of first) h.reporters.add(r.vehicle.key);
    expect(dueReports([h], vehicles, 100, 1000)).toEqual([]);
    expect(dueReports([hazard({ confirmed: true })], vehicles, 100, 1000)).toEqual([]);
    expect(dueReports([hazard()], vehicles, 100, 100_000)).toEqual([]);
  });

  it("a confirmed event is matched to the hazard of its cause within the RSU's radius", () => {
    const ice = hazard();
    const crash = hazard({ id: "hz-2", causeCode: CAUSE_ACCIDENT });
    const event = { causeCode: CAUSE_ADHESION, latitude: Math.round(52.3102 * 1e7), longitude: 13.6 * 1e7 };
    expect(matchEvent([crash, ice], event, 300)?.id).toBe("hz-1");
    expect(matchEvent([crash, ice], { ...event, latitude: 52.32 * 1e7 }, 300)).toBeUndefined();
  });

  it("HazardField: a seeded run places hazards near the vehicles, vehicles report, an event confirms", () => {
    const field = new HazardField({
      rng: mulberry32(1),
      everySeconds: 10,
      lifetimeMs: 60_000,
      reportRadiusMeters: 100,
      matchRadiusMeters: 300,
    });
    const vehicles = onEdge(longCoveredEdge().id, [0, 40, 80, 120]);
    let spawned: Hazard | undefined;
    for (let t = 0; t <= 15_000 && !spawned; t += 100)
      spawned = field.tick(t, net, vehicles, vehicles, covered).spawned;
    expect(spawned).toBeDefined();
    if (!spawned) return;
    expect(spawned.startedAt).toBeGreaterThanOrEqual(5000);
    expect([CAUSE_ACCIDENT, CAUSE_ADHESION]).toContain(spawned.causeCode);
    const frontmost = vehicles.at(-1)!;
    expect(distanceMeters(frontmost.lat, frontmost.lon, spawned.lat, spawned.lon)).toBeLessThan(125);
    // The vehicles drive up to it: each within 100 m reports exactly once.
    const passing = vehicles.map((v) => ({ ...v, lat: spawned.lat, lon: spawned.lon }));
    const { reports } = field.tick(spawned.startedAt + 100, net, passing, passing, covered);
    expect(reports.map((r) => r.vehicle.key).sort()).toEqual(vehicles.map((v) => v.key).sort());
    for (const r of reports) r.hazard.reporters.add(r.vehicle.key);
    const eventId = `0x${"ab".repeat(32)}` as const;
    const event = { eventId, causeCode: spawned.causeCode, latitude: spawned.lat * 1e7, longitude: spawned.lon * 1e7 };
    expect(field.confirm(event)?.eventId).toBe(eventId);
    expect(field.confirm(event)).toBeUndefined(); // news once
    expect(field.list()[0]?.confirmed).toBe(true);
  });
});
