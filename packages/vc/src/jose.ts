// VC-JOSE (W3C "Securing Verifiable Credentials using JOSE and COSE"): a credential secured as a compact JWS with
// `typ: "vc+jwt"` whose payload is the credential itself (no `vc` claim wrapping), and a presentation as `vp+jwt`
// carrying its credentials as EnvelopedVerifiableCredential `data:` URLs. Signing and verification use node:crypto
// directly; `jose` is only a test oracle.
import type { JsonWebKey, KeyObject } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { VC_CONTEXT_V2 } from "./credential.js";
import {
  base64Decode,
  base64urlDecode,
  base64urlEncode,
  decodeJsonPart,
  isJsonObject,
  type JsonObject,
} from "./encoding.js";
import { CredentialError } from "./errors.js";
import {
  isSignatureAlgorithm,
  type SignatureAlgorithm,
  signatureAlgorithms,
  signBytes,
  toPrivateKey,
  verifyBytes,
} from "./keys.js";

/** A compact JWS split, decoded and parsed; the signature is not checked yet. */
export type DecodedJws = {
  header: JsonObject;
  payload: JsonObject;
  alg: SignatureAlgorithm;
  kid: string | undefined;
  /** `<header>.<payload>` as it was signed. */
  signingInput: string;
  signature: Buffer;
};

/**
 * Splits and parses a compact JWS. Throws `CredentialError` with `malformed` (not three base64url parts of JSON) or
 * `unsupported` (an algorithm outside `algorithms`, such as `none`).
 */
export function decodeJws(token: string, algorithms: readonly SignatureAlgorithm[] = signatureAlgorithms): DecodedJws {
  const parts = token.split(".");
  if (parts.length !== 3) throw new CredentialError("malformed", `a compact JWS has 3 parts, this has ${parts.length}`);
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  const header = decodeJsonPart(headerPart, "the JWS header");
  const payload = decodeJsonPart(payloadPart, "the JWS payload");
  const signature = base64urlDecode(signaturePart, "the JWS signature");
  const { alg, kid } = header;
  if (alg === undefined) throw new CredentialError("malformed", "the JWS header has no alg");
  if (!isSignatureAlgorithm(alg) || !algorithms.includes(alg))
    throw new CredentialError("unsupported", `algorithm ${JSON.stringify(alg)} is not accepted`, {
      details: `accepted: ${algorithms.join(", ")}`,
    });
  if (kid !== undefined && typeof kid !== "string")
    throw new CredentialError("malformed", "the JWS kid is not a string");
  if (header.crit !== undefined)
    throw new CredentialError("unsupported", "the JWS header has `crit` extensions, which this verifier does not know");
  return { header, payload, alg, kid, signingInput: `${headerPart}.${payloadPart}`, signature };
}

/** Checks a decoded JWS's signature with `key` (which must fit `jws.alg`). */
export function verifyJwsSignature(jws: DecodedJws, key: KeyObject): boolean {
  return verifyBytes(jws.alg, key, Buffer.from(jws.signingInput, "ascii"), jws.signature);
}

/** Signs a compact JWS. `header.alg` picks the algorithm; the platform issues ES256. */
export function signJws(header: JsonObject & { alg: SignatureAlgorithm }, payload: JsonObject, key: KeyObject): string {
  const signingInput = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode(JSON.stringify(payload))}`;
  return `${signingInput}.${base64urlEncode(signBytes(header.alg, key, Buffer.from(signingInput, "ascii")))}`;
}

/** Media types without the `application/` prefix that JOSE `typ` and `cty` may leave out (RFC 7515 §4.1.9). */
function bareMediaType(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

/**
 * Throws `bad_media_type` unless `typ` is one of `typ` and `cty`, when present, is one of `cty`.
 * @example checkJoseMediaType(jws.header, { typ: ["vc+jwt"], cty: ["vc"] })
 */
export function checkJoseMediaType(
  header: JsonObject,
  expected: { typ: readonly string[]; cty?: readonly string[] },
): void {
  const typ = bareMediaType(header.typ);
  if (typ === undefined || !expected.typ.includes(typ))
    throw new CredentialError(
      "bad_media_type",
      `typ is ${JSON.stringify(header.typ ?? null)}, expected ${expected.typ.map((t) => `"${t}"`).join(" or ")}`,
    );
  if (header.cty !== undefined && expected.cty) {
    const cty = bareMediaType(header.cty);
    if (cty === undefined || !expected.cty.includes(cty))
      throw new CredentialError(
        "bad_media_type",
        `cty is ${JSON.stringify(header.cty)}, expected ${expected.cty.map((t) => `"${t}"`).join(" or ")}`,
      );
  }
}

export type IssueVcJwtParameters = {
  /** The credential; it becomes the JWS payload as it is. */
  credential: JsonObject;
  /** DID URL of the issuer's verification method, e.g. `did:amc:main:…#key-1`. */
  kid: string;
  privateKey: JsonWebKey | KeyObject;
};

/**
 * Secures a credential as `vc+jwt` (ES256).
 * @example const jwt = issueVcJwt({ credential, kid: `${issuerDid}#key-1`, privateKey })
 */
