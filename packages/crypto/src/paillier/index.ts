// Paillier (1999) with g = n + 1, CRT decryption, precomputed randomness and packing, for summing federated-learning
// updates under encryption.
//
// Spec: Pascal Paillier, "Public-Key Cryptosystems Based on Composite Degree Residuosity Classes", EUROCRYPT 1999;
// g = n + 1 as in Damgård & Jurik, PKC 2001; decryption by the CRT as in Paillier's §7. paillier.ts is the scheme,
// keys.ts the keys and their JSON forms, pool.ts the offline r^n mod n² pool that makes an online encryption one
// modular multiplication, packing.ts the fixed-point slot packing with overflow detection at decryption.
// paillier-bigint 3.4.3 (MIT) is the test oracle and the benchmark reference (bench/paillier.bench.ts); it is
// never imported here.

export { bitLength, modInverse, modPow } from "./arithmetic.js";
export { PaillierOverflowError, type PaillierOverflowReason } from "./errors.js";
export {
  generateKeyPair,
  MIN_MODULUS_BITS,
  type PaillierKeyPair,
  type PaillierPrivateKey,
  type PaillierPrivateKeyJson,
  type PaillierPublicKey,
  type PaillierPublicKeyJson,
  privateKeyFromJson,
  privateKeyFromPrimes,
  privateKeyToJson,
  publicKeyFromJson,
  publicKeyFromN,
  publicKeyToJson,
} from "./keys.js";
export {
  addVectors,
  decryptVector,
  encryptVector,
  type Packing,
  type PackingLayout,
  packedLength,
  packingLayout,
  packVector,
  unpackSum,
} from "./packing.js";
export {
  add,
  addAll,
  addPlain,
  checkCiphertext,
  decrypt,
  encrypt,
  encryptWithPrecomputed,
  multiplyPlain,
  precomputeRandomness,
  randomUnit,
} from "./paillier.js";
export { RandomnessPool, type RandomnessPoolOptions, type RandomnessPoolStats } from "./pool.js";
