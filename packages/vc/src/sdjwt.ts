// SD-JWT (RFC 9901, and the SD-JWT VC profile): selective disclosure for our credentials. The issuer replaces each
// disclosable claim by the SHA-256 digest of a salted disclosure (`_sd` in objects, `{"...": digest}` in arrays),
// signs the result, and hands the holder the disclosures; the holder presents a subset and proves possession of the
// `cnf.jwk` key with a key-binding JWT over the verifier's nonce and audience and the hash of what it presents.
// Only the verifying side of the issuer-signed JWT lives in verify.ts; everything SD-specific is here.
import { createHash, type JsonWebKey, type KeyObject, randomBytes } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { base64urlDecode, base64urlEncode, isJsonObject, isOneOf, type JsonObject } from "./encoding.js";
import { CredentialError } from "./errors.js";
import { checkJoseMediaType, decodeJws, signJws, verifyJwsSignature } from "./jose.js";
import {
  assertKeyFitsAlgorithm,
  importPublicJwk,
  type KeyCache,
  publicJwk,
  type SignatureAlgorithm,
  toPrivateKey,
} from "./keys.js";

export const SD_ALG = "sha-256";
/** `typ` values of a credential secured as SD-JWT: the W3C one and the IETF SD-JWT VC one. */
export const sdJwtCredentialTypes = ["vc+sd-jwt", "dc+sd-jwt"] as const;
export const KB_JWT_TYP = "kb+jwt";

/**
 * Claims that stay in the clear whatever the issuer asks: a verifier needs them before it can judge anything else
 * (who issued it, when it is valid, whether it is revoked, which key is the holder's).
 */
export const alwaysVisibleClaims = [
  "@context",
  "type",
  "issuer",
  "iss",
  "validFrom",
  "validUntil",
  "nbf",
  "exp",
  "iat",
  "credentialStatus",
  "status",
  "cnf",
  "vct",
] as const;

export type Disclosure = {
  /** base64url of the JSON array, exactly as presented. */
  encoded: string;
  /** base64url(SHA-256(encoded)), the value found in `_sd` or `...`. */
  digest: string;
  salt: string;
  /** The claim name; absent for an array element. */
  name: string | undefined;
  value: unknown;
};

export function disclosureDigest(encoded: string): string {
  return createHash("sha256").update(encoded, "ascii").digest("base64url");
}

/** A new disclosure with a 128-bit random salt. */
export function createDisclosure(name: string | undefined, value: unknown, salt = randomSalt()): Disclosure {
  const encoded = base64urlEncode(JSON.stringify(name === undefined ? [salt, value] : [salt, name, value]));
  return { encoded, digest: disclosureDigest(encoded), salt, name, value };
}

function randomSalt(): string {
  return randomBytes(16).toString("base64url");
}

/** Parses a presented disclosure. Throws `invalid_disclosure` when it is not `[salt, value]` or `[salt, name, value]`. */
export function decodeDisclosure(encoded: string): Disclosure {
  let array: unknown;
  try {
    array = JSON.parse(base64urlDecode(encoded, "a disclosure").toString("utf8"));
  } catch (error) {
    throw new CredentialError("invalid_disclosure", "a disclosure is not base64url JSON", { cause: error });
  }
  if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3) || typeof array[0] !== "string")
    throw new CredentialError("invalid_disclosure", "a disclosure must be [salt, value] or [salt, name, value]");
  const name: unknown = array.length === 3 ? array[1] : undefined;
  if (name !== undefined && typeof name !== "string")
    throw new CredentialError("invalid_disclosure", "a disclosure's claim name is not a string");
  if (name === "_sd" || name === "...")
    throw new CredentialError("invalid_disclosure", `a disclosure may not name the claim "${name}"`);
  return { encoded, digest: disclosureDigest(encoded), salt: array[0], name, value: array[array.length - 1] };
}

export type ClaimPath = (string | number)[];

/** `credentialSubject.phoneNumbers[0]` (or `credentialSubject.phoneNumbers.0`) as path segments. */
export function parseClaimPath(path: string): ClaimPath {
  if (path === "") throw new InvalidInputError("an empty claim path");
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .map((segment) => {
      if (segment === "") throw new InvalidInputError(`claim path "${path}" has an empty segment`);
      return /^\d+$/.test(segment) ? Number(segment) : segment;
    });
}

export function formatClaimPath(path: ClaimPath): string {
  return path
    .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
}

export type PackDisclosuresOptions = {
  /** Random digests added to every `_sd` array, hiding how many claims were left out. */
  decoys?: number;
};

/**
 * Replaces the claims at `paths` by digests and returns the payload to sign and the disclosures. Paths are packed
 * deepest first, so a disclosable object may itself contain disclosable claims. Adds `_sd_alg`.
 */
