import { InvalidInputError } from "@amc/utils";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { bytesToHex, concat, getAddress, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  buildMerkleTree,
  processMultiProof,
  processProof,
  standardLeafHash,
  verifyMerkleMultiProof,
  verifyMerkleProof,
} from "./merkle.js";

// @openzeppelin/merkle-tree is the oracle: what it builds and accepts is what OpenZeppelin's MerkleProof accepts.

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const leafSet = fc.array(hash, { minLength: 1, maxLength: 300 });
// Few distinct values, so that equal leaves are common.
const leafSetWithRepeats = fc
  .tuple(fc.array(hash, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }))
  .map(([pool, picks]) => picks.map((p) => pool[p % pool.length] ?? pool[0] ?? "0x"));
const sortLeaves = fc.boolean();

/** `hex` with one bit flipped: a different, still well-formed hash. */
const flipBit = (hex: Hex, bit: number): Hex => {
  const bytes = Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
  const at = (bit >> 3) % bytes.length;
  bytes[at] = (bytes[at] ?? 0) ^ (1 << (bit & 7));
  return bytesToHex(bytes);
};

describe("buildMerkleTree against @openzeppelin/merkle-tree", () => {
  it("gives the same root and the same proofs as SimpleMerkleTree, and every proof verifies in both", () => {
    fc.assert(
      fc.property(leafSet, sortLeaves, (leaves, sort) => {
        const ours = buildMerkleTree(leaves, { sortLeaves: sort });
        const oracle = SimpleMerkleTree.of(leaves, { sortLeaves: sort });
        expect(ours.root).toBe(oracle.root);
        expect(ours.leaves).toEqual(leaves);
        leaves.forEach((leaf, i) => {
          const proof = ours.getProof(i);
          expect(proof).toEqual(oracle.getProof(i));
          expect(verifyMerkleProof(ours.root, leaf, proof)).toBe(true);
          expect(SimpleMerkleTree.verify(oracle.root, leaf, proof)).toBe(true);
          expect(ours.getProof(leaf)).toEqual(proof);
        });
      }),
      { numRuns: 40 },
    );
  });

  it("agrees on trees with repeated leaves", () => {
    fc.assert(
      fc.property(leafSetWithRepeats, sortLeaves, (leaves, sort) => {
        const ours = buildMerkleTree(leaves, { sortLeaves: sort });
        const oracle = SimpleMerkleTree.of(leaves, { sortLeaves: sort });
        expect(ours.root).toBe(oracle.root);
        leaves.forEach((leaf, i) => {
          expect(ours.getProof(i)).toEqual(oracle.getProof(i));
          expect(ours.leafIndex(leaf)).toBe(leaves.indexOf(leaf));
          expect(SimpleMerkleTree.verify(oracle.root, leaf, ours.getProof(leaf))).toBe(true);
        });
      }),
    );
  });

  it("gives the root of StandardMerkleTree for standard leaves, with proofs it verifies", () => {
    const types = ["address", "uint256"];
    const entry = fc.tuple(
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b))),
      fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 300 }), sortLeaves, (entries, sort) => {
        const oracle = StandardMerkleTree.of(entries, types, { sortLeaves: sort });
        const ours = buildMerkleTree(
          entries.map((e) => standardLeafHash(types, e)),
          { sortLeaves: sort },
        );
        expect(ours.root).toBe(oracle.root);
        entries.forEach((e, i) => {
          expect(StandardMerkleTree.verify(oracle.root, types, e, ours.getProof(i))).toBe(true);
        });
      }),
      { numRuns: 20 },
    );
  });

  it("gives the same multiproofs as OpenZeppelin, and both verify them", () => {
    fc.assert(
      fc.property(leafSet, sortLeaves, fc.array(fc.nat()), (leaves, sort, picks) => {
        const indices = [...new Set(picks.map((p) => p % leaves.length))];
        const ours = buildMerkleTree(leaves, { sortLeaves: sort });
        const oracle = SimpleMerkleTree.of(leaves, { sortLeaves: sort });
        const multiproof = ours.getMultiProof(indices);
        expect(multiproof).toEqual(oracle.getMultiProof(indices));
        expect(verifyMerkleMultiProof(ours.root, multiproof)).toBe(true);
        expect(SimpleMerkleTree.verifyMultiProof(oracle.root, multiproof)).toBe(true);
        expect(ours.getMultiProof(indices.map((i) => leaves[i] ?? "0x"))).toEqual(multiproof);
      }),
      { numRuns: 60 },
    );
  });

  it("dumps the OpenZeppelin simple-v1 format, which SimpleMerkleTree loads and validates", () => {
    fc.assert(
      fc.property(fc.array(hash, { minLength: 1, maxLength: 60 }), sortLeaves, (leaves, sort) => {
        const ours = buildMerkleTree(leaves, { sortLeaves: sort });
        const dumped = ours.dump();
        expect(dumped).toEqual(SimpleMerkleTree.of(leaves, { sortLeaves: sort }).dump());
        const loaded = SimpleMerkleTree.load(dumped);
        loaded.validate();
        expect(loaded.root).toBe(ours.root);
      }),
      { numRuns: 30 },
    );
  });
});

