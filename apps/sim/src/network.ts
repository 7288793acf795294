// A SUMO road network (`*.net.xml`, built by netconvert from OpenStreetMap) read into what the simulator needs:
// the edges a passenger car may drive, how they connect, their geometry in net x,y and in WGS84, and the H3 cells
// they cover (one RSU cell each). SUMO itself reads the same file when the SUMO engine runs, so both engines see
// the same roads.
//
// Follows the SUMO network file format (https://sumo.dlr.de/docs/Networks/SUMO_Road_Networks.html): net x,y =
// projected x,y + `netOffset`, projected with the PROJ string in `<location projParameter>`; lanes carry
// `allow`/`disallow` vehicle classes (https://sumo.dlr.de/docs/Definition_of_Vehicles%2C_Vehicle_Types%2C_and_Routes.html#abstract_vehicle_class);
// `<connection from to fromLane toLane via dir>` links lanes through internal junction lanes (ids starting ':').
// H3 (https://h3geo.org/docs/core-library/restable) gives the cells.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidInputError } from "@amc/utils";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { latLngToCell } from "h3-js";
import proj4 from "proj4";

/** Where the shared road networks live: `../shared/vectors/road-networks` next to the repository root. */
export const ROAD_NETWORKS_DIR: string = fileURLToPath(
  new URL("../shared/vectors/road-networks", new URL("../../../", import.meta.url)),
);

/** Attribution that every view of these networks must show (OpenStreetMap data is ODbL). */
export const OSM_ATTRIBUTION = "Road network © OpenStreetMap contributors (ODbL), converted with SUMO netconvert";

export type LatLon = [lat: number, lon: number];

export type RoadEdge = {
  id: string;
  from: string;
  to: string;
  name: string | null;
  /** SUMO edge type, e.g. `highway.motorway` ("" when the net has none). */
  kind: string;
  /** Lanes open to the vehicle class the network was loaded for. */
  lanes: number;
  /** Speed limit, m/s. */
  speed: number;
  /** Lane length, m. */
  length: number;
  /** Net x,y of the first usable lane's centre line. */
  shape: [number, number][];
  /** The same points in WGS84. */
  geo: LatLon[];
};

export type RoadNetwork = {
  name: string;
  file: string;
  attribution: string;
  bounds: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  /** Edges drivable by the vehicle class (passenger cars by default); internal ':' edges are not included. */
  edges: Map<string, RoadEdge>;
  /** Edge id → edge ids reachable through `<connection>` elements (both ends drivable). */
  successors: Map<string, string[]>;
  toLatLon(x: number, y: number): LatLon;
  toXY(lat: number, lon: number): [number, number];
};

/** How a vehicle gets from one edge to the next: the internal junction lane SUMO drives through. */
export type JunctionLink = {
  /** Internal edge id (starts with ':'), or undefined when the file names no `via`. */
  via: string | undefined;
  /** Shape of the internal lane in net x,y (empty when unknown). */
  shape: [number, number][];
  /** SUMO turn direction: s, r, l, R, L, t (turnaround). */
  dir: string;
};

/** Facts about a loaded network that the engines use but that are not part of the public record. */
export type NetworkDetails = {
  /** `${from}\n${to}` → the link between them. */
  links: Map<string, JunctionLink>;
  /** Junction id → SUMO junction type (priority, traffic_light, right_before_left, …). */
  junctionTypes: Map<string, string>;
  /** Grid bearing of true north in degrees: true heading = grid angle − this. */
  gridConvergence: number;
  /** Vehicle class the edges were filtered for. */
  vehicleClass: string;
};

const details = new WeakMap<RoadNetwork, NetworkDetails>();

/** Engine-facing details of a network loaded by `loadSumoNetwork` (empty defaults for a hand-built network). */
export function networkDetails(net: RoadNetwork): NetworkDetails {
  const found = details.get(net);
  if (found) return found;
  const fallback: NetworkDetails = {
    links: new Map(),
    junctionTypes: new Map(),
    gridConvergence: 0,
    vehicleClass: "passenger",
  };
  details.set(net, fallback);
  return fallback;
}