export function issueVcJwt({ credential, kid, privateKey }: IssueVcJwtParameters): string {
  if ("vc" in credential || "vp" in credential)
    throw new InvalidInputError("a vc+jwt payload must not carry the JWT claims `vc` or `vp`");
  // The registered claims `iss` and `iat` repeat the issuer and the signing time (allowed by VC-JOSE, checked for
  // agreement by verifiers) so that generic JWT tooling such as did-jwt can verify the token as it is.
  const raw = credential.issuer;
  const iss = typeof raw === "string" ? raw : isJsonObject(raw) && typeof raw.id === "string" ? raw.id : undefined;
  const claims: JsonObject = { ...credential, ...(iss ? { iss } : {}), iat: Math.floor(Date.now() / 1000) };
  if (typeof credential.id === "string") claims.jti = credential.id;
  return signJws({ alg: "ES256", typ: "vc+jwt", cty: "vc", kid }, claims, toPrivateKey(privateKey));
}

/** A secured credential as a presentation carries it. */
export type SecuredCredential = string | Uint8Array;

export type IssueVpJwtParameters = {
  holder: string;
  /** DID URL of the holder's verification method. */
  kid: string;
  privateKey: JsonWebKey | KeyObject;
  /** Secured credentials: vc+jwt or SD-JWT compact strings, or COSE_Sign1 bytes. */
  credentials: readonly SecuredCredential[];
  /** The verifier's challenge, echoed as the `nonce` claim. */
  nonce?: string;
  /** The verifier, as the `aud` claim. */
  audience?: string;
  now?: Date;
  /** Lifetime of the presentation (the `exp` claim), 300 s unless given. */
  expiresInSeconds?: number;
};

/**
 * Secures a presentation as `vp+jwt` (ES256): the payload is the presentation with `holder` and its credentials
 * enveloped, plus the JWT claims `iat`, `exp` and, when given, `nonce` and `aud`.
 */
export function issueVpJwt(parameters: IssueVpJwtParameters): string {
  const iat = Math.floor((parameters.now ?? new Date()).getTime() / 1000);
  const payload: JsonObject = {
    "@context": [VC_CONTEXT_V2],
    type: "VerifiablePresentation",
    holder: parameters.holder,
    verifiableCredential: parameters.credentials.map(envelopeCredential),
    iat,
    exp: iat + (parameters.expiresInSeconds ?? 300),
  };
  if (parameters.nonce !== undefined) payload.nonce = parameters.nonce;
  if (parameters.audience !== undefined) payload.aud = parameters.audience;
  return signJws(
    { alg: "ES256", typ: "vp+jwt", cty: "vp", kid: parameters.kid },
    payload,
    toPrivateKey(parameters.privateKey),
  );
}

/** Media types a presentation's enveloped credential may name. */
export const envelopedMediaTypes = [
  "application/vc+jwt",
  "application/vc+sd-jwt",
  "application/dc+sd-jwt",
  "application/vc+cose",
] as const;
export type EnvelopedMediaType = (typeof envelopedMediaTypes)[number];

/** Wraps a secured credential as an EnvelopedVerifiableCredential whose `id` is a `data:` URL. */
export function envelopeCredential(credential: SecuredCredential): JsonObject {
  let id: string;
  if (typeof credential !== "string") {
    id = `data:application/vc+cose;base64,${Buffer.from(credential).toString("base64")}`;
  } else {
    const headerPart = credential.split(".", 1)[0] ?? "";
    const typ = bareMediaType(decodeJsonPart(headerPart, "the credential's JWS header").typ);
    const mediaType = credential.includes("~") ? (typ === "dc+sd-jwt" ? "dc+sd-jwt" : "vc+sd-jwt") : "vc+jwt";
    id = `data:application/${mediaType},${credential}`;
  }
  return { "@context": VC_CONTEXT_V2, type: "EnvelopedVerifiableCredential", id };
}

/**
 * Opens an EnvelopedVerifiableCredential's `data:` URL. Throws `malformed` when `id` is not a `data:` URL of a
 * secured credential media type (an unsecured or wrongly typed credential in a presentation).
 */
export function openEnvelope(id: string): { mediaType: EnvelopedMediaType; credential: SecuredCredential } {
  const match = /^data:([^,;]+)((?:;[^,;]+)*),(.*)$/s.exec(id);
  if (!match) throw new CredentialError("malformed", `${JSON.stringify(id.slice(0, 40))} is not a data: URL`);
  const [, rawType = "", parameters = "", data = ""] = match;
  const mediaType = envelopedMediaTypes.find((type) => type === rawType.toLowerCase());
  if (!mediaType)
    throw new CredentialError("bad_media_type", `${rawType} is not the media type of a secured credential`);
  const base64 = parameters.split(";").includes("base64");
  if (mediaType === "application/vc+cose") {
    if (!base64) throw new CredentialError("malformed", "a vc+cose data: URL must be base64-encoded");
    return { mediaType, credential: base64Decode(data, "the enveloped COSE credential") };
  }
  const text = base64 ? base64Decode(data, "the enveloped credential").toString("utf8") : decodeURIComponentSafe(data);
  return { mediaType, credential: text };
}

function decodeURIComponentSafe(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new CredentialError("malformed", "the data: URL has a bad percent-encoding", { cause: error });
  }
}
