// Classes of vehicle data and what follows from a class: how long it may be kept and where it may live.
// The grades follow China's automobile data rules (汽车数据安全管理若干规定（试行）, 2021: personal information,
// sensitive personal information, important data, which "shall be stored within the territory") and GDPR
// (Art. 5(1)(c) data minimisation, 5(1)(e) storage limitation, Art. 9 special categories, Art. 17 erasure).
import { z } from "zod";
import { DataError } from "./errors.js";

/** Index = the `dataClass` number DataLedger stores. */
export const dataClasses = ["general", "personal", "sensitive", "important"] as const;
export type DataClass = (typeof dataClasses)[number];
export const dataClassSchema = z.enum(dataClasses);

const DAY = 24 * 3600;

/**
 * Longest retention per class, in seconds, unless the operator configures shorter. An upload may ask for less,
 * never more. Sensitive personal data (precise location traces, biometrics, in-cabin media) is kept the least.
 */
export const defaultMaxRetentionSeconds: Record<DataClass, number> = {
  general: 5 * 365 * DAY,
  personal: 3 * 365 * DAY,
  sensitive: 365 * DAY,
  important: 5 * 365 * DAY,
};

/** Region codes: ISO 3166-1 alpha-2, optionally with a subdivision ("CN", "CN-31", "DE-BB"). */
export const regionSchema = z
  .string()
  .regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, "a region is ISO 3166 like CN, CN-31 or DE-BB");

/** The country part of a region code: data localisation rules are national. */
export const countryOf = (region: string): string => region.slice(0, 2);

export type RetentionPolicy = {
  /** Where this vault stores data (its jurisdiction). */
  region: string;
  maxRetentionSeconds: Record<DataClass, number>;
};

/**
 * The retention deadline for an upload, in unix seconds: the asked deadline if within the class maximum, else an
 * error; no deadline asked → the class maximum. Important data whose region is in another country is refused.
 */
export function admit(
  policy: RetentionPolicy,
  object: { dataClass: DataClass; region: string; createdAt: number; retainUntil?: number | undefined },
  now: number,
): number {
  if (object.dataClass === "important" && countryOf(object.region) !== countryOf(policy.region))
    throw new DataError(
      "region_refused",
      `important data from ${object.region} must stay in its country; this vault is in ${policy.region}`,
      { fix: "upload it to a vault in its own region" },
    );
  const max = now + policy.maxRetentionSeconds[object.dataClass];
  if (object.retainUntil === undefined) return max;
  if (object.retainUntil <= now)
    throw new DataError("invalid", `retainUntil ${object.retainUntil} is not in the future (now ${now})`);
  if (object.retainUntil > max)
    throw new DataError(
      "invalid",
      `${object.dataClass} data may be kept at most ${Math.round(policy.maxRetentionSeconds[object.dataClass] / DAY)} days`,
      { fix: "ask for a shorter retainUntil or leave it out for the class maximum" },
    );
  return object.retainUntil;
}