/** Converts a SUMO angle (degrees clockwise from the net's grid north) to degrees clockwise from true north. */
export function trueHeading(net: RoadNetwork, gridDegrees: number): number {
  const h = (gridDegrees - networkDetails(net).gridConvergence) % 360;
  return h < 0 ? h + 360 : h;
}

export type LoadNetworkOptions = {
  /** Vehicle class whose lanes count as drivable (default "passenger"; the Spreewaldring raceway needs "vip"). */
  vehicleClass?: string;
  /**
   * Where to place a network that is not georeferenced (`projParameter="!"`, e.g. the Bologna Acosta net): its
   * centre is put at this point with a local transverse Mercator projection. Ignored for georeferenced nets.
   */
  anchor?: LatLon;
};

type XmlNode = Record<string, unknown>;

const ARRAY_TAGS = new Set(["edge", "lane", "connection", "junction", "type", "param", "tlLogic", "roundabout"]);

function attr(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function children(node: XmlNode, tag: string): XmlNode[] {
  const v = node[tag];
  return Array.isArray(v) ? v.filter((x): x is XmlNode => typeof x === "object" && x !== null) : [];
}

function parseShape(s: string | undefined, file: string, what: string): [number, number][] {
  if (s === undefined || s.trim() === "") return [];
  const out: [number, number][] = [];
  for (const pair of s.trim().split(/\s+/)) {
    const [xs, ys] = pair.split(",");
    const x = Number(xs);
    const y = Number(ys);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InvalidInputError(`${file}: bad shape point "${pair}" in ${what}`, {
        fix: "regenerate the network with netconvert",
      });
    }
    out.push([x, y]);
  }
  return out;
}

function parsePair(s: string | undefined, file: string, what: string): [number, number] {
  const [a, b] = (s ?? "").split(",").map(Number);
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new InvalidInputError(`${file}: <location ${what}> is missing or malformed`, {
      fix: "use a net.xml written by netconvert",
    });
  }
  return [a, b];
}

function laneAllows(lane: XmlNode, vehicleClass: string): boolean {
  const allow = attr(lane, "allow");
  if (allow !== undefined) {
    const classes = allow.split(/\s+/);
    return classes.includes(vehicleClass) || classes.includes("all");
  }
  const disallow = attr(lane, "disallow");
  if (disallow !== undefined) {
    const classes = disallow.split(/\s+/);
    return !classes.includes(vehicleClass) && !classes.includes("all");
  }
  return true;
}

