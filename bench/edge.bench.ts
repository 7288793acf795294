// RSU benchmarks (issue 5), on real anvil chains with the PKI, RSU and vehicles of tests/support/edge.ts:
// - sustained throughput: messages verified, logged (WAL, fsync), acknowledged AND anchored per second by one RSU
//   with 2 verify workers, for a fleet of vehicles sending CAMs signed before the timed phase (signing is the
//   OBU's cost) through ObuClient as fast as the RSU acknowledges; the figure is messages / (first send until
//   rsu.flush() returned). Beside it: raw node:crypto P-256 verification on 2 worker threads with a reused
//   KeyObject measured in the same run (target ours/raw >= 0.8), and the 3,500 verifications/s RSU requirement
//   quoted by the issue;
// - ACK latency p50/p99 at half the sustained ACK rate (paced sends);
// - gas per anchored message (the RSU's batches, amortised) against one anchor() transaction per message.
// The fleet runs on a worker thread of its own (bench/edge-fleet.mjs), so that the RSU's event loop is the RSU's.
// Run alone with `npx tsx bench/edge.bench.ts [--quick] [--profile FILE]`: --profile writes a CPU profile of the
// main thread (the RSU's event loop) over the sustained phase, and FILE-paced.cpuprofile over the latency phase.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { dataAnchorAbi } from "@amc/abi";
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { signBatchHeader } from "@amc/sdk";
import { createLogger } from "@amc/utils";
import { CertificateCodec } from "@amc/v2x";
import { type Hex, keccak256, stringToHex } from "viem";
import { RsuNode } from "../apps/edge/src/rsu.js";
import { CELL_A, pointIn, startEdgeNet } from "../tests/support/edge.js";
import type { BenchRow } from "./xchain.bench.js";

/** The RSU verification load the issue asks for (the figure commonly quoted for a V2X RSU/OBU, IEEE 1609.2/SCMS). */
const REQUIRED_VERIFICATIONS_PER_SECOND = 3_500;

const perSecond = (value: number) => `${Math.round(value).toLocaleString("en-US")} msg/s`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

// Raw reference: node:crypto P-256 verification with a reused KeyObject, one worker per thread, nothing else.
const RAW_VERIFY_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { generateKeyPairSync, sign, verify } = require("node:crypto");
const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const message = Buffer.alloc(64, 7);
const signature = sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" });
const run = () => verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
if (!run()) throw new Error("raw reference signature does not verify");
for (let i = 0; i < 300; i++) run();
parentPort.on("message", (ms) => {
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) run();
    count += 100;
    elapsed = performance.now() - started;
  }
  parentPort.postMessage((count * 1000) / elapsed);
});
parentPort.postMessage("ready");
`;

async function rawVerifyRate(threads: number, ms: number, rounds: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(RAW_VERIFY_WORKER, { eval: true }));
  const next = (worker: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  try {
    await Promise.all(workers.map(next));
    let best = 0;
    for (let round = 0; round < rounds; round++) {
      const answers = workers.map(next);
      for (const worker of workers) worker.postMessage(ms);
      let total = 0;
      for (const answer of await Promise.all(answers)) total += Number(answer);
      best = Math.max(best, total);
    }
    return best;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

type FleetReply = { type: string; message?: string } & Record<string, unknown>;

/** The fleet worker: one command at a time, one reply each. */
function fleetWorker(workerData: unknown) {
  const worker = new Worker(new URL("./edge-fleet.mjs", import.meta.url), { workerData, execArgv: [] });
  const replies: FleetReply[] = [];
  const waiters: ((reply: FleetReply) => void)[] = [];
  let failure: Error | undefined;
  worker.on("message", (reply: FleetReply) => {
    const waiter = waiters.shift();
    if (waiter) waiter(reply);
    else replies.push(reply);
  });
  worker.on("error", (error) => {
    failure = error;
  });
  const reply = async (): Promise<FleetReply> => {
    if (failure) throw failure;
    const got = replies.shift() ?? (await new Promise<FleetReply>((resolve) => waiters.push(resolve)));
    if (got.type === "error") throw new Error(`fleet worker: ${got.message}`);
    return got;
  };
  return {
    reply,
    async ask(command: Record<string, unknown>): Promise<FleetReply> {
      worker.postMessage(command);
      return reply();
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * CPU seconds (user + system) from /proc: of a process (the cell chain's anvil), or with `task` of one of our
 * threads (the main thread's task id is the pid). 0 where /proc is absent.
 */
async function cpuSeconds(pid: number | undefined, task?: number): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const path = task === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${task}/stat`;
    const fields = (await readFile(path, "utf8")).split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

