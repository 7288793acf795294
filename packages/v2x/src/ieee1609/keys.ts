// NIST P-256 keys and signatures between IEEE 1609.2 structures and node:crypto. A public key travels as an
// EccP256CurvePoint (compressed in what we emit, IEEE 1609.2 canonical form); node:crypto imports it as an SPKI
// with the point in SEC 1 form, which OpenSSL decompresses. A signature travels as EcdsaP256Signature: rSig is
// R or its x-coordinate (we emit x-only), and r = x mod n; node:crypto takes r || s ("ieee-p1363").
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import type { EccP256CurvePoint, Signature } from "./types.js";

// SubjectPublicKeyInfo prefixes for id-ecPublicKey / prime256v1 with a 33-octet (compressed) and 65-octet point.
const SPKI_COMPRESSED_PREFIX = Uint8Array.from(
  Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex"),
);
const SPKI_UNCOMPRESSED_PREFIX = Uint8Array.from(
  Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"),
);

/** The group order n of P-256. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Imports an EccP256CurvePoint as a node:crypto public key; x-only and fill carry no key and are refused. */
export function publicKeyFromPoint(point: EccP256CurvePoint): KeyObject {
  let der: Uint8Array;
  switch (point.type) {
    case "compressed-y-0":
    case "compressed-y-1":
      der = new Uint8Array(SPKI_COMPRESSED_PREFIX.length + 33);
      der.set(SPKI_COMPRESSED_PREFIX);
      der[SPKI_COMPRESSED_PREFIX.length] = point.type === "compressed-y-0" ? 0x02 : 0x03;
      der.set(point.x, SPKI_COMPRESSED_PREFIX.length + 1);
      break;
    case "uncompressedP256":
      der = new Uint8Array(SPKI_UNCOMPRESSED_PREFIX.length + 65);
      der.set(SPKI_UNCOMPRESSED_PREFIX);
      der[SPKI_UNCOMPRESSED_PREFIX.length] = 0x04;
      der.set(point.x, SPKI_UNCOMPRESSED_PREFIX.length + 1);
      der.set(point.y, SPKI_UNCOMPRESSED_PREFIX.length + 33);
      break;
    default:
      throw new InvalidInputError(`an EccP256CurvePoint of type ${point.type} carries no public key`, {
        fix: "verification keys must be compressed-y-0, compressed-y-1 or uncompressedP256",
      });
  }
  try {
    return createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: "der",
      type: "spki",
    });
  } catch (cause) {
    throw new InvalidInputError("the curve point is not on P-256", { cause });
  }
}

/** The compressed EccP256CurvePoint of a P-256 public (or private) key. */
export function pointFromPublicKey(key: KeyObject): EccP256CurvePoint {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "P-256" || jwk.x === undefined || jwk.y === undefined) {
    throw new InvalidInputError(`key is not a P-256 key (crv ${String(jwk.crv)})`);
  }
  const x = new Uint8Array(Buffer.from(jwk.x, "base64url"));
  const y = Buffer.from(jwk.y, "base64url");
  return { type: (y[31]! & 1) === 0 ? "compressed-y-0" : "compressed-y-1", x };
}

function bigintFrom(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function bytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * r || s (64 octets) of an ECDSA P-256 signature, for node:crypto's "ieee-p1363" encoding. Per IEEE 1609.2
 * EcdsaP256Signature, x-only carries the integer r of FIPS 186-4 itself, while compressed and uncompressed forms
 * carry the point R of SEC 1, whose x-coordinate gives r = x mod n.
 */
export function signatureToP1363(signature: Signature): Uint8Array {
  if (signature.type === "unknown")
    throw new InvalidInputError(`signature alternative ${signature.tag} is not ECDSA P-256`);
  const r = signature.rSig;
  if (r.type === "fill") throw new InvalidInputError("signature rSig is fill, which carries no value");
  let x = r.x;
  // x >= n happens with probability about 2^-128 for a point R, but must still verify.
  if (r.type !== "x-only" && bigintFrom(x) >= P256_N) x = bytes32(bigintFrom(x) - P256_N);
  const out = new Uint8Array(64);
  out.set(x, 0);
  out.set(signature.sSig, 32);
  return out;
}

/**
 * The one ECDSA verification that every IEEE 1609.2 signature goes through: ECDSA P-256 with SHA-256 over
 * `message` (for 1609.2, the 64-octet signatureMessage of hash.ts) by node:crypto with a reused KeyObject.
 * Returns false for any signature that is not a valid ecdsaNistP256Signature.
 */
export function verifyP256(message: Uint8Array, signature: Signature, key: KeyObject): boolean {
  if (signature.type !== "ecdsaNistP256Signature" || signature.rSig.type === "fill") return false;
  return verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signatureToP1363(signature));
}

/** An IEEE 1609.2 ecdsaNistP256Signature with rSig as x-only, from node:crypto's r || s. */
export function signatureFromP1363(p1363: Uint8Array): Signature {
  if (p1363.length !== 64) throw new InvalidInputError(`P1363 signature is ${p1363.length} octets, expected 64`);
  return {
    type: "ecdsaNistP256Signature",
    rSig: { type: "x-only", x: p1363.slice(0, 32) },
    sSig: p1363.slice(32, 64),
  };
}
