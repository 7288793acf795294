// Federated learning on the gateway (docs/federated-learning.md): the platform operator is, on the dev platform,
// the model owner of the abnormal-driving task and the RSU operator that records cell aggregates. It keeps the
// task's Paillier key (the private key never leaves <home>/fl), creates the task on FLRegistry, records each
// RSU's cell aggregate (commitment and contributors root checked against the payload), and publishes a round:
// only cells the ledger shows with at least m contributors are opened, an aggregate that fails to decrypt or
// overflows is dropped, the rest are combined with the task's robust rule (dropped cells with their reasons), the
// new model is evaluated, stored under its keccak256 and published; the next round opens on it.
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { flRegistryAbi } from "@amc/abi";
import { contractAddress, type DeploymentManifest, mainChain, type Topology } from "@amc/chain";
import { paillier } from "@amc/crypto";
import type { ChainWriter } from "@amc/data";
import {
  aggregateFromJson,
  type CellAggregate,
  combineCells,
  configHashOf,
  DEFAULT_TASK_CONFIG,
  DROP_CODES,
  evaluateModel,
  type FlTaskConfig,
  initialModel,
  modelBytes,
  modelFromBytes,
  modelHashOf,
  type OpenedCell,
  openCellAggregate,
  type PreparedData,
  platformData,
  taskIdOf,
} from "@amc/fl";
import { createLogger, errorMessage, stringify, writeFileAtomic } from "@amc/utils";
import type { FastifyInstance } from "fastify";
import { type Abi, type Address, type Hex, keccak256, stringToHex } from "viem";
import { adminGuard, ProblemError } from "./problem.js";

export type FlOptions = {
  home: string;
  writer: ChainWriter;
  adminToken: string;
  /** Paillier modulus size (default 2048; tests use 1024). */
  keyBits?: number;
  config?: FlTaskConfig;
  /** Where the real OBD-II recordings are (default ../shared/vectors/driving-obd2 beside the repository). */
  recordingsDir?: string;
};

const repoRoot = join(import.meta.dirname, "../../..");

/** The platform's task in the topology's aggregation mode (a masking task is another task: its own id). */
export function taskConfigFor(mode: "paillier" | "masking"): FlTaskConfig {
  if (mode === "paillier") return DEFAULT_TASK_CONFIG;
  return {
    ...DEFAULT_TASK_CONFIG,
    name: `${DEFAULT_TASK_CONFIG.name}/masking`,
    secure: { ...DEFAULT_TASK_CONFIG.secure, mode: "masking" },
  };
}
export const defaultRecordingsDir = join(repoRoot, "../shared/vectors/driving-obd2");
/** Writes bytes to a temporary file, fsyncs and renames it into place. */
function writeBytesAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const cellKey = (cellId: string): Hex => keccak256(stringToHex(cellId));
const bps = (x: number) => Math.max(0, Math.min(10_000, Math.round(x * 10_000)));

