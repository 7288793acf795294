// The data service's use of Umbral threshold proxy re-encryption (@amc/crypto, secp256k1), in bytes: what the
// vehicle seals with, what the owner grants with, what a proxy re-encrypts with and what a consumer opens with.
// Keys travel as DID `keyAgreement` methods (secp256k1 JWKs); capsules and fragments as their Umbral byte forms.
import { umbral } from "@amc/crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex } from "viem";
import { type KeyEncapsulation, openObject, type SealedObject } from "./envelope.js";
import { DataError } from "./errors.js";
import type { PreOps } from "./service.js";

export const umbralKem: KeyEncapsulation = {
  encapsulate(delegatingPk) {
    const { capsule, key } = umbral.encapsulate(delegatingPk);
    return { capsule: umbral.capsuleToBytes(capsule), key };
  },
};

/** The service side: validation, fragment checks and re-encryption. */
export const preOps: PreOps = {
  validCapsule(capsule) {
    try {
      umbral.capsuleFromBytes(capsule);
      return true;
    } catch {
      return false;
    }
  },
  verifyKFrag(kfrag, keys) {
    try {
      return umbral.verifyKFrag(umbral.kfragFromBytes(kfrag), keys);
    } catch {
      return false;
    }
  },
  reencrypt(capsule, kfrag) {
    return umbral.cfragToBytes(umbral.reencrypt(umbral.capsuleFromBytes(capsule), umbral.kfragFromBytes(kfrag)));
  },
};

export const generateUmbralKey = (): Uint8Array => umbral.generateSecretKey();
export const umbralPublicKey = (sk: Uint8Array): Uint8Array => umbral.publicKeyOf(sk);

/** A secp256k1 public JWK (as DID documents publish keyAgreement keys) → the 33-byte compressed key. */
export function umbralKeyFromJwk(jwk: { x: string; y: string }): Uint8Array {
  const x = Buffer.from(jwk.x, "base64url");
  const y = Buffer.from(jwk.y, "base64url");
  if (x.length !== 32 || y.length !== 32) throw new DataError("invalid", "a secp256k1 JWK has 32-byte x and y");
  const point = secp256k1.ProjectivePoint.fromHex(Buffer.concat([Buffer.from([4]), x, y]));
  point.assertValidity();
  return point.toRawBytes(true);
}

/** The secp256k1 JWK of a compressed public key (to publish as a DID keyAgreement method). */
export function umbralJwkOf(pk: Uint8Array): { kty: "EC"; crv: "secp256k1"; x: string; y: string } {
  const raw = secp256k1.ProjectivePoint.fromHex(pk).toRawBytes(false);
  return {
    kty: "EC",
    crv: "secp256k1",
    x: Buffer.from(raw.subarray(1, 33)).toString("base64url"),
    y: Buffer.from(raw.subarray(33, 65)).toString("base64url"),
  };
}

/** The owner's side of a grant: `shares` key fragments, any `threshold` of which re-encrypt for the grantee. */
export function makeKFrags(params: {
  delegatingSk: Uint8Array;
  receivingPk: Uint8Array;
  threshold: number;
  shares: number;
}): { kfrags: string[]; verifyingPk: string } {
  const signerSk = umbral.generateSecretKey();
  const kfrags = umbral.generateKFrags({
    delegatingSk: params.delegatingSk,
    receivingPk: params.receivingPk,
    signerSk,
    threshold: params.threshold,
    shares: params.shares,
    signDelegatingKey: true,
    signReceivingKey: true,
  });
  return {
    kfrags: kfrags.map((k) => bytesToHex(umbral.kfragToBytes(k))),
    verifyingPk: bytesToHex(umbral.publicKeyOf(signerSk)),
  };
}

/** The consumer's side of a read: checks each fragment, combines `threshold` of them and opens the object. */
export function openReencrypted(params: {
  receivingSk: Uint8Array;
  delegatingPk: Uint8Array;
  verifyingPk: Uint8Array;
  capsule: Uint8Array;
  cfrags: Uint8Array[];
  sealed: Pick<SealedObject, "meta" | "ciphertext" | "wrappedKey" | "saltedHash">;
}): { data: Uint8Array; validFragments: number } {
  const capsule = umbral.capsuleFromBytes(params.capsule);
  const receivingPk = umbral.publicKeyOf(params.receivingSk);
  const valid = params.cfrags
    .map((bytes) => umbral.cfragFromBytes(bytes))
    .filter((cfrag) =>
      umbral.verifyCFrag(cfrag, capsule, {
        verifyingPk: params.verifyingPk,
        delegatingPk: params.delegatingPk,
        receivingPk,
      }),
    );
  const key = umbral.decapsulateReencrypted({
    receivingSk: params.receivingSk,
    delegatingPk: params.delegatingPk,
    capsule,
    cfrags: valid,
  });
  return { data: openObject(params.sealed, key).data, validFragments: valid.length };
}

/** The owner opening their own object (no proxies involved). */
export function openAsOwner(
  delegatingSk: Uint8Array,
  capsule: Uint8Array,
  sealed: Pick<SealedObject, "meta" | "ciphertext" | "wrappedKey" | "saltedHash">,
): Uint8Array {
  return openObject(sealed, umbral.decapsulateOriginal(delegatingSk, umbral.capsuleFromBytes(capsule))).data;
}
