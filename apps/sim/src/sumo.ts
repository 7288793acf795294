// The SUMO traffic engine: the same fleet as the built-in engine, moved by Eclipse SUMO (the microscopic traffic
// simulator, https://sumo.dlr.de) running as a child process and stepped through TraCI. SUMO adds what the
// built-in model leaves out: lane changes, right of way, traffic lights.
//
// Routes come from `randomRoute` and are written to a route file (https://sumo.dlr.de/docs/Definition_of_Vehicles%2C_Vehicle_Types%2C_and_Routes.html);
// a vehicle that arrives is added again under the same id on a new route (TraCI route.add + vehicle.add), so the
// ids "veh0"… stay stable as in the built-in engine. SUMO's x,y are the network's, converted with the network's
// own projection; SUMO's angle is clockwise from grid north and is turned into a true heading.

import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { EnvironmentError, errorMessage } from "@amc/utils";
import type { RoadNetwork } from "./network.js";
import { trueHeading } from "./network.js";
import { mulberry32, type Rng } from "./rng.js";
import { randomRoute } from "./routing.js";
import { TraciClient } from "./traci.js";
import { checkTrafficOptions, type TrafficEngine, type TrafficOptions, type VehicleState } from "./traffic.js";

export const SUMO_INSTALL_HINT = "install it with: apt-get install sumo";

function onPath(binary: string): boolean {
  const candidates = binary.includes("/")
    ? [binary]
    : (process.env.PATH ?? "").split(delimiter).map((d) => join(d, binary));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** True when a `sumo` executable is on PATH. */
export function sumoAvailable(): boolean {
  return onPath("sumo");
}

/** A free TCP port on the loopback interface (asks the OS for one, then releases it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const VTYPES = `  <vType id="car" vClass="passenger" accel="2.6" decel="4.5" sigma="0.5" length="4.5" minGap="2.5" speedFactor="1.0" speedDev="0.1"/>
  <vType id="sporty" vClass="passenger" accel="3.5" decel="6.0" sigma="0.8" tau="0.8" length="4.5" minGap="1.5" speedFactor="1.1" speedDev="0.1"/>
`;

/** The route file: vehicle types and one vehicle per fleet member, departures spread over the first seconds. */
export function sumoRouteFile(net: RoadNetwork, options: TrafficOptions, rng: Rng): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<routes>", VTYPES.trimEnd()];
  for (let i = 0; i < options.vehicles; i++) {
    const routeOptions: Parameters<typeof randomRoute>[2] = { minLength: 1500 };
    if (options.within) routeOptions.within = options.within;
    const edges = randomRoute(net, rng, routeOptions);
    const type = rng() < 0.15 ? "sporty" : "car";
    lines.push(
      `  <vehicle id="veh${i}" type="${type}" depart="${(i * 0.2).toFixed(1)}" departLane="best" departPos="random_free" departSpeed="max">`,
      `    <route edges="${edges.map(xmlEscape).join(" ")}"/>`,
      "  </vehicle>",
    );
  }
  lines.push("</routes>", "");
  return lines.join("\n");
}

/** The SUMO engine, with the process id of its sumo child (for monitoring and tests). */
export interface SumoTrafficEngine extends TrafficEngine {
  readonly pid: number | undefined;
}

class SumoTraffic implements SumoTrafficEngine {
  readonly kind = "sumo" as const;
  private time = 0;
  private readonly seen = new Set<string>();
  private routeCounter = 0;
  private closed = false;

