// Paillier encryption, CRT decryption and the homomorphic operations, for g = n + 1.
//
// Spec: Pascal Paillier, "Public-Key Cryptosystems Based on Composite Degree Residuosity Classes", EUROCRYPT 1999
// (scheme 1, decryption with the CRT as in §7); g = n + 1 as in Damgård & Jurik (PKC 2001) and common practice,
// which makes g^m mod n² = 1 + m·n mod n² (binomial theorem): no exponentiation for the message part.
// - encrypt:    c = (1 + m·n) · r^n mod n², m ∈ [0, n), r uniform in Z*_n;
// - the r^n mod n² factor depends on the key only, so it can be computed ahead of time (`precomputeRandomness`,
//   `RandomnessPool`); `encryptWithPrecomputed` is then one multiplication and one reduction modulo n²;
// - decrypt:    m_p = L_p(c^(p−1) mod p²)·h_p mod p, m_q likewise, m = CRT(m_p, m_q), with L_x(u) = (u − 1)/x:
//   two half-size exponentiations with half-size exponents instead of one full c^λ mod n²;
// - homomorphic: E(a)·E(b) = E(a + b), E(a)·(1 + k·n) = E(a + k), E(a)^k = E(k·a), all mod n.
// paillier-bigint 3.4.3 (MIT) is the test oracle (paillier.test.ts): same key and r give the same ciphertext, and
// each side decrypts the other's. Timing: BigInt arithmetic is not constant-time; this is for aggregating model
// updates, where the ciphertexts are public and the private key lives with the aggregation committee.

import { InvalidInputError } from "@amc/utils";
import { gcd, mod, modPow, randomBelow } from "./arithmetic.js";
import type { PaillierPrivateKey, PaillierPublicKey } from "./keys.js";

function checkPlaintext(pk: PaillierPublicKey, m: bigint): void {
  if (typeof m !== "bigint") throw new InvalidInputError(`Paillier plaintext must be a bigint, got ${typeof m}.`);
  if (m < 0n || m >= pk.n) {
    throw new InvalidInputError("Paillier plaintext out of range: it must be in [0, n).", {
      details: `m has ${m < 0n ? "a negative value" : `${m.toString(2).length} bits, n has ${pk.bits}`}.`,
      fix: "encode negative or large values first (e.g. packVector's offset encoding) or reduce them mod n",
    });
  }
}

/** Throws unless c is a bigint in (0, n²). */
export function checkCiphertext(pk: PaillierPublicKey, c: bigint, what = "ciphertext"): void {
  if (typeof c !== "bigint" || c <= 0n || c >= pk.nSquared) {
    throw new InvalidInputError(`Paillier ${what} must be a bigint in (0, n²).`, {
      fix: "pass a ciphertext made under this public key",
    });
  }
}

/** A uniform r ∈ Z*_n (r in [1, n) with gcd(r, n) = 1). */
export function randomUnit(pk: PaillierPublicKey): bigint {
  for (;;) {
    const r = randomBelow(pk.n);
    if (r !== 0n && gcd(r, pk.n) === 1n) return r;
  }
}

/**
 * r^n mod n² for a given or fresh random r ∈ Z*_n: the costly, message-independent half of an encryption.
 * @example const rn = precomputeRandomness(pk); const c = encryptWithPrecomputed(pk, 42n, rn);
 */
export function precomputeRandomness(pk: PaillierPublicKey, r?: bigint): bigint {
  const unit = r ?? randomUnit(pk);
  if (typeof unit !== "bigint" || unit <= 0n || unit >= pk.n || gcd(unit, pk.n) !== 1n) {
    throw new InvalidInputError("Paillier randomness r must be in [1, n) and coprime with n.");
  }
  return modPow(unit, pk.n, pk.nSquared);
}

/**
 * E(m) = (1 + m·n) · rn mod n² where rn = r^n mod n² was precomputed: one modular multiplication.
 * Each rn must be used once only (reusing it links the two ciphertexts).
 */
export function encryptWithPrecomputed(pk: PaillierPublicKey, m: bigint, rn: bigint): bigint {
  checkPlaintext(pk, m);
  if (typeof rn !== "bigint" || rn <= 0n || rn >= pk.nSquared) {
    throw new InvalidInputError("Paillier precomputed randomness must be r^n mod n², a bigint in (0, n²).");
  }
  // 1 + m·n < n² since m < n: no reduction needed before the product.
  return ((1n + m * pk.n) * rn) % pk.nSquared;
}

/**
 * E(m) = (1 + m·n) · r^n mod n² for m ∈ [0, n); r defaults to a fresh uniform unit of Z*_n.
 * @example const c = encrypt(pk, 7n);
 */
export function encrypt(pk: PaillierPublicKey, m: bigint, r?: bigint): bigint {
  checkPlaintext(pk, m);
  return encryptWithPrecomputed(pk, m, precomputeRandomness(pk, r));
}

/**
 * D(c) by the CRT (Paillier 1999, §7): m_p = L_p(c^(p−1) mod p²)·h_p mod p, likewise m_q, recombined mod n.
 * @example decrypt(sk, encrypt(pk, 7n)) === 7n
 */
export function decrypt(sk: PaillierPrivateKey, c: bigint): bigint {
  checkCiphertext(sk.publicKey, c);
  const { p, q, pSquared, qSquared } = sk;
  const mp = (((modPow(c % pSquared, p - 1n, pSquared) - 1n) / p) * sk.hp) % p;
  const mq = (((modPow(c % qSquared, q - 1n, qSquared) - 1n) / q) * sk.hq) % q;
  return mq + q * mod((mp - mq) * sk.qInvModP, p);
}

/** E(a)·E(b) mod n² = E(a + b mod n). */
export function add(pk: PaillierPublicKey, c1: bigint, c2: bigint): bigint {
  checkCiphertext(pk, c1);
  checkCiphertext(pk, c2);
  return (c1 * c2) % pk.nSquared;
}

/** The product of all ciphertexts mod n²: E(Σ m_i mod n). An empty list gives 1 = E(0) with r = 1. */
export function addAll(pk: PaillierPublicKey, cs: readonly bigint[]): bigint {
  let acc = 1n;
  for (const c of cs) {
    checkCiphertext(pk, c);
    acc = (acc * c) % pk.nSquared;
  }
  return acc;
}

/** E(m)·(1 + k·n) mod n² = E(m + k mod n); k may be any bigint (negative k subtracts). Not re-randomised. */
export function addPlain(pk: PaillierPublicKey, c: bigint, k: bigint): bigint {
  checkCiphertext(pk, c);
  if (typeof k !== "bigint") throw new InvalidInputError("Paillier addPlain: k must be a bigint.");
  return (c * (1n + mod(k, pk.n) * pk.n)) % pk.nSquared;
}

/** E(m)^k mod n² = E(k·m mod n); k may be any bigint (reduced mod n). Not re-randomised: k = 0 gives 1. */
export function multiplyPlain(pk: PaillierPublicKey, c: bigint, k: bigint): bigint {
  checkCiphertext(pk, c);
  if (typeof k !== "bigint") throw new InvalidInputError("Paillier multiplyPlain: k must be a bigint.");
  return modPow(c, mod(k, pk.n), pk.nSquared);
}
