// The OBU client against a real WebSocket server on loopback that speaks docs/edge.md. The server here is a test
// double of the RSU (apps/edge, built concurrently by another engineer): it challenges, checks the challenge
// signature, admits with a signed ADMISSION (or refuses with CLOSE), acks DATA frames in whatever order the test
// asks for, and pushes EVENT frames. Also: signCam/signDenm produce SPDUs that the IEEE 1609.2 verifier accepts.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  CertificateCodec,
  decodeCam,
  decodeDenm,
  decodeIeee1609Dot2Data,
  toHex as hexOf,
  PSID,
  verifySignedData,
} from "@amc/v2x";
import { keccak256, toHex } from "viem";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { createAdmission, ticketDigestHex, verifyAdmission, verifyChallenge } from "./admission.js";
import { buildCam, type CloseInfo, EdgeConnectionError, ObuClient, signCam, signDenm } from "./obu.js";
import { type AckStatusCode, decodeFrame, type EventFrame, encodeAck, encodeFrame, type Frame } from "./protocol.js";
import { createTestTicket, generateP256, type TestTicket } from "./testing.js";

const CELL_A = "871f18803ffffff";
const CELL_B = "871f18801ffffff";

type RsuDouble = {
  url: string;
  did: string;
  kid: string;
  key: ReturnType<typeof generateP256>;
  /** DATA frames received and not yet acked, per connection, in arrival order. */
  held: { socket: WebSocket; seq: number; spdu: Uint8Array }[];
  /** Most DATA frames unanswered at once, as seen by the RSU. */
  maxUnanswered: number;
  sockets: Set<WebSocket>;
  ack(entry: { socket: WebSocket; seq: number; spdu: Uint8Array }, status?: AckStatusCode): void;
  push(frame: Frame): void;
  stop(): Promise<void>;
};

type RsuBehaviour = {
  cell: string;
  /** Refuse admission with this CLOSE code. */
  refuse?: string;
  /** Ack immediately (status from the SPDU's first byte), or hold every DATA frame for the test to ack. */
  ackMode?: "immediate" | "hold";
  /** Keys of neighbouring RSUs, for handover. */
  neighbours?: Map<string, ReturnType<typeof generateP256>["publicKey"]>;
  neighbourCells?: string[];
};

const servers: RsuDouble[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function startRsu(behaviour: RsuBehaviour): Promise<RsuDouble> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const key = generateP256();
  const did = `did:amc:test:${randomBytes(32).toString("hex")}`;
  const rsu: RsuDouble = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v2x`,
    did,
    kid: `${did}#rsu-key`,
    key,
    held: [],
    maxUnanswered: 0,
    sockets: new Set(),
    ack(entry, status = 0) {
      rsu.held.splice(rsu.held.indexOf(entry), 1);
      entry.socket.send(encodeAck(entry.seq, status, Buffer.from(keccak256(entry.spdu).slice(2), "hex")));
    },
    push(frame) {
      for (const socket of rsu.sockets) socket.send(encodeFrame(frame));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of rsu.sockets) socket.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on("connection", (socket) => {
    rsu.sockets.add(socket);
    socket.on("close", () => rsu.sockets.delete(socket));
    const nonce = randomBytes(16);
    const refuse = (code: string, detail: string) => {
      socket.send(encodeFrame({ type: "close", code, detail }));
      socket.close(1008, code);
    };
    let admitted = false;
    let unanswered = 0;
    socket.send(encodeFrame({ type: "challenge", nonce, rsu: did, cell: behaviour.cell, time: Date.now() }));
    socket.on("message", async (data) => {
      const frame = decodeFrame(data as Buffer);
      if (frame.type === "admit") {
        const ticket = CertificateCodec.decode(frame.ticket);
        if (!verifyChallenge(ticket, frame.sig, { nonce, cell: behaviour.cell, rsu: did }))
          return refuse("bad_signature", "the challenge signature does not verify");
        if (behaviour.refuse) return refuse(behaviour.refuse, "this ticket's vehicle is revoked");
        if (frame.previous) {
          const previous = await verifyAdmission(frame.previous, (kid) => behaviour.neighbours?.get(kid), {
            ticket: ticketDigestHex(ticket),
            cells: behaviour.neighbourCells ?? [],
          });
          if (!previous.ok) return refuse("bad_admission", `${previous.reason}: ${previous.detail}`);
        }
        admitted = true;
        const now = Date.now();
        const admission = createAdmission(
          { ticket: ticketDigestHex(ticket), cell: behaviour.cell, rsu: did, kid: rsu.kid, at: now, exp: now + 60_000 },
          key.privateKey,
        );
        return socket.send(encodeFrame({ type: "admitted", admission }));
      }
      if (frame.type === "data") {
        if (!admitted) return refuse("not_admitted", "DATA before admission");
        const entry = { socket, seq: frame.seq, spdu: Uint8Array.from(frame.spdu) };
        if (behaviour.ackMode === "hold") {
          rsu.held.push(entry);
          unanswered++;
          rsu.maxUnanswered = Math.max(rsu.maxUnanswered, rsu.held.filter((h) => h.socket === socket).length);
          return;
        }
        return rsu.ack({ ...entry }, (frame.spdu[0]! % 18) as AckStatusCode);
      }
      refuse("malformed", `unexpected ${frame.type}`);
    });
    void unanswered;
  });
  servers.push(rsu);
  return rsu;
}

