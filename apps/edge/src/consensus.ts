// Consensus on information (DESIGN.md §5; `EventLedger` in docs/edge.md): a hazard reported in DENMs becomes a
// confirmed event when k distinct authorization tickets of one time slot report the same cause code close together
// in space and time. The RSU records confirmed events on its cell chain and broadcasts them to OBUs.
//
// Definitions (all in one place, because the RSU, its peers and the tests must agree on them):
// - Cluster: reports of one cause code whose positions lie within `radiusMeters` (haversine) of the cluster's
//   anchor, the position of the report that opened it. The anchor never moves: a centroid-anchored cluster could
//   be walked away by a chain of reports, each close to the last, until reports far apart combine. So members are
//   within r of the anchor and within 2r of each other. A report joins the nearest cluster whose anchor is in range.
// - Window: a cluster only holds reports received (RSU clock, `receivedAt`) within the last `windowMs`, so the
//   reports that confirm an event span at most `windowMs`. The clock is the largest `receivedAt` seen; a report
//   already older than the window when it arrives is ignored. `detectionTime` is the vehicle's word: it is used only
//   for `firstSeen`, clamped to [receivedAt − windowMs, receivedAt] so that one liar cannot move it further.
// - Counting: one vote per ticket (a ticket's latest report stands for it), and only tickets of the same slot count
//   together. A vehicle holds one ticket per slot but may hold tickets of several slots (the next slots' tickets are
//   issued ahead, and around a slot change both are valid), so k tickets of k different slots may be a single
//   vehicle; k distinct tickets of one slot are k vehicles. Price: near a slot boundary the votes split and
//   confirmation waits until k vehicles have reported in the new slot.
// - Once: a confirmed event absorbs every later report of its cause within `radiusMeters` of its centroid for
//   `windowMs` after the last one (attached, never re-confirmed), and pending clusters anchored that close.
//
// eventId = keccak256(abi.encode("AMC-event-v1", cell, causeCode, h3(first report, res 9), floor(firstSeen /
// windowMs))), the first report being the confirming report with the earliest (clamped) detection time. Two RSUs
// of a cell that confirm one hazard from overlapping report sets usually agree, because the earliest reporter is
// usually in both sets. Edge effects: when their earliest reports differ and fall on either side of a res-9 cell
// border (~174 m edge) or of a window boundary, the ids differ and the hazard is recorded twice; the ledger keeps
// both (they have the same cause, place and time), which readers can fold. An id is also remembered for as long as
// a later confirmation could still produce it (three windows), so this RSU never confirms the same id twice.
//
// reportsRoot is the Merkle root (OpenZeppelin standard tree, `standardLeafHash(["bytes32"], [messageHash])`
// leaves, sorted) of the confirming reports: the same leaf as in anchored batches (docs/edge.md), so a reader can
// prove that a given report backed the event with the same tools.

import { buildMerkleTree, standardLeafHash } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import { isValidCell, latLngToCell } from "h3-js";
import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import { haversineMeters } from "./plausibility.js";

/** A DENM that passed the pipeline's checks, as the consensus sees it. Positions in 1e-7°, times in Unix ms. */
export type DenmReport = {
  causeCode: number;
  subCauseCode: number;
  latitude: number;
  longitude: number;
  /** When the vehicle says it detected the hazard. */
  detectionTime: number;
  /** When the (first) RSU received the message, by the RSU's clock. */
  receivedAt: number;
  /** HashedId8 (hex) of the authorization ticket that signed the DENM. */
  ticket: string;
  /** The ticket's linkage period and slot, e.g. "1234:5": tickets of one slot belong to distinct vehicles. */
  slot: string;
  /** keccak256 of the SPDU bytes. */
  messageHash: Hex;
};

/** The same type under the short name the RSU service uses. */
export type Report = DenmReport;

/** A confirmed event, in the shape of `EventLedger.ConfirmedEvent` (less rsuDid and submitter). */
export type ConfirmedEvent = {
  eventId: Hex;
  causeCode: number;
  /** The most frequent sub-cause among the confirming reports (the smallest on a tie). */
  subCauseCode: number;
  /** Centroid of the confirming reports, 1e-7°. */
  latitude: number;
  longitude: number;
  /** Earliest clamped detection time of the confirming reports, ms. */
  firstSeen: number;
  /** The RSU clock when the event was confirmed, ms. */
  confirmedAt: number;
  /** Distinct tickets (of one slot) that confirmed it. */
  reporters: number;
  /** messageHashes of the confirming reports, sorted ascending. */
  reports: Hex[];
  reportsRoot: Hex;
};

