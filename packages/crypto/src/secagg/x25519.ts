// X25519 (RFC 7748) key agreement and HKDF-SHA256 (RFC 5869) key derivation through node:crypto, for SecAgg's two
// key pairs per client (Bonawitz et al., CCS 2017, §4: c_i for the channel keys, s_i for the pairwise masks).
// Keys travel as 32-byte raw strings (RFC 7748 §5). A private key is 32 random bytes, clamped by X25519 itself,
// so the raw bytes are what the client Shamir-shares and what the server reconstructs. An all-zero shared secret
// (a low-order public key) is rejected.

import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import type { RandomSource } from "./random.js";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** An X25519 key pair: the raw private bytes (for sharing), its key object, and the raw public key. */
export type X25519KeyPair = {
  readonly privateRaw: Uint8Array;
  readonly privateKey: KeyObject;
  readonly publicRaw: Uint8Array;
};

/** The key pair of the 32-byte private key `privateRaw`. */
export function x25519KeyPairFrom(privateRaw: Uint8Array): X25519KeyPair {
  if (privateRaw.length !== 32)
    throw new InvalidInputError(`X25519: private keys are 32 bytes, got ${privateRaw.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, privateRaw]),
    format: "der",
    type: "pkcs8",
  });
  const x = createPublicKey(privateKey).export({ format: "jwk" }).x;
  if (typeof x !== "string") throw new InvalidInputError("X25519: could not derive the public key");
  return { privateRaw: new Uint8Array(privateRaw), privateKey, publicRaw: new Uint8Array(Buffer.from(x, "base64url")) };
}

/** A fresh key pair from 32 bytes of `random`. */
export function generateX25519KeyPair(random: RandomSource): X25519KeyPair {
  return x25519KeyPairFrom(random(32));
}

/** Imports a 32-byte raw public key. */
export function importX25519PublicKey(publicRaw: Uint8Array): KeyObject {
  if (publicRaw.length !== 32) throw new InvalidInputError(`X25519: public keys are 32 bytes, got ${publicRaw.length}`);
  return createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicRaw).toString("base64url") },
    format: "jwk",
  });
}

/** X25519(private, public): the 32-byte shared secret; fails on a low-order public key (all-zero output). */
export function x25519(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch (cause) {
    throw new InvalidInputError("X25519: key agreement failed (low-order public key?)", { cause });
  }
  if (shared.every((byte) => byte === 0)) throw new InvalidInputError("X25519: all-zero shared secret");
  return new Uint8Array(shared);
}

/** HKDF-SHA256(ikm, salt = "", info) → 32 bytes. */
export function hkdf32(ikm: Uint8Array, info: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, new Uint8Array(0), info, 32));
}
