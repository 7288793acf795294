// Message proofs off chain: the JSON schema, assembling a proof from a batch tree, and the checks that need no
// chain (shape, message hash, leaf, Merkle path), which must fail before any RPC is made. The on-chain checks are
// in proof.anvil.test.ts.
import { buildMerkleTree } from "@amc/crypto";
import fc from "fast-check";
import { createPublicClient, custom, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { messageHash, messageLeaf } from "./batch.js";
import { buildMessageProof, type MessageProof, MessageProofSchema, verifyMessageProof } from "./proof.js";

const spdus = Array.from({ length: 6 }, (_, i) => Uint8Array.of(0x03, 0x81, i, i * 7));
const tree = buildMerkleTree(spdus.map((s) => messageLeaf(messageHash(s))));
const batch: MessageProof["batch"] = {
  submitter: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  batchId: 4,
  count: spdus.length,
  fromTime: 1_750_000_000_000,
  toTime: 1_750_000_001_000,
  rsuDid: `0x${"a1".repeat(32)}`,
  signature: `0x${"22".repeat(64)}`,
};
const anchor: MessageProof["anchor"] = {
  chainId: 72001,
  dataAnchor: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  txHash: `0x${"33".repeat(32)}`,
  blockNumber: 12,
  blockHash: `0x${"44".repeat(32)}`,
};

/** A client whose every request fails: these checks must come before any RPC. */
let requests = 0;
const offline = createPublicClient({
  transport: custom(
    {
      request: async ({ method }) => {
        requests++;
        throw new Error(`no RPC expected (${method})`);
      },
    },
    { retryCount: 0 },
  ),
});
const verify = (proof: unknown, spdu?: Uint8Array) =>
  verifyMessageProof(proof, { cellClient: offline, resolveRsuKeys: async () => [], spdu });

describe("MessageProof", () => {
  it("is built for any message of the batch and survives JSON", () => {
    fc.assert(
      fc.property(fc.nat({ max: spdus.length - 1 }), fc.boolean(), (i, withSpdu) => {
        const proof = buildMessageProof({
          tree,
          messageHash: messageHash(spdus[i]!),
          batch,
          anchor,
          spdu: withSpdu ? spdus[i] : undefined,
        });
        expect(proof.index).toBe(i);
        expect(proof.root).toBe(tree.root);
        expect(proof.leaf).toBe(messageLeaf(keccak256(spdus[i]!)));
        expect(proof.spdu === undefined).toBe(!withSpdu);
        expect(MessageProofSchema.parse(JSON.parse(JSON.stringify(proof)))).toEqual(proof);
      }),
    );
    expect(() => buildMessageProof({ tree, messageHash: keccak256("0x00"), batch, anchor })).toThrow(
      `message ${keccak256("0x00")} is not in the batch`,
    );
  });

  it("fails malformed, mismatched and unproven messages without touching the chain", async () => {
    const proof = buildMessageProof({ tree, messageHash: messageHash(spdus[2]!), batch, anchor, spdu: spdus[2] });
    const before = requests;
    const bad: [unknown, string, string][] = [
      [null, "malformed", "proof: Invalid input"],
      [{ ...proof, extra: 1 }, "malformed", "Unrecognized key"],
      [{ ...proof, index: 6 }, "malformed", "index: index is not below the batch count"],
      [{ ...proof, batch: { ...batch, fromTime: batch.toTime + 1 } }, "malformed", "fromTime is after toTime"],
      [{ ...proof, root: "0x1234" }, "malformed", "root: must be 0x and 64 hex digits"],
      [{ ...proof, anchor: { ...anchor, dataAnchor: "0xnope" } }, "malformed", "anchor.dataAnchor"],
      [{ ...proof, batch: { ...batch, batchId: 2 ** 53 } }, "malformed", "batch.batchId"],
      [{ ...proof, spdu: "0x0" }, "malformed", "spdu"],
      [{ ...proof, spdu: "0x00" }, "hash_mismatch", "keccak256 of the proof's spdu"],
      [{ ...proof, leaf: proof.messageHash }, "hash_mismatch", "the leaf of messageHash"],
      [{ ...proof, proof: [...proof.proof].reverse() }, "not_in_batch", "does not lead from leaf"],
      [{ ...proof, proof: [] }, "not_in_batch", "does not lead from leaf"],
    ];
    for (const [input, reason, detail] of bad) {
      const result = await verify(input);
      expect(result, detail).toMatchObject({ ok: false, reason });
      if (!result.ok) expect(result.detail).toContain(detail);
    }
    expect(await verify(proof, spdus[3])).toMatchObject({ reason: "hash_mismatch" });
    expect(requests).toBe(before);
    // A proof that passes every offline check goes on to the chain.
    await expect(verify(proof, spdus[2])).rejects.toThrow("no RPC expected (eth_chainId)");
  });

  it("refuses any single-character change to a hash field offline", async () => {
    const proof = buildMessageProof({ tree, messageHash: messageHash(spdus[0]!), batch, anchor });
    const before = requests;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("messageHash", "leaf", "root"),
        fc.integer({ min: 2, max: 65 }),
        async (field, at) => {
          const value = proof[field];
          const changed = `${value.slice(0, at)}${value[at] === "f" ? "e" : "f"}${value.slice(at + 1)}` as Hex;
          expect(await verify({ ...proof, [field]: changed })).toMatchObject({ ok: false });
        },
      ),
      { numRuns: 60 },
    );
    expect(requests).toBe(before);
  });
});
