// Re-encryption: a proxy turns a capsule and its kfrag into a capsule fragment (E1 = rk·E, V1 = rk·V) with a
// non-interactive proof that it used the committed key: for a random t, (E2, V2, U2) = t·(E, V, U) and
// z = t + h·rk, h = H(E, E1, E2, V, V1, V2, U, U1, U2) (Nuñez 2018, §3.3 and §4; rust-umbral's `capsule_frag.rs`).

import { AssertionError, InvalidInputError } from "@amc/utils";
import { concatBytes } from "@noble/hashes/utils";
import { withArena } from "./arithmetic.js";
import type { Capsule } from "./capsule.js";
import { type CurvePoint, jEqualsAffine, LinearCombination, mulMany, OddMultiples, toAffineBatch } from "./curve.js";
import { ecdsaVerify } from "./ecdsa.js";
import { DST, hashToScalar, kfragSignatureMessage, paramsU } from "./hashing.js";
import type { KeyFrag } from "./keyFrag.js";
import { parseSignature } from "./keyFrag.js";
import { parseNonZeroScalar, parsePoint, parsePublicKey } from "./keys.js";
import { MsgpackReader, msgpackArray, msgpackBin } from "./msgpack.js";
import { modN, N, randomScalar, scalarToBytes } from "./scalar.js";

/** The proof that a cfrag was re-encrypted with the committed kfrag key. */
export type CapsuleFragProof = {
  readonly pointE2: CurvePoint;
  readonly pointV2: CurvePoint;
  /** The kfrag's commitment U1 = U·rk. */
  readonly kfragCommitment: CurvePoint;
  /** U2 = U·t. */
  readonly kfragPok: CurvePoint;
  /** z = t + h·rk. */
  readonly signature: bigint;
  /** The kfrag's signature for the receiver, over id, U1, precursor, pk_A and pk_B. */
  readonly kfragSignature: Uint8Array;
};

/** One proxy's re-encryption of a capsule. */
export type CapsuleFrag = {
  readonly pointE1: CurvePoint;
  readonly pointV1: CurvePoint;
  readonly kfragId: Uint8Array;
  readonly precursor: CurvePoint;
  readonly proof: CapsuleFragProof;
};

/**
 * Re-encrypts a capsule with one kfrag (run by a proxy, after `verifyKFrag`).
 *
 * @example
 * const cfrag = reencrypt(capsule, kfrag);
 * verifyCFrag(cfrag, capsule, { verifyingPk, delegatingPk, receivingPk }); // true
 */
export function reencrypt(capsule: Capsule, kfrag: KeyFrag): CapsuleFrag {
  return withArena(() => {
    const rk = kfrag.key;
    const u = paramsU();
    // One table per capsule point serves both scalars, and one inversion normalises all five results.
    const [tableE, tableV] = OddMultiples.build([capsule.pointE, capsule.pointV]);
    if (tableE === undefined || tableV === undefined) throw new AssertionError("reencrypt: tables missing");
    for (;;) {
      const t = randomScalar();
      const [e1, v1, e2, v2, u2] = toAffineBatch([
        mulMany([tableE], [rk]),
        mulMany([tableV], [rk]),
        mulMany([tableE], [t]),
        mulMany([tableV], [t]),
        u.mul(t),
      ]);
      if (e1 === undefined || v1 === undefined || e2 === undefined || v2 === undefined || u2 === undefined) {
        throw new AssertionError("reencrypt: a product of a curve point and a non-zero scalar is infinity");
      }
      const h = hashToScalar(DST.cfragVerification, [
        capsule.pointE,
        e1,
        e2,
        capsule.pointV,
        v1,
        v2,
        u.point,
        kfrag.commitment,
        u2,
      ]);
      const z = modN(t + h * rk);
      if (z === 0n) continue;
      return Object.freeze({
        pointE1: e1,
        pointV1: v1,
        kfragId: kfrag.id,
        precursor: kfrag.precursor,
        proof: Object.freeze({
          pointE2: e2,
          pointV2: v2,
          kfragCommitment: kfrag.commitment,
          kfragPok: u2,
          signature: z,
          kfragSignature: kfrag.signatureForReceiver,
        }),
      });
    }
  });
}

export type VerifyCFragParameters = {
  /** The public key of the signer of the kfrags. */
  verifyingPk: Uint8Array;
  delegatingPk: Uint8Array;
  receivingPk: Uint8Array;
};

/**
 * Whether a cfrag is a correct re-encryption of `capsule` with a kfrag the signer made for delegatingPk →
 * receivingPk: the kfrag signature, then z·E = E2 + h·E1, z·V = V2 + h·V1 and z·U = U2 + h·U1.
 * Throws only for malformed keys.
 */
