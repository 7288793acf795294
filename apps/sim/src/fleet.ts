// The driving fleet (DESIGN.md §5): the traffic engine moves vehicles over the road network every 100 ms of wall
// clock (simulated time = wall time); each engine vehicle is played by a platform vehicle (Citizens), whose OBU
// connects to the nearest RSU of its H3 cell, streams signed CAMs (ETSI EN 302 637-2) at camHz, hands over with
// the previous cell's ADMISSION when it crosses into a neighbouring served cell, goes silent out of coverage,
// changes pseudonym (ticket, StationID, fresh connection) at each ticket slot boundary, and reports simulated
// hazards in DENMs (ETSI EN 302 637-3). Owned vehicles upload trip summaries; the insurer reads them now and then.
// Every state also feeds the OBD recorder that federated learning reads (signals.ts).
//
// The loop never drifts: ticks are scheduled at start + n × step; a tick that comes late by more than a step drops
// the steps it missed (counted in `skippedSteps`) instead of running them in a burst.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type EdgeEvent, ObuClient, type SendResult, signCam } from "@amc/sdk";
import { errorMessage, type Logger, writeFileAtomic } from "@amc/utils";
import type { Hex } from "viem";
import type { ActiveTicket, Citizens } from "./citizens.js";
import { type Coverage, cellOf, decideLink, distanceMeters, type PlacedRsu } from "./coverage.js";
import { type Hazard, HazardField, signHazardReport } from "./hazards.js";
import type { RoadNetwork } from "./network.js";
import { mulberry32, type Rng } from "./rng.js";
import { ObdRecorder } from "./signals.js";
import type { VehicleRecord } from "./state.js";
import type { TrafficEngine, VehicleState } from "./traffic.js";
import { TripRecorder } from "./trips.js";

export const STEP_MS = 100;
/** How many accepted message hashes `recent()` keeps. */
export const RECENT_LIMIT = 200;

export type FleetOptions = {
  net: RoadNetwork;
  coverage: Coverage;
  engine: TrafficEngine;
  citizens: Citizens;
  logger: Logger;
  camHz: number;
  seed: number;
  hazardEverySeconds: number;
  uploadEverySeconds: number;
  /** The RSUs' consensus parameters (services.edge). */
  edge: { k: number; radiusMeters: number; windowMs: number; admissionTtlMs: number };
  /** Where each vehicle's OBD CSV is written every minute. */
  obdDir: string;
  /** A hazard is reported by vehicles passing within this distance (default 100 m). */
  reportRadiusMeters?: number;
  /** A hazard disappears after this long (default 4 minutes). */
  hazardLifetimeMs?: number;
};

export type RecentMessage = { hash: Hex; rsu: string; kind: "cam" | "denm"; at: number };

export type Counters = {
  cams: number;
  denms: number;
  rejected: number;
  handovers: number;
  uploads: number;
  reads: number;
  /** Reads the gateway refused (a revoked or expired consent, an erased object). */
  readsRefused: number;
  eventsConfirmed: number;
};

type Driven = {
  record: VehicleRecord;
  engineId: string | undefined;
  state: VehicleState | undefined;
  obu: ObuClient | undefined;
  rsu: PlacedRsu | undefined;
  ticketKey: string | undefined;
  connecting: boolean;
  retryAt: number;
  lastAdmission: { cell: string; at: number; bytes: Uint8Array } | undefined;
  camCredit: number;
  denmSeq: number;
  trip: TripRecorder;
  nextUploadAt: number;
  uploading: boolean;
  lastObjectId: Hex | undefined;
};

const wsUrl = (rsu: PlacedRsu) => `${rsu.url.replace(/^http/, "ws")}/v2x`;

export class Fleet {
  readonly counters: Counters = {
    cams: 0,
    denms: 0,
    rejected: 0,
    handovers: 0,
    uploads: 0,
    reads: 0,
    readsRefused: 0,
    eventsConfirmed: 0,
  };
  /** Refusals by ACK status name, and send failures by connection error code ("error:<code>"). */
  readonly rejectedBy: Record<string, number> = {};
  /** Pseudonym changes (ticket slot boundaries), RSU switches inside a cell, skipped loop steps, engine re-entries. */
  readonly stats = { pseudonymChanges: 0, rsuSwitches: 0, skippedSteps: 0, steps: 0, connectFailures: 0, teleports: 0 };
  readonly obd = new ObdRecorder();
  readonly hazards: HazardField;
  readonly #recent: RecentMessage[] = [];
  readonly #driven: Driven[];
  readonly #byEngineId = new Map<string, Driven>();
  /** Platform vehicles not playing an engine vehicle, in the order they are handed out. */
  readonly #pool: Driven[];
  readonly #confirmedEvents = new Set<string>();
  readonly #rng: Rng;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopping = false;
  #time = 0;
  #startedAt = 0;
  #tick = 0;
  #nextTicketsAt = 0;
  #ticketsBusy = false;
  #nextObdAt = 0;
  #nextReadAt = 0;
  #readCursor = 0;
  #nextSummaryAt = 0;
  #lastSummary = { at: 0, cams: 0 };
  #stopped: Promise<void> | undefined;

