// Shamir t-of-n secret sharing (Shamir, "How to Share a Secret", CACM 1979) over the prime field GF(p) with the
// Mersenne prime p = 2^521 − 1 (the prime of NIST P-521's base field). SecAgg shares two 32-byte secrets per
// client (Bonawitz et al., CCS 2017, §4, round ShareKeys): the self-mask seed b_i and the X25519 mask key s_i^SK.
// Any 32-byte string read as a big-endian integer is < 2^256 < p, so it is one field element, with no reduction
// and no bias. A share is the point (x, f(x)) of a random polynomial f of degree t − 1 with f(0) = secret; x is
// the receiving client's id (never 0). Any t shares give f(0) by Lagrange interpolation; t − 1 shares are
// consistent with every secret (each value of f(0) fixes exactly one polynomial through them), so they reveal
// nothing.

import { InvalidInputError } from "@amc/utils";
import { type RandomSource, systemRandom } from "./random.js";

/** The field modulus p = 2^521 − 1 (a Mersenne prime). */
export const SHAMIR_PRIME: bigint = (1n << 521n) - 1n;

/** Bytes of a field element in its fixed-length big-endian encoding (⌈521 / 8⌉). */
export const FIELD_ELEMENT_BYTES = 66;

/** One share: the point (x, y = f(x)) with x ≠ 0 and both in [0, p). */
export type ShamirShare = { readonly x: bigint; readonly y: bigint };

const P = SHAMIR_PRIME;
const mod = (a: bigint): bigint => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

/** The inverse of a ≠ 0 modulo p, by the extended Euclidean algorithm (faster in BigInt than a^(p − 2)). */
function invert(a: bigint): bigint {
  let [oldR, r] = [mod(a), P];
  let [oldS, s] = [1n, 0n];
  if (oldR === 0n) throw new InvalidInputError("Shamir: cannot invert zero (two shares with the same x?)");
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS);
}

/** A uniform field element from `random`, by rejection (66 bytes masked to 521 bits; rejects only p itself). */
export function randomFieldElement(random: RandomSource = systemRandom): bigint {
  for (;;) {
    const bytes = random(FIELD_ELEMENT_BYTES);
    bytes[0] = (bytes[0] ?? 0) & 0x01;
    const value = bytesToBigint(bytes);
    if (value < P) return value;
  }
}

function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

/** The fixed 66-byte big-endian encoding of a field element. */
export function fieldElementToBytes(value: bigint): Uint8Array {
  if (value < 0n || value >= P) throw new InvalidInputError("Shamir: not a field element (outside [0, 2^521 − 1))");
  return new Uint8Array(Buffer.from(value.toString(16).padStart(FIELD_ELEMENT_BYTES * 2, "0"), "hex"));
}

/** Parses the 66-byte encoding of `fieldElementToBytes`, rejecting values ≥ p. */
export function fieldElementFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== FIELD_ELEMENT_BYTES) {
    throw new InvalidInputError(`Shamir: a field element is ${FIELD_ELEMENT_BYTES} bytes, got ${bytes.length}`);
  }
  const value = bytesToBigint(bytes);
  if (value >= P) throw new InvalidInputError("Shamir: encoded value is not reduced modulo 2^521 − 1");
  return value;
}

/** A 32-byte secret as a field element (big-endian; always < 2^256 < p). */
export function secretToFieldElement(secret: Uint8Array): bigint {
  if (secret.length !== 32) throw new InvalidInputError(`Shamir: secrets are 32 bytes, got ${secret.length}`);
  return bytesToBigint(secret);
}

/** The 32-byte secret of a field element; fails if the element is ≥ 2^256 (a wrong reconstruction). */
export function fieldElementToSecret(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) {
    throw new InvalidInputError("Shamir: the reconstructed value is not a 32-byte secret (wrong or too few shares?)");
  }
  return new Uint8Array(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}

function checkThreshold(threshold: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new InvalidInputError(`Shamir: the threshold must be an integer ≥ 1, got ${threshold}`);
  }
}

