// The simulator's HTTP API (node:http), which the gateway and the dashboard read: /health (503 "starting" while the
// citizens are created, 200 "ok" once the fleet drives: `amc up` waits on it), /v1/sim/network (roads, cells and
// RSUs to draw a map), /v1/sim/state (vehicles, counters, hazards), /v1/sim/recent (accepted message hashes, to
// verify one) and /v1/sim/obd/:did (a vehicle's OBD CSV for federated learning). Errors are RFC 9457 problem
// details; every query parameter is validated.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { type Fleet, RECENT_LIMIT } from "./fleet.js";
import type { ObdRecorder } from "./signals.js";

/** What the API reads of the fleet. */
export type FleetApi = Pick<Fleet, "running" | "view" | "recent" | "hasVehicle"> & { obd: Pick<ObdRecorder, "toCsv"> };

export type SimServerSource = {
  /** The fleet once it drives; undefined while starting. */
  fleet(): FleetApi | undefined;
  /** Vehicles configured (reported by /health while starting too). */
  vehicles: number;
  engine: "builtin" | "sumo";
  /** The /v1/sim/network body (JSON), once the network is loaded. */
  network(): string | undefined;
};

const limitSchema = z.coerce.number().int().min(1).max(RECENT_LIMIT).default(20);

/** What a handler returns once the response is sent. */
type Sent = true;

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): Sent {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  response.end(text);
  return true;
}

function problem(response: ServerResponse, status: number, title: string, detail: string, headers = {}): Sent {
  return send(
    response,
    status,
    { type: "about:blank", title, status, detail },
    {
      "content-type": "application/problem+json",
      ...headers,
    },
  );
}

const routes = [
  /^\/health$/,
  /^\/v1\/sim\/network$/,
  /^\/v1\/sim\/state$/,
  /^\/v1\/sim\/recent$/,
  /^\/v1\/sim\/obd\/[^/]+$/,
];

/** Handles one request (exported for tests that call it without a socket). */
export function handle(source: SimServerSource, request: IncomingMessage, response: ServerResponse): Sent {
  const url = new URL(request.url ?? "/", "http://sim.invalid");
  const path = url.pathname;
  if (!routes.some((r) => r.test(path))) return problem(response, 404, "Not found", `no route ${path}`);
  if (request.method !== "GET" && request.method !== "HEAD")
    return problem(response, 405, "Method not allowed", `${path} answers GET only`, { allow: "GET, HEAD" });
  const fleet = source.fleet();
  const starting = () =>
    problem(response, 503, "Simulator starting", "the fleet's vehicles are being created; try again shortly", {
      "retry-after": "2",
    });

  if (path === "/health") {
    const status = fleet?.running ? "ok" : "starting";
    return send(response, status === "ok" ? 200 : 503, {
      status,
      vehicles: source.vehicles,
      engine: source.engine,
    });
  }
  if (path === "/v1/sim/network") {
    const network = source.network();
    return network === undefined ? starting() : send(response, 200, network);
  }
  if (!fleet) return starting();
  if (path === "/v1/sim/state") return send(response, 200, fleet.view());
  if (path === "/v1/sim/recent") {
    const unknown = [...url.searchParams.keys()].filter((k) => k !== "limit");
    if (unknown.length > 0)
      return problem(response, 400, "Bad query", `unknown query parameter ${unknown.join(", ")}; only limit`);
    const raw = url.searchParams.get("limit");
    const limit = limitSchema.safeParse(raw === null ? undefined : raw);
    if (!limit.success || (raw !== null && !/^\d+$/.test(raw)))
      return problem(response, 400, "Bad query", `limit must be an integer from 1 to ${RECENT_LIMIT}`);
    return send(response, 200, { messages: fleet.recent(limit.data) });
  }
  // /v1/sim/obd/:did
  let did: string;
  try {
    did = decodeURIComponent(path.slice("/v1/sim/obd/".length));
  } catch {
    return problem(response, 400, "Bad DID", "the DID in the path is not valid percent-encoding");
  }
  if (!/^did:amc:[a-z][a-z0-9-]{0,31}:[0-9a-f]{64}$/.test(did))
    return problem(response, 400, "Bad DID", `${did} is not a did:amc DID`);
  if (!fleet.hasVehicle(did)) return problem(response, 404, "Unknown vehicle", `${did} is not a simulated vehicle`);
  response.writeHead(200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${did.replaceAll(":", "_")}.csv"`,
    "cache-control": "no-store",
  });
  response.end(fleet.obd.toCsv(did));
  return true;
}

export function createSimServer(source: SimServerSource): Server {
  return createServer((request, response) => {
    try {
      handle(source, request, response);
    } catch (error) {
      if (!response.headersSent)
        problem(response, 500, "Internal error", error instanceof Error ? error.message : String(error));
      else response.end();
    }
  });
}

/** The /v1/sim/network body. */
export function networkBody(params: {
  name: string;
  attribution: string;
  bounds: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  roads: { id: string; kind: string; name: string | null; lanes: number; geo: [number, number][] }[];
  cells: { cell: string; roadMetres: number; chain: string | null }[];
  rsus: { name: string; cell: string; lat: number; lon: number }[];
}): string {
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return JSON.stringify({
    name: params.name,
    attribution: params.attribution,
    bounds: params.bounds,
    roads: params.roads.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.name,
      lanes: r.lanes,
      geo: r.geo.map(([lat, lon]) => [round(lat), round(lon)]),
    })),
    cells: params.cells.map((c) => ({ cell: c.cell, roadMetres: Math.round(c.roadMetres), chain: c.chain })),
    rsus: params.rsus.map((r) => ({ name: r.name, cell: r.cell, lat: r.lat, lon: r.lon })),
  });
}
