import { loadTopology } from "@amc/chain";
import fc from "fast-check";
import { cellToBoundary, cellToLatLng, gridDisk } from "h3-js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cellOf,
  decideLink,
  distanceMeters,
  nearestRsu,
  offsetAlong,
  type PlacedRsu,
  planCoverage,
  pointAlong,
} from "./coverage.js";
import { loadSumoNetwork, type RoadNetwork, resolveNetworkFile } from "./network.js";

// The real A10 Werder network and the repository's default topology (two edge cells, two RSUs each).
let net: RoadNetwork;
const topology = loadTopology(new URL("../../../amc.config.json", import.meta.url).pathname);
const A = "871f18a0cffffff";
const B = "871f18a01ffffff";
const UNCOVERED = "871f18a0effffff";

beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
});

const rsu = (name: string, cell: string, lat: number, lon: number): PlacedRsu => ({
  name,
  cell,
  lat,
  lon,
  url: `http://127.0.0.1:1/${name}`,
});

describe("planCoverage", () => {
  it("matches the network's cells to the edge chains and places every RSU in its own cell", () => {
    const coverage = planCoverage(net, topology);
    expect(coverage.cells.map((c) => [c.cell, c.chain])).toEqual([
      [B, `cell-${B}`],
      [A, `cell-${A}`],
      [UNCOVERED, null],
    ]);
    expect(coverage.unplaced).toEqual([]);
    expect(coverage.rsus.map((r) => r.name).sort()).toEqual(
      [`rsu-${A}-0`, `rsu-${A}-1`, `rsu-${B}-0`, `rsu-${B}-1`].sort(),
    );
    for (const r of coverage.rsus) expect(cellOf(r.lat, r.lon)).toBe(r.cell);
  });

  it("lists the RSUs of a cell the network does not reach as unplaced", () => {
    const far = structuredClone(topology);
    const edgeChain = far.chains.find((c) => c.h3Cell === A);
    if (!edgeChain) throw new Error("the default topology changed");
    edgeChain.h3Cell = "871f1d489ffffff";
    const coverage = planCoverage(net, far);
    expect(coverage.unplaced).toEqual(["rsu-871f1d489ffffff-0", "rsu-871f1d489ffffff-1"]);
    expect(coverage.cells.find((c) => c.cell === A)?.chain).toBeNull();
  });
});

describe("nearestRsu", () => {
  it("picks the nearest RSU of the vehicle's cell only, never one of another cell", () => {
    const [lat, lon] = cellToLatLng(A);
    const rsus = [
      rsu("a-far", A, lat + 0.01, lon),
      rsu("a-near", A, lat + 0.001, lon),
      rsu("b-nearest", B, lat, lon + 0.0001),
    ];
    expect(nearestRsu(rsus, A, lat, lon)?.rsu.name).toBe("a-near");
    expect(nearestRsu(rsus, A, lat, lon)?.distance).toBeCloseTo(111.2, 0);
    expect(nearestRsu(rsus, UNCOVERED, lat, lon)).toBeUndefined();
  });
});

describe("decideLink (handover decisions)", () => {
  const [aLat, aLon] = cellToLatLng(A);
  const [bLat, bLon] = cellToLatLng(B);
  const rsus = [rsu("a0", A, aLat, aLon), rsu("a1", A, aLat + 0.01, aLon), rsu("b0", B, bLat, bLon)];
  const base = { rsus, now: 1_000_000, admissionTtlMs: 600_000, hysteresisMeters: 150 };
  const a0 = rsus[0]!;

  it("a vehicle crossing from cell A into neighbouring cell B hands over with A's admission", () => {
    const decision = decideLink({
      ...base,
      current: a0,
      lat: bLat,
      lon: bLon,
      lastAdmission: { cell: A, at: base.now - 5000 },
    });
    expect(decision).toEqual({ action: "connect", rsu: rsus[2], handover: true });
  });

  it("a stale admission (past its TTL) gives a fresh admission instead", () => {
    const decision = decideLink({
      ...base,
      current: a0,
      lat: bLat,
      lon: bLon,
      lastAdmission: { cell: A, at: base.now - 600_000 },
    });
    expect(decision).toEqual({ action: "connect", rsu: rsus[2], handover: false });
  });

  it("leaving coverage closes the session; re-entering the same cell is a fresh admission", () => {
    const [uLat, uLon] = cellToLatLng(UNCOVERED);
    expect(
      decideLink({ ...base, current: a0, lat: uLat, lon: uLon, lastAdmission: { cell: A, at: base.now } }),
    ).toEqual({ action: "disconnect" });
    expect(decideLink({ ...base, current: undefined, lat: uLat, lon: uLon, lastAdmission: undefined })).toEqual({
      action: "stay",
    });
    expect(
      decideLink({ ...base, current: undefined, lat: aLat, lon: aLon, lastAdmission: { cell: A, at: base.now } }),
    ).toEqual({ action: "connect", rsu: a0, handover: false });
  });

  it("inside a cell it switches RSU only when another is clearly nearer", () => {
    const between = { lat: aLat + 0.0052, lon: aLon }; // a little nearer a1 than a0
    expect(decideLink({ ...base, current: a0, ...between, lastAdmission: { cell: A, at: base.now } })).toEqual({
      action: "stay",
    });
    expect(
      decideLink({ ...base, current: a0, lat: aLat + 0.0095, lon: aLon, lastAdmission: { cell: A, at: base.now } }),
    ).toEqual({ action: "connect", rsu: rsus[1], handover: false });
  });

  it("property: a handover only into a neighbour of the last admission's cell, never into that cell itself", () => {
    const ring1 = new Set(gridDisk(A, 1));
    const from = A;
    fc.assert(
      fc.property(fc.constantFrom(...gridDisk(A, 2)), fc.double({ min: 0, max: 1, noNaN: true }), (to, f) => {
        const boundary = cellToBoundary(to);
        const [cLat, cLon] = cellToLatLng(to);
        const [vLat, vLon] = boundary[0] ?? [cLat, cLon];
        // A point between the centre and a vertex of `to` (stays inside the cell).
        const lat = cLat + (vLat - cLat) * f * 0.8;
        const lon = cLon + (vLon - cLon) * f * 0.8;
        const here = [rsu("from", from, ...cellToLatLng(from)), rsu("to", to, cLat, cLon)];
        const decision = decideLink({
          ...base,
          rsus: here,
          current: from === to ? undefined : here[0],
          lat,
          lon,
          lastAdmission: { cell: from, at: base.now },
        });
        expect(decision.action).toBe("connect");
        if (decision.action === "connect") expect(decision.handover).toBe(to !== from && ring1.has(to));
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe("polyline helpers", () => {
  it("offsetAlong and pointAlong are inverse along a bent line", () => {
    const shape: [number, number][] = [
      [0, 0],
      [100, 0],
      [100, 50],
    ];
    expect(offsetAlong(shape, 40, 3)).toBeCloseTo(40);
    expect(offsetAlong(shape, 103, 20)).toBeCloseTo(120);
    expect(pointAlong(shape, 120)).toEqual([100, 20]);
    expect(pointAlong(shape, 1000)).toEqual([100, 50]);
    expect(distanceMeters(52.31, 13.6, 52.311, 13.6)).toBeCloseTo(111.2, 0);
  });
});
