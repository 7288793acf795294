// ECDSA over secp256k1 with SHA-256, as rust-umbral signs key fragments (k256's `sign_digest_with_rng` and
// `verify_digest`): 64-byte r ‖ s signatures, s normalised low on signing and required low on verification.
// The nonce is RFC 6979's HMAC-DRBG with 32 fresh random bytes as additional input (RFC 6979 §3.6), so a weak
// platform RNG cannot leak the key and a fault cannot repeat a nonce. Signing and verifying run on curve.ts, which
// is ~20x faster than @noble/curves' own ECDSA here; tests check every signature both ways against noble and the
// oracle.

import { bytesToNumberBE } from "@noble/curves/abstract/utils";
import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, randomBytes } from "@noble/hashes/utils";
import { affineXOf, type CurvePoint, G, jXModNEquals, mulMany, OddMultiples } from "./curve.js";
import { invN, modN, N, scalarToBytes } from "./scalar.js";

const HALF_N = N >> 1n;

/** Signs SHA-256(message) with secret scalar d; returns r ‖ s (64 bytes, big-endian, low s). */
export function ecdsaSign(message: Uint8Array, d: bigint): Uint8Array {
  const e = modN(bytesToNumberBE(sha256(message)));
  const seed = concatBytes(scalarToBytes(d), scalarToBytes(e), randomBytes(32));
  let k: Uint8Array = new Uint8Array(32);
  let v: Uint8Array = new Uint8Array(32).fill(1);
  k = hmac(sha256, k, concatBytes(v, Uint8Array.of(0), seed));
  v = hmac(sha256, k, v);
  k = hmac(sha256, k, concatBytes(v, Uint8Array.of(1), seed));
  v = hmac(sha256, k, v);
  for (;;) {
    v = hmac(sha256, k, v);
    const nonce = bytesToNumberBE(v);
    if (nonce > 0n && nonce < N) {
      const x = affineXOf(G.mul(nonce));
      if (x !== undefined) {
        const r = modN(x);
        let s = modN(invN(nonce) * (e + r * d));
        if (r !== 0n && s !== 0n) {
          if (s > HALF_N) s = N - s;
          return concatBytes(scalarToBytes(r), scalarToBytes(s));
        }
      }
    }
    k = hmac(sha256, k, concatBytes(v, Uint8Array.of(0)));
    v = hmac(sha256, k, v);
  }
}

/** Whether `signature` (r ‖ s, 64 bytes) signs SHA-256(message) under `publicKey`; high s is rejected, as k256 does. */
export function ecdsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: CurvePoint): boolean {
  if (signature.length !== 64) return false;
  const r = bytesToNumberBE(signature.subarray(0, 32));
  const s = bytesToNumberBE(signature.subarray(32));
  if (r <= 0n || r >= N || s <= 0n || s > HALF_N) return false;
  const e = modN(bytesToNumberBE(sha256(message)));
  const w = invN(s);
  const u1 = modN(e * w);
  const u2 = modN(r * w);
  const [q] = OddMultiples.build([publicKey]);
  if (q === undefined) return false;
  const point = u1 === 0n ? mulMany([q], [u2]) : mulMany([G.oddMultiples, q], [u1, u2]);
  return jXModNEquals(point, r);
}