export type EventConsensusConfig = {
  /** Distinct tickets of one slot needed to confirm (>= 2). */
  k: number;
  /** H3 index (string) of the RSU's cell; part of every eventId. */
  cell: string;
  /** Distance from a cluster's anchor within which reports combine, metres (default 300). */
  radiusMeters?: number;
  /** Time within which reports combine, ms (default 60 000). */
  windowMs?: number;
  /** Pending clusters kept at most; the least recently updated is dropped first (default 1 024). */
  maxClusters?: number;
  /** Tickets kept per cluster; the least recently reporting is dropped first (default 64, >= k). */
  maxReportsPerCluster?: number;
  /** Confirmed events kept for attaching, and ids remembered (default 1 024 each). */
  maxEvents?: number;
  /** messageHashes remembered for deduplication (default 65 536). */
  maxSeen?: number;
};

/** A confirmed event still absorbing reports. */
export type ActiveEvent = { event: ConfirmedEvent; lastReportAt: number; attachedReports: number };

export type ConsensusStats = { clusters: number; reports: number; events: number; seen: number; ids: number };

/** Domain tag of eventIds, so that no other keccak of the same fields can collide with one. */
export const EVENT_ID_DOMAIN = "AMC-event-v1";
/** H3 resolution of the first report's position in an eventId (~174 m hexagon edge). */
export const EVENT_ID_RESOLUTION = 9;

/**
 * The deterministic id of an event: see the header of this file.
 *
 * @example
 * eventIdOf({ cell, causeCode: 3, latitude: 487_000_000, longitude: 23_000_000, firstSeen, windowMs: 60_000 });
 */
export function eventIdOf(parameters: {
  cell: string;
  causeCode: number;
  latitude: number;
  longitude: number;
  firstSeen: number;
  windowMs: number;
}): Hex {
  const { cell, causeCode, latitude, longitude, firstSeen, windowMs } = parameters;
  const place = latLngToCell(latitude / 1e7, longitude / 1e7, EVENT_ID_RESOLUTION);
  const bucket = BigInt(Math.floor(firstSeen / windowMs));
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "string" }, { type: "uint16" }, { type: "string" }, { type: "uint64" }],
      [EVENT_ID_DOMAIN, cell, causeCode, place, bucket],
    ),
  );
}

/** The Merkle root over report messageHashes (order does not matter: leaves are sorted). */
export function reportsRootOf(messageHashes: readonly Hex[]): Hex {
  return buildMerkleTree(messageHashes.map((hash) => standardLeafHash(["bytes32"], [hash]))).root;
}

type Cluster = {
  readonly causeCode: number;
  readonly latitude: number;
  readonly longitude: number;
  /** Latest report per ticket, least recently reporting first. */
  readonly byTicket: Map<string, DenmReport>;
  touchedAt: number;
};

type Active = { event: ConfirmedEvent; lastReportAt: number; attachedReports: number };

const HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * Confirms hazards from DENM reports of distinct tickets. Feed it every verified DENM (`report`) and the reports
 * peer RSUs forward (`merge`); each returns the events that became confirmed, once each.
 *
 * Memory is bounded by the caps of the config: at most `maxClusters × maxReportsPerCluster` reports, `maxEvents`
 * events and ids, `maxSeen` hashes; everything also expires after a window (ids after three).
 *
 * @example
 * const consensus = new EventConsensus({ k: 3, cell: "871fb4662ffffff" });
 * const event = consensus.report(denm);
 * if (event) await ledger.record(event);
 */
export class EventConsensus {
  readonly k: number;
  readonly cell: string;
  readonly radiusMeters: number;
  readonly windowMs: number;
  readonly maxClusters: number;
  readonly maxReportsPerCluster: number;
  readonly maxEvents: number;
  readonly maxSeen: number;

  #now = Number.NEGATIVE_INFINITY;
  // Each map's insertion order follows the RSU clock, so expired entries gather at the front.
  readonly #seen = new Map<Hex, number>();
  readonly #clusters = new Set<Cluster>();
  readonly #active = new Map<Hex, Active>();
  readonly #ids = new Map<Hex, { event: ConfirmedEvent; until: number }>();

