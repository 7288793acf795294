// Verifying IEEE 1609.2 signed data and certificates (IEEE 1609.2-2016/2022 clause 5.2 validity of signed SPDUs,
// 5.1.2 certificate chains, 5.3.1 signature input; ETSI TS 103 097 v2.1.1 clause 5.2 and 7.1 security profiles).
// Expected failures are values, not throws: every result is { ok: true, ... } or { ok: false, reason, detail }
// with `reason` from one const union, so an RSU pipeline can count and route them.
//
// Speed: the signed bytes are hashed as received (the decoder accepts canonical COER only, so they are the
// encoding that was signed), and each signer certificate is turned into a node:crypto KeyObject, its hash and its
// effective region once, then kept in a cache that belongs to the caller's `certificateByDigest` function (a
// cache per trust store: one store never sees keys that only another store trusted). The store is still asked on
// every message, so a certificate it drops (revocation) stops verifying at once.
import type { KeyObject } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { decodeWithTbsSpan, ToBeSignedCertificateCodec } from "./codec.js";
import { CoerDecodeError, CoerUnsupportedError } from "./coer.js";
import { bytesEqual, certificateHashes, SHA256_OF_EMPTY, signatureMessage, toHex } from "./hash.js";
import { publicKeyFromPoint, verifyP256 } from "./keys.js";
import { appPermissionFor, issuancePermitted } from "./permissions.js";
import { type CountryOf, locationInRegion, regionWithin } from "./region.js";
import { time64FromDate } from "./time.js";
import type {
  Certificate,
  Duration,
  GeographicRegion,
  HashedId8,
  Ieee1609Dot2Data,
  PsidSsp,
  Signature,
  SignedData,
  Time64,
  ValidityPeriod,
} from "./types.js";

/** Why a signed message or certificate was refused. */
export const VERIFY_FAILURE_REASONS = [
  "malformed",
  "unsupported",
  "unknown_signer",
  "issuer_mismatch",
  "bad_signature",
  "expired_certificate",
  "not_yet_valid",
  "psid_not_permitted",
  "outside_region",
  "stale",
  "future",
  "untrusted_root",
] as const;
export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];
export type VerifyFailure = { ok: false; reason: VerifyFailureReason; detail: string };

const failure = (reason: VerifyFailureReason, detail: string): VerifyFailure => ({ ok: false, reason, detail });

// ---------------------------------------------------------------------------------------------------------------
// Validity periods (Duration units per the Ieee1609Dot2BaseTypes Duration note: a year is 31 556 952 s)

const MICROS_PER_UNIT: Record<Duration["unit"], bigint> = {
  microseconds: 1n,
  milliseconds: 1_000n,
  seconds: 1_000_000n,
  minutes: 60_000_000n,
  hours: 3_600_000_000n,
  sixtyHours: 216_000_000_000n,
  years: 31_556_952_000_000n,
};

/** Start and end of a validity period in Time64 (TAI µs since 2004), end inclusive. */
export function validityBounds(period: ValidityPeriod): { start: Time64; end: Time64 } {
  const start = BigInt(period.start) * 1_000_000n;
  return { start, end: start + BigInt(period.duration.value) * MICROS_PER_UNIT[period.duration.unit] };
}

