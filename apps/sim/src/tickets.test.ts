import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { activeTicket, byPeriod, nextSlot, secondsToSlotEnd, slotAt, ticketsToRequest, unexpired } from "./tickets.js";

// The PKI's default schedule: week-long linkage periods of hourly slots.
const schedule = { periodSeconds: 7 * 24 * 3600, slotSeconds: 3600, epoch: 1_700_000_000 };

describe("slotAt / nextSlot", () => {
  it("numbers slots within their period and rolls over to slot 0 of the next period", () => {
    expect(slotAt(schedule, schedule.epoch)).toEqual({ period: 0, slot: 0 });
    expect(slotAt(schedule, schedule.epoch + 3599)).toEqual({ period: 0, slot: 0 });
    expect(slotAt(schedule, schedule.epoch + 3600)).toEqual({ period: 0, slot: 1 });
    expect(slotAt(schedule, schedule.epoch + schedule.periodSeconds + 7200.5)).toEqual({ period: 1, slot: 2 });
    expect(nextSlot(schedule, { period: 0, slot: 4 })).toEqual({ period: 0, slot: 5 });
    expect(nextSlot(schedule, { period: 3, slot: 167 })).toEqual({ period: 4, slot: 0 });
  });
});

describe("ticket renewal timing", () => {
  it("asks for the current and the next slot at first, then only for what is missing", () => {
    const t = schedule.epoch + 10 * 3600 + 120;
    expect(ticketsToRequest(schedule, t, [])).toEqual([
      { period: 0, slot: 10 },
      { period: 0, slot: 11 },
    ]);
    expect(ticketsToRequest(schedule, t, [{ period: 0, slot: 10 }])).toEqual([{ period: 0, slot: 11 }]);
    expect(
      ticketsToRequest(schedule, t, [
        { period: 0, slot: 10 },
        { period: 0, slot: 11 },
      ]),
    ).toEqual([]);
  });

  it("switches to the next ticket exactly at the slot boundary and then wants the one after", () => {
    const held = [
      { period: 0, slot: 10, name: "a" },
      { period: 0, slot: 11, name: "b" },
    ];
    const boundary = schedule.epoch + 11 * 3600;
    expect(activeTicket(schedule, boundary - 0.001, held)?.name).toBe("a");
    expect(activeTicket(schedule, boundary, held)?.name).toBe("b");
    expect(unexpired(schedule, boundary, held).map((h) => h.name)).toEqual(["b"]);
    expect(ticketsToRequest(schedule, boundary, unexpired(schedule, boundary, held))).toEqual([
      { period: 0, slot: 12 },
    ]);
    expect(secondsToSlotEnd(schedule, boundary - 30)).toBe(30);
  });

  it("asks across a period boundary in one request per period", () => {
    const lastSlot = schedule.epoch + schedule.periodSeconds - 60;
    const wanted = ticketsToRequest(schedule, lastSlot, []);
    expect(wanted).toEqual([
      { period: 0, slot: 167 },
      { period: 1, slot: 0 },
    ]);
    expect([...byPeriod(wanted)]).toEqual([
      [0, [167]],
      [1, [0]],
    ]);
  });

  it("property: a vehicle that renews every few seconds always holds a ticket for now and the next slot", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * schedule.periodSeconds }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 40 }),
        (start, gaps) => {
          let now = schedule.epoch + start;
          let held: { period: number; slot: number }[] = [];
          for (const gap of gaps) {
            held = [...unexpired(schedule, now, held), ...ticketsToRequest(schedule, now, held)];
            expect(activeTicket(schedule, now, held)).toEqual(slotAt(schedule, now));
            // The next slot's ticket is already in hand before the current one ends.
            expect(held).toContainEqual(nextSlot(schedule, slotAt(schedule, now)));
            expect(held.length).toBe(2);
            now += gap;
          }
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});
