// Test support for the RSU's reliability tests (issue 5): an RSU config in serialisable form built from the edge
// harness (tests/support/edge.ts, started with no in-process RSUs), an RSU child process to SIGKILL and restart
// (apps/edge/src/testing/rsu-child.ts), a TCP proxy that cuts the RSU off its cell chain, a fleet of stationary
// vehicles streaming CAMs that reconnects after every restart, and the checks of proofs and anchors.
import { type ChildProcess, spawn } from "node:child_process";
import type { KeyObject } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dataAnchorAbi } from "@amc/abi";
import { type ChainRef, contractAddress, isPortFree, publicClientFor, rsuKey, rsuSpecs, viemChain } from "@amc/chain";
import { EdgeConnectionError, type MessageProof, ObuClient, rsuKeyResolver, verifyMessageProof } from "@amc/sdk";
import { sleep, stringify, waitFor } from "@amc/utils";
import { CertificateCodec, certificateDigest, slotsPerPeriod, toHex } from "@amc/v2x";
import { type Address, createPublicClient, custom, type Hex, http, type PublicClient } from "viem";
import { ensureFunded, ensureRsuIdentity } from "../../apps/edge/src/setup.js";
import type { RsuChildConfig } from "../../apps/edge/src/testing/rsu-child.js";
import { CELL_A, cam, type EdgeNet, pointIn, type Vehicle } from "./edge.js";

// ---------------------------------------------------------------------------------------------------------------
// config

export type RsuChildOptions = {
  /** Where the journal and identity live; kept across restarts. */
  home: string;
  /** 0 picks a free port at start (in-process only); a child that is restarted needs a fixed one. */
  port: number;
  /** The cell chain's JSON-RPC URL as the RSU sees it (e.g. through a proxy); default the chain's own. */
  rpcUrl?: string;
  batch?: RsuChildConfig["batch"];
  checkpointIntervalMs?: number;
  logLevel?: RsuChildConfig["logLevel"];
};

/**
 * The config of cell A's first RSU (`rsu-<cell A>-0` of the topology: its dev key and a DID created on main by the
 * RSU operator), for an edge harness started with `rsusPerCell: 0`.
 */
export async function rsuChildConfig(edge: EdgeNet, options: RsuChildOptions): Promise<RsuChildConfig> {
  const { topology, manifest } = edge.net;
  const spec = rsuSpecs(topology).find((s) => s.cell === CELL_A && s.index === 0);
  if (!spec) throw new Error(`the topology has no RSU for cell ${CELL_A}`);
  const key = rsuKey(topology, spec);
  mkdirSync(options.home, { recursive: true });
  const [identity] = await Promise.all([
    ensureRsuIdentity(topology, manifest, join(options.home, "identity.json")),
    ensureFunded(topology, spec.chain, key),
  ]);
  const chain: ChainRef = {
    name: spec.chain.name,
    chainId: spec.chain.chainId,
    rpcUrl: options.rpcUrl ?? spec.chain.rpcUrl,
    blockTimeSeconds: spec.chain.blockTimeSeconds,
  };
  return {
    name: spec.name,
    cell: spec.cell,
    host: "127.0.0.1",
    port: options.port,
    dataDir: join(options.home, "journal"),
    chain,
    contracts: {
      dataAnchor: contractAddress(manifest, spec.chain.name, "DataAnchor"),
      eventLedger: contractAddress(manifest, spec.chain.name, "EventLedger"),
      identityMirror: contractAddress(manifest, spec.chain.name, "IdentityMirror"),
    },
    privateKey: key,
    identity: {
      did: identity.did,
      didId: identity.didId,
      kid: identity.kid,
      jwk: identity.signingKey.export({ format: "jwk" }),
    },
    caChain: [edge.pki.pca, edge.pki.root].map((c) => toHex(CertificateCodec.encode(c))),
    trustedRoot: toHex(certificateDigest(edge.pki.root)),
    batch: options.batch ?? { maxCount: 50, maxDelayMs: 100 },
    consensus: { k: 3, radiusMeters: 300, windowMs: 60_000 },
    limits: { ratePerSecond: 5_000, burst: 10_000, maxInFlight: 20_000, maxAgeMs: 30_000 },
    revocation: { pollIntervalMs: 1_000, slotsPerPeriod: slotsPerPeriod(edge.pki.schedule) },
    checkpointIntervalMs: options.checkpointIntervalMs ?? 2_000,
    admissionTtlMs: 600_000,
    threads: 1,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  };
}

