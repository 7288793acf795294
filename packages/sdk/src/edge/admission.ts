// Admission to an RSU cell (docs/edge.md, "Wire protocol"): the OBU proves it holds the key of its authorization
// ticket (an IEEE 1609.2 certificate) by signing the RSU's challenge, and the RSU answers with an ADMISSION, a
// small token signed by its DID key that names the ticket, the cell and a validity window. A neighbouring RSU
// accepts that token on handover instead of a new enrolment, so it must verify without asking the issuer.
//
// Signatures: the challenge signature is ECDSA P-256 / SHA-256 over "AMC-admit-v1" || nonce || cell || rsuDid;
// the ADMISSION signature is ES256 over its CBOR body, i.e. ECDSA P-256 over sha256(body). Both are IEEE P1363
// r || s (64 bytes). Verification failures the caller must branch on are values, never throws.
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { BaseError, InvalidInputError } from "@amc/utils";
import { type Certificate, certificateDigest, publicKeyFromPoint, toHex } from "@amc/v2x";
import { z } from "zod";
import { decodeDeterministic, encodeDeterministic } from "./cbor.js";
import {
  type ChallengeFrame,
  didString,
  EDGE_PROTOCOL_VERSION,
  h3Cell,
  NONCE_BYTES,
  SIGNATURE_BYTES,
} from "./protocol.js";

/** Domain separation tag of the challenge signature. */
export const ADMIT_TAG = "AMC-admit-v1";

