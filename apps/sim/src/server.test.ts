import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimServer, type FleetApi } from "./server.js";

// A real HTTP server over a stand-in fleet (the real one needs a running platform: the end-to-end run covers it).
const did = `did:amc:dev:${"c".repeat(64)}`;
let fleet: FleetApi | undefined;
const stand: FleetApi = {
  running: true,
  view: () => ({
    time: 1,
    engine: "builtin",
    running: true,
    vehicles: [],
    counters: {
      cams: 0,
      denms: 0,
      rejected: 0,
      handovers: 0,
      uploads: 0,
      readsRefused: 0,
      reads: 0,
      eventsConfirmed: 0,
      rejectedBy: {},
    },
    hazards: [],
  }),
  recent: (limit) =>
    Array.from({ length: limit }, (_, i) => ({
      hash: `0x${String(i).padStart(64, "0")}` as const,
      rsu: "r",
      kind: "cam" as const,
      at: i,
    })),
  hasVehicle: (d) => d === did,
  obd: { toCsv: () => "Time,Vehicle Speed Sensor [km/h]\n08:00:00.000,1.00\n" },
};
const server = createSimServer({ fleet: () => fleet, vehicles: 12, engine: "builtin", network: () => '{"name":"n"}' });
let base = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = async (path: string, method = "GET") => {
  const response = await fetch(`${base}${path}`, { method });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
};

describe("simulator API", () => {
  it("reports starting (503) until the fleet drives, then ok (200)", async () => {
    fleet = undefined;
    expect(await get("/health")).toMatchObject({ status: 503 });
    expect(JSON.parse((await get("/health")).text)).toEqual({ status: "starting", vehicles: 12, engine: "builtin" });
    expect((await get("/v1/sim/state")).status).toBe(503);
    expect((await get("/v1/sim/network")).status).toBe(200);
    fleet = stand;
    expect(JSON.parse((await get("/health")).text)).toEqual({ status: "ok", vehicles: 12, engine: "builtin" });
    expect((await get("/v1/sim/state")).status).toBe(200);
  });

  it("validates recent's limit", async () => {
    fleet = stand;
    expect(JSON.parse((await get("/v1/sim/recent")).text).messages).toHaveLength(20);
    expect(JSON.parse((await get("/v1/sim/recent?limit=3")).text).messages).toHaveLength(3);
    for (const bad of ["0", "201", "2.5", "x", "-1"]) {
      const answer = await get(`/v1/sim/recent?limit=${bad}`);
      expect(answer.status).toBe(400);
      expect(answer.type).toBe("application/problem+json");
      expect(JSON.parse(answer.text).detail).toBe("limit must be an integer from 1 to 200");
    }
    expect((await get("/v1/sim/recent?limit=2&x=1")).status).toBe(400);
  });

  it("serves a known vehicle's OBD CSV, and problems for the rest", async () => {
    fleet = stand;
    const csv = await get(`/v1/sim/obd/${encodeURIComponent(did)}`);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe("text/csv; charset=utf-8");
    expect(csv.text.startsWith("Time,")).toBe(true);
    expect((await get(`/v1/sim/obd/did:amc:dev:${"d".repeat(64)}`)).status).toBe(404);
    expect((await get("/v1/sim/obd/not-a-did")).status).toBe(400);
    expect((await get("/v1/sim/nothing")).status).toBe(404);
    const post = await get("/v1/sim/state", "POST");
    expect(post.status).toBe(405);
    expect(JSON.parse(post.text)).toMatchObject({ title: "Method not allowed", status: 405 });
  });
});
