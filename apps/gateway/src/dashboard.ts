// What the dashboard (apps/web) reads, same-origin on the gateway: the built dashboard itself at `/`, its
// configuration, a read-only JSON-RPC proxy per chain (so the browser verifies message proofs against the chains
// itself, without the RPC endpoints being public), the live cross-chain messages, the RSUs' counters and anchors,
// confirmed events, message proofs from whichever RSU logged them, a vehicle's identity (lifecycle, DID document,
// credentials), and the simulator's view of the city (proxied: apps never import apps, they talk HTTP).
//
// The chain readers here are incremental: each keeps a cursor per chain and asks only for the blocks it has not
// seen (one eth_getLogs per chain per refresh, at most one refresh in flight), keeping the newest few hundred
// records in memory. The first refresh looks back `lookbackBlocks` (default 20,000: 5.5 h of 1-second blocks).
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { consortiumAbi, dataAnchorAbi, eventLedgerAbi, mailboxAbi, vehicleLifecycleAbi } from "@amc/abi";
import {
  type ChainConfig,
  type ChainPublicClient,
  contractAddress,
  type DeploymentManifest,
  mainChain,
  publicClientFor,
  roleNames,
  rsuSpecs,
  type Topology,
} from "@amc/chain";
import { ownerAuthVerifier } from "@amc/data";
import { formatDid, parseDid, resolveAmc, vehicleIdFromVin, vinKeyFromEnvironment } from "@amc/did";
import { errorMessage } from "@amc/utils";
import type { FastifyInstance, FastifyReply } from "fastify";
import { type Address, type Hex, isAddress, keccak256, type Log, parseEventLogs, stringToHex } from "viem";
import type { IdentityServices } from "./identity.js";
import { ProblemError } from "./problem.js";

/** The well-known anvil mnemonic's first account: a topology on dev keys deploys from it. */
const DEV_DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export type CredentialRecord = {
  id: string;
  issuer: string;
  type: string | null;
  /** Unix seconds. */
  issuedAt: number | null;
  index: number;
  status: "active" | "revoked" | "suspended";
};

export type DashboardOptions = {
  identity?: IdentityServices | undefined;
  /** Credentials this gateway issued about a subject DID (from the issuer store). */
  credentialsAbout?: ((subject: string) => CredentialRecord[]) | undefined;
  /** The audience of owner tokens (the gateway's public URL). */
  audience?: string | undefined;
  /** The built dashboard (apps/web/dist); not served when missing. */
  webDir?: string | undefined;
  /** The simulator's base URL; default from services.sim. */
  simUrl?: string | undefined;
  lookbackBlocks?: bigint;
};

/** JSON-RPC methods the proxy forwards: reads only, nothing that signs, sends or subscribes. */
export const RPC_READ_METHODS = new Set([
  "eth_chainId",
  "eth_blockNumber",
  "eth_call",
  "eth_getLogs",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
  "eth_getCode",
  "eth_getBalance",
  "net_version",
]);

type Indexed<T> = { items: T[]; next: bigint | undefined };

/** An incremental, bounded reader of one contract's logs on one chain. */
class LogReader<T> {
  private state: Indexed<T> = { items: [], next: undefined };
  private refreshing: Promise<void> | undefined;
  private lastRefresh = 0;

  constructor(
    private readonly client: ChainPublicClient,
    private readonly address: Address,
    private readonly decode: (logs: Log[]) => Promise<T[]> | T[],
    private readonly lookback: bigint,
    private readonly keep = 500,
  ) {}

  async items(): Promise<T[]> {
    if (Date.now() - this.lastRefresh > 700) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
        this.lastRefresh = Date.now();
      });
      await this.refreshing;
    }
    return this.state.items;
  }

  private async refresh(): Promise<void> {
    const head = await this.client.getBlockNumber({ cacheTime: 0 });
    let from = this.state.next ?? (head > this.lookback ? head - this.lookback : 0n);
    while (from <= head) {
      const to = from + 4999n < head ? from + 4999n : head;
      const logs = await this.client.getLogs({ address: this.address, fromBlock: from, toBlock: to });
      const decoded = await this.decode(logs);
      if (decoded.length > 0) this.state.items = [...this.state.items, ...decoded].slice(-this.keep);
      from = to + 1n;
      this.state.next = from;
    }
  }
}

