// The Umbral KEM: a capsule encapsulates a symmetric key under the delegating public key; its owner opens it
// directly, and a receiver opens it with `threshold` capsule fragments re-encrypted by proxies (Nuñez 2018, §3;
// rust-umbral's `capsule.rs`). The key returned is the 32-byte DEM key umbral-pre derives (HKDF of the compressed
// shared point), so a capsule from either implementation yields the same key in both.

import { AssertionError, InvalidInputError } from "@amc/utils";
import { bytesToHex, concatBytes } from "@noble/hashes/utils";
import { withArena } from "./arithmetic.js";
import type { CapsuleFrag } from "./capsuleFrag.js";
import {
  addPoints,
  type CurvePoint,
  G,
  jEquals,
  jEqualsAffine,
  LinearCombination,
  mulMany,
  mulPoint,
  OddMultiples,
  toAffineBatch,
} from "./curve.js";
import { DST, hashToScalar, kdf } from "./hashing.js";
import { parseNonZeroScalar, parsePoint, parsePublicKey, parseSecretKey } from "./keys.js";
import { MsgpackReader, msgpackArray, msgpackBin } from "./msgpack.js";
import { batchInvN, invN, modN, N, randomScalar, scalarToBytes } from "./scalar.js";

/**
 * An encapsulated key: E = r·G, V = u·G and s = u + r·H(E, V), with the key derived from (r + u)·pk_A.
 * Capsules come from `encapsulate` / `encrypt` or from `capsuleFromBytes`, which checks s·G = V + H(E, V)·E.
 */
export type Capsule = {
  readonly pointE: CurvePoint;
  readonly pointV: CurvePoint;
  readonly signature: bigint;
};

export type EncapsulateReturnType = {
  capsule: Capsule;
  /** The 32-byte symmetric key (umbral-pre's XChaCha20-Poly1305 key for this capsule). */
  key: Uint8Array;
};

/**
 * Makes a fresh symmetric key and the capsule that encapsulates it for `delegatingPk`.
 *
 * @example
 * const { capsule, key } = encapsulate(alicePk);
 * decapsulateOriginal(aliceSk, capsule); // the same 32 bytes as key
 */
export function encapsulate(delegatingPk: Uint8Array): EncapsulateReturnType {
  return withArena(() => {
    const pk = parsePublicKey(delegatingPk, "delegatingPk");
    for (;;) {
      const r = randomScalar();
      const u = randomScalar();
      const sum = modN(r + u);
      if (sum === 0n) continue;
      const [e, v, shared] = toAffineBatch([G.mul(r), G.mul(u), mulPoint(pk, sum)]);
      if (e === undefined || v === undefined || shared === undefined) continue;
      const s = modN(u + r * hashToScalar(DST.capsulePoints, [e, v]));
      if (s === 0n) continue;
      return { capsule: Object.freeze({ pointE: e, pointV: v, signature: s }), key: kdf(shared.compressed()) };
    }
  });
}

/** The capsule's symmetric key, opened with the delegating secret key: KDF(sk_A·(E + V)). */
export function decapsulateOriginal(delegatingSk: Uint8Array, capsule: Capsule): Uint8Array {
  return withArena(() => {
    const d = parseSecretKey(delegatingSk, "delegatingSk");
    const sum = addPoints(capsule.pointE, capsule.pointV);
    const shared = sum === undefined ? undefined : toAffineBatch([mulPoint(sum, d)])[0];
    if (shared === undefined) throw new InvalidInputError("capsule opens to the point at infinity: it is malformed");
    return kdf(shared.compressed());
  });
}

export type DecapsulateReencryptedParameters = {
  receivingSk: Uint8Array;
  delegatingPk: Uint8Array;
  capsule: Capsule;
  /** At least `threshold` distinct cfrags of this capsule, re-encrypted with kfrags of one `generateKFrags` call. */
  cfrags: readonly CapsuleFrag[];
};

/**
 * The capsule's symmetric key, opened by the receiver from `threshold` or more capsule fragments.
 * Throws InvalidInputError when the cfrags are empty, repeated, from different `generateKFrags` calls, too few,
 * or not for this capsule and receiver (the result is checked against the capsule, as rust-umbral does).
 * Verify each cfrag with `verifyCFrag` first to know which proxy misbehaved.
 */
