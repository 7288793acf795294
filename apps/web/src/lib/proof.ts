// Message proofs verified in the browser: the dashboard checks a proof (GET /v1/edge/proofs/:hash) against the
// chains itself, over JSON-RPC, instead of trusting the gateway or the RSU that handed it out. It is a second
// implementation of verifyMessageProof (packages/sdk/src/edge/proof.ts, docs/edge.md) on browser-safe parts only —
// viem, @noble/curves and the generated ABIs; no node:crypto, zod or Node-only @amc packages — with the same checks
// in the same order and the same failure reasons; proof.anvil.test.ts runs both on real and tampered proofs and
// requires them to agree.
//   schema -> keccak256(spdu) = messageHash -> leaf -> Merkle path to root -> DataAnchor.anchorOf in the proof's
//   block -> the receipt's BatchAnchored log -> the canonical block -> the batch signature under an assertionMethod
//   P-256 key of the RSU DID (replayed from the DIDRegistry's events on main) -> the very signature the chain logged.
// Expected failures are values; an unreachable chain throws (it says nothing about the proof).
// Specs: OpenZeppelin MerkleProof (sorted-pair keccak256 tree, standard double-hashed leaves); FIPS 186-5 ECDSA on
// P-256 with SHA-256 (FIPS 180-4), signatures as IEEE P1363 r || s; RFC 7517/7518 JWK (EC public keys, base64url
// coordinates, RFC 4648 §5); ERC-1056-style DID registry history (docs/did-method-amc.md).
import { dataAnchorAbi, didRegistryAbi } from "@amc/abi";
import { p256 } from "@noble/curves/p256";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  concatHex,
  createPublicClient,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  hexToString,
  http,
  isAddress,
  isAddressEqual,
  isHex,
  keccak256,
  type PublicClient,
  parseEventLogs,
  sha256,
  TransactionReceiptNotFoundError,
  trim,
} from "viem";

/** The reasons a proof fails, exactly those of MESSAGE_PROOF_FAILURE_REASONS of @amc/sdk. */
export const PROOF_FAILURE_REASONS = [
  "malformed",
  "hash_mismatch",
  "not_in_batch",
  "not_anchored",
  "anchor_mismatch",
  "reorged",
  "bad_batch_signature",
] as const;
export type BrowserProofFailureReason = (typeof PROOF_FAILURE_REASONS)[number];

export type BrowserProofResult =
  | {
      ok: true;
      messageHash: Hex;
      batchId: number;
      count: number;
      blockNumber: number;
      /** Blocks on top of the anchor's block, itself included. */
      confirmations: number;
      /** The RSU's DID, did:amc:<network>:<id>. */
      rsuDid: string;
      chainId: number;
      txHash: Hex;
    }
  | { ok: false; reason: BrowserProofFailureReason; detail: string };

export type VerifyProofInBrowserOptions = {
  /** A JSON-RPC URL for a chain id, e.g. `${origin}/v1/rpc/${name}` from /v1/dashboard/config's chains. */
  rpcUrlFor: (chainId: number) => string;
  /** The main chain, where the DIDRegistry is. */
  mainChainId: number;
  /** DIDRegistry on main. */
  registry: Address;
  /** The did:amc network name (/v1/dashboard/config `network`). */
  network: string;
};

// ---------------------------------------------------------------------------------------------------------------
// the proof's shape (MessageProofSchema, version 1), checked by hand

export type BrowserMessageProof = {
  version: 1;
  messageHash: Hex;
  leaf: Hex;
  index: number;
  proof: Hex[];
  root: Hex;
  batch: {
    submitter: Address;
    batchId: number;
    count: number;
    fromTime: number;
    toTime: number;
    rsuDid: Hex;
    signature: Hex;
  };
  anchor: { chainId: number; dataAnchor: Address; txHash: Hex; blockNumber: number; blockHash: Hex };
  spdu?: Hex | undefined;
};

/** A field that does not fit the schema: its path and what it must be. */
class ShapeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type Reader<T> = (value: unknown, path: string) => T;

