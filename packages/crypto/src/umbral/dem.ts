// umbral-pre's data encapsulation: XChaCha20-Poly1305 under the capsule's key, a random 24-byte nonce prepended to
// the ciphertext, and the capsule's simple bytes (E ‖ V ‖ s) as associated data (rust-umbral's `dem.rs` and
// `pre.rs`). Ciphertexts therefore decrypt across the two implementations in both directions.

import { InvalidInputError } from "@amc/utils";
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { concatBytes, randomBytes } from "@noble/hashes/utils";
import {
  type Capsule,
  capsuleToBytesSimple,
  type DecapsulateReencryptedParameters,
  decapsulateOriginal,
  decapsulateReencrypted,
  encapsulate,
} from "./capsule.js";

const NONCE_BYTES = 24;
const TAG_BYTES = 16;

export type EncryptReturnType = {
  capsule: Capsule;
  /** nonce (24 bytes) ‖ XChaCha20-Poly1305 ciphertext and tag, as umbral-pre's `encrypt` returns it. */
  ciphertext: Uint8Array;
};

/**
 * Encrypts `plaintext` for the holder of `delegatingPk` (and, through re-encryption, for whom they delegate to).
 *
 * @example
 * const { capsule, ciphertext } = encrypt(alicePk, new TextEncoder().encode("odometer: 48 211 km"));
 */
export function encrypt(delegatingPk: Uint8Array, plaintext: Uint8Array): EncryptReturnType {
  if (!(plaintext instanceof Uint8Array)) throw new InvalidInputError("plaintext must be a Uint8Array");
  const { capsule, key } = encapsulate(delegatingPk);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = xchacha20poly1305(key, nonce, capsuleToBytesSimple(capsule)).encrypt(plaintext);
  return { capsule, ciphertext: concatBytes(nonce, sealed) };
}

/** Decrypts with the delegating secret key. */
export function decryptOriginal(delegatingSk: Uint8Array, capsule: Capsule, ciphertext: Uint8Array): Uint8Array {
  return open(decapsulateOriginal(delegatingSk, capsule), capsule, ciphertext);
}

export type DecryptReencryptedParameters = DecapsulateReencryptedParameters & { ciphertext: Uint8Array };

/** Decrypts as the receiver, from `threshold` cfrags (see decapsulateReencrypted). */
export function decryptReencrypted(parameters: DecryptReencryptedParameters): Uint8Array {
  return open(decapsulateReencrypted(parameters), parameters.capsule, parameters.ciphertext);
}

function open(key: Uint8Array, capsule: Capsule, ciphertext: Uint8Array): Uint8Array {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < NONCE_BYTES + TAG_BYTES) {
    throw new InvalidInputError(`ciphertext must be at least ${NONCE_BYTES + TAG_BYTES} bytes (nonce and tag)`);
  }
  const cipher = xchacha20poly1305(key, ciphertext.subarray(0, NONCE_BYTES), capsuleToBytesSimple(capsule));
  try {
    return cipher.decrypt(ciphertext.subarray(NONCE_BYTES));
  } catch (cause) {
    throw new InvalidInputError("ciphertext does not decrypt under this capsule", {
      details: "the ciphertext or capsule was altered, or they do not belong together",
      cause,
    });
  }
}
