// `amc fl round|status|model`: federated learning of abnormal driving on the running platform
// (docs/federated-learning.md). `round` drives the fleet's side: every vehicle trains from the published model on
// its own windows, clips its update and encrypts it under the task's Paillier key, and sends it to the RSU that
// aggregates its group; each RSU returns the cell aggregate, which the RSU operator records through the gateway on
// FLRegistry; the model owner then publishes the round. `--attack overflow` makes one vehicle bypass its encoder
// (an out-of-range plaintext): its cell's aggregate fails the overflow check and is dropped, with the reason on the
// ledger. `model` re-verifies a published model against the hash FLRegistry holds.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { flRegistryAbi } from "@amc/abi";
import {
  contractAddress,
  loadTopology,
  mainChain,
  platformPaths,
  publicClientFor,
  readManifest,
  rsuSpecs,
} from "@amc/chain";
import { paillier } from "@amc/crypto";
import {
  addVehicleTraces,
  encodedToJson,
  encodeUpdate,
  type FlTaskConfig,
  modelFromBytes,
  modelHashOf,
  parseObdCsv,
  platformData,
  vehicleUpdate,
} from "@amc/fl";
import { EnvironmentError, InvalidInputError, stringify } from "@amc/utils";
import type { Hex } from "viem";
import type { Common } from "./commands.js";

export type FlCliOptions = Common & {
  rounds?: string | undefined;
  attack?: string | undefined;
  round?: string | undefined;
  out?: string | undefined;
  /** Add the city simulator's vehicles (their OBD CSVs in <home>/sim/obd) as clients. */
  fromSim?: boolean;
};

const repoRoot = join(import.meta.dirname, "../../..");

function context(options: Common) {
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);
  const manifest = readManifest(paths.manifest);
  const main = mainChain(topology);
  if (!main.modules.includes("fl"))
    throw new InvalidInputError("the main chain carries no fl module", { fix: 'add "fl" to its modules' });
  const base = `http://${topology.services.host}:${topology.services.gateway.port}`;
  return { topology, paths, manifest, main, base };
}
type Ctx = ReturnType<typeof context>;

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new EnvironmentError(`${new URL(url).host} does not answer`, {
      fix: "start the platform: `npm start`",
      cause: error,
    });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new InvalidInputError(`${url} answered ${response.status}: ${body.detail ?? body.title ?? ""}`);
  }
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? response.json() : new Uint8Array(await response.arrayBuffer())) as Promise<T>;
}

type TaskStatus = {
  taskId: Hex;
  registry: Hex;
  config: FlTaskConfig;
  publicKey: { n: string };
  round: number | null;
  baseModelHash: Hex | null;
  rounds: {
    round: number;
    status: string;
    modelHash: Hex | null;
    cells: number;
    accepted: number;
    dropped: number;
    contributors: number;
    f1: number;
  }[];
};