/** A ticket, admission or challenge could not be used; `code` says why. */
export class AdmissionError extends BaseError {
  override name = "AdmissionError";
  readonly code: "unsupported_ticket" | "malformed_admission" | "invalid_claims";
  constructor(code: AdmissionError["code"], message: string, parameters: { details?: string; cause?: unknown } = {}) {
    super(message, { ...parameters, fix: "see docs/edge.md, Wire protocol: admission and ADMISSION" });
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tickets and the challenge signature

/** The HashedId8 of a ticket as 16 lower-case hex digits: the `ticket` claim of an ADMISSION. */
export const ticketDigestHex = (ticket: Certificate): string => toHex(certificateDigest(ticket));

const keyCache = new WeakMap<Certificate, KeyObject>();

/** The P-256 verification key of an explicit ticket; throws AdmissionError for any other kind. */
export function ticketPublicKey(ticket: Certificate): KeyObject {
  const cached = keyCache.get(ticket);
  if (cached !== undefined) return cached;
  const indicator = ticket.toBeSigned.verifyKeyIndicator;
  if (ticket.type !== "explicit" || indicator.type !== "verificationKey")
    throw new AdmissionError("unsupported_ticket", "the ticket is not an explicit certificate with a verification key");
  if (indicator.key.type !== "ecdsaNistP256")
    throw new AdmissionError("unsupported_ticket", `the ticket key is ${indicator.key.type}, not ecdsaNistP256`);
  try {
    const key = publicKeyFromPoint(indicator.key.point);
    keyCache.set(ticket, key);
    return key;
  } catch (cause) {
    throw new AdmissionError("unsupported_ticket", "the ticket's verification key is not a P-256 point", { cause });
  }
}

type ChallengeFields = Pick<ChallengeFrame, "nonce" | "cell" | "rsu">;

/** The bytes the ticket key signs: "AMC-admit-v1" || nonce || utf8(cell) || utf8(rsuDid). */
export function admitMessage(challenge: ChallengeFields): Uint8Array {
  if (challenge.nonce.length !== NONCE_BYTES)
    throw new InvalidInputError(`the challenge nonce is ${challenge.nonce.length} bytes, not ${NONCE_BYTES}`);
  return Buffer.concat([
    Buffer.from(ADMIT_TAG, "utf8"),
    challenge.nonce,
    Buffer.from(challenge.cell, "utf8"),
    Buffer.from(challenge.rsu, "utf8"),
  ]);
}

/** Signs a CHALLENGE with the ticket's private key; returns the 64-byte P1363 signature for ADMIT.sig. */
export function signChallenge(challenge: ChallengeFields, privateKey: KeyObject): Uint8Array {
  const sig = sign("sha256", admitMessage(challenge), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
}

/** Whether `signature` is the ticket key's signature of this challenge (false for any unusable ticket). */
export function verifyChallenge(ticket: Certificate, signature: Uint8Array, challenge: ChallengeFields): boolean {
  if (signature.length !== SIGNATURE_BYTES || challenge.nonce.length !== NONCE_BYTES) return false;
  let key: KeyObject;
  try {
    key = ticketPublicKey(ticket);
  } catch (error) {
    if (error instanceof AdmissionError) return false;
    throw error;
  }
  return verify("sha256", admitMessage(challenge), { key, dsaEncoding: "ieee-p1363" }, signature);
}

// ---------------------------------------------------------------------------------------------------------------
// ADMISSION tokens

const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The signed body of an ADMISSION. Times are Unix ms; `pos` is [latitude, longitude] in 1e-7 degrees. */
export const AdmissionClaimsSchema = z
  .strictObject({
    v: z.literal(EDGE_PROTOCOL_VERSION),
    ticket: z.string().regex(/^[0-9a-f]{16}$/, { message: "must be a HashedId8 as 16 lower-case hex digits" }),
    cell: h3Cell,
    rsu: didString,
    kid: z.string().min(1).max(512),
    at: uint,
    exp: uint,
    pos: z.tuple([z.int().min(-900000000).max(900000001), z.int().min(-1800000000).max(1800000001)]).optional(),
  })
  .refine((c) => c.exp > c.at, { message: "must be after at", path: ["exp"] });
export type AdmissionClaims = z.infer<typeof AdmissionClaimsSchema>;

const AdmissionSchema = z.strictObject({
  body: z.instanceof(Uint8Array),
  sig: z.instanceof(Uint8Array).refine((b) => b.length === SIGNATURE_BYTES, { message: "must be 64 bytes" }),
});

export type DecodedAdmission = { claims: AdmissionClaims; body: Uint8Array; sig: Uint8Array };

/** What `createAdmission` takes: the claims, `v` optional (always 1). */
export type AdmissionClaimsInput = Omit<AdmissionClaims, "v"> & { v?: typeof EDGE_PROTOCOL_VERSION };

/**
 * Creates an ADMISSION: CBOR {body, sig}, body = CBOR claims, sig = ES256 (P1363) by the RSU's DID key, whose key
 * id is `claims.kid` (the DID URL of that verification method, e.g. from `kidFor` of @amc/did).
 *
 * @example
 * const admission = createAdmission(
 *   { ticket: ticketDigestHex(ticket), cell, rsu: rsuDid, kid, at: now, exp: now + 3_600_000 },
 *   rsuPrivateKey,
 * );
 */
export function createAdmission(claims: AdmissionClaimsInput, privateKey: KeyObject): Uint8Array {
  const parsed = AdmissionClaimsSchema.safeParse({ ...claims, v: EDGE_PROTOCOL_VERSION });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdmissionError(
      "invalid_claims",
      `cannot create the admission: ${issue?.path.join(".") || "claims"} ${issue?.message ?? "invalid"}`,
      { cause: parsed.error },
    );
  }
  const { pos, ...rest } = parsed.data;
  const body = encodeDeterministic(pos === undefined ? rest : { ...rest, pos });
  const sig = sign("sha256", body, { key: privateKey, dsaEncoding: "ieee-p1363" });
  return encodeDeterministic({ body, sig: new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength) });
}

/** Decodes an ADMISSION without checking its signature (an OBU reads its own); throws AdmissionError. */
export function decodeAdmission(bytes: Uint8Array): DecodedAdmission {
  const outer = decodeDeterministic(bytes);
  if (!outer.ok)
    throw new AdmissionError("malformed_admission", "the admission is not deterministic CBOR", {
      details: outer.detail,
      cause: outer.cause,
    });
  const envelope = AdmissionSchema.safeParse(outer.value);
  if (!envelope.success)
    throw new AdmissionError("malformed_admission", "the admission is not a CBOR map {body, sig}", {
      cause: envelope.error,
    });
  const inner = decodeDeterministic(envelope.data.body);
  if (!inner.ok)
    throw new AdmissionError("malformed_admission", "the admission body is not deterministic CBOR", {
      details: inner.detail,
      cause: inner.cause,
    });
  const claims = AdmissionClaimsSchema.safeParse(inner.value);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    throw new AdmissionError(
      "malformed_admission",
      `the admission body is invalid: ${issue?.path.join(".") || "body"} ${issue?.message ?? "invalid"}`,
      { cause: claims.error },
    );
  }
  return { claims: claims.data, body: envelope.data.body, sig: envelope.data.sig };
}

