// Verification of credentials and presentations in every format the platform reads: vc+jwt, SD-JWT (with or
// without a key-binding JWT) and VC-COSE; vp+jwt, vp+sd-jwt, vp+cose and SD-JWT+KB presentations. Expected failures
// are values (`{ verified: false, errors: [{ code, message }] }`), never throws. Everything that needs the outside
// world comes in as a function: key resolution (the did package resolves DIDs), consortium roles (the chain),
// status lists (HTTP and the main-chain anchor) and the clock.
//
// Order of checks: decode → media type → key → signature → (SD-JWT) disclosures and key binding → credential shape
// → issuer/iss/kid agreement → validity window → subject schema → issuer authority → status. A wrong media type does
// not stop the rest (the content is still signed), so a caller sees every problem; a bad signature does, since the
// content can then not be trusted at all.
import type { JsonWebKey } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import type { z } from "zod";
import { checkCoseMediaType, decodeCoseSign1, verifyCoseSign1 } from "./cose.js";
import {
  type BitstringStatusListEntry,
  bitstringStatusListEntrySchema,
  type ConsortiumRole,
  credentialTypes,
  describeZodError,
  type EnvelopedVerifiableCredential,
  envelopedCredentialSchema,
  issuerId,
  type PlatformCredentialType,
  platformTypeOf,
  statusEntries,
  subjectIds,
  type VerifiableCredential,
  type VerifiablePresentation,
  verifiableCredentialSchema,
  verifiablePresentationSchema,
} from "./credential.js";
import { base64Decode, decodeJsonPart, isJsonObject, isOneOf, type JsonObject, parseJsonObject } from "./encoding.js";
import { CredentialError, type VerificationError } from "./errors.js";
import {
  checkJoseMediaType,
  decodeJws,
  type EnvelopedMediaType,
  openEnvelope,
  type SecuredCredential,
  verifyJwsSignature,
} from "./jose.js";
import {
  assertKeyFitsAlgorithm,
  defaultKeyCache,
  jwkThumbprint,
  type KeyCache,
  type SignatureAlgorithm,
  signatureAlgorithms,
} from "./keys.js";
import { formatClaimPath, sdJwtCredentialTypes, splitSdJwt, unpackDisclosures, verifyKbJwt } from "./sdjwt.js";
import {
  BitstringStatusList,
  type BitstringStatusListCredential,
  bitstringStatusListCredentialSchema,
  type Hex,
  statusListStateHash,
} from "./statusList.js";

export type CredentialFormat = "vc+jwt" | "sd-jwt" | "vc+cose";
export type PresentationFormat = "vp+jwt" | "vp+sd-jwt" | "vp+cose" | "sd-jwt+kb";

/** A status list as the caller fetched it: signed (a vc+jwt string) or a plain document whose hash is anchored. */
export type FetchedStatusList = {
  credential: string | BitstringStatusListCredential | JsonObject;
  /** The list's state hash as anchored on the main chain; when given, the fetched list must hash to it. */
  anchoredHash?: Hex;
};

export type VerifyCredentialOptions = {
  /** Public JWK of a verification method by its `kid` (a DID URL on the platform), or undefined when unknown. */
  resolveKey: (kid: string) => Promise<JsonWebKey | undefined>;
  /** Whether `issuerDid` holds a consortium role. Without it, issuer roles are not checked. */
  issuerHasRole?: (issuerDid: string, role: ConsortiumRole) => Promise<boolean>;
  /** Whether `issuerDid` controls `subjectDid` (the owner of a vehicle). Without it, control is not checked. */
  issuerControls?: (issuerDid: string, subjectDid: string) => Promise<boolean>;
  /** Fetches the status list a credential points to. Without it, a credential with a status fails (unverifiable). */
  fetchStatusList?: (url: string) => Promise<FetchedStatusList>;
  /** Set false to skip status checks on purpose (default true). */
  checkStatus?: boolean;
  now?: Date | (() => Date);
  /** Tolerance for validity windows and key-binding times (default 60 s). */
  clockSkewSeconds?: number;
  /** Accepted signature algorithms (default ES256, ES384, ES512, EdDSA). */
  algorithms?: readonly SignatureAlgorithm[];
  keyCache?: KeyCache;
  /**
   * For SD-JWT: the key binding a holder must show. With it, a KB-JWT is required and must carry this nonce and
   * audience; without it, a KB-JWT that is present is still checked (signature, sd_hash, age).
   */
  keyBinding?: { nonce?: string; audience?: string; maxAgeSeconds?: number };
};