function shapeLength(shape: readonly [number, number][]): number {
  let s = 0;
  for (let i = 1; i < shape.length; i++) {
    const a = shape[i - 1]!;
    const b = shape[i]!;
    s += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return s;
}

/**
 * Loads a SUMO `.net.xml` file. Throws InvalidInputError when the file is missing, is not well-formed XML, is not a
 * SUMO network, or has no projection (and no `anchor` was given).
 *
 * @example
 * const net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
 * net.edges.size; // passenger-car edges
 */
export function loadSumoNetwork(file: string, options: LoadNetworkOptions = {}): RoadNetwork {
  const vehicleClass = options.vehicleClass ?? "passenger";
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new InvalidInputError(`road network file not found: ${file}`, {
      fix: `pass the path of a SUMO .net.xml file, or a name from ${ROAD_NETWORKS_DIR}`,
    });
  }
  const text = readFileSync(file, "utf8");
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new InvalidInputError(`${file} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`, {
      fix: "use an unmodified .net.xml written by SUMO netconvert",
    });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    ignoreDeclaration: true,
    isArray: (tag, _path, _leaf, isAttribute) => !isAttribute && ARRAY_TAGS.has(tag),
  });
  const doc = parser.parse(text) as XmlNode;
  const netNode = doc.net;
  if (typeof netNode !== "object" || netNode === null) {
    throw new InvalidInputError(`${file} is not a SUMO network: no <net> root element`, {
      fix: "pass a .net.xml file (not a route, OSM or config file)",
    });
  }
  const root = netNode as XmlNode;
  const location = root.location;
  if (typeof location !== "object" || location === null) {
    throw new InvalidInputError(`${file} has no <location> element, so it cannot be placed on the map`, {
      fix: "regenerate it with netconvert and a projection (e.g. --proj.utm)",
    });
  }
  const loc = location as XmlNode;
  const projParameter = attr(loc, "projParameter");
  const [offX, offY] = parsePair(attr(loc, "netOffset"), file, "netOffset");
  const conv = attr(loc, "convBoundary")?.split(",").map(Number) ?? [];

  let projString: string;
  let shiftX: number;
  let shiftY: number;
  if (projParameter === undefined || projParameter.trim() === "") {
    throw new InvalidInputError(`${file} has no <location projParameter>, so it cannot be placed on the map`, {
      fix: "regenerate it with netconvert and a projection (e.g. --proj.utm)",
    });
  }
  if (projParameter.trim() === "!") {
    if (!options.anchor) {
      throw new InvalidInputError(`${file} is not georeferenced (projParameter="!")`, {
        fix: "pass options.anchor = [lat, lon] to place the network's centre on the map",
      });
    }
    const [lat0, lon0] = options.anchor;
    projString = `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +datum=WGS84 +units=m +no_defs`;
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = conv;
    shiftX = (x0 + x1) / 2;
    shiftY = (y0 + y1) / 2;
  } else {
    projString = projParameter;
    shiftX = offX;
    shiftY = offY;
  }
  let projection: proj4.Converter;
  try {
    projection = proj4(projString);
  } catch (cause) {
    throw new InvalidInputError(`${file}: PROJ string "${projString}" is not understood`, {
      fix: "use a net projected with UTM or another proj4 projection",
      cause,
    });
  }
  const toLatLon = (x: number, y: number): LatLon => {
    const [lon, lat] = projection.inverse([x - shiftX, y - shiftY]);
    return [lat ?? Number.NaN, lon ?? Number.NaN];
  };
  const toXY = (lat: number, lon: number): [number, number] => {
    const [px, py] = projection.forward([lon, lat]);
    return [(px ?? Number.NaN) + shiftX, (py ?? Number.NaN) + shiftY];
  };

  const edges = new Map<string, RoadEdge>();
  const allowedLanes = new Map<string, Set<number>>();
  const internalLanes = new Map<string, [number, number][]>();
  for (const e of children(root, "edge")) {
    const id = attr(e, "id");
    if (id === undefined) continue;
    const fn = attr(e, "function");
    const lanes = children(e, "lane");
    if (fn === "internal") {
      for (const l of lanes) {
        const lid = attr(l, "id");
        if (lid !== undefined) internalLanes.set(lid, parseShape(attr(l, "shape"), file, `lane ${lid}`));
      }
      continue;
    }
    if (fn !== undefined && fn !== "normal") continue;
    const usable = lanes.filter((l) => laneAllows(l, vehicleClass));
    const first = usable
      .slice()
      .sort((a, b) => Number(attr(a, "index") ?? 0) - Number(attr(b, "index") ?? 0))
      .at(0);
    if (!first) continue;
    const shape = parseShape(attr(first, "shape"), file, `edge ${id}`);
    if (shape.length < 2) continue;
    const speed = Number(attr(first, "speed"));
    const length = Number(attr(first, "length") ?? shapeLength(shape));
    allowedLanes.set(id, new Set(usable.map((l) => Number(attr(l, "index") ?? 0))));
    edges.set(id, {
      id,
      from: attr(e, "from") ?? "",
      to: attr(e, "to") ?? "",
      name: attr(e, "name") ?? null,
      kind: attr(e, "type") ?? "",
      lanes: usable.length,
      speed: Number.isFinite(speed) && speed > 0 ? speed : 13.89,
      length: Number.isFinite(length) && length > 0 ? length : shapeLength(shape),
      shape,
      geo: shape.map(([x, y]) => toLatLon(x, y)),
    });
  }

  const successors = new Map<string, string[]>();
  for (const id of edges.keys()) successors.set(id, []);
  const links = new Map<string, JunctionLink>();
  for (const c of children(root, "connection")) {
    const from = attr(c, "from");
    const to = attr(c, "to");
    if (from === undefined || to === undefined) continue;
    const fromLanes = allowedLanes.get(from);
    const toLanes = allowedLanes.get(to);
    if (!fromLanes || !toLanes) continue;
    if (!fromLanes.has(Number(attr(c, "fromLane") ?? 0)) || !toLanes.has(Number(attr(c, "toLane") ?? 0))) continue;
    const key = `${from}\n${to}`;
    if (links.has(key)) continue;
    const viaLane = attr(c, "via");
    links.set(key, {
      via: viaLane?.replace(/_\d+$/, ""),
      shape: viaLane === undefined ? [] : (internalLanes.get(viaLane) ?? []),
      dir: attr(c, "dir") ?? "s",
    });
    successors.get(from)?.push(to);
  }

  const junctionTypes = new Map<string, string>();
  for (const j of children(root, "junction")) {
    const id = attr(j, "id");
    if (id !== undefined) junctionTypes.set(id, attr(j, "type") ?? "");
  }

  let minLat = Number.POSITIVE_INFINITY;
  let minLon = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  const extend = ([lat, lon]: LatLon) => {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
  };
  for (const e of edges.values()) for (const p of e.geo) extend(p);
  if (edges.size === 0) {
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = conv;
    extend(toLatLon(x0, y0));
    extend(toLatLon(x1, y1));
  }

  const net: RoadNetwork = {
    name: basename(file).replace(/\.net\.xml$/, ""),
    file: resolve(file),
    attribution: OSM_ATTRIBUTION,
    bounds: { minLat, minLon, maxLat, maxLon },
    edges,
    successors,
    toLatLon,
    toXY,
  };
  const centre = toLatLon(...toXY((minLat + maxLat) / 2, (minLon + maxLon) / 2));
  const [nx0, ny0] = toXY(centre[0], centre[1]);
  const [nx1, ny1] = toXY(centre[0] + 0.001, centre[1]);
  details.set(net, {
    links,
    junctionTypes,
    gridConvergence: (Math.atan2(nx1 - nx0, ny1 - ny0) * 180) / Math.PI,
    vehicleClass,
  });
  return net;
}

