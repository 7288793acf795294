// Message proofs: a self-contained JSON document that shows one V2X message was logged by an RSU and anchored on a
// cell chain, which anyone with RPC access to that chain and to main can check without trusting the RSU service
// that handed it out (docs/edge.md). The checks, in the order that makes each tampering fail with its own reason:
//   schema -> the SPDU hashes to messageHash -> the leaf is messageHash's -> the Merkle path leads to root
//   -> DataAnchor.anchorOf(submitter, batchId) holds root, count, times and rsuDid, in the proof's block
//   -> the receipt of txHash is in that block and carries the same BatchAnchored log -> the block hash is canonical
//   -> the batch signature verifies under an assertionMethod key of the RSU DID (resolved on main)
//   -> and it is the very signature the chain logged.
// Expected failures are values ({ ok: false, reason, detail }); RPC failures throw, since they say nothing about
// the proof.
import type { KeyObject } from "node:crypto";
import { dataAnchorAbi } from "@amc/abi";
import type { ChainPublicClient } from "@amc/chain";
import { type MerkleTree, verifyMerkleProof } from "@amc/crypto";
import { chainHistory, formatDid, resolveAmc } from "@amc/did";
import { BaseError } from "@amc/utils";
import {
  type Address,
  bytesToHex,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  getAddress,
  type Hex,
  hexToBytes,
  isAddress,
  isAddressEqual,
  isHex,
  keccak256,
  type PublicClient,
  parseEventLogs,
  TransactionReceiptNotFoundError,
  BaseError as ViemError,
} from "viem";
import { z } from "zod";
import { p256KeyFromJwk } from "./admission.js";
import { type BatchHeader, messageLeaf, verifyBatchSignature } from "./batch.js";

export const MESSAGE_PROOF_VERSION = 1;

const hexOf = (bytes: number) =>
  z.custom<Hex>((v) => typeof v === "string" && v.length === 2 + 2 * bytes && isHex(v), {
    message: `must be 0x and ${2 * bytes} hex digits`,
  });
const hex32 = hexOf(32);
const anyHex = z.custom<Hex>((v) => typeof v === "string" && v.length % 2 === 0 && v.length > 2 && isHex(v), {
  message: "must be 0x and an even number of hex digits",
});
// Any 20-byte hex address, whatever its letter case: normalised to the checksummed form (viem refuses to encode a
// mixed-case address whose checksum is wrong, which would otherwise throw instead of verifying).
const address = z
  .custom<Address>((v) => typeof v === "string" && isAddress(v, { strict: false }), {
    message: "must be a 20-byte address",
  })
  .transform((v) => getAddress(v.toLowerCase()));
const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The JSON form of a message proof, version 1. Times are Unix ms; numbers are JSON numbers. */
export const MessageProofSchema = z
  .strictObject({
    version: z.literal(MESSAGE_PROOF_VERSION),
    messageHash: hex32,
    leaf: hex32,
    /** Position of the message in its batch (log order). */
    index: uint,
    proof: z.array(hex32).max(64),
    root: hex32,
    batch: z.strictObject({
      submitter: address,
      batchId: uint,
      count: z.int().min(1).max(0xffffffff),
      fromTime: uint,
      toTime: uint,
      /** The RSU DID's 32-byte id. */
      rsuDid: hex32,
      /** The RSU's batch header signature, 64 bytes P1363. */
      signature: hexOf(64),
    }),
    anchor: z.strictObject({
      chainId: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
      dataAnchor: address,
      txHash: hex32,
      blockNumber: uint,
      blockHash: hex32,
    }),
    /** The SPDU itself, when the proof carries it. */
    spdu: anyHex.optional(),
  })
  .refine((p) => p.batch.fromTime <= p.batch.toTime, { message: "fromTime is after toTime", path: ["batch"] })
  .refine((p) => p.index < p.batch.count, { message: "index is not below the batch count", path: ["index"] });
export type MessageProof = z.infer<typeof MessageProofSchema>;

export const MESSAGE_PROOF_FAILURE_REASONS = [
  "malformed",
  "hash_mismatch",
  "not_in_batch",
  "not_anchored",
  "anchor_mismatch",
  "reorged",
  "bad_batch_signature",
] as const;
export type MessageProofFailureReason = (typeof MESSAGE_PROOF_FAILURE_REASONS)[number];
export type MessageProofFailure = { ok: false; reason: MessageProofFailureReason; detail: string };