export function decapsulateReencrypted(parameters: DecapsulateReencryptedParameters): Uint8Array {
  return withArena(() => {
    const { capsule, cfrags } = parameters;
    const skB = parseSecretKey(parameters.receivingSk, "receivingSk");
    const pkA = parsePublicKey(parameters.delegatingPk, "delegatingPk");
    const first = cfrags[0];
    if (first === undefined) {
      throw new InvalidInputError("no cfrags to open the capsule with", {
        fix: "pass at least `threshold` cfrags returned by reencrypt()",
      });
    }
    const precursor = first.precursor;
    const seen = new Set<string>();
    cfrags.forEach((cfrag, i) => {
      if (!cfrag.precursor.equals(precursor)) {
        throw new InvalidInputError(`cfrag ${i} comes from a different set of kfrags than cfrag 0`, {
          details: "each generateKFrags call makes an independent sharing; cfrags of two sharings do not combine",
          fix: "use cfrags re-encrypted with kfrags of one generateKFrags call",
        });
      }
      const id = bytesToHex(cfrag.kfragId);
      if (seen.has(id)) {
        throw new InvalidInputError(`cfrag ${i} repeats the kfrag of an earlier cfrag`, {
          fix: "pass cfrags from distinct kfrags (distinct proxies)",
        });
      }
      seen.add(id);
    });

    const [pkB, dh] = toAffineBatch([G.mul(skB), mulPoint(precursor, skB)]);
    if (pkB === undefined || dh === undefined) throw new InvalidInputError("receivingSk gives the point at infinity");
    // Shamir reconstruction at 0 over the share indices x_i = H(precursor, pk_B, dh, id_i).
    const xs = cfrags.map((cfrag) => hashToScalar(DST.polynomialArg, [precursor, pkB, dh, cfrag.kfragId]));
    const lambdas = lagrangeAtZero(xs);
    const d = hashToScalar(DST.sharedSecret, [precursor, pkB, dh]);
    const h = hashToScalar(DST.capsulePoints, [capsule.pointE, capsule.pointV]);
    if (capsule.signature === 0n) throw new InvalidInputError("capsule signature is zero: the capsule is malformed");

    // E' = Σ λ_i·E1_i and V' = Σ λ_i·V1_i are never formed: the check s/d·pk_A = h·E' + V' and the key d·(E' + V')
    // are each one multi-scalar multiplication over the cfrag points (tables shared).
    const combination = new LinearCombination([...cfrags.map((c) => c.pointE1), ...cfrags.map((c) => c.pointV1)]);
    const left = mulPoint(pkA, modN(capsule.signature * invN(d)));
    const right = combination.sum([...lambdas.map((l) => modN(l * h)), ...lambdas]);
    if (right === undefined || !jEquals(left, right)) {
      throw new InvalidInputError("the cfrags do not open this capsule", {
        details:
          "fewer than `threshold` distinct cfrags, cfrags of another capsule or for another receiver (receivingSk), " +
          "a wrong delegatingPk, or a tampered cfrag or capsule",
        fix: "collect at least `threshold` cfrags that pass verifyCFrag for this capsule and receiver",
      });
    }
    const dl = lambdas.map((l) => modN(d * l));
    const sum = combination.sum([...dl, ...dl]);
    const shared = sum === undefined ? undefined : toAffineBatch([sum])[0];
    if (shared === undefined) throw new InvalidInputError("the cfrags open the capsule to the point at infinity");
    return kdf(shared.compressed());
  });
}

/** λ_i = Π_{j≠i} x_j / (x_j − x_i) (mod n), with one modular inversion. */
function lagrangeAtZero(xs: readonly bigint[]): bigint[] {
  const numerators: bigint[] = [];
  const denominators: bigint[] = [];
  xs.forEach((xi, i) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = modN(num * xj);
      den = modN(den * (xj - xi));
    });
    if (den === 0n) throw new InvalidInputError(`cfrag ${i} has the share index of another cfrag: they repeat`);
    numerators.push(num);
    denominators.push(den);
  });
  const inverses = batchInvN(denominators);
  return numerators.map((num, i) => modN(num * inverses[i]!));
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes.

/** umbral-pre's `Capsule.toBytes()`: a MessagePack array [E, V, s] (105 bytes). */
export function capsuleToBytes(capsule: Capsule): Uint8Array {
  return concatBytes(
    msgpackArray(3),
    msgpackBin(capsule.pointE.compressed()),
    msgpackBin(capsule.pointV.compressed()),
    msgpackBin(scalarToBytes(capsule.signature)),
  );
}

/** umbral-pre's `Capsule.toBytesSimple()`: E ‖ V ‖ s (98 bytes), also the DEM's associated data. */
export function capsuleToBytesSimple(capsule: Capsule): Uint8Array {
  return concatBytes(capsule.pointE.compressed(), capsule.pointV.compressed(), scalarToBytes(capsule.signature));
}

/**
 * Parses either capsule encoding (105-byte MessagePack or 98-byte simple), validates the points and scalar and
 * checks the capsule's own proof s·G = V + H(E, V)·E, as umbral-pre does; throws InvalidInputError otherwise.
 */
export function capsuleFromBytes(bytes: Uint8Array): Capsule {
  return withArena(() => {
    if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("capsule bytes must be a Uint8Array");
    let e: Uint8Array;
    let v: Uint8Array;
    let s: Uint8Array;
    if (bytes.length === 98) {
      e = bytes.subarray(0, 33);
      v = bytes.subarray(33, 66);
      s = bytes.subarray(66);
    } else if (bytes.length === 105) {
      const reader = new MsgpackReader(bytes, "capsule");
      reader.array(3, "capsule");
      e = reader.bin(33, "point E");
      v = reader.bin(33, "point V");
      s = reader.bin(32, "signature");
      reader.end();
    } else {
      throw new InvalidInputError(`capsule bytes must be 105 (MessagePack) or 98 (simple) long, got ${bytes.length}`);
    }
    const capsule: Capsule = Object.freeze({
      pointE: parsePoint(e, "capsule point E"),
      pointV: parsePoint(v, "capsule point V"),
      signature: parseNonZeroScalar(s, "capsule signature"),
    });
    if (!capsuleIsValid(capsule)) {
      throw new InvalidInputError("capsule fails its self-verification (s·G ≠ V + H(E, V)·E)", {
        details: "the capsule was altered or was not made by Umbral",
      });
    }
    return capsule;
  });
}

/** s·G − H(E, V)·E = V. */
function capsuleIsValid(capsule: Capsule): boolean {
  const h = hashToScalar(DST.capsulePoints, [capsule.pointE, capsule.pointV]);
  const [e] = OddMultiples.build([capsule.pointE]);
  if (e === undefined) throw new AssertionError("capsule check: table missing");
  return jEqualsAffine(mulMany([G.oddMultiples, e], [capsule.signature, N - h]), capsule.pointV);
}