let vehicle: TestTicket;
beforeAll(() => {
  vehicle = createTestTicket();
});

const connectParams = () => ({ ticket: vehicle.ticket, privateKey: vehicle.privateKey });

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("ObuClient", () => {
  it("runs the admission handshake and keeps the admission", async () => {
    const rsu = await startRsu({ cell: CELL_A });
    const client = new ObuClient();
    const admitted = await client.connect(rsu.url, connectParams());
    expect(client.admitted).toBe(true);
    expect(admitted.claims).toMatchObject({ ticket: ticketDigestHex(vehicle.ticket), cell: CELL_A, rsu: rsu.did });
    expect(admitted.challenge).toMatchObject({ cell: CELL_A, rsu: rsu.did });
    expect(client.lastAdmission).toBe(admitted.admission);
    const check = await verifyAdmission(admitted.admission, (kid) => (kid === rsu.kid ? rsu.key.publicKey : undefined));
    expect(check.ok).toBe(true);
    await expect(client.connect(rsu.url, connectParams())).rejects.toThrow("cannot connect: the client is admitted");
    await client.close();
    expect(client.admitted).toBe(false);
  });

  it("pipelines sends, matches ACKs by seq in any order, and waits when the window is full", async () => {
    const rsu = await startRsu({ cell: CELL_A, ackMode: "hold" });
    const client = new ObuClient({ window: 4 });
    await client.connect(rsu.url, connectParams());
    const spdus = Array.from({ length: 20 }, (_, i) => Uint8Array.of(i, ...randomBytes(20)));
    const results = spdus.map((spdu) => client.send(spdu));
    // The RSU answers each full window back to front, with a status of its choosing.
    let answered = 0;
    while (answered < spdus.length) {
      await until(() => rsu.held.length === Math.min(4, spdus.length - answered), "a full window");
      expect(client.inFlight).toBe(rsu.held.length);
      for (const entry of [...rsu.held].reverse()) rsu.ack(entry, entry.spdu[0]! % 3 === 0 ? 14 : 0);
      answered += 4;
    }
    const settled = await Promise.all(results);
    expect(rsu.maxUnanswered).toBe(4);
    settled.forEach((result, i) => {
      expect(result.messageHash).toBe(keccak256(spdus[i]!));
      expect(result.statusName).toBe(i % 3 === 0 ? "overloaded" : "accepted");
      expect(result.status).toBe(i % 3 === 0 ? 14 : 0);
    });
    expect(client.inFlight).toBe(0);
    await client.close();
  });

  it("reports the RSU's status for each message", async () => {
    const rsu = await startRsu({ cell: CELL_A });
    const client = new ObuClient();
    await client.connect(rsu.url, connectParams());
    const results = await Promise.all([0, 2, 9, 17].map((first) => client.send(Uint8Array.of(first, 1, 2, 3))));
    expect(results.map((r) => r.statusName)).toEqual(["accepted", "bad_signature", "replayed", "other"]);
    await client.close();
  });

  it("rejects connect with the RSU's CLOSE code and detail when it refuses", async () => {
    const rsu = await startRsu({ cell: CELL_A, refuse: "revoked" });
    const client = new ObuClient();
    const closes: CloseInfo[] = [];
    client.onClose((info) => closes.push(info));
    const error = await client.connect(rsu.url, connectParams()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeConnectionError);
    expect(error).toMatchObject({ code: "revoked", detail: "this ticket's vehicle is revoked" });
    expect(closes).toEqual([{ code: "revoked", detail: "this ticket's vehicle is revoked" }]);
    expect(client.admitted).toBe(false);
    await expect(client.send(Uint8Array.of(1))).rejects.toMatchObject({
      code: "not_admitted",
      detail: "not connected; the last connection ended with revoked: this ticket's vehicle is revoked",
    });
  });

  it("is refused when it signs with a key that is not the ticket's", async () => {
    const rsu = await startRsu({ cell: CELL_A });
    const client = new ObuClient();
    const wrong = { ticket: vehicle.ticket, privateKey: generateP256().privateKey };
    await expect(client.connect(rsu.url, wrong)).rejects.toMatchObject({ code: "bad_signature" });
  });

  it("fails with connection_lost when nothing listens", async () => {
    const rsu = await startRsu({ cell: CELL_A });
    await rsu.stop();
    servers.splice(servers.indexOf(rsu), 1);
    await expect(new ObuClient().connect(rsu.url, connectParams())).rejects.toMatchObject({ code: "connection_lost" });
  });

  it("delivers the RSU's EVENT frames", async () => {
    const rsu = await startRsu({ cell: CELL_A });
    const client = new ObuClient();
    const events: unknown[] = [];
    client.onEvent((event) => events.push(event));
    await client.connect(rsu.url, connectParams());
    const event: EventFrame = {
      type: "event",
      eventId: toHex(randomBytes(32)),
      causeCode: 6,
      subCauseCode: 6,
      latitude: 312_304_000,
      longitude: 1_214_737_000,
      firstSeen: 1_750_000_000_000,
      confirmedAt: 1_750_000_004_000,
      reporters: 3,
      cell: CELL_A,
    };
    rsu.push(event);
    await until(() => events.length === 1, "the event");
    const { type: _, ...expected } = event;
    expect(events).toEqual([expected]);
    await client.close();
  });

  it("hands over to a neighbouring RSU with the previous admission", async () => {
    const a = await startRsu({ cell: CELL_A });
    const first = new ObuClient();
    await first.connect(a.url, connectParams());
    await first.close();
    const b = await startRsu({
      cell: CELL_B,
      neighbours: new Map([[a.kid, a.key.publicKey]]),
      neighbourCells: [CELL_A],
    });
    const second = new ObuClient();
    const admitted = await second.connect(b.url, { ...connectParams(), previousAdmission: first.lastAdmission });
    expect(admitted.claims.cell).toBe(CELL_B);
    await second.close();
    // The same RSU refuses an admission it cannot trace to a neighbour.
    const c = await startRsu({ cell: CELL_B, neighbourCells: [CELL_A] });
    await expect(
      new ObuClient().connect(c.url, { ...connectParams(), previousAdmission: first.lastAdmission }),
    ).rejects.toMatchObject({ code: "bad_admission", detail: expect.stringContaining("unknown_key") });
  });

  it("rejects pending sends when closed, and treats an ACK for an unknown seq as a protocol error", async () => {
    const rsu = await startRsu({ cell: CELL_A, ackMode: "hold" });
    const client = new ObuClient({ window: 2 });
    await client.connect(rsu.url, connectParams());
    const sends = [1, 2, 3].map((i) => client.send(Uint8Array.of(i)));
    await until(() => rsu.held.length === 2, "two DATA frames");
    await client.close();
    for (const send of sends) await expect(send).rejects.toMatchObject({ code: "closed" });

    const other = new ObuClient();
    const closed = new Promise<CloseInfo>((resolve) => other.onClose(resolve));
    await other.connect(rsu.url, connectParams());
    for (const socket of rsu.sockets) socket.send(encodeAck(77, 0, new Uint8Array(32)));
    expect(await closed).toEqual({ code: "protocol_error", detail: "ACK for unknown seq 77" });
  });

  it("times out a send whose ACK never comes, freeing its slot", async () => {
    const rsu = await startRsu({ cell: CELL_A, ackMode: "hold" });
    const client = new ObuClient({ window: 1, ackTimeoutMs: 100 });
    await client.connect(rsu.url, connectParams());
    const first = client.send(Uint8Array.of(1));
    const second = client.send(Uint8Array.of(2));
    await expect(first).rejects.toThrow("no ACK for DATA seq 0 within 100 ms");
    await until(() => rsu.held.length === 2, "the second DATA frame");
    rsu.ack(rsu.held[0]!); // the late ACK of seq 0 is ignored, not a protocol error
    rsu.ack(rsu.held[0]!);
    expect(await second).toMatchObject({ statusName: "accepted" });
    expect(client.admitted).toBe(true);
    await client.close();
  });
});