/** Block timestamps, cached (a block's time never changes once it is canonical on these instant-finality chains). */
function blockTimes(client: ChainPublicClient): (block: bigint) => Promise<number> {
  const cache = new Map<bigint, Promise<number>>();
  return (block) => {
    let time = cache.get(block);
    if (!time) {
      time = client.getBlock({ blockNumber: block }).then((b) => Number(b.timestamp));
      time.catch(() => cache.delete(block));
      cache.set(block, time);
      if (cache.size > 5000) cache.delete(cache.keys().next().value as bigint);
    }
    return time;
  };
}

/** Prometheus text exposition → { name{labels} → value } (counters and gauges; comments skipped). */
export function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, "$1");
    const value = Number(match[3]);
    if (Number.isFinite(value)) out.push({ name: match[1] as string, labels, value });
  }
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The dashboard's files: `/` is index.html; `/assets/*` are content-hashed (cached a year); no path escapes. */
function registerStatic(app: FastifyInstance, webDir: string): void {
  const root = resolve(webDir);
  const send = (reply: FastifyReply, relative: string, immutable: boolean) => {
    const path = normalize(join(root, relative));
    if (!path.startsWith(root + sep)) throw new ProblemError(400, "Bad path", "the path leaves the dashboard's folder");
    if (!existsSync(path) || !statSync(path).isFile())
      throw new ProblemError(404, "Not found", `no dashboard file ${relative}`);
    return reply
      .type(CONTENT_TYPES[extname(path)] ?? "application/octet-stream")
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .header("x-content-type-options", "nosniff")
      .send(readFileSync(path));
  };
  const hide = { schema: { hide: true } };
  app.get("/", hide, async (_request, reply) => send(reply, "index.html", false));
  app.get("/index.html", hide, async (_request, reply) => send(reply, "index.html", false));
  app.get<{ Params: { "*": string } }>("/assets/*", hide, async (request, reply) =>
    send(reply, join("assets", request.params["*"]), true),
  );
  for (const file of ["favicon.svg", "favicon.ico", "robots.txt"])
    app.get(`/${file}`, hide, async (_request, reply) => send(reply, file, false));
}

const roleByHash = new Map<Hex, string>(roleNames.map((name) => [keccak256(stringToHex(name)), name]));

/** The consortium's members read from the chain: roles as the contract's ids (keccak256 of the name) and by name. */
export async function consortiumMembers(client: ChainPublicClient, consortium: Address) {
  const addresses = await client.readContract({ address: consortium, abi: consortiumAbi, functionName: "members" });
  return Promise.all(
    addresses.map(async (address) => {
      const [member, roles] = await Promise.all([
        client.readContract({ address: consortium, abi: consortiumAbi, functionName: "member", args: [address] }),
        client.readContract({ address: consortium, abi: consortiumAbi, functionName: "rolesOf", args: [address] }),
      ]);
      return {
        address,
        name: member.name,
        metadataURI: member.metadataURI,
        joinedAt: Number(member.joinedAt),
        roles,
        roleNames: roles.map((r) => roleByHash.get(r) ?? r),
      };
    }),
  );
}

