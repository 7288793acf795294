// Issue 5's "done when", on real chains with in-process RSUs (two per cell, two adjacent cells): a fleet of OBUs
// sends signed CAMs and DENMs; one vehicle flooding a hazard cannot confirm it; k vehicles do, the event lands on
// the cell chain's EventLedger and reaches OBUs of the cell and of the neighbouring cell; a vehicle crosses cells
// with its previous admission; any message's proof verifies offline against the chain (and a tampered one fails);
// bad messages are refused and counted by reason; a revoked vehicle is cut off; the cell's anchors are
// checkpointed to main.
import { anchorCheckpointsAbi, eventLedgerAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { type EdgeEvent, type MessageProof, rsuKeyResolver, verifyMessageProof } from "@amc/sdk";
import { waitFor } from "@amc/utils";
import type { Hex } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Ieee1609Dot2DataCodec } from "../packages/v2x/src/ieee1609/codec.js";
import { CELL_A, CELL_B, cam, denm, type EdgeNet, pointIn, startEdgeNet } from "./support/edge.js";

let edge: EdgeNet;
beforeAll(async () => {
  edge = await startEdgeNet({ rsusPerCell: 2, k: 3 });
}, 120_000);
afterAll(async () => {
  await edge?.stop();
});

const metric = async (url: string, name: string, labels = ""): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").at(-1)) : 0;
};