const statusText = (statuses: unknown) =>
  Object.entries(statuses as Record<string, number>)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");

export type EdgeBenchOptions = {
  quick: boolean;
  /** Writes CPU profiles of the main thread (the RSU) over the sustained and the paced phase (`-paced` suffix). */
  profile?: string | undefined;
};

/** Samples the main thread's CPU (node:inspector) while `run` runs; writes a .cpuprofile for DevTools. */
async function profiled<T>(file: string | undefined, run: () => Promise<T>): Promise<T> {
  if (!file) return run();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await run();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  }
}

export async function edgeRsu({ quick, profile }: EdgeBenchOptions): Promise<BenchRow[]> {
  const vehiclesCount = quick ? 8 : 32;
  const perVehicle = quick ? 500 : 750;
  const latencySeconds = quick ? 2 : 5;
  const edge = await startEdgeNet();
  const logger = createLogger({}, { level: "warn" });
  const home = mkdtempSync(join(tmpdir(), "amc-edge-bench-"));
  let rsu: RsuNode | undefined;
  let fleet: ReturnType<typeof fleetWorker> | undefined;
  try {
    // The harness's RSUs run one verify thread; this bench wants the production shape: cell A's RSU again (same
    // chain key, DID and trust), with 2 verify workers, a fresh journal, production batch and poll settings and
    // limits raised so that 32 tickets can saturate it. The other cell's RSU and the relayer agents only add noise.
    const base = edge.rsus[0]!.config;
    await Promise.all(edge.rsus.map((r) => r.stop()));
    await edge.agents.stop();
    rsu = new RsuNode({
      ...base,
      dataDir: join(home, "journal"),
      batch: { maxCount: 2000, maxDelayMs: 2000 },
      limits: { ratePerSecond: 100_000, burst: 100_000, maxInFlight: 200_000, maxAgeMs: 30_000 },
      revocation: { ...base.revocation, pollIntervalMs: 500 },
      checkpointIntervalMs: 30_000,
      threads: 2,
      logger,
    });
    await rsu.start();

    const vehicles = await Promise.all(Array.from({ length: vehiclesCount }, (_, i) => edge.vehicle(`bench-${i}`)));
    // Window 128 per vehicle (4096 in flight for 32) keeps the RSU saturated; with generation times 4 ms apart a
    // ticket's messages in flight span 0.5 s, within the plausibility check's 1 s backwards tolerance (the two
    // verify workers may finish chunks out of order).
    fleet = fleetWorker({
      url: rsu.wsUrl,
      window: 128,
      vehicles: vehicles.map((v, i) => ({
        ticket: CertificateCodec.encode(v.ticket),
        privateKey: v.privateKey.export({ format: "der", type: "pkcs8" }),
        stationId: v.stationId,
        // Stationary vehicles spread over a few hundred metres of the cell: plausible, inside the cell.
        position: pointIn(CELL_A, (i % 8) * 40 - 160, Math.floor(i / 8) * 40 - 60),
      })),
    });
    await fleet.reply(); // ready
    await fleet.ask({ type: "connect" });

    const metric = (name: string) => rsu!.metrics.get(name);
    const cellAnvil = edge.net.anvils.find((a) => a.name === base.chain.name);

    // Raw reference, before the RSU works and again after it has stopped (the best of both): other processes on
    // the machine then cannot favour our figure by being quiet only while it runs.
    const rawMs = quick ? 500 : 1000;
    const rawBefore = await rawVerifyRate(2, rawMs, 1);

    // 1. Sustained: everything signed just before, then sent as fast as ACKs come, until all is anchored.
    const signed = await fleet.ask({ type: "sign", perVehicle });
    const messages = Number(signed.messages);
    const gasBefore = metric("amc_edge_anchor_gas_total");
    const anchoredBefore = metric("amc_edge_messages_anchored_total");
    const batchesBefore = metric("amc_edge_batches_anchored_total");
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const anvilCpu = await cpuSeconds(cellAnvil?.process.pid);
    const mainCpu = await cpuSeconds(process.pid, process.pid);
    const load = loadavg()[0] ?? 0;
    const started = performance.now();
    let acked = 0;
    const blasted = await profiled(profile, async () => {
      const reply = await fleet!.ask({ type: "blast" });
      acked = performance.now();
      await rsu!.flush(120_000);
      return reply;
    });
    const anchored = performance.now();
    const mainBusy = performance.eventLoopUtilization(elu);
    const processCpu = process.cpuUsage(cpu);
    const anvilSeconds = (await cpuSeconds(cellAnvil?.process.pid)) - anvilCpu;
    const mainSeconds = (await cpuSeconds(process.pid, process.pid)) - mainCpu;
    const accepted = Number((blasted.statuses as Record<string, number>).accepted ?? 0);
    const anchoredMessages = metric("amc_edge_messages_anchored_total") - anchoredBefore;
    const ackRate = (accepted * 1000) / Number(blasted.ackMs);
    const anchoredRate = (anchoredMessages * 1000) / (anchored - started);
    const wall = (anchored - started) / 1000;

    // 2. ACK latency at half the sustained ACK rate.
    const rate = Math.max(1, Math.floor(ackRate / 2));
    await fleet.ask({ type: "sign", perVehicle: Math.ceil((rate * latencySeconds) / vehiclesCount) });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const paced = await profiled(profile?.replace(/(\.cpuprofile)?$/, "-paced.cpuprofile"), () =>
      fleet!.ask({ type: "paced", rate }),
    );
    delay.disable();
    await rsu.flush(120_000);

    const gas = metric("amc_edge_anchor_gas_total") - gasBefore;
    const gasMessages = metric("amc_edge_messages_anchored_total") - anchoredBefore;
    const batches = metric("amc_edge_batches_anchored_total") - batchesBefore;
    await fleet.ask({ type: "close" });
    await rsu.stop();

    // 3. Reference gas: anchor() of single-message batches from another submitter (what one transaction per
    // message costs). The first anchor of a submitter also initialises its batch counter; the mean is over the
    // ones after it, as a per-message scheme would pay in steady state.
    const client = publicClientFor(base.chain);
    const wallet = walletClientFor(base.chain, devPrivateKey(devKeyIndex.firstMember + 4));
    const single: bigint[] = [];
    const dataAnchor = contractAddress(edge.net.manifest, base.chain.name, "DataAnchor");
    const submitter = wallet.account.address;
    const firstBatch = Number(
      await client.readContract({
        address: dataAnchor,
        abi: dataAnchorAbi,
        functionName: "nextBatchId",
        args: [submitter],
      }),
    );
    const singles = quick ? 4 : 9;
    for (let i = 0; i < singles; i++) {
      const batchId = firstBatch + i;
      const now = Date.now();
      const root = keccak256(stringToHex(`edge bench single ${i} ${now} ${Math.random()}`));
      const header = {
        chainId: base.chain.chainId,
        dataAnchor,
        submitter,
        batchId,
        root,
        count: 1,
        fromTime: now,
        toTime: now,
        rsuDid: base.identity.didId,
      };
      const hash = await wallet.writeContract({
        address: dataAnchor,
        abi: dataAnchorAbi,
        functionName: "anchor",
        args: [
          BigInt(batchId),
          root,
          1,
          BigInt(now),
          BigInt(now),
          base.identity.didId,
          signBatchHeader(header, base.identity.signingKey) as Hex,
        ],
      });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== "success") throw new Error(`single-message anchor ${i} reverted`);
      single.push(receipt.gasUsed);
    }
    const steady = single.slice(1);
    const singleGas = Number(steady.reduce((a, b) => a + b, 0n)) / steady.length;

    const raw2 = Math.max(rawBefore, await rawVerifyRate(2, rawMs, 1));

    const perMessageGas = Number(gas) / gasMessages;
    const shape = `${vehiclesCount} vehicles x ${perVehicle} CAMs, window 128, 2 verify workers, batches of <= 2000, anvil automine`;
    const cores = (seconds: number) => (seconds / wall).toFixed(2);
    const where = `RSU event loop busy ${(mainBusy.utilization * 100).toFixed(0)} % of the time, on CPU ${cores(mainSeconds)} cores; whole process ${cores((processCpu.user + processCpu.system) / 1e6)} cores (verify workers, fleet thread ${(Number(blasted.busy) * 100).toFixed(0)} % busy while sending, libuv); cell anvil ${cores(anvilSeconds)} cores; 1-min load average ${load.toFixed(1)} at start on ${availableParallelism()} CPUs`;
    return [
      {
        name: `edge RSU sustained verified+logged+acked+anchored (${shape})`,
        ours: `${perSecond(anchoredRate)} (${anchoredMessages} of ${messages} anchored in ${wall.toFixed(2)} s; ACKs: ${statusText(blasted.statuses)})`,
        reference: `${perSecond(raw2)} raw node:crypto P-256 verify on 2 worker threads, reused KeyObject (best of before and after the RSU ran)`,
        ratio: (anchoredRate / raw2).toFixed(2),
        note: `target >= 0.80; ${where}`,
      },
      {
        name: "edge RSU ACK-only rate (first send to last ACK; anchoring continues behind)",
        ours: `${perSecond(ackRate)} (last ACK at ${ms(acked - started)}, anchored by ${ms(anchored - started)})`,
        reference: `${perSecond(raw2)} raw node:crypto P-256 verify on 2 worker threads`,
        ratio: (ackRate / raw2).toFixed(2),
        note: "target >= 0.80",
      },
      {
        name: "edge RSU sustained anchored rate vs the RSU verification requirement",
        ours: perSecond(anchoredRate),
        reference: `${REQUIRED_VERIFICATIONS_PER_SECOND.toLocaleString("en-US")} verifications/s (issue 5: the load commonly quoted for a V2X RSU in IEEE 1609.2/SCMS deployments)`,
        ratio: `${(anchoredRate / REQUIRED_VERIFICATIONS_PER_SECOND).toFixed(2)}x`,
        note: ">= 1.00 meets it on 2 cores shared with the chain and the fleet",
      },
      {
        name: `edge RSU ACK latency at 50 % of the sustained ACK rate (${rate} msg/s paced for ${latencySeconds} s)`,
        ours: `p50 ${ms(Number(paced.p50))}, p90 ${ms(Number(paced.p90))}, p99 ${ms(Number(paced.p99))}, max ${ms(Number(paced.max))}`,
        reference: `${perSecond(Number(paced.achievedRate))} achieved; ACKs: ${statusText(paced.statuses)}`,
        ratio: `p99/p50 ${(Number(paced.p99) / Number(paced.p50)).toFixed(2)}`,
        note: `send() call to ACK, measured by the OBU: verify + checks + WAL group commit (fsync) + round trip; RSU event-loop delay meanwhile p99 ${ms(delay.percentile(99) / 1e6)}, max ${ms(delay.max / 1e6)}`,
      },
      {
        name: `edge anchoring gas per message (${batches} batches, ${gasMessages} messages)`,
        ours: `${perMessageGas.toFixed(1)} gas/message (${gas.toLocaleString("en-US")} gas in all)`,
        reference: `${Math.round(singleGas).toLocaleString("en-US")} gas: anchor() of a 1-message batch (one tx per message; mean of ${steady.length} after the submitter's first, which cost ${single[0]?.toLocaleString("en-US")})`,
        ratio: `${(perMessageGas / singleGas).toFixed(5)}x (1/${Math.round(singleGas / perMessageGas)})`,
        note: `lower is better; ${Math.round(Number(gas) / Math.max(1, batches)).toLocaleString("en-US")} gas per batch on average: the cost of a batch hardly depends on its count, so batch size is the lever`,
      },
    ];
  } finally {
    await fleet?.terminate();
    await rsu?.stop();
    await edge.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  const at = process.argv.indexOf("--profile");
  const profile = at > 0 ? (process.argv[at + 1] ?? "edge-rsu.cpuprofile") : undefined;
  for (const row of await edgeRsu({ quick, profile }))
    console.log(
      `\n${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio} (${row.note})`,
    );
  process.exit(0);
}
