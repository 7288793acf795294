// The RSU's part in federated learning (docs/federated-learning.md): it collects its cell's encoded model updates
// for a (task, round) and, when asked, aggregates them — Paillier ciphertexts multiplied (the RSU cannot decrypt),
// or SecAgg+ masked inputs unmasked into their sum — and hands back the cell aggregate with the contributor list's
// Merkle root and the payload's commitment, which the RSU operator records on FLRegistry. A contribution is appended
// to `<dataDir>/fl/<task>-<round>.jsonl` and fsynced before it is acknowledged (202), and reloaded on restart: a crash
// of the RSU loses no acknowledged update.

import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { paillier } from "@amc/crypto";
import {
  aggregateCell,
  aggregateToJson,
  type CellAggregateJson,
  type EncodedUpdate,
  encodedFromJson,
  encodedToJson,
  type SecureConfig,
} from "@amc/fl";
import { InvalidInputError } from "@amc/utils";

const MAX_CONTRIBUTIONS = 10_000;

export class FlCollector {
  private readonly rounds = new Map<string, Map<string, EncodedUpdate>>();

  private readonly dir: string | undefined;

  /** `dataDir`: where contributions are kept until aggregated (none: memory only, for tests). */
  constructor(
    readonly cellId: string,
    dataDir?: string,
  ) {
    this.dir = dataDir ? join(dataDir, "fl") : undefined;
    if (!this.dir || !existsSync(this.dir)) return;
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith(".jsonl"))) {
      const key = file.slice(0, -".jsonl".length).replace("-", "/");
      const round = new Map<string, EncodedUpdate>();
      for (const line of readFileSync(join(this.dir, file), "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          const update = encodedFromJson(JSON.parse(line));
          round.set(update.vehicle, update);
        } catch {
          // a torn last line (crash while appending): never acknowledged
        }
      }
      this.rounds.set(key, round);
    }
  }

  private fileOf(key: string): string | undefined {
    return this.dir ? join(this.dir, `${key.replace("/", "-")}.jsonl`) : undefined;
  }

  /** Accepts one vehicle's encoded update for (task, round); a vehicle contributes once. */
  contribute(body: Record<string, unknown>): { count: number } {
    const key = roundKey(body);
    const update = encodedFromJson(body.contribution);
    let round = this.rounds.get(key);
    if (!round) {
      if (this.rounds.size >= 16) {
        const oldest = this.rounds.keys().next().value as string;
        this.rounds.delete(oldest);
        const stale = this.fileOf(oldest);
        if (stale) rmSync(stale, { force: true });
      }
      round = new Map();
      this.rounds.set(key, round);
    }
    if (round.has(update.vehicle)) throw new InvalidInputError(`${update.vehicle} already contributed to this round`);
    if (round.size >= MAX_CONTRIBUTIONS) throw new InvalidInputError("this round has all the contributions it takes");
    const first = round.values().next().value as EncodedUpdate | undefined;
    if (first && first.mode !== update.mode) throw new InvalidInputError(`this round collects ${first.mode} updates`);
    const file = this.fileOf(key);
    if (file) {
      mkdirSync(this.dir as string, { recursive: true });
      appendFileSync(file, `${JSON.stringify(encodedToJson(update))}\n`);
      const fd = openSync(file, "r+");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    round.set(update.vehicle, update);
    return { count: round.size };
  }

  /** Aggregates and forgets the (task, round)'s contributions. */
  aggregate(body: Record<string, unknown>): CellAggregateJson {
    const key = roundKey(body);
    const secure = secureConfig(body.secure);
    const round = this.rounds.get(key);
    if (!round || round.size === 0) throw new InvalidInputError("no contribution was collected for this round");
    const publicKey = secure.mode === "paillier" ? paillier.publicKeyFromJson(body.publicKey) : undefined;
    const aggregate = aggregateCell(secure, publicKey ? { publicKey } : {}, this.cellId, [...round.values()], {
      roundId: key,
    });
    this.rounds.delete(key);
    const file = this.fileOf(key);
    if (file) rmSync(file, { force: true });
    return aggregateToJson(aggregate);
  }
}

function roundKey(body: Record<string, unknown>): string {
  const { taskId, round } = body;
  if (typeof taskId !== "string" || !/^0x[0-9a-f]{64}$/i.test(taskId))
    throw new InvalidInputError("taskId must be a 32-byte hex id");
  if (typeof round !== "number" || !Number.isSafeInteger(round) || round < 0)
    throw new InvalidInputError("round must be a non-negative integer");
  return `${taskId.toLowerCase()}/${round}`;
}

function secureConfig(value: unknown): SecureConfig {
  if (!value || typeof value !== "object")
    throw new InvalidInputError("secure must be the task's secure configuration");
  const o = value as Record<string, unknown>;
  const num = (k: string) => {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
      throw new InvalidInputError(`secure.${k} must be positive`);
    return v;
  };
  if (o.mode !== "paillier" && o.mode !== "masking")
    throw new InvalidInputError('secure.mode is "paillier" or "masking"');
  return { mode: o.mode, scale: num("scale"), maxAbs: num("maxAbs"), maxSummands: num("maxSummands") };
}
