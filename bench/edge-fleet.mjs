// The vehicle fleet of bench/edge.bench.ts, on a worker thread of its own so that the OBUs' work (signing, keccak
// of every send, WebSocket framing, ACK matching) does not run on the RSU's event loop and the RSU's main-thread
// profile is the RSU's. A plain .mjs for the reason packages/v2x/src/ieee1609/pool.worker.mjs gives: on Node 20 a
// worker's entry point cannot be TypeScript, but tsx hooks registered here apply to what is imported next.
//
// Commands (postMessage), each answered with one message:
//   {type: "connect"}                        -> {type: "connected"}        one ObuClient per vehicle, admitted
//   {type: "sign", perVehicle}               -> {type: "signed", ms}       CAMs signed now, kept for the next run
//   {type: "blast"}                          -> {type: "blasted", ...}     everything signed, as fast as ACKs come
//   {type: "paced", rate}                    -> {type: "paced", ...}       everything signed, at `rate` per second
//   {type: "close"}                          -> {type: "closed"}
import { createPrivateKey } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { ObuClient, signCam } = await import("@amc/sdk");
const { CertificateCodec } = await import("@amc/v2x");

/** workerData: {url, window, vehicles: [{ticket: COER bytes, privateKey: PKCS#8 DER, stationId, position}]} */
const vehicles = workerData.vehicles.map((v) => ({
  ticket: CertificateCodec.decode(new Uint8Array(v.ticket)),
  privateKey: createPrivateKey({ key: Buffer.from(v.privateKey), format: "der", type: "pkcs8" }),
  stationId: v.stationId,
  position: v.position,
  client: undefined,
  signed: [],
}));

const statusCounts = (results) => {
  const counts = {};
  for (const r of results) counts[r.statusName] = (counts[r.statusName] ?? 0) + 1;
  return counts;
};

async function connect() {
  await Promise.all(
    vehicles.map(async (v) => {
      v.client = new ObuClient({ window: workerData.window, ackTimeoutMs: 120_000 });
      await v.client.connect(workerData.url, { ticket: v.ticket, privateKey: v.privateKey });
    }),
  );
  return { type: "connected" };
}

/**
 * Signs `perVehicle` stationary CAMs per vehicle. Generation times start now and step 4 ms per message of a
 * vehicle, whatever the signing speed: a ticket's messages in flight then span well under the RSU's 1 s backwards
 * tolerance of the plausibility check even when the verify workers finish chunks out of order (in traffic a CAM
 * comes every 100 ms), and they stay fresh (maxAgeMs 30 s) through the run.
 */
function signAll(perVehicle) {
  const started = performance.now();
  const base = Date.now();
  for (const v of vehicles) v.signed = [];
  for (let i = 0; i < perVehicle; i++)
    for (const v of vehicles)
      v.signed.push(
        signCam({
          signer: { certificate: v.ticket, privateKey: v.privateKey },
          stationId: v.stationId,
          position: v.position,
          speed: 0,
          heading: 90,
          time: base + i * 4,
        }),
      );
  return { type: "signed", messages: perVehicle * vehicles.length, ms: performance.now() - started };
}

/** Every signed message at once; each client's window holds back the rest until ACKs free it. */
async function blast() {
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  let lastAck = started;
  const results = await Promise.all(
    vehicles.map((v) =>
      Promise.all(
        v.signed.map((spdu) =>
          v.client.send(spdu).then((r) => {
            lastAck = performance.now();
            return r;
          }),
        ),
      ),
    ),
  );
  const flat = results.flat();
  return {
    type: "blasted",
    sent: flat.length,
    statuses: statusCounts(flat),
    ackMs: lastAck - started,
    startedAt: performance.timeOrigin + started,
    busy: performance.eventLoopUtilization(elu).utilization,
  };
}

/** Message i goes at start + i / rate, round-robin over the vehicles; latency = send() call to its ACK. */
async function paced(rate) {
  const queues = vehicles.map((v) => ({ client: v.client, spdus: v.signed, next: 0 }));
  const total = queues.reduce((n, q) => n + q.spdus.length, 0);
  const latencies = [];
  const pending = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (sent < due) {
      const q = queues[sent % queues.length];
      const spdu = q.spdus[q.next++];
      sent++;
      const at = performance.now();
      pending.push(
        q.client.send(spdu).then((r) => {
          latencies.push(performance.now() - at);
          return r;
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const results = await Promise.all(pending);
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    type: "paced",
    sent: total,
    achievedRate: (total * 1000) / elapsed,
    statuses: statusCounts(results),
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: latencies.at(-1),
  };
}

parentPort.on("message", async (command) => {
  try {
    if (command.type === "connect") parentPort.postMessage(await connect());
    else if (command.type === "sign") parentPort.postMessage(signAll(command.perVehicle));
    else if (command.type === "blast") parentPort.postMessage(await blast());
    else if (command.type === "paced") parentPort.postMessage(await paced(command.rate));
    else if (command.type === "close") {
      await Promise.all(vehicles.map((v) => v.client?.close()));
      parentPort.postMessage({ type: "closed" });
    }
  } catch (error) {
    parentPort.postMessage({ type: "error", message: error instanceof Error ? error.stack : String(error) });
  }
});
parentPort.postMessage({ type: "ready" });
