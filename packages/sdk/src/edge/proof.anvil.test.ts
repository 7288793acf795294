// Message proofs on real chains: a consortium of anvil chains with the edge module (DataAnchor on the cell), an RSU
// DID with an assertionMethod P-256 key on main, batches of signed CAMs anchored with viem exactly as an RSU does,
// proofs built from them and verified; then every field is tampered with and each check fails with its reason,
// and a real reorganisation (anvil snapshot and revert) is detected.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { dataAnchorAbi } from "@amc/abi";
import {
  type ChainConfig,
  contractAddress,
  type DeploymentManifest,
  deployTopology,
  devAccount,
  devKeyIndex,
  devPrivateKey,
  publicClientFor,
  type Topology,
  viemChain,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { buildMerkleTree, type MerkleTree } from "@amc/crypto";
import { addKey, createDid, generateP256 as generateJwk, publicOf } from "@amc/did";
import { createLogger } from "@amc/utils";
import { type Address, createTestClient, type Hex, http, keccak256, type TransactionReceipt } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BatchHeader, messageHash, messageLeaf, signBatchHeader } from "./batch.js";
import { signCam } from "./obu.js";
import {
  buildMessageProof,
  type MessageProof,
  type MessageProofFailureReason,
  rsuKeyResolver,
  verifyMessageProof,
} from "./proof.js";
import { createTestTicket, generateP256 } from "./testing.js";

let net: LocalNet;
let topology: Topology;
let manifest: DeploymentManifest;
let main: ChainConfig;
let cell: ChainConfig;
let dataAnchor: Address;
let rsuId: Hex;
let rsuKey: KeyObject;
let resolveRsuKeys: (rsuDid: Hex) => Promise<KeyObject[]>;

const submitterKey = devPrivateKey(devKeyIndex.firstMember + 4);
const submitter = devAccount(devKeyIndex.firstMember + 4).address;

/** The topology with the edge module on main and the cells (a no-op when startLocalNet already deploys it). */
const withEdgeModule = (t: Topology): Topology => ({
  ...t,
  chains: t.chains.map((c) =>
    c.role === "side" ? c : { ...c, modules: [...new Set([...c.modules, "edge" as const])] },
  ),
});

beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  topology = withEdgeModule(net.topology);
  manifest = await deployTopology(topology, devPrivateKey(devKeyIndex.deployer), createLogger({}, { level: "warn" }));
  main = topology.chains.find((c) => c.role === "main")!;
  cell = topology.chains.find((c) => c.role === "edge")!;
  dataAnchor = contractAddress(manifest, cell.name, "DataAnchor");

  // The RSU's DID on main, with its batch-signing key under assertionMethod.
  const mainClient = publicClientFor(main);
  const registry = contractAddress(manifest, main.name, "DIDRegistry");
  const writer = {
    wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 3)),
    client: mainClient,
    registry,
  };
  const { id } = await createDid(writer, { subjectType: "device" });
  const jwk = generateJwk();
  await addKey(writer, { id, jwk: publicOf(jwk), relationship: "assertionMethod" });
  rsuId = id;
  rsuKey = createPrivateKey({ key: jwk, format: "jwk" });
  resolveRsuKeys = rsuKeyResolver({ mainClient, registry, network: topology.network, chainId: main.chainId });
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

const vehicle = createTestTicket();
let station = 0;
const cams = (n: number) =>
  Array.from({ length: n }, () =>
    signCam({
      signer: { certificate: vehicle.ticket, privateKey: vehicle.privateKey },
      stationId: ++station,
      position: { latitude: 31.23 + station / 1e4, longitude: 121.47 },
      speed: 10,
      heading: 90,
    }),
  );