/** The `.net.xml` files in ROAD_NETWORKS_DIR (empty when the directory is missing). */
export function availableNetworks(): string[] {
  if (!existsSync(ROAD_NETWORKS_DIR)) return [];
  return readdirSync(ROAD_NETWORKS_DIR)
    .filter((f) => f.endsWith(".net.xml"))
    .sort();
}

/**
 * A path to an existing file is returned as an absolute path; otherwise the name is looked up in
 * ROAD_NETWORKS_DIR (with or without `.net.xml`). Throws InvalidInputError listing the available names.
 */
export function resolveNetworkFile(nameOrPath: string): string {
  if (nameOrPath.trim() === "") {
    throw new InvalidInputError("no road network given", { fix: `use one of: ${availableNetworks().join(", ")}` });
  }
  const asPath = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  if (existsSync(asPath) && statSync(asPath).isFile()) return asPath;
  for (const candidate of [nameOrPath, `${nameOrPath}.net.xml`]) {
    const p = join(ROAD_NETWORKS_DIR, candidate);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  const names = availableNetworks();
  throw new InvalidInputError(`unknown road network "${nameOrPath}"`, {
    details: names.length
      ? `available in ${ROAD_NETWORKS_DIR}: ${names.join(", ")}`
      : `${ROAD_NETWORKS_DIR} has no .net.xml files (is the shared/ folder next to the repository?)`,
    fix: "pass a path to a SUMO .net.xml file or one of the available names",
  });
}

/** Calls `visit(lat, lon, metres)` for sample points every ≤ `step` metres along an edge (piece midpoints). */
function sampleEdge(
  net: RoadNetwork,
  edge: RoadEdge,
  step: number,
  visit: (lat: number, lon: number, metres: number) => void,
): void {
  for (let i = 1; i < edge.shape.length; i++) {
    const [ax, ay] = edge.shape[i - 1]!;
    const [bx, by] = edge.shape[i]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (len === 0) continue;
    const pieces = Math.max(1, Math.ceil(len / step));
    for (let k = 0; k < pieces; k++) {
      const f = (k + 0.5) / pieces;
      const [lat, lon] = net.toLatLon(ax + (bx - ax) * f, ay + (by - ay) * f);
      visit(lat, lon, len / pieces);
    }
  }
}

/**
 * Every H3 cell (default resolution 7, ≈ 5 km²) that the network's roads pass through, with the metres of road
 * in it, most road first (ties by cell id). Shapes are sampled every ~25 m.
 */
export function coveringCells(net: RoadNetwork, resolution = 7): { cell: string; roadMetres: number }[] {
  if (!Number.isInteger(resolution) || resolution < 0 || resolution > 15) {
    throw new InvalidInputError(`H3 resolution must be an integer 0..15, got ${resolution}`);
  }
  const metres = new Map<string, number>();
  for (const edge of net.edges.values()) {
    sampleEdge(net, edge, 25, (lat, lon, m) => {
      const cell = latLngToCell(lat, lon, resolution);
      metres.set(cell, (metres.get(cell) ?? 0) + m);
    });
  }
  return [...metres]
    .map(([cell, roadMetres]) => ({ cell, roadMetres }))
    .sort((a, b) => b.roadMetres - a.roadMetres || (a.cell < b.cell ? -1 : 1));
}

/**
 * Places `count` roadside units on the most important roads (speed × lanes) inside an H3 cell, far apart from
 * each other: greedy farthest-point selection weighted by road importance. Deterministic. Returns fewer than
 * `count` points only when the cell has fewer ~25 m road samples than that.
 */
export function placeRsus(net: RoadNetwork, cell: string, count: number): { lat: number; lon: number; edge: string }[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidInputError(`RSU count must be a positive integer, got ${count}`);
  }
  let resolution: number;
  try {
    resolution = Number.parseInt(cell.slice(1, 2), 16);
    if (!/^8[0-9a-f]{14}$/.test(cell) || !Number.isFinite(resolution)) throw new Error("not an H3 cell index");
  } catch (cause) {
    throw new InvalidInputError(`"${cell}" is not an H3 cell index`, {
      fix: "pass a cell from coveringCells()",
      cause,
    });
  }
  type Candidate = { lat: number; lon: number; x: number; y: number; edge: string; score: number };
  const candidates: Candidate[] = [];
  const ids = [...net.edges.keys()].sort();
  for (const id of ids) {
    const edge = net.edges.get(id)!;
    const score = edge.speed * edge.lanes;
    sampleEdge(net, edge, 25, (lat, lon) => {
      if (latLngToCell(lat, lon, resolution) !== cell) return;
      const [x, y] = net.toXY(lat, lon);
      candidates.push({ lat, lon, x, y, edge: id, score });
    });
  }
  if (candidates.length === 0) {
    throw new InvalidInputError(`no road of ${net.name} lies in cell ${cell}`, {
      fix: "pick a cell from coveringCells(net)",
    });
  }
  const maxScore = Math.max(...candidates.map((c) => c.score));
  const weight = (c: Candidate) => 0.25 + 0.75 * (c.score / maxScore);
  const chosen: Candidate[] = [];
  const minDist = new Float64Array(candidates.length).fill(Number.POSITIVE_INFINITY);
  // Start at the centre-most point of the most important roads, so a single RSU sits mid-cell on the main road.
  const cx = candidates.reduce((s, c) => s + c.x, 0) / candidates.length;
  const cy = candidates.reduce((s, c) => s + c.y, 0) / candidates.length;
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  candidates.forEach((c, i) => {
    const v = c.score * 1e6 - Math.hypot(c.x - cx, c.y - cy);
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  });
  while (chosen.length < Math.min(count, candidates.length)) {
    const pick = candidates[best]!;
    chosen.push(pick);
    bestValue = Number.NEGATIVE_INFINITY;
    candidates.forEach((c, i) => {
      minDist[i] = Math.min(minDist[i]!, Math.hypot(c.x - pick.x, c.y - pick.y));
      const v = minDist[i]! * weight(c);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    });
    if (bestValue <= 0) break;
  }
  return chosen.map((c) => ({ lat: c.lat, lon: c.lon, edge: c.edge }));
}
