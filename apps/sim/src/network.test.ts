import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "@amc/utils";
import { cellToLatLng, getResolution } from "h3-js";
import proj4 from "proj4";
import { beforeAll, describe, expect, it } from "vitest";
import {
  availableNetworks,
  coveringCells,
  loadSumoNetwork,
  OSM_ATTRIBUTION,
  placeRsus,
  ROAD_NETWORKS_DIR,
  type RoadNetwork,
  resolveNetworkFile,
} from "./network.js";

const A10KW = "sumo_A10KW_osm.net.xml";
let net: RoadNetwork;

beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile(A10KW));
});

describe("loadSumoNetwork (A10KW)", () => {
  it("loads passenger-car edges with attribution, within the file's origBoundary", () => {
    expect(ROAD_NETWORKS_DIR.endsWith("/shared/vectors/road-networks")).toBe(true);
    expect(net.attribution).toBe(OSM_ATTRIBUTION);
    expect(net.name).toBe("sumo_A10KW_osm");
    expect(net.edges.size).toBeGreaterThan(100);
    for (const e of net.edges.values()) {
      expect(e.id.startsWith(":")).toBe(false);
      expect(e.shape.length).toBeGreaterThanOrEqual(2);
      expect(e.geo.length).toBe(e.shape.length);
      expect(e.speed).toBeGreaterThan(0);
      expect(e.lanes).toBeGreaterThan(0);
    }
    // origBoundary="13.576712,52.291597,13.630952,52.319872"
    const b = net.bounds;
    expect(b.minLon).toBeGreaterThanOrEqual(13.576712 - 5e-5);
    expect(b.maxLon).toBeLessThanOrEqual(13.630952 + 5e-5);
    expect(b.minLat).toBeGreaterThanOrEqual(52.291597 - 5e-5);
    expect(b.maxLat).toBeLessThanOrEqual(52.319872 + 5e-5); // lane centre lines may lie a few metres outside
    expect(b.maxLat - b.minLat).toBeGreaterThan(0.01);
  });

  it("keeps only roads open to cars: service roads for delivery only and footways are out", () => {
    // -156640643#1 is highway.service with allow="delivery bicycle pedestrian"
    expect(net.edges.has("-156640643#1")).toBe(false);
    const kinds = new Set([...net.edges.values()].map((e) => e.kind));
    expect(kinds.has("highway.motorway")).toBe(true);
    expect(kinds.has("highway.footway")).toBe(false);
  });

  it("projects net x,y like an independent proj4 UTM 33N conversion", () => {
    // netOffset="-402990.32,-5794389.48": UTM = net − offset.
    const utm = proj4("+proj=utm +zone=33 +ellps=WGS84 +datum=WGS84 +units=m +no_defs");
    const edge = [...net.edges.values()].find((e) => e.kind === "highway.motorway")!;
    const [x, y] = edge.shape[0]!;
    const [lon, lat] = utm.inverse([x + 402990.32, y + 5794389.48]);
    const [glat, glon] = edge.geo[0]!;
    const metres = Math.hypot((glat - lat!) * 111_320, (glon - lon!) * 111_320 * Math.cos((lat! * Math.PI) / 180));
    expect(metres).toBeLessThan(0.5);
    const [bx, by] = net.toXY(glat, glon);
    expect(Math.hypot(bx - x, by - y)).toBeLessThan(0.01);
  });

  it("links edges only to edges that exist", () => {
    let links = 0;
    for (const [from, next] of net.successors) {
      expect(net.edges.has(from)).toBe(true);
      for (const to of next) {
        expect(net.edges.has(to)).toBe(true);
        links++;
      }
    }
    expect(links).toBeGreaterThan(net.edges.size);
  });
});