export type VerifyCredentialResult = {
  verified: boolean;
  format?: CredentialFormat;
  /**
   * The credential (for SD-JWT: with the disclosed claims) whenever its signature holds, even if another check
   * failed, so that a caller can say what was refused. Trust it only when `verified` is true.
   */
  credential?: VerifiableCredential;
  /** The verification method that signed it. */
  kid?: string;
  /** SD-JWT: paths of the disclosed claims, e.g. `credentialSubject.make`. */
  disclosed?: string[];
  /** SD-JWT: the verified key-binding JWT payload. */
  keyBinding?: JsonObject;
  errors: VerificationError[];
};

type Opened = {
  payload: JsonObject;
  kid: string;
  jwk: JsonWebKey;
  disclosed?: string[];
  keyBinding?: JsonObject;
};

type Context = {
  options: VerifyCredentialOptions;
  now: Date;
  skew: number;
  algorithms: readonly SignatureAlgorithm[];
  keyCache: KeyCache;
  errors: VerificationError[];
};

function context(options: VerifyCredentialOptions): Context {
  const now = typeof options.now === "function" ? options.now() : (options.now ?? new Date());
  return {
    options,
    now,
    skew: options.clockSkewSeconds ?? 60,
    algorithms: options.algorithms ?? signatureAlgorithms,
    keyCache: options.keyCache ?? defaultKeyCache,
    errors: [],
  };
}

/** Runs `check`, recording a CredentialError as a (non-fatal) error; anything else is a bug and propagates. */
function record(ctx: Context, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    ctx.errors.push(error.toValue());
  }
}

async function resolveJwk(ctx: Context, kid: string | undefined, alg: SignatureAlgorithm) {
  if (kid === undefined) throw new CredentialError("unknown_key", "the credential names no key (kid)");
  let jwk: JsonWebKey | undefined;
  try {
    jwk = await ctx.options.resolveKey(kid);
  } catch (error) {
    throw new CredentialError("unknown_key", `resolving key ${kid} failed`, { cause: error });
  }
  if (!jwk) throw new CredentialError("unknown_key", `no key is known for kid ${kid}`);
  assertKeyFitsAlgorithm(jwk, alg);
  return { jwk, key: ctx.keyCache.get(kid, jwk) };
}

type Kind = "vc" | "vp";

async function openJws(ctx: Context, token: string, kind: Kind): Promise<Opened> {
  const jws = decodeJws(token, ctx.algorithms);
  record(ctx, () => checkJoseMediaType(jws.header, { typ: [`${kind}+jwt`], cty: [kind] }));
  const { jwk, key } = await resolveJwk(ctx, jws.kid, jws.alg);
  if (!verifyJwsSignature(jws, key))
    throw new CredentialError("invalid_signature", `the signature does not verify with key ${jws.kid}`);
  return { payload: jws.payload, kid: jws.kid ?? "", jwk };
}