  constructor(
    private readonly net: RoadNetwork,
    private readonly options: TrafficOptions,
    private readonly rng: Rng,
    private readonly client: TraciClient,
    private readonly child: ChildProcess,
    private readonly stderrTail: () => string,
    private readonly dir: string,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  private fail(e: unknown): never {
    const exited = this.child.exitCode !== null || this.child.signalCode !== null;
    throw new EnvironmentError(`SUMO failed: ${errorMessage(e)}`, {
      details: `${exited ? `sumo exited (code ${this.child.exitCode ?? this.child.signalCode}). ` : ""}stderr: ${this.stderrTail() || "(empty)"}`,
      fix: "check the network and route files; run the same sumo command by hand to see its full output",
      cause: e,
    });
  }

  async step(): Promise<VehicleState[]> {
    if (this.closed) throw new EnvironmentError("the SUMO engine is closed", { fix: "start a new one" });
    const dt = this.options.stepSeconds ?? 0.1;
    try {
      await this.client.simulationStep(0);
      this.time += dt;
      const ids = await this.client.vehicleIds();
      const present = new Set(ids);
      for (const id of ids) this.seen.add(id);
      // Keep the fleet topped up: a vehicle that arrived comes back under the same id on a new route.
      for (let i = 0; i < this.options.vehicles; i++) {
        const id = `veh${i}`;
        if (!this.seen.has(id) || present.has(id)) continue;
        this.seen.delete(id);
        const routeOptions: Parameters<typeof randomRoute>[2] = { minLength: 1500 };
        if (this.options.within) routeOptions.within = this.options.within;
        const routeId = `r${this.routeCounter++}`;
        await this.client.addRoute(routeId, randomRoute(this.net, this.rng, routeOptions));
        try {
          await this.client.addVehicle(id, {
            routeId,
            typeId: this.rng() < 0.15 ? "sporty" : "car",
            departLane: "best",
            departPos: "random_free",
            departSpeed: "max",
          });
        } catch (error) {
          // Not in the id list yet still in SUMO: teleporting after a jam, or waiting for a free insertion spot.
          // It comes back by itself; it is not a new vehicle.
          if (!/already exists/.test(errorMessage(error))) throw error;
          this.seen.add(id);
        }
      }
      const snaps = await this.client.vehicleSnapshots(ids);
      const time = Math.round(this.time * 1e6) / 1e6;
      return snaps.map((s) => {
        const [lat, lon] = this.net.toLatLon(s.x, s.y);
        return {
          id: s.id,
          lat,
          lon,
          x: s.x,
          y: s.y,
          speed: s.speed,
          heading: trueHeading(this.net, s.angle),
          acceleration: s.acceleration,
          edge: s.road,
          time,
        };
      });
    } catch (e) {
      this.fail(e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once("exit", () => resolve());
    });
    // Ask SUMO to finish; if it does not answer or exit within 5 s, it is killed.
    const timer = setTimeout(() => {
      this.client.destroy();
      this.child.kill("SIGKILL");
    }, 5000);
    await Promise.race([this.client.close().catch(() => undefined), exited]);
    await exited;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts SUMO on `net` with `options.vehicles` vehicles and returns an engine stepping it through TraCI.
 * Throws EnvironmentError (with SUMO's stderr tail) when sumo is missing, exits, or never opens its port.
 */
export async function startSumoTraffic(
  net: RoadNetwork,
  options: TrafficOptions & { sumoBinary?: string; port?: number },
): Promise<SumoTrafficEngine> {
  checkTrafficOptions(net, options);
  const binary = options.sumoBinary ?? "sumo";
  if (!onPath(binary)) {
    throw new EnvironmentError(`SUMO is not installed (no "${binary}" on PATH)`, { fix: SUMO_INSTALL_HINT });
  }
  const rng = mulberry32(options.seed);
  const dir = mkdtempSync(join(tmpdir(), "amc-sumo-"));
  const routes = join(dir, "fleet.rou.xml");
  writeFileSync(routes, sumoRouteFile(net, options, rng));
  const port = options.port ?? (await freePort());
  const dt = options.stepSeconds ?? 0.1;
  const args = [
    "-n",
    net.file,
    "-r",
    routes,
    "--remote-port",
    String(port),
    "--step-length",
    String(dt),
    "--no-step-log",
    "true",
    "--no-warnings",
    "true",
    "--begin",
    "0",
    "--seed",
    String(Math.abs(Math.trunc(options.seed)) % 2147483647),
    "--xml-validation",
    "never",
    "--xml-validation.net",
    "never",
    "--time-to-teleport",
    "120",
    "--collision.action",
    "warn",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`sumo exited with ${code ?? signal}`)));
    child.once("error", (e) => reject(e));
  });
  exited.catch(() => undefined);
  let tail = "";
  const keep = (d: Buffer) => {
    tail = (tail + d.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (e) => {
    spawnError = e;
  });
  const alive = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;
  const abort = (e: unknown): never => {
    if (alive()) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new EnvironmentError(`could not start SUMO on port ${port}: ${errorMessage(spawnError ?? e)}`, {
      details: `command: ${binary} ${args.join(" ")}\nstderr: ${tail.trim() || "(empty)"}`,
      fix: "check that the port is free and the network loads (run the command by hand)",
      cause: e,
    });
  };
  let client: TraciClient;
  try {
    // Race SUMO's exit: if the port was taken, we may have reached whatever holds it, and SUMO quits.
    const connected = await Promise.race([TraciClient.connect(port, { alive, timeoutMs: 30_000 }), exited]);
    client = connected;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer to TraCI getVersion within 15 s")), 15_000);
    });
    try {
      await Promise.race([connected.getVersion(), exited, timeout]);
    } catch (e) {
      connected.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    // Give SUMO a moment to flush its error output before reporting.
    await new Promise((r) => setTimeout(r, 200));
    return abort(e);
  }
  return new SumoTraffic(net, options, rng, client, child, () => tail.trim(), dir);
}