const hexOf =
  (bytes: number): Reader<Hex> =>
  (value, path) => {
    if (typeof value === "string" && value.length === 2 + 2 * bytes && isHex(value)) return value;
    throw new ShapeError(path, `must be 0x and ${2 * bytes} hex digits`);
  };
const hex32 = hexOf(32);
const anyHex: Reader<Hex> = (value, path) => {
  if (typeof value === "string" && value.length % 2 === 0 && value.length > 2 && isHex(value)) return value;
  throw new ShapeError(path, "must be 0x and an even number of hex digits");
};
// Addresses are compared and ABI-encoded lower-case: a mis-checksummed address still names the same account.
const address: Reader<Address> = (value, path) => {
  if (typeof value === "string" && isAddress(value, { strict: false })) return lower(value);
  throw new ShapeError(path, "must be a 20-byte address");
};
const int =
  (min: number, max: number): Reader<number> =>
  (value, path) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value))
      throw new ShapeError(path, `must be an integer, got ${typeof value === "number" ? value : typeof value}`);
    if (value < min || value > max) throw new ShapeError(path, `must be between ${min} and ${max}`);
    return value;
  };
const uint = int(0, Number.MAX_SAFE_INTEGER);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const lower = (hex: Hex): Hex => `0x${hex.slice(2).toLowerCase()}`;