export const ADMISSION_FAILURE_REASONS = [
  "malformed",
  "unknown_key",
  "bad_signature",
  "not_yet_valid",
  "expired",
  "wrong_ticket",
  "wrong_cell",
  "wrong_rsu",
] as const;
export type AdmissionFailureReason = (typeof ADMISSION_FAILURE_REASONS)[number];
export type AdmissionFailure = { ok: false; reason: AdmissionFailureReason; detail: string };
/** A verified admission: its claims, flat, beside `ok`. */
export type VerifiedAdmission = { ok: true } & AdmissionClaims;

/** The public key named `kid` of RSU `rsu`, or undefined when it is not trusted here. */
export type AdmissionKeyLookup = (kid: string, rsu: string) => KeyObject | undefined | Promise<KeyObject | undefined>;

export type VerifyAdmissionOptions = {
  /** Unix ms (default Date.now()). */
  now?: number | undefined;
  /** Tolerated clock skew for `at` in the future (default 5 s). */
  maxSkewMs?: number | undefined;
  /** Require the admission to be for this ticket (HashedId8 hex, see ticketDigestHex). */
  ticket?: string | undefined;
  /** Require the admission to be for one of these cells (e.g. the H3 ring 1 around this RSU's cell). */
  cells?: readonly string[] | undefined;
  /** Require the admission to be issued by this RSU DID. */
  rsu?: string | undefined;
};

const fail = (reason: AdmissionFailureReason, detail: string): AdmissionFailure => ({ ok: false, reason, detail });

/**
 * Verifies an ADMISSION: shape, issuer key (through `keyFor`; a kid that is a DID URL must belong to the `rsu`
 * claim), signature, validity at `now`, and the ticket, cells and RSU when asked. Every refusal is a value with a
 * `reason`; only a failing `keyFor` throws.
 *
 * @example
 * const result = await verifyAdmission(previous, (kid) => neighbourKeys.get(kid), { ticket, cells: ring1 });
 * if (!result.ok) return close("bad_admission", result.detail);
 */
export async function verifyAdmission(
  bytes: Uint8Array,
  keyFor: AdmissionKeyLookup,
  options: VerifyAdmissionOptions = {},
): Promise<VerifiedAdmission | AdmissionFailure> {
  let decoded: DecodedAdmission;
  try {
    decoded = decodeAdmission(bytes);
  } catch (error) {
    if (error instanceof AdmissionError) return fail("malformed", error.shortMessage);
    throw error;
  }
  const { claims, body, sig } = decoded;
  // A lookup by kid alone would let one RSU's key vouch for another RSU's cell: the key must be the claimed RSU's.
  if (claims.kid.startsWith("did:") && claims.kid.split("#", 1)[0] !== claims.rsu)
    return fail("unknown_key", `key ${claims.kid} is not a key of ${claims.rsu}`);
  const key = await keyFor(claims.kid, claims.rsu);
  if (key === undefined) return fail("unknown_key", `no trusted key ${claims.kid} for ${claims.rsu}`);
  if (!verify("sha256", body, { key, dsaEncoding: "ieee-p1363" }, sig))
    return fail("bad_signature", `the admission signature does not verify under ${claims.kid}`);
  const now = options.now ?? Date.now();
  if (claims.at > now + (options.maxSkewMs ?? 5_000))
    return fail("not_yet_valid", `the admission was issued at ${claims.at}, after now (${now})`);
  if (claims.exp <= now) return fail("expired", `the admission expired at ${claims.exp} (now ${now})`);
  if (options.ticket !== undefined && claims.ticket !== options.ticket)
    return fail("wrong_ticket", `the admission is for ticket ${claims.ticket}, not ${options.ticket}`);
  if (options.cells !== undefined && !options.cells.includes(claims.cell))
    return fail("wrong_cell", `the admission is for cell ${claims.cell}, not one of ${options.cells.join(", ")}`);
  if (options.rsu !== undefined && claims.rsu !== options.rsu)
    return fail("wrong_rsu", `the admission was issued by ${claims.rsu}, not ${options.rsu}`);
  return { ok: true, ...claims };
}

/** A P-256 public key from a JWK (as published in a DID document), for `keyFor` lookups. */
export function p256KeyFromJwk(jwk: { kty?: string; crv?: string; x?: string; y?: string }): KeyObject {
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string")
    throw new InvalidInputError(`not a P-256 public JWK (kty ${String(jwk.kty)}, crv ${String(jwk.crv)})`);
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, format: "jwk" });
}
