// The RSU node: everything one roadside unit runs (docs/edge.md).
//
//   OBU ──WebSocket──▶ admission (ticket + challenge; handover with the previous cell's signed admission)
//        DATA frame ──▶ admission control (overload) → per-ticket rate limit → signature and certificate
//                       (VerifyPool worker threads, ticket cached at admission) → signer is the admitted ticket →
//                       revocation → replay (journal index) → region (H3 cell or its ring) → plausibility →
//                       journal append (WAL, group commit, fsync) ──▶ ACK
//        journal ──▶ Merkle batch (count or time) ──▶ Anchorer: DataAnchor on the cell chain → checkpoint to main
//        DENM ──▶ EventConsensus (k distinct tickets of one slot) ──▶ EventLedger + EVENT to every OBU and to
//                 the neighbouring cells' RSUs; DENMs are also forwarded to the same cell's other RSUs.
//
// Nothing is acknowledged before it is durable, and nothing durable is lost: after a crash the journal replays,
// unbatched messages are sealed and sealed batches are reconciled with the chain before anything is sent.
import { type KeyObject, randomBytes, sign, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dataAnchorAbi } from "@amc/abi";
import { type ChainPublicClient, type ChainRef, publicClientFor } from "@amc/chain";
import * as sdk from "@amc/sdk";
import { createLogger, errorMessage, type Logger, Metrics, stringify } from "@amc/utils";
import {
  type Certificate,
  CertificateCodec,
  certificateDigest,
  decodeItsMessage,
  Ieee1609Dot2DataCodec,
  RevocationSet,
  ticketLinkage,
  time64ToUnixMs,
  toHex,
  VerifyPool,
  type VerifyResult,
  verifyCertificateChain,
} from "@amc/v2x";
import { gridDisk, latLngToCell } from "h3-js";
import { type Address, decodeEventLog, type Hex, keccak256 } from "viem";
import { WebSocket, WebSocketServer } from "ws";
import { Anchorer, type ConfirmedEventRecord } from "./anchorer.js";
import { type ConfirmedEvent, EventConsensus, type Report } from "./consensus.js";
import { FlCollector } from "./fl.js";
import { Journal } from "./journal.js";
import { PlausibilityChecker } from "./plausibility.js";
import { AdmissionControl, TicketRateLimiter } from "./ratelimit.js";
import { RevocationWatcher } from "./revocation.js";

const DENM_PSID = 37;

export type PeerRsu = { name: string; cell: string; url: string };

export type RsuConfig = {
  name: string;
  cell: string;
  host: string;
  /** 0 picks a free port (see `url` after start). */
  port: number;
  dataDir: string;
  chain: ChainRef;
  contracts: { dataAnchor: Address; eventLedger: Address; identityMirror: Address };
  /** The RSU's transaction key on the cell chain. */
  privateKey: Hex;
  identity: { did: string; didId: Hex; kid: string; signingKey: KeyObject };
  /** The CA chain tickets are issued under, leaf CA first (e.g. [PCA, root]), and the trust-anchor check. */
  trust: { caChain: Certificate[]; isTrustedRoot: (digest: Uint8Array, root: Certificate) => boolean };
  batch: { maxCount: number; maxDelayMs: number };
  consensus: { k: number; radiusMeters: number; windowMs: number };
  limits: { ratePerSecond: number; burst: number; maxInFlight: number; maxAgeMs: number };
  revocation: { pollIntervalMs: number; slotsPerPeriod: number };
  checkpointIntervalMs: number;
  admissionTtlMs: number;
  /** Other RSUs: those of the same cell get DENM reports, those of adjacent cells confirmed events. */
  peers: () => PeerRsu[];
  /** The public key of another RSU's DID key id (for handover admissions and peer events), if it is an RSU. */
  resolveRsuKey: (kid: string) => Promise<KeyObject | undefined>;
  threads?: number;
  logger?: Logger;
};

type Session = {
  socket: WebSocket;
  nonce: Uint8Array;
  admitted: boolean;
  ticket?: Certificate;
  ticketId?: string;
  slot?: string;
  inFlight: number;
};

/** Verify reasons without an ACK status of their own, mapped to the nearest one. */
const REASON_ALIASES: Record<string, string> = {
  unsupported: "malformed",
  issuer_mismatch: "unknown_signer",
  untrusted_root: "unknown_signer",
  outside_region: "wrong_region",
};