export class FlService {
  private readonly logger = createLogger({ service: "gateway", component: "fl" });
  readonly config: FlTaskConfig;
  readonly taskId: Hex;
  readonly registry: Address;
  private readonly dir: string;
  private keys: paillier.PaillierKeyPair | undefined;
  private data: PreparedData | undefined;
  private ready: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    topology: Topology,
    manifest: DeploymentManifest,
    private readonly options: FlOptions,
  ) {
    this.config = options.config ?? taskConfigFor(topology.fl.secureAggregation);
    this.taskId = taskIdOf(this.config);
    this.registry = contractAddress(manifest, mainChain(topology).name, "FLRegistry");
    this.dir = join(options.home, "fl");
  }

  private get client() {
    return this.options.writer.client;
  }

  /** The task's Paillier key pair: created once, kept in <home>/fl/owner-key.json (mode 0600). */
  keyPair(): paillier.PaillierKeyPair {
    if (this.keys) return this.keys;
    const path = join(this.dir, "owner-key.json");
    if (existsSync(path)) {
      const privateKey = paillier.privateKeyFromJson(JSON.parse(readFileSync(path, "utf8")));
      this.keys = { publicKey: privateKey.publicKey, privateKey };
    } else {
      this.keys = paillier.generateKeyPair(this.options.keyBits ?? 2048);
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(path, JSON.stringify(paillier.privateKeyToJson(this.keys.privateKey)));
      chmodSync(path, 0o600);
    }
    return this.keys;
  }

  private prepared(): PreparedData {
    this.data ??= platformData(this.config, this.options.recordingsDir ?? defaultRecordingsDir);
    return this.data;
  }

  /** Serialises chain-changing work (one round at a time). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private write(functionName: string, args: readonly unknown[]) {
    return this.options.writer.write({ address: this.registry, abi: flRegistryAbi as Abi, functionName, args });
  }

  private saveModel(params: Float64Array): Hex {
    const bytes = modelBytes(this.config.model, params);
    const hash = modelHashOf(bytes);
    mkdirSync(join(this.dir, "models"), { recursive: true });
    writeBytesAtomic(join(this.dir, "models", `${hash}.bin`), bytes);
    return hash;
  }

  model(hash: string): Uint8Array | undefined {
    if (!/^0x[0-9a-f]{64}$/.test(hash)) return undefined;
    const path = join(this.dir, "models", `${hash}.bin`);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }

  /** Creates the task and opens round 0 on the initial model, once. */
  ensureTask(): Promise<void> {
    this.ready ??= this.serial(async () => {
      this.keyPair();
      const task = await this.client.readContract({
        address: this.registry,
        abi: flRegistryAbi,
        functionName: "task",
        args: [this.taskId],
      });
      if (BigInt(task.owner) === 0n)
        await this.write("createTask", [
          this.taskId,
          configHashOf(this.config),
          this.config.minContributors,
          this.config.name,
        ]);
      const count = await this.roundCount();
      if (count === 0n) await this.write("openRound", [this.taskId, 0n, this.saveModel(initialModel(this.config))]);
    }).catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private roundCount(): Promise<bigint> {
    return this.client.readContract({
      address: this.registry,
      abi: flRegistryAbi,
      functionName: "roundCount",
      args: [this.taskId],
    });
  }

  private readRound(round: bigint) {
    return this.client.readContract({
      address: this.registry,
      abi: flRegistryAbi,
      functionName: "round",
      args: [this.taskId, round],
    });
  }

  /** The task as participants need it: configuration, public key, the open round and its base model. */
  async status() {
    await this.ensureTask();
    const count = await this.roundCount();
    const rounds = [];
    for (let r = 0n; r < count; r++) {
      const info = await this.readRound(r);
      rounds.push({
        round: Number(r),
        status: ["none", "open", "published"][info.status] ?? "unknown",
        baseModelHash: info.baseModelHash,
        modelHash: BigInt(info.modelHash) === 0n ? null : info.modelHash,
        cells: info.cellCount,
        accepted: info.acceptedCount,
        dropped: info.droppedCount,
        contributors: Number(info.contributors),
        f1: info.metrics.f1Bps / 10_000,
        precision: info.metrics.precisionBps / 10_000,
        recall: info.metrics.recallBps / 10_000,
      });
    }
    const open = rounds.at(-1);
    return {
      taskId: this.taskId,
      registry: this.registry,
      config: this.config,
      publicKey: paillier.publicKeyToJson(this.keyPair().publicKey),
      round: open && open.status === "open" ? open.round : null,
      baseModelHash: open?.status === "open" ? open.baseModelHash : null,
      rounds,
    };
  }

  private roundDir(round: number) {
    return join(this.dir, "rounds", String(round));
  }

  /** Records an RSU's cell aggregate for the open round: checked, committed on FLRegistry, kept for publishing. */
  commitCell(round: number, body: unknown) {
    return this.serial(async () => {
      await this.ensureTaskUnqueued();
      let aggregate: CellAggregate;
      try {
        aggregate = aggregateFromJson(body, { publicKey: this.keyPair().publicKey });
      } catch (error) {
        throw new ProblemError(400, "Invalid cell aggregate", errorMessage(error));
      }
      const open = await this.openRound();
      if (open !== round) throw new ProblemError(409, "Round not open", `round ${round} is not open (open: ${open})`);
      if (aggregate.mode !== this.config.secure.mode)
        throw new ProblemError(400, "Invalid cell aggregate", `the task aggregates in ${this.config.secure.mode} mode`);
      // Idempotent: the same aggregate sent again (e.g. after a crash between the transaction and the file) is kept
      // without a second transaction; another aggregate for a committed cell is refused.
      const existing = await this.client.readContract({
        address: this.registry,
        abi: flRegistryAbi,
        functionName: "cellAggregate",
        args: [this.taskId, BigInt(round), cellKey(aggregate.cellId)],
      });
      let tx: Hex | null = null;
      if (existing.status === 0) {
        const receipt = await this.write("commitCellAggregate", [
          this.taskId,
          BigInt(round),
          cellKey(aggregate.cellId),
          aggregate.commitment,
          aggregate.contributorsRoot,
          aggregate.contributors.length,
          aggregate.mode === "paillier" ? 0 : 1,
        ]);
        tx = receipt.transactionHash;
      } else if (existing.aggregateHash !== aggregate.commitment)
        throw new ProblemError(
          409,
          "Cell already recorded",
          `cell ${aggregate.cellId} already has another aggregate in round ${round} (${existing.aggregateHash})`,
        );
      mkdirSync(this.roundDir(round), { recursive: true });
      writeFileAtomic(join(this.roundDir(round), `${aggregate.cellId}.json`), stringify(body));
      this.logger.info("cell aggregate committed", { round, cell: aggregate.cellId, tx });
      return {
        round,
        cellId: aggregate.cellId,
        cellKey: cellKey(aggregate.cellId),
        contributors: aggregate.contributors.length,
        commitment: aggregate.commitment,
        tx,
      };
    });
  }

  private async ensureTaskUnqueued() {
    // ensureTask runs in the queue itself; inside a queued job, wait for a task created earlier.
    if (!this.ready) throw new ProblemError(409, "No task", "read GET /v1/fl/task first to create the task");
  }

  private async openRound(): Promise<number | null> {
    const count = await this.roundCount();
    if (count === 0n) return null;
    const info = await this.readRound(count - 1n);
    return info.status === 1 ? Number(count - 1n) : null;
  }

  /** Opens the recorded cells, combines them robustly, evaluates, publishes the round and opens the next. */
  publish(round: number) {
    return this.serial(async () => {
      await this.ensureTaskUnqueued();
      const open = await this.openRound();
      if (open !== round) throw new ProblemError(409, "Round not open", `round ${round} is not open (open: ${open})`);
      const info = await this.readRound(BigInt(round));
      const base = modelFromBytes(this.model(info.baseModelHash) ?? new Uint8Array());
      const dir = this.roundDir(round);
      const files = existsSync(dir)
        ? readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "published.json")
        : [];
      if (files.length === 0) throw new ProblemError(409, "Nothing to publish", `no cell aggregate for round ${round}`);
      const keys = this.keyPair();
      const length = base.params.length;
      const opened: OpenedCell[] = [];
      const dropped: { cellId: Hex; code: number; reason: string }[] = [];
      for (const file of files.sort()) {
        const aggregate = aggregateFromJson(JSON.parse(readFileSync(join(dir, file), "utf8")), {
          publicKey: keys.publicKey,
        });
        const id = cellKey(aggregate.cellId);
        const usable = await this.client.readContract({
          address: this.registry,
          abi: flRegistryAbi,
          functionName: "isUsable",
          args: [this.taskId, BigInt(round), id],
        });
        if (!usable) {
          dropped.push({
            cellId: id,
            code: DROP_CODES.belowMinContributors,
            reason: `${aggregate.cellId}: ${aggregate.contributors.length} contributors, fewer than ${this.config.minContributors}`,
          });
          continue;
        }
        try {
          const sum = openCellAggregate(this.config.secure, keys, aggregate, length);
          opened.push({ cellId: id, sum, count: aggregate.contributors.length });
        } catch (error) {
          dropped.push({
            cellId: id,
            code: DROP_CODES.decryptionFailed,
            reason: `${aggregate.cellId}: ${errorMessage(error)}`,
          });
        }
      }
      const combined = combineCells(this.config, base.params, opened);
      const all = [...dropped, ...combined.dropped];
      const evaluation = evaluateModel(this.config, combined.model, this.prepared());
      const metrics = evaluation.real ?? evaluation.gen;
      const modelHash = this.saveModel(combined.model);
      const publishTx = await this.write("publishRound", [
        this.taskId,
        BigInt(round),
        modelHash,
        combined.accepted,
        all.map((d) => ({ cellId: d.cellId, code: d.code, reasonHash: keccak256(stringToHex(d.reason)) })),
        {
          f1Bps: bps(metrics.f1),
          precisionBps: bps(metrics.precision),
          recallBps: bps(metrics.recall),
          evalWindows: evaluation.windows,
        },
        `/v1/fl/models/${modelHash}`,
      ]);
      await this.write("openRound", [this.taskId, BigInt(round + 1), modelHash]);
      const result = {
        round,
        modelHash,
        accepted: combined.accepted,
        dropped: all,
        metrics: { real: evaluation.real, generated: evaluation.gen },
        tx: publishTx.transactionHash,
      };
      writeFileAtomic(join(dir, "published.json"), stringify(result));
      this.logger.info("round published", { round, modelHash, f1: metrics.f1, dropped: all.length });
      return result;
    });
  }
}

