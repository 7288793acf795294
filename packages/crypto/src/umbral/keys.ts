// Umbral key pairs: a secret key is a 32-byte big-endian scalar in [1, n), a public key its 33-byte SEC1 compressed
// point, the same bytes as umbral-pre's `SecretKey.toBEBytes()` and `PublicKey.toCompressedBytes()`. Parsing
// helpers here are the edge where caller bytes become curve objects, so they validate and say what was wrong.

import { InvalidInputError } from "@amc/utils";
import { bytesToNumberBE } from "@noble/curves/abstract/utils";
import { withArena } from "./arithmetic.js";
import { CurvePoint, G, toAffineBatch } from "./curve.js";
import { N, randomScalar, scalarToBytes } from "./scalar.js";

/** A fresh random secret key: 32 bytes, big-endian, a scalar in [1, n). */
export function generateSecretKey(): Uint8Array {
  return scalarToBytes(randomScalar());
}

/**
 * The 33-byte compressed public key of a secret key.
 *
 * @example
 * const sk = generateSecretKey();
 * const pk = publicKeyOf(sk); // Uint8Array(33), 0x02/0x03 ‖ x
 */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return withArena(() => {
    return publicPointOf(parseSecretKey(secretKey, "secretKey")).toBytes();
  });
}

/** d·G as a curve point. */
export function publicPointOf(d: bigint): CurvePoint {
  const point = toAffineBatch([G.mul(d)])[0];
  if (point === undefined) throw new InvalidInputError("secret key maps to the point at infinity");
  return point;
}

const describe = (bytes: unknown): string =>
  bytes instanceof Uint8Array ? `${bytes.length} bytes` : `a ${typeof bytes}, not a Uint8Array`;

/** A secret key's scalar, or InvalidInputError naming `name` when it is not 32 bytes of a scalar in [1, n). */
export function parseSecretKey(bytes: Uint8Array, name: string): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new InvalidInputError(`${name} must be a 32-byte secret key, got ${describe(bytes)}`, {
      fix: "pass the bytes of generateSecretKey()",
    });
  }
  const d = bytesToNumberBE(bytes);
  if (d === 0n || d >= N) {
    throw new InvalidInputError(`${name} is not a valid secret key: the scalar must be in [1, n)`, {
      details: d === 0n ? "it is zero" : "it is not below the secp256k1 group order",
    });
  }
  return d;
}

/** A public key's point, or InvalidInputError naming `name` when it is not a 33-byte compressed curve point. */
export function parsePublicKey(bytes: Uint8Array, name: string): CurvePoint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33) {
    throw new InvalidInputError(`${name} must be a 33-byte compressed public key, got ${describe(bytes)}`, {
      fix: "pass the bytes of publicKeyOf(secretKey)",
    });
  }
  return parsePoint(bytes, name);
}

/** A 33-byte compressed point, or InvalidInputError naming `name`. */
export function parsePoint(bytes: Uint8Array, name: string): CurvePoint {
  const point = CurvePoint.fromBytes(bytes);
  if (point === undefined) {
    throw new InvalidInputError(`${name} is not a point of secp256k1`, {
      details:
        bytes[0] === 2 || bytes[0] === 3
          ? "its x coordinate is not below p or has no point on the curve"
          : `its prefix byte is 0x${(bytes[0] ?? 0).toString(16).padStart(2, "0")}, not 0x02 or 0x03`,
    });
  }
  return point;
}

/** A 32-byte big-endian scalar in [1, n), or InvalidInputError naming `name`. */
export function parseNonZeroScalar(bytes: Uint8Array, name: string): bigint {
  const k = bytesToNumberBE(bytes);
  if (k === 0n)
    throw new InvalidInputError(`${name} is zero`, { details: "a zero scalar is never produced by Umbral" });
  if (k >= N) throw new InvalidInputError(`${name} is not below the secp256k1 group order n`);
  return k;
}