export function packDisclosures(
  payload: JsonObject,
  paths: readonly string[],
  options: PackDisclosuresOptions = {},
): { payload: JsonObject; disclosures: Disclosure[] } {
  const packed = structuredClone(payload);
  const parsed = paths.map((path) => ({ path, segments: parseClaimPath(path) }));
  for (const { path, segments } of parsed) {
    const first = segments[0];
    if (segments.length === 1 && typeof first === "string" && isOneOf(alwaysVisibleClaims, first))
      throw new InvalidInputError(`claim "${path}" cannot be selectively disclosable`, {
        details: "verifiers need the issuer, validity, status, type and holder key before anything else",
      });
    const last = segments[segments.length - 1];
    if (last === "_sd" || last === "..." || last === "_sd_alg")
      throw new InvalidInputError(`claim "${path}" is SD-JWT syntax, not a claim`);
  }
  parsed.sort((a, b) => b.segments.length - a.segments.length);
  const disclosures: Disclosure[] = [];
  const touched = new Set<JsonObject>();
  for (const { path, segments } of parsed) {
    const parent = resolveParent(packed, segments, path);
    const key = segments[segments.length - 1];
    if (Array.isArray(parent) && typeof key === "number") {
      if (key >= parent.length) throw new InvalidInputError(`claim "${path}" does not exist in the credential`);
      const disclosure = createDisclosure(undefined, parent[key]);
      parent[key] = { "...": disclosure.digest };
      disclosures.push(disclosure);
    } else if (isJsonObject(parent) && typeof key === "string") {
      if (!Object.hasOwn(parent, key)) throw new InvalidInputError(`claim "${path}" does not exist in the credential`);
      const disclosure = createDisclosure(key, parent[key]);
      delete parent[key];
      const sd = Array.isArray(parent._sd) ? parent._sd : [];
      sd.push(disclosure.digest);
      parent._sd = sd;
      touched.add(parent);
      disclosures.push(disclosure);
    } else {
      throw new InvalidInputError(`claim "${path}" does not exist in the credential`);
    }
  }
  for (const object of touched) {
    const sd = object._sd;
    if (!Array.isArray(sd)) continue;
    for (let i = 0; i < (options.decoys ?? 0); i++) sd.push(disclosureDigest(randomSalt()));
    sd.sort();
  }
  packed._sd_alg = SD_ALG;
  return { payload: packed, disclosures };
}

function resolveParent(root: JsonObject, segments: ClaimPath, path: string): unknown {
  let node: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isJsonObject(node) && typeof segment === "string" && Object.hasOwn(node, segment)) node = node[segment];
    else throw new InvalidInputError(`claim "${path}" does not exist in the credential`);
  }
  return node;
}

export type SplitSdJwt = {
  /** The issuer-signed JWT. */
  jwt: string;
  disclosures: string[];
  /** The key-binding JWT, when the holder added one. */
  kbJwt: string | undefined;
  /** `<jwt>~<d1>~…~<dn>~`: what `sd_hash` covers. */
  presented: string;
};

/** Splits `<jwt>~<d1>~…~<dn>~[<kb-jwt>]`. Throws `malformed` when it has no `~` or an empty disclosure. */
export function splitSdJwt(compact: string): SplitSdJwt {
  const parts = compact.split("~");
  if (parts.length < 2) throw new CredentialError("malformed", "an SD-JWT has at least one `~`");
  const jwt = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  const disclosures = parts.slice(1, -1);
  if (disclosures.some((d) => d === "")) throw new CredentialError("malformed", "the SD-JWT has an empty disclosure");
  const presented = compact.slice(0, compact.length - last.length);
  return { jwt, disclosures, kbJwt: last === "" ? undefined : last, presented };
}

/** A disclosure as found in the payload: where it sits. */
export type PlacedDisclosure = Disclosure & { path: ClaimPath };

/**
 * Rebuilds the claims from the signed payload and the presented disclosures (RFC 9901 §7.1): every disclosure must
 * match exactly one digest, no digest may appear twice, a disclosed name may not collide with a visible claim.
 * Undisclosed digests (and decoys) vanish. Throws `invalid_disclosure` or `unsupported` (`_sd_alg` not sha-256).
 */