describe("standardLeafHash", () => {
  it("equals StandardMerkleTree's leafHash for (address,uint256)", () => {
    const types = ["address", "uint256"];
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b)),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        (account, amount) => {
          const oracle = StandardMerkleTree.of([[account, amount]], types);
          expect(standardLeafHash(types, [account, amount])).toBe(oracle.leafHash([account, amount]));
        },
      ),
    );
  });

  it("equals StandardMerkleTree's leafHash for (bytes32,uint64,uint64)", () => {
    const types = ["bytes32", "uint64", "uint64"];
    const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(hash, uint64, uint64, (messageId, epoch, amount) => {
        const oracle = StandardMerkleTree.of([[messageId, epoch, amount]], types);
        expect(standardLeafHash(types, [messageId, epoch, amount])).toBe(oracle.leafHash([messageId, epoch, amount]));
      }),
    );
  });

  it("is keccak256(keccak256(abi.encode(values))), and takes tuple types", () => {
    const account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const encoded = concat([`0x${"00".repeat(12)}${account.slice(2).toLowerCase()}`, `0x${"00".repeat(31)}05`]);
    expect(standardLeafHash(["address", "uint256"], [account, 5n])).toBe(keccak256(keccak256(encoded)));
    const tuple = ["(address,uint256)"];
    expect(standardLeafHash(tuple, [[account, 5n]])).toBe(
      StandardMerkleTree.of([[[account, 5n]]], tuple).leafHash([[account, 5n]]),
    );
  });

  it("rejects values that do not fit their types with a clear error", () => {
    expect(() => standardLeafHash(["address", "uint256"], ["0x01"])).toThrow("standard leaf has 2 types but 1 values");
    expect(() => standardLeafHash(["address"], ["0x1234"])).toThrow(InvalidInputError);
    expect(() => standardLeafHash(["address"], ["0x1234"])).toThrow("cannot ABI-encode standard leaf (address)");
    expect(() => standardLeafHash(["uint8"], [256n])).toThrow("cannot ABI-encode standard leaf (uint8)");
  });
});