it("admits a fleet, confirms a hazard only with k vehicles, hands over, proves, refuses and revokes", async () => {
  const [a0, a1, b0] = edge.rsus;
  if (!a0 || !a1 || !b0) throw new Error("expected four RSUs");
  expect(a0.config.cell).toBe(CELL_A);
  expect(b0.config.cell).toBe(CELL_B);
  const [v1, v2, v3, v4] = await Promise.all([1, 2, 3, 4].map(() => edge.vehicle()));
  if (!v1 || !v2 || !v3 || !v4) throw new Error("vehicles");
  const o1 = await edge.connect(a0, v1);
  const o2 = await edge.connect(a1, v2);
  const o3 = await edge.connect(a0, v3);
  const o4 = await edge.connect(b0, v4);
  const events: Record<string, EdgeEvent[]> = { o1: [], o2: [], o3: [], o4: [] };
  o1.onEvent((e) => events.o1?.push(e));
  o2.onEvent((e) => events.o2?.push(e));
  o3.onEvent((e) => events.o3?.push(e));
  o4.onEvent((e) => events.o4?.push(e));

  // CAMs from every vehicle are acknowledged once durable.
  const camResults = await Promise.all([
    o1.send(cam(v1, pointIn(CELL_A, 100, 50))),
    o2.send(cam(v2, pointIn(CELL_A, 120, 40))),
    o3.send(cam(v3, pointIn(CELL_A, 90, 60))),
    o4.send(cam(v4, pointIn(CELL_B, 40))),
  ]);
  for (const r of camResults) expect(r.statusName).toBe("accepted");

  // One vehicle flooding a hazard (black ice, cause 6) cannot confirm it alone.
  const hazard = pointIn(CELL_A, 100, 50);
  const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => o1.send(denm(v1, 6, hazard, i + 1))));
  expect(flood.map((r) => r.statusName)).toEqual(flood.map(() => "accepted"));
  await new Promise((r) => setTimeout(r, 300));
  expect(a0.events).toHaveLength(0);
  expect(a1.events).toHaveLength(0);

  // A second vehicle, at the other RSU of the cell: still two tickets, no event.
  expect((await o2.send(denm(v2, 6, pointIn(CELL_A, 120, 40)))).statusName).toBe("accepted");
  await new Promise((r) => setTimeout(r, 300));
  expect(a0.events).toHaveLength(0);

  // The third distinct ticket confirms it.
  expect((await o3.send(denm(v3, 6, pointIn(CELL_A, 90, 60)))).statusName).toBe("accepted");
  const event = await waitFor(async () => a0.events[0], { timeoutMs: 10_000, what: "the hazard to be confirmed" });
  expect(event.reporters).toBeGreaterThanOrEqual(3);
  expect(event.causeCode).toBe(6);
  // ... broadcast to the cell's OBUs, on both RSUs, and to the neighbouring cell's OBUs.
  await waitFor(async () => (events.o1?.length && events.o2?.length && events.o4?.length ? true : undefined), {
    timeoutMs: 10_000,
    what: "the event to reach OBUs in both cells",
  });
  expect(events.o4?.[0]?.eventId).toBe(event.eventId);
  // ... and recorded on the cell chain's EventLedger.
  const cellA = publicClientFor(edge.cells.a);
  const ledger = contractAddress(edge.net.manifest, edge.cells.a.name, "EventLedger");
  await waitFor(
    async () =>
      (await cellA.readContract({
        address: ledger,
        abi: eventLedgerAbi,
        functionName: "isRecorded",
        args: [event.eventId],
      }))
        ? true
        : undefined,
    { timeoutMs: 15_000, what: "the event on the EventLedger" },
  );
  const recorded = await cellA.readContract({
    address: ledger,
    abi: eventLedgerAbi,
    functionName: "eventOf",
    args: [event.eventId],
  });
  expect(recorded.causeCode).toBe(6);
  expect(recorded.reporters).toBeGreaterThanOrEqual(3);

  // Handover: v1 enters cell B with its ticket and cell A's admission, no new enrolment.
  const previous = o1.lastAdmission;
  expect(previous).toBeDefined();
  const o1b = await edge.connect(b0, v1, previous);
  const crossed = await o1b.send(cam(v1, pointIn(CELL_B, 0)));
  expect(crossed.statusName).toBe("accepted");
  expect(await metric(b0.url, "amc_edge_admissions_total", 'kind="handover",outcome="admitted"')).toBe(1);

  // Refusals, counted by reason.
  const first = cam(v2, pointIn(CELL_A, 121, 40));
  expect((await o2.send(first)).statusName).toBe("accepted");
  expect((await o2.send(first)).statusName).toBe("replayed");
  expect((await o2.send(cam(v2, pointIn(CELL_A, 122, 40), Date.now() - 120_000))).statusName).toBe("stale");
  expect((await o2.send(cam(v2, { latitude: 31.23, longitude: 121.47 }))).statusName).toBe("wrong_region");
  expect((await o2.send(new Uint8Array([1, 2, 3, 4]))).statusName).toBe("malformed");
  expect((await o2.send(cam(v3, pointIn(CELL_A, 90, 60)))).statusName).toBe("wrong_signer");
  const unsigned = Ieee1609Dot2DataCodec.encode({
    protocolVersion: 3,
    content: { type: "unsecuredData", data: new Uint8Array([1, 2, 3]) },
  });
  expect((await o2.send(unsigned)).statusName).toBe("unsigned");
  for (const reason of ["replayed", "stale", "wrong_region", "malformed", "wrong_signer", "unsigned"])
    expect(await metric(a1.url, "amc_edge_messages_rejected_total", `reason="${reason}"`)).toBe(1);

  // A ticket of the previous slot has expired: the vehicle is not admitted with it.
  const late = await edge.vehicle("late", { slotOffset: -1 });
  await expect(edge.connect(a1, late)).rejects.toMatchObject({ code: "expired_certificate" });
  expect(await metric(a1.url, "amc_edge_admissions_total", 'kind="fresh",outcome="expired_certificate"')).toBe(1);

  // Proofs: the CAM of v1 verifies offline against the cell chain and the RSU's DID on main.
  await a0.flush();
  const hash = camResults[0]?.messageHash as Hex;
  const response = await fetch(`${a0.url}/proofs/${hash}`);
  expect(response.status).toBe(200);
  const proof = (await response.json()) as MessageProof;
  const main = edge.net.topology.chains[0]!;
  const resolveRsuKeys = rsuKeyResolver({
    mainClient: publicClientFor(main),
    registry: contractAddress(edge.net.manifest, "main", "DIDRegistry"),
    network: edge.net.topology.network,
    chainId: main.chainId,
  });
  const verified = await verifyMessageProof(proof, { cellClient: cellA, resolveRsuKeys });
  expect(verified).toMatchObject({ ok: true, messageHash: hash });
  const tampered = { ...proof, root: `0x${"11".repeat(32)}` };
  expect(await verifyMessageProof(tampered, { cellClient: cellA, resolveRsuKeys })).toMatchObject({ ok: false });
  expect((await fetch(`${a0.url}/proofs/0x${"00".repeat(32)}`)).status).toBe(404);

  // Revocation: the MA publishes v3's seeds on main; the mirror on cell A gets them; v3 is cut off.
  const closed = new Promise<{ code: string }>((resolve) => o3.onClose((info) => resolve(info)));
  await edge.revoke(v3);
  expect((await closed).code).toBe("revoked");
  await expect(edge.connect(a1, v3)).rejects.toMatchObject({ code: "revoked" });

  // The cell's anchors reach main as checkpoints.
  const checkpoints = contractAddress(edge.net.manifest, "main", "AnchorCheckpoints");
  const mainClient = publicClientFor(main);
  await waitFor(
    async () => {
      const [count] = await mainClient.readContract({
        address: checkpoints,
        abi: anchorCheckpointsAbi,
        functionName: "latestCheckpoint",
        args: [edge.cells.a.chainId],
      });
      return count > 0n ? true : undefined;
    },
    { timeoutMs: 30_000, what: "a checkpoint of cell A's anchors on main" },
  );
  for (const o of [o1, o1b, o2, o4]) await o.close();
}, 180_000);
