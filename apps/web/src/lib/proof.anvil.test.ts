// The browser's proof verifier against the SDK's Node verifier (the independent implementation), on real chains:
// anvil main + one cell chain (startLocalNet), an RSU DID on main with a P-256 assertionMethod key, batches of
// messages anchored on the cell's DataAnchor with headers signed by that key, exactly as an RSU does. Both verifiers
// must accept the real proofs, and fail every tampered one with the same reason — named tamperings, and a
// fast-check property over random single-byte changes of the proof's hex fields.
import { createPrivateKey, type KeyObject, randomBytes } from "node:crypto";
import { dataAnchorAbi } from "@amc/abi";
import {
  type ChainConfig,
  contractAddress,
  devAccount,
  devKeyIndex,
  devPrivateKey,
  publicClientFor,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { buildMerkleTree, type MerkleTree } from "@amc/crypto";
import { addKey, createDid, deactivateDid, formatDid, generateP256, publicOf, revokeKey } from "@amc/did";
import {
  type BatchHeader,
  buildMessageProof,
  type MessageProof,
  type MessageProofFailureReason,
  MessageProofSchema,
  messageHash,
  messageLeaf,
  rsuKeyResolver,
  signBatchHeader,
  verifyMessageProof,
} from "@amc/sdk";
import fc from "fast-check";
import { type Address, type Hex, isAddress, type TransactionReceipt } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserProofResult, verifyProofInBrowser } from "./proof.js";

let net: LocalNet;
let main: ChainConfig;
let cell: ChainConfig;
let registry: Address;
let dataAnchor: Address;
let rsuId: Hex;
let rsuKey: KeyObject;
let resolveRsuKeys: (rsuDid: Hex) => Promise<KeyObject[]>;

const submitterKey = devPrivateKey(devKeyIndex.firstMember + 4);
const submitter = devAccount(devKeyIndex.firstMember + 4).address;

beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  main = net.topology.chains.find((c) => c.role === "main")!;
  cell = net.topology.chains.find((c) => c.role === "edge")!;
  registry = contractAddress(net.manifest, main.name, "DIDRegistry");
  dataAnchor = contractAddress(net.manifest, cell.name, "DataAnchor");
  const mainClient = publicClientFor(main);
  const writer = {
    wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 3)),
    client: mainClient,
    registry,
  };
  const { id } = await createDid(writer, { subjectType: "device" });
  const jwk = generateP256();
  await addKey(writer, { id, jwk: publicOf(jwk), relationship: "assertionMethod" });
  rsuId = id;
  rsuKey = createPrivateKey({ key: jwk, format: "jwk" });
  resolveRsuKeys = rsuKeyResolver({ mainClient, registry, network: net.topology.network, chainId: main.chainId });
});
afterAll(async () => {
  await net?.stop();
});

type Anchored = {
  spdus: Uint8Array[];
  tree: MerkleTree;
  header: BatchHeader;
  signature: Hex;
  receipt: TransactionReceipt;
};

/** Random SPDU-sized messages (the verifiers hash the bytes; they never parse them). */
const messages = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(80 + n)));

