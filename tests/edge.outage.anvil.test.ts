// Issue 5: "Cell chain unavailable for a while: the log grows, acknowledgements continue, anchoring catches up
// afterwards."
//
// An in-process RSU talks to its cell chain through a TCP proxy the test controls. The proxy is cut (listening
// socket closed, open connections destroyed: the RSU sees resets, then connection refused) while vehicles keep
// streaming CAMs: every one of them is still acknowledged as accepted, /health reports the chain error and a
// growing pile of unanchored batches, /metrics counts the failures, and nothing reaches the chain. Once the proxy
// is back the RSU anchors the backlog, and every message acknowledged before, during and after the outage has a
// proof that verifies offline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataAnchorAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { createLogger, sleep, waitFor } from "@amc/utils";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RsuNode } from "../apps/edge/src/rsu.js";
import { rsuConfigOf } from "../apps/edge/src/testing/rsu-child.js";
import { type EdgeNet, startEdgeNet } from "./support/edge.js";
import {
  anchoredEvents,
  anchorsOf,
  checkProofs,
  drained,
  Fleet,
  health,
  metric,
  type RsuHealth,
  rsuChildConfig,
  TcpProxy,
  within,
} from "./support/edge-child.js";

const BEFORE = 0;
const OUTAGE = 1;
const AFTER = 2;

let edge: EdgeNet | undefined;
let node: RsuNode | undefined;
let proxy: TcpProxy | undefined;
let fleet: Fleet | undefined;
let home: string | undefined;

beforeAll(async () => {
  edge = await startEdgeNet({ rsusPerCell: 0 });
}, 120_000);