async function openSdJwt(ctx: Context, token: string, kind: Kind): Promise<Opened> {
  const split = splitSdJwt(token);
  const jws = decodeJws(split.jwt, ctx.algorithms);
  record(ctx, () =>
    checkJoseMediaType(
      jws.header,
      kind === "vc" ? { typ: sdJwtCredentialTypes, cty: ["vc"] } : { typ: ["vp+sd-jwt"], cty: ["vp"] },
    ),
  );
  const { jwk, key } = await resolveJwk(ctx, jws.kid, jws.alg);
  if (!verifyJwsSignature(jws, key))
    throw new CredentialError("invalid_signature", `the signature does not verify with key ${jws.kid}`);
  const { claims, disclosed } = unpackDisclosures(jws.payload, split.disclosures);
  const opened: Opened = {
    payload: claims,
    kid: jws.kid ?? "",
    jwk,
    disclosed: disclosed.map((d) => formatClaimPath(d.path)),
  };
  const expected = ctx.options.keyBinding;
  const cnf = claims.cnf;
  const holderJwk = isJsonObject(cnf) && isJsonObject(cnf.jwk) ? cnf.jwk : undefined;
  if (split.kbJwt !== undefined) {
    const kbJwt = split.kbJwt;
    record(ctx, () => {
      if (!holderJwk)
        throw new CredentialError(
          "holder_binding_failed",
          "a key-binding JWT was presented, but the credential binds no key (cnf.jwk)",
        );
      opened.keyBinding = verifyKbJwt(kbJwt, {
        holderJwk,
        presented: split.presented,
        ...(expected?.nonce === undefined ? {} : { nonce: expected.nonce }),
        ...(expected?.audience === undefined ? {} : { audience: expected.audience }),
        ...(expected?.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: expected.maxAgeSeconds }),
        now: ctx.now,
        clockSkewSeconds: ctx.skew,
        keyCache: ctx.keyCache,
      });
    });
  } else if (expected) {
    ctx.errors.push({
      code: "holder_binding_failed",
      message: "no key-binding JWT: the holder must sign the verifier's nonce and audience",
    });
  }
  return opened;
}

async function openCose(ctx: Context, bytes: Uint8Array, kind: Kind): Promise<Opened> {
  const cose = decodeCoseSign1(bytes, ctx.algorithms);
  record(ctx, () => checkCoseMediaType(cose, kind));
  const { jwk, key } = await resolveJwk(ctx, cose.kid, cose.alg);
  if (!verifyCoseSign1(cose, key))
    throw new CredentialError("invalid_signature", `the signature does not verify with key ${cose.kid}`);
  return {
    payload: parseJsonObject(Buffer.from(cose.payload).toString("utf8"), "the COSE payload"),
    kid: cose.kid ?? "",
    jwk,
  };
}

/** Which format a token is in, from its shape: COSE bytes, SD-JWT (has `~`), compact JWS, or base64 COSE. */
function detectFormat(token: SecuredCredential): { format: CredentialFormat; bytes?: Uint8Array } {
  if (typeof token !== "string") return { format: "vc+cose", bytes: token };
  const trimmed = token.trim();
  if (trimmed.includes("~")) return { format: "sd-jwt" };
  if (trimmed.split(".").length === 3) return { format: "vc+jwt" };
  if (trimmed.includes(".")) throw new CredentialError("malformed", "neither a compact JWS nor an SD-JWT");
  return { format: "vc+cose", bytes: base64Decode(trimmed, "the COSE credential") };
}

async function open(
  ctx: Context,
  token: SecuredCredential,
  format: CredentialFormat,
  bytes: Uint8Array | undefined,
  kind: Kind,
) {
  if (format === "vc+cose") return openCose(ctx, bytes ?? new Uint8Array(), kind);
  const text = typeof token === "string" ? token.trim() : "";
  return format === "sd-jwt" ? openSdJwt(ctx, text, kind) : openJws(ctx, text, kind);
}

/**
 * Verifies a secured credential: vc+jwt or SD-JWT (compact strings), or VC-COSE (bytes, or base64 text).
 * Never throws for a bad credential; the result says what failed.
 * @example
 * const result = await verifyCredential(jwt, { resolveKey, issuerHasRole, fetchStatusList })
 * if (!result.verified) console.log(result.errors.map((e) => e.code))
 */