  constructor(readonly options: FleetOptions) {
    this.#rng = mulberry32(options.seed ^ 0x5eed);
    this.#log = options.logger;
    this.hazards = new HazardField({
      rng: mulberry32(options.seed ^ 0xa2a2d),
      everySeconds: options.hazardEverySeconds,
      lifetimeMs: options.hazardLifetimeMs ?? 240_000,
      reportRadiusMeters: options.reportRadiusMeters ?? 100,
      matchRadiusMeters: options.edge.radiusMeters,
    });
    this.#driven = options.citizens.vehicles.map((record) => ({
      record,
      engineId: undefined,
      state: undefined,
      obu: undefined,
      rsu: undefined,
      ticketKey: undefined,
      connecting: false,
      retryAt: 0,
      lastAdmission: undefined,
      camCredit: 0,
      denmSeq: 0,
      trip: new TripRecorder(),
      nextUploadAt: 0,
      uploading: false,
      lastObjectId: undefined,
    }));
    this.#pool = [...this.#driven];
  }

  get running(): boolean {
    return this.#running;
  }

  /** Simulated seconds since the start. */
  get time(): number {
    return this.#time;
  }

  /** Starts the loop (steps on a fixed wall-clock grid). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startedAt = Date.now();
    const upload = this.options.uploadEverySeconds * 1000;
    // Spread the first uploads over one interval so they do not all hit the gateway at once.
    for (const d of this.#driven) d.nextUploadAt = this.#startedAt + upload * (0.3 + 0.7 * this.#rng());
    this.#nextReadAt = this.#startedAt + upload * 1.2;
    this.#nextObdAt = this.#startedAt + 60_000;
    this.#nextSummaryAt = this.#startedAt + 30_000;
    this.#lastSummary = { at: this.#startedAt, cams: 0 };
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopping) return;
    const due = this.#startedAt + this.#tick * STEP_MS;
    this.#timer = setTimeout(() => void this.#run(), Math.max(0, due - Date.now()));
  }

  async #run(): Promise<void> {
    const late = Date.now() - (this.#startedAt + this.#tick * STEP_MS);
    if (late >= STEP_MS) {
      const missed = Math.floor(late / STEP_MS);
      this.stats.skippedSteps += missed;
      this.#tick += missed;
    }
    this.#tick++;
    try {
      await this.step(Date.now());
    } catch (error) {
      this.#log.error("simulation step failed", { error: errorMessage(error) });
    }
    this.#schedule();
  }

  /** One step: move the traffic, then let every vehicle act. Exposed for tests that drive the clock by hand. */
  async step(now: number): Promise<void> {
    const states = await this.options.engine.step();
    if (this.#stopping) return;
    this.stats.steps++;
    const seen = new Set<string>();
    for (const state of states) {
      seen.add(state.id);
      this.#time = Math.max(this.#time, state.time);
      let d = this.#byEngineId.get(state.id);
      if (!d) {
        d = this.#pool.shift();
        if (!d) continue; // more engine vehicles than platform vehicles: the extra ones stay anonymous
        d.engineId = state.id;
        this.#byEngineId.set(state.id, d);
      }
      const previous = d.state;
      if (previous) {
        // The builtin engine re-enters a vehicle that left at a dead end elsewhere under the same id. To the RSU
        // that is a jump no car can make (`implausible`), so the OBU goes quiet for as long as the drive would take.
        const jump = distanceMeters(previous.lat, previous.lon, state.lat, state.lon);
        if (jump > 50 + 70 * Math.max(0, state.time - previous.time)) {
          this.#release(d);
          d.lastAdmission = undefined;
          d.retryAt = now + Math.min(60_000, (jump / 60) * 1000);
          this.stats.teleports++;
        }
      }
      d.state = state;
    }
    for (const [id, d] of this.#byEngineId)
      if (!seen.has(id)) {
        // The engine vehicle left: its platform vehicle parks and goes back to the pool.
        this.#byEngineId.delete(id);
        this.#release(d);
        this.#pool.push(d);
      }

    const unixS = now / 1000;
    const stepS = STEP_MS / 1000;
    const active: { d: Driven; state: VehicleState; cell: string }[] = [];
    for (const d of this.#byEngineId.values()) {
      const state = d.state;
      if (!state) continue;
      const cell = cellOf(state.lat, state.lon);
      active.push({ d, state, cell });
      this.obd.push({ ...state, id: d.record.did });
      d.trip.push({ time: state.time, speed: state.speed, acceleration: state.acceleration, cell }, now);

      const ticket = this.options.citizens.activeTicket(d.record, unixS);
      if (d.obu && ticket?.key !== d.ticketKey) {
        // Slot boundary: a new pseudonym. The admission belonged to the old ticket, so the next one is fresh.
        this.stats.pseudonymChanges++;
        this.#release(d);
      }
      if (!ticket) continue;
      if (!d.connecting && now >= d.retryAt) {
        const decision = decideLink({
          current: d.rsu,
          lat: state.lat,
          lon: state.lon,
          rsus: this.options.coverage.rsus,
          lastAdmission: d.lastAdmission,
          now,
          admissionTtlMs: this.options.edge.admissionTtlMs,
          hysteresisMeters: 150,
        });
        if (decision.action === "disconnect") this.#release(d);
        else if (decision.action === "connect") void this.#connect(d, decision.rsu, decision.handover, ticket);
      }
      if (d.obu?.admitted && d.rsu) {
        d.camCredit = Math.min(2, d.camCredit + this.options.camHz * stepS);
        if (d.camCredit >= 1) {
          d.camCredit -= 1;
          const spdu = signCam({
            signer: ticket.signer,
            stationId: ticket.stationId,
            position: { latitude: state.lat, longitude: state.lon },
            speed: Math.max(0, state.speed),
            heading: state.heading,
            time: now,
          });
          this.#send(d.obu, d.rsu, "cam", spdu);
        }
      }
    }

    const covered = (lat: number, lon: number) => {
      const cell = cellOf(lat, lon);
      return this.options.coverage.rsus.some((r) => r.cell === cell) ? cell : undefined;
    };
    const vehicles = active.map(({ d, state }) => ({
      key: d.record.did,
      lat: state.lat,
      lon: state.lon,
      x: state.x,
      y: state.y,
      edge: state.edge,
      d,
    }));
    const reporters = vehicles.filter((v) => v.d.obu?.admitted && covered(v.lat, v.lon));
    const { spawned, reports } = this.hazards.tick(now, this.options.net, vehicles, reporters, covered);
    if (spawned)
      this.#log.info("hazard appeared", {
        id: spawned.id,
        causeCode: spawned.causeCode,
        lat: spawned.lat.toFixed(6),
        lon: spawned.lon.toFixed(6),
        cell: spawned.cell,
        edge: spawned.edge,
      });
    for (const { hazard, vehicle } of reports) this.#report(hazard, vehicle.d, unixS, now);

    this.#background(now);
  }

  #report(hazard: Hazard, d: Driven, unixS: number, now: number): void {
    const ticket = this.options.citizens.activeTicket(d.record, unixS);
    const state = d.state;
    if (!ticket || !state || !d.obu?.admitted || !d.rsu) return;
    hazard.reporters.add(d.record.did);
    const spdu = signHazardReport({
      signer: ticket.signer,
      stationId: ticket.stationId,
      causeCode: hazard.causeCode,
      subCauseCode: hazard.subCauseCode,
      event: { latitude: hazard.lat, longitude: hazard.lon },
      station: { latitude: state.lat, longitude: state.lon },
      sequenceNumber: d.denmSeq++ & 0xffff,
      time: now,
    });
    this.#send(d.obu, d.rsu, "denm", spdu);
    this.#log.debug("hazard reported", { hazard: hazard.id, by: d.record.did, rsu: d.rsu.name });
  }

  #send(obu: ObuClient, rsu: PlacedRsu, kind: "cam" | "denm", spdu: Uint8Array): void {
    obu.send(spdu).then(
      (result: SendResult) => {
        if (result.statusName === "accepted") {
          if (kind === "cam") this.counters.cams++;
          else this.counters.denms++;
          this.#recent.push({ hash: result.messageHash, rsu: rsu.name, kind, at: Date.now() });
          if (this.#recent.length > RECENT_LIMIT) this.#recent.splice(0, this.#recent.length - RECENT_LIMIT);
        } else {
          this.counters.rejected++;
          this.rejectedBy[result.statusName] = (this.rejectedBy[result.statusName] ?? 0) + 1;
        }
      },
      (error: unknown) => {
        const code =
          error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "timeout";
        this.rejectedBy[`error:${code}`] = (this.rejectedBy[`error:${code}`] ?? 0) + 1;
      },
    );
  }

  async #connect(d: Driven, rsu: PlacedRsu, handover: boolean, ticket: ActiveTicket): Promise<void> {
    d.connecting = true;
    const previousObu = d.obu;
    const previousRsu = d.rsu;
    const obu = new ObuClient({ window: 64, ackTimeoutMs: 15_000, handshakeTimeoutMs: 8000 });
    obu.onEvent((event) => this.#onEvent(event));
    obu.onClose((info) => {
      if (d.obu !== obu) return;
      d.obu = undefined;
      d.rsu = undefined;
      d.ticketKey = undefined;
      if (!this.#stopping && info.code !== "closed") {
        this.#log.warn("RSU closed the session", { did: d.record.did, rsu: rsu.name, code: info.code });
        d.retryAt = Date.now() + 2000;
      }
    });
    try {
      const admitted = await obu.connect(wsUrl(rsu), {
        ticket: ticket.signer.certificate,
        privateKey: ticket.signer.privateKey,
        ...(handover && d.lastAdmission ? { previousAdmission: d.lastAdmission.bytes } : {}),
      });
      if (this.#stopping || d.engineId === undefined) {
        await obu.close();
        return;
      }
      d.obu = obu;
      d.rsu = rsu;
      d.ticketKey = ticket.key;
      d.lastAdmission = { cell: rsu.cell, at: Date.now(), bytes: admitted.admission };
      if (handover) {
        this.counters.handovers++;
        this.#log.info("handover", { did: d.record.did, from: previousRsu?.name ?? null, to: rsu.name });
      } else if (previousRsu && previousRsu.cell === rsu.cell) this.stats.rsuSwitches++;
      // Make before break: the old session closes once its last messages had time to be acknowledged.
      if (previousObu) setTimeout(() => void previousObu.close().catch(() => undefined), 1000).unref();
    } catch (error) {
      this.stats.connectFailures++;
      // A refused handover is retried as a fresh admission.
      if (handover) d.lastAdmission = undefined;
      d.retryAt = Date.now() + 3000;
      this.#log.warn("could not connect to the RSU", {
        did: d.record.did,
        rsu: rsu.name,
        handover,
        error: errorMessage(error),
      });
    } finally {
      d.connecting = false;
    }
  }

  /** Closes the vehicle's session (out of coverage, pseudonym change, or the engine vehicle left). */
  #release(d: Driven): void {
    const obu = d.obu;
    d.obu = undefined;
    d.rsu = undefined;
    d.ticketKey = undefined;
    d.camCredit = 0;
    if (obu) void obu.close().catch(() => undefined);
    if (d.engineId !== undefined && !this.#byEngineId.has(d.engineId)) {
      d.engineId = undefined;
      d.state = undefined;
      d.lastAdmission = undefined;
    }
  }

  #onEvent(event: EdgeEvent): void {
    const hazard = this.hazards.confirm(event);
    if (!hazard || this.#confirmedEvents.has(event.eventId)) return;
    this.#confirmedEvents.add(event.eventId);
    this.counters.eventsConfirmed++;
    this.#log.info("hazard confirmed by the edge", {
      hazard: hazard.id,
      eventId: event.eventId,
      reporters: event.reporters,
      cell: event.cell,
      afterSeconds: ((Date.now() - hazard.startedAt) / 1000).toFixed(1),
    });
  }

  /** Work that is not per step: tickets, uploads, reads, OBD files, a periodic summary line. */
  #background(now: number): void {
    const { citizens } = this.options;
    if (now >= this.#nextTicketsAt && !this.#ticketsBusy) {
      this.#nextTicketsAt = now + 10_000;
      this.#ticketsBusy = true;
      void (async () => {
        for (const d of this.#driven)
          await citizens.refreshTickets(d.record, Date.now() / 1000).catch((error: unknown) => {
            this.#log.warn("ticket renewal failed", { did: d.record.did, error: errorMessage(error) });
          });
      })().finally(() => {
        this.#ticketsBusy = false;
      });
    }
    const interval = this.options.uploadEverySeconds * 1000;
    for (const d of this.#driven) {
      if (!d.record.owned || d.uploading || now < d.nextUploadAt) continue;
      const summary = d.trip.summary(now);
      if (!summary) continue;
      d.uploading = true;
      d.nextUploadAt = now + interval * (0.8 + 0.4 * this.#rng());
      void citizens
        .upload(d.record, { type: "trip-summary", vehicle: d.record.did, ...summary })
        .then(
          (stored) => {
            d.trip.reset();
            d.lastObjectId = stored.objectId;
            this.counters.uploads++;
            this.#log.info("trip summary uploaded", {
              did: d.record.did,
              objectId: stored.objectId,
              distanceMetres: summary.distanceMetres,
              hardBrakings: summary.hardBrakings,
            });
          },
          (error: unknown) => this.#log.warn("upload failed", { did: d.record.did, error: errorMessage(error) }),
        )
        .finally(() => {
          d.uploading = false;
        });
    }
    if (now >= this.#nextReadAt) {
      this.#nextReadAt = now + interval * (0.5 + 0.5 * this.#rng());
      const candidates = this.#driven.filter((d) => d.lastObjectId && d.record.consent);
      const d = candidates[this.#readCursor++ % Math.max(1, candidates.length)];
      const objectId = d?.lastObjectId;
      if (d && objectId)
        void citizens.insurerRead(d.record, objectId).then(
          (read) => {
            this.counters.reads++;
            this.#log.info("insurer read a trip summary", { did: d.record.did, objectId, disclosure: read.seq });
          },
          (error: unknown) => {
            this.counters.readsRefused++;
            this.#log.warn("insurer read refused", { did: d.record.did, error: errorMessage(error) });
          },
        );
    }
    if (now >= this.#nextObdAt) {
      this.#nextObdAt = now + 60_000;
      this.writeObdFiles();
    }
    if (now >= this.#nextSummaryAt) {
      const seconds = (now - this.#lastSummary.at) / 1000;
      this.#log.info("fleet", {
        driving: this.#byEngineId.size,
        connected: this.#driven.filter((d) => d.obu?.admitted).length,
        camsPerSecond: ((this.counters.cams - this.#lastSummary.cams) / seconds).toFixed(1),
        ...this.counters,
        rejectedBy: this.rejectedBy,
        ...this.stats,
      });
      this.#lastSummary = { at: now, cams: this.counters.cams };
      this.#nextSummaryAt = now + 30_000;
    }
  }

  /** Writes every vehicle's OBD CSV to the obd folder (atomically, one file per vehicle). */
  writeObdFiles(): void {
    try {
      mkdirSync(this.options.obdDir, { recursive: true });
      for (const did of this.obd.vehicles())
        writeFileAtomic(join(this.options.obdDir, `${did.replaceAll(":", "_")}.csv`), this.obd.toCsv(did));
    } catch (error) {
      this.#log.warn("could not write the OBD files", { dir: this.options.obdDir, error: errorMessage(error) });
    }
  }

  /** The newest accepted messages first. */
  recent(limit: number): RecentMessage[] {
    return this.#recent.slice(-limit).reverse();
  }

  /** Whether `did` is one of this fleet's vehicles. */
  hasVehicle(did: string): boolean {
    return this.#driven.some((d) => d.record.did === did);
  }

  /** The /v1/sim/state view. */
  view() {
    return {
      time: Math.round(this.#time * 10) / 10,
      engine: this.options.engine.kind,
      running: this.#running && !this.#stopping,
      vehicles: [...this.#byEngineId.values()].flatMap((d) => {
        const s = d.state;
        if (!s || d.engineId === undefined) return [];
        return [
          {
            id: d.engineId,
            did: d.record.did,
            lat: s.lat,
            lon: s.lon,
            speed: s.speed,
            heading: s.heading,
            cell: cellOf(s.lat, s.lon),
            rsu: d.rsu?.name ?? null,
            connected: d.obu?.admitted ?? false,
          },
        ];
      }),
      counters: { ...this.counters, rejectedBy: { ...this.rejectedBy } },
      hazards: this.hazards.list().map((h) => ({
        id: h.id,
        causeCode: h.causeCode,
        lat: h.lat,
        lon: h.lon,
        startedAt: h.startedAt,
        reports: h.reporters.size,
        confirmed: h.confirmed,
        eventId: h.eventId,
      })),
    };
  }

  /** Stops the loop, closes every session, writes the OBD files (the engine is closed by its owner). */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      this.#running = false;
      if (this.#timer) clearTimeout(this.#timer);
      await Promise.all(this.#driven.map((d) => d.obu?.close().catch(() => undefined)));
      this.writeObdFiles();
    })();
    return this.#stopped;
  }
}