export function registerDashboardRoutes(
  app: FastifyInstance,
  topology: Topology,
  manifest: DeploymentManifest,
  options: DashboardOptions,
): void {
  const main = mainChain(topology);
  const lookback = options.lookbackBlocks ?? 20_000n;
  const clients = new Map(topology.chains.map((c) => [c.name, publicClientFor(c)]));
  const clientOf = (chain: ChainConfig) => clients.get(chain.name) as ChainPublicClient;
  const has = (chain: ChainConfig, name: string) =>
    (manifest.chains[chain.name]?.contracts as Record<string, Address | undefined> | undefined)?.[name] !== undefined;
  const simUrl = options.simUrl ?? `http://${topology.services.host}:${topology.services.sim.port}`;
  const tags = ["dashboard"];

  if (options.webDir && existsSync(join(options.webDir, "index.html"))) registerStatic(app, options.webDir);

  // --- configuration -------------------------------------------------------------------------------------------
  const members = async () =>
    has(main, "Consortium")
      ? (await consortiumMembers(clientOf(main), contractAddress(manifest, main.name, "Consortium"))).map((m) => ({
          address: m.address,
          name: m.name,
          roles: m.roleNames,
        }))
      : [];
  let simAttached: { at: number; value: boolean } = { at: 0, value: false };
  const simIsAttached = async () => {
    if (Date.now() - simAttached.at > 3000) {
      const value = await fetch(`${simUrl}/health`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200 || r.status === 503)
        .catch(() => false);
      simAttached = { at: Date.now(), value };
    }
    return simAttached.value;
  };
  app.get("/v1/dashboard/config", { schema: { tags, summary: "What the dashboard needs to start" } }, async () => {
    const sim = await simIsAttached();
    let attribution: string | null = null;
    if (sim)
      attribution = await fetch(`${simUrl}/v1/sim/network`, { signal: AbortSignal.timeout(3000) })
        .then((r) => (r.ok ? (r.json() as Promise<{ attribution?: string }>) : undefined))
        .then((n) => n?.attribution ?? null)
        .catch(() => null);
    return {
      network: topology.network,
      devKeys: topology.keys === "dev" && manifest.deployer?.toLowerCase() === DEV_DEPLOYER.toLowerCase(),
      main: { name: main.name, chainId: main.chainId },
      registry: has(main, "DIDRegistry") ? contractAddress(manifest, main.name, "DIDRegistry") : null,
      lifecycle: has(main, "VehicleLifecycle") ? contractAddress(manifest, main.name, "VehicleLifecycle") : null,
      audience: options.audience ?? null,
      chains: topology.chains.map((c) => ({
        name: c.name,
        role: c.role,
        chainId: c.chainId,
        h3Cell: c.h3Cell ?? null,
      })),
      members: await members(),
      sim,
      attribution,
    };
  });

  // --- read-only JSON-RPC proxy ----------------------------------------------------------------------------------
  app.post<{ Params: { chain: string } }>(
    "/v1/rpc/:chain",
    {
      schema: { tags, summary: "Read-only JSON-RPC to a chain (eth_call, eth_getLogs, blocks, receipts)" },
      bodyLimit: 64 * 1024,
    },
    async (request, reply) => {
      const chain = topology.chains.find((c) => c.name === request.params.chain);
      if (!chain) throw new ProblemError(404, "Unknown chain", `no chain ${request.params.chain} in the topology`);
      const body = request.body;
      const calls = Array.isArray(body) ? body : [body];
      if (calls.length === 0 || calls.length > 50)
        throw new ProblemError(400, "Bad JSON-RPC", "send one request or a batch of 1 to 50");
      for (const call of calls) {
        if (!call || typeof call !== "object" || (call as { jsonrpc?: unknown }).jsonrpc !== "2.0")
          throw new ProblemError(400, "Bad JSON-RPC", 'each request is an object with jsonrpc "2.0"');
        const method = (call as { method?: unknown }).method;
        if (typeof method !== "string" || !RPC_READ_METHODS.has(method))
          throw new ProblemError(
            403,
            "Method not allowed",
            `${String(method)} is not a read method this proxy forwards`,
            {
              allowed: [...RPC_READ_METHODS],
            },
          );
      }
      const upstream = await fetch(chain.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }).catch((error: unknown) => {
        throw new ProblemError(502, "Chain unreachable", `${chain.name}: ${errorMessage(error)}`);
      });
      return reply
        .code(upstream.status)
        .type("application/json")
        .send(await upstream.text());
    },
  );

  // --- cross-chain messages ----------------------------------------------------------------------------------------
  const byDomain = new Map(topology.chains.map((c) => [c.chainId, c.name]));
  type Dispatch = {
    id: Hex;
    origin: string;
    destination: string | null;
    sender: Address;
    recipient: Hex;
    nonce: number;
    blockNumber: number;
    time: () => Promise<number>;
  };
  type Process = { id: Hex; blockNumber: number; txHash: Hex };
  const mailboxes = topology.chains
    .filter((c) => has(c, "Mailbox"))
    .map((chain) => {
      const client = clientOf(chain);
      const timeOf = blockTimes(client);
      const reader = new LogReader<{ dispatch?: Dispatch; process?: Process }>(
        client,
        contractAddress(manifest, chain.name, "Mailbox"),
        (logs) =>
          parseEventLogs({ abi: mailboxAbi, logs }).flatMap((log): { dispatch?: Dispatch; process?: Process }[] => {
            if (log.eventName === "Dispatched") {
              const block = log.blockNumber;
              return [
                {
                  dispatch: {
                    id: log.args.messageId,
                    origin: chain.name,
                    destination: byDomain.get(log.args.destination) ?? null,
                    sender: log.args.sender,
                    recipient: log.args.recipient,
                    nonce: log.args.nonce,
                    blockNumber: Number(block),
                    time: () => timeOf(block),
                  },
                },
              ];
            }
            if (log.eventName === "Processed")
              return [
                {
                  process: {
                    id: log.args.messageId,
                    blockNumber: Number(log.blockNumber),
                    txHash: log.transactionHash,
                  },
                },
              ];
            return [];
          }),
        lookback,
        2000,
      );
      return { chain, reader };
    });
  app.get<{ Querystring: { limit?: string } }>(
    "/v1/xchain/messages",
    { schema: { tags: ["xchain"], summary: "Recent cross-chain messages on every chain, newest first (?limit=50)" } },
    async (request) => {
      const limit = limitOf(request.query.limit, 50, 500);
      const all = await Promise.all(mailboxes.map(({ reader }) => reader.items()));
      const delivered = new Map<Hex, Process>();
      const dispatched: Dispatch[] = [];
      for (const items of all)
        for (const item of items) {
          if (item.process) delivered.set(item.process.id, item.process);
          if (item.dispatch) dispatched.push(item.dispatch);
        }
      const newest = dispatched.sort((a, b) => b.blockNumber - a.blockNumber || b.nonce - a.nonce).slice(0, limit * 4);
      const withTimes = await Promise.all(newest.map(async (d) => ({ d, timestamp: await d.time() })));
      const messages = withTimes
        .sort((a, b) => b.timestamp - a.timestamp || b.d.blockNumber - a.d.blockNumber)
        .slice(0, limit)
        .map(({ d, timestamp }) => {
          const done = delivered.get(d.id);
          return {
            id: d.id,
            origin: d.origin,
            destination: d.destination,
            sender: d.sender,
            recipient: d.recipient,
            nonce: d.nonce,
            blockNumber: d.blockNumber,
            timestamp,
            delivered: done !== undefined,
            deliveredBlock: done?.blockNumber ?? null,
            deliveredTx: done?.txHash ?? null,
          };
        });
      return { messages };
    },
  );

  // --- edge: RSU counters, anchors, events, proofs -------------------------------------------------------------------
  const rsus = rsuSpecs(topology);
  type Anchor = { submitter: Address; batchId: number; count: number; txHash: Hex; blockNumber: number };
  const cellChains = topology.chains.filter((c) => c.role === "edge" && has(c, "DataAnchor"));
  const anchors = new Map(
    cellChains.map((chain) => [
      chain.name,
      new LogReader<Anchor>(
        clientOf(chain),
        contractAddress(manifest, chain.name, "DataAnchor"),
        (logs) =>
          parseEventLogs({ abi: dataAnchorAbi, logs, eventName: "BatchAnchored" }).map((log) => {
            const args = log.args as unknown as { submitter: Address; batchId: bigint; count: number | bigint };
            return {
              submitter: args.submitter,
              batchId: Number(args.batchId),
              count: Number(args.count),
              txHash: log.transactionHash,
              blockNumber: Number(log.blockNumber),
            };
          }),
        lookback,
        2000,
      ),
    ]),
  );
  type Confirmed = {
    eventId: Hex;
    chain: string;
    cell: string | null;
    causeCode: number;
    subCauseCode: number;
    latitude: number;
    longitude: number;
    firstSeen: number;
    confirmedAt: number;
    reporters: number;
    rsuDid: Hex;
    blockNumber: number;
    txHash: Hex;
  };
  const events = topology.chains
    .filter((c) => has(c, "EventLedger"))
    .map(
      (chain) =>
        new LogReader<Confirmed>(
          clientOf(chain),
          contractAddress(manifest, chain.name, "EventLedger"),
          (logs) =>
            parseEventLogs({ abi: eventLedgerAbi, logs, eventName: "EventConfirmed" }).map((log) => ({
              eventId: log.args.eventId,
              chain: chain.name,
              cell: chain.h3Cell ?? null,
              causeCode: Number(log.args.causeCode),
              subCauseCode: Number(log.args.subCauseCode),
              latitude: Number(log.args.latitude) / 1e7,
              longitude: Number(log.args.longitude) / 1e7,
              firstSeen: Number(log.args.firstSeen),
              confirmedAt: Number(log.args.confirmedAt),
              reporters: Number(log.args.reporters),
              rsuDid: log.args.rsuDid,
              blockNumber: Number(log.blockNumber),
              txHash: log.transactionHash,
            })),
          lookback,
        ),
    );
  const previous = new Map<string, { at: number; accepted: number }>();
  const rates = new Map<string, number>();
  app.get(
    "/v1/edge/stats",
    { schema: { tags: ["edge"], summary: "Every RSU's counters, rate and last anchor" } },
    async () => {
      const at = Date.now();
      const rows = await Promise.all(
        rsus.map(async (rsu) => {
          const [metrics, health] = await Promise.all([
            fetch(`${rsu.url}/metrics`, { signal: AbortSignal.timeout(2000) })
              .then((r) => (r.ok ? r.text() : undefined))
              .catch(() => undefined),
            fetch(`${rsu.url}/health`, { signal: AbortSignal.timeout(2000) })
              .then((r) => (r.ok ? (r.json() as Promise<{ submitter?: Address; sessions?: number }>) : undefined))
              .catch(() => undefined),
          ]);
          const samples = metrics ? parsePrometheus(metrics) : [];
          const sum = (name: string) => samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);
          const rejected: Record<string, number> = {};
          for (const s of samples)
            if (s.name === "amc_edge_messages_rejected_total")
              rejected[s.labels.reason ?? "unknown"] = (rejected[s.labels.reason ?? "unknown"] ?? 0) + s.value;
          const accepted = sum("amc_edge_messages_accepted_total");
          const before = previous.get(rsu.name);
          if (metrics) {
            // The rate over the window since the previous sample at least a second old (several dashboards may poll).
            if (before && at - before.at >= 1000) {
              rates.set(rsu.name, Math.max(0, (accepted - before.accepted) / ((at - before.at) / 1000)));
              previous.set(rsu.name, { at, accepted });
            } else if (!before) previous.set(rsu.name, { at, accepted });
          }
          const reader = anchors.get(rsu.chain.name);
          const mine =
            reader && health?.submitter
              ? (await reader.items()).filter((a) => a.submitter.toLowerCase() === health.submitter?.toLowerCase())
              : [];
          const last = mine.at(-1);
          return {
            name: rsu.name,
            cell: rsu.cell,
            chain: rsu.chain.name,
            healthy: health !== undefined,
            sessions: health?.sessions ?? 0,
            accepted,
            rejected,
            messagesPerSecond: Math.round((rates.get(rsu.name) ?? 0) * 10) / 10,
            batchesAnchored: sum("amc_edge_batches_anchored_total"),
            messagesAnchored: sum("amc_edge_messages_anchored_total"),
            eventsConfirmed: sum("amc_edge_events_confirmed_total"),
            lastAnchor: last
              ? { batchId: last.batchId, txHash: last.txHash, blockNumber: last.blockNumber, count: last.count }
              : null,
          };
        }),
      );
      return { at, rsus: rows };
    },
  );
  app.get<{ Querystring: { limit?: string } }>(
    "/v1/edge/events",
    { schema: { tags: ["edge"], summary: "Confirmed events on the cell chains' EventLedger, newest first" } },
    async (request) => {
      const limit = limitOf(request.query.limit, 50, 500);
      const all = (await Promise.all(events.map((reader) => reader.items()))).flat();
      return { events: all.sort((a, b) => b.confirmedAt - a.confirmedAt).slice(0, limit) };
    },
  );
  app.get<{ Params: { hash: string } }>(
    "/v1/edge/proofs/:hash",
    { schema: { tags: ["edge"], summary: "A message's inclusion proof, from whichever RSU logged it" } },
    async (request, reply) => {
      const hash = request.params.hash;
      if (!/^0x[0-9a-fA-F]{64}$/.test(hash))
        throw new ProblemError(400, "Bad message hash", "expected 0x and 64 hex digits (keccak256 of the SPDU)");
      const answers = await Promise.all(
        rsus.map(async (rsu) => {
          const response = await fetch(`${rsu.url}/proofs/${hash}`, { signal: AbortSignal.timeout(3000) }).catch(
            () => undefined,
          );
          if (response?.status === 200) return { status: 200, body: await response.json() };
          return { status: response?.status ?? 0, body: undefined };
        }),
      );
      const found = answers.find((a) => a.status === 200);
      if (found) return reply.send(found.body);
      if (answers.some((a) => a.status === 202)) return reply.code(202).send({ status: "pending" });
      throw new ProblemError(404, "Unknown message", `no RSU of this platform logged message ${hash}`);
    },
  );

  // --- the simulator (proxied) ---------------------------------------------------------------------------------------
  const proxySim = async (path: string, reply: FastifyReply) => {
    const response = await fetch(`${simUrl}${path}`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (!response)
      throw new ProblemError(503, "Simulator not running", "no simulator answers", {
        fix: "`npm start` runs it (unless started with --no-sim)",
      });
    return reply
      .code(response.status)
      .type(response.headers.get("content-type") ?? "application/json")
      .send(Buffer.from(await response.arrayBuffer()));
  };
  app.get(
    "/v1/sim/network",
    { schema: { tags: ["sim"], summary: "The simulated road network, cells and RSUs" } },
    (_q, reply) => proxySim("/v1/sim/network", reply),
  );
  app.get("/v1/sim/state", { schema: { tags: ["sim"], summary: "Vehicles, hazards and counters, now" } }, (_q, reply) =>
    proxySim("/v1/sim/state", reply),
  );
  app.get<{ Querystring: { limit?: string } }>(
    "/v1/edge/recent",
    { schema: { tags: ["edge"], summary: "Hashes of messages the simulator's vehicles sent and had accepted" } },
    (request, reply) => proxySim(`/v1/sim/recent?limit=${limitOf(request.query.limit, 20, 200)}`, reply),
  );

  // --- identity: a vehicle's record ----------------------------------------------------------------------------------
  const identity = options.identity;
  if (!identity || !has(main, "VehicleLifecycle")) return;
  const lifecycle = contractAddress(manifest, main.name, "VehicleLifecycle");
  const client = clientOf(main);
  const mainTime = blockTimes(client);
  const states = ["None", "Produced", "Registered", "Scrapped"] as const;
  app.get<{ Params: { did: string } }>(
    "/v1/identity/vehicles/:did",
    { schema: { tags: ["identity"], summary: "A vehicle: lifecycle and its history, DID document, credentials" } },
    async (request) => {
      const did = decodeURIComponent(request.params.did);
      const parsed = parseDid(did);
      if (!parsed.ok)
        throw new ProblemError(400, "Bad DID", parsed.message, { fix: "a vehicle DID is did:amc:<network>:<64 hex>" });
      if (parsed.value.network !== topology.network)
        throw new ProblemError(404, "Other network", `${did} is not on network ${topology.network}`);
      const id = parsed.value.id;
      const [info, resolution, logs] = await Promise.all([
        client.readContract({ address: lifecycle, abi: vehicleLifecycleAbi, functionName: "vehicle", args: [id] }),
        resolveAmc(identity.config, did, {}),
        client.getLogs({ address: lifecycle, fromBlock: 0n, toBlock: "latest", topics: [null, id] } as never),
      ]);
      if (info.state === 0 && !resolution.didDocument)
        throw new ProblemError(404, "Unknown vehicle", `no vehicle ${did} was produced on this platform`);
      const history = await Promise.all(
        parseEventLogs({ abi: vehicleLifecycleAbi, logs: logs as Log[] })
          .filter((log) => (log.args as { id?: Hex }).id === id)
          .map(async (log) => ({
            event: log.eventName,
            args: Object.fromEntries(
              Object.entries(log.args as Record<string, unknown>)
                .filter(([key]) => key !== "id")
                .map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]),
            ),
            blockNumber: Number(log.blockNumber),
            txHash: log.transactionHash,
            timestamp: await mainTime(log.blockNumber),
          })),
      );
      const controller =
        (resolution.didDocument as { controller?: string } | null)?.controller ??
        resolution.didDocument?.verificationMethod?.find((m) => m.blockchainAccountId)?.blockchainAccountId ??
        null;
      return {
        did: formatDid(topology.network, id),
        id,
        document: resolution.didDocument,
        metadata: resolution.didDocumentMetadata,
        lifecycle: {
          state: states[info.state] ?? String(info.state),
          oem: info.oem,
          producedAt: Number(info.producedAt),
          registeredAt: Number(info.registeredAt),
          transfers: Number(info.transferCount),
          accidents: Number(info.accidentCount),
          controller,
          history,
        },
        credentials: options.credentialsAbout?.(formatDid(topology.network, id)) ?? [],
      };
    },
  );
  app.get<{ Params: { address: string } }>(
    "/v1/identity/controlled/:address",
    { schema: { tags: ["identity"], summary: "DIDs an account controls (my vehicles)" } },
    async (request) => {
      const address = request.params.address;
      if (!isAddress(address, { strict: false }))
        throw new ProblemError(400, "Bad address", "expected a 20-byte hex address");
      const ids = await identity.index.controlledBy(address as Address);
      return { dids: ids.map((id) => formatDid(topology.network, id)) };
    },
  );
  const verifyAccount = options.audience ? ownerAuthVerifier(options.audience) : undefined;
  const allowed = new Set(["OEM", "REGULATOR", "INSURER"]);
  app.get<{ Params: { vin: string } }>(
    "/v1/identity/vin/:vin",
    {
      schema: {
        tags: ["identity"],
        summary:
          "A vehicle's DID by its VIN (members with role OEM, REGULATOR or INSURER; Authorization: Owner <token>)",
      },
    },
    async (request) => {
      const header = request.headers.authorization ?? "";
      if (!verifyAccount || !header.startsWith("Owner "))
        throw new ProblemError(
          401,
          "Authentication required",
          "send `Authorization: Owner <token>` signed by a member account",
          {
            fix: "sign in on the dashboard as a member with role OEM, REGULATOR or INSURER",
          },
        );
      const result = await verifyAccount(header.slice(6));
      if (!result.ok) throw new ProblemError(401, "Authentication failed", result.reason);
      const roles =
        (await members()).find((m) => m.address.toLowerCase() === result.address.toLowerCase())?.roles ?? [];
      if (!roles.some((role) => allowed.has(role)))
        throw new ProblemError(
          403,
          "Not authorised",
          `${result.address} has no role that may look vehicles up by VIN (OEM, REGULATOR or INSURER)`,
        );
      let id: Hex;
      try {
        id = vehicleIdFromVin(decodeURIComponent(request.params.vin), vinKeyFromEnvironment(topology.network));
      } catch (error) {
        throw new ProblemError(400, "Bad VIN", errorMessage(error));
      }
      const info = await client.readContract({
        address: lifecycle,
        abi: vehicleLifecycleAbi,
        functionName: "vehicle",
        args: [id],
      });
      if (info.state === 0)
        throw new ProblemError(404, "Unknown vehicle", "no vehicle with this VIN was produced here");
      return { did: formatDid(topology.network, id) };
    },
  );
}

function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new ProblemError(400, "Bad limit", `limit is an integer from 1 to ${max}`);
  return Number(value);
}