export async function verifyCredential(
  token: SecuredCredential,
  options: VerifyCredentialOptions,
): Promise<VerifyCredentialResult> {
  const ctx = context(options);
  let format: CredentialFormat | undefined;
  try {
    const detected = detectFormat(token);
    format = detected.format;
    const opened = await open(ctx, token, detected.format, detected.bytes, "vc");
    return await checkCredential(ctx, opened, format);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    return { verified: false, ...(format ? { format } : {}), errors: [...ctx.errors, error.toValue()] };
  }
}

async function checkCredential(
  ctx: Context,
  opened: Opened,
  format: CredentialFormat,
): Promise<VerifyCredentialResult> {
  const { payload } = opened;
  if ("vc" in payload || "vp" in payload)
    ctx.errors.push({
      code: "invalid_claims",
      message: "the credential carries the JWT claim `vc` or `vp`, which VC-JOSE-COSE forbids",
    });
  const parsed = verifiableCredentialSchema.safeParse(payload);
  if (!parsed.success)
    throw new CredentialError("malformed", `not a verifiable credential: ${describeZodError(parsed.error)}`);
  const credential = parsed.data;
  const issuer = issuerId(credential.issuer);
  if (payload.iss !== undefined && payload.iss !== issuer)
    ctx.errors.push({
      code: "invalid_claims",
      message: `iss ${JSON.stringify(payload.iss)} is not the issuer ${issuer}`,
    });
  const kidDid = didOfKid(opened.kid);
  if (kidDid !== undefined && kidDid !== issuer)
    ctx.errors.push({
      code: "issuer_not_authorised",
      message: `the credential is signed with a key of ${kidDid}, not of its issuer ${issuer}`,
    });
  checkValidity(ctx, credential, payload, "credential");
  const type = platformTypeOf(credential);
  if (type) {
    checkSubject(ctx, type, credential, format === "sd-jwt");
    await checkIssuerAuthority(ctx, type, issuer, credential);
  }
  if (ctx.options.checkStatus !== false) await checkStatus(ctx, credential, issuer);
  return {
    verified: ctx.errors.length === 0,
    format,
    credential,
    kid: opened.kid,
    ...(opened.disclosed ? { disclosed: opened.disclosed } : {}),
    ...(opened.keyBinding ? { keyBinding: opened.keyBinding } : {}),
    errors: ctx.errors,
  };
}

/** The DID of a DID URL kid (`did:amc:main:…#key-1` → `did:amc:main:…`), or undefined for other kids. */
function didOfKid(kid: string): string | undefined {
  if (!kid.startsWith("did:")) return undefined;
  const hash = kid.indexOf("#");
  return hash === -1 ? kid : kid.slice(0, hash);
}

function checkValidity(
  ctx: Context,
  document: { validFrom?: string | undefined; validUntil?: string | undefined },
  payload: JsonObject,
  what: string,
): void {
  const now = ctx.now.getTime();
  const skewMs = ctx.skew * 1000;
  const notBefore = [
    document.validFrom === undefined ? undefined : Date.parse(document.validFrom),
    typeof payload.nbf === "number" ? payload.nbf * 1000 : undefined,
  ].filter((t) => t !== undefined);
  const notAfter = [
    document.validUntil === undefined ? undefined : Date.parse(document.validUntil),
    typeof payload.exp === "number" ? payload.exp * 1000 : undefined,
  ].filter((t) => t !== undefined);
  for (const t of notBefore)
    if (t > now + skewMs)
      ctx.errors.push({ code: "not_yet_valid", message: `the ${what} is valid from ${new Date(t).toISOString()}` });
  for (const t of notAfter)
    if (t < now - skewMs)
      ctx.errors.push({ code: "expired", message: `the ${what} expired at ${new Date(t).toISOString()}` });
}

/** SD-JWT subjects may leave claims undisclosed; zod builds `.partial()` schemas slowly, so once per type. */
const partialSubjects = new Map<
  PlatformCredentialType,
  { safeParse: (value: unknown) => z.ZodSafeParseResult<unknown> }