const mounted = new WeakMap<FastifyInstance, FlService>();
export const flOf = (app: FastifyInstance): FlService | undefined => mounted.get(app);

export function registerFlRoutes(
  app: FastifyInstance,
  topology: Topology,
  manifest: DeploymentManifest,
  options: FlOptions,
): FlService {
  const fl = new FlService(topology, manifest, options);
  mounted.set(app, fl);
  const tags = ["fl"];
  const admin = adminGuard(options.adminToken);
  const roundParam = (value: string) => {
    if (!/^\d{1,9}$/.test(value)) throw new ProblemError(400, "Bad round", "round is a non-negative integer");
    return Number(value);
  };
  app.get(
    "/v1/fl/task",
    { schema: { tags, summary: "The federated task: config, Paillier public key, open round, every round's record" } },
    async (_request, reply) => reply.type("application/json").send(stringify(await fl.status())),
  );
  app.get<{ Params: { hash: string } }>(
    "/v1/fl/models/:hash",
    { schema: { tags, summary: "A model's canonical bytes by keccak256 (re-verify against FLRegistry)" } },
    async (request, reply) => {
      const bytes = fl.model(request.params.hash);
      if (!bytes) throw new ProblemError(404, "Unknown model", `no model ${request.params.hash}`);
      return reply.type("application/octet-stream").send(Buffer.from(bytes));
    },
  );
  app.post<{ Params: { round: string } }>(
    "/v1/fl/rounds/:round/cells",
    { schema: { tags, summary: "Record an RSU's cell aggregate for the open round (admin: the RSU operator)" } },
    async (request, reply) => {
      admin(request);
      await fl.ensureTask();
      return reply
        .type("application/json")
        .send(stringify(await fl.commitCell(roundParam(request.params.round), request.body)));
    },
  );
  app.post<{ Params: { round: string } }>(
    "/v1/fl/rounds/:round/publish",
    { schema: { tags, summary: "Combine the round's usable cells robustly and publish the model (admin)" } },
    async (request, reply) => {
      admin(request);
      await fl.ensureTask();
      return reply.type("application/json").send(stringify(await fl.publish(roundParam(request.params.round))));
    },
  );
  return fl;
}
