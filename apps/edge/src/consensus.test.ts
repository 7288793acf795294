// Properties of EventConsensus (consensus.ts): k distinct tickets of one slot, within radius and window, confirm
// exactly once; nothing less does, whatever the order or volume; ids are deterministic; memory stays bounded.
import { buildMerkleTree, standardLeafHash } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { cellToLatLng, latLngToCell } from "h3-js";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { type ConfirmedEvent, type DenmReport, EventConsensus, eventIdOf, reportsRootOf } from "./consensus.js";
import { haversineMeters } from "./plausibility.js";

const W = 60_000;
const R = 300;
const T0 = 1_700_000_040_000; // an exact multiple of W: T0 .. T0 + W - 1 is one eventId bucket
const CELL = latLngToCell(48.7, 2.3, 7);
const center9 = cellToLatLng(latLngToCell(48.7, 2.3, 9));
const centerLat = Math.round(center9[0] * 1e7);
const centerLon = Math.round(center9[1] * 1e7);
const UNITS_PER_METER = 1e7 / ((6_371_008.8 * Math.PI) / 180);

/** The position `north`/`east` metres from the centre of a res-9 cell, in 1e-7°. */
const at = (north: number, east: number) => ({
  latitude: Math.round(centerLat + north * UNITS_PER_METER),
  longitude: Math.round(centerLon + (east * UNITS_PER_METER) / Math.cos((centerLat / 1e7) * (Math.PI / 180))),
});

let serial = 0;
const hashOf = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

type Spec = {
  ticket: string | number;
  slot?: string;
  time?: number;
  detection?: number;
  north?: number;
  east?: number;
  cause?: number;
};
const report = (spec: Spec): DenmReport => {
  const time = spec.time ?? T0;
  return {
    causeCode: spec.cause ?? 3,
    subCauseCode: 0,
    ...at(spec.north ?? 0, spec.east ?? 0),
    detectionTime: spec.detection ?? time,
    receivedAt: time,
    ticket: `t${spec.ticket}`,
    slot: spec.slot ?? "100:1",
    messageHash: hashOf(++serial),
  };
};

const consensus = (k: number, extra: Partial<ConstructorParameters<typeof EventConsensus>[0]> = {}) =>
  new EventConsensus({ k, cell: CELL, radiusMeters: R, windowMs: W, ...extra });

/** Feeds reports in order and returns every confirmation with the index of the report that caused it. */
const feed = (c: EventConsensus, reports: readonly DenmReport[]) => {
  const confirmed: { index: number; event: ConfirmedEvent }[] = [];
  reports.forEach((r, index) => {
    const event = c.report(r);
    if (event) confirmed.push({ index, event });
  });
  return confirmed;
};

// A point within `max` metres of the centre (each coordinate within max/√2).
const near = (max: number) =>
  fc.record({
    north: fc.integer({ min: -Math.floor(max / 1.42), max: Math.floor(max / 1.42) }),
    east: fc.integer({ min: -Math.floor(max / 1.42), max: Math.floor(max / 1.42) }),
  });
const k = fc.integer({ min: 2, max: 6 });