const post = (url: string, body: unknown, token?: string) =>
  call<Record<string, unknown>>(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

/** Downloads a model and checks its bytes against the hash (which the caller read from the ledger). */
async function fetchModel(ctx: Ctx, hash: Hex) {
  const bytes = await call<Uint8Array>(`${ctx.base}/v1/fl/models/${hash}`);
  const actual = modelHashOf(bytes);
  if (actual !== hash) throw new InvalidInputError(`model ${hash} served with other bytes (keccak256 ${actual})`);
  return { bytes, ...modelFromBytes(bytes) };
}

/** `amc fl round [--rounds n] [--attack overflow]`: runs federated rounds with the simulated fleet. */
export async function flRound(options: FlCliOptions): Promise<void> {
  const ctx = context(options);
  const rounds = options.rounds === undefined ? 1 : Number(options.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new InvalidInputError("--rounds is 1..100");
  if (options.attack !== undefined && options.attack !== "overflow")
    throw new InvalidInputError("--attack takes: overflow (one vehicle sends an out-of-range encrypted update)");
  const rsus = rsuSpecs(ctx.topology);
  if (rsus.length === 0) throw new InvalidInputError("the topology runs no RSU (services.edge.rsusPerCell is 0)");
  const adminToken = readFileSync(join(ctx.paths.home, "gateway", "admin.token"), "utf8").trim();
  let task = await call<TaskStatus>(`${ctx.base}/v1/fl/task`);
  const config = task.config;
  const publicKey = paillier.publicKeyFromJson(task.publicKey);
  const pool = new paillier.RandomnessPool(publicKey);
  const data = platformData(config, join(repoRoot, "../shared/vectors/driving-obd2"));
  let simulated = 0;
  if (options.fromSim) {
    const dir = join(ctx.paths.home, "sim", "obd");
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".csv")) : [];
    if (files.length === 0)
      throw new InvalidInputError(`no driving signals of the simulator in ${dir}`, {
        fix: "start the platform with the simulator (`npm start`) and let it drive a minute (it writes them every 60 s)",
      });
    simulated = addVehicleTraces(
      data,
      files.map((f) => parseObdCsv(readFileSync(join(dir, f), "utf8"), `sim:${f.replace(/\.csv$/, "")}`)),
    );
  }
  const vehicles = data.clients.map((_, i) => i).filter((i) => (data.clients[i]?.n ?? 0) > 0);
  const log = (line: string) => {
    if (!options.json) console.log(line);
  };
  log(
    `task ${config.name} (${task.taskId.slice(0, 10)}…): ${vehicles.length} vehicles${options.fromSim ? ` (${simulated} from the city simulator)` : ""} over ${rsus.length} RSUs, ${config.secure.mode} aggregation, rule ${config.rule.kind}, m = ${config.minContributors}`,
  );
  const results: unknown[] = [];
  for (let n = 0; n < rounds; n++) {
    if (task.round === null || !task.baseModelHash) throw new InvalidInputError("the task has no open round");
    const round = task.round;
    const { params: global } = await fetchModel(ctx, task.baseModelHash);
    await pool.refill(vehicles.length);
    // Vehicles by RSU group (dealt in order: each RSU aggregates the vehicles of its stretch of road).
    for (const [k, v] of vehicles.entries()) {
      const rsu = rsus[k % rsus.length]!;
      const update = vehicleUpdate(config, global, data, v, round);
      let contribution = encodedToJson(encodeUpdate(config.secure, { publicKey, pool }, `vehicle-${v}`, update));
      if (options.attack === "overflow" && k === 0) {
        // A vehicle that bypasses its encoder: a plaintext far above the slot bound, validly encrypted.
        const layout = paillier.packingLayout(config.secure, publicKey);
        const forged = (1n << BigInt(layout.slotBits * layout.slotsPerPlaintext)) - 1n;
        contribution = {
          ...contribution,
          mode: "paillier",
          ciphertexts: [`0x${paillier.encrypt(publicKey, forged).toString(16)}`],
        };
      }
      await post(`${rsu.url}/v1/fl/contributions`, { taskId: task.taskId, round, contribution });
    }
    const cells = [];
    for (const rsu of rsus) {
      const aggregate = await post(`${rsu.url}/v1/fl/aggregate`, {
        taskId: task.taskId,
        round,
        secure: config.secure,
        publicKey: task.publicKey,
      });
      cells.push(await post(`${ctx.base}/v1/fl/rounds/${round}/cells`, aggregate, adminToken));
    }
    const published = (await post(`${ctx.base}/v1/fl/rounds/${round}/publish`, {}, adminToken)) as {
      modelHash: Hex;
      accepted: Hex[];
      dropped: { cellId: Hex; code: number; reason: string }[];
      metrics: { real: { f1: number } | null; generated: { f1: number } };
    };
    results.push({ round, cells, ...published });
    log(
      `round ${round}: ${cells.length} cell aggregates recorded, ${published.accepted.length} accepted, ${published.dropped.length} dropped; F1 ${published.metrics.real ? `${published.metrics.real.f1.toFixed(3)} (real held-out), ` : ""}${published.metrics.generated.f1.toFixed(3)} (generated fleet); model ${published.modelHash}`,
    );
    for (const d of published.dropped) log(`  dropped ${d.reason} (code ${d.code})`);
    task = await call<TaskStatus>(`${ctx.base}/v1/fl/task`);
  }
  await pool.stop();
  if (options.json)
    console.log(
      stringify({ taskId: task.taskId, vehicles: vehicles.length, simulatedVehicles: simulated, rounds: results }),
    );
}

/** `amc fl status`: the task's rounds as FLRegistry records them. */
export async function flStatus(options: FlCliOptions): Promise<void> {
  const ctx = context(options);
  const task = await call<TaskStatus>(`${ctx.base}/v1/fl/task`);
  if (options.json) return console.log(stringify(task));
  console.log(
    [
      `task ${task.config.name} ${task.taskId} on FLRegistry ${task.registry}; open round: ${task.round ?? "none"}`,
      ...task.rounds.map(
        (r) =>
          `  round ${r.round}  ${r.status.padEnd(9)} ${r.modelHash ?? "(training)"}  cells ${r.cells} (accepted ${r.accepted}, dropped ${r.dropped})  contributors ${r.contributors}  F1 ${r.f1.toFixed(3)}`,
      ),
    ].join("\n"),
  );
}

/** `amc fl model [--round n] [--out file]`: downloads a published model and re-verifies it against the ledger. */
export async function flModel(options: FlCliOptions): Promise<void> {
  const ctx = context(options);
  const task = await call<TaskStatus>(`${ctx.base}/v1/fl/task`);
  const published = task.rounds.filter((r) => r.status === "published");
  const wanted =
    options.round === undefined ? published.at(-1) : published.find((r) => r.round === Number(options.round));
  if (!wanted) throw new InvalidInputError("no published round (yet): run `amc fl round` first");
  // The hash comes from FLRegistry itself, not from the gateway.
  const registry = contractAddress(ctx.manifest, ctx.main.name, "FLRegistry");
  const onChain = await publicClientFor(ctx.main).readContract({
    address: registry,
    abi: flRegistryAbi,
    functionName: "round",
    args: [task.taskId, BigInt(wanted.round)],
  });
  const bytes = await call<Uint8Array>(`${ctx.base}/v1/fl/models/${onChain.modelHash}`);
  const actual = modelHashOf(bytes);
  const verified = actual === onChain.modelHash;
  if (!verified) process.exitCode = 3;
  const { spec, params } = modelFromBytes(bytes);
  if (options.out) writeFileSync(options.out, bytes);
  const result = {
    round: wanted.round,
    modelHash: onChain.modelHash,
    verified,
    model: spec,
    parameters: params.length,
    f1: onChain.metrics.f1Bps / 10_000,
    ...(options.out ? { out: options.out } : {}),
  };
  if (options.json) return console.log(stringify(result));
  console.log(
    `round ${wanted.round} model ${onChain.modelHash}: ${verified ? "VERIFIED against FLRegistry" : `MISMATCH (bytes hash ${actual})`}; ${spec.kind} with ${params.length} parameters, F1 ${result.f1.toFixed(3)}${options.out ? `; written to ${options.out}` : ""}`,
  );
}
