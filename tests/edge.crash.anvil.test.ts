// Issue 5: "Under load, kill the RSU with SIGKILL at random points many times: after each restart, every
// acknowledged message is in the log and is anchored exactly once; no batch root is anchored twice."
//
// One RSU runs as a child process (apps/edge/src/testing/rsu-child.ts) on a fixed port and a data dir kept across
// restarts, with small batches (50 messages or 100 ms) so that kills land while batches are sealed and anchored.
// Stationary vehicles stream freshly signed CAMs and record every accepted ACK. Each round the RSU is SIGKILLed
// at a random moment (a random delay, right after a seal, or right after an anchor landed on the chain and before
// the RSU could journal it), restarted on the same data dir, checked and reconnected to. Each restart is a process
// that loaded its code during the previous round and opens the data dir only after the kill, so that a restart
// costs the RSU's own start rather than TypeScript loading. Finally it drains, and every ACK of every round must
// have an anchored proof that verifies offline, the chain must hold each journal batch exactly once (distinct
// roots, counts adding up to the messages logged), and the journal must agree.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataAnchorAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { sleep, waitFor } from "@amc/utils";
import type { Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Journal } from "../apps/edge/src/journal.js";
import { type EdgeNet, startEdgeNet } from "./support/edge.js";
import {
  anchoredEvents,
  anchorsOf,
  checkProofs,
  drained,
  Fleet,
  fixedPort,
  health,
  proofStatuses,
  type RsuChild,
  rsuChildConfig,
  spawnRsuChild,
  within,
  writeRsuChildConfig,
} from "./support/edge-child.js";

const ROUNDS = 21;
const MODES = ["random delay", "after a seal", "after an anchor"] as const;

let edge: EdgeNet | undefined;
let child: RsuChild | undefined;
/** Processes loading for the next restarts (see rsu-child's --hold). */
const spares: RsuChild[] = [];
const SPARES = 1;
let home: string | undefined;

beforeAll(async () => {
  edge = await startEdgeNet({ rsusPerCell: 0 });
}, 120_000);