/** Anchors `spdus` as one batch, as an RSU does: header signed by the DID key (or `signer`), `anchor` sent. */
async function anchorBatch(spdus: Uint8Array[], signer: KeyObject = rsuKey, rsuDid: Hex = rsuId): Promise<Anchored> {
  const client = publicClientFor(cell);
  const tree = buildMerkleTree(spdus.map((spdu) => messageLeaf(messageHash(spdu))));
  const batchId = await client.readContract({
    address: dataAnchor,
    abi: dataAnchorAbi,
    functionName: "nextBatchId",
    args: [submitter],
  });
  const fromTime = Date.now() - 1000;
  const header: BatchHeader = {
    chainId: cell.chainId,
    dataAnchor,
    submitter,
    batchId,
    root: tree.root,
    count: spdus.length,
    fromTime,
    toTime: fromTime + 900,
    rsuDid,
  };
  const signature = signBatchHeader(header, signer);
  const hash = await walletClientFor(cell, submitterKey).writeContract({
    address: dataAnchor,
    abi: dataAnchorAbi,
    functionName: "anchor",
    args: [batchId, tree.root, spdus.length, BigInt(fromTime), BigInt(fromTime + 900), rsuDid, signature],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return { spdus, tree, header, signature, receipt };
}

/** The proof of message `i` as received over HTTP (a JSON round trip), with its SPDU. */
function proofOf(batch: Anchored, i: number): MessageProof {
  const proof = buildMessageProof({
    tree: batch.tree,
    messageHash: messageHash(batch.spdus[i]!),
    batch: {
      submitter,
      batchId: Number(batch.header.batchId),
      count: batch.header.count,
      fromTime: Number(batch.header.fromTime),
      toTime: Number(batch.header.toTime),
      rsuDid: batch.header.rsuDid,
      signature: batch.signature,
    },
    anchor: {
      chainId: cell.chainId,
      dataAnchor,
      txHash: batch.receipt.transactionHash,
      blockNumber: Number(batch.receipt.blockNumber),
      blockHash: batch.receipt.blockHash,
    },
    spdu: batch.spdus[i],
  });
  return JSON.parse(JSON.stringify(proof));
}

const inBrowser = (proof: unknown): Promise<BrowserProofResult> =>
  verifyProofInBrowser(proof, {
    rpcUrlFor: (chainId) => {
      const chain = net.topology.chains.find((c) => c.chainId === chainId);
      if (!chain) throw new Error(`no chain ${chainId} in the test topology`);
      return chain.rpcUrl;
    },
    mainChainId: main.chainId,
    registry,
    network: net.topology.network,
  });
/** The Node verifier with a client of the chain the proof names, as `amc proof verify` picks it. */
const inNode = (proof: unknown) => {
  const named = MessageProofSchema.safeParse(proof).data?.anchor.chainId;
  const chain = net.topology.chains.find((c) => c.chainId === named) ?? cell;
  return verifyMessageProof(proof, { cellClient: publicClientFor(chain), resolveRsuKeys });
};

/** What a verifier concluded: "ok", a failure reason, or that it threw (an RPC or encoding error). */
const outcome = async (run: () => Promise<{ ok: boolean; reason?: string }>): Promise<string> => {
  try {
    const result = await run();
    return result.ok ? "ok" : (result.reason ?? "?");
  } catch (error) {
    return `threw ${error instanceof Error ? error.name : typeof error}`;
  }
};
const both = async (proof: unknown) => ({
  node: await outcome(() => inNode(proof)),
  browser: await outcome(() => inBrowser(proof)),
});

const copy = (proof: MessageProof): MessageProof => JSON.parse(JSON.stringify(proof));
/** Flips the byte at `at` (0-based, after 0x) of a hex string by xor with `mask`; the result is lower-case. */
const flipByte = (hex: Hex, at = 4, mask = 0x01): Hex => {
  const bytes = hex.slice(2).toLowerCase();
  const i = at % (bytes.length / 2);
  const flipped = (Number.parseInt(bytes.slice(2 * i, 2 * i + 2), 16) ^ mask).toString(16).padStart(2, "0");
  return `0x${bytes.slice(0, 2 * i)}${flipped}${bytes.slice(2 * i + 2)}`;
};

describe("verifyProofInBrowser agrees with verifyMessageProof on anvil", () => {
  let batch: Anchored;
  let second: Anchored;
  beforeAll(async () => {
    batch = await anchorBatch(messages(5));
    second = await anchorBatch(messages(3));
  });

  it("accepts every real proof with the same facts as the Node verifier", async () => {
    for (const [anchored, i] of [
      [batch, 0],
      [batch, 1],
      [batch, 4],
      [second, 2],
    ] as const) {
      const proof = proofOf(anchored, i);
      const node = await inNode(proof);
      const browser = await inBrowser(proof);
      expect(node.ok).toBe(true);
      expect(browser.ok).toBe(true);
      if (!node.ok || !browser.ok) continue;
      expect(browser).toEqual({
        ok: true,
        messageHash: node.messageHash,
        batchId: node.batchId,
        count: node.count,
        blockNumber: node.blockNumber,
        confirmations: node.confirmations,
        rsuDid: formatDid(net.topology.network, node.rsuDid),
        chainId: cell.chainId,
        txHash: anchored.receipt.transactionHash,
      });
    }
    // The first batch has the second on top of it.
    const first = await inBrowser(proofOf(batch, 0));
    expect(first.ok && first.confirmations).toBeGreaterThanOrEqual(2);
  });

  const cases: [string, MessageProofFailureReason, (p: MessageProof) => void][] = [
    ["a byte of the SPDU", "hash_mismatch", (p) => Object.assign(p, { spdu: flipByte(p.spdu!, 7) })],
    ["a byte of the message hash", "hash_mismatch", (p) => Object.assign(p, { messageHash: flipByte(p.messageHash) })],
    ["a byte of the leaf", "hash_mismatch", (p) => Object.assign(p, { leaf: flipByte(p.leaf) })],
    [
      "a byte of a Merkle sibling",
      "not_in_batch",
      (p) => Object.assign(p, { proof: [...p.proof.slice(0, -1), flipByte(p.proof.at(-1)!, 31)] }),
    ],
    ["a byte of the root", "not_in_batch", (p) => Object.assign(p, { root: flipByte(p.root, 0, 0x80) })],
    ["the batch id (no such batch)", "not_anchored", (p) => Object.assign(p.batch, { batchId: 999 })],
    [
      "the batch id (another batch)",
      "anchor_mismatch",
      (p) => Object.assign(p.batch, { batchId: p.batch.batchId + 1 }),
    ],
    ["the submitter", "not_anchored", (p) => Object.assign(p.batch, { submitter: devAccount(7).address })],
    ["the DataAnchor address", "not_anchored", (p) => Object.assign(p.anchor, { dataAnchor: devAccount(8).address })],
    ["the count", "anchor_mismatch", (p) => Object.assign(p.batch, { count: p.batch.count + 1 })],
    ["the time range", "anchor_mismatch", (p) => Object.assign(p.batch, { toTime: p.batch.toTime + 1 })],
    ["the RSU DID", "anchor_mismatch", (p) => Object.assign(p.batch, { rsuDid: flipByte(p.batch.rsuDid) })],
    [
      "the chain id (main: no such batch there)",
      "not_anchored",
      (p) => Object.assign(p.anchor, { chainId: main.chainId }),
    ],
    ["the block number", "reorged", (p) => Object.assign(p.anchor, { blockNumber: p.anchor.blockNumber - 1 })],
    [
      "a byte of the block hash",
      "reorged",
      (p) => Object.assign(p.anchor, { blockHash: flipByte(p.anchor.blockHash) }),
    ],
    ["a byte of the tx hash", "reorged", (p) => Object.assign(p.anchor, { txHash: flipByte(p.anchor.txHash) })],
    [
      "a byte of the signature",
      "bad_batch_signature",
      (p) => Object.assign(p.batch, { signature: flipByte(p.batch.signature, 40) }),
    ],
    ["the version", "malformed", (p) => Object.assign(p, { version: 2 })],
    ["a missing signature", "malformed", (p) => Reflect.deleteProperty(p.batch, "signature")],
    ["an extra field", "malformed", (p) => Object.assign(p.anchor, { note: "hi" })],
  ];
  it.each(cases)("both fail on %s with %s", async (_what, reason, change) => {
    const proof = copy(proofOf(batch, 1));
    change(proof);
    expect(await both(proof)).toEqual({ node: reason, browser: reason });
  });

  it("both fail when the RPC of the proof's chain serves another chain (anchor_mismatch)", async () => {
    const proof = proofOf(batch, 1);
    const node = await verifyMessageProof(proof, { cellClient: publicClientFor(main), resolveRsuKeys });
    const browser = await verifyProofInBrowser(proof, {
      rpcUrlFor: () => main.rpcUrl,
      mainChainId: main.chainId,
      registry,
      network: net.topology.network,
    });
    expect(node).toMatchObject({ ok: false, reason: "anchor_mismatch" });
    expect(browser).toMatchObject({ ok: false, reason: "anchor_mismatch" });
    if (!browser.ok) expect(browser.detail).toContain(`its RPC serves chain ${main.chainId}`);
  });

  it("both fail with the transaction of another anchor (anchor_mismatch)", async () => {
    const proof = copy(proofOf(batch, 0));
    proof.anchor.txHash = second.receipt.transactionHash;
    expect(await both(proof)).toEqual({ node: "anchor_mismatch", browser: "anchor_mismatch" });
  });

  it("both fail for a valid signature other than the one the chain logged (anchor_mismatch)", async () => {
    // (r, n - s) verifies as well as (r, s): only the BatchAnchored log tells them apart.
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const proof = copy(proofOf(batch, 0));
    const s = BigInt(`0x${proof.batch.signature.slice(66)}`);
    proof.batch.signature = `0x${proof.batch.signature.slice(2, 66)}${(n - s).toString(16).padStart(64, "0")}`;
    expect(await both(proof)).toEqual({ node: "anchor_mismatch", browser: "anchor_mismatch" });
  });

  it("both fail for a batch anchored with a key that is not the RSU DID's (bad_batch_signature)", async () => {
    const rogue = await anchorBatch(messages(2), createPrivateKey({ key: generateP256(), format: "jwk" }));
    expect(await both(proofOf(rogue, 1))).toEqual({ node: "bad_batch_signature", browser: "bad_batch_signature" });
  });

  it("both read the RSU DID's keys from its history: a revoked key, then a deactivated DID, no longer sign", async () => {
    const writer = {
      wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 3)),
      client: publicClientFor(main),
      registry,
    };
    const { id } = await createDid(writer, { subjectType: "device" });
    const [kept, rotated] = [generateP256(), generateP256()];
    await addKey(writer, { id, jwk: publicOf(kept), relationship: "assertionMethod" });
    await addKey(writer, { id, jwk: publicOf(rotated), relationship: "assertionMethod" });
    // A P-256 key under another relationship never signs batches.
    await addKey(writer, { id, jwk: publicOf(generateP256()), relationship: "authentication" });
    const signed = await anchorBatch(messages(2), createPrivateKey({ key: rotated, format: "jwk" }), id);
    const proof = proofOf(signed, 0);
    expect(await both(proof)).toEqual({ node: "ok", browser: "ok" });
    await revokeKey(writer, { id, jwk: publicOf(rotated), relationship: "assertionMethod" });
    expect(await both(proof)).toEqual({ node: "bad_batch_signature", browser: "bad_batch_signature" });
    const byKept = proofOf(await anchorBatch(messages(2), createPrivateKey({ key: kept, format: "jwk" }), id), 1);
    expect(await both(byKept)).toEqual({ node: "ok", browser: "ok" });
    await deactivateDid(writer, id);
    expect(await both(byKept)).toEqual({ node: "bad_batch_signature", browser: "bad_batch_signature" });
    const browser = await inBrowser(byKept);
    expect(browser.ok || browser.detail).toContain("has no assertionMethod P-256 key");
  });

  it("accepts a mis-checksummed address in both verifiers", async () => {
    // The schema admits any 20-byte hex address in any letter case; both verifiers normalise it before use (viem
    // refuses to encode a mixed-case address whose checksum is wrong).
    const proof = copy(proofOf(batch, 2));
    const swapped = [...proof.batch.submitter.slice(2)].map((c) =>
      c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(),
    );
    proof.batch.submitter = `0x${swapped.join("")}`;
    expect(isAddress(proof.batch.submitter)).toBe(false);
    const { node, browser } = await both(proof);
    expect(node).toBe("ok");
    expect(browser).toBe("ok");
  });

  it("agrees with the Node verifier on random single-byte tamperings of the hex fields", async () => {
    const original = proofOf(batch, 3);
    type Field = { name: string; get: (p: MessageProof) => Hex; set: (p: MessageProof, v: Hex) => void };
    const fields: Field[] = [
      { name: "spdu", get: (p) => p.spdu!, set: (p, v) => Object.assign(p, { spdu: v }) },
      { name: "messageHash", get: (p) => p.messageHash, set: (p, v) => Object.assign(p, { messageHash: v }) },
      { name: "leaf", get: (p) => p.leaf, set: (p, v) => Object.assign(p, { leaf: v }) },
      ...original.proof.map(
        (_, i): Field => ({
          name: `proof.${i}`,
          get: (p) => p.proof[i]!,
          set: (p, v) => {
            p.proof[i] = v;
          },
        }),
      ),
      { name: "root", get: (p) => p.root, set: (p, v) => Object.assign(p, { root: v }) },
      { name: "submitter", get: (p) => p.batch.submitter, set: (p, v) => Object.assign(p.batch, { submitter: v }) },
      { name: "rsuDid", get: (p) => p.batch.rsuDid, set: (p, v) => Object.assign(p.batch, { rsuDid: v }) },
      { name: "signature", get: (p) => p.batch.signature, set: (p, v) => Object.assign(p.batch, { signature: v }) },
      {
        name: "dataAnchor",
        get: (p) => p.anchor.dataAnchor,
        set: (p, v) => Object.assign(p.anchor, { dataAnchor: v }),
      },
      { name: "txHash", get: (p) => p.anchor.txHash, set: (p, v) => Object.assign(p.anchor, { txHash: v }) },
      { name: "blockHash", get: (p) => p.anchor.blockHash, set: (p, v) => Object.assign(p.anchor, { blockHash: v }) },
    ];
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: fields.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (f, at, mask) => {
          const field = fields[f]!;
          const proof = copy(original);
          field.set(proof, flipByte(field.get(proof), at, mask));
          const { node, browser } = await both(proof);
          seen.add(node);
          expect(browser, `${field.name} byte ${at} ^ ${mask}: Node says ${node}`).toBe(node);
          expect(node).not.toBe("ok");
        },
      ),
      { seed: 2026, numRuns: 30 },
    );
    // The tamperings reach several of the checks, not only the first.
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});