function checkValidAt(certificate: Certificate, at: Time64, what: string): VerifyFailure | undefined {
  const { start, end } = validityBounds(certificate.toBeSigned.validityPeriod);
  if (at < start)
    return failure(
      "not_yet_valid",
      `certificate is not valid before Time32 ${certificate.toBeSigned.validityPeriod.start} (${what})`,
    );
  if (at > end) return failure("expired_certificate", `certificate validity ended before ${what}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Keys

const keyCache = new WeakMap<Certificate, KeyObject>();

/** The verification key of an explicit ecdsaNistP256 certificate, cached per certificate object. */
function verificationKey(certificate: Certificate): KeyObject | VerifyFailure {
  const cached = keyCache.get(certificate);
  if (cached !== undefined) return cached;
  const vki = certificate.toBeSigned.verifyKeyIndicator;
  if (certificate.type !== "explicit" || vki.type !== "verificationKey") {
    return failure("unsupported", "implicit certificates are not supported");
  }
  if (vki.key.type !== "ecdsaNistP256")
    return failure("unsupported", `verification key ${vki.key.type} is not ecdsaNistP256`);
  try {
    const key = publicKeyFromPoint(vki.key.point);
    keyCache.set(certificate, key);
    return key;
  } catch (error) {
    if (error instanceof InvalidInputError) return failure("malformed", error.shortMessage);
    throw error;
  }
}

function checkSignature(message: Uint8Array, signature: Signature, key: KeyObject): VerifyFailure | undefined {
  if (signature.type !== "ecdsaNistP256Signature")
    return failure("unsupported", `signature ${signature.type} is not ecdsaNistP256Signature`);
  if (signature.rSig.type === "fill") return failure("malformed", "signature rSig is fill");
  return verifyP256(message, signature, key)
    ? undefined
    : failure("bad_signature", "ECDSA P-256 signature does not verify");
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates

export type VerifyCertificateOptions = {
  /** Also require the certificate to be valid at this instant. */
  now?: Date | number | undefined;
  /** The issuer's effective region when it inherits one (its own `region` is absent); undefined: worldwide. */
  issuerRegion?: GeographicRegion | undefined;
};

export type VerifiedCertificate = { ok: true; digest: HashedId8 };

/**
 * Verifies one link: `certificate` was issued by `issuer` (or is a well-formed self-signed root when "self"):
 * issuer identifier, signature, validity within the issuer's, region within the issuer's, and permissions
 * within the issuer's certIssuePermissions.
 */
export function verifyCertificate(
  certificate: Certificate,
  issuer: Certificate | "self",
  options: VerifyCertificateOptions = {},
): VerifiedCertificate | VerifyFailure {
  if (certificate.type !== "explicit" || certificate.signature === undefined) {
    return failure("unsupported", "only explicit certificates with a signature are supported");
  }
  const ownKey = verificationKey(certificate);
  if ("ok" in ownKey) return ownKey;
  const tbsEncoded = ToBeSignedCertificateCodec.encode(certificate.toBeSigned);
  let issuerKey: KeyObject;
  let signerHash: Uint8Array;
  if (issuer === "self") {
    if (certificate.issuer.type !== "self")
      return failure("issuer_mismatch", `issuer is ${certificate.issuer.type}, not self`);
    if (certificate.issuer.hashAlgorithm !== "sha256")
      return failure("unsupported", "self-signed with a hash other than SHA-256");
    issuerKey = ownKey;
    signerHash = SHA256_OF_EMPTY;
  } else {
    const hashes = certificateHashes(issuer);
    if (certificate.issuer.type !== "sha256AndDigest") {
      return failure(
        certificate.issuer.type === "self" ? "issuer_mismatch" : "unsupported",
        `issuer is ${certificate.issuer.type}`,
      );
    }
    if (!bytesEqual(certificate.issuer.digest, hashes.digest)) {
      return failure(
        "issuer_mismatch",
        `issuer digest ${toHex(certificate.issuer.digest)} is not ${toHex(hashes.digest)}`,
      );
    }
    const key = verificationKey(issuer);
    if ("ok" in key) return key;
    issuerKey = key;
    signerHash = hashes.hash;
  }
  const bad = checkSignature(signatureMessage(tbsEncoded, signerHash), certificate.signature, issuerKey);
  if (bad !== undefined) return bad;

  if (issuer !== "self") {
    const own = validityBounds(certificate.toBeSigned.validityPeriod);
    const theirs = validityBounds(issuer.toBeSigned.validityPeriod);
    if (own.start < theirs.start) return failure("not_yet_valid", "certificate validity starts before its issuer's");
    if (own.end > theirs.end) return failure("expired_certificate", "certificate validity ends after its issuer's");
    const outer = issuer.toBeSigned.region ?? options.issuerRegion;
    const inner = certificate.toBeSigned.region;
    if (inner !== undefined && outer !== undefined) {
      const within = regionWithin(inner, outer);
      if (within === "unsupported")
        return failure("unsupported", `cannot decide whether a ${inner.type} lies in a ${outer.type}`);
      if (within === "outside")
        return failure("outside_region", "certificate region is not inside its issuer's region");
    }
    const permitted = issuancePermitted(certificate.toBeSigned, issuer.toBeSigned);
    if (!permitted.ok) return failure("psid_not_permitted", permitted.detail);
  }
  if (options.now !== undefined) {
    const invalid = checkValidAt(certificate, time64FromDate(options.now), "now");
    if (invalid !== undefined) return invalid;
  }
  return { ok: true, digest: certificateHashes(certificate).digest };
}

export type VerifyChainOptions = {
  now: Date | number;
  /** Whether a self-signed root is trusted (e.g. its digest is in the on-chain trust store). */
  isTrustedRoot(digest: HashedId8, root: Certificate): boolean;
};

/**
 * Verifies a chain given leaf first and self-signed root last (AT → AA/PCA → root): every link, validity now,
 * regions nested (a missing region inherits its issuer's), permissions nested, and the root trusted.
 */
export function verifyCertificateChain(
  chain: readonly Certificate[],
  options: VerifyChainOptions,
): { ok: true; digests: HashedId8[] } | VerifyFailure {
  if (chain.length === 0) return failure("malformed", "empty certificate chain");
  const root = chain[chain.length - 1]!;
  const rootResult = verifyCertificate(root, "self", { now: options.now });
  if (!rootResult.ok) return rootResult;
  if (!options.isTrustedRoot(rootResult.digest, root)) {
    return failure("untrusted_root", `root ${toHex(rootResult.digest)} is not a trust anchor`);
  }
  const digests: HashedId8[] = [rootResult.digest];
  let region = root.toBeSigned.region;
  for (let i = chain.length - 2; i >= 0; i--) {
    const result = verifyCertificate(chain[i]!, chain[i + 1]!, { now: options.now, issuerRegion: region });
    if (!result.ok) return { ...result, detail: `certificate ${i} of the chain: ${result.detail}` };
    digests.unshift(result.digest);
    region = chain[i]!.toBeSigned.region ?? region;
  }
  return { ok: true, digests };
}

// ---------------------------------------------------------------------------------------------------------------
// Signed data

export type VerifySignedDataOptions = {
  /** The trust store: certificates already verified up to a trusted root, by HashedId8. */
  certificateByDigest(digest: HashedId8): Certificate | undefined;
  now: Date | number;
  /** Oldest accepted generationTime, relative to now (default 30 s). */
  maxAgeMs?: number | undefined;
  /** Clock skew tolerated for a generationTime ahead of now (default 2 s). */
  maxFutureMs?: number | undefined;
  /** Accept only these PSIDs (default: any that the certificate permits). */
  psids?: readonly number[] | undefined;
  /** Borders for identified (country) regions; without it such regions cannot be checked against a location. */
  countryOf?: CountryOf | undefined;
};

export type VerifiedSignedData = {
  ok: true;
  data: Ieee1609Dot2Data;
  signedData: SignedData;
  /** The inner unsecuredData, when the payload carries one. */
  payload: Uint8Array | undefined;
  psid: number;
  generationTime: Time64;
  signerDigest: HashedId8;
  certificate: Certificate;
  /** The signer's permission for this PSID, with its SSP for the application to check. */
  permission: PsidSsp;
  /** Whether generationLocation was checked against the certificate region. */
  location: "inside" | "absent" | "not_checked";
};

type SignerEntry = {
  certificate: Certificate;
  key: KeyObject;
  hash: Uint8Array;
  digest: HashedId8;
  region: GeographicRegion | undefined;
  /** Issuer digest to re-check on use, for certificates admitted through their issuer (certificate mode). */
  issuerDigest: HashedId8 | undefined;
};

type StoreCache = { known: Map<string, SignerEntry>; admitted: Map<string, SignerEntry> };
const storeCaches = new WeakMap<object, StoreCache>();
const MAX_ADMITTED = 10_000;

function cacheFor(store: object): StoreCache {
  let cache = storeCaches.get(store);
  if (cache === undefined) {
    cache = { known: new Map(), admitted: new Map() };
    storeCaches.set(store, cache);
  }
  return cache;
}

/** The region a certificate is valid in: its own, else its issuer's (through the store), else worldwide. */
function effectiveRegion(
  certificate: Certificate,
  lookup: (d: HashedId8) => Certificate | undefined,
): GeographicRegion | undefined {
  let current: Certificate | undefined = certificate;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current.toBeSigned.region !== undefined) return current.toBeSigned.region;
    current = current.issuer.type === "sha256AndDigest" ? lookup(current.issuer.digest) : undefined;
  }
  return undefined;
}

function entryFor(
  certificate: Certificate,
  lookup: (d: HashedId8) => Certificate | undefined,
  issuerDigest?: HashedId8,
): SignerEntry | VerifyFailure {
  const key = verificationKey(certificate);
  if ("ok" in key) return key;
  const hashes = certificateHashes(certificate);
  return {
    certificate,
    key,
    hash: hashes.hash,
    digest: hashes.digest,
    region: effectiveRegion(certificate, lookup),
    issuerDigest,
  };
}

function resolveByDigest(
  digest: HashedId8,
  options: VerifySignedDataOptions,
  cache: StoreCache,
): SignerEntry | VerifyFailure {
  const certificate = options.certificateByDigest(digest);
  if (certificate === undefined) return failure("unknown_signer", `no certificate with digest ${toHex(digest)}`);
  const id = toHex(digest);
  const cached = cache.known.get(id);
  if (cached !== undefined && cached.certificate === certificate) return cached;
  const entry = entryFor(certificate, (d) => options.certificateByDigest(d));
  if ("ok" in entry) return entry;
  if (!bytesEqual(entry.digest, digest)) {
    return failure(
      "unknown_signer",
      `the store returned a certificate whose digest is ${toHex(entry.digest)}, not ${id}`,
    );
  }
  cache.known.set(id, entry);
  return entry;
}

function resolveIncluded(
  certificate: Certificate,
  options: VerifySignedDataOptions,
  cache: StoreCache,
  now: Date | number,
): SignerEntry | VerifyFailure {
  const digest = certificateHashes(certificate).digest;
  const id = toHex(digest);
  if (options.certificateByDigest(digest) !== undefined) return resolveByDigest(digest, options, cache);
  if (certificate.issuer.type !== "sha256AndDigest")
    return failure("unknown_signer", "included certificate is not issued by a known CA");
  const issuerDigest = certificate.issuer.digest;
  const issuer = options.certificateByDigest(issuerDigest);
  if (issuer === undefined)
    return failure("unknown_signer", `issuer ${toHex(issuerDigest)} of the included certificate is unknown`);
  const cached = cache.admitted.get(id);
  if (cached !== undefined) return cached;
  const checked = verifyCertificate(certificate, issuer, {
    now,
    issuerRegion: effectiveRegion(issuer, (d) => options.certificateByDigest(d)),
  });
  if (!checked.ok) return checked;
  const entry = entryFor(certificate, (d) => options.certificateByDigest(d), issuerDigest);
  if ("ok" in entry) return entry;
  if (cache.admitted.size >= MAX_ADMITTED) cache.admitted.clear();
  cache.admitted.set(id, entry);
  return entry;
}

/**
 * Verifies COER Ieee1609Dot2Data { signedData } against a trust store: structure, signer, PSID permission,
 * certificate validity at generation time, freshness, location within the certificate region, and the ECDSA
 * P-256 signature (IEEE 1609.2 5.2 and 5.3.1).
 *
 * @example
 * const result = verifySignedData(bytes, { certificateByDigest: (d) => store.get(hex(d)), now: new Date() });
 * if (!result.ok) log.warn(result.reason, result.detail);
 */
export function verifySignedData(
  bytes: Uint8Array,
  options: VerifySignedDataOptions,
): VerifiedSignedData | VerifyFailure {
  let decoded: ReturnType<typeof decodeWithTbsSpan>;
  try {
    decoded = decodeWithTbsSpan(bytes);
  } catch (error) {
    if (error instanceof CoerUnsupportedError) return failure("unsupported", error.shortMessage);
    if (error instanceof CoerDecodeError) return failure("malformed", error.shortMessage);
    throw error;
  }
  const { data, tbs } = decoded;
  if (data.content.type !== "signedData" || tbs === undefined) {
    return failure("malformed", `content is ${data.content.type}, not signedData`);
  }
  const signedData = data.content.signedData;
  if (signedData.hashId !== "sha256") return failure("unsupported", `hashId ${signedData.hashId} is not sha256`);
  const { payload, headerInfo } = signedData.tbsData;
  if (payload.extensions !== undefined)
    return failure("unsupported", "SignedDataPayload with extension additions (omitted)");
  const generationTime = headerInfo.generationTime;
  if (generationTime === undefined) return failure("malformed", "headerInfo has no generationTime");

  const cache = cacheFor(options.certificateByDigest);
  const signer = signedData.signer;
  let entry: SignerEntry | VerifyFailure;
  if (signer.type === "digest") {
    entry = resolveByDigest(signer.digest, options, cache);
  } else if (signer.type === "certificate") {
    const first = signer.certificates[0];
    if (first === undefined) return failure("malformed", "signer certificate sequence is empty");
    entry = resolveIncluded(first, options, cache, options.now);
  } else {
    return failure("unsupported", `signer ${signer.type} is not supported (ETSI TS 103 097 requires a certificate)`);
  }
  if ("ok" in entry) return entry;
  if (entry.issuerDigest !== undefined && options.certificateByDigest(entry.issuerDigest) === undefined) {
    return failure("unknown_signer", `issuer ${toHex(entry.issuerDigest)} is no longer in the trust store`);
  }

  const psid = headerInfo.psid;
  if (options.psids !== undefined && !options.psids.includes(psid))
    return failure("psid_not_permitted", `PSID ${psid} is not accepted here`);
  const permission = appPermissionFor(entry.certificate.toBeSigned, psid);
  if (permission === undefined) return failure("psid_not_permitted", `certificate does not permit PSID ${psid}`);

  const invalid = checkValidAt(entry.certificate, generationTime, "generationTime");
  if (invalid !== undefined) return invalid;
  const now = time64FromDate(options.now);
  const maxAge = BigInt(Math.round((options.maxAgeMs ?? 30_000) * 1000));
  const maxFuture = BigInt(Math.round((options.maxFutureMs ?? 2_000) * 1000));
  if (now - generationTime > maxAge) return failure("stale", `generated ${(now - generationTime) / 1000n} ms ago`);
  if (generationTime - now > maxFuture)
    return failure("future", `generated ${(generationTime - now) / 1000n} ms in the future`);
  if (headerInfo.expiryTime !== undefined) {
    if (headerInfo.expiryTime <= generationTime) return failure("malformed", "expiryTime is not after generationTime");
    if (now > headerInfo.expiryTime) return failure("stale", "expiryTime has passed");
  }

  let location: VerifiedSignedData["location"] = "absent";
  if (headerInfo.generationLocation !== undefined) {
    location = "not_checked";
    if (entry.region !== undefined) {
      const inside = locationInRegion(headerInfo.generationLocation, entry.region, options.countryOf);
      if (inside === "outside")
        return failure("outside_region", "generationLocation is outside the certificate region");
      if (inside === "inside") location = "inside";
    } else {
      location = "inside";
    }
  }

  const bad = checkSignature(
    signatureMessage(bytes.subarray(tbs.start, tbs.end), entry.hash),
    signedData.signature,
    entry.key,
  );
  if (bad !== undefined) return bad;
  const inner = payload.data?.content;
  return {
    ok: true,
    data,
    signedData,
    payload: inner?.type === "unsecuredData" ? inner.data : undefined,
    psid,
    generationTime,
    signerDigest: entry.digest,
    certificate: entry.certificate,
    permission,
    location,
  };
}