export function verifyCFrag(cfrag: CapsuleFrag, capsule: Capsule, keys: VerifyCFragParameters): boolean {
  return withArena(() => {
    const verifyingPk = parsePublicKey(keys.verifyingPk, "verifyingPk");
    const delegatingPk = parsePublicKey(keys.delegatingPk, "delegatingPk");
    const receivingPk = parsePublicKey(keys.receivingPk, "receivingPk");
    const { proof } = cfrag;
    const message = kfragSignatureMessage(
      cfrag.kfragId,
      proof.kfragCommitment,
      cfrag.precursor,
      delegatingPk,
      receivingPk,
    );
    if (!ecdsaVerify(proof.kfragSignature, message, verifyingPk)) return false;
    const u = paramsU();
    const h = hashToScalar(DST.cfragVerification, [
      capsule.pointE,
      cfrag.pointE1,
      proof.pointE2,
      capsule.pointV,
      cfrag.pointV1,
      proof.pointV2,
      u.point,
      proof.kfragCommitment,
      proof.kfragPok,
    ]);
    const z = proof.signature;
    if (z <= 0n || z >= N) return false;
    const minusH = N - h;
    const combination = new LinearCombination([
      capsule.pointE,
      cfrag.pointE1,
      capsule.pointV,
      cfrag.pointV1,
      u.point,
      proof.kfragCommitment,
    ]);
    const check = (scalars: bigint[], expected: CurvePoint) => {
      const sum = combination.sum(scalars);
      return sum !== undefined && jEqualsAffine(sum, expected);
    };
    return (
      check([z, minusH, 0n, 0n, 0n, 0n], proof.pointE2) &&
      check([0n, 0n, z, minusH, 0n, 0n], proof.pointV2) &&
      check([0n, 0n, 0n, 0n, z, minusH], proof.kfragPok)
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes.

/**
 * umbral-pre's `CapsuleFrag.toBytes()` (381 bytes): MessagePack [E1, V1, kfrag id, precursor, [E2, V2, U1, U2, z,
 * kfrag signature]].
 */
export function cfragToBytes(cfrag: CapsuleFrag): Uint8Array {
  const { proof } = cfrag;
  return concatBytes(
    msgpackArray(5),
    msgpackBin(cfrag.pointE1.compressed()),
    msgpackBin(cfrag.pointV1.compressed()),
    msgpackBin(cfrag.kfragId),
    msgpackBin(cfrag.precursor.compressed()),
    msgpackArray(6),
    msgpackBin(proof.pointE2.compressed()),
    msgpackBin(proof.pointV2.compressed()),
    msgpackBin(proof.kfragCommitment.compressed()),
    msgpackBin(proof.kfragPok.compressed()),
    msgpackBin(scalarToBytes(proof.signature)),
    msgpackBin(proof.kfragSignature),
  );
}

/** umbral-pre's `CapsuleFrag.toBytesSimple()`: the same fields concatenated (359 bytes). */
export function cfragToBytesSimple(cfrag: CapsuleFrag): Uint8Array {
  const { proof } = cfrag;
  return concatBytes(
    cfrag.pointE1.compressed(),
    cfrag.pointV1.compressed(),
    cfrag.kfragId,
    cfrag.precursor.compressed(),
    proof.pointE2.compressed(),
    proof.pointV2.compressed(),
    proof.kfragCommitment.compressed(),
    proof.kfragPok.compressed(),
    scalarToBytes(proof.signature),
    proof.kfragSignature,
  );
}

/** Parses either cfrag encoding (381-byte MessagePack or 359-byte simple), validating every field. */
export function cfragFromBytes(bytes: Uint8Array): CapsuleFrag {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("cfrag bytes must be a Uint8Array");
  let take: (length: number, field: string) => Uint8Array;
  let reader: MsgpackReader | undefined;
  if (bytes.length === 359) {
    let at = 0;
    take = (length) => {
      at += length;
      return bytes.subarray(at - length, at);
    };
  } else if (bytes.length === 381) {
    const msgpack = new MsgpackReader(bytes, "cfrag");
    msgpack.array(5, "cfrag");
    take = (length, field) => msgpack.bin(length, field);
    reader = msgpack;
  } else {
    throw new InvalidInputError(`cfrag bytes must be 381 (MessagePack) or 359 (simple) long, got ${bytes.length}`);
  }
  const e1 = take(33, "point E1");
  const v1 = take(33, "point V1");
  const id = take(32, "kfrag id");
  const precursor = take(33, "precursor");
  reader?.array(6, "proof");
  const e2 = take(33, "point E2");
  const v2 = take(33, "point V2");
  const commitment = take(33, "kfrag commitment");
  const pok = take(33, "kfrag pok");
  const z = take(32, "signature");
  const signature = take(64, "kfrag signature");
  reader?.end();
  return Object.freeze({
    pointE1: parsePoint(e1, "cfrag point E1"),
    pointV1: parsePoint(v1, "cfrag point V1"),
    kfragId: id.slice(),
    precursor: parsePoint(precursor, "cfrag precursor"),
    proof: Object.freeze({
      pointE2: parsePoint(e2, "cfrag point E2"),
      pointV2: parsePoint(v2, "cfrag point V2"),
      kfragCommitment: parsePoint(commitment, "cfrag kfrag commitment"),
      kfragPok: parsePoint(pok, "cfrag kfrag pok"),
      signature: parseNonZeroScalar(z, "cfrag signature"),
      kfragSignature: parseSignature(signature, "cfrag kfrag signature"),
    }),
  });
}