const reasonStatus = (reason: string): number => {
  const code = (sdk.ackStatus as Record<string, number>)[reason];
  return code ?? (sdk.ackStatus as Record<string, number>).other ?? 17;
};

export class RsuNode {
  readonly metrics = new Metrics();
  private readonly fl: FlCollector;
  readonly logger: Logger;
  readonly revocations: RevocationSet;
  private journal!: Journal;
  private pool!: VerifyPool;
  private anchorer!: Anchorer;
  private watcher!: RevocationWatcher;
  private server!: Server;
  private wss!: WebSocketServer;
  private readonly client: ChainPublicClient;
  private readonly sessions = new Set<Session>();
  private readonly consensus: EventConsensus;
  private readonly plausibility: PlausibilityChecker;
  private readonly rateLimiter: TicketRateLimiter;
  private readonly admission: AdmissionControl;
  private readonly ring: Set<string>;
  private readonly knownTickets = new Map<string, Certificate>();
  private readonly proofCache = new Map<number, { signature: Hex; blockHash: Hex; submitter: Address }>();
  private sealTimer: NodeJS.Timeout | undefined;
  private sealing: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private stopped = false;
  readonly events: ConfirmedEvent[] = [];
  url = "";

  constructor(readonly config: RsuConfig) {
    this.logger = config.logger ?? createLogger({ service: "edge", rsu: config.name });
    this.fl = new FlCollector(config.name, config.dataDir);
    this.client = publicClientFor(config.chain);
    this.revocations = new RevocationSet(config.revocation.slotsPerPeriod);
    this.consensus = new EventConsensus({
      k: config.consensus.k,
      radiusMeters: config.consensus.radiusMeters,
      windowMs: config.consensus.windowMs,
      cell: config.cell,
    });
    // Messages of one ticket verified on different workers can finish out of order under a backlog: an older one
    // within the freshness window is accepted (it does not move the ticket's last position).
    this.plausibility = new PlausibilityChecker({ backwardsToleranceMs: Math.min(5_000, config.limits.maxAgeMs) });
    this.rateLimiter = new TicketRateLimiter({
      ratePerSecond: config.limits.ratePerSecond,
      burst: config.limits.burst,
    });
    this.admission = new AdmissionControl({
      high: config.limits.maxInFlight,
      low: Math.floor(config.limits.maxInFlight * 0.8),
    });
    this.ring = new Set(gridDisk(config.cell, 1));
    const m = this.metrics;
    m.define("amc_edge_messages_accepted_total", "counter", "messages verified, logged and acknowledged");
    m.define("amc_edge_messages_rejected_total", "counter", "messages refused, by reason");
    m.define("amc_edge_admissions_total", "counter", "admissions, by kind (fresh, handover) and outcome");
    m.define("amc_edge_sessions", "gauge", "open admitted OBU sessions");
    m.define("amc_edge_queue_depth", "gauge", "messages waiting, by stage");
    m.define("amc_edge_anchor_lag_seconds", "gauge", "age of the oldest logged message not yet anchored");
    m.define("amc_edge_events_confirmed_total", "counter", "events confirmed by k distinct tickets");
    m.define("amc_edge_reports_ignored_total", "counter", "DENMs logged but not usable as event reports");
    m.define("amc_edge_revoked_sessions_total", "counter", "sessions closed because their ticket was revoked");
    m.define("amc_edge_wal_fsyncs", "gauge", "fsyncs of the write-ahead log since start");
  }

