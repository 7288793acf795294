// Key fragments: the delegator splits sk_A/d (d a secret only the receiver can recompute) into `shares` Shamir
// shares with threshold `threshold`, one per proxy, each committed to (U·rk) and signed (Nuñez 2018, §3.2;
// rust-umbral's `key_frag.rs`). Two signatures per kfrag: one for the proxy, over the keys the delegator chose to
// bind, and one carried into every cfrag for the receiver, always over both keys.

import { InvalidInputError } from "@amc/utils";
import { concatBytes, randomBytes } from "@noble/hashes/utils";
import { withArena } from "./arithmetic.js";
import { type CurvePoint, G, jEqualsAffine, mulPoint, toAffineBatch } from "./curve.js";
import { ecdsaSign, ecdsaVerify } from "./ecdsa.js";
import { DST, hashToScalar, kfragSignatureMessage, paramsU } from "./hashing.js";
import { parseNonZeroScalar, parsePoint, parsePublicKey, parseSecretKey } from "./keys.js";
import { MsgpackReader, msgpackArray, msgpackBin, msgpackBool } from "./msgpack.js";
import { invN, modN, randomScalar, scalarToBytes } from "./scalar.js";

/** One proxy's share of a re-encryption key. */
export type KeyFrag = {
  /** 32 random bytes; the share index is H(precursor, pk_B, dh, id). */
  readonly id: Uint8Array;
  /** The share rk = f(share index) of the re-encryption key. */
  readonly key: bigint;
  /** x·G for the sharing's ephemeral x; equal in all kfrags of one `generateKFrags` call. */
  readonly precursor: CurvePoint;
  /** U·rk, binding the share to the signatures. */
  readonly commitment: CurvePoint;
  /** ECDSA (r ‖ s) by the signer over id, commitment, precursor and the keys chosen below. */
  readonly signatureForProxy: Uint8Array;
  /** ECDSA by the signer over id, commitment, precursor, pk_A and pk_B; copied into each cfrag. */
  readonly signatureForReceiver: Uint8Array;
  readonly delegatingKeySigned: boolean;
  readonly receivingKeySigned: boolean;
};

export type GenerateKFragsParameters = {
  /** The delegator's secret key (sk_A). */
  delegatingSk: Uint8Array;
  /** The receiver's public key (pk_B). */
  receivingPk: Uint8Array;
  /** The key that signs the kfrags; its public key is the `verifyingPk` of verifyKFrag / verifyCFrag. */
  signerSk: Uint8Array;
  /** How many cfrags the receiver needs (≥ 1). */
  threshold: number;
  /** How many kfrags to make, one per proxy (≥ threshold). */
  shares: number;
  /** Bind the proxy's signature to pk_A, so verifyKFrag needs it (default true). */
  signDelegatingKey?: boolean;
  /** Bind the proxy's signature to pk_B, so verifyKFrag needs it (default true). */
  signReceivingKey?: boolean;
};

/**
 * Splits the delegation from `delegatingSk` to `receivingPk` into `shares` kfrags, any `threshold` of which let
 * the receiver open capsules made for the delegator.
 *
 * @example
 * const kfrags = generateKFrags({ delegatingSk: aliceSk, receivingPk: bobPk, signerSk, threshold: 2, shares: 3 });
 */
export function generateKFrags(parameters: GenerateKFragsParameters): KeyFrag[] {
  return withArena(() => {
    const { threshold, shares } = parameters;
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new InvalidInputError(`threshold must be an integer ≥ 1, got ${threshold}`);
    }
    if (!Number.isSafeInteger(shares) || shares < threshold) {
      throw new InvalidInputError(`shares must be an integer ≥ threshold (${threshold}), got ${shares}`, {
        fix: "make at least as many kfrags as the receiver needs",
      });
    }
    const delegatingSk = parseSecretKey(parameters.delegatingSk, "delegatingSk");
    const receivingPk = parsePublicKey(parameters.receivingPk, "receivingPk");
    const signerSk = parseSecretKey(parameters.signerSk, "signerSk");
    const signDelegatingKey = parameters.signDelegatingKey ?? true;
    const signReceivingKey = parameters.signReceivingKey ?? true;

    // The precursor x·G is an ephemeral DH key towards pk_B: d = H(precursor, pk_B, x·pk_B) is then known to the
    // receiver alone, and the shared polynomial has f(0) = sk_A / d.
    const x = randomScalar();
    const [delegatingPk, precursor, dh] = toAffineBatch([G.mul(delegatingSk), G.mul(x), mulPoint(receivingPk, x)]);
    if (delegatingPk === undefined || precursor === undefined || dh === undefined) {
      throw new InvalidInputError("a key maps to the point at infinity");
    }
    const d = hashToScalar(DST.sharedSecret, [precursor, receivingPk, dh]);
    const coefficients = [modN(delegatingSk * invN(d))];
    for (let i = 1; i < threshold; i++) coefficients.push(randomScalar());

    const u = paramsU();
    const drawn: { id: Uint8Array; key: bigint }[] = [];
    while (drawn.length < shares) {
      const id = randomBytes(32);
      const key = evaluate(coefficients, hashToScalar(DST.polynomialArg, [precursor, receivingPk, dh, id]));
      if (key !== 0n) drawn.push({ id, key });
    }
    const commitments = toAffineBatch(drawn.map((share) => u.mul(share.key)));
    return drawn.map(({ id, key }, i) => {
      const commitment = commitments[i]!;
      const sign = (dpk: CurvePoint | undefined, rpk: CurvePoint | undefined) =>
        ecdsaSign(kfragSignatureMessage(id, commitment, precursor, dpk, rpk), signerSk);
      return Object.freeze({
        id,
        key,
        precursor,
        commitment,
        signatureForProxy: sign(
          signDelegatingKey ? delegatingPk : undefined,
          signReceivingKey ? receivingPk : undefined,
        ),
        signatureForReceiver: sign(delegatingPk, receivingPk),
        delegatingKeySigned: signDelegatingKey,
        receivingKeySigned: signReceivingKey,
      });
    });
  });
}

