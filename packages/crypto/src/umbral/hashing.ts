// Umbral's hash constructions, byte for byte as rust-umbral (umbral-pre 0.10) computes them, so that objects made
// by either implementation open and verify in the other:
// - hash to scalar: SHA-256( u32be(len(dst)) ‖ dst ‖ parts… ), read big-endian as w, then (w mod (n − 1)) + 1, a
//   non-zero scalar (k256's `NonZeroScalar::from_uint_reduced`, checked against the oracle's capsules in tests);
//   points enter as their 33-byte compressed encodings;
// - the second generator U = hash_to_curve("POINT_U") with DST "PARAMETERS" (RFC 9380,
//   secp256k1_XMD:SHA-256_SSWU_RO_);
// - the KDF from a key seed (the compressed shared point) to the 32-byte DEM key: HKDF-SHA256, no salt, no info;
// - the message a kfrag's signatures cover: id ‖ commitment ‖ precursor ‖ (1 ‖ pk_A or 0) ‖ (1 ‖ pk_B or 0).

import { AssertionError } from "@amc/utils";
import { bytesToNumberBE } from "@noble/curves/abstract/utils";
import { hashToCurve, secp256k1 } from "@noble/curves/secp256k1";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import { CurvePoint, FixedBase } from "./curve.js";
import { N } from "./scalar.js";

/** Domain separation tags of rust-umbral's `hashing_ds.rs`. */
export const DST = {
  polynomialArg: "POLYNOMIAL_ARG",
  sharedSecret: "SHARED_SECRET",
  capsulePoints: "CAPSULE_POINTS",
  cfragVerification: "CFRAG_VERIFICATION",
} as const;

type Part = Uint8Array | CurvePoint;

/** A non-zero scalar from SHA-256 over a length-prefixed DST and the parts (points as compressed encodings). */
export function hashToScalar(dst: string, parts: readonly Part[]): bigint {
  const tag = utf8ToBytes(dst);
  const hash = sha256.create();
  hash.update(
    Uint8Array.of(tag.length >>> 24, (tag.length >>> 16) & 0xff, (tag.length >>> 8) & 0xff, tag.length & 0xff),
  );
  hash.update(tag);
  for (const part of parts) hash.update(part instanceof CurvePoint ? part.compressed() : part);
  return (bytesToNumberBE(hash.digest()) % (N - 1n)) + 1n;
}

let u: FixedBase | undefined;

/** Umbral's second generator U (with lazily built fixed-base tables): nobody knows log_G(U). */
export function paramsU(): FixedBase {
  if (u === undefined) {
    const point = hashToCurve(utf8ToBytes("POINT_U"), { DST: "PARAMETERS" });
    const parsed = CurvePoint.fromBytes(secp256k1.ProjectivePoint.fromAffine(point.toAffine()).toRawBytes(true));
    if (parsed === undefined) throw new AssertionError("hash_to_curve returned a point that does not parse");
    u = new FixedBase(parsed);
  }
  return u;
}

/** The 32-byte DEM key of a key seed (the compressed shared point), as rust-umbral's `DEM::new`. */
export function kdf(seed: Uint8Array): Uint8Array {
  return hkdf(sha256, seed, undefined, undefined, 32);
}

/** What a kfrag's signatures sign (rust-umbral's `kfrag_signature_message`). */
export function kfragSignatureMessage(
  id: Uint8Array,
  commitment: CurvePoint,
  precursor: CurvePoint,
  delegatingPk: CurvePoint | undefined,
  receivingPk: CurvePoint | undefined,
): Uint8Array {
  const flagged = (pk: CurvePoint | undefined) =>
    pk === undefined ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), pk.compressed());
  return concatBytes(id, commitment.compressed(), precursor.compressed(), flagged(delegatingPk), flagged(receivingPk));
}