>();
function partialSubjectSchema(type: PlatformCredentialType) {
  let schema = partialSubjects.get(type);
  if (!schema) {
    schema = credentialTypes[type].subject.partial();
    partialSubjects.set(type, schema);
  }
  return schema;
}

function checkSubject(ctx: Context, type: PlatformCredentialType, credential: VerifiableCredential, partial: boolean) {
  const subject = credential.credentialSubject;
  const result = partial
    ? partialSubjectSchema(type).safeParse(subject)
    : credentialTypes[type].subject.safeParse(subject);
  if (!result.success) {
    ctx.errors.push({
      code: "invalid_claims",
      message: `${type}: ${describeZodError(result.error, "credentialSubject")}`,
    });
    return;
  }
  if (type === "AccessGrantCredential" && isJsonObject(subject) && typeof subject.expiry === "string") {
    const expiry = Date.parse(subject.expiry);
    if (expiry < ctx.now.getTime() - ctx.skew * 1000)
      ctx.errors.push({ code: "expired", message: `the access grant expired at ${subject.expiry}` });
  }
}

async function checkIssuerAuthority(
  ctx: Context,
  type: PlatformCredentialType,
  issuer: string,
  credential: VerifiableCredential,
): Promise<void> {
  const rule = credentialTypes[type].issuer;
  if (rule.kind === "role") {
    const hasRole = ctx.options.issuerHasRole;
    if (!hasRole) return;
    for (const role of rule.anyOf)
      if (await callback(() => hasRole(issuer, role), "checking the issuer's role")) return;
    ctx.errors.push({
      code: "issuer_not_authorised",
      message: `${issuer} holds no ${rule.anyOf.join(" or ")} role, which a ${type} issuer needs`,
    });
    return;
  }
  const controls = ctx.options.issuerControls;
  if (!controls) return;
  const subject = credential.credentialSubject;
  const controlled = isJsonObject(subject) ? subject[rule.subjectField] : undefined;
  if (typeof controlled !== "string") return; // the subject schema already reported it
  if (!(await callback(() => controls(issuer, controlled), "checking the issuer's control")))
    ctx.errors.push({
      code: "issuer_not_authorised",
      message: `${issuer} does not control ${controlled}, which a ${type} issuer must`,
    });
}

/** Awaits a caller's callback, turning its exception into `issuer_not_authorised` (we cannot tell it is allowed). */
async function callback(run: () => Promise<boolean>, what: string): Promise<boolean> {
  try {
    return await run();
  } catch (error) {
    throw new CredentialError("issuer_not_authorised", `${what} failed`, { cause: error });
  }
}

async function checkStatus(ctx: Context, credential: VerifiableCredential, issuer: string): Promise<void> {
  for (const entry of statusEntries(credential)) {
    try {
      await checkStatusEntry(ctx, entry, issuer);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      ctx.errors.push(error.toValue());
    }
  }
}

