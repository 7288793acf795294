// Permission checks of IEEE 1609.2 (2016/2022, clause 5.1.2 on certificate chains; PsidGroupPermissions,
// SubjectPermissions, SspRange in the Ieee1609Dot2 module; ETSI TS 103 097 v2.1.1 clause 6 and ETSI TS 102 941 for
// how C-ITS profiles them): may a certificate sign data under a PSID, and are the permissions of a certificate a
// subset of what its issuer may issue, with a chain length the issuer allows.
//
// Chain length (from the PsidGroupPermissions note): the number of certificates below the issuer down to and
// including the end entity, allowed in [minChainLength, minChainLength + chainLengthRange], where a range of -1
// means unbounded. An end-entity certificate issued directly is at length 1; a CA whose own group allows lengths
// [m', m' + r'] needs its issuer to allow [m' + 1, m' + r' + 1].
//
// SSP: an issuer range of `all` (or absent) admits any SSP; `opaque` admits exactly the listed octet strings;
// `bitmapSspRange` admits a bitmap SSP of the same length whose bits equal sspValue wherever sspBitmask is 1.

import { bytesEqual } from "./hash.js";
import {
  END_ENTITY_APP,
  type PsidGroupPermissions,
  type PsidSsp,
  type PsidSspRange,
  type SspRange,
  type ToBeSignedCertificate,
} from "./types.js";

export type PermissionCheck = { ok: true } | { ok: false; detail: string };

const OK: PermissionCheck = { ok: true };
const fail = (detail: string): PermissionCheck => ({ ok: false, detail });

/** The appPermissions entry for `psid`, if the certificate may sign data under it. */
export function appPermissionFor(tbs: ToBeSignedCertificate, psid: number): PsidSsp | undefined {
  return tbs.appPermissions?.find((p) => p.psid === psid);
}

const minChain = (g: PsidGroupPermissions) => g.minChainLength ?? 1;
const rangeChain = (g: PsidGroupPermissions) => g.chainLengthRange ?? 0;
const eeType = (g: PsidGroupPermissions) => g.eeType ?? END_ENTITY_APP;

/** Whether the group allows end-entity chains whose lengths (below the issuer) span [low, high] (high may be ∞). */
function allowsLengths(g: PsidGroupPermissions, low: number, high: number): boolean {
  const max = rangeChain(g) === -1 ? Number.POSITIVE_INFINITY : minChain(g) + rangeChain(g);
  return low >= minChain(g) && high <= max;
}

/** The issuer's group that governs `psid`: an explicit entry naming it wins over an `all` entry. */
function groupsFor(issuer: readonly PsidGroupPermissions[], psid: number): PsidGroupPermissions[] {
  const explicit = issuer.filter(
    (g) => g.subjectPermissions.type === "explicit" && g.subjectPermissions.ranges.some((r) => r.psid === psid),
  );
  return explicit.length > 0 ? explicit : issuer.filter((g) => g.subjectPermissions.type === "all");
}

function rangeFor(g: PsidGroupPermissions, psid: number): SspRange | undefined {
  return g.subjectPermissions.type === "explicit"
    ? g.subjectPermissions.ranges.find((r) => r.psid === psid)?.sspRange
    : undefined;
}

function sspAdmitted(range: SspRange | undefined, ssp: PsidSsp["ssp"]): boolean {
  if (range === undefined || range.type === "all") return true;
  if (ssp === undefined || ssp.type === "unknown") return false;
  if (range.type === "opaque") return ssp.type === "opaque" && range.values.some((v) => bytesEqual(v, ssp.bytes));
  if (range.type === "bitmapSspRange") {
    if (ssp.type !== "bitmapSsp" || ssp.bytes.length !== range.sspValue.length) return false;
    return ssp.bytes.every((b, i) => ((b ^ range.sspValue[i]!) & (range.sspBitmask[i] ?? 0)) === 0);
  }
  return false;
}

/** Whether issuer range `outer` admits every SSP that subject range `inner` admits. */
function rangeWithin(inner: SspRange | undefined, outer: SspRange | undefined): boolean {
  if (outer === undefined || outer.type === "all") return true;
  if (inner === undefined || inner.type === "all" || inner.type === "unknown" || outer.type === "unknown") return false;
  if (outer.type === "opaque") {
    return inner.type === "opaque" && inner.values.every((v) => outer.values.some((o) => bytesEqual(o, v)));
  }
  if (outer.type === "bitmapSspRange" && inner.type === "bitmapSspRange") {
    const n = outer.sspValue.length;
    if (inner.sspValue.length !== n || inner.sspBitmask.length !== outer.sspBitmask.length) return false;
    // Every bit the issuer fixes must stay fixed to the same value.
    for (let i = 0; i < n; i++) {
      const fixed = outer.sspBitmask[i] ?? 0;
      if ((inner.sspBitmask[i]! & fixed) !== fixed) return false;
      if (((inner.sspValue[i]! ^ outer.sspValue[i]!) & fixed) !== 0) return false;
    }
    return true;
  }
  return false;
}

function groupCovers(subject: PsidGroupPermissions, issuer: readonly PsidGroupPermissions[]): PermissionCheck {
  if ((eeType(subject) & ~0xc0) !== 0) return fail("eeType has bits other than app and enrol");
  const low = minChain(subject) + 1;
  const high = rangeChain(subject) === -1 ? Number.POSITIVE_INFINITY : minChain(subject) + rangeChain(subject) + 1;
  if (minChain(subject) < 1) return fail(`certIssuePermissions minChainLength ${minChain(subject)} is below 1`);
  const fits = (g: PsidGroupPermissions) => allowsLengths(g, low, high) && (eeType(subject) & ~eeType(g)) === 0;
  const perms = subject.subjectPermissions;
  if (perms.type === "unknown") return fail("unknown SubjectPermissions alternative");
  if (perms.type === "all") {
    return issuer.some((g) => g.subjectPermissions.type === "all" && fits(g))
      ? OK
      : fail("issuer may not delegate issuing for all PSIDs with this chain length and eeType");
  }
  for (const range of perms.ranges) {
    const ok = groupsFor(issuer, range.psid).some(
      (g) => fits(g) && rangeWithin(range.sspRange, rangeFor(g, range.psid)),
    );
    if (!ok) return fail(`issuer may not delegate issuing for PSID ${range.psid} (SSP range, chain length or eeType)`);
  }
  return OK;
}

/**
 * Whether `subject`'s appPermissions and certIssuePermissions lie within what `issuer` may issue
 * (its certIssuePermissions).
 */
export function issuancePermitted(subject: ToBeSignedCertificate, issuer: ToBeSignedCertificate): PermissionCheck {
  const granted = issuer.certIssuePermissions;
  if (granted === undefined || granted.length === 0) return fail("issuer has no certIssuePermissions");
  for (const app of subject.appPermissions ?? []) {
    const ok = groupsFor(granted, app.psid).some(
      (g) =>
        allowsLengths(g, 1, 1) && (eeType(g) & END_ENTITY_APP) !== 0 && sspAdmitted(rangeFor(g, app.psid), app.ssp),
    );
    if (!ok) return fail(`issuer may not grant PSID ${app.psid} with this SSP to an end entity`);
  }
  for (const group of subject.certIssuePermissions ?? []) {
    const check = groupCovers(group, granted);
    if (!check.ok) return check;
  }
  return OK;
}

/** PsidSspRange helper for building CA certificates: the PSIDs listed, any SSP. */
export const explicitPsids = (psids: readonly number[]): PsidSspRange[] => psids.map((psid) => ({ psid }));