describe("proofs of wrong things fail", () => {
  const treeAndLeaf = fc
    .array(hash, { minLength: 2, maxLength: 300 })
    .chain((leaves) => fc.tuple(fc.constant(leaves), fc.nat({ max: leaves.length - 1 }), fc.nat({ max: 255 })));

  it("rejects a tampered leaf, proof element or root", () => {
    fc.assert(
      fc.property(treeAndLeaf, fc.nat(), ([leaves, index, bit], at) => {
        const tree = buildMerkleTree(leaves);
        const leaf = leaves[index] ?? "0x";
        const proof = tree.getProof(index);
        expect(proof.length).toBeGreaterThan(0);
        expect(verifyMerkleProof(tree.root, flipBit(leaf, bit), proof)).toBe(false);
        expect(SimpleMerkleTree.verify(tree.root, flipBit(leaf, bit), proof)).toBe(false);
        const tampered = proof.map((p, i) => (i === at % proof.length ? flipBit(p, bit) : p));
        expect(verifyMerkleProof(tree.root, leaf, tampered)).toBe(false);
        expect(SimpleMerkleTree.verify(tree.root, leaf, tampered)).toBe(false);
        expect(verifyMerkleProof(flipBit(tree.root, bit), leaf, proof)).toBe(false);
        expect(verifyMerkleProof(tree.root, leaf, proof.slice(1))).toBe(false);
        expect(verifyMerkleProof(tree.root, leaf, [...proof, tree.root])).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects a multiproof with a tampered leaf", () => {
    fc.assert(
      fc.property(treeAndLeaf, ([leaves, index, bit]) => {
        const tree = buildMerkleTree(leaves);
        const multiproof = tree.getMultiProof([index, (index + 1) % leaves.length]);
        const tampered = { ...multiproof, leaves: multiproof.leaves.map((l, i) => (i === 0 ? flipBit(l, bit) : l)) };
        expect(verifyMerkleMultiProof(tree.root, tampered)).toBe(false);
        expect(SimpleMerkleTree.verifyMultiProof(tree.root, tampered)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

describe("edge cases", () => {
  const a = keccak256("0x01");
  const b = keccak256("0x02");

  it("hashes a pair in sorted order, whichever way round it is given", () => {
    const expected = keccak256(a < b ? concat([a, b]) : concat([b, a]));
    expect(buildMerkleTree([a, b]).root).toBe(expected);
    expect(buildMerkleTree([b, a], { sortLeaves: false }).root).toBe(expected);
    expect(processProof(a, [b])).toBe(expected);
    expect(processProof(b, [a])).toBe(expected);
  });

  it("makes a single leaf its own root, with an empty proof", () => {
    const tree = buildMerkleTree([a]);
    expect(tree.root).toBe(a);
    expect(tree.getProof(0)).toEqual([]);
    expect(verifyMerkleProof(a, a, [])).toBe(true);
    expect(SimpleMerkleTree.of([a]).root).toBe(a);
  });

  it("refuses an empty tree with a clear error", () => {
    expect(() => buildMerkleTree([])).toThrow(InvalidInputError);
    expect(() => buildMerkleTree([])).toThrow("cannot build a Merkle tree without leaves");
  });

  it("refuses leaves and proof elements that are not 32-byte hashes", () => {
    expect(() => buildMerkleTree([a, "0x1234"])).toThrow("leaf 1 is not a 32-byte hash: 0x1234");
    expect(() => buildMerkleTree([`0x${"zz".repeat(32)}`])).toThrow("leaf 0 is not a 32-byte hash");
    expect(() => verifyMerkleProof(a, a, ["0x00"])).toThrow("proof element 0 is not a 32-byte hash: 0x00");
    expect(() => verifyMerkleProof("0x", a, [])).toThrow("root is not a 32-byte hash");
  });

  it("treats hex case as insignificant, and returns lower-case hashes", () => {
    const upper: Hex = `0x${a.slice(2).toUpperCase()}`;
    const tree = buildMerkleTree([upper, b]);
    expect(tree.root).toBe(buildMerkleTree([a, b]).root);
    expect(tree.root).toBe(SimpleMerkleTree.of([upper, b]).root);
    expect(tree.leaves).toEqual([a, b]);
    expect(tree.getProof(upper)).toEqual(tree.getProof(a));
    expect(verifyMerkleProof(`0x${tree.root.slice(2).toUpperCase()}`, upper, tree.getProof(0))).toBe(true);
  });

  it("says which leaf cannot be proven", () => {
    const tree = buildMerkleTree([a, b]);
    expect(() => tree.getProof(2)).toThrow("leaf index 2 is out of range: the tree has 2 leaves");
    expect(() => tree.getProof(-1)).toThrow("leaf index -1 is out of range");
    expect(() => tree.getProof(keccak256("0x03"))).toThrow(`leaf ${keccak256("0x03")} is not in the tree`);
    expect(() => tree.getProof("0x03")).toThrow("leaf is not a 32-byte hash: 0x03");
    expect(tree.leafIndex(keccak256("0x03"))).toBeUndefined();
    expect(tree.leafIndex(b)).toBe(1);
    expect(() => tree.getMultiProof([0, a])).toThrow("cannot prove the same leaf twice in one multiproof");
  });

  it("proves no leaves with the root alone, as OpenZeppelin does", () => {
    const tree = buildMerkleTree([a, b]);
    const multiproof = tree.getMultiProof([]);
    expect(multiproof).toEqual({ leaves: [], proof: [tree.root], proofFlags: [] });
    expect(verifyMerkleMultiProof(tree.root, multiproof)).toBe(true);
  });

  it("refuses a multiproof whose parts do not fit together", () => {
    expect(() => processMultiProof({ leaves: [a, b], proof: [], proofFlags: [] })).toThrow(
      "multiproof does not fit together: 2 leaves + 0 proof hashes must be 0 flags + 1",
    );
    expect(() => processMultiProof({ leaves: [], proof: [a, b], proofFlags: [false] })).toThrow(
      "multiproof runs out of hashes before its flags end",
    );
  });
});
