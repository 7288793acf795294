// Umbral threshold proxy re-encryption on secp256k1 (pure, no I/O).
//
// Spec: David Nuñez, "Umbral: A Threshold Proxy Re-Encryption Scheme", NuCypher, 2018
// (https://github.com/nucypher/umbral-doc/blob/master/umbral-doc.pdf), as implemented by nucypher/rust-umbral,
// whose umbral-pre 0.10 (npm @nucypher/umbral-pre) is our test oracle. We are wire-compatible with it:
// - keys: 32-byte big-endian secret scalars and 33-byte compressed public keys, the same bytes for the same key;
// - capsules, kfrags and cfrags serialise to umbral-pre's `toBytes()` bytes (MessagePack) and parse from them
//   (capsules and cfrags also from `toBytesSimple()`); objects made by either side are accepted, verified,
//   re-encrypted and opened by the other, and the KEM key is the one umbral-pre's DEM uses;
// - hash-to-scalar, hash-to-curve (the parameter U), the KDF and the DST tags are rust-umbral's (hashing.ts);
// - encrypt / decrypt use umbral-pre's DEM (XChaCha20-Poly1305, nonce ‖ ciphertext, capsule bytes as AAD).
// Not reproduced: umbral-pre's Signer/Signature objects, SecretKeyFactory, ReencryptionEvidence and its
// human-readable serde formats. Randomised values (nonces, ECDSA signatures, kfrag ids) naturally differ.
//
// Speed: curve arithmetic runs on float64 limbs (field.ts, curve.ts) rather than BigInt, because BigInt is ~6x too
// slow to compete with umbral-pre's WebAssembly; bench/umbral.bench.ts compares the two.

export {
  type Capsule,
  capsuleFromBytes,
  capsuleToBytes,
  capsuleToBytesSimple,
  type DecapsulateReencryptedParameters,
  decapsulateOriginal,
  decapsulateReencrypted,
  type EncapsulateReturnType,
  encapsulate,
} from "./capsule.js";
export {
  type CapsuleFrag,
  type CapsuleFragProof,
  cfragFromBytes,
  cfragToBytes,
  cfragToBytesSimple,
  reencrypt,
  type VerifyCFragParameters,
  verifyCFrag,
} from "./capsuleFrag.js";
export type { CurvePoint } from "./curve.js";
export {
  type DecryptReencryptedParameters,
  decryptOriginal,
  decryptReencrypted,
  type EncryptReturnType,
  encrypt,
} from "./dem.js";
export {
  type GenerateKFragsParameters,
  generateKFrags,
  type KeyFrag,
  kfragFromBytes,
  kfragToBytes,
  type VerifyKFragParameters,
  verifyKFrag,
} from "./keyFrag.js";
export { generateSecretKey, publicKeyOf } from "./keys.js";