async function checkStatusEntry(ctx: Context, rawEntry: { type: string }, issuer: string): Promise<void> {
  const unverifiable = (message: string, cause?: unknown) =>
    new CredentialError("status_unverifiable", message, cause === undefined ? {} : { cause });
  if (rawEntry.type !== "BitstringStatusListEntry")
    throw unverifiable(`status type ${JSON.stringify(rawEntry.type)} is not supported`);
  const parsedEntry = bitstringStatusListEntrySchema.safeParse(rawEntry);
  if (!parsedEntry.success) throw unverifiable(`bad status entry: ${describeZodError(parsedEntry.error)}`);
  const entry: BitstringStatusListEntry = parsedEntry.data;
  const fetchList = ctx.options.fetchStatusList;
  if (!fetchList) throw unverifiable("the credential has a status entry, but no fetchStatusList was given");
  let fetched: FetchedStatusList;
  try {
    fetched = await fetchList(entry.statusListCredential);
  } catch (error) {
    throw unverifiable(`fetching status list ${entry.statusListCredential} failed`, error);
  }
  let document: unknown;
  if (typeof fetched.credential === "string") {
    const listResult = await verifyCredential(fetched.credential, { ...ctx.options, now: ctx.now, checkStatus: false });
    if (!listResult.verified)
      throw unverifiable(
        `the status list credential does not verify (${listResult.errors.map((e) => e.code).join(", ")})`,
      );
    document = listResult.credential;
  } else {
    if (fetched.anchoredHash === undefined)
      throw unverifiable("the status list is neither signed nor matched to an anchored hash");
    document = fetched.credential;
  }
  const parsedList = bitstringStatusListCredentialSchema.safeParse(document);
  if (!parsedList.success) throw unverifiable(`not a status list credential: ${describeZodError(parsedList.error)}`);
  const list = parsedList.data;
  const { encodedList, statusPurpose } = list.credentialSubject;
  if (fetched.anchoredHash !== undefined) {
    const hash = statusListStateHash(encodedList);
    if (hash !== fetched.anchoredHash.toLowerCase())
      throw unverifiable(`the status list hashes to ${hash}, but ${fetched.anchoredHash} is anchored`);
  }
  if (issuerId(list.issuer) !== issuer)
    throw unverifiable(`the status list is issued by ${issuerId(list.issuer)}, not by the credential's issuer`);
  if (list.id !== undefined && list.id !== entry.statusListCredential)
    throw unverifiable(`the status list served is ${list.id}, not ${entry.statusListCredential}`);
  if (statusPurpose !== entry.statusPurpose)
    throw unverifiable(`the status list is for ${statusPurpose}, the entry for ${entry.statusPurpose}`);
  if (list.validUntil !== undefined && Date.parse(list.validUntil) < ctx.now.getTime() - ctx.skew * 1000)
    throw unverifiable(`the status list expired at ${list.validUntil}`);
  const bits = BitstringStatusList.decode(encodedList);
  const index = Number(entry.statusListIndex);
  if (index >= bits.length) throw unverifiable(`status index ${index} is beyond the list's ${bits.length} entries`);
  if (bits.get(index))
    throw new CredentialError(
      entry.statusPurpose === "revocation" ? "revoked" : "suspended",
      `the credential is ${entry.statusPurpose === "revocation" ? "revoked" : "suspended"} (${entry.statusListCredential}, index ${index})`,
    );
}

// ---- presentations ----

export type VerifyPresentationOptions = VerifyCredentialOptions & {
  /** The challenge this verifier gave the holder; the presentation (or KB-JWT) must carry it. */
  nonce?: string;
  /** This verifier's identifier; the presentation's `aud` (or the KB-JWT's) must name it. */
  audience?: string;
  /**
   * `required` (default): the presenter must be the holder: a vp+jwt is signed by a key of its `holder` DID and every
   * credential names the holder as subject or binds the presenting key in `cnf`; an SD-JWT carries a KB-JWT.
   * `off`: none of that is checked (only for documents, such as the W3C vectors, that bind no holder).
   */
  holderBinding?: "required" | "off";
  /**
   * `verify` (default): every embedded credential is verified in full. `envelope-only`: only that each is an
   * EnvelopedVerifiableCredential whose `data:` URL names a secured media type (what the W3C suite checks).
   */
  embeddedCredentials?: "verify" | "envelope-only";
};

export type PresentedCredential = {
  index: number;
  mediaType?: EnvelopedMediaType;
  /** The credential's verification; absent when the envelope was broken or `embeddedCredentials` is envelope-only. */
  result?: VerifyCredentialResult;
  errors: VerificationError[];
};

export type VerifyPresentationResult = {
  verified: boolean;
  format?: PresentationFormat;
  presentation?: VerifiablePresentation;
  holder?: string;
  credentials: PresentedCredential[];
  errors: VerificationError[];
};