/** Logs `spdus` as one batch and anchors it as the RSU would: header signed by the DID key, `anchor` sent. */
async function anchorBatch(
  spdus: Uint8Array[],
  options: { signer?: KeyObject; send?: boolean } = {},
): Promise<Anchored> {
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
    rsuDid: rsuId,
  };
  const signature = signBatchHeader(header, options.signer ?? rsuKey);
  if (options.send === false) return { spdus, tree, header, signature, receipt: undefined as never };
  const wallet = walletClientFor(cell, submitterKey);
  const hash = await wallet.writeContract({
    address: dataAnchor,
    abi: dataAnchorAbi,
    functionName: "anchor",
    args: [batchId, tree.root, spdus.length, BigInt(fromTime), BigInt(fromTime + 900), rsuId, signature],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return { spdus, tree, header, signature, receipt };
}

function proofOf(batch: Anchored, i: number, options: { withSpdu?: boolean } = {}): MessageProof {
  return buildMessageProof({
    tree: batch.tree,
    messageHash: messageHash(batch.spdus[i]!),
    batch: {
      submitter,
      batchId: Number(batch.header.batchId),
      count: batch.header.count,
      fromTime: Number(batch.header.fromTime),
      toTime: Number(batch.header.toTime),
      rsuDid: rsuId,
      signature: batch.signature,
    },
    anchor: {
      chainId: cell.chainId,
      dataAnchor,
      txHash: batch.receipt.transactionHash,
      blockNumber: Number(batch.receipt.blockNumber),
      blockHash: batch.receipt.blockHash,
    },
    spdu: options.withSpdu ? batch.spdus[i] : undefined,
  });
}

const verify = (proof: unknown, spdu?: Uint8Array) =>
  verifyMessageProof(proof, { cellClient: publicClientFor(cell), resolveRsuKeys, spdu });

/** A JSON round trip (what a proof goes through) with one change. */
const tampered = (proof: MessageProof, change: (p: MessageProof) => void): MessageProof => {
  const copy: MessageProof = JSON.parse(JSON.stringify(proof));
  change(copy);
  return copy;
};

const flipHex = (hex: Hex, at = 10): Hex => {
  const digit = hex[at] === "0" ? "1" : "0";
  return `${hex.slice(0, at)}${digit}${hex.slice(at + 1)}` as Hex;
};

describe("message proofs on chain", () => {
  let batch: Anchored;
  let second: Anchored;
  beforeAll(async () => {
    batch = await anchorBatch(cams(5));
    second = await anchorBatch(cams(3));
  });

  it("resolves the RSU's assertionMethod key from its DID on main", async () => {
    const keys = await resolveRsuKeys(rsuId);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.export({ format: "jwk" })).toEqual(createPublicKey(rsuKey).export({ format: "jwk" }));
    expect(await resolveRsuKeys(keccak256("0x01"))).toEqual([]);
  });

  it("verifies a proof of every message of an anchored batch", async () => {
    for (let i = 0; i < batch.spdus.length; i++) {
      const proof = JSON.parse(JSON.stringify(proofOf(batch, i))); // as received over HTTP
      const result = await verify(proof, batch.spdus[i]);
      expect(result).toMatchObject({
        ok: true,
        messageHash: keccak256(batch.spdus[i]!),
        root: batch.tree.root,
        chainId: cell.chainId,
        batchId: Number(batch.header.batchId),
        count: 5,
        rsuDid: rsuId,
        blockNumber: Number(batch.receipt.blockNumber),
        keyIndex: 0,
      });
      if (result.ok) expect(result.confirmations).toBeGreaterThanOrEqual(2); // the second batch is on top
    }
    expect((await verify(proofOf(second, 2, { withSpdu: true }))).ok).toBe(true);
  });

  const cases: [string, MessageProofFailureReason, (p: MessageProof) => void][] = [
    ["the proof version", "malformed", (p) => Object.assign(p, { version: 2 })],
    ["a missing field", "malformed", (p) => Reflect.deleteProperty(p.batch, "signature")],
    ["the message hash", "hash_mismatch", (p) => Object.assign(p, { messageHash: flipHex(p.messageHash) })],
    ["the leaf", "hash_mismatch", (p) => Object.assign(p, { leaf: flipHex(p.leaf) })],
    ["the embedded SPDU", "hash_mismatch", (p) => Object.assign(p, { spdu: flipHex(p.spdu ?? "0x00", 12) })],
    [
      "the Merkle path",
      "not_in_batch",
      (p) => Object.assign(p, { proof: [flipHex(p.proof[0]!), ...p.proof.slice(1)] }),
    ],
    ["the root", "not_in_batch", (p) => Object.assign(p, { root: flipHex(p.root) })],
    ["the batch id (no such batch)", "not_anchored", (p) => Object.assign(p.batch, { batchId: 999 })],
    ["the submitter", "not_anchored", (p) => Object.assign(p.batch, { submitter: devAccount(7).address })],
    ["the DataAnchor address", "not_anchored", (p) => Object.assign(p.anchor, { dataAnchor: devAccount(8).address })],
    ["the count", "anchor_mismatch", (p) => Object.assign(p.batch, { count: 6 })],
    ["the time range", "anchor_mismatch", (p) => Object.assign(p.batch, { toTime: p.batch.toTime + 1 })],
    ["the RSU DID", "anchor_mismatch", (p) => Object.assign(p.batch, { rsuDid: flipHex(p.batch.rsuDid) })],
    ["the chain id", "anchor_mismatch", (p) => Object.assign(p.anchor, { chainId: main.chainId })],
    ["the block number", "reorged", (p) => Object.assign(p.anchor, { blockNumber: p.anchor.blockNumber - 1 })],
    ["the block hash", "reorged", (p) => Object.assign(p.anchor, { blockHash: flipHex(p.anchor.blockHash) })],
    ["the transaction hash", "reorged", (p) => Object.assign(p.anchor, { txHash: flipHex(p.anchor.txHash) })],
    [
      "the signature",
      "bad_batch_signature",
      (p) => Object.assign(p.batch, { signature: flipHex(p.batch.signature, 40) }),
    ],
  ];
  it.each(cases)("fails when %s is tampered with (%s)", async (_what, reason, change) => {
    const result = await verify(tampered(proofOf(batch, 1, { withSpdu: true }), change));
    expect(result).toMatchObject({ ok: false, reason });
  });

  it("fails for an SPDU other than the proven one", async () => {
    const result = await verify(proofOf(batch, 1), batch.spdus[2]);
    expect(result).toMatchObject({ ok: false, reason: "hash_mismatch" });
    if (!result.ok) expect(result.detail).toContain("keccak256 of the given SPDU");
  });

  it("fails for a proof from another tree that contains the message", async () => {
    const forgedTree = buildMerkleTree(
      [...batch.spdus.slice(0, 2), ...cams(2)].map((s) => messageLeaf(messageHash(s))),
    );
    const { batch: claimed, anchor } = proofOf(batch, 1);
    const forged = buildMessageProof({
      tree: forgedTree,
      messageHash: messageHash(batch.spdus[1]!),
      batch: claimed,
      anchor,
    });
    const result = await verify(forged);
    expect(result).toMatchObject({ ok: false, reason: "anchor_mismatch" });
    if (!result.ok) expect(result.detail).toContain(`anchored with root ${batch.tree.root}`);
  });

  it("fails when the batch id names another anchored batch, or the transaction is another anchor's", async () => {
    expect(
      await verify(tampered(proofOf(batch, 0), (p) => Object.assign(p.batch, { batchId: p.batch.batchId + 1 }))),
    ).toMatchObject({
      ok: false,
      reason: "anchor_mismatch",
    });
    const otherTx = tampered(proofOf(batch, 0), (p) =>
      Object.assign(p.anchor, { txHash: second.receipt.transactionHash }),
    );
    expect(await verify(otherTx)).toMatchObject({ ok: false, reason: "anchor_mismatch" });
  });

  it("fails for a batch signed by a key that is not the RSU DID's, though anchored", async () => {
    const rogue = await anchorBatch(cams(2), { signer: generateP256().privateKey });
    expect(await verify(proofOf(rogue, 0))).toMatchObject({ ok: false, reason: "bad_batch_signature" });
  });

  it("fails for a valid signature that is not the one the chain logged", async () => {
    // (r, n - s) verifies as well as (r, s): only the comparison with the BatchAnchored log tells them apart.
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const proof = proofOf(batch, 0);
    const s = BigInt(`0x${proof.batch.signature.slice(66)}`);
    const malleated = `${proof.batch.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}` as Hex;
    const result = await verify(tampered(proof, (p) => Object.assign(p.batch, { signature: malleated })));
    expect(result).toMatchObject({ ok: false, reason: "anchor_mismatch" });
    if (!result.ok) expect(result.detail).toContain("the chain logged signature");
  });

  it("fails for a signed batch that was never anchored", async () => {
    const unsent = await anchorBatch(cams(2), { send: false });
    const proof = tampered(proofOf(batch, 0), (p) => {
      Object.assign(p.batch, { batchId: Number(unsent.header.batchId), count: 2, signature: unsent.signature });
    });
    expect(await verify(proof)).toMatchObject({ ok: false, reason: "not_anchored" });
  });

  it("detects a reorganisation that dropped or moved the anchor", async () => {
    const testClient = createTestClient({ chain: viemChain(cell), mode: "anvil", transport: http(cell.rpcUrl) });
    const snapshot = await testClient.snapshot();
    const doomed = await anchorBatch(cams(3));
    const proof = proofOf(doomed, 1);
    expect((await verify(proof)).ok).toBe(true);
    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 1 }); // another block at the anchor's height
    expect(await verify(proof)).toMatchObject({ ok: false, reason: "not_anchored" });
    // The RSU anchors the same batch again: it is on chain, in a later block than the proof says.
    const wallet = walletClientFor(cell, submitterKey);
    const { header, signature } = doomed;
    const hash = await wallet.writeContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchor",
      args: [
        BigInt(header.batchId),
        header.root,
        header.count,
        BigInt(header.fromTime),
        BigInt(header.toTime),
        rsuId,
        signature,
      ],
    });
    await publicClientFor(cell).waitForTransactionReceipt({ hash });
    expect(await verify(proof)).toMatchObject({ ok: false, reason: "reorged" });
  });
});
