// The city simulator's traffic engines on the default road network (the A10 Werder junction, SUMO's
// sumo_A10KW_osm.net.xml): simulated seconds per wall-clock second of the builtin engine (IDM car-following in the
// simulator's process, apps/sim/src/traffic.ts) beside SUMO 1.15 driven step by step through our TraCI client
// (apps/sim/src/sumo.ts) — the same network, fleet size, seed and 0.1 s step, measured in the same run. Each engine
// runs a warm-up first; every step's states are checked (every vehicle present, positions finite), so a faster but
// broken engine fails the benchmark. SUMO's figure includes the TraCI round trips the simulator makes each step
// (one step command and one batched read of every vehicle), which is how the platform uses it.
// Needs `sumo` (apt-get install sumo) for the reference; without it the row says so.
// Run alone with `npx tsx bench/traffic.bench.ts [--quick]`.
import { pathToFileURL } from "node:url";
import { loadSumoNetwork, resolveNetworkFile } from "../apps/sim/src/network.js";
import { startSumoTraffic, sumoAvailable } from "../apps/sim/src/sumo.js";
import { BuiltinTraffic, type TrafficEngine } from "../apps/sim/src/traffic.js";
import type { BenchRow } from "./xchain.bench.js";

const STEP = 0.1;

/** Simulated seconds per wall second over `steps` steps after `warmup` steps; checks every step's states. */
async function rate(engine: TrafficEngine, vehicles: number, warmup: number, steps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await engine.step();
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const states = await engine.step();
    if (states.length < vehicles * 0.8)
      throw new Error(`${engine.kind}: ${states.length} of ${vehicles} vehicles in step ${i}`);
    for (const s of states)
      if (!Number.isFinite(s.lat) || !Number.isFinite(s.lon)) throw new Error(`${engine.kind}: bad position`);
  }
  return (steps * STEP) / ((performance.now() - started) / 1000);
}

export async function trafficEngines(opts: { quick: boolean }): Promise<BenchRow[]> {
  const net = loadSumoNetwork(resolveNetworkFile("sumo_A10KW_osm.net.xml"));
  const rows: BenchRow[] = [];
  for (const vehicles of opts.quick ? [50] : [50, 200]) {
    const steps = opts.quick ? 300 : 1000;
    const builtin = new BuiltinTraffic(net, { vehicles, seed: 1, stepSeconds: STEP });
    const ours = await rate(builtin, vehicles, 300, steps);
    await builtin.close();
    let reference: number | undefined;
    if (sumoAvailable()) {
      const sumo = await startSumoTraffic(net, { vehicles, seed: 1, stepSeconds: STEP });
      try {
        // SUMO inserts its vehicles over the first steps: warm up longer.
        reference = await rate(sumo, vehicles, 600, steps);
      } finally {
        await sumo.close();
      }
    }
    rows.push({
      name: `traffic engine, ${vehicles} vehicles on the A10 Werder network (0.1 s steps)`,
      ours: `builtin IDM ${ours.toFixed(0)} simulated s per s (${(1000 / (ours / STEP)).toFixed(3)} ms per step)`,
      reference:
        reference === undefined
          ? "SUMO not installed (apt-get install sumo)"
          : `SUMO 1.15 via TraCI ${reference.toFixed(0)} simulated s per s (${(1000 / (reference / STEP)).toFixed(3)} ms per step)`,
      ratio: reference === undefined ? "n/a" : `${(ours / reference).toFixed(1)}×`,
      note: "real time needs 1 simulated s per s; SUMO adds lane changes and junction rules the builtin engine does not model",
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  for (const row of await trafficEngines({ quick: process.argv.includes("--quick") }))
    console.log(`${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio}`);