describe("coveringCells / placeRsus", () => {
  it("A10KW's roads fall in exactly three resolution-7 cells, most road first", () => {
    const cells = coveringCells(net);
    expect(new Set(cells.map((c) => c.cell))).toEqual(
      new Set(["871f18a0cffffff", "871f18a01ffffff", "871f18a0effffff"]),
    );
    for (let i = 1; i < cells.length; i++)
      expect(cells[i - 1]!.roadMetres).toBeGreaterThanOrEqual(cells[i]!.roadMetres);
    // Passenger-car roads: the motorway junction cell has most; counting delivery-only service roads too, the
    // town cell 871f18a0cffffff would lead.
    expect(cells.map((c) => c.cell)).toEqual(["871f18a01ffffff", "871f18a0cffffff", "871f18a0effffff"]);
    const withService = coveringCells(loadSumoNetwork(resolveNetworkFile(A10KW), { vehicleClass: "delivery" }));
    expect(withService[0]!.cell).toBe("871f18a0cffffff");
    const total = cells.reduce((s, c) => s + c.roadMetres, 0);
    const edgeTotal = [...net.edges.values()].reduce((s, e) => s + e.length, 0);
    expect(Math.abs(total - edgeTotal) / edgeTotal).toBeLessThan(0.05);
    expect(coveringCells(net, 8).every((c) => getResolution(c.cell) === 8)).toBe(true);
  });

  it("places RSUs inside the cell, on roads, far apart and deterministically", () => {
    const cell = coveringCells(net)[0]!.cell;
    const rsus = placeRsus(net, cell, 3);
    expect(rsus).toHaveLength(3);
    expect(placeRsus(net, cell, 3)).toEqual(rsus);
    const [clat, clon] = cellToLatLng(cell);
    for (const r of rsus) {
      expect(net.edges.has(r.edge)).toBe(true);
      // a resolution-7 cell's edge is ~1.4 km long
      expect(Math.hypot((r.lat - clat) * 111_320, (r.lon - clon) * 68_000)).toBeLessThan(2000);
    }
    for (let i = 0; i < rsus.length; i++)
      for (let j = i + 1; j < rsus.length; j++) {
        const [xi, yi] = net.toXY(rsus[i]!.lat, rsus[i]!.lon);
        const [xj, yj] = net.toXY(rsus[j]!.lat, rsus[j]!.lon);
        expect(Math.hypot(xi - xj, yi - yj)).toBeGreaterThan(400);
      }
    // The first RSU sits on the fastest, widest road in the cell.
    const first = net.edges.get(rsus[0]!.edge)!;
    expect(first.kind).toBe("highway.motorway");
    expect(() => placeRsus(net, "871f18a0dffffff", 1)).toThrow(/no road of sumo_A10KW_osm lies in cell/);
    expect(() => placeRsus(net, "nonsense", 1)).toThrow(InvalidInputError);
    expect(() => placeRsus(net, cell, 0)).toThrow(/positive integer/);
  });
});

describe("the other networks", () => {
  it("lists and loads all three shared networks", () => {
    expect(availableNetworks()).toEqual([
      "sumo_A10KW_osm.net.xml",
      "sumo_bologna_acosta_buslanes.net.xml",
      "sumo_spreewaldring.net.xml",
    ]);
    // Bologna Acosta is not georeferenced (projParameter="!"): it needs an anchor. Its centre is put near Via
    // Andrea Costa, Bologna (approximate).
    const bologna = resolveNetworkFile("sumo_bologna_acosta_buslanes");
    expect(() => loadSumoNetwork(bologna)).toThrow(/not georeferenced/);
    const b = loadSumoNetwork(bologna, { anchor: [44.4925, 11.314] });
    expect(b.edges.size).toBeGreaterThan(100);
    const lat = (b.bounds.minLat + b.bounds.maxLat) / 2;
    expect(Math.abs(lat - 44.4925)).toBeLessThan(0.01);
    // The Spreewaldring is a raceway open to class "vip" only.
    const ring = resolveNetworkFile("sumo_spreewaldring.net.xml");
    expect(loadSumoNetwork(ring).edges.size).toBe(0);
    const r = loadSumoNetwork(ring, { vehicleClass: "vip" });
    expect(r.edges.size).toBeGreaterThan(10);
    expect(r.bounds.minLat).toBeGreaterThan(51.99);
    expect(r.bounds.maxLat).toBeLessThan(52.01);
  });
});

describe("bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "amc-net-"));

  it("names the missing file and the available networks", () => {
    expect(() => loadSumoNetwork(join(dir, "nope.net.xml"))).toThrow(/road network file not found: .*nope\.net\.xml/);
    expect(() => resolveNetworkFile("atlantis")).toThrow(InvalidInputError);
    expect(() => resolveNetworkFile("atlantis")).toThrow(
      /unknown road network "atlantis"[\s\S]*sumo_A10KW_osm\.net\.xml/,
    );
    expect(resolveNetworkFile("sumo_A10KW_osm")).toBe(join(ROAD_NETWORKS_DIR, A10KW));
  });

  it("rejects garbled XML, non-networks and nets without a projection", () => {
    const garbled = join(dir, "garbled.net.xml");
    writeFileSync(garbled, '<net><location netOffset="0,0" projParameter="!"><edge id="a"></net>');
    expect(() => loadSumoNetwork(garbled)).toThrow(/is not well-formed XML/);
    const routes = join(dir, "routes.xml");
    writeFileSync(routes, "<routes><vehicle id='a' depart='0'/></routes>");
    expect(() => loadSumoNetwork(routes)).toThrow(/not a SUMO network: no <net> root element/);
    const bare = join(dir, "bare.net.xml");
    writeFileSync(bare, '<net><location netOffset="0,0" convBoundary="0,0,1,1"/></net>');
    expect(() => loadSumoNetwork(bare)).toThrow(/has no <location projParameter>/);
  });
});
