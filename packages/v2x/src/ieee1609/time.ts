// IEEE 1609.2 time: Time32 (seconds) and Time64 (microseconds) count International Atomic Time (TAI) since the
// epoch 2004-01-01T00:00:00Z (IEEE 1609.2-2016 / 2022, Time32 and Time64 of the Ieee1609Dot2BaseTypes module;
// ETSI TS 103 097 v2.1.1 uses the same types). TAI runs through leap seconds, UTC (and so JavaScript's Date) does not: a Time64 read
// as "µs since 2004 UTC" is off by the leap seconds inserted since 2004, 5 s from 2017 on.
//
// Decision: we convert exactly, with the table of leap seconds inserted since the epoch (IERS Bulletin C).
// tai = utc - epoch + leapSecondsBefore(utc). Wireshark's ieee1609dot2 dissector does the same (it shows the
// real sample's 429483745800140 as 2017-08-10 21:02:20.800140 UTC, i.e. minus 5 s), so our times agree with it.
// A UTC instant inside an inserted leap second cannot be named by Date; the TAI second 23:59:60 therefore maps
// back to the following 00:00:00. IERS has announced no leap second after 2016-12-31; a new one is one line in
// LEAP_SECONDS_UTC_MS below.
import { InvalidInputError } from "@amc/utils";
import type { Time32, Time64 } from "./types.js";

/** 2004-01-01T00:00:00Z in Unix milliseconds: the IEEE 1609.2 epoch. */
export const IEEE1609_EPOCH_UTC_MS = Date.UTC(2004, 0, 1);

/** UTC instants (Unix ms) right after each leap second inserted since 2004 (each added one TAI second). */
export const LEAP_SECONDS_UTC_MS: readonly number[] = [
  Date.UTC(2006, 0, 1), // after 2005-12-31T23:59:60
  Date.UTC(2009, 0, 1), // after 2008-12-31T23:59:60
  Date.UTC(2012, 6, 1), // after 2012-06-30T23:59:60
  Date.UTC(2015, 6, 1), // after 2015-06-30T23:59:60
  Date.UTC(2017, 0, 1), // after 2016-12-31T23:59:60
];

/** Leap seconds inserted between the epoch and the UTC instant `utcMs`. */
export function leapSecondsAt(utcMs: number): number {
  let count = 0;
  for (const at of LEAP_SECONDS_UTC_MS) if (utcMs >= at) count++;
  return count;
}

/** Leap seconds elapsed at TAI offset `taiMs` (milliseconds since the epoch). */
function leapSecondsAtTai(taiMs: number): number {
  let count = 0;
  LEAP_SECONDS_UTC_MS.forEach((at, i) => {
    // The i-th leap second ends at TAI offset (at - epoch) + (i + 1) s.
    if (taiMs >= at - IEEE1609_EPOCH_UTC_MS + (i + 1) * 1000) count++;
  });
  return count;
}

/** Time64 (TAI µs since 2004) of a UTC instant given as a Date or Unix milliseconds. */
export function time64FromDate(date: Date | number): Time64 {
  const utcMs = typeof date === "number" ? date : date.getTime();
  if (!Number.isFinite(utcMs) || utcMs < IEEE1609_EPOCH_UTC_MS) {
    throw new InvalidInputError(`time ${utcMs} (Unix ms) is before the IEEE 1609.2 epoch 2004-01-01 or not a number`);
  }
  const taiMs = utcMs - IEEE1609_EPOCH_UTC_MS + leapSecondsAt(utcMs) * 1000;
  return BigInt(Math.round(taiMs)) * 1000n;
}

/** The UTC instant (Unix ms, sub-millisecond part dropped) of a Time64. */
export function time64ToUnixMs(time: Time64): number {
  const taiMs = Number(time / 1000n);
  return taiMs - leapSecondsAtTai(taiMs) * 1000 + IEEE1609_EPOCH_UTC_MS;
}

export const time64ToDate = (time: Time64): Date => new Date(time64ToUnixMs(time));

/** Time32 (TAI s since 2004) of a UTC instant; fractions of a second are dropped. */
export function time32FromDate(date: Date | number): Time32 {
  return Number(time64FromDate(date) / 1_000_000n);
}

/** The UTC instant (Unix ms) of a Time32. */
export function time32ToUnixMs(time: Time32): number {
  return time64ToUnixMs(BigInt(time) * 1_000_000n);
}

export const time32ToDate = (time: Time32): Date => new Date(time32ToUnixMs(time));