/**
 * A loopback port below Linux's ephemeral range (32768+), free now: a port the kernel also hands out to outgoing
 * connections could be taken while a killed RSU is down.
 */
export async function fixedPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isPortFree(port)) return port;
  }
  throw new Error("no free port between 20000 and 32000");
}

// ---------------------------------------------------------------------------------------------------------------
// the RSU child process

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve("tsx/esm")).href;
const childScript = fileURLToPath(new URL("../../apps/edge/src/testing/rsu-child.ts", import.meta.url));

/** A log line of the child (JSON, from @amc/utils' logger). */
export type ChildLog = { level: string; msg: string; [field: string]: unknown };

export type RsuChild = {
  process: ChildProcess;
  /** Resolves once the child loaded its code (held children only: see `go`). */
  loaded: Promise<void>;
  /** Lets a held child start the RSU (a no-op for others). */
  go(): void;
  /** Resolves with the RSU's URL once it printed READY; rejects if it exits first. */
  ready: Promise<string>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every JSON log line so far. */
  logs: ChildLog[];
  /** The last lines of stderr (for failure messages). */
  stderrTail(): string;
};

/** Writes the config (e.g. next to the journal). */
export function writeRsuChildConfig(config: RsuChildConfig, file: string): void {
  writeFileSync(file, stringify(config, 2));
}

/**
 * Starts `rsu-child.ts` on a config file with the tsx loader. `hold`: the child loads its code, then waits for
 * `go()` before it opens the data dir, so that it can be started while its predecessor still runs.
 */
export function spawnRsuChild(configFile: string, options: { hold?: boolean } = {}): RsuChild {
  const child = spawn(
    process.execPath,
    ["--import", tsx, childScript, configFile, ...(options.hold ? ["--hold"] : [])],
    { stdio: [options.hold ? "pipe" : "ignore", "pipe", "pipe"] },
  );
  const logs: ChildLog[] = [];
  const tail: string[] = [];
  let stdout = "";
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const early = (what: string) =>
    exited.then(({ code, signal }) => {
      throw new Error(`the RSU child exited (code ${code}, signal ${signal}) before ${what}:\n${tail.join("\n")}`);
    });
  const line = (prefix: string) =>
    new Promise<string>((resolve) => {
      const look = () => {
        const found = stdout.split("\n").find((l) => l.startsWith(prefix));
        if (found === undefined) return false;
        resolve(found.slice(prefix.length).trim());
        return true;
      };
      const onData = () => {
        if (look()) child.stdout?.off("data", onData);
      };
      child.stdout?.on("data", onData);
    });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  const ready = Promise.race([line("READY "), early("READY")]);
  const loaded = options.hold
    ? Promise.race([line("LOADED"), early("LOADED")]).then(() => undefined)
    : Promise.resolve();
  ready.catch(() => undefined); // observed by whoever awaits it
  loaded.catch(() => undefined);
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    const lines = stderr.split("\n");
    stderr = lines.pop() ?? "";
    for (const l of lines) {
      tail.push(l);
      if (tail.length > 60) tail.shift();
      if (!l.startsWith("{")) continue;
      try {
        logs.push(JSON.parse(l) as ChildLog);
      } catch {
        // a line that only looks like JSON: kept in the tail
      }
    }
  });
  const go = () => {
    if (options.hold) child.stdin?.write("go\n");
  };
  return { process: child, loaded, go, ready, exited, logs, stderrTail: () => tail.join("\n") };
}

// ---------------------------------------------------------------------------------------------------------------
// a TCP proxy to cut the RSU off its cell chain

/**
 * Forwards a loopback port to `target`; `cut()` closes it (connection refused) until `restore()`. `cutOn(text)`
 * cuts at the moment a client request containing `text` comes through (the request is dropped, not forwarded).
 */