/**
 * Verifies a presentation: vp+jwt, vp+sd-jwt, vp+cose (bytes or base64), or an SD-JWT credential with a KB-JWT.
 * @example
 * const result = await verifyPresentation(vp, { resolveKey, nonce, audience: "did:amc:main:…" })
 */
export async function verifyPresentation(
  token: SecuredCredential,
  options: VerifyPresentationOptions,
): Promise<VerifyPresentationResult> {
  const binding = options.holderBinding ?? "required";
  const mode = options.embeddedCredentials ?? "verify";
  if (binding === "required" && mode === "envelope-only")
    throw new InvalidInputError('holderBinding "required" needs embeddedCredentials "verify"');
  const ctx = context(options);
  let format: PresentationFormat | undefined;
  try {
    const detected = detectFormat(token);
    if (detected.format === "sd-jwt") {
      const typ = decodeJsonPart(
        (typeof token === "string" ? token.trim() : "").split(".", 1)[0] ?? "",
        "the JWS header",
      ).typ;
      if (isOneOf(sdJwtCredentialTypes, typ)) return await verifySdJwtKb(token, options, binding);
    }
    format = detected.format === "vc+jwt" ? "vp+jwt" : detected.format === "sd-jwt" ? "vp+sd-jwt" : "vp+cose";
    const opened = await open(ctx, token, detected.format, detected.bytes, "vp");
    return await checkPresentation(ctx, opened, format, options, binding, mode);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    return {
      verified: false,
      ...(format ? { format } : {}),
      credentials: [],
      errors: [...ctx.errors, error.toValue()],
    };
  }
}

async function verifySdJwtKb(
  token: SecuredCredential,
  options: VerifyPresentationOptions,
  binding: "required" | "off",
): Promise<VerifyPresentationResult> {
  const keyBinding = { ...options.keyBinding };
  if (options.nonce !== undefined) keyBinding.nonce = options.nonce;
  if (options.audience !== undefined) keyBinding.audience = options.audience;
  const { keyBinding: _ignored, ...rest } = options;
  const result = await verifyCredential(token, binding === "required" ? { ...rest, keyBinding } : rest);
  const holder = result.credential ? subjectIds(result.credential)[0] : undefined;
  const typ =
    typeof token === "string" ? decodeJsonPart(token.split(".", 1)[0] ?? "", "the JWS header").typ : undefined;
  return {
    verified: result.verified,
    format: "sd-jwt+kb",
    ...(holder ? { holder } : {}),
    credentials: [
      {
        index: 0,
        mediaType: typ === "dc+sd-jwt" ? "application/dc+sd-jwt" : "application/vc+sd-jwt",
        result,
        errors: result.errors,
      },
    ],
    errors: result.errors,
  };
}

