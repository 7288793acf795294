// Paillier key pairs with the generator g = n + 1 (Paillier, "Public-Key Cryptosystems Based on Composite Degree
// Residuosity Classes", EUROCRYPT 1999; g = n + 1 as in Damgård & Jurik, PKC 2001, and common practice), the private
// key carrying the CRT constants of Paillier's §7 (h_p, h_q, p², q², q⁻¹ mod p), and JSON-safe serialisation.
// λ = (p−1)(q−1) and μ = λ⁻¹ mod n are kept too: they are the textbook decryption key (and paillier-bigint's
// `generateRandomKeys(bits, true)` key), so the same key can be handed to other implementations.

import { checkPrimeSync, generatePrimeSync } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { bitLength, gcd, modInverse, modPow } from "./arithmetic.js";

/** Smallest modulus accepted (bits). 512-bit keys are for tests only; use 2048 or more. */
export const MIN_MODULUS_BITS = 512;

/** A Paillier public key: n = pq, and the cached n² and bit length of n. g = n + 1 implicitly. */
export type PaillierPublicKey = {
  readonly n: bigint;
  readonly nSquared: bigint;
  /** bitLength(n). */
  readonly bits: number;
};

/** A Paillier private key with the CRT constants of Paillier 1999, §7. */
export type PaillierPrivateKey = {
  readonly publicKey: PaillierPublicKey;
  readonly p: bigint;
  readonly q: bigint;
  readonly pSquared: bigint;
  readonly qSquared: bigint;
  /** h_p = L_p(g^(p−1) mod p²)⁻¹ mod p. */
  readonly hp: bigint;
  /** h_q = L_q(g^(q−1) mod q²)⁻¹ mod q. */
  readonly hq: bigint;
  /** q⁻¹ mod p, for the CRT recombination. */
  readonly qInvModP: bigint;
  /** λ = (p−1)(q−1) (textbook decryption with g = n + 1). */
  readonly lambda: bigint;
  /** μ = λ⁻¹ mod n. */
  readonly mu: bigint;
};

export type PaillierKeyPair = { publicKey: PaillierPublicKey; privateKey: PaillierPrivateKey };

/** JSON-safe public key: n as lowercase hex without prefix. */
export type PaillierPublicKeyJson = { n: string };
/** JSON-safe private key: the primes as lowercase hex without prefix. */
export type PaillierPrivateKeyJson = { p: string; q: string };

/**
 * A public key for the modulus n (odd, at least {@link MIN_MODULUS_BITS} bits).
 * @example const pk = publicKeyFromN(keyPair.publicKey.n);
 */
export function publicKeyFromN(n: bigint): PaillierPublicKey {
  if (typeof n !== "bigint" || n <= 0n || n % 2n === 0n) {
    throw new InvalidInputError("Paillier modulus n must be a positive odd bigint.", {
      fix: "pass n = p·q of two odd primes",
    });
  }
  const bits = bitLength(n);
  if (bits < MIN_MODULUS_BITS) {
    throw new InvalidInputError(`Paillier modulus has ${bits} bits, fewer than ${MIN_MODULUS_BITS}.`, {
      fix: "use a 2048-bit (or larger) key",
    });
  }
  return Object.freeze({ n, nSquared: n * n, bits });
}

/** L_x(u) = (u − 1) / x. */
const L = (u: bigint, x: bigint) => (u - 1n) / x;

/**
 * The private key of the primes p and q: checks p ≠ q, equal bit lengths, primality (node:crypto) and
 * gcd(pq, (p−1)(q−1)) = 1, and precomputes the CRT constants.
 */
export function privateKeyFromPrimes(p: bigint, q: bigint): PaillierPrivateKey {
  if (typeof p !== "bigint" || typeof q !== "bigint" || p <= 2n || q <= 2n) {
    throw new InvalidInputError("Paillier primes p and q must be bigints greater than 2.");
  }
  if (p === q) throw new InvalidInputError("Paillier primes p and q must differ.");
  if (bitLength(p) !== bitLength(q)) {
    throw new InvalidInputError(`Paillier primes differ in length (${bitLength(p)} and ${bitLength(q)} bits).`, {
      fix: "generate both primes with the same bit length (generateKeyPair does)",
    });
  }
  if (!checkPrimeSync(p) || !checkPrimeSync(q)) {
    throw new InvalidInputError("Paillier private key: p or q is not prime.");
  }
  const publicKey = publicKeyFromN(p * q);
  const n = publicKey.n;
  const lambda = (p - 1n) * (q - 1n);
  if (gcd(n, lambda) !== 1n) throw new InvalidInputError("Paillier primes fail gcd(pq, (p−1)(q−1)) = 1.");
  const pSquared = p * p;
  const qSquared = q * q;
  const g = n + 1n;
  return Object.freeze({
    publicKey,
    p,
    q,
    pSquared,
    qSquared,
    hp: modInverse(L(modPow(g, p - 1n, pSquared), p), p),
    hq: modInverse(L(modPow(g, q - 1n, qSquared), q), q),
    qInvModP: modInverse(q, p),
    lambda,
    mu: modInverse(lambda, n),
  });
}

/**
 * A fresh key pair with a `bits`-bit modulus (even, ≥ 512; default 2048): two distinct `bits/2`-bit primes from
 * node:crypto's generatePrimeSync.
 * @example const { publicKey, privateKey } = generateKeyPair(2048);
 */
export function generateKeyPair(bits = 2048): PaillierKeyPair {
  if (!Number.isSafeInteger(bits) || bits < MIN_MODULUS_BITS || bits % 2 !== 0) {
    throw new InvalidInputError(`Paillier key size must be an even number of bits ≥ ${MIN_MODULUS_BITS}, got ${bits}.`);
  }
  for (;;) {
    const p = generatePrimeSync(bits / 2, { bigint: true });
    const q = generatePrimeSync(bits / 2, { bigint: true });
    if (p === q || bitLength(p * q) !== bits || gcd(p * q, (p - 1n) * (q - 1n)) !== 1n) continue;
    const privateKey = privateKeyFromPrimes(p, q);
    return { publicKey: privateKey.publicKey, privateKey };
  }
}

const HEX = /^[0-9a-f]+$/;
function fromHex(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !HEX.test(value)) {
    throw new InvalidInputError(`Paillier ${what} must be a lowercase hex string without 0x.`);
  }
  return BigInt(`0x${value}`);
}

/** { n: hex }. */
export function publicKeyToJson(pk: PaillierPublicKey): PaillierPublicKeyJson {
  return { n: pk.n.toString(16) };
}

/** The inverse of {@link publicKeyToJson}, validating the input. */
export function publicKeyFromJson(json: unknown): PaillierPublicKey {
  if (typeof json !== "object" || json === null)
    throw new InvalidInputError("Paillier public key JSON must be an object.");
  return publicKeyFromN(fromHex("n" in json ? json.n : undefined, "public key n"));
}

/** { p: hex, q: hex }: everything else is recomputed on load. Keep it secret. */
export function privateKeyToJson(sk: PaillierPrivateKey): PaillierPrivateKeyJson {
  return { p: sk.p.toString(16), q: sk.q.toString(16) };
}

/** The inverse of {@link privateKeyToJson}, validating the primes. */
export function privateKeyFromJson(json: unknown): PaillierPrivateKey {
  if (typeof json !== "object" || json === null)
    throw new InvalidInputError("Paillier private key JSON must be an object.");
  return privateKeyFromPrimes(
    fromHex("p" in json ? json.p : undefined, "private key p"),
    fromHex("q" in json ? json.q : undefined, "private key q"),
  );
}
