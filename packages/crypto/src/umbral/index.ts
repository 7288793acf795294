// Umbral threshold proxy re-encryption on secp256k1 (pure computation, no I/O).
//
// Spec: David Nuñez, "Umbral: A Threshold Proxy Re-Encryption Scheme", NuCypher, 2018
// (https://github.com/nucypher/umbral-doc/blob/master/umbral-doc.pdf), as implemented by nucypher/rust-umbral,
// whose umbral-pre 0.10 (npm @nucypher/umbral-pre, GPL-3.0, used by our tests and benchmark only) is our oracle.
// The code is our own; rust-umbral was read for its hash constructions and byte formats.
//
// Wire compatibility with umbral-pre 0.10, checked in both directions by oracle.test.ts:
// - keys: 32-byte big-endian secret scalars and 33-byte compressed public keys, the same bytes for the same key;
// - capsules, kfrags and cfrags serialise to umbral-pre's `toBytes()` bytes (MessagePack) and parse from them
//   (capsules and cfrags also from `toBytesSimple()`); objects made by either side are accepted, verified,
//   re-encrypted and opened by the other, and mixed sets of cfrags open together;
// - hash-to-scalar, hash-to-curve (the parameter U), the KDF, the DST tags and the kfrag signature message are
//   rust-umbral's (hashing.ts), and kfrag signatures are k256's ECDSA (ecdsa.ts), so either side verifies them;
// - `encapsulate`'s key is the XChaCha20-Poly1305 key umbral-pre's DEM derives for the capsule, and `encrypt` /
//   `decryptOriginal` / `decryptReencrypted` are that DEM (nonce ‖ ciphertext, the capsule's bytes as AAD).
// Not reproduced: umbral-pre's Signer/Signature/SecretKeyFactory/ReencryptionEvidence objects and its
// human-readable serde formats. Random values (capsule scalars, nonces, ECDSA nonces, kfrag ids) differ, as they
// do between two runs of umbral-pre.
//
// Speed: the curve arithmetic is WebAssembly that arithmetic.ts emits at load time (BigInt is ~15x too slow for
// this); bench/umbral.bench.ts compares re-encryption, encapsulation and decryption with umbral-pre's.
//
// Objects (Capsule, KeyFrag, CapsuleFrag) are frozen plain objects made by this module or parsed (and validated) by
// its `…FromBytes` functions; the functions trust objects of these types and validate keys and bytes.

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