describe("EventConsensus: what confirms", () => {
  it("k tickets of one slot within radius and window confirm exactly once, at the k-th distinct ticket", () => {
    fc.assert(
      fc.property(
        k,
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ who: fc.nat(), dt: fc.integer({ min: 0, max: W - 1 }), where: near(R / 2) }), {
          minLength: 1,
          maxLength: 60,
        }),
        (k, extra, picks) => {
          const tickets = k + extra;
          // Every ticket reports at least once, then the picks repeat some of them.
          const specs = [
            ...Array.from({ length: tickets }, (_, i) => ({
              who: i,
              dt: (i * 7919) % W,
              where: { north: 0, east: 0 },
            })),
            ...picks,
          ];
          const reports = specs.map(({ who, dt, where }) => report({ ticket: who % tickets, time: T0 + dt, ...where }));
          const confirmed = feed(consensus(k), reports);
          expect(confirmed).toHaveLength(1);
          const { index, event } = confirmed[0]!;

          const distinctBefore = new Set(reports.slice(0, index).map((r) => r.ticket));
          expect(distinctBefore.size).toBe(k - 1);
          expect(distinctBefore.has(reports[index]!.ticket)).toBe(false);
          expect(event.reporters).toBe(k);
          expect(event.reports).toHaveLength(k);
          expect(event.reports).toEqual([...event.reports].sort());
          const fed = new Set(reports.slice(0, index + 1).map((r) => r.messageHash));
          for (const h of event.reports) expect(fed.has(h)).toBe(true);
          const leaves = event.reports.map((h) => standardLeafHash(["bytes32"], [h]));
          expect(event.reportsRoot).toBe(buildMerkleTree(leaves).root);
          expect(haversineMeters(event.latitude, event.longitude, centerLat, centerLon)).toBeLessThanOrEqual(R / 2);
          expect(event.confirmedAt).toBe(Math.max(...reports.slice(0, index + 1).map((r) => r.receivedAt)));
          expect(event.firstSeen).toBeLessThanOrEqual(event.confirmedAt);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the event carries the centroid, the earliest detection and the id of its earliest report", () => {
    const c = consensus(3);
    const reports = [
      report({ ticket: 1, time: T0 + 5_000, detection: T0 + 4_000, north: 100, east: 0 }),
      report({ ticket: 2, time: T0 + 6_000, detection: T0 + 1_000, north: -50, east: 30 }),
      report({ ticket: 3, time: T0 + 7_000, detection: T0 + 6_500, north: 10, east: -30 }),
    ];
    const confirmed = feed(c, reports);
    expect(confirmed).toHaveLength(1);
    const event = confirmed[0]!.event;
    expect(event.firstSeen).toBe(T0 + 1_000);
    expect(event.confirmedAt).toBe(T0 + 7_000);
    expect(event.latitude).toBe(Math.round((reports[0]!.latitude + reports[1]!.latitude + reports[2]!.latitude) / 3));
    expect(event.longitude).toBe(
      Math.round((reports[0]!.longitude + reports[1]!.longitude + reports[2]!.longitude) / 3),
    );
    const earliest = reports[1]!;
    expect(event.eventId).toBe(
      eventIdOf({
        cell: CELL,
        causeCode: 3,
        latitude: earliest.latitude,
        longitude: earliest.longitude,
        firstSeen: T0 + 1_000,
        windowMs: W,
      }),
    );
    expect(event.reportsRoot).toBe(reportsRootOf(reports.map((r) => r.messageHash).reverse()));
  });

  it("a detection time far from reception moves firstSeen by at most one window", () => {
    const c = consensus(2);
    c.report(report({ ticket: 1, time: T0 + 10_000, detection: 0 }));
    const event = c.report(report({ ticket: 2, time: T0 + 20_000, detection: T0 + 19_000 }));
    expect(event?.firstSeen).toBe(T0 + 10_000 - W);
  });
});

