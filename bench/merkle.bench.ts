// Merkle tree benchmarks, each beside @openzeppelin/merkle-tree (the library our trees must match) in the same run:
// building a sorted tree of 10,000 and of 100,000 random leaf hashes and handing out one proof per leaf.
// OpenZeppelin's getProof re-verifies every proof it hands out and costs ~0.5 ms per proof, so its proofs are timed
// on an evenly spread sample and scaled to all leaves (said in the row); the note gives ours with the same
// re-verification added (timed on the same sample), to compare like with like. Roots and sampled proofs are checked
// equal, so a faster but wrong tree fails the benchmark instead of winning it.
import { randomBytes } from "node:crypto";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { bytesToHex, type Hex } from "viem";
import { buildMerkleTree, verifyMerkleProof } from "../packages/crypto/src/merkle.js";

export type BenchRow = { name: string; ours: string; reference: string; ratio: string; note: string };

const milliseconds = (value: number) => `${Math.round(value).toLocaleString("en-US")} ms`;

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

function randomLeaves(count: number): Hex[] {
  const bytes = randomBytes(count * 32);
  return Array.from({ length: count }, (_, i) => bytesToHex(bytes.subarray(i * 32, (i + 1) * 32)));
}

function one(count: number, sample: number): BenchRow {
  const leaves = randomLeaves(count);
  const step = Math.max(1, Math.floor(count / sample));
  const sampled = Array.from({ length: Math.ceil(count / step) }, (_, k) => k * step);
  const scale = count / sampled.length;

  const build = timed(() => buildMerkleTree(leaves));
  const tree = build.value;
  const proofs = timed(() => leaves.map((_, i) => tree.getProof(i)));
  const verify = timed(() =>
    sampled.every((i) => verifyMerkleProof(tree.root, leaves[i] ?? "0x", proofs.value[i] ?? [])),
  );
  if (!verify.value) throw new Error(`a proof of the ${count}-leaf tree does not verify`);

  const reference = timed(() => SimpleMerkleTree.of(leaves));
  if (reference.value.root !== tree.root)
    throw new Error(`roots differ for ${count} leaves: ours is not OpenZeppelin's`);
  const referenceProofs = timed(() => sampled.map((i) => reference.value.getProof(i)));
  sampled.forEach((i, k) => {
    if (referenceProofs.value[k]?.join() !== proofs.value[i]?.join())
      throw new Error(`proof ${i} differs for ${count} leaves: ours is not OpenZeppelin's`);
  });

  const ours = build.ms + proofs.ms;
  const oursVerified = ours + verify.ms * scale;
  const theirs = reference.ms + referenceProofs.ms * scale;
  return {
    name: `Merkle tree of ${count.toLocaleString("en-US")} leaves: build + one proof per leaf`,
    ours: `${milliseconds(ours)} (build ${milliseconds(build.ms)}, proofs ${milliseconds(proofs.ms)})`,
    reference: `${milliseconds(theirs)} SimpleMerkleTree.of (build ${milliseconds(reference.ms)}, proofs ~${milliseconds(referenceProofs.ms * scale)} scaled from ${sampled.length} timed)`,
    ratio: `${(theirs / ours).toFixed(1)}x`,
    note: `OpenZeppelin time / ours, same root and proofs; OpenZeppelin re-verifies each proof it gives: ours doing that too ~${milliseconds(oursVerified)}, ${(theirs / oursVerified).toFixed(1)}x`,
  };
}

/**
 * Builds trees of 10,000 and 100,000 leaves with a proof for every leaf, ours against OpenZeppelin's.
 * `proofSample` is how many of OpenZeppelin's (slow, self-verifying) proofs are timed per tree.
 */
export async function merkleBuild(
  sizes: readonly number[] = [10_000, 100_000],
  proofSample = 200,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of sizes) rows.push(one(size, proofSample));
  return rows;
}