export class TcpProxy {
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #trigger: { text: string; cut: () => void } | undefined;
  /** Connections accepted since start. */
  connections = 0;

  constructor(readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** Listens on `port` (default: the port of the last start, or a fixed port below the ephemeral range). */
  async start(port?: number): Promise<void> {
    if (this.#server) return;
    const listenOn = port ?? (this.port || (await fixedPort()));
    const server = createServer((downstream) => {
      this.connections++;
      const upstream = createConnection(this.target);
      for (const socket of [downstream, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {
          downstream.destroy();
          upstream.destroy();
        });
      }
      downstream.on("data", (chunk: Buffer) => {
        const trigger = this.#trigger;
        if (trigger && chunk.includes(trigger.text)) return trigger.cut();
        if (!upstream.write(chunk)) downstream.pause();
      });
      upstream.on("drain", () => downstream.resume());
      downstream.on("end", () => upstream.end());
      upstream.pipe(downstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: listenOn, host: "127.0.0.1", exclusive: true }, () => resolve());
    });
    this.#server = server;
    this.port = listenOn;
  }

  /** Stops listening and drops every open connection: the client sees resets, then connection refused. */
  async cut(): Promise<void> {
    this.#trigger = undefined;
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  /** Cuts (as `cut()`) when a client request containing `text` arrives; resolves once cut. */
  cutOn(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#trigger = { text, cut: () => void this.cut().then(resolve, reject) };
    });
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    return this.start(this.port);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// vehicles

export type Ack = { hash: Hex; tag: number; at: number };

export type FleetOptions = {
  /** The RSU's WebSocket URL (it may change between restarts). */
  wsUrl: () => string;
  /** Concurrent sends per vehicle. */
  lanes: number;
  /** Messages per second per vehicle, at most. */
  ratePerVehicle: number;
};

type Member = { vehicle: Vehicle; position: { latitude: number; longitude: number }; client?: ObuClient };

/**
 * Stationary vehicles at fixed points of cell A streaming freshly signed CAMs. Every ACK with status accepted is
 * recorded with the `tag` current when its send began; other statuses are counted by name, failed sends (the
 * connection ended before the ACK) counted as `lost`. A vehicle whose connection ends reconnects (new ObuClient,
 * same ticket) as soon as the gate is open.
 */
export class Fleet {
  readonly acks: Ack[] = [];
  readonly refused = new Map<string, number>();
  /** Sends that failed because the connection ended (the RSU was killed or cut them off). */
  lost = 0;
  /** Sends that failed otherwise (an ACK timeout, an ACK for other bytes): never expected. */
  readonly errors: string[] = [];
  connects = 0;
  tag = 0;
  readonly #members: Member[];
  #stopped = false;
  #held = false;
  #gate: Promise<void> = Promise.resolve();
  #openGate: () => void = () => {};
  #lanes: Promise<void>[] = [];
  readonly #nextAt = new Map<Member, number>();
  readonly #connecting = new Map<Member, Promise<ObuClient | undefined>>();

  constructor(
    vehicles: Vehicle[],
    readonly options: FleetOptions,
  ) {
    this.#members = vehicles.map((vehicle, i) => ({ vehicle, position: pointIn(CELL_A, 40 * i - 80, 25 * i - 50) }));
  }

  /** Vehicles wait before (re)connecting until `open()`. */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#gate = new Promise<void>((resolve) => {
      this.#openGate = resolve;
    });
  }

  open(): void {
    this.#held = false;
    this.#openGate();
  }

  start(): void {
    for (const member of this.#members)
      for (let lane = 0; lane < this.options.lanes; lane++) this.#lanes.push(this.#lane(member));
  }

  /** Stops sending, waits for every send in flight, closes the connections. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.open();
    await Promise.all(this.#lanes);
    await Promise.all(this.#members.map((m) => m.client?.close().catch(() => undefined)));
  }

  /** Vehicles currently admitted. */
  get admitted(): number {
    return this.#members.filter((m) => m.client?.admitted).length;
  }

  async #lane(member: Member): Promise<void> {
    while (!this.#stopped) {
      await this.#pace(member);
      const client = await this.#client(member);
      if (!client) return;
      const tag = this.tag;
      try {
        const result = await client.send(cam(member.vehicle, member.position));
        if (result.statusName === "accepted") this.acks.push({ hash: result.messageHash, tag, at: Date.now() });
        else this.refused.set(result.statusName, (this.refused.get(result.statusName) ?? 0) + 1);
      } catch (error) {
        if (error instanceof EdgeConnectionError) this.lost++;
        else this.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  }

  async #pace(member: Member): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#nextAt.get(member) ?? now);
    this.#nextAt.set(member, at + 1000 / this.options.ratePerVehicle);
    if (at > now) await sleep(at - now);
  }

  /** The member's admitted client, connecting (once, shared by its lanes) when it has none. */
  #client(member: Member): Promise<ObuClient | undefined> {
    if (member.client?.admitted) return Promise.resolve(member.client);
    let connecting = this.#connecting.get(member);
    if (!connecting) {
      connecting = (async () => {
        while (!this.#stopped) {
          await this.#gate;
          if (this.#stopped) break;
          const client = new ObuClient({ window: this.options.lanes * 2, ackTimeoutMs: 30_000 });
          try {
            await client.connect(this.options.wsUrl(), {
              ticket: member.vehicle.ticket,
              privateKey: member.vehicle.privateKey,
            });
            member.client = client;
            this.connects++;
            return client;
          } catch {
            await sleep(100);
          }
        }
        return undefined;
      })().finally(() => this.#connecting.delete(member));
      this.#connecting.set(member, connecting);
    }
    return connecting;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the RSU's HTTP side

export type RsuHealth = {
  status: string;
  submitter: Address;
  logged: number;
  unbatched: number;
  unanchoredBatches: number;
  chainError: string | null;
  fatal: string | null;
};

export async function health(url: string): Promise<RsuHealth> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}/health answered ${response.status}`);
  return (await response.json()) as RsuHealth;
}

/** A counter or gauge from /metrics (0 when absent); `labels` as rendered, e.g. `operation="anchor"`. */
export async function metric(url: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Waits until everything the RSU logged is sealed and anchored, and the anchorer reports no chain error. */
export function drained(url: string, timeoutMs = 90_000): Promise<RsuHealth> {
  return waitFor(
    async () => {
      const h = await health(url);
      return h.unbatched === 0 && h.unanchoredBatches === 0 && h.chainError === null ? h : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `the RSU at ${url} to seal and anchor everything it logged` },
  );
}

/** `promise`, or a rejection when it does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** The HTTP status of GET /proofs/<hash> for each hash (200 anchored, 202 logged and pending, 404 unknown). */
export async function proofStatuses(url: string, hashes: readonly Hex[], concurrency = 8): Promise<Map<Hex, number>> {
  const statuses = new Map<Hex, number>();
  await eachLimited(hashes, concurrency, async (hash) => {
    const response = await fetch(`${url}/proofs/${hash}`, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    statuses.set(hash, response.status);
  });
  return statuses;
}

// ---------------------------------------------------------------------------------------------------------------
// proofs and anchors

/**
 * A client of `chain` that asks each question once: the proofs of one batch all ask for the same anchor record,
 * receipt and block, which do not change once anchored (anvil does not reorg), so thousands of proofs verify
 * without thousands of identical round trips. Only the head block number is always asked afresh.
 */
export function memoizingClient(chain: ChainRef): PublicClient {
  const viem = viemChain(chain);
  const inner = http(chain.rpcUrl, { retryCount: 2, timeout: 15_000 })({ chain: viem, retryCount: 0 });
  const answers = new Map<string, Promise<unknown>>();
  return createPublicClient({
    chain: viem,
    transport: custom(
      {
        request({ method, params }: { method: string; params?: unknown }) {
          const ask = () => inner.request({ method, params } as never) as Promise<unknown>;
          if (method === "eth_blockNumber") return ask();
          const key = stringify([method, params]);
          let answer = answers.get(key);
          if (!answer) {
            answer = ask();
            answers.set(key, answer);
            answer.catch(() => answers.delete(key));
          }
          return answer;
        },
      },
      { retryCount: 0 },
    ),
  }) as PublicClient;
}

export type ProofCheck = {
  /** "<hash>: <why>" for every hash whose proof is missing or does not verify. */
  failures: string[];
  /** batchId → the indices the verified proofs occupy in it. */
  positions: Map<number, Set<number>>;
  verified: number;
};

/**
 * Fetches GET /proofs/<hash> of every hash from the RSU and verifies it offline with the SDK's
 * verifyMessageProof against the cell chain and the RSU's DID on main.
 */
export async function checkProofs(edge: EdgeNet, rsuUrl: string, hashes: readonly Hex[]): Promise<ProofCheck> {
  const main = edge.net.topology.chains[0]!;
  const cellClient = memoizingClient(edge.cells.a);
  const resolve = rsuKeyResolver({
    mainClient: publicClientFor(main),
    registry: contractAddress(edge.net.manifest, "main", "DIDRegistry"),
    network: edge.net.topology.network,
    chainId: main.chainId,
  });
  const keys = new Map<Hex, Promise<KeyObject[]>>();
  const resolveRsuKeys = (did: Hex) => {
    let entry = keys.get(did);
    if (!entry) {
      entry = resolve(did);
      keys.set(did, entry);
    }
    return entry;
  };
  const check: ProofCheck = { failures: [], positions: new Map(), verified: 0 };
  await eachLimited(hashes, 8, async (hash) => {
    const response = await fetch(`${rsuUrl}/proofs/${hash}`, { signal: AbortSignal.timeout(30_000) });
    if (response.status !== 200) {
      check.failures.push(`${hash}: GET /proofs answered ${response.status} ${await response.text()}`);
      return;
    }
    const proof = (await response.json()) as MessageProof;
    const result = await verifyMessageProof(proof, { cellClient, resolveRsuKeys });
    if (!result.ok) return void check.failures.push(`${hash}: ${result.reason}: ${result.detail}`);
    if (result.messageHash.toLowerCase() !== hash.toLowerCase())
      return void check.failures.push(`${hash}: the proof is for ${result.messageHash}`);
    const taken = check.positions.get(result.batchId) ?? new Set<number>();
    check.positions.set(result.batchId, taken);
    if (taken.has(result.index))
      return void check.failures.push(`${hash}: position ${result.index} of batch ${result.batchId} is taken twice`);
    taken.add(result.index);
    check.verified++;
  });
  return check;
}

export type OnChainAnchor = { batchId: number; root: Hex; count: number; blockNumber: bigint };

/** Every anchor of `submitter` on the cell chain's DataAnchor: nextBatchId, then anchorOf(submitter, i) for each. */
export async function anchorsOf(edge: EdgeNet, submitter: Address): Promise<OnChainAnchor[]> {
  const client = publicClientFor(edge.cells.a);
  const dataAnchor = contractAddress(edge.net.manifest, edge.cells.a.name, "DataAnchor");
  const next = Number(
    await client.readContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "nextBatchId",
      args: [submitter],
    }),
  );
  const anchors: OnChainAnchor[] = [];
  await eachLimited(
    Array.from({ length: next }, (_, i) => i),
    8,
    async (batchId) => {
      const a = await client.readContract({
        address: dataAnchor,
        abi: dataAnchorAbi,
        functionName: "anchorOf",
        args: [submitter, BigInt(batchId)],
      });
      anchors.push({ batchId, root: a.root, count: a.count, blockNumber: a.blockNumber });
    },
  );
  return anchors.sort((x, y) => x.batchId - y.batchId);
}

/** The batch ids of every BatchAnchored event of `submitter`, in log order. */
export async function anchoredEvents(edge: EdgeNet, submitter: Address): Promise<number[]> {
  const client = publicClientFor(edge.cells.a);
  const logs = await client.getContractEvents({
    address: contractAddress(edge.net.manifest, edge.cells.a.name, "DataAnchor"),
    abi: dataAnchorAbi,
    eventName: "BatchAnchored",
    args: { submitter },
    fromBlock: 0n,
    toBlock: "latest",
  });
  return logs.map((log) => Number(log.args.batchId));
}