export function unpackDisclosures(
  payload: JsonObject,
  encodedDisclosures: readonly string[],
): { claims: JsonObject; disclosed: PlacedDisclosure[] } {
  const sdAlg = payload._sd_alg ?? SD_ALG;
  if (sdAlg !== SD_ALG) throw new CredentialError("unsupported", `_sd_alg ${JSON.stringify(sdAlg)} is not sha-256`);
  const byDigest = new Map<string, Disclosure>();
  for (const encoded of encodedDisclosures) {
    const disclosure = decodeDisclosure(encoded);
    if (byDigest.has(disclosure.digest))
      throw new CredentialError("invalid_disclosure", "the same disclosure is presented twice");
    byDigest.set(disclosure.digest, disclosure);
  }
  const seen = new Set<string>();
  const disclosed: PlacedDisclosure[] = [];

  const visit = (node: unknown, path: ClaimPath): unknown => {
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      node.forEach((element, index) => {
        if (isJsonObject(element) && Object.hasOwn(element, "...")) {
          const digest = element["..."];
          if (Object.keys(element).length !== 1 || typeof digest !== "string")
            throw new CredentialError("invalid_disclosure", 'an array digest must be the only member "..." (a string)');
          claimDigest(digest);
          const disclosure = byDigest.get(digest);
          if (!disclosure) return;
          if (disclosure.name !== undefined)
            throw new CredentialError("invalid_disclosure", "an array element's disclosure carries a claim name");
          disclosed.push({ ...disclosure, path: [...path, index] });
          out.push(visit(disclosure.value, [...path, index]));
        } else {
          out.push(visit(element, [...path, index]));
        }
      });
      return out;
    }
    if (!isJsonObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "_sd" || (key === "_sd_alg" && path.length === 0)) continue;
      setOwn(out, key, visit(value, [...path, key]));
    }
    if (node._sd !== undefined) {
      if (!Array.isArray(node._sd) || node._sd.some((d) => typeof d !== "string"))
        throw new CredentialError("invalid_disclosure", "_sd must be an array of digests");
      for (const digest of node._sd) {
        claimDigest(digest);
        const disclosure = byDigest.get(digest);
        if (!disclosure) continue;
        if (disclosure.name === undefined)
          throw new CredentialError("invalid_disclosure", "an object's disclosure has no claim name");
        if (Object.hasOwn(out, disclosure.name))
          throw new CredentialError("invalid_disclosure", `disclosed claim "${disclosure.name}" is already present`);
        disclosed.push({ ...disclosure, path: [...path, disclosure.name] });
        setOwn(out, disclosure.name, visit(disclosure.value, [...path, disclosure.name]));
      }
    }
    return out;
  };

  function claimDigest(digest: string): void {
    if (seen.has(digest)) throw new CredentialError("invalid_disclosure", "a digest appears more than once");
    seen.add(digest);
  }

  const claims = visit(payload, []);
  if (!isJsonObject(claims)) throw new CredentialError("malformed", "the SD-JWT payload is not an object");
  if (disclosed.length !== byDigest.size)
    throw new CredentialError("invalid_disclosure", "a disclosure matches no digest in the credential");
  return { claims, disclosed };
}