/** A plain object with exactly `keys` (optional ones may be missing). */
function strictObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (!isRecord(value))
    throw new ShapeError(
      path,
      `must be an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
    );
  const unknownKey = Object.keys(value).find((key) => !keys.includes(key));
  if (unknownKey !== undefined) throw new ShapeError(path, `unrecognized key "${unknownKey}"`);
  return value;
}

function readProof(input: unknown): BrowserMessageProof {
  const p = strictObject(input, "proof", [
    "version",
    "messageHash",
    "leaf",
    "index",
    "proof",
    "root",
    "batch",
    "anchor",
    "spdu",
  ]);
  if (p.version !== 1) throw new ShapeError("version", "must be 1");
  const messageHash = hex32(p.messageHash, "messageHash");
  const leaf = hex32(p.leaf, "leaf");
  const index = uint(p.index, "index");
  if (!Array.isArray(p.proof)) throw new ShapeError("proof", "must be an array of 32-byte hashes");
  if (p.proof.length > 64) throw new ShapeError("proof", "must have at most 64 elements");
  // Array.from visits the holes of a sparse array, which map would skip.
  const path = Array.from(p.proof, (sibling: unknown, i) => hex32(sibling, `proof.${i}`));
  const root = hex32(p.root, "root");
  const b = strictObject(p.batch, "batch", [
    "submitter",
    "batchId",
    "count",
    "fromTime",
    "toTime",
    "rsuDid",
    "signature",
  ]);
  const batch = {
    submitter: address(b.submitter, "batch.submitter"),
    batchId: uint(b.batchId, "batch.batchId"),
    count: int(1, 0xffffffff)(b.count, "batch.count"),
    fromTime: uint(b.fromTime, "batch.fromTime"),
    toTime: uint(b.toTime, "batch.toTime"),
    rsuDid: hex32(b.rsuDid, "batch.rsuDid"),
    signature: hexOf(64)(b.signature, "batch.signature"),
  };
  const a = strictObject(p.anchor, "anchor", ["chainId", "dataAnchor", "txHash", "blockNumber", "blockHash"]);
  const anchor = {
    chainId: int(1, Number.MAX_SAFE_INTEGER)(a.chainId, "anchor.chainId"),
    dataAnchor: address(a.dataAnchor, "anchor.dataAnchor"),
    txHash: hex32(a.txHash, "anchor.txHash"),
    blockNumber: uint(a.blockNumber, "anchor.blockNumber"),
    blockHash: hex32(a.blockHash, "anchor.blockHash"),
  };
  const spdu = p.spdu === undefined ? undefined : anyHex(p.spdu, "spdu");
  if (batch.fromTime > batch.toTime) throw new ShapeError("batch", "fromTime is after toTime");
  if (index >= batch.count) throw new ShapeError("index", "index is not below the batch count");
  return { version: 1, messageHash, leaf, index, proof: path, root, batch, anchor, spdu };
}

// ---------------------------------------------------------------------------------------------------------------
// hashing (packages/sdk/src/edge/batch.ts, packages/crypto/src/merkle.ts)

const sameHex = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/** OpenZeppelin's standard leaf of one bytes32: keccak256(keccak256(abi.encode(messageHash))). */
const messageLeaf = (hash: Hex): Hex => keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }], [hash])));

/** The root `path` leads to from `leaf`, hashing sorted pairs (OpenZeppelin MerkleProof.processProof). */
function processProof(leaf: Hex, path: readonly Hex[]): Hex {
  let node = leaf;
  for (const sibling of path) {
    // Same-length lower-case hex strings order as the numbers they spell.
    const first = node.toLowerCase() <= sibling.toLowerCase();
    node = keccak256(first ? concatHex([node, sibling]) : concatHex([sibling, node]));
  }
  return node;
}

const BATCH_HEADER_TAG = "AMC-DataAnchor-v1";
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

/** sha256(abi.encode(tag, chainId, dataAnchor, submitter, batchId, root, count, fromTime, toTime, rsuDid)). */
function batchHeaderDigest(proof: BrowserMessageProof): Uint8Array {
  const { batch, anchor } = proof;
  const encoded = encodeAbiParameters(HEADER_PARAMETERS, [
    BATCH_HEADER_TAG,
    BigInt(anchor.chainId),
    anchor.dataAnchor,
    batch.submitter,
    BigInt(batch.batchId),
    proof.root,
    batch.count,
    BigInt(batch.fromTime),
    BigInt(batch.toTime),
    batch.rsuDid,
  ]);
  return sha256(hexToBytes(encoded), "bytes");
}

/** ES256 over the header: ECDSA P-256 of its SHA-256, r || s; high s accepted, as node:crypto does. */
function verifyBatchSignature(digest: Uint8Array, signature: Hex, publicKey: Uint8Array): boolean {
  return p256.verify(hexToBytes(signature), digest, publicKey, { prehash: false, lowS: false, format: "compact" });
}

// ---------------------------------------------------------------------------------------------------------------
// the RSU DID's assertionMethod P-256 keys, from the DIDRegistry's history on main (packages/did resolver.ts and
// document.ts, reduced to what decides the keys: creation, deactivation and key attributes with their validity)

const DID_NETWORK = /^[a-z][a-z0-9-]{0,31}$/;
const RELATIONSHIPS = [
  "authentication",
  "assertionMethod",
  "keyAgreement",
  "capabilityInvocation",
  "capabilityDelegation",
];

type DidEvent = { blockNumber: bigint; logIndex: number } & (
  | { kind: "created" | "deactivated" | "other" }
  | { kind: "attributeChanged"; name: Hex; value: Hex; validTo: bigint }
);

/** Every registry event of `id`, oldest first: `changed(id)`, then that block's logs, then each previousChange. */
async function didHistory(client: PublicClient, registry: Address, id: Hex): Promise<DidEvent[]> {
  let block = await client.readContract({
    address: registry,
    abi: didRegistryAbi,
    functionName: "changed",
    args: [id],
  });
  const collected: DidEvent[] = [];
  while (block > 0n) {
    const logs = await client.getLogs({ address: registry, fromBlock: block, toBlock: block });
    const mine: { previousChange: bigint; event: DidEvent }[] = [];
    for (const log of parseEventLogs({ abi: didRegistryAbi, logs })) {
      const base = { blockNumber: log.blockNumber ?? 0n, logIndex: log.logIndex ?? 0 };
      switch (log.eventName) {
        case "DIDCreated":
        case "DIDDeactivated":
        case "DIDControllerChanged":
        case "DIDDelegateChanged":
          if (log.args.id !== id) break;
          mine.push({
            previousChange: log.args.previousChange,
            event: {
              ...base,
              kind:
                log.eventName === "DIDCreated"
                  ? "created"
                  : log.eventName === "DIDDeactivated"
                    ? "deactivated"
                    : "other",
            },
          });
          break;
        case "DIDAttributeChanged":
          if (log.args.id !== id) break;
          mine.push({
            previousChange: log.args.previousChange,
            event: {
              ...base,
              kind: "attributeChanged",
              name: log.args.name,
              value: log.args.value,
              validTo: BigInt(log.args.validTo),
            },
          });
          break;
        default:
          break;
      }
    }
    if (mine.length === 0) break;
    collected.push(...mine.map((m) => m.event));
    let next = 0n;
    for (const { previousChange } of mine)
      if (previousChange < block && (next === 0n || previousChange < next)) next = previousChange;
    block = next;
  }
  return collected.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
}

/** base64url (RFC 4648 §5, padding tolerated) to bytes; undefined when it is not base64url. */
function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const binary = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The uncompressed SEC 1 point of a P-256 JWK; throws when it is not a point on the curve. */
function p256PointFromJwk(jwk: { x?: unknown; y?: unknown }, did: string): Uint8Array {
  const x = typeof jwk.x === "string" ? fromBase64url(jwk.x) : undefined;
  const y = typeof jwk.y === "string" ? fromBase64url(jwk.y) : undefined;
  if (x?.length !== 32 || y?.length !== 32)
    throw new Error(`RSU DID ${did} has a malformed P-256 assertionMethod key: x and y must be 32 base64url bytes`);
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  try {
    p256.ProjectivePoint.fromHex(point).assertValidity();
  } catch (error) {
    throw new Error(`RSU DID ${did} has a P-256 assertionMethod key that is not a point on the curve`, {
      cause: error,
    });
  }
  return point;
}

/**
 * The live assertionMethod P-256 keys of `did` (uncompressed points), as the did:amc resolver builds them: none for
 * an unknown or deactivated DID or one never created. Throws when the registry cannot be read.
 */
async function rsuKeys(client: PublicClient, registry: Address, id: Hex, did: string): Promise<Uint8Array[]> {
  let events: DidEvent[];
  try {
    events = await didHistory(client, registry, id);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    throw new Error(`cannot resolve RSU DID ${did}: registry unavailable: ${reason}`, { cause: error });
  }
  let created = false;
  let deactivated = false;
  // Keyed as the resolver keys its verification methods (JWK thumbprint input and relationship): a later attribute
  // with the same key replaces the earlier one, so a revocation (validTo 0) removes it.
  const keys = new Map<string, { jwk: Record<string, unknown>; relationship: string; validTo: bigint }>();
  for (const event of events) {
    if (event.kind === "created") created = true;
    else if (event.kind === "deactivated") deactivated = true;
    else if (event.kind === "attributeChanged") {
      const vm = hexToString(trim(event.name, { dir: "right" })).match(/^amc\/vm\/(P256|secp256k1)\/([A-Za-z]+)$/);
      const relationship = vm?.[2];
      if (relationship === undefined || !RELATIONSHIPS.includes(relationship) || !isHex(event.value)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(hexToString(event.value));
      } catch {
        continue; // a malformed key attribute is ignored, as the resolver (and ERC-1056 resolvers) do
      }
      if (!isRecord(parsed)) continue;
      const jwk = parsed;
      if (typeof jwk.x !== "string" || typeof jwk.kty !== "string") continue;
      const publicJwk = { kty: jwk.kty, crv: jwk.crv ?? "", x: jwk.x, ...(jwk.y ? { y: jwk.y } : {}) };
      const thumbprintInput = JSON.stringify({
        crv: publicJwk.crv,
        kty: publicJwk.kty,
        x: publicJwk.x,
        y: publicJwk.y,
      });
      keys.set(`${thumbprintInput}-${relationship}`, { jwk: publicJwk, relationship, validTo: event.validTo });
    }
  }
  if (!created || deactivated) return [];
  const now = BigInt(Math.floor(Date.now() / 1000));
  const points: Uint8Array[] = [];
  for (const key of keys.values()) {
    if (key.validTo <= now || key.relationship !== "assertionMethod") continue;
    if (key.jwk.kty !== "EC" || key.jwk.crv !== "P-256") continue;
    points.push(p256PointFromJwk(key.jwk, did));
  }
  return points;
}

// ---------------------------------------------------------------------------------------------------------------
// verification

const fail = (reason: BrowserProofFailureReason, detail: string): BrowserProofResult => ({ ok: false, reason, detail });

/**
 * Verifies a message proof against the cell chain it names and the RSU's DID on main, over the JSON-RPC URLs of
 * `rpcUrlFor`. Never throws for a bad proof: the result says why it failed, with the reasons of verifyMessageProof.
 * Throws only when a chain cannot be reached (or the options are unusable).
 *
 * @example
 * const proof = await (await fetch(`/v1/edge/proofs/${hash}`)).json();
 * const result = await verifyProofInBrowser(proof, {
 *   rpcUrlFor: (id) => `${location.origin}/v1/rpc/${config.chains.find((c) => c.chainId === id)?.name}`,
 *   mainChainId: config.main.chainId, registry: config.registry, network: config.network,
 * });
 */
export async function verifyProofInBrowser(
  input: unknown,
  options: VerifyProofInBrowserOptions,
): Promise<BrowserProofResult> {
  if (!DID_NETWORK.test(options.network))
    throw new Error(`"${options.network}" is not a did:amc network name (lowercase letters, digits and -)`);
  if (!isAddress(options.registry, { strict: false }))
    throw new Error(`the DIDRegistry address ${String(options.registry)} is not a 20-byte address`);

  let proof: BrowserMessageProof;
  try {
    proof = readProof(input);
  } catch (error) {
    if (error instanceof ShapeError) return fail("malformed", error.message);
    throw error;
  }
  const { batch, anchor } = proof;

  // --- the message and its place in the batch
  if (proof.spdu !== undefined && !sameHex(keccak256(proof.spdu), proof.messageHash))
    return fail(
      "hash_mismatch",
      `keccak256 of the proof's spdu is ${keccak256(proof.spdu)}, not messageHash ${proof.messageHash}`,
    );
  const leaf = messageLeaf(proof.messageHash);
  if (!sameHex(leaf, proof.leaf)) return fail("hash_mismatch", `the leaf of messageHash is ${leaf}, not ${proof.leaf}`);
  if (!sameHex(processProof(leaf, proof.proof), proof.root))
    return fail("not_in_batch", `the Merkle path does not lead from leaf ${leaf} to root ${proof.root}`);

  // --- the anchor on the cell chain
  const client = createPublicClient({ transport: http(options.rpcUrlFor(anchor.chainId)) });
  const chainId = await client.getChainId();
  if (chainId !== anchor.chainId)
    return fail("anchor_mismatch", `the proof is for chain ${anchor.chainId}; its RPC serves chain ${chainId}`);
  let record: { root: Hex; count: number; fromTime: bigint; toTime: bigint; rsuDid: Hex; blockNumber: bigint };
  try {
    record = await client.readContract({
      address: anchor.dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorOf",
      args: [batch.submitter, BigInt(batch.batchId)],
    });
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError)
      return fail(
        "not_anchored",
        `DataAnchor ${anchor.dataAnchor} has no batch ${batch.batchId} of ${batch.submitter} (${reverted.data?.errorName ?? reverted.shortMessage})`,
      );
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionZeroDataError))
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
  const id = lower(batch.rsuDid);
  const did = `did:amc:${options.network}:${id.slice(2)}`;
  const mainClient = createPublicClient({ transport: http(options.rpcUrlFor(options.mainChainId)) });
  const keys = await rsuKeys(mainClient, options.registry, id, did);
  if (keys.length === 0) return fail("bad_batch_signature", `RSU DID ${batch.rsuDid} has no assertionMethod P-256 key`);
  const digest = batchHeaderDigest(proof);
  if (!keys.some((key) => verifyBatchSignature(digest, batch.signature, key)))
    return fail(
      "bad_batch_signature",
      `the batch signature verifies under none of the ${keys.length} assertionMethod key(s) of RSU DID ${batch.rsuDid}`,
    );
  if (!sameHex(args.signature, batch.signature))
    return fail("anchor_mismatch", `the chain logged signature ${args.signature}, not the proof's`);

  return {
    ok: true,
    messageHash: proof.messageHash,
    batchId: batch.batchId,
    count: batch.count,
    blockNumber: anchor.blockNumber,
    confirmations: Number(head - receipt.blockNumber) + 1,
    rsuDid: did,
    chainId,
    txHash: anchor.txHash,
  };
}
