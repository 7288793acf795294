// The simulator process, as `amc up` starts it after the RSUs are healthy:
//   tsx apps/sim/src/main.ts --config amc.config.json --home .amc [--engine builtin|sumo] [--vehicles n]
//     [--cam-hz hz] [--seed n] [--port p]
// It loads the road network, places the topology's RSUs on it, serves its API at once (/health says "starting"),
// creates or resumes the fleet's platform citizens, starts the traffic engine and drives. SIGINT/SIGTERM stop the
// loop, close the OBU sessions and the engine, and exit 0. Options override `services.sim` of the topology.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultHome, defaultTopologyFile, loadTopology, platformPaths, readManifest } from "@amc/chain";
import { createLogger, EnvironmentError, errorMessage, InvalidInputError } from "@amc/utils";
import { z } from "zod";
import { Citizens } from "./citizens.js";
import { planCoverage } from "./coverage.js";
import { Fleet } from "./fleet.js";
import { loadSumoNetwork, resolveNetworkFile } from "./network.js";
import { createSimServer, networkBody } from "./server.js";
import { SUMO_INSTALL_HINT, startSumoTraffic, sumoAvailable } from "./sumo.js";
import { BuiltinTraffic, type TrafficEngine } from "./traffic.js";

const logger = createLogger({ service: "sim" });

const optionsSchema = z.object({
  engine: z.enum(["builtin", "sumo"]),
  vehicles: z.coerce.number().int().min(1).max(500),
  camHz: z.coerce.number().min(0.1).max(10),
  seed: z.coerce.number().int().min(0),
  port: z.coerce.number().int().min(1).max(65535),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: "string", default: defaultTopologyFile },
      home: { type: "string" },
      engine: { type: "string" },
      vehicles: { type: "string" },
      "cam-hz": { type: "string" },
      seed: { type: "string" },
      port: { type: "string" },
    },
    strict: true,
  });
  const config = values.config ?? defaultTopologyFile;
  const topology = loadTopology(config);
  const sim = topology.services.sim;
  const parsed = optionsSchema.safeParse({
    engine: values.engine ?? sim.engine,
    vehicles: values.vehicles ?? sim.vehicles,
    camHz: values["cam-hz"] ?? sim.camHz,
    seed: values.seed ?? sim.seed,
    port: values.port ?? sim.port,
  });
  if (!parsed.success)
    throw new InvalidInputError("bad simulator option", {
      details: parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join("; "),
      fix: "--engine builtin|sumo, --vehicles 1..500, --cam-hz 0.1..10, --seed >= 0, --port 1..65535",
    });
  const options = parsed.data;
  const paths = platformPaths(values.home ?? defaultHome(config));
  const manifest = readManifest(paths.manifest);
  if (options.engine === "sumo" && !sumoAvailable())
    throw new EnvironmentError("the SUMO engine was asked for but SUMO is not installed", {
      fix: `${SUMO_INSTALL_HINT} (or use --engine builtin)`,
    });

  const net = loadSumoNetwork(resolveNetworkFile(sim.network));
  const coverage = planCoverage(net, topology);
  logger.info("road network loaded", {
    network: net.name,
    edges: net.edges.size,
    cells: coverage.cells.map((c) => `${c.cell}:${c.chain ?? "uncovered"}`).join(" "),
    rsus: coverage.rsus.map((r) => `${r.name}@${r.lat.toFixed(5)},${r.lon.toFixed(5)}`).join(" "),
  });
  if (coverage.unplaced.length > 0)
    logger.warn("RSUs whose cell the road network does not reach get no vehicles", { rsus: coverage.unplaced });
  const network = networkBody({
    name: net.name,
    attribution: net.attribution,
    bounds: net.bounds,
    roads: [...net.edges.values()],
    cells: coverage.cells,
    rsus: coverage.rsus,
  });

  let fleet: Fleet | undefined;
  let engine: TrafficEngine | undefined;
  const server = createSimServer({
    fleet: () => fleet,
    vehicles: options.vehicles,
    engine: options.engine,
    network: () => network,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new EnvironmentError(`the simulator cannot listen on port ${options.port}`, {
          fix: "stop what holds it or pass --port",
          cause: error,
        }),
      ),
    );
    server.listen(options.port, topology.services.host, resolve);
  });
  logger.info("simulator API listening", { url: `http://${topology.services.host}:${options.port}` });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping the simulator");
    void (async () => {
      await fleet?.stop();
      await engine?.close().catch((error: unknown) => logger.warn("engine close", { error: errorMessage(error) }));
      server.close();
      process.exit(0);
    })();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const citizens = await Citizens.open({
    topology,
    manifest,
    home: paths.home,
    logger,
    vehicles: options.vehicles,
  });
  if (stopping) return;
  const trafficOptions = { vehicles: options.vehicles, seed: options.seed, stepSeconds: 0.1 };
  engine =
    options.engine === "sumo" ? await startSumoTraffic(net, trafficOptions) : new BuiltinTraffic(net, trafficOptions);
  if (stopping) {
    await engine.close();
    return;
  }
  const edge = topology.services.edge;
  fleet = new Fleet({
    net,
    coverage,
    engine,
    citizens,
    logger,
    camHz: options.camHz,
    seed: options.seed,
    hazardEverySeconds: sim.hazardEverySeconds,
    uploadEverySeconds: sim.uploadEverySeconds,
    edge: {
      k: edge.k,
      radiusMeters: edge.radiusMeters,
      windowMs: edge.windowMs,
      admissionTtlMs: edge.admissionTtlMs,
    },
    obdDir: join(paths.home, "sim", "obd"),
  });
  fleet.start();
  logger.info("fleet driving", { engine: engine.kind, vehicles: options.vehicles, camHz: options.camHz });
}

main().catch((error) => {
  logger.error("simulator failed", { error: errorMessage(error) });
  process.exit(1);
});
