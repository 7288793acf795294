// When a simulated OBU needs which pseudonym tickets (docs/v2x-pki.md): the PKI issues one authorization ticket
// per vehicle per time slot (SCMS-style linkage periods i made of slots j). A vehicle holds the ticket of the
// current slot and the next one, so the next is in hand before the current ends; at the slot boundary it switches
// (a pseudonym change: new ticket, new StationID, a fresh connection) and asks for the one after. Every vehicle
// switches at the same boundary, which is what the RSU consensus needs (it counts distinct tickets of one slot).
// Pure functions of the schedule and the clock, so the timing is tested without a PKI.
import { periodOf, type Schedule, slotsPerPeriod, slotWindow } from "@amc/v2x";

export type SlotRef = { period: number; slot: number };

/** The slot that contains `unixS`. */
export function slotAt(schedule: Schedule, unixS: number): SlotRef {
  const period = periodOf(schedule, unixS);
  const start = slotWindow(schedule, period, 0).start;
  return { period, slot: Math.floor((unixS - start) / schedule.slotSeconds) };
}

/** The slot after `ref` (slot 0 of the next period after a period's last slot). */
export function nextSlot(schedule: Schedule, ref: SlotRef): SlotRef {
  return ref.slot + 1 < slotsPerPeriod(schedule)
    ? { period: ref.period, slot: ref.slot + 1 }
    : { period: ref.period + 1, slot: 0 };
}

const same = (a: SlotRef, b: SlotRef) => a.period === b.period && a.slot === b.slot;

/** Whether `ref`'s window contains `unixS`. */
export function isCurrent(schedule: Schedule, ref: SlotRef, unixS: number): boolean {
  const { start, end } = slotWindow(schedule, ref.period, ref.slot);
  return unixS >= start && unixS < end;
}

/** The slots to ask the PKI for now: the current and the next, minus those already held. */
export function ticketsToRequest(schedule: Schedule, unixS: number, held: readonly SlotRef[]): SlotRef[] {
  const current = slotAt(schedule, unixS);
  return [current, nextSlot(schedule, current)].filter((wanted) => !held.some((h) => same(h, wanted)));
}

/** The held ticket to sign with now (its slot contains `unixS`), or undefined when none does. */
export function activeTicket<T extends SlotRef>(schedule: Schedule, unixS: number, held: readonly T[]): T | undefined {
  return held.find((t) => isCurrent(schedule, t, unixS));
}

/** The held tickets that are not over yet (the current one and any ahead). */
export function unexpired<T extends SlotRef>(schedule: Schedule, unixS: number, held: readonly T[]): T[] {
  return held.filter((t) => slotWindow(schedule, t.period, t.slot).end > unixS);
}

/** Seconds until the current slot ends: when the pseudonym changes next. */
export function secondsToSlotEnd(schedule: Schedule, unixS: number): number {
  const current = slotAt(schedule, unixS);
  return slotWindow(schedule, current.period, current.slot).end - unixS;
}

/** Slots grouped by period, as one ticket request per period. */
export function byPeriod(refs: readonly SlotRef[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of refs) out.set(r.period, [...(out.get(r.period) ?? []), r.slot]);
  return out;
}