export type VerifiedMessageProof = {
  ok: true;
  messageHash: Hex;
  root: Hex;
  index: number;
  chainId: number;
  dataAnchor: Address;
  submitter: Address;
  batchId: number;
  count: number;
  fromTime: number;
  toTime: number;
  rsuDid: Hex;
  txHash: Hex;
  blockNumber: number;
  blockHash: Hex;
  /** Position of the anchor among all anchors of the DataAnchor. */
  anchorIndex: bigint;
  /** Blocks on top of the anchor's block, itself included, when checked. */
  confirmations: number;
  /** Which of the RSU keys verified the batch signature. */
  keyIndex: number;
};

export type VerifyMessageProofOptions = {
  /** A client of the cell (edge) chain the proof names. */
  cellClient: PublicClient;
  /** The RSU DID's assertionMethod P-256 keys (see rsuKeyResolver); empty when it has none or is unknown. */
  resolveRsuKeys: (rsuDid: Hex) => Promise<KeyObject[]>;
  /** The message bytes, when the verifier has them: they must hash to messageHash. */
  spdu?: Uint8Array | undefined;
};

const fail = (reason: MessageProofFailureReason, detail: string): MessageProofFailure => ({
  ok: false,
  reason,
  detail,
});
const sameHex = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/** The batch header a proof's signature must sign. */
export function proofBatchHeader(proof: MessageProof): BatchHeader {
  return {
    chainId: proof.anchor.chainId,
    dataAnchor: proof.anchor.dataAnchor,
    submitter: proof.batch.submitter,
    batchId: proof.batch.batchId,
    root: proof.root,
    count: proof.batch.count,
    fromTime: proof.batch.fromTime,
    toTime: proof.batch.toTime,
    rsuDid: proof.batch.rsuDid,
  };
}

/**
 * Verifies a message proof against the cell chain and the RSU's DID. Never throws for a bad proof: the result
 * says why it failed. Throws only when the chain or the DID registry cannot be reached.
 *
 * @example
 * const result = await verifyMessageProof(await (await fetch(proofUrl)).json(), {
 *   cellClient: publicClientFor(cell),
 *   resolveRsuKeys: rsuKeyResolver({ mainClient, registry, network: "test", chainId: main.chainId }),
 *   spdu,
 * });
 * if (!result.ok) console.error(result.reason, result.detail);
 */