  constructor(config: EventConsensusConfig) {
    this.k = config.k;
    this.cell = config.cell;
    this.radiusMeters = config.radiusMeters ?? 300;
    this.windowMs = config.windowMs ?? 60_000;
    this.maxClusters = config.maxClusters ?? 1_024;
    this.maxReportsPerCluster = config.maxReportsPerCluster ?? Math.max(64, this.k);
    this.maxEvents = config.maxEvents ?? 1_024;
    this.maxSeen = config.maxSeen ?? 65_536;
    if (!Number.isSafeInteger(this.k) || this.k < 2 || this.k > 65_535)
      throw new InvalidInputError(`event consensus k must be an integer in [2, 65535], got ${this.k}`, {
        details: "with k = 1 a single vehicle could confirm an event alone",
        fix: "pass k >= 2 (EventLedger.minReporters() is the floor the chain enforces)",
      });
    if (typeof this.cell !== "string" || !isValidCell(this.cell))
      throw new InvalidInputError(`event consensus cell ${String(this.cell)} is not an H3 index`, {
        fix: 'pass the RSU\'s H3 cell as a string, e.g. "871fb4662ffffff"',
      });
    if (!(Number.isFinite(this.radiusMeters) && this.radiusMeters > 0))
      throw new InvalidInputError(`event consensus radiusMeters must be positive, got ${this.radiusMeters}`, {
        fix: "pass radiusMeters > 0",
      });
    if (!Number.isSafeInteger(this.windowMs) || this.windowMs < 1)
      throw new InvalidInputError(`event consensus windowMs must be a positive integer, got ${this.windowMs}`, {
        fix: "pass windowMs >= 1",
      });
    for (const [name, value, min] of [
      ["maxClusters", this.maxClusters, 1],
      ["maxReportsPerCluster", this.maxReportsPerCluster, this.k],
      ["maxEvents", this.maxEvents, 1],
      ["maxSeen", this.maxSeen, 1],
    ] as const)
      if (!Number.isSafeInteger(value) || value < min)
        throw new InvalidInputError(`event consensus ${name} must be an integer >= ${min}, got ${value}`, {
          fix: name === "maxReportsPerCluster" ? "a cluster must be able to hold k tickets" : `pass ${name} >= ${min}`,
        });
  }

  /**
   * Takes one verified DENM report. Returns the event it confirmed, or undefined (not yet enough tickets, attached
   * to an event already confirmed, a duplicate, or older than the window). Throws InvalidInputError on a report
   * whose fields are out of range (e.g. an unavailable position): the caller must filter those out.
   */
  report(report: DenmReport): ConfirmedEvent | undefined {
    validateReport(report);
    return this.#ingest(report);
  }

  /**
   * Takes reports forwarded by a peer RSU (same shape, the peer's `receivedAt`), deduplicated by messageHash
   * against everything seen, in receive order. Returns the events they confirmed.
   */
  merge(reports: readonly DenmReport[]): ConfirmedEvent[] {
    for (const report of reports) validateReport(report);
    const ordered = [...reports].sort(
      (a, b) => a.receivedAt - b.receivedAt || compare(a.messageHash.toLowerCase(), b.messageHash.toLowerCase()),
    );
    const confirmed: ConfirmedEvent[] = [];
    for (const report of ordered) {
      const event = this.#ingest(report);
      if (event) confirmed.push(event);
    }
    return confirmed;
  }

  /** Advances the clock to `now` (ms) and drops what expired; call it when no reports arrive for a while. */
  prune(now: number): void {
    this.#advance(now);
  }

