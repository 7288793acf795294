// VC-COSE: a credential secured as a COSE_Sign1 (RFC 9052), tagged (18) or not, its protected header naming the
// algorithm, the content type `application/vc` (label 3) and/or `typ` `application/vc+cose` (label 16, RFC 9596), and
// the `kid` (label 4). Enough to verify the W3C test vectors and credentials from COSE issuers; the platform itself
// issues vc+jwt and SD-JWT. `signCoseSign1` exists so that our tests can make COSE documents of their own.
import type { KeyObject } from "node:crypto";
import { decode, encode, Tagged } from "cborg";
import { CredentialError } from "./errors.js";
import { type SignatureAlgorithm, signatureAlgorithms, signBytes, verifyBytes } from "./keys.js";

export const COSE_SIGN1_TAG = 18;
export const coseHeaderLabels = { alg: 1, contentType: 3, kid: 4, typ: 16 } as const;

/** COSE algorithm identifiers (IANA "COSE Algorithms") of the algorithms we verify. */
export const coseAlgorithms: Record<SignatureAlgorithm, number> = { ES256: -7, ES384: -35, ES512: -36, EdDSA: -8 };

export type CoseHeader = Map<unknown, unknown>;

export type DecodedCoseSign1 = {
  protectedBytes: Uint8Array;
  protectedHeader: CoseHeader;
  unprotectedHeader: CoseHeader;
  payload: Uint8Array;
  signature: Uint8Array;
  alg: SignatureAlgorithm;
  kid: string | undefined;
  contentType: string | number | undefined;
  typ: string | number | undefined;
};

/**
 * Decodes a COSE_Sign1. Throws `malformed` (not CBOR, not a 4-element COSE_Sign1, detached payload) or `unsupported`
 * (an algorithm outside `algorithms`).
 */
export function decodeCoseSign1(
  bytes: Uint8Array,
  algorithms: readonly SignatureAlgorithm[] = signatureAlgorithms,
): DecodedCoseSign1 {
  let value: unknown;
  try {
    value = decode(bytes, {
      useMaps: true,
      rejectDuplicateMapKeys: true,
      tags: { [COSE_SIGN1_TAG]: (content) => content() },
    });
  } catch (error) {
    throw new CredentialError("malformed", "the credential is not CBOR", { cause: error });
  }
  if (!Array.isArray(value) || value.length !== 4) throw new CredentialError("malformed", "not a COSE_Sign1 array");
  const [protectedBytes, unprotectedHeader, payload, signature] = value;
  if (!(protectedBytes instanceof Uint8Array))
    throw new CredentialError("malformed", "the protected header is not a bstr");
  if (!(unprotectedHeader instanceof Map))
    throw new CredentialError("malformed", "the unprotected header is not a map");
  if (payload === null) throw new CredentialError("malformed", "the COSE_Sign1 payload is detached");
  if (!(payload instanceof Uint8Array)) throw new CredentialError("malformed", "the payload is not a bstr");
  if (!(signature instanceof Uint8Array)) throw new CredentialError("malformed", "the signature is not a bstr");
  let protectedHeader: unknown = new Map();
  if (protectedBytes.length > 0) {
    try {
      protectedHeader = decode(protectedBytes, { useMaps: true, rejectDuplicateMapKeys: true });
    } catch (error) {
      throw new CredentialError("malformed", "the protected header is not CBOR", { cause: error });
    }
  }
  if (!(protectedHeader instanceof Map)) throw new CredentialError("malformed", "the protected header is not a map");
  const algId = protectedHeader.get(coseHeaderLabels.alg);
  const alg = signatureAlgorithms.find((a) => coseAlgorithms[a] === algId);
  if (!alg || !algorithms.includes(alg))
    throw new CredentialError("unsupported", `COSE algorithm ${String(algId)} is not accepted`);
  const kidValue = protectedHeader.get(coseHeaderLabels.kid) ?? unprotectedHeader.get(coseHeaderLabels.kid);
  let kid: string | undefined;
  if (kidValue instanceof Uint8Array) kid = Buffer.from(kidValue).toString("utf8");
  else if (typeof kidValue === "string") kid = kidValue;
  else if (kidValue !== undefined) throw new CredentialError("malformed", "the COSE kid is not a bstr");
  return {
    protectedBytes,
    protectedHeader,
    unprotectedHeader,
    payload,
    signature,
    alg,
    kid,
    contentType: headerText(protectedHeader.get(coseHeaderLabels.contentType)),
    typ: headerText(protectedHeader.get(coseHeaderLabels.typ)),
  };
}

function headerText(value: unknown): string | number | undefined {
  return typeof value === "string" || typeof value === "number" ? value : undefined;
}

/** The bytes a COSE_Sign1 signs: `["Signature1", protected, external_aad, payload]`. */
export function sigStructure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad = new Uint8Array(),
): Uint8Array {
  return encode(["Signature1", protectedBytes, externalAad, payload]);
}

export function verifyCoseSign1(cose: DecodedCoseSign1, key: KeyObject): boolean {
  return verifyBytes(cose.alg, key, sigStructure(cose.protectedBytes, cose.payload), cose.signature);
}

/**
 * Throws `bad_media_type` unless the content type (label 3) is `application/<kind>` and `typ` (label 16) is
 * `application/<kind>+cose`; each may be absent, but not both.
 */
export function checkCoseMediaType(cose: DecodedCoseSign1, kind: "vc" | "vp"): void {
  if (cose.contentType === undefined && cose.typ === undefined)
    throw new CredentialError("bad_media_type", `neither content type nor typ says application/${kind}`);
  if (cose.contentType !== undefined && cose.contentType !== `application/${kind}`)
    throw new CredentialError(
      "bad_media_type",
      `content type is ${JSON.stringify(cose.contentType)}, expected "application/${kind}"`,
    );
  if (cose.typ !== undefined && cose.typ !== `application/${kind}+cose`)
    throw new CredentialError(
      "bad_media_type",
      `typ is ${JSON.stringify(cose.typ)}, expected "application/${kind}+cose"`,
    );
}

export type SignCoseSign1Parameters = {
  payload: Uint8Array;
  alg: SignatureAlgorithm;
  key: KeyObject;
  kid?: string;
  contentType?: string;
  typ?: string;
  /** Whether to wrap in CBOR tag 18 (default true). */
  tagged?: boolean;
};

/** Signs a COSE_Sign1 with an attached payload. */
export function signCoseSign1(parameters: SignCoseSign1Parameters): Uint8Array {
  const header = new Map<number, unknown>([[coseHeaderLabels.alg, coseAlgorithms[parameters.alg]]]);
  if (parameters.contentType !== undefined) header.set(coseHeaderLabels.contentType, parameters.contentType);
  if (parameters.kid !== undefined) header.set(coseHeaderLabels.kid, Buffer.from(parameters.kid, "utf8"));
  if (parameters.typ !== undefined) header.set(coseHeaderLabels.typ, parameters.typ);
  const protectedBytes = encode(header);
  const signature = signBytes(parameters.alg, parameters.key, sigStructure(protectedBytes, parameters.payload));
  const sign1 = [protectedBytes, new Map(), parameters.payload, new Uint8Array(signature)];
  return encode(parameters.tagged === false ? sign1 : new Tagged(COSE_SIGN1_TAG, sign1));
}