async function checkPresentation(
  ctx: Context,
  opened: Opened,
  format: PresentationFormat,
  options: VerifyPresentationOptions,
  binding: "required" | "off",
  mode: "verify" | "envelope-only",
): Promise<VerifyPresentationResult> {
  const { payload } = opened;
  const parsed = verifiablePresentationSchema.safeParse(payload);
  if (!parsed.success)
    throw new CredentialError("malformed", `not a verifiable presentation: ${describeZodError(parsed.error)}`);
  const presentation = parsed.data;
  const holder =
    presentation.holder === undefined
      ? undefined
      : typeof presentation.holder === "string"
        ? presentation.holder
        : presentation.holder.id;
  if (payload.iss !== undefined && holder !== undefined && payload.iss !== holder)
    ctx.errors.push({
      code: "invalid_claims",
      message: `iss ${JSON.stringify(payload.iss)} is not the holder ${holder}`,
    });
  checkValidity(ctx, {}, payload, "presentation");
  if (options.nonce !== undefined && payload.nonce !== options.nonce)
    ctx.errors.push({
      code: "holder_binding_failed",
      message: "the presentation's nonce is not the one this verifier issued",
    });
  if (options.audience !== undefined) {
    const aud = payload.aud;
    const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(options.audience))
      ctx.errors.push({
        code: "holder_binding_failed",
        message: `the presentation is for ${JSON.stringify(aud ?? null)}, not ${options.audience}`,
      });
  }
  if (binding === "required") {
    const kidDid = didOfKid(opened.kid);
    if (holder === undefined)
      ctx.errors.push({ code: "holder_binding_failed", message: "the presentation names no holder" });
    else if (kidDid !== holder)
      ctx.errors.push({
        code: "holder_binding_failed",
        message: `the presentation is signed with ${opened.kid}, not a key of its holder ${holder}`,
      });
  }
  const entries =
    presentation.verifiableCredential === undefined
      ? []
      : Array.isArray(presentation.verifiableCredential)
        ? presentation.verifiableCredential
        : [presentation.verifiableCredential];
  const embeddedOptions: VerifyCredentialOptions = { ...options, now: ctx.now };
  delete embeddedOptions.keyBinding;
  const presenterThumbprint = safeThumbprint(opened.jwk);
  const credentials: PresentedCredential[] = [];
  for (const [index, entry] of entries.entries()) {
    const presented = await checkEmbedded(entry, index, embeddedOptions, mode);
    if (binding === "required" && presented.result?.credential) {
      const bound = boundTo(presented.result.credential, holder, presenterThumbprint);
      if (!bound) {
        const error: VerificationError = {
          code: "holder_binding_failed",
          message: `verifiableCredential[${index}] is bound to neither the holder (as subject) nor the presenting key (cnf)`,
        };
        presented.errors.push(error);
      }
    }
    for (const error of presented.errors)
      ctx.errors.push({
        code: "credential_invalid",
        message: `verifiableCredential[${index}]: ${error.code}: ${error.message}`,
      });
    credentials.push(presented);
  }
  return {
    verified: ctx.errors.length === 0,
    format,
    presentation,
    ...(holder === undefined ? {} : { holder }),
    credentials,
    errors: ctx.errors,
  };
}

function safeThumbprint(jwk: JsonWebKey): string | undefined {
  return jwk.kty === "EC" || jwk.kty === "OKP" ? jwkThumbprint(jwk) : undefined;
}

function boundTo(credential: VerifiableCredential, holder: string | undefined, presenter: string | undefined): boolean {
  const cnfJwk = credential.cnf?.jwk;
  if (cnfJwk && presenter !== undefined && safeThumbprint(cnfJwk) === presenter) return true;
  return holder !== undefined && subjectIds(credential).includes(holder);
}

async function checkEmbedded(
  entry: unknown,
  index: number,
  options: VerifyCredentialOptions,
  mode: "verify" | "envelope-only",
): Promise<PresentedCredential> {
  const parsed = envelopedCredentialSchema.safeParse(entry);
  if (!parsed.success)
    return {
      index,
      errors: [{ code: "malformed", message: "not an EnvelopedVerifiableCredential (credentials must be secured)" }],
    };
  const envelope: EnvelopedVerifiableCredential = parsed.data;
  let opened: ReturnType<typeof openEnvelope>;
  try {
    opened = openEnvelope(envelope.id);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    return { index, errors: [error.toValue()] };
  }
  if (mode === "envelope-only") return { index, mediaType: opened.mediaType, errors: [] };
  const result = await verifyCredential(opened.credential, options);
  const errors = [...result.errors];
  const expected: CredentialFormat =
    opened.mediaType === "application/vc+jwt"
      ? "vc+jwt"
      : opened.mediaType === "application/vc+cose"
        ? "vc+cose"
        : "sd-jwt";
  if (result.format !== undefined && result.format !== expected)
    errors.push({
      code: "bad_media_type",
      message: `the data: URL says ${opened.mediaType}, the content is ${result.format}`,
    });
  return { index, mediaType: opened.mediaType, result, errors };
}