/** Defines an own property even for "__proto__", which plain assignment would turn into a prototype change. */
function setOwn(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** base64url(SHA-256) of the presented SD-JWT up to its last `~`: what a key-binding JWT signs over. */
export function sdHash(presented: string): string {
  return createHash("sha256").update(presented, "ascii").digest("base64url");
}

export type KeyBindingParameters = {
  /** The holder's private key, the one whose public half is the credential's `cnf.jwk`. */
  privateKey: JsonWebKey | KeyObject;
  nonce: string;
  audience: string;
  now?: Date;
  alg?: SignatureAlgorithm;
};

/** Signs a key-binding JWT (`typ: "kb+jwt"`) over `presented` (which must end with `~`). */
export function createKbJwt(presented: string, parameters: KeyBindingParameters): string {
  if (!presented.endsWith("~")) throw new InvalidInputError("the presented SD-JWT must end with `~`");
  return signJws(
    { alg: parameters.alg ?? "ES256", typ: KB_JWT_TYP },
    {
      iat: Math.floor((parameters.now ?? new Date()).getTime() / 1000),
      aud: parameters.audience,
      nonce: parameters.nonce,
      sd_hash: sdHash(presented),
    },
    toPrivateKey(parameters.privateKey),
  );
}

export type PresentSdJwtParameters = {
  /** Claim paths to reveal; a path brings its enclosing disclosures and everything under it. */
  disclose: readonly string[];
  /** Adds a key-binding JWT when given. */
  keyBinding?: KeyBindingParameters;
};

/**
 * The holder's side: keeps only the disclosures needed for `disclose` and, with `keyBinding`, appends a KB-JWT.
 * @example presentSdJwt(issued, { disclose: ["credentialSubject.make"], keyBinding: { privateKey, nonce, audience } })
 */
export function presentSdJwt(sdJwt: string, parameters: PresentSdJwtParameters): string {
  const split = splitSdJwt(sdJwt);
  const payload = decodeJws(split.jwt).payload;
  const { disclosed } = unpackDisclosures(payload, split.disclosures);
  const wanted = parameters.disclose.map(parseClaimPath);
  const keep = disclosed.filter((d) => wanted.some((w) => isPrefix(d.path, w) || isPrefix(w, d.path)));
  const presented = `${split.jwt}~${keep.map((d) => `${d.encoded}~`).join("")}`;
  return parameters.keyBinding ? presented + createKbJwt(presented, parameters.keyBinding) : presented;
}

function isPrefix(prefix: ClaimPath, path: ClaimPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

export type VerifyKbJwtParameters = {
  holderJwk: JsonWebKey;
  presented: string;
  nonce?: string;
  audience?: string;
  now: Date;
  /** How old the KB-JWT may be; 300 s unless given. */
  maxAgeSeconds?: number;
  clockSkewSeconds?: number;
  /** Where holder KeyObjects are kept between verifications (keyed by the key's coordinates). */
  keyCache?: KeyCache;
};

/** Checks a key-binding JWT; every failure is `holder_binding_failed` with the reason. */
export function verifyKbJwt(kbJwt: string, parameters: VerifyKbJwtParameters): JsonObject {
  const fail = (message: string, cause?: unknown) =>
    new CredentialError("holder_binding_failed", message, cause === undefined ? {} : { cause });
  let jws: ReturnType<typeof decodeJws>;
  try {
    jws = decodeJws(kbJwt);
    checkJoseMediaType(jws.header, { typ: [KB_JWT_TYP] });
    assertKeyFitsAlgorithm(parameters.holderJwk, jws.alg);
  } catch (error) {
    if (error instanceof CredentialError) throw fail(`key-binding JWT: ${error.shortMessage}`, error);
    throw error;
  }
  const holderKey = parameters.keyCache
    ? parameters.keyCache.get(`cnf:${parameters.holderJwk.x}:${parameters.holderJwk.y ?? ""}`, parameters.holderJwk)
    : importPublicJwk(parameters.holderJwk);
  if (!verifyJwsSignature(jws, holderKey)) throw fail("the key-binding JWT is not signed by the credential's cnf key");
  const { iat, aud, nonce, sd_hash } = jws.payload;
  if (sd_hash !== sdHash(parameters.presented))
    throw fail("the key-binding JWT's sd_hash does not match the presented SD-JWT");
  if (typeof nonce !== "string") throw fail("the key-binding JWT has no nonce");
  if (parameters.nonce !== undefined && nonce !== parameters.nonce)
    throw fail("the key-binding JWT's nonce is not the one this verifier issued");
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (audiences.length === 0) throw fail("the key-binding JWT has no aud");
  if (parameters.audience !== undefined && !audiences.includes(parameters.audience))
    throw fail(`the key-binding JWT is for ${JSON.stringify(aud)}, not ${parameters.audience}`);
  if (typeof iat !== "number") throw fail("the key-binding JWT has no numeric iat");
  const now = parameters.now.getTime() / 1000;
  const skew = parameters.clockSkewSeconds ?? 60;
  if (iat > now + skew) throw fail("the key-binding JWT is issued in the future");
  if (iat < now - (parameters.maxAgeSeconds ?? 300) - skew) throw fail("the key-binding JWT is too old");
  return jws.payload;
}

export type IssueSdJwtParameters = {
  /** The credential (or any claims); `disclosable` paths are packed, everything else stays visible. */
  payload: JsonObject;
  disclosable: readonly string[];
  /** DID URL of the issuer's verification method. */
  kid: string;
  privateKey: JsonWebKey | KeyObject;
  typ?: (typeof sdJwtCredentialTypes)[number];
  decoys?: number;
  /** The holder's public key, bound as `cnf.jwk`; a presentation must then carry a KB-JWT signed with it. */
  holderJwk?: JsonWebKey;
};

/**
 * Issues an SD-JWT (ES256): `<issuer-jwt>~<disclosure>~…~`.
 * @example issueSdJwt({ payload: credential, disclosable: ["credentialSubject.vin"], kid, privateKey, holderJwk })
 */
export function issueSdJwt(parameters: IssueSdJwtParameters): string {
  const payload: JsonObject = { ...parameters.payload };
  if (parameters.holderJwk) payload.cnf = { jwk: publicJwk(parameters.holderJwk) };
  const packed = packDisclosures(
    payload,
    parameters.disclosable,
    parameters.decoys === undefined ? {} : { decoys: parameters.decoys },
  );
  const typ = parameters.typ ?? "vc+sd-jwt";
  // `cty: "vc"` belongs to the W3C media type; the IETF dc+sd-jwt does not use it.
  const header =
    typ === "vc+sd-jwt"
      ? { alg: "ES256", typ, cty: "vc", kid: parameters.kid }
      : { alg: "ES256", typ, kid: parameters.kid };
  const jwt = signJws({ ...header, alg: "ES256" }, packed.payload, toPrivateKey(parameters.privateKey));
  return `${jwt}~${packed.disclosures.map((d) => `${d.encoded}~`).join("")}`;
}