describe("EventConsensus: what never confirms", () => {
  it("fewer than k distinct tickets confirm nothing, however many reports they send", () => {
    fc.assert(
      fc.property(
        k.chain((k) => fc.tuple(fc.constant(k), fc.integer({ min: 1, max: k - 1 }))),
        fc.array(fc.record({ who: fc.nat(), dt: fc.integer({ min: 0, max: 3 * W }), where: near(R / 2) }), {
          minLength: 1,
          maxLength: 300,
        }),
        ([k, tickets], picks) => {
          const reports = picks.map(({ who, dt, where }) => report({ ticket: who % tickets, time: T0 + dt, ...where }));
          expect(feed(consensus(k), reports)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("one ticket flooding 10 000 reports never confirms and is counted once when a second ticket comes", () => {
    const c = consensus(2, { maxSeen: 1_000 });
    for (let i = 0; i < 10_000; i++) {
      expect(c.report(report({ ticket: "flood", time: T0 + i, north: i % 100 }))).toBeUndefined();
      if (i % 1000 === 0) expect(c.stats().seen).toBeLessThanOrEqual(1_000);
    }
    expect(c.stats()).toMatchObject({ clusters: 1, reports: 1, events: 0 });
    const event = c.report(report({ ticket: "other", time: T0 + 10_000 }));
    expect(event?.reporters).toBe(2);
    expect(event?.reports).toHaveLength(2);
  });

  it("tickets of k different slots (one vehicle's tickets) do not confirm; k of one slot do", () => {
    fc.assert(
      fc.property(k, fc.integer({ min: 0, max: 8 }), fc.nat(), (k, otherSlots, seed) => {
        const c = consensus(k);
        // One vehicle's tickets for k consecutive slots, all reporting the hazard.
        const vehicle = Array.from({ length: k + otherSlots }, (_, i) =>
          report({ ticket: `vehicle-${i}`, slot: `100:${i + 2}`, time: T0 + i }),
        );
        // k − 1 vehicles in slot 100:1.
        const slotOne = Array.from({ length: k - 1 }, (_, i) => report({ ticket: `car-${i}`, time: T0 + 100 + i }));
        const mixed = [...vehicle, ...slotOne].sort(
          (a, b) =>
            ((a.messageHash.charCodeAt(65) * (seed + 1)) % 17) - ((b.messageHash.charCodeAt(65) * (seed + 1)) % 17),
        );
        expect(feed(c, mixed)).toEqual([]);
        // The k-th vehicle of slot 100:1 confirms, with slot 100:1's reports only.
        const last = report({ ticket: "car-last", time: T0 + 200 });
        const event = c.report(last);
        expect(event?.reporters).toBe(k);
        expect(new Set(event?.reports)).toEqual(new Set([...slotOne, last].map((r) => r.messageHash)));
      }),
      { numRuns: 60 },
    );
  });

  it("reports farther apart than the radius do not combine; closer ones do (any order)", () => {
    fc.assert(
      fc.property(
        k,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: R + 25, max: 3 * R }),
        fc.integer({ min: 0, max: R - 25 }),
        fc.nat(),
        (k, atB, far, close, seed) => {
          const bTickets = Math.min(atB, k - 1);
          const jitter = (i: number) => ({ north: (i * 7) % 10, east: (i * 3) % 10 });
          const group = (distance: number) => [
            ...Array.from({ length: k - 1 }, (_, i) => report({ ticket: `a${i}`, time: T0 + i, ...jitter(i) })),
            ...Array.from({ length: bTickets }, (_, i) =>
              report({ ticket: `b${i}`, time: T0 + 50 + i, north: distance + jitter(i).north, east: jitter(i).east }),
            ),
          ];
          const shuffle = (reports: DenmReport[]) =>
            reports
              .map((r, i) => ({ r, key: (i * 2654435761 + seed) % 1009 }))
              .sort((a, b) => a.key - b.key)
              .map(({ r }) => r);
          expect(feed(consensus(k), shuffle(group(far)))).toEqual([]);
          expect(feed(consensus(k), shuffle(group(close)))).toHaveLength(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("reports further apart in time than the window do not combine", () => {
    fc.assert(
      fc.property(k, fc.array(fc.integer({ min: 1, max: 5 * W }), { minLength: 1, maxLength: 12 }), (k, gaps) => {
        const times = gaps.map((_, i) => T0 + gaps.slice(0, i + 1).reduce((sum, gap) => sum + W + gap, 0));
        const reports = times.map((time, i) => report({ ticket: i, time }));
        expect(feed(consensus(k), reports)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("reports of different cause codes do not combine", () => {
    const reports = [1, 2, 3, 4].map((cause, i) => report({ ticket: i, cause }));
    expect(feed(consensus(2), reports)).toEqual([]);
  });

  it("a report older than the window when it arrives is ignored", () => {
    const c = consensus(2);
    c.report(report({ ticket: 1, time: T0 + 2 * W }));
    c.report(report({ ticket: 2, time: T0 + 2 * W + 10 }));
    expect(c.report(report({ ticket: 3, time: T0 }))).toBeUndefined();
    expect(c.stats().seen).toBe(2);
  });
});

describe("EventConsensus: once per event", () => {
  it("later reports attach to the confirmed event, which stays confirmed while they keep coming", () => {
    const c = consensus(2);
    expect(c.report(report({ ticket: 1 }))).toBeUndefined();
    const event = c.report(report({ ticket: 2, time: T0 + 1 }));
    expect(event).toBeDefined();
    // For five windows, two new tickets every half window: still the same event, never confirmed again.
    for (let i = 1; i <= 10; i++) {
      const time = T0 + (i * W) / 2;
      expect(c.report(report({ ticket: `x${i}`, time, north: 50 }))).toBeUndefined();
      expect(c.report(report({ ticket: `y${i}`, time: time + 1, north: -50 }))).toBeUndefined();
    }
    expect(c.activeEvents()).toEqual([{ event, lastReportAt: T0 + 5 * W + 1, attachedReports: 20 }]);
  });

  it("the same cause farther than the radius from a confirmed event is a separate event", () => {
    const c = consensus(2);
    c.report(report({ ticket: 1 }));
    const here = c.report(report({ ticket: 2, time: T0 + 1 }));
    expect(c.report(report({ ticket: 3, time: T0 + 2, north: 2_000 }))).toBeUndefined();
    const there = c.report(report({ ticket: 4, time: T0 + 3, north: 2_000 }));
    expect(there?.eventId).toBeDefined();
    expect(there?.eventId).not.toBe(here?.eventId);
    expect(c.activeEvents().map((a) => a.attachedReports)).toEqual([0, 0]);
  });

  it("a hazard silent for a window is forgotten and can be confirmed again, under a new id", () => {
    const c = consensus(2);
    c.report(report({ ticket: 1 }));
    const first = c.report(report({ ticket: 2, time: T0 + 1 }));
    const later = T0 + 4 * W;
    c.report(report({ ticket: 3, time: later }));
    const second = c.report(report({ ticket: 4, time: later + 1 }));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second?.eventId).not.toBe(first?.eventId);
  });

  it("a second cluster confirming the same id (same res-9 cell and window) joins the first event", () => {
    // Clusters anchored 2.2 radii apart never absorb each other; with a 60 m radius both fit in one res-9 cell.
    const c = consensus(2, { radiusMeters: 60 });
    c.report(report({ ticket: 1, north: -66 }));
    const first = c.report(report({ ticket: 2, north: -66, time: T0 + 1 }));
    c.report(report({ ticket: 3, north: 66, time: T0 + 2 }));
    const second = c.report(report({ ticket: 4, north: 66, time: T0 + 3, detection: T0 }));
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
    expect(c.activeEvents().map((a) => a.event.eventId)).toEqual([first?.eventId]);
  });
});

describe("EventConsensus: deterministic ids", () => {
  it("two instances fed the same reports in any order confirm the same event", () => {
    fc.assert(
      fc.property(
        k,
        fc.array(
          fc.record({ detection: fc.integer({ min: 0, max: W / 2 }), delay: fc.integer({ min: 0, max: W / 4 }) }),
          { minLength: 6, maxLength: 6 },
        ),
        fc.array(near(40), { minLength: 6, maxLength: 6 }),
        fc.nat(),
        (k, times, places, seed) => {
          const reports = Array.from({ length: k }, (_, i) =>
            report({
              ticket: i,
              detection: T0 + times[i]!.detection,
              time: T0 + times[i]!.detection + times[i]!.delay,
              ...places[i]!,
            }),
          );
          const shuffled = reports
            .map((r, i) => ({ r, key: (i * 40503 + seed) % 97 }))
            .sort((a, b) => a.key - b.key)
            .map(({ r }) => r);
          const a = feed(consensus(k), reports);
          const b = feed(consensus(k), shuffled);
          expect(a).toHaveLength(1);
          expect(b.map((x) => x.event)).toEqual(a.map((x) => x.event));
          const otherCell = feed(consensus(k, { cell: latLngToCell(52.5, 13.4, 7) }), reports);
          expect(otherCell[0]?.event.eventId).not.toBe(a[0]?.event.eventId);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("overlapping report sets that share the earliest report give the same id (and different roots)", () => {
    const shared = report({ ticket: 0, detection: T0 + 100, time: T0 + 200 });
    const a = consensus(3);
    const b = consensus(3);
    feed(a, [shared, report({ ticket: 1, time: T0 + 300, north: 30 })]);
    feed(b, [shared, report({ ticket: 2, time: T0 + 400, north: -30 })]);
    const ea = a.report(report({ ticket: 3, time: T0 + 500, east: 40 }));
    const eb = b.report(report({ ticket: 4, time: T0 + 600, east: -40 }));
    expect(ea?.eventId).toBeDefined();
    expect(eb?.eventId).toBe(ea?.eventId);
    expect(eb?.reportsRoot).not.toBe(ea?.reportsRoot);
  });
});

describe("EventConsensus: merge from peers", () => {
  it("deduplicates by messageHash and confirms from local and peer reports together", () => {
    const c = consensus(3);
    const local = [report({ ticket: 1 }), report({ ticket: 2, time: T0 + 1 })];
    feed(c, local);
    const seen = c.stats().seen;
    // The peer forwards the same two messages (upper-case hex) and nothing changes.
    const echoed = local.map((r): DenmReport => ({ ...r, messageHash: `0x${r.messageHash.slice(2).toUpperCase()}` }));
    expect(c.merge(echoed)).toEqual([]);
    expect(c.stats().seen).toBe(seen);
    const events = c.merge([report({ ticket: 3, time: T0 + 5 }), ...echoed]);
    expect(events).toHaveLength(1);
    expect(events[0]?.reporters).toBe(3);
    // Echoes of the confirming reports are not later reports of the event either.
    expect(c.merge(echoed)).toEqual([]);
    expect(c.activeEvents().map((a) => a.attachedReports)).toEqual([0]);
  });

  it("merging a batch confirms the same event as reporting it one by one", () => {
    const reports = [3, 1, 2].map((i) => report({ ticket: i, time: T0 + i * 10 }));
    const merged = consensus(3).merge(reports);
    const sequential = feed(
      consensus(3),
      [...reports].sort((a, b) => a.receivedAt - b.receivedAt),
    ).map((x) => x.event);
    expect(merged).toEqual(sequential);
    expect(merged).toHaveLength(1);
  });
});

describe("EventConsensus: bounded memory", () => {
  it("never holds more than its caps, whatever the stream", () => {
    const caps = { maxClusters: 6, maxReportsPerCluster: 5, maxEvents: 3, maxSeen: 40 };
    const reached = { clusters: 0, reports: 0, events: 0, seen: 0, ids: 0 };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 60 }),
            slot: fc.integer({ min: 0, max: 2 }),
            cause: fc.integer({ min: 0, max: 1 }),
            step: fc.integer({ min: 0, max: 1_500 }),
            north: fc.integer({ min: -1_000, max: 1_000 }),
            east: fc.integer({ min: -1_000, max: 1_000 }),
          }),
          { minLength: 50, maxLength: 400 },
        ),
        (stream) => {
          const c = consensus(3, caps);
          let time = T0;
          for (const s of stream) {
            time += s.step;
            c.report(
              report({
                ticket: s.who,
                slot: `9:${s.slot}`,
                cause: s.cause,
                time,
                north: s.north,
                east: s.east,
              }),
            );
            const stats = c.stats();
            expect(stats.clusters).toBeLessThanOrEqual(caps.maxClusters);
            expect(stats.reports).toBeLessThanOrEqual(caps.maxClusters * caps.maxReportsPerCluster);
            expect(stats.events).toBeLessThanOrEqual(caps.maxEvents);
            expect(stats.ids).toBeLessThanOrEqual(caps.maxEvents);
            expect(stats.seen).toBeLessThanOrEqual(caps.maxSeen);
            for (const key of ["clusters", "reports", "events", "seen", "ids"] as const)
              reached[key] = Math.max(reached[key], stats[key]);
          }
          c.prune(time + 4 * W);
          expect(c.stats()).toEqual({ clusters: 0, reports: 0, events: 0, seen: 0, ids: 0 });
        },
      ),
      // A fixed seed: whether random streams happen to press on every cap must not vary from run to run.
      { numRuns: 40, seed: 4 },
    );
    // The streams did press on every cap (a bound never reached proves nothing).
    expect(reached).toMatchObject({ clusters: 6, events: 3, seen: 40, ids: 3 });
    expect(reached.reports).toBeGreaterThan(caps.maxReportsPerCluster);
  });

  it("keeps at most maxReportsPerCluster tickets per cluster, the most recent ones", () => {
    const c = consensus(2, { maxReportsPerCluster: 5 });
    // Twenty tickets of twenty slots: never two of one slot, so nothing confirms and the cluster only grows.
    for (let i = 0; i < 20; i++) c.report(report({ ticket: i, slot: `7:${i}`, time: T0 + i }));
    expect(c.stats()).toMatchObject({ clusters: 1, reports: 5 });
    // Ticket 19 is still held: a second ticket of its slot confirms; ticket 0 was dropped: its slot does not.
    expect(c.report(report({ ticket: "late-0", slot: "7:0", time: T0 + 30 }))).toBeUndefined();
    expect(c.report(report({ ticket: "late-19", slot: "7:19", time: T0 + 31 }))?.reporters).toBe(2);
  });
});

describe("EventConsensus: input", () => {
  it("refuses a configuration that would let one vehicle confirm, or no cell", () => {
    expect(() => consensus(1)).toThrow(InvalidInputError);
    expect(() => consensus(1)).toThrow("event consensus k must be an integer in [2, 65535], got 1");
    expect(() => consensus(2, { cell: "nowhere" })).toThrow("event consensus cell nowhere is not an H3 index");
    expect(() => consensus(5, { maxReportsPerCluster: 4 })).toThrow(
      "event consensus maxReportsPerCluster must be an integer >= 5, got 4",
    );
  });

  it("refuses reports with an unavailable position or a malformed hash", () => {
    const c = consensus(2);
    expect(() => c.report({ ...report({ ticket: 1 }), latitude: 900_000_001 })).toThrow(
      "latitude 900000001 is not in ±900000000",
    );
    expect(() => c.report({ ...report({ ticket: 1 }), messageHash: "0x12" })).toThrow(
      "DENM report 0x12: messageHash 0x12 is not 32 bytes of hex",
    );
    expect(c.stats().seen).toBe(0);
  });
});