export async function verifyMessageProof(
  input: unknown,
  options: VerifyMessageProofOptions,
): Promise<VerifiedMessageProof | MessageProofFailure> {
  const parsed = MessageProofSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail("malformed", `${issue?.path.join(".") || "proof"}: ${issue?.message ?? "invalid"}`);
  }
  const proof = parsed.data;
  const { batch, anchor } = proof;

  // --- the message and its place in the batch
  for (const [what, spdu] of [
    ["the given SPDU", options.spdu],
    ["the proof's spdu", proof.spdu === undefined ? undefined : hexToBytes(proof.spdu)],
  ] as const) {
    if (spdu !== undefined && !sameHex(keccak256(spdu), proof.messageHash))
      return fail("hash_mismatch", `keccak256 of ${what} is ${keccak256(spdu)}, not messageHash ${proof.messageHash}`);
  }
  const leaf = messageLeaf(proof.messageHash);
  if (!sameHex(leaf, proof.leaf)) return fail("hash_mismatch", `the leaf of messageHash is ${leaf}, not ${proof.leaf}`);
  if (!verifyMerkleProof(proof.root, leaf, proof.proof))
    return fail("not_in_batch", `the Merkle path does not lead from leaf ${leaf} to root ${proof.root}`);

  // --- the anchor on the cell chain
  const client = options.cellClient;
  const chainId = await client.getChainId();
  if (chainId !== anchor.chainId)
    return fail("anchor_mismatch", `the proof is for chain ${anchor.chainId}; the cell client is on chain ${chainId}`);
  let record: {
    root: Hex;
    count: number;
    fromTime: bigint;
    toTime: bigint;
    rsuDid: Hex;
    blockNumber: bigint;
    index: bigint;
  };
  try {
    record = await client.readContract({
      address: anchor.dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorOf",
      args: [batch.submitter, BigInt(batch.batchId)],
    });
  } catch (error) {
    const reverted = error instanceof ViemError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError)
      return fail(
        "not_anchored",
        `DataAnchor ${anchor.dataAnchor} has no batch ${batch.batchId} of ${batch.submitter} (${reverted.data?.errorName ?? reverted.shortMessage})`,
      );
    if (error instanceof ViemError && error.walk((e) => e instanceof ContractFunctionZeroDataError))
      return fail("not_anchored", `there is no DataAnchor at ${anchor.dataAnchor} on chain ${chainId}`);
    throw error;
  }
  const differences = [
    !sameHex(record.root, proof.root) && `root ${record.root}`,
    record.count !== batch.count && `count ${record.count}`,
    record.fromTime !== BigInt(batch.fromTime) && `fromTime ${record.fromTime}`,
    record.toTime !== BigInt(batch.toTime) && `toTime ${record.toTime}`,
    !sameHex(record.rsuDid, batch.rsuDid) && `rsuDid ${record.rsuDid}`,
  ].filter((d) => d !== false);
  if (differences.length > 0)
    return fail(
      "anchor_mismatch",
      `batch ${batch.batchId} of ${batch.submitter} is anchored with ${differences.join(", ")}`,
    );
  if (record.blockNumber !== BigInt(anchor.blockNumber))
    return fail("reorged", `the batch is anchored in block ${record.blockNumber}, not ${anchor.blockNumber}`);

  let receipt: Awaited<ReturnType<typeof client.getTransactionReceipt>>;
  try {
    receipt = await client.getTransactionReceipt({ hash: anchor.txHash });
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError)
      return fail("reorged", `transaction ${anchor.txHash} is not on chain ${chainId}`);
    throw error;
  }
  // The anchor is in the proof's block (checked above), so a transaction in another block is not its transaction;
  // the same block number with another hash is a block that was replaced.
  if (receipt.blockNumber !== BigInt(anchor.blockNumber))
    return fail(
      "anchor_mismatch",
      `transaction ${anchor.txHash} is in block ${receipt.blockNumber}, not in the anchor's block ${anchor.blockNumber}`,
    );
  if (!sameHex(receipt.blockHash, anchor.blockHash))
    return fail("reorged", `block ${anchor.blockNumber} is now ${receipt.blockHash}, not ${anchor.blockHash}`);
  if (receipt.status !== "success") return fail("anchor_mismatch", `transaction ${anchor.txHash} reverted`);
  const logged = parseEventLogs({ abi: dataAnchorAbi, eventName: "BatchAnchored", logs: receipt.logs }).find(
    (log) =>
      isAddressEqual(log.address, anchor.dataAnchor) &&
      isAddressEqual(log.args.submitter, batch.submitter) &&
      log.args.batchId === BigInt(batch.batchId),
  );
  if (logged === undefined)
    return fail(
      "anchor_mismatch",
      `transaction ${anchor.txHash} did not anchor batch ${batch.batchId} of ${batch.submitter}`,
    );
  const { args } = logged;
  if (
    !sameHex(args.root, proof.root) ||
    args.count !== batch.count ||
    args.fromTime !== BigInt(batch.fromTime) ||
    args.toTime !== BigInt(batch.toTime) ||
    !sameHex(args.rsuDid, batch.rsuDid)
  )
    return fail("anchor_mismatch", `the BatchAnchored log of ${anchor.txHash} does not match the proof's batch`);

  const [block, head] = await Promise.all([
    client.getBlock({ blockNumber: BigInt(anchor.blockNumber) }),
    client.getBlockNumber({ cacheTime: 0 }),
  ]);
  if (block.hash === null || !sameHex(block.hash, anchor.blockHash))
    return fail("reorged", `block ${anchor.blockNumber} is ${block.hash ?? "pending"}, not ${anchor.blockHash}`);

  // --- the RSU vouched for the batch, and the chain logged that very signature
  const keys = await options.resolveRsuKeys(batch.rsuDid);
  if (keys.length === 0) return fail("bad_batch_signature", `RSU DID ${batch.rsuDid} has no assertionMethod P-256 key`);
  const header = proofBatchHeader(proof);
  const keyIndex = keys.findIndex((key) => verifyBatchSignature(header, batch.signature, key));
  if (keyIndex < 0)
    return fail(
      "bad_batch_signature",
      `the batch signature verifies under none of the ${keys.length} assertionMethod key(s) of RSU DID ${batch.rsuDid}`,
    );
  if (!sameHex(args.signature, batch.signature))
    return fail("anchor_mismatch", `the chain logged signature ${args.signature}, not the proof's`);

  return {
    ok: true,
    messageHash: proof.messageHash,
    root: proof.root,
    index: proof.index,
    chainId,
    dataAnchor: anchor.dataAnchor,
    submitter: batch.submitter,
    batchId: batch.batchId,
    count: batch.count,
    fromTime: batch.fromTime,
    toTime: batch.toTime,
    rsuDid: batch.rsuDid,
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber,
    blockHash: anchor.blockHash,
    anchorIndex: record.index,
    confirmations: Number(head - receipt.blockNumber) + 1,
    keyIndex,
  };
}