  /** Confirmed events still absorbing reports. */
  activeEvents(): ActiveEvent[] {
    return [...this.#active.values()].map((a) => ({ ...a }));
  }

  /** What is held in memory (for metrics and tests). */
  stats(): ConsensusStats {
    let reports = 0;
    for (const cluster of this.#clusters) reports += cluster.byTicket.size;
    return {
      clusters: this.#clusters.size,
      reports,
      events: this.#active.size,
      seen: this.#seen.size,
      ids: this.#ids.size,
    };
  }

  #ingest(input: DenmReport): ConfirmedEvent | undefined {
    const report: DenmReport = { ...input, messageHash: `0x${input.messageHash.slice(2).toLowerCase()}` };
    if (report.receivedAt < this.#now - this.windowMs) return undefined;
    if (this.#seen.has(report.messageHash)) return undefined;
    this.#advance(report.receivedAt);
    this.#seen.set(report.messageHash, this.#now);
    if (this.#seen.size > this.maxSeen) deleteFirst(this.#seen);

    const active = this.#nearestActive(report);
    if (active) {
      this.#attach(active.event.eventId, active, 1);
      return undefined;
    }

    const cluster = this.#nearestCluster(report) ?? this.#open(report);
    cluster.byTicket.delete(report.ticket);
    if (cluster.byTicket.size >= this.maxReportsPerCluster) deleteFirst(cluster.byTicket);
    cluster.byTicket.set(report.ticket, report);
    this.#clusters.delete(cluster);
    this.#clusters.add(cluster);
    cluster.touchedAt = this.#now;

    const votes: DenmReport[] = [];
    for (const member of cluster.byTicket.values()) if (member.slot === report.slot) votes.push(member);
    if (votes.length < this.k) return undefined;
    return this.#confirm(cluster, votes);
  }

  #confirm(cluster: Cluster, votes: DenmReport[]): ConfirmedEvent | undefined {
    const clamped = (r: DenmReport) => Math.min(r.receivedAt, Math.max(r.receivedAt - this.windowMs, r.detectionTime));
    let first = votes[0]!;
    let latitude = 0;
    let longitude = 0;
    const subCauses = new Map<number, number>();
    for (const vote of votes) {
      const order = clamped(vote) - clamped(first) || compare(vote.messageHash, first.messageHash);
      if (order < 0) first = vote;
      latitude += vote.latitude;
      longitude += vote.longitude;
      subCauses.set(vote.subCauseCode, (subCauses.get(vote.subCauseCode) ?? 0) + 1);
    }
    let subCauseCode = first.subCauseCode;
    let best = 0;
    for (const [code, count] of subCauses)
      if (count > best || (count === best && code < subCauseCode)) [subCauseCode, best] = [code, count];

    const firstSeen = clamped(first);
    const eventId = eventIdOf({
      cell: this.cell,
      causeCode: cluster.causeCode,
      latitude: first.latitude,
      longitude: first.longitude,
      firstSeen,
      windowMs: this.windowMs,
    });
    this.#clusters.delete(cluster);
    const centroid = { latitude: Math.round(latitude / votes.length), longitude: Math.round(longitude / votes.length) };
    const absorbed = cluster.byTicket.size + this.#absorbClusters(cluster.causeCode, centroid);

    // The same id again (two clusters in one res-9 cell and window): the event is already confirmed, join it.
    const known = this.#active.get(eventId) ?? this.#ids.get(eventId);
    if (known) {
      const active = this.#active.get(eventId) ?? { event: known.event, lastReportAt: this.#now, attachedReports: 0 };
      this.#attach(eventId, active, absorbed);
      return undefined;
    }

    const reports = votes.map((v) => v.messageHash).sort(compare);
    const event: ConfirmedEvent = {
      eventId,
      causeCode: cluster.causeCode,
      subCauseCode,
      ...centroid,
      firstSeen,
      confirmedAt: this.#now,
      reporters: votes.length,
      reports,
      reportsRoot: reportsRootOf(reports),
    };
    this.#attach(eventId, { event, lastReportAt: this.#now, attachedReports: 0 }, absorbed - votes.length);
    // A later confirmation has firstSeen >= now − 2·window (live reports only, clamped), so once the clock passes
    // the end of this bucket plus two windows no confirmation can produce this id again.
    const bucket = Math.floor(firstSeen / this.windowMs);
    this.#ids.set(eventId, { event, until: (bucket + 3) * this.windowMs });
    if (this.#ids.size > this.maxEvents) deleteFirst(this.#ids);
    return event;
  }

  #attach(eventId: Hex, active: Active, reports: number): void {
    active.attachedReports += reports;
    active.lastReportAt = this.#now;
    this.#active.delete(eventId);
    this.#active.set(eventId, active);
    if (this.#active.size > this.maxEvents) deleteFirst(this.#active);
  }

  /** Drops pending clusters of `causeCode` anchored within the radius of a new event; returns their report count. */
  #absorbClusters(causeCode: number, at: { latitude: number; longitude: number }): number {
    let absorbed = 0;
    for (const cluster of this.#clusters)
      if (
        cluster.causeCode === causeCode &&
        haversineMeters(cluster.latitude, cluster.longitude, at.latitude, at.longitude) <= this.radiusMeters
      ) {
        absorbed += cluster.byTicket.size;
        this.#clusters.delete(cluster);
      }
    return absorbed;
  }

  #nearestActive(report: DenmReport): Active | undefined {
    let nearest: Active | undefined;
    let distance = Number.POSITIVE_INFINITY;
    for (const active of this.#active.values()) {
      if (active.event.causeCode !== report.causeCode) continue;
      const d = haversineMeters(active.event.latitude, active.event.longitude, report.latitude, report.longitude);
      if (d <= this.radiusMeters && d < distance) [nearest, distance] = [active, d];
    }
    return nearest;
  }

  #nearestCluster(report: DenmReport): Cluster | undefined {
    const cutoff = this.#now - this.windowMs;
    let nearest: Cluster | undefined;
    let distance = Number.POSITIVE_INFINITY;
    for (const cluster of this.#clusters) {
      if (cluster.causeCode !== report.causeCode) continue;
      const d = haversineMeters(cluster.latitude, cluster.longitude, report.latitude, report.longitude);
      if (d > this.radiusMeters || d >= distance) continue;
      for (const [ticket, member] of cluster.byTicket) if (member.receivedAt < cutoff) cluster.byTicket.delete(ticket);
      if (cluster.byTicket.size === 0) this.#clusters.delete(cluster);
      else [nearest, distance] = [cluster, d];
    }
    return nearest;
  }

  #open(report: DenmReport): Cluster {
    if (this.#clusters.size >= this.maxClusters) deleteFirst(this.#clusters);
    const cluster: Cluster = {
      causeCode: report.causeCode,
      latitude: report.latitude,
      longitude: report.longitude,
      byTicket: new Map(),
      touchedAt: this.#now,
    };
    this.#clusters.add(cluster);
    return cluster;
  }

  #advance(now: number): void {
    if (now <= this.#now) return;
    this.#now = now;
    const cutoff = now - this.windowMs;
    for (const [hash, at] of this.#seen) {
      if (at >= cutoff) break;
      this.#seen.delete(hash);
    }
    for (const cluster of this.#clusters) {
      if (cluster.touchedAt >= cutoff) break;
      this.#clusters.delete(cluster);
    }
    for (const [eventId, active] of this.#active) {
      if (active.lastReportAt >= cutoff) break;
      this.#active.delete(eventId);
    }
    for (const [eventId, id] of this.#ids) {
      if (id.until > now) break;
      this.#ids.delete(eventId);
    }
  }
}

function validateReport(report: DenmReport): void {
  const fail = (what: string, fix: string): never => {
    throw new InvalidInputError(`DENM report ${report.messageHash}: ${what}`, { fix });
  };
  if (typeof report.messageHash !== "string" || !HASH.test(report.messageHash))
    fail(`messageHash ${String(report.messageHash)} is not 32 bytes of hex`, "pass keccak256(spdu) as 0x hex");
  for (const field of ["causeCode", "subCauseCode"] as const)
    if (!Number.isInteger(report[field]) || report[field] < 0 || report[field] > 255)
      fail(`${field} ${report[field]} is not in [0, 255]`, "pass the DENM's cause codes as integers");
  if (!Number.isInteger(report.latitude) || Math.abs(report.latitude) > 900_000_000)
    fail(`latitude ${report.latitude} is not in ±900000000`, "drop DENMs whose position is unavailable");
  if (!Number.isInteger(report.longitude) || Math.abs(report.longitude) > 1_800_000_000)
    fail(`longitude ${report.longitude} is not in ±1800000000`, "drop DENMs whose position is unavailable");
  for (const field of ["detectionTime", "receivedAt"] as const)
    if (!Number.isSafeInteger(report[field]) || report[field] < 0)
      fail(`${field} ${report[field]} is not a Unix time in ms`, "pass times as non-negative integer ms");
  if (typeof report.ticket !== "string" || report.ticket.length === 0)
    fail("ticket is empty", "pass the HashedId8 of the authorization ticket");
  if (typeof report.slot !== "string" || report.slot.length === 0)
    fail("slot is empty", 'pass the ticket\'s "period:slot" key');
}

function deleteFirst<K>(collection: Map<K, unknown> | Set<K>): void {
  const first = collection.keys().next();
  if (!first.done) collection.delete(first.value);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