/** Horner's rule mod n. */
function evaluate(coefficients: readonly bigint[], x: bigint): bigint {
  let result = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) result = modN(result * x + coefficients[i]!);
  return result;
}

export type VerifyKFragParameters = {
  /** The public key of the `signerSk` that made the kfrags. */
  verifyingPk: Uint8Array;
  /** Required when the kfrag was made with signDelegatingKey. */
  delegatingPk?: Uint8Array | undefined;
  /** Required when the kfrag was made with signReceivingKey. */
  receivingPk?: Uint8Array | undefined;
};

/**
 * Whether a proxy may use this kfrag: its commitment matches its key and the signer signed it (for the keys the
 * delegator chose to bind; a bound key that is not passed fails). Throws only for malformed keys.
 */
export function verifyKFrag(kfrag: KeyFrag, keys: VerifyKFragParameters): boolean {
  return withArena(() => {
    const verifyingPk = parsePublicKey(keys.verifyingPk, "verifyingPk");
    const delegatingPk =
      keys.delegatingPk === undefined ? undefined : parsePublicKey(keys.delegatingPk, "delegatingPk");
    const receivingPk = keys.receivingPk === undefined ? undefined : parsePublicKey(keys.receivingPk, "receivingPk");
    if (kfrag.delegatingKeySigned && delegatingPk === undefined) return false;
    if (kfrag.receivingKeySigned && receivingPk === undefined) return false;
    if (!jEqualsAffine(paramsU().mul(kfrag.key), kfrag.commitment)) return false;
    const message = kfragSignatureMessage(
      kfrag.id,
      kfrag.commitment,
      kfrag.precursor,
      kfrag.delegatingKeySigned ? delegatingPk : undefined,
      kfrag.receivingKeySigned ? receivingPk : undefined,
    );
    return ecdsaVerify(kfrag.signatureForProxy, message, verifyingPk);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes.

/**
 * umbral-pre's `KeyFrag.toBytes()` (310 bytes): MessagePack [[U], id, rk, precursor, [commitment,
 * signature_for_proxy, signature_for_receiver, delegating_key_signed, receiving_key_signed]].
 */
export function kfragToBytes(kfrag: KeyFrag): Uint8Array {
  return concatBytes(
    msgpackArray(5),
    msgpackArray(1),
    msgpackBin(paramsU().point.compressed()),
    msgpackBin(kfrag.id),
    msgpackBin(scalarToBytes(kfrag.key)),
    msgpackBin(kfrag.precursor.compressed()),
    msgpackArray(5),
    msgpackBin(kfrag.commitment.compressed()),
    msgpackBin(kfrag.signatureForProxy),
    msgpackBin(kfrag.signatureForReceiver),
    msgpackBool(kfrag.delegatingKeySigned),
    msgpackBool(kfrag.receivingKeySigned),
  );
}

/** Parses kfragToBytes / umbral-pre bytes, validating every field; does not verify (see verifyKFrag). */
export function kfragFromBytes(bytes: Uint8Array): KeyFrag {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("kfrag bytes must be a Uint8Array");
  const reader = new MsgpackReader(bytes, "kfrag");
  reader.array(5, "kfrag");
  reader.array(1, "parameters");
  const u = reader.bin(33, "parameter U");
  const id = reader.bin(32, "id");
  const key = reader.bin(32, "key");
  const precursor = reader.bin(33, "precursor");
  reader.array(5, "proof");
  const commitment = reader.bin(33, "commitment");
  const signatureForProxy = reader.bin(64, "signature for proxy");
  const signatureForReceiver = reader.bin(64, "signature for receiver");
  const delegatingKeySigned = reader.bool("delegating key signed");
  const receivingKeySigned = reader.bool("receiving key signed");
  reader.end();
  if (!parsePoint(u, "kfrag parameter U").equals(paramsU().point)) {
    throw new InvalidInputError("kfrag parameter U is not Umbral's U = hash_to_curve(POINT_U)");
  }
  return Object.freeze({
    id: id.slice(),
    key: parseNonZeroScalar(key, "kfrag key"),
    precursor: parsePoint(precursor, "kfrag precursor"),
    commitment: parsePoint(commitment, "kfrag commitment"),
    signatureForProxy: parseSignature(signatureForProxy, "kfrag signature for proxy"),
    signatureForReceiver: parseSignature(signatureForReceiver, "kfrag signature for receiver"),
    delegatingKeySigned,
    receivingKeySigned,
  });
}

/** A 64-byte r ‖ s signature with r, s in [1, n) (k256's `Signature::from_bytes`); a copy. */
export function parseSignature(bytes: Uint8Array, name: string): Uint8Array {
  parseNonZeroScalar(bytes.subarray(0, 32), `${name} r`);
  parseNonZeroScalar(bytes.subarray(32), `${name} s`);
  return bytes.slice();
}
