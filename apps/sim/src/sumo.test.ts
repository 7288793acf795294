// Live test against a real sumo (Debian package "sumo"). Under CI=true a missing sumo fails the run; elsewhere
// the live tests are skipped and the test names carry the install hint.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSumoNetwork, type RoadNetwork, resolveNetworkFile } from "./network.js";
import { mulberry32 } from "./rng.js";
import { freePort, SUMO_INSTALL_HINT, startSumoTraffic, sumoAvailable, sumoRouteFile } from "./sumo.js";
import type { VehicleState } from "./traffic.js";

const haveSumo = sumoAvailable();
const ci = process.env.CI === "true";
const hint = haveSumo ? "" : ` (skipped: no sumo — ${SUMO_INSTALL_HINT})`;

let net: RoadNetwork;
beforeAll(() => {
  net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
});

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe("SUMO engine", () => {
  it.runIf(ci)("has sumo in CI", () => {
    if (!haveSumo) throw new Error(`sumo is required under CI=true: ${SUMO_INSTALL_HINT}`);
  });

  it.skipIf(!haveSumo && !ci)(`drives 10 vehicles on A10KW for 300 steps and exits cleanly${hint}`, async () => {
    const engine = await startSumoTraffic(net, { vehicles: 10, seed: 4 });
    expect(engine.kind).toBe("sumo");
    const pid = engine.pid!;
    expect(processGone(pid)).toBe(false);
    let last: VehicleState[] = [];
    let moving = 0;
    const b = net.bounds;
    for (let k = 0; k < 300; k++) {
      last = await engine.step();
      for (const s of last) {
        expect(s.time).toBeCloseTo((k + 1) * 0.1, 6);
        expect(s.lat).toBeGreaterThan(b.minLat - 0.001);
        expect(s.lat).toBeLessThan(b.maxLat + 0.001);
        expect(s.lon).toBeGreaterThan(b.minLon - 0.001);
        expect(s.lon).toBeLessThan(b.maxLon + 0.001);
        expect(s.speed).toBeGreaterThanOrEqual(0);
        expect(s.speed).toBeLessThan(50);
        expect(Math.abs(s.acceleration)).toBeLessThan(12);
        expect(s.heading).toBeGreaterThanOrEqual(0);
        expect(s.heading).toBeLessThan(360);
        if (!s.edge.startsWith(":")) expect(net.edges.has(s.edge), s.edge).toBe(true);
        if (s.speed > 1) moving++;
      }
      if (k >= 50) expect(last.length).toBeGreaterThanOrEqual(8);
    }
    expect(last.length).toBeLessThanOrEqual(10);
    expect(new Set(last.map((s) => s.id)).size).toBe(last.length);
    expect(moving).toBeGreaterThan(1000);
    await engine.close();
    expect(processGone(pid)).toBe(true);
    await expect(engine.step()).rejects.toThrow(/closed/);
  });

  it.skipIf(!haveSumo && !ci)(`reports a busy port with SUMO's own error${hint}`, async () => {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
    try {
      await expect(startSumoTraffic(net, { vehicles: 2, seed: 1, port })).rejects.toThrow(
        /could not start SUMO on port \d+[\s\S]*Address already in use/,
      );
    } finally {
      server.close();
    }
  });
});

describe("SUMO engine without sumo", () => {
  it("names the install command when the binary is missing", async () => {
    await expect(startSumoTraffic(net, { vehicles: 1, seed: 1, sumoBinary: "/nonexistent/sumo" })).rejects.toThrow(
      /SUMO is not installed[\s\S]*install it with: apt-get install sumo/,
    );
  });

  it("surfaces the stderr of a sumo that exits at once", async () => {
    // A stand-in executable (a real process, not a mock of our code) that fails like sumo does.
    const dir = mkdtempSync(join(tmpdir(), "amc-fake-sumo-"));
    const bin = join(dir, "sumo");
    writeFileSync(bin, "#!/bin/sh\necho 'Error: cannot load network' >&2\nexit 1\n");
    chmodSync(bin, 0o755);
    await expect(startSumoTraffic(net, { vehicles: 1, seed: 1, sumoBinary: bin })).rejects.toThrow(
      /could not start SUMO[\s\S]*Error: cannot load network/,
    );
  });

  it("writes a route file with both vehicle types and connected routes", () => {
    const xml = sumoRouteFile(net, { vehicles: 5, seed: 1 }, mulberry32(1));
    expect(xml).toMatch(/<vType id="car"/);
    expect(xml.match(/<vehicle id="veh\d"/g)).toHaveLength(5);
    for (const m of xml.matchAll(/<route edges="([^"]+)"/g)) {
      const edges = m[1]!.split(" ");
      for (let i = 1; i < edges.length; i++) expect(net.successors.get(edges[i - 1]!)).toContain(edges[i]);
    }
  });
});