export type BuildMessageProofParameters = {
  /** The batch's tree (buildMerkleTree of the messages' leaves, in log order). */
  tree: MerkleTree;
  messageHash: Hex;
  batch: MessageProof["batch"];
  anchor: MessageProof["anchor"];
  /** Include the SPDU in the proof. */
  spdu?: Uint8Array | undefined;
};

/** Assembles a proof for one message of an anchored batch; throws BaseError when the message is not in `tree`. */
export function buildMessageProof(parameters: BuildMessageProofParameters): MessageProof {
  const leaf = messageLeaf(parameters.messageHash);
  const index = parameters.tree.leafIndex(leaf);
  if (index === undefined)
    throw new BaseError(`message ${parameters.messageHash} is not in the batch`, {
      fix: "build the proof from the tree of the batch that logged the message",
    });
  const proof: MessageProof = {
    version: MESSAGE_PROOF_VERSION,
    messageHash: parameters.messageHash,
    leaf,
    index,
    proof: parameters.tree.getProof(index),
    root: parameters.tree.root,
    batch: parameters.batch,
    anchor: parameters.anchor,
    ...(parameters.spdu === undefined ? {} : { spdu: bytesToHex(parameters.spdu) }),
  };
  return proof;
}

// ---------------------------------------------------------------------------------------------------------------
// RSU keys from the DID registry on main

export type RsuKeyResolverOptions = {
  mainClient: ChainPublicClient;
  /** DIDRegistry on main. */
  registry: Address;
  /** The did:amc network name (topology `network`). */
  network: string;
  /** Main chain id (for the DID document's controller). */
  chainId: number;
};

/**
 * Resolves an RSU DID id (bytes32) on main to the P-256 keys of its assertionMethod relationship, as node:crypto
 * keys. An unknown or deactivated DID has no keys (empty array); an unreachable registry throws.
 */
export function rsuKeyResolver(options: RsuKeyResolverOptions): (rsuDid: Hex) => Promise<KeyObject[]> {
  const config = {
    network: options.network,
    chainId: options.chainId,
    history: chainHistory(options.mainClient, options.registry),
  };
  return async (rsuDid) => {
    const did = formatDid(options.network, rsuDid);
    const resolved = await resolveAmc(config, did);
    const error = resolved.didResolutionMetadata.error;
    if (error === "notFound" || error === "deactivated") return [];
    if (error !== undefined || resolved.didDocument === null)
      throw new BaseError(`cannot resolve RSU DID ${did}: ${error ?? "no document"}`, {
        details: resolved.didResolutionMetadata.message,
      });
    const document = resolved.didDocument;
    const assertion = new Set((document.assertionMethod ?? []).map((m) => (typeof m === "string" ? m : m.id)));
    const keys: KeyObject[] = [];
    for (const method of document.verificationMethod ?? []) {
      const jwk = method.publicKeyJwk;
      if (!assertion.has(method.id) || jwk?.kty !== "EC" || jwk.crv !== "P-256") continue;
      keys.push(p256KeyFromJwk(jwk));
    }
    return keys;
  };
}