/**
 * Splits `secret` (a field element) into one share per x in `xs` (distinct, non-zero, < p), any `threshold` of
 * which reconstruct it. The polynomial's other coefficients are uniform field elements drawn from `random`.
 */
export function shamirSplit(
  secret: bigint,
  threshold: number,
  xs: readonly bigint[],
  random: RandomSource = systemRandom,
): ShamirShare[] {
  checkThreshold(threshold);
  if (secret < 0n || secret >= P) throw new InvalidInputError("Shamir: the secret must be a field element");
  if (xs.length < threshold) {
    throw new InvalidInputError(`Shamir: ${xs.length} shares cannot meet a threshold of ${threshold}`);
  }
  const seen = new Set<bigint>();
  for (const x of xs) {
    if (x <= 0n || x >= P || seen.has(x)) {
      throw new InvalidInputError(`Shamir: share abscissas must be distinct and in [1, p), got ${x}`);
    }
    seen.add(x);
  }
  const coefficients = [secret];
  for (let i = 1; i < threshold; i++) coefficients.push(randomFieldElement(random));
  return xs.map((x) => {
    let y = 0n;
    for (let i = coefficients.length - 1; i >= 0; i--) y = (y * x + (coefficients[i] as bigint)) % P;
    return { x, y };
  });
}

/**
 * The Lagrange coefficients λ_i = Π_{j ≠ i} x_j / (x_j − x_i) that give f(0) = Σ λ_i·y_i from the points at `xs`
 * (distinct, non-zero). One inversion for all of them (Montgomery's batch trick).
 */
export function lagrangeAtZero(xs: readonly bigint[]): bigint[] {
  const numerators: bigint[] = [];
  const denominators: bigint[] = [];
  for (let i = 0; i < xs.length; i++) {
    const xi = xs[i] as bigint;
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      const xj = xs[j] as bigint;
      numerator = (numerator * xj) % P;
      denominator = mod(denominator * (xj - xi));
    }
    if (denominator === 0n) throw new InvalidInputError(`Shamir: two shares have the same x (${xi})`);
    numerators.push(numerator);
    denominators.push(denominator);
  }
  // prefix[i] = d_0 ⋯ d_{i−1}; one inverse of the full product, then walk back.
  const prefix: bigint[] = [1n];
  for (const d of denominators) prefix.push(((prefix[prefix.length - 1] as bigint) * d) % P);
  let inverse = invert(prefix[prefix.length - 1] as bigint);
  const result = new Array<bigint>(xs.length);
  for (let i = xs.length - 1; i >= 0; i--) {
    result[i] = ((((numerators[i] as bigint) * inverse) % P) * (prefix[i] as bigint)) % P;
    inverse = (inverse * (denominators[i] as bigint)) % P;
  }
  return result;
}

/**
 * Reconstructs the secret from at least `threshold` shares (the first `threshold` distinct ones are used).
 * Fails with InvalidInputError when fewer are given; a wrong share gives a wrong secret, undetected here.
 */
export function shamirCombine(shares: readonly ShamirShare[], threshold: number): bigint {
  checkThreshold(threshold);
  const used: ShamirShare[] = [];
  const seen = new Set<bigint>();
  for (const share of shares) {
    if (share.x <= 0n || share.x >= P || share.y < 0n || share.y >= P) {
      throw new InvalidInputError("Shamir: a share is not a pair of field elements with x ≠ 0");
    }
    if (seen.has(share.x)) continue;
    seen.add(share.x);
    used.push(share);
    if (used.length === threshold) break;
  }
  if (used.length < threshold) {
    throw new InvalidInputError(`Shamir: ${used.length} distinct shares given, ${threshold} needed to reconstruct`);
  }
  return combineWith(used, lagrangeAtZero(used.map((share) => share.x)));
}

/** Σ λ_i·y_i mod p for precomputed Lagrange coefficients (the server caches them per set of abscissas). */
export function combineWith(shares: readonly ShamirShare[], coefficients: readonly bigint[]): bigint {
  let secret = 0n;
  for (let i = 0; i < shares.length; i++) secret += (shares[i] as ShamirShare).y * (coefficients[i] as bigint);
  return secret % P;
}