  async start(): Promise<void> {
    const { config } = this;
    this.journal = await Journal.open(config.dataDir);
    const state = this.journal.state;
    this.logger.info("journal replayed", {
      messages: state.nextSeq,
      unbatched: this.journal.state.unbatched.length,
      unanchored: this.journal.unanchored().length,
    });
    // Trust store for the workers: the CA chain (checked up to a trusted root here, once).
    const chainCheck = verifyCertificateChain(config.trust.caChain, {
      now: new Date(),
      isTrustedRoot: config.trust.isTrustedRoot,
    });
    if (!chainCheck.ok) throw new Error(`CA chain refused: ${chainCheck.reason}: ${chainCheck.detail}`);
    this.pool = new VerifyPool({ threads: config.threads, maxAgeMs: config.limits.maxAgeMs, messageHashes: true });
    await this.pool.ready();
    await this.pool.addCertificates(config.trust.caChain);
    this.anchorer = new Anchorer({
      chain: config.chain,
      dataAnchor: config.contracts.dataAnchor,
      eventLedger: config.contracts.eventLedger,
      privateKey: config.privateKey,
      rsuDid: config.identity.didId,
      signingKey: config.identity.signingKey,
      source: {
        unanchored: () => this.journal.unanchored(),
        markAnchored: (batchId, txHash, blockNumber) => this.journal.appendAnchored({ batchId, txHash, blockNumber }),
      },
      logger: this.logger,
      metrics: this.metrics,
      checkpointIntervalMs: config.checkpointIntervalMs,
    });
    this.watcher = new RevocationWatcher({
      client: this.client,
      mirror: config.contracts.identityMirror,
      revocations: this.revocations,
      pollIntervalMs: config.revocation.pollIntervalMs,
      logger: this.logger,
      onRevoked: () => this.dropRevokedSessions(),
    });
    // Revocations first: no session is admitted before the RSU knows what was revoked (if the chain answers).
    await this.watcher
      .poll()
      .catch((error: unknown) =>
        this.logger.warn("cell chain unreachable at start; revocations will follow", { error: errorMessage(error) }),
      );
    this.watcher.start();
    await this.sealDue(true);
    this.anchorer.start();
    this.sealTimer = setInterval(
      () => void this.sealDue(false),
      Math.max(20, Math.min(250, config.batch.maxDelayMs / 4)),
    );
    await this.listen();
    this.logger.info("RSU ready", { url: this.url, cell: config.cell, did: config.identity.did });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sealTimer) clearInterval(this.sealTimer);
    for (const session of this.sessions) session.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.sealing;
    await this.anchorer.stop();
    await this.watcher.stop();
    await this.pool.close();
    await this.journal.close();
  }

  // ---- batches ----

  /** Seals full batches, and a partial one when its oldest message waited maxDelayMs (or on `flush`). */
  sealDue(flush: boolean): Promise<void> {
    this.sealing = this.sealing.then(async () => {
      const { maxCount, maxDelayMs } = this.config.batch;
      let sealed = false;
      for (;;) {
        const waiting = this.journal.state.unbatched.length;
        if (waiting === 0) break;
        const oldest = this.journal.state.unbatched[0]?.receivedAt ?? Date.now();
        if (waiting < maxCount && !flush && Date.now() - oldest < maxDelayMs) break;
        await this.journal.sealNext(maxCount);
        sealed = true;
        if (waiting <= maxCount) break;
      }
      if (sealed) this.anchorer.notify();
    });
    this.sealing = this.sealing.catch((error: unknown) =>
      this.logger.error("sealing a batch failed", { error: errorMessage(error) }),
    );
    return this.sealing;
  }

  /** Seals everything logged and waits until it is anchored (tests, benchmarks, graceful drain). */
  async flush(timeoutMs = 60_000): Promise<void> {
    await this.sealDue(true);
    const deadline = Date.now() + timeoutMs;
    while (this.journal.unanchored().length > 0) {
      if (Date.now() > deadline) throw new Error(`batches still unanchored after ${timeoutMs} ms`);
      this.anchorer.notify();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- network ----

  private async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        this.logger.error("request failed", { url: request.url, error: errorMessage(error) });
        if (!response.headersSent) problem(response, 500, "Internal error", errorMessage(error));
      });
    });
    this.wss = new WebSocketServer({ server: this.server, path: "/v2x", maxPayload: 64 * 1024 });
    this.wss.on("connection", (socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.config.port, this.config.host, () => resolve());
    });
    const address = this.server.address();
    const port = typeof address === "object" && address ? address.port : this.config.port;
    this.url = `http://${this.config.host}:${port}`;
  }

  get wsUrl(): string {
    return `${this.url.replace(/^http/, "ws")}/v2x`;
  }

  private onConnection(socket: WebSocket): void {
    const session: Session = { socket, nonce: randomBytes(16), admitted: false, inFlight: 0 };
    this.sessions.add(session);
    socket.binaryType = "nodebuffer";
    socket.on("close", () => {
      this.sessions.delete(session);
      this.metrics.set("amc_edge_sessions", {}, [...this.sessions].filter((s) => s.admitted).length);
    });
    socket.on("error", () => socket.terminate());
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.closeSession(session, "malformed", "text frames are not part of the protocol");
      this.onFrame(session, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).catch((error: unknown) =>
        this.logger.error("frame handling failed", { error: errorMessage(error) }),
      );
    });
    socket.send(
      sdk.encodeFrame({
        type: "challenge",
        v: 1,
        nonce: session.nonce,
        rsu: this.config.identity.did,
        cell: this.config.cell,
        time: Date.now(),
      }),
    );
  }

  private closeSession(session: Session, code: string, detail: string): void {
    if (session.socket.readyState === WebSocket.OPEN) {
      session.socket.send(sdk.encodeFrame({ type: "close", code, detail }));
      session.socket.close(1008, code.slice(0, 100));
    }
    this.sessions.delete(session);
  }

  private async onFrame(session: Session, bytes: Uint8Array): Promise<void> {
    let frame: sdk.Frame;
    try {
      frame = sdk.decodeFrame(bytes);
    } catch (error) {
      this.reject("malformed");
      return this.closeSession(session, "malformed", errorMessage(error));
    }
    if (frame.type === "admit") return this.onAdmit(session, frame);
    if (frame.type === "data") return this.onData(session, frame.seq, frame.spdu);
    this.closeSession(session, "malformed", `an OBU does not send ${frame.type} frames`);
  }

  // ---- admission ----

  private async onAdmit(session: Session, frame: Extract<sdk.Frame, { type: "admit" }>): Promise<void> {
    const kind = frame.previous ? "handover" : "fresh";
    const refuse = (code: string, detail: string) => {
      this.metrics.inc("amc_edge_admissions_total", { kind, outcome: code });
      this.closeSession(session, code, detail);
    };
    if (session.admitted) return refuse("malformed", "already admitted");
    let ticket: Certificate;
    try {
      ticket = CertificateCodec.decode(frame.ticket);
    } catch (error) {
      return refuse("malformed", `ticket: ${errorMessage(error)}`);
    }
    const check = this.checkTicket(ticket);
    if (!check.ok) return refuse(check.reason, check.detail);
    if (
      !sdk.verifyChallenge(ticket, frame.sig, {
        nonce: session.nonce,
        cell: this.config.cell,
        rsu: this.config.identity.did,
      })
    )
      return refuse("bad_signature", "the challenge signature does not verify under the ticket's key");
    const ticketId = toHex(certificateDigest(ticket));
    let lastPosition: { latitude: number; longitude: number; generationTime: number } | undefined;
    if (frame.previous) {
      const neighbours = [...this.ring].filter((c) => c !== this.config.cell);
      const previous = await sdk
        .verifyAdmission(frame.previous, (kid) => this.config.resolveRsuKey(kid), {
          ticket: ticketId,
          cells: neighbours,
        })
        .catch((error: unknown) => ({ ok: false as const, reason: "unknown_key", detail: errorMessage(error) }));
      if (!previous.ok)
        return refuse("bad_admission", `previous admission refused: ${previous.reason}: ${previous.detail}`);
      if (previous.pos)
        lastPosition = { latitude: previous.pos[0], longitude: previous.pos[1], generationTime: previous.at };
    }
    await this.pool.addCertificates([ticket]);
    this.knownTickets.set(ticketId, ticket);
    session.admitted = true;
    session.ticket = ticket;
    session.ticketId = ticketId;
    session.slot = slotOf(ticket);
    if (lastPosition) this.plausibility.seed(ticketId, lastPosition);
    const now = Date.now();
    const admission = sdk.createAdmission(
      {
        v: 1,
        ticket: ticketId,
        cell: this.config.cell,
        rsu: this.config.identity.did,
        kid: this.config.identity.kid,
        at: now,
        exp: now + this.config.admissionTtlMs,
      },
      this.config.identity.signingKey,
    );
    session.socket.send(sdk.encodeFrame({ type: "admitted", admission }));
    this.metrics.inc("amc_edge_admissions_total", { kind, outcome: "admitted" });
    this.metrics.set("amc_edge_sessions", {}, [...this.sessions].filter((s) => s.admitted).length);
  }

  /** A ticket is acceptable when it chains to our PCA and trusted root, is valid now and is not revoked. */
  private checkTicket(ticket: Certificate): { ok: true } | { ok: false; reason: string; detail: string } {
    const result = verifyCertificateChain([ticket, ...this.config.trust.caChain], {
      now: new Date(),
      isTrustedRoot: this.config.trust.isTrustedRoot,
    });
    if (!result.ok) return { ok: false, reason: result.reason, detail: result.detail };
    if (this.revocations.isRevoked(ticket))
      return { ok: false, reason: "revoked", detail: "this ticket belongs to a revoked vehicle" };
    return { ok: true };
  }

  private dropRevokedSessions(): void {
    for (const session of [...this.sessions]) {
      if (session.ticket && this.revocations.isRevoked(session.ticket)) {
        this.metrics.inc("amc_edge_revoked_sessions_total");
        this.closeSession(session, "revoked", "this vehicle's tickets were revoked");
      }
    }
  }

  // ---- data ----

  private reject(reason: string): void {
    this.metrics.inc("amc_edge_messages_rejected_total", { reason });
  }

  private ack(session: Session, seq: number, given: string, hash?: Uint8Array): void {
    const reason = REASON_ALIASES[given] ?? given;
    if (reason !== "accepted") this.reject(reason);
    if (session.socket.readyState !== WebSocket.OPEN) return;
    session.socket.send(sdk.encodeAck(seq, reasonStatus(reason), hash ?? ZERO32));
  }

  private async onData(session: Session, seq: number, spdu: Uint8Array): Promise<void> {
    if (!session.admitted || !session.ticketId || !session.ticket) return this.ack(session, seq, "not_admitted");
    if (!this.admission.tryEnter(this.inFlight)) return this.ack(session, seq, "overloaded");
    if (!this.rateLimiter.take(session.ticketId, Date.now())) return this.ack(session, seq, "rate_limited");
    this.inFlight++;
    session.inFlight++;
    try {
      const outcome = await this.accept(spdu, session.ticketId, session.ticket);
      if (outcome.ok) this.ack(session, seq, "accepted", hexBytes(outcome.messageHash));
      else this.ack(session, seq, outcome.reason);
      if (outcome.ok && outcome.denm) this.afterDenm(spdu, outcome.messageHash, session.ticket, outcome.result);
    } finally {
      this.inFlight--;
      session.inFlight--;
      this.metrics.set("amc_edge_queue_depth", { stage: "in_flight" }, this.inFlight);
    }
  }

  /** The checks and the durable log of one message; resolves after fsync. */
  async accept(
    spdu: Uint8Array,
    ticketId: string,
    ticket: Certificate,
  ): Promise<
    | { ok: true; messageHash: Hex; denm: boolean; result: Extract<VerifyResult, { ok: true }> }
    | { ok: false; reason: string }
  > {
    // Ieee1609Dot2Data in COER: protocolVersion 3, then the content's CHOICE tag (0x80 unsecuredData).
    if (spdu.length >= 2 && spdu[0] === 3 && spdu[1] === 0x80) return { ok: false, reason: "unsigned" };
    const result = await this.pool.verify(spdu);
    if (!result.ok) return { ok: false, reason: result.reason };
    if (result.signerDigest !== ticketId) return { ok: false, reason: "wrong_signer" };
    if (this.revocations.isRevoked(ticket)) return { ok: false, reason: "revoked" };
    const hashHex = result.messageHash ?? keccak256(spdu);
    if (this.journal.has(hashHex)) return { ok: false, reason: "replayed" };
    const location = result.location;
    if (!location) return { ok: false, reason: "malformed" };
    const cell = latLngToCell(location.latitude / 1e7, location.longitude / 1e7, 7);
    if (!this.ring.has(cell)) return { ok: false, reason: "wrong_region" };
    const time = time64ToMs(result.generationTime);
    const plausible = this.plausibility.check(ticketId, { ...location, generationTime: time }, Date.now());
    if (!plausible.ok) return { ok: false, reason: "implausible" };
    const logged = await this.journal.appendMessage({
      receivedAt: Date.now(),
      messageHash: hashHex,
      ...(result.leaf ? { leaf: result.leaf } : {}),
      spdu,
      ticket: ticketId,
    });
    if (logged.status === "replayed") return { ok: false, reason: "replayed" };
    this.metrics.inc("amc_edge_messages_accepted_total");
    return { ok: true, messageHash: logged.messageHash, denm: result.psid === DENM_PSID, result };
  }

  // ---- events ----

  private afterDenm(
    spdu: Uint8Array,
    hash: Hex,
    ticket: Certificate,
    result: Extract<VerifyResult, { ok: true }>,
  ): void {
    const report = this.reportOf(spdu, hash, ticket, result);
    if (!report) return;
    this.onReport(report);
    // The same cell's other RSUs count it too (they verify it themselves).
    const body = stringify({ spdu: toHex(spdu), ticket: toHex(CertificateCodec.encode(ticket)) });
    for (const peer of this.config.peers())
      if (peer.cell === this.config.cell && peer.name !== this.config.name)
        void post(`${peer.url}/v1/peer/reports`, body).catch(() => undefined);
  }

  private reportOf(
    spdu: Uint8Array,
    hash: Hex,
    ticket: Certificate,
    result: Extract<VerifyResult, { ok: true }>,
  ): Report | undefined {
    try {
      const data = Ieee1609Dot2DataCodec.decode(spdu);
      const content = data.content;
      if (content.type !== "signedData") return undefined;
      const inner = content.signedData.tbsData.payload.data?.content;
      if (inner?.type !== "unsecuredData") return undefined;
      const message = decodeItsMessage(inner.data, { psid: DENM_PSID });
      if (message.type !== "denm") return undefined;
      const m = message.denm.denm.management;
      const eventType = message.denm.denm.situation?.eventType;
      return {
        causeCode: eventType?.causeCode ?? 0,
        subCauseCode: eventType?.subCauseCode ?? 0,
        latitude: m.eventPosition.latitude,
        longitude: m.eventPosition.longitude,
        detectionTime: time64ToMs(result.generationTime),
        receivedAt: Date.now(),
        ticket: result.signerDigest,
        slot: slotOf(ticket),
        messageHash: hash,
      };
    } catch (error) {
      this.logger.warn("a logged DENM could not be read for consensus", { error: errorMessage(error) });
      return undefined;
    }
  }

  private onReport(report: Report): void {
    let confirmed: ConfirmedEvent | undefined;
    try {
      confirmed = this.consensus.report(report);
    } catch (error) {
      // e.g. ETSI "unavailable" positions: logged and anchored like any message, but not counted as a report.
      this.metrics.inc("amc_edge_reports_ignored_total");
      this.logger.debug("DENM not counted for consensus", { error: errorMessage(error) });
      return;
    }
    if (confirmed) void this.onConfirmed(confirmed, true);
  }

  private async onConfirmed(event: ConfirmedEvent, ours: boolean): Promise<void> {
    if (this.events.some((e) => e.eventId === event.eventId)) return;
    this.events.push(event);
    if (this.events.length > 1000) this.events.shift();
    this.metrics.inc("amc_edge_events_confirmed_total", { source: ours ? "local" : "peer" });
    this.logger.info("event confirmed", {
      eventId: event.eventId,
      causeCode: event.causeCode,
      reporters: event.reporters,
      source: ours ? "local" : "peer",
    });
    const { reports: _reports, ...record } = event;
    const frame = sdk.encodeFrame({
      type: "event",
      eventId: record.eventId,
      causeCode: record.causeCode,
      subCauseCode: record.subCauseCode,
      latitude: record.latitude,
      longitude: record.longitude,
      firstSeen: record.firstSeen,
      confirmedAt: record.confirmedAt,
      reporters: record.reporters,
      cell: this.config.cell,
    });
    for (const session of this.sessions)
      if (session.admitted && session.socket.readyState === WebSocket.OPEN) session.socket.send(frame);
    if (!ours) return;
    await this.journal.appendEvent({ eventId: event.eventId, json: stringify(record) });
    this.anchorer.recordEvent(record);
    // Neighbouring cells' RSUs (and our cell's others) learn of it, signed by our DID key.
    const body = JSON.stringify({ ...record, cell: this.config.cell, kid: this.config.identity.kid });
    const signature = sign("sha256", Buffer.from(body), {
      key: this.config.identity.signingKey,
      dsaEncoding: "ieee-p1363",
    }).toString("hex");
    for (const peer of this.config.peers())
      if (peer.name !== this.config.name)
        void post(`${peer.url}/v1/peer/events`, stringify({ body, signature })).catch(() => undefined);
  }

  // ---- HTTP ----

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (request.method === "GET" && path === "/health") return json(response, 200, this.health());
    if (request.method === "GET" && path === "/metrics") {
      this.refreshGauges();
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      return void response.end(this.metrics.render());
    }
    const proof = path.match(/^\/proofs\/(0x[0-9a-fA-F]{64})$/);
    if (request.method === "GET" && proof) return this.serveProof(response, proof[1] as Hex);
    if (request.method === "GET" && path.startsWith("/proofs/"))
      return problem(response, 400, "Bad message hash", "expected /proofs/0x followed by 64 hex digits");
    if (request.method === "GET" && path === "/v1/events") return json(response, 200, { events: this.events });
    if (request.method === "POST" && (path === "/v1/fl/contributions" || path === "/v1/fl/aggregate"))
      return this.federated(path, request, response);
    if (request.method === "POST" && path === "/v1/peer/reports") return this.peerReport(request, response);
    if (request.method === "POST" && path === "/v1/peer/events") return this.peerEvent(request, response);
    problem(response, 404, "Not found", `no route for ${request.method} ${path}`);
  }

  health() {
    const unanchored = this.journal.unanchored();
    return {
      status: this.anchorer.fatal ? "degraded" : "ok",
      rsu: this.config.name,
      did: this.config.identity.did,
      cell: this.config.cell,
      ws: this.wsUrl,
      submitter: this.anchorer.account.address,
      sessions: [...this.sessions].filter((s) => s.admitted).length,
      logged: this.journal.state.nextSeq,
      unbatched: this.journal.state.unbatched.length,
      unanchoredBatches: unanchored.length,
      lastAnchorAt: this.anchorer.lastAnchorAt || null,
      chainError: this.anchorer.lastError ?? null,
      fatal: this.anchorer.fatal ?? null,
      revocations: this.watcher.entries,
    };
  }

  private refreshGauges(): void {
    this.metrics.set("amc_edge_queue_depth", { stage: "unbatched" }, this.journal.state.unbatched.length);
    const unanchored = this.journal.unanchored();
    this.metrics.set(
      "amc_edge_queue_depth",
      { stage: "unanchored" },
      unanchored.reduce((n, b) => n + b.count, 0),
    );
    const oldest = unanchored[0]?.fromTime ?? this.journal.state.unbatched[0]?.receivedAt;
    this.metrics.set("amc_edge_anchor_lag_seconds", {}, oldest ? (Date.now() - oldest) / 1000 : 0);
    this.metrics.set("amc_edge_wal_fsyncs", {}, this.journal.stats().fsyncs);
  }

  private async serveProof(response: ServerResponse, hash: Hex): Promise<void> {
    const located = this.journal.state.index.get(hash.toLowerCase() as Hex);
    if (!located) return problem(response, 404, "Unknown message", `this RSU logged no message ${hash}`);
    const batch = located.batchId === undefined ? undefined : this.journal.state.batches[located.batchId];
    const anchored = batch?.anchor;
    if (located.batchId === undefined || !batch || !anchored)
      return json(response, 202, { status: "pending", messageHash: hash, detail: "logged; not yet anchored" });
    const merkle = this.journal.proof(hash);
    if (!merkle) return problem(response, 500, "Inconsistent journal", `no proof for ${hash}`);
    let extra = this.proofCache.get(located.batchId);
    if (!extra) {
      const receipt = await this.client.getTransactionReceipt({ hash: anchored.txHash });
      let signature: Hex | undefined;
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== this.config.contracts.dataAnchor.toLowerCase()) continue;
        const decoded = decodeEventLog({ abi: dataAnchorAbi, data: log.data, topics: log.topics });
        if (decoded.eventName === "BatchAnchored" && Number(decoded.args.batchId) === located.batchId)
          signature = decoded.args.signature;
      }
      if (!signature) return problem(response, 500, "Anchor not found", `no BatchAnchored log in ${anchored.txHash}`);
      extra = { signature, blockHash: receipt.blockHash, submitter: this.anchorer.account.address };
      this.proofCache.set(located.batchId, extra);
      if (this.proofCache.size > 256) this.proofCache.delete(this.proofCache.keys().next().value as number);
    }
    const proof: sdk.MessageProof = {
      version: 1,
      messageHash: hash,
      leaf: merkle.leaf,
      index: merkle.index,
      proof: merkle.proof,
      root: merkle.root,
      batch: {
        submitter: extra.submitter,
        batchId: located.batchId,
        count: batch.count,
        fromTime: batch.fromTime,
        toTime: batch.toTime,
        rsuDid: this.config.identity.didId,
        signature: extra.signature,
      },
      anchor: {
        chainId: this.config.chain.chainId,
        dataAnchor: this.config.contracts.dataAnchor,
        txHash: anchored.txHash,
        blockNumber: anchored.blockNumber,
        blockHash: extra.blockHash,
      },
    };
    json(response, 200, proof);
  }

  /** Federated learning: collect the cell's encoded updates, aggregate them on request (fl.ts). */
  private async federated(path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request, 8 * 1024 * 1024);
    if (!body) return problem(response, 400, "Bad request", "expected a JSON object of at most 8 MiB");
    try {
      if (path === "/v1/fl/contributions") return json(response, 202, this.fl.contribute(body));
      return json(response, 200, this.fl.aggregate(body));
    } catch (error) {
      return problem(response, 400, "Refused", errorMessage(error));
    }
  }

  private async peerReport(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    if (!body || typeof body.spdu !== "string" || typeof body.ticket !== "string")
      return problem(response, 400, "Bad report", "expected {spdu, ticket} as hex strings");
    let ticket: Certificate;
    try {
      ticket = CertificateCodec.decode(hexBytes(body.ticket));
    } catch (error) {
      return problem(response, 400, "Bad ticket", errorMessage(error));
    }
    const check = this.checkTicket(ticket);
    if (!check.ok) return problem(response, 422, "Ticket refused", `${check.reason}: ${check.detail}`);
    const ticketId = toHex(certificateDigest(ticket));
    if (!this.knownTickets.has(ticketId)) {
      await this.pool.addCertificates([ticket]);
      this.knownTickets.set(ticketId, ticket);
    }
    const spdu = hexBytes(body.spdu);
    const result = await this.pool.verify(spdu);
    if (!result.ok) return problem(response, 422, "Report refused", `${result.reason}: ${result.detail}`);
    if (result.signerDigest !== ticketId || result.psid !== DENM_PSID)
      return problem(response, 422, "Report refused", "not a DENM signed by this ticket");
    const report = this.reportOf(spdu, result.messageHash ?? keccak256(spdu), ticket, result);
    if (report) this.onReport(report);
    json(response, 202, { accepted: Boolean(report) });
  }

  private async peerEvent(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const envelope = await readJson(request);
    if (!envelope || typeof envelope.body !== "string" || typeof envelope.signature !== "string")
      return problem(response, 400, "Bad event", "expected {body, signature}");
    let event: ConfirmedEventRecord & { cell: string; kid: string };
    try {
      event = JSON.parse(envelope.body);
    } catch {
      return problem(response, 400, "Bad event", "body is not JSON");
    }
    const key = typeof event.kid === "string" ? await this.config.resolveRsuKey(event.kid) : undefined;
    if (
      !key ||
      !verify("sha256", Buffer.from(envelope.body), { key, dsaEncoding: "ieee-p1363" }, hexBytes(envelope.signature))
    )
      return problem(response, 401, "Unknown sender", "the event is not signed by a known RSU");
    if (!this.ring.has(event.cell)) return problem(response, 422, "Not a neighbour", `cell ${event.cell}`);
    await this.onConfirmed({ ...event, reports: [] } as ConfirmedEvent, false);
    json(response, 202, { accepted: true });
  }
}

// ---- helpers ----

const ZERO32 = new Uint8Array(32);

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex"));
}

/** Time64 (TAI µs since 2004, as the pool reports it in decimal) → Unix ms. */
const time64ToMs = (time64: string | bigint): number => time64ToUnixMs(BigInt(time64));

/** A ticket's slot: linkage period and validity start (one ticket per vehicle per slot). */
function slotOf(ticket: Certificate): string {
  const linkage = ticketLinkage(ticket);
  return `${linkage?.period ?? "x"}:${ticket.toBeSigned.validityPeriod.start}`;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(stringify(body));
}

/** RFC 9457 problem details. */
function problem(response: ServerResponse, status: number, title: string, detail: string): void {
  response.writeHead(status, { "content-type": "application/problem+json" });
  response.end(stringify({ type: "about:blank", title, status, detail }));
}

async function readJson(request: IncomingMessage, limit = 256 * 1024): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return value && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

async function post(url: string, body: string): Promise<void> {
  await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    signal: AbortSignal.timeout(5_000),
  });
}