afterAll(async () => {
  for (const c of [child, ...spares])
    if (c && c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
  await edge?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

function sample<T>(items: readonly T[], n: number): T[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(n, items.length)) picked.add(Math.floor(Math.random() * items.length));
  return [...picked].map((i) => items[i] as T);
}

it(`keeps and anchors exactly once every acknowledged message across ${ROUNDS} SIGKILLs under load`, async () => {
  if (!edge) throw new Error("no edge net");
  const net = edge;
  home = mkdtempSync(join(tmpdir(), "amc-edge-crash-"));
  const port = await fixedPort();
  const url = `http://127.0.0.1:${port}`;
  const config = await rsuChildConfig(net, {
    home,
    port,
    logLevel: "info",
    batch: { maxCount: 50, maxDelayMs: 100 },
  });
  const configFile = join(home, "rsu.json");
  writeRsuChildConfig(config, configFile);
  const submitter = privateKeyToAddress(config.privateKey);
  const cell = publicClientFor(net.cells.a);
  const dataAnchor = contractAddress(net.net.manifest, net.cells.a.name, "DataAnchor");
  const nextBatchId = async () =>
    Number(
      await cell.readContract({
        address: dataAnchor,
        abi: dataAnchorAbi,
        functionName: "nextBatchId",
        args: [submitter],
      }),
    );

  const vehicles = await Promise.all([0, 1, 2, 3].map(() => net.vehicle("crash")));
  const fleet = new Fleet(vehicles, { wsUrl: () => `ws://127.0.0.1:${port}/v2x`, lanes: 4, ratePerVehicle: 60 });
  fleet.hold();
  fleet.start();

  const rounds: { mode: string; runMs: number; acks: number }[] = [];
  const errorLogs: string[] = [];
  const replays: { messages: number; unbatched: number; unanchored: number }[] = [];
  let reconciled = 0;
  const started = Date.now();
  const restartMs: number[] = [];
  const startMs: number[] = [];

  let killedAt = Date.now();
  /**
   * Starts the RSU on the data dir (the process that loaded meanwhile: see rsu-child's --hold) and checks that
   * everything acknowledged before is in its log.
   */
  const restart = async (round: number) => {
    const next = spares.shift() ?? spawnRsuChild(configFile, { hold: true });
    child = next;
    await within(next.loaded, 60_000, `the RSU child to load (round ${round})`);
    const go = Date.now();
    next.go();
    const ready = await within(next.ready, 60_000, `the RSU to restart (round ${round})`).catch((error: unknown) => {
      throw new Error(`${error}\n${next.stderrTail()}`);
    });
    restartMs.push(Date.now() - killedAt);
    startMs.push(Date.now() - go);
    expect(ready).toBe(url);
    const replay = child.logs.find((l) => l.msg === "journal replayed");
    if (replay)
      replays.push({
        messages: Number(replay.messages),
        unbatched: Number(replay.unbatched),
        unanchored: Number(replay.unanchored),
      });
    // Every acknowledged message is in the log: the count is at least the number of ACKs, and the newest ACKs
    // of the killed RSU (those most at risk) and a sample of all older ones are known to it (200 or 202).
    const h = await health(url);
    expect(h.fatal, child.stderrTail()).toBeNull();
    expect(
      h.logged,
      `round ${round}: the restarted RSU logged fewer messages than were acknowledged`,
    ).toBeGreaterThanOrEqual(fleet.acks.length);
    const atRisk = fleet.acks.filter((a) => a.tag === round - 1).slice(-100);
    const hashes = [...new Set([...atRisk, ...sample(fleet.acks, 30)].map((a) => a.hash))];
    const statuses = await proofStatuses(url, hashes);
    const missing = hashes.filter((hash) => statuses.get(hash) !== 200 && statuses.get(hash) !== 202);
    expect(missing, `round ${round}: acknowledged messages unknown after the restart`).toEqual([]);
    // The next restarts' processes load their code meanwhile; they touch nothing before go().
    while (spares.length < Math.min(SPARES, ROUNDS - round)) spares.push(spawnRsuChild(configFile, { hold: true }));
    return h;
  };

  for (let round = 0; round < ROUNDS; round++) {
    await restart(round);
    fleet.tag = round;
    fleet.open();
    const t0 = Date.now();
    const mode = MODES[round % MODES.length] ?? "random delay";
    await sleep(100);
    if (mode === "random delay") await sleep(random(0, 1_400));
    else if (mode === "after a seal") {
      // Sealed messages = logged - unbatched: kill as soon as that grows (a seal just became durable).
      const first = await health(url);
      const sealedBefore = first.logged - first.unbatched;
      await waitFor(
        async () => {
          const h = await health(url);
          return h.logged - h.unbatched > sealedBefore ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 5, what: `a seal in round ${round}` },
      );
    } else {
      // An anchor transaction just landed: the RSU has most likely not journaled it yet.
      const before = await nextBatchId();
      await waitFor(async () => ((await nextBatchId()) > before ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 5,
        what: `an anchor in round ${round}`,
      });
    }
    fleet.hold();
    const running = child;
    running?.process.kill("SIGKILL");
    killedAt = Date.now();
    const exit = await running?.exited;
    expect(exit?.signal, running?.stderrTail()).toBe("SIGKILL");
    reconciled += running?.logs.filter((l) => l.msg === "reconciled a batch anchored before a restart").length ?? 0;
    errorLogs.push(...(running?.logs.filter((l) => l.level === "error").map((l) => JSON.stringify(l)) ?? []));
    rounds.push({
      mode,
      runMs: Date.now() - t0,
      acks: fleet.acks.filter((a) => a.tag === round).length,
    });
  }

  // The last restart: it serves a little longer, then the vehicles stop and the RSU drains.
  await restart(ROUNDS);
  fleet.tag = ROUNDS;
  fleet.open();
  await waitFor(async () => (fleet.acks.some((a) => a.tag === ROUNDS) ? true : undefined), {
    timeoutMs: 30_000,
    what: "an acknowledgement after the last restart",
  });
  await sleep(500);
  await fleet.stop();
  const final = await drained(url);
  reconciled += child?.logs.filter((l) => l.msg === "reconciled a batch anchored before a restart").length ?? 0;
  errorLogs.push(...(child?.logs.filter((l) => l.level === "error").map((l) => JSON.stringify(l)) ?? []));
  const loopMs = Date.now() - started;

  // The run did what it claims: many ACKs, spread over the rounds, restarts that found work in flight; and no
  // send was refused or failed other than by losing its connection to a kill.
  const acked = fleet.acks.map((a) => a.hash);
  expect(new Set(acked).size).toBe(acked.length);
  expect(acked.length).toBeGreaterThan(ROUNDS * 20);
  expect(rounds.filter((r) => r.acks > 0).length).toBeGreaterThanOrEqual(ROUNDS / 2);
  expect(Object.fromEntries(fleet.refused)).toEqual({});
  expect(fleet.errors).toEqual([]);
  expect(errorLogs, "errors logged by the RSU").toEqual([]);
  expect(replays.length).toBe(ROUNDS + 1);
  expect(replays.filter((r) => r.unbatched > 0 || r.unanchored > 0).length).toBeGreaterThan(0);
  expect(final.logged).toBeGreaterThanOrEqual(acked.length);

  // (a, c) Every acknowledged message of every round has a proof that verifies against the chain.
  const t1 = Date.now();
  const proofs = await checkProofs(net, url, acked);
  const proofMs = Date.now() - t1;
  expect(proofs.failures.slice(0, 20), `${proofs.failures.length} acknowledged messages without a valid proof`).toEqual(
    [],
  );
  expect(proofs.verified).toBe(acked.length);

  // (b) On chain: one anchor per batch id 0..n-1, all roots distinct, counts adding up to every message logged,
  // no other BatchAnchored event of this RSU; every ACK's proof sits inside one of these batches.
  const anchors = await anchorsOf(net, submitter);
  const n = await nextBatchId();
  expect(anchors.map((a) => a.batchId)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(new Set(anchors.map((a) => a.root.toLowerCase())).size).toBe(n);
  expect(anchors.reduce((sum, a) => sum + a.count, 0)).toBe(final.logged);
  expect(await anchoredEvents(net, submitter)).toEqual(anchors.map((a) => a.batchId));
  for (const [batchId, indices] of proofs.positions) {
    const anchor = anchors[batchId];
    expect(anchor, `batch ${batchId}`).toBeDefined();
    expect(Math.max(...indices)).toBeLessThan(anchor?.count ?? 0);
  }

  // A clean stop, then the journal itself: the same batches as the chain, each anchored once, every ACK in it.
  const running = child;
  running?.process.kill("SIGTERM");
  expect(await running?.exited, running?.stderrTail()).toEqual({ code: 0, signal: null });
  const journal = await Journal.open(config.dataDir);
  try {
    const state = journal.state;
    expect(state.nextSeq).toBe(final.logged);
    expect(state.unbatched).toHaveLength(0);
    expect(state.unanchoredBatchIds).toHaveLength(0);
    expect(state.batches.map((b) => [b.batchId, b.root.toLowerCase(), b.count])).toEqual(
      anchors.map((a) => [a.batchId, a.root.toLowerCase(), a.count]),
    );
    expect(state.batches.map((b) => Number(b.anchor?.blockNumber))).toEqual(anchors.map((a) => Number(a.blockNumber)));
    const absent = acked.filter((hash) => !state.index.has(hash.toLowerCase() as Hex));
    expect(absent).toEqual([]);
  } finally {
    await journal.close();
  }

  console.info(
    `RSU crash test: ${ROUNDS} SIGKILLs (${MODES.map((m) => `${rounds.filter((r) => r.mode === m).length} ${m}`).join(", ")}), ` +
      `${acked.length} ACKs, ${final.logged} logged, ${n} batches, ${reconciled} batches reconciled after a kill, ` +
      `${replays.filter((r) => r.unbatched > 0 || r.unanchored > 0).length} restarts with work in flight, ` +
      `${fleet.lost} sends lost to kills, ${fleet.connects} connects; restart ${Math.min(...restartMs)}-${Math.max(...restartMs)} ms (RSU start ${Math.min(...startMs)}-${Math.max(...startMs)} ms), ` +
      `rounds ${(loopMs / 1000).toFixed(1)} s, proofs ${(proofMs / 1000).toFixed(1)} s; ` +
      `ACKs per round: ${rounds.map((r) => `${r.acks}/${r.runMs}ms`).join(" ")}`,
  );
}, 600_000);