describe("signCam / signDenm", () => {
  const now = new Date();
  const store = () => new Map([[hexOf(CertificateCodec.encode(vehicle.ticket)), vehicle.ticket]]);

  it("signs a CAM that the IEEE 1609.2 verifier accepts and that carries the position, speed and heading", () => {
    const position = { latitude: 31.2304, longitude: 121.4737, altitude: 12.5 };
    const spdu = signCam({
      signer: { certificate: vehicle.ticket, privateKey: vehicle.privateKey },
      stationId: 4242,
      position,
      speed: 13.89,
      heading: 271.26,
      time: now,
    });
    const digest = ticketDigestHex(vehicle.ticket);
    const result = verifySignedData(spdu, {
      certificateByDigest: (d) => (hexOf(d) === digest ? vehicle.ticket : undefined),
      now,
    });
    expect(result).toMatchObject({ ok: true, psid: PSID.cam });
    if (!result.ok || result.payload === undefined) throw new Error("no payload");
    const cam = decodeCam(result.payload);
    expect(cam.header.stationID).toBe(4242);
    expect(cam.cam.camParameters.basicContainer.referencePosition).toMatchObject({
      latitude: 312_304_000,
      longitude: 1_214_737_000,
      altitude: { altitudeValue: 1250 },
    });
    expect(cam.cam.camParameters.highFrequencyContainer).toMatchObject({
      speed: { speedValue: 1389 },
      heading: { headingValue: 2713 },
    });
    const data = decodeIeee1609Dot2Data(spdu);
    if (data.content.type !== "signedData") throw new Error("not signed data");
    expect(data.content.signedData.signer.type).toBe("digest");
    expect(data.content.signedData.tbsData.headerInfo.generationLocation).toEqual({
      latitude: 312_304_000,
      longitude: 1_214_737_000,
      elevation: 4220,
    });
    expect(store().size).toBe(1);
  });

  it("signs a DENM with its cause code", () => {
    const spdu = signDenm({
      signer: { certificate: vehicle.ticket, privateKey: vehicle.privateKey },
      stationId: 4242,
      causeCode: 6,
      subCauseCode: 6,
      position: { latitude: 31.2304, longitude: 121.4737 },
      sequenceNumber: 3,
      time: now,
    });
    const digest = ticketDigestHex(vehicle.ticket);
    const result = verifySignedData(spdu, {
      certificateByDigest: (d) => (hexOf(d) === digest ? vehicle.ticket : undefined),
      now,
    });
    expect(result).toMatchObject({ ok: true, psid: PSID.denm });
    if (!result.ok || result.payload === undefined) throw new Error("no payload");
    const denm = decodeDenm(result.payload);
    expect(denm.denm.situation?.eventType).toEqual({ causeCode: 6, subCauseCode: 6 });
    expect(denm.denm.management.actionID).toEqual({ originatingStationID: 4242, sequenceNumber: 3 });
    expect(denm.denm.management.eventPosition.latitude).toBe(312_304_000);
  });

  it("refuses positions and speeds that are not physical", () => {
    const base = { stationId: 1, speed: 1, heading: 0, position: { latitude: 0, longitude: 0 } };
    expect(() => buildCam({ ...base, position: { latitude: 91, longitude: 0 } })).toThrow("is not a WGS84 position");
    expect(() => buildCam({ ...base, speed: -1 })).toThrow("speed -1 m/s is not >= 0");
    expect(() => buildCam({ ...base, speed: Number.NaN })).toThrow();
    expect(buildCam({ ...base, heading: -90 }).cam.camParameters.highFrequencyContainer).toMatchObject({
      heading: { headingValue: 2700 },
    });
  });
});
