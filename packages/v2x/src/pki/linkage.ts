// Linkage values of the SCMS pseudonym PKI (Whyte, Weimerskirch, Kumar, Hehn, "A Security Credential Management
// System for V2V Communications", IEEE VNC 2013; IEEE 1609.2.1, linkage value computation). Two linkage
// authorities LA1 and LA2 each hold a seed chain per vehicle; a ticket's linkage value is the XOR of their
// pre-linkage values, so neither LA alone (nor the pseudonym CA, which sees only the XOR) can link tickets.
// Publishing the two seeds of period i lets anyone recompute the vehicle's linkage values from i on: revocation
// without revealing earlier periods (the seed chain is one-way).
//
//   ls_k(i)     = leftmost 128 bits of SHA-256( la_id_k (32-bit big-endian) || ls_k(i-1) )
//   plv_k(i, j) = AES-128_{ls_k(i)}( 0^64 || la_id_k (32) || j (32) )  XOR  ( 0^64 || la_id_k || j )
//   lv(i, j)    = leftmost 9 octets of ( plv_1(i, j) XOR plv_2(i, j) )      (LinkageValue ::= OCTET STRING (SIZE(9)))
import { createCipheriv, createHash } from "node:crypto";
import { InvalidInputError } from "@amc/utils";

export const LINKAGE_SEED_BYTES = 16;
export const LINKAGE_VALUE_BYTES = 9;

function checkLaId(laId: number): void {
  if (!Number.isInteger(laId) || laId < 0 || laId > 0xffff)
    throw new InvalidInputError(`la_id ${laId} is not a 16-bit value`);
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== LINKAGE_SEED_BYTES)
    throw new InvalidInputError(`a linkage seed has 16 bytes, got ${seed.length}`);
}

/** ls(i) from ls(i-1). */
export function nextSeed(laId: number, seed: Uint8Array): Uint8Array {
  checkLaId(laId);
  checkSeed(seed);
  const input = Buffer.alloc(4 + LINKAGE_SEED_BYTES);
  input.writeUInt32BE(laId, 0);
  input.set(seed, 4);
  return new Uint8Array(createHash("sha256").update(input).digest().subarray(0, LINKAGE_SEED_BYTES));
}

/** ls(period) from ls(from) by hashing forward; `period` must not precede `from`. */
export function seedAt(laId: number, seed: Uint8Array, from: number, period: number): Uint8Array {
  if (!Number.isInteger(period) || period < from)
    throw new InvalidInputError(`period ${period} precedes ${from}: seeds only go forward`);
  let current = seed;
  for (let i = from; i < period; i++) current = nextSeed(laId, current);
  return current;
}

/** plv(i, j) under the period's seed (16 bytes). */
export function preLinkageValue(laId: number, seed: Uint8Array, j: number): Uint8Array {
  checkLaId(laId);
  checkSeed(seed);
  if (!Number.isInteger(j) || j < 0 || j > 0xffffffff) throw new InvalidInputError(`j ${j} is not a 32-bit value`);
  const input = Buffer.alloc(16);
  input.writeUInt32BE(laId, 8);
  input.writeUInt32BE(j, 12);
  const cipher = createCipheriv("aes-128-ecb", seed, null);
  cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(input), cipher.final()]);
  for (let b = 0; b < 16; b++) out[b] = (out[b] ?? 0) ^ (input[b] ?? 0);
  return new Uint8Array(out);
}

/** lv(i, j) from the two pre-linkage values. */
export function linkageValue(plv1: Uint8Array, plv2: Uint8Array): Uint8Array {
  if (plv1.length !== 16 || plv2.length !== 16) throw new InvalidInputError("pre-linkage values have 16 bytes");
  const lv = new Uint8Array(LINKAGE_VALUE_BYTES);
  for (let b = 0; b < LINKAGE_VALUE_BYTES; b++) lv[b] = (plv1[b] ?? 0) ^ (plv2[b] ?? 0);
  return lv;
}

export type PublishedSeeds = { period: number; laId1: number; seed1: Uint8Array; laId2: number; seed2: Uint8Array };

/**
 * Every linkage value a revoked vehicle can use in periods [entry.period, untilPeriod] with j < ticketsPerPeriod,
 * as lowercase hex: what an RSU puts in its revocation set.
 */
export function revokedLinkageValues(
  entry: PublishedSeeds,
  untilPeriod: number,
  ticketsPerPeriod: number,
): Set<string> {
  const values = new Set<string>();
  let s1 = entry.seed1;
  let s2 = entry.seed2;
  for (let i = entry.period; i <= untilPeriod; i++) {
    for (let j = 0; j < ticketsPerPeriod; j++)
      values.add(
        Buffer.from(linkageValue(preLinkageValue(entry.laId1, s1, j), preLinkageValue(entry.laId2, s2, j))).toString(
          "hex",
        ),
      );
    s1 = nextSeed(entry.laId1, s1);
    s2 = nextSeed(entry.laId2, s2);
  }
  return values;
}
