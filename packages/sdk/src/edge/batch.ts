// Message identity and RSU batch headers (docs/edge.md, "Message identity and batches"). A message is known by
// keccak256 of the exact SPDU bytes the OBU sent; its Merkle leaf is OpenZeppelin's double-hashed standard leaf of
// that hash; a batch header binds the batch's root to one DataAnchor on one chain and is signed by the RSU's DID
// key, so a proof can show that the RSU, not just whoever paid for the anchoring transaction, vouched for the batch.
//
// The signature is ES256 (ECDSA P-256, IEEE P1363 r || s) whose signed hash is batchHeaderDigest(header) =
// sha256(abi.encode(...)): what node:crypto's sign("sha256", abi.encode(...)) produces, and what a contract can
// check with the P-256 precompile on the digest.
import { createHash, type KeyObject, sign, verify } from "node:crypto";
import { standardLeafHash } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import {
  type Address,
  bytesToHex,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  isHex,
  keccak256,
  BaseError as ViemError,
} from "viem";

/** Domain tag, the first field of the encoded header. */
export const BATCH_HEADER_TAG = "AMC-DataAnchor-v1";

export type BatchHeader = {
  /** Chain id of the edge chain the batch is anchored on. */
  chainId: number | bigint;
  /** DataAnchor contract address. */
  dataAnchor: Address;
  /** The account that sends `anchor` (msg.sender). */
  submitter: Address;
  batchId: number | bigint;
  root: Hex;
  count: number;
  /** Unix ms of the first and last message. */
  fromTime: number | bigint;
  toTime: number | bigint;
  /** The RSU DID's 32-byte id (the id of did:amc:<network>:<id>). */
  rsuDid: Hex;
};

const HEADER_PARAMETERS = [
  { type: "string" },
  { type: "uint256" },
  { type: "address" },
  { type: "address" },
  { type: "uint64" },
  { type: "bytes32" },
  { type: "uint32" },
  { type: "uint64" },
  { type: "uint64" },
  { type: "bytes32" },
] as const;

/** abi.encode("AMC-DataAnchor-v1", chainId, dataAnchor, submitter, batchId, root, count, fromTime, toTime, rsuDid). */
export function encodeBatchHeader(header: BatchHeader): Hex {
  return encodeAbiParameters(HEADER_PARAMETERS, [
    BATCH_HEADER_TAG,
    BigInt(header.chainId),
    header.dataAnchor,
    header.submitter,
    BigInt(header.batchId),
    header.root,
    header.count,
    BigInt(header.fromTime),
    BigInt(header.toTime),
    header.rsuDid,
  ]);
}

/**
 * sha256 of the ABI-encoded header: the hash the RSU's batch signature signs.
 *
 * @example
 * const digest = batchHeaderDigest({ chainId: 72001, dataAnchor, submitter, batchId: 0n, root, count: 2,
 *   fromTime: 1700000000000, toTime: 1700000001000, rsuDid });
 */
export function batchHeaderDigest(header: BatchHeader): Hex {
  return bytesToHex(
    createHash("sha256")
      .update(hexToBytes(encodeBatchHeader(header)))
      .digest(),
  );
}

/** Signs a batch header with the RSU DID's P-256 key; returns the 64-byte P1363 signature as hex. */
export function signBatchHeader(header: BatchHeader, privateKey: KeyObject): Hex {
  const signature = sign("sha256", hexToBytes(encodeBatchHeader(header)), {
    key: privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return bytesToHex(signature);
}

/** Whether `signature` (64-byte P1363 hex) is `publicKey`'s signature of `header`; false for any malformed input. */
export function verifyBatchSignature(header: BatchHeader, signature: Hex, publicKey: KeyObject): boolean {
  if (!isHex(signature) || signature.length !== 2 + 128) return false;
  let encoded: Hex;
  try {
    encoded = encodeBatchHeader(header);
  } catch (error) {
    // A header that cannot be encoded (bad address, out-of-range field) was never signed.
    if (error instanceof ViemError) return false;
    throw error;
  }
  return verify("sha256", hexToBytes(encoded), { key: publicKey, dsaEncoding: "ieee-p1363" }, hexToBytes(signature));
}

/** keccak256 of the exact SPDU bytes: a message's identity in ACKs, batches and proofs. */
export function messageHash(spdu: Uint8Array): Hex {
  if (spdu.length === 0) throw new InvalidInputError("cannot hash an empty SPDU");
  return keccak256(spdu);
}

/** The Merkle leaf of a message: standardLeafHash(["bytes32"], [messageHash]) (OpenZeppelin standard tree). */
export function messageLeaf(hash: Hex): Hex {
  return standardLeafHash(["bytes32"], [hash]);
}
