// Keys and signature algorithms, on node:crypto alone. We issue with ES256 (P-256 ECDSA, signatures as the 64-byte
// r||s of IEEE P1363 that JOSE and COSE use); we verify ES256, ES384, ES512 and EdDSA (Ed25519) because credentials
// from outside the platform, such as the W3C test vectors, use them. Importing a JWK costs more than an ES256
// verification, so verifiers keep KeyObjects in a `KeyCache` keyed by `kid` and checked against the key material.
import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, KeyObject, sign, verify } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { base64urlEncode, isOneOf } from "./encoding.js";
import { CredentialError } from "./errors.js";

export type { JsonWebKey };

export const signatureAlgorithms = ["ES256", "ES384", "ES512", "EdDSA"] as const;
export type SignatureAlgorithm = (typeof signatureAlgorithms)[number];

type AlgorithmSpec = { hash: "sha256" | "sha384" | "sha512" | null; kty: "EC" | "OKP"; crv: string; sigBytes: number };
const specs: Record<SignatureAlgorithm, AlgorithmSpec> = {
  ES256: { hash: "sha256", kty: "EC", crv: "P-256", sigBytes: 64 },
  ES384: { hash: "sha384", kty: "EC", crv: "P-384", sigBytes: 96 },
  ES512: { hash: "sha512", kty: "EC", crv: "P-521", sigBytes: 132 },
  EdDSA: { hash: null, kty: "OKP", crv: "Ed25519", sigBytes: 64 },
};

export function isSignatureAlgorithm(alg: unknown): alg is SignatureAlgorithm {
  return isOneOf(signatureAlgorithms, alg);
}

/** A public JWK as found in DID documents and `cnf.jwk`. */
export type PublicJwk = { kty: string; crv?: string; x?: string; y?: string; kid?: string; alg?: string };

/** Throws `unknown_key` unless `jwk` is a key of the curve that `alg` needs. */
export function assertKeyFitsAlgorithm(jwk: JsonWebKey, alg: SignatureAlgorithm): void {
  const spec = specs[alg];
  if (jwk.kty !== spec.kty || jwk.crv !== spec.crv)
    throw new CredentialError(
      "unknown_key",
      `the key is ${jwk.kty ?? "?"}/${jwk.crv ?? "?"}, but ${alg} needs ${spec.kty}/${spec.crv}`,
    );
}

/** The public members of a JWK (drops `d` and everything that is not key material). */
export function publicJwk(jwk: JsonWebKey): PublicJwk {
  const out: PublicJwk = { kty: jwk.kty ?? "" };
  if (jwk.crv !== undefined) out.crv = jwk.crv;
  if (jwk.x !== undefined) out.x = jwk.x;
  if (jwk.y !== undefined) out.y = jwk.y;
  return out;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC or OKP key: equal thumbprints mean the same key. */
export function jwkThumbprint(jwk: JsonWebKey | PublicJwk): string {
  const members =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === "OKP"
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
        : undefined;
  if (!members) throw new InvalidInputError(`cannot take the thumbprint of a ${String(jwk.kty)} key`);
  return base64urlEncode(createHash("sha256").update(JSON.stringify(members)).digest());
}

/** Imports a public JWK, throwing `unknown_key` when node:crypto refuses it. */
export function importPublicJwk(jwk: JsonWebKey): KeyObject {
  try {
    return createPublicKey({ key: publicJwkForImport(jwk), format: "jwk" });
  } catch (error) {
    throw new CredentialError("unknown_key", "the public key is not a usable JWK", { cause: error });
  }
}

function publicJwkForImport(jwk: JsonWebKey): JsonWebKey {
  const { kty, crv, x, y } = jwk;
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

/** Imports a private JWK (or passes a private KeyObject through). */
export function toPrivateKey(key: JsonWebKey | KeyObject): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== "private") throw new InvalidInputError("the signing key is not a private key");
    return key;
  }
  if (typeof key.d !== "string") throw new InvalidInputError("the signing JWK has no private part `d`");
  return createPrivateKey({ key, format: "jwk" });
}

/** Signs `data` with `alg`; ECDSA signatures come out as r||s (IEEE P1363), as JOSE and COSE require. */
export function signBytes(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  const spec = specs[alg];
  return spec.hash === null ? sign(null, data, key) : sign(spec.hash, data, { key, dsaEncoding: "ieee-p1363" });
}

/** Verifies an r||s (or Ed25519) signature; a signature of the wrong length is simply invalid. */
export function verifyBytes(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const spec = specs[alg];
  if (signature.length !== spec.sigBytes) return false;
  return spec.hash === null
    ? verify(null, data, key, signature)
    : verify(spec.hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
}

/**
 * KeyObjects by `kid`. A hit must also match the JWK's coordinates, so a key rotated in a DID document under the same
 * `kid` is imported afresh rather than served stale. Bounded: the oldest entry goes first.
 */
export class KeyCache {
  readonly #entries = new Map<string, { material: string; key: KeyObject }>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1024) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The KeyObject for `kid` and `jwk`, imported on the first call. */
  get(kid: string, jwk: JsonWebKey): KeyObject {
    const material = `${jwk.kty}|${jwk.crv}|${jwk.x}|${jwk.y ?? ""}`;
    const hit = this.#entries.get(kid);
    if (hit && hit.material === material) return hit.key;
    const key = importPublicJwk(jwk);
    if (!hit && this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(kid, { material, key });
    return key;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The cache that verifiers use unless given their own. */
export const defaultKeyCache = new KeyCache();