afterAll(async () => {
  await proxy?.restore(); // so that the RSU's anchorer is not stuck on the chain while it stops
  await fleet?.stop();
  await node?.stop();
  await proxy?.cut();
  await edge?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

it("keeps acknowledging while the cell chain is unreachable and anchors the backlog once it is back", async () => {
  if (!edge) throw new Error("no edge net");
  const net = edge;
  const cellRpc = new URL(net.cells.a.rpcUrl);
  proxy = new TcpProxy({ host: cellRpc.hostname, port: Number(cellRpc.port) });
  await proxy.start();
  home = mkdtempSync(join(tmpdir(), "amc-edge-outage-"));
  const config = await rsuChildConfig(net, {
    home,
    port: 0,
    rpcUrl: proxy.url,
    batch: { maxCount: 50, maxDelayMs: 100 },
  });
  const logs: { level: string; msg: string }[] = [];
  const logger = createLogger({ rsu: config.name }, { level: "info", write: (line) => logs.push(JSON.parse(line)) });
  node = new RsuNode(rsuConfigOf(config, logger));
  await node.start();
  const rsu = node;
  const url = rsu.url;
  const submitter = privateKeyToAddress(config.privateKey);
  // The test reads the chain directly, not through the proxy.
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
  const chainErrors = () => metric(url, "amc_edge_chain_errors_total", 'operation="anchor"');
  const acksOf = (tag: number) => (fleet?.acks ?? []).filter((a) => a.tag === tag);

  const vehicles = await Promise.all([0, 1, 2].map(() => net.vehicle("outage")));
  fleet = new Fleet(vehicles, { wsUrl: () => rsu.wsUrl, lanes: 8, ratePerVehicle: 60 });
  const traffic = fleet;
  traffic.tag = BEFORE;
  traffic.start();

  // Before: anchoring works through the proxy.
  await waitFor(async () => ((await nextBatchId()) >= 2 && acksOf(BEFORE).length >= 100 ? true : undefined), {
    timeoutMs: 30_000,
    what: "the RSU to anchor through the proxy",
  });
  expect(proxy.connections).toBeGreaterThan(0);
  expect((await health(url)).chainError).toBeNull();
  const errorsBefore = await chainErrors();
  expect(errorsBefore).toBe(0);

  // The outage begins while the anchorer waits for an anchor transaction's receipt, where it spends most of its
  // time under load: the proxy cuts as that request comes through.
  await within(proxy.cutOn("eth_getTransactionReceipt"), 30_000, "the anchorer to ask for a receipt");
  traffic.tag = OUTAGE;
  const cutAt = Date.now();
  const anchoredAtCut = await nextBatchId();
  const atCut = await health(url);

  // The log grows, batches pile up, acknowledgements continue.
  await waitFor(async () => ((await health(url)).unanchoredBatches >= atCut.unanchoredBatches + 5 ? true : undefined), {
    timeoutMs: 30_000,
    what: "unanchored batches to pile up during the outage",
  });
  const piledUpAt = Date.now();

  // The RSU says so: chainError on /health, failures counted in /metrics, again and again while it lasts.
  //
  // (viem's waitForTransactionReceipt would wait out a network outage silently; the anchorer polls receipts itself
  // and lets transport errors reach its backoff, which is what these assertions pin.)
  let seen: RsuHealth | undefined;
  const reported = await waitFor(
    async () => {
      seen = await health(url);
      return seen.chainError !== null ? seen : undefined;
    },
    { timeoutMs: 10_000, what: "the RSU to report the unreachable chain" },
  ).catch(() => undefined);
  expect(reported, `no chainError 10 s into the outage; /health: ${JSON.stringify(seen)}`).toMatchObject({
    chainError: expect.any(String),
    status: "ok",
  });
  const errorsReported = await chainErrors();
  expect(errorsReported, "amc_edge_chain_errors_total during the outage").toBeGreaterThan(errorsBefore);
  const errorsGrew = await waitFor(async () => ((await chainErrors()) > errorsReported ? true : undefined), {
    timeoutMs: 10_000,
    what: "amc_edge_chain_errors_total to keep increasing during the outage",
  }).catch(() => false);
  expect(errorsGrew, "amc_edge_chain_errors_total kept increasing during the outage").toBe(true);

  // A while longer: the outage lasts at least 5 s and sees a few hundred acknowledgements.
  await waitFor(async () => (acksOf(OUTAGE).length >= 300 ? true : undefined), {
    timeoutMs: 30_000,
    what: "acknowledgements to continue during the outage",
  });
  await sleep(Math.max(0, 5_000 - (Date.now() - cutAt)));
  const during = await health(url);
  expect(during.status).toBe("ok"); // an outage is not a contradiction between journal and chain
  expect(during.chainError, "chainError on /health at the end of the outage").not.toBeNull();
  expect(during.logged).toBeGreaterThan(atCut.logged + 300);
  expect(during.unanchoredBatches).toBeGreaterThan(atCut.unanchoredBatches + 5);
  expect(await metric(url, "amc_edge_queue_depth", 'stage="unanchored"')).toBeGreaterThan(0);
  expect(await metric(url, "amc_edge_anchor_lag_seconds")).toBeGreaterThan(0);
  expect(await nextBatchId()).toBe(anchoredAtCut); // nothing reached the chain
  const outageMs = Date.now() - cutAt;

  // The chain comes back: anchoring catches up while the vehicles go on.
  await proxy.restore();
  traffic.tag = AFTER;
  await waitFor(async () => (acksOf(AFTER).length >= 20 ? true : undefined), {
    timeoutMs: 30_000,
    what: "acknowledgements after the chain came back",
  });
  await sleep(300);
  await traffic.stop();
  const t0 = Date.now();
  const final = await drained(url, 120_000);
  const catchUpMs = Date.now() - t0;

  // Every send was accepted: none refused, none lost, none failed.
  expect(Object.fromEntries(traffic.refused)).toEqual({});
  expect(traffic.errors).toEqual([]);
  expect(traffic.lost).toBe(0);
  const acked = traffic.acks.map((a) => a.hash);
  expect(final.logged).toBe(acked.length);
  expect(acksOf(OUTAGE).length).toBeGreaterThanOrEqual(300);
  // ... also long after the backlog showed that nothing could be anchored.
  expect(acksOf(OUTAGE).filter((a) => a.at > piledUpAt + 1_000).length).toBeGreaterThanOrEqual(100);

  // Every message, the outage's included, is anchored exactly once and proven.
  const proofs = await checkProofs(net, url, acked);
  expect(proofs.failures.slice(0, 20), `${proofs.failures.length} messages without a valid proof`).toEqual([]);
  expect(proofs.verified).toBe(acked.length);
  const anchors = await anchorsOf(net, submitter);
  const n = await nextBatchId();
  expect(n).toBeGreaterThan(during.unanchoredBatches);
  expect(new Set(anchors.map((a) => a.root.toLowerCase())).size).toBe(n);
  expect(anchors.reduce((sum, a) => sum + a.count, 0)).toBe(final.logged);
  expect(await anchoredEvents(net, submitter)).toEqual(anchors.map((a) => a.batchId));
  // Every batch is counted once, whether this RSU saw its receipt or found it on chain afterwards (a transaction
  // that got through just as the proxy was cut is reconciled).
  const reconciled = logs.filter((l) => l.msg === "reconciled a batch anchored before a restart").length;
  expect(await metric(url, "amc_edge_batches_anchored_total")).toBe(n);
  expect(logs.filter((l) => l.level === "error")).toEqual([]);
  expect(await metric(url, "amc_edge_queue_depth", 'stage="unanchored"')).toBe(0);

  console.info(
    `RSU outage test: ${acksOf(BEFORE).length} ACKs before, ${acksOf(OUTAGE).length} during (${during.unanchoredBatches} batches waiting, ` +
      `${await chainErrors()} chain errors, ${(outageMs / 1000).toFixed(1)} s), ${acksOf(AFTER).length} after; ` +
      `${n} batches anchored (${reconciled} reconciled), backlog cleared ${catchUpMs} ms after the vehicles stopped`,
  );
}, 180_000);
