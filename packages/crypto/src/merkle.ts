// Keccak-256 Merkle trees that OpenZeppelin's `MerkleProof` (Solidity) and `@openzeppelin/merkle-tree` (JS) accept
// as their own. RSUs batch V2X messages into one and anchor the root on chain; reward epochs commit to one and are
// claimed with proofs. Compatibility is the whole point, so the layout is OpenZeppelin's exactly:
// - nodes hash their children as a sorted pair, keccak256(min(a, b) ‖ max(a, b)), so a proof is a bare list of
//   siblings with no left/right flags;
// - the tree is a complete binary tree in an array of 2n − 1 nodes, root at 0, children of i at 2i + 1 and 2i + 2,
//   and the k-th leaf at index 2n − 2 − k (leaves fill the array from the end);
// - leaves are sorted by hash by default (what multiproofs want), or kept in input order.
// Leaf hashes are the caller's: use `standardLeafHash` for OpenZeppelin's double-hashed ABI leaves. Nodes live in
// one Uint8Array and are hashed as bytes; hex strings are made only for what a caller asks to see, once per node.

import { AssertionError, InvalidInputError } from "@amc/utils";
// viem's own keccak (viem depends on @noble/hashes 1.8.0); hashing bytes directly skips viem's hex round trips.
import { keccak_256 } from "@noble/hashes/sha3";
import { encodeAbiParameters, type Hex, keccak256, parseAbiParameter } from "viem";

const HASH_BYTES = 32;

export type BuildMerkleTreeOptions = {
  /**
   * Sort leaves by hash before building (default true, as in `@openzeppelin/merkle-tree`). Sorted trees allow
   * multiproofs to be verified on chain; keep input order (false) when a leaf's position must mean something.
   */
  sortLeaves?: boolean;
};

/** Several leaves proven at once, in the shape of OpenZeppelin's `MerkleProof.multiProofVerify`. */
export type MerkleMultiProof = {
  /** The proven leaf hashes, in the order the verifier must consume them (not the order they were asked for). */
  leaves: Hex[];
  proof: Hex[];
  proofFlags: boolean[];
};

/** The tree as `@openzeppelin/merkle-tree` stores it: `SimpleMerkleTree.load(tree.dump())` accepts it. */
export type SimpleMerkleTreeData = {
  format: "simple-v1";
  tree: Hex[];
  values: { value: Hex; treeIndex: number }[];
};

export type MerkleTree = {
  /** The root to anchor on chain. */
  readonly root: Hex;
  /** The leaf hashes in input order, lower-case: `getProof(i)` proves `leaves[i]`. */
  readonly leaves: readonly Hex[];
  /** The input index of `leafHash` (its first occurrence), or undefined when it is not a leaf of this tree. */
  leafIndex(leafHash: Hex): number | undefined;
  /**
   * The siblings from the leaf up to the root, for `MerkleProof.verify(proof, root, leaf)`. `leaf` is an input
   * index or a leaf hash; throws InvalidInputError when it is out of range or not in the tree.
   */
  getProof(leaf: number | Hex): Hex[];
  /** One proof for several distinct leaves (input indices or hashes), for `MerkleProof.multiProofVerify`. */
  getMultiProof(leaves: readonly (number | Hex)[]): MerkleMultiProof;
  /** The OpenZeppelin `simple-v1` dump, to store the tree or hand it to `SimpleMerkleTree.load`. */
  dump(): SimpleMerkleTreeData;
};

// ---------------------------------------------------------------------------------------------------------------
// hex <-> bytes without per-byte string slicing

const HEX_DIGITS = "0123456789abcdef";
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX_VALUE[HEX_DIGITS.charCodeAt(c)] = c;
  HEX_VALUE[HEX_DIGITS.toUpperCase().charCodeAt(c)] = c;
}
// A byte's two hex digits as one little-endian 16-bit word of ASCII codes, written into a reused "0x…" buffer and
// decoded in one call: one flat string per hash. (Concatenating 32 pieces builds a rope of 33 objects per hash,
// which costs more in garbage collection than everything else when a big tree's nodes are kept as hex.)
const BYTE_TO_CHARS = new Uint16Array(256);
for (let b = 0; b < 256; b++) BYTE_TO_CHARS[b] = HEX_DIGITS.charCodeAt(b >> 4) | (HEX_DIGITS.charCodeAt(b & 15) << 8);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const hexChars = new Uint8Array(2 + 2 * HASH_BYTES);
hexChars.set([48, 120]); // "0x"
const hexWords = new Uint16Array(hexChars.buffer);
const latin1 = new TextDecoder("latin1");

/** Writes the 32-byte hash `hex` into `into` at `offset`; false when `hex` is not 0x and 64 hex digits. */
function decodeHash(hex: string, into: Uint8Array, offset: number): boolean {
  if (typeof hex !== "string" || hex.length !== 2 + 2 * HASH_BYTES || hex[0] !== "0" || hex[1] !== "x") return false;
  for (let i = 0; i < HASH_BYTES; i++) {
    const high = HEX_VALUE[hex.charCodeAt(2 + 2 * i)] ?? -1;
    const low = HEX_VALUE[hex.charCodeAt(3 + 2 * i)] ?? -1;
    if (high < 0 || low < 0) return false;
    into[offset + i] = (high << 4) | low;
  }
  return true;
}

function encodeHash(bytes: Uint8Array, offset: number): Hex {
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < HASH_BYTES; i++) hexWords[1 + i] = BYTE_TO_CHARS[bytes[offset + i] ?? 0] ?? 0;
  } else {
    for (let i = 0; i < HASH_BYTES; i++) {
      const byte = bytes[offset + i] ?? 0;
      hexChars[2 + 2 * i] = HEX_DIGITS.charCodeAt(byte >> 4);
      hexChars[3 + 2 * i] = HEX_DIGITS.charCodeAt(byte & 15);
    }
  }
  const hex = latin1.decode(hexChars);
  if (!isPrefixedHex(hex)) throw new AssertionError(`hex encoding lost its 0x prefix: ${hex}`);
  return hex;
}

const isPrefixedHex = (value: string): value is Hex => value.startsWith("0x");

function invalidHash(what: string, value: unknown): InvalidInputError {
  const shown = typeof value === "string" ? (value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  return new InvalidInputError(`${what} is not a 32-byte hash: ${shown}`, {
    fix: "pass 0x followed by 64 hex digits (hash arbitrary data first, e.g. with standardLeafHash)",
  });
}

function readHash(what: string, hex: Hex, into: Uint8Array, offset = 0): void {
  if (!decodeHash(hex, into, offset)) throw invalidHash(what, hex);
}

// ---------------------------------------------------------------------------------------------------------------
// sorted-pair hashing on bytes

/** Compares the 32-byte words of `a` at `offsetA` and `b` at `offsetB` as big-endian numbers. */
function compareHashes(a: Uint8Array, offsetA: number, b: Uint8Array, offsetB: number): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const difference = (a[offsetA + i] ?? 0) - (b[offsetB + i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Hashes the sorted pair of the words at `a` and `b` of `nodes` into `out`. `pair` is 64 bytes of scratch space;
 * when the two words are adjacent and already in order (the common case in a tree) they are hashed in place.
 */
function hashPairInto(nodes: Uint8Array, a: number, b: number, pair: Uint8Array, out: Uint8Array, at: number): void {
  const ordered = compareHashes(nodes, a, nodes, b) <= 0;
  let input: Uint8Array;
  if (ordered && b === a + HASH_BYTES) {
    input = nodes.subarray(a, a + 2 * HASH_BYTES);
  } else {
    pair.set(nodes.subarray(ordered ? a : b, (ordered ? a : b) + HASH_BYTES), 0);
    pair.set(nodes.subarray(ordered ? b : a, (ordered ? b : a) + HASH_BYTES), HASH_BYTES);
    input = pair;
  }
  out.set(keccak_256(input), at);
}

// ---------------------------------------------------------------------------------------------------------------
// building

/**
 * Builds an OpenZeppelin-compatible Merkle tree over 32-byte leaf hashes.
 *
 * Throws InvalidInputError when there are no leaves or a leaf is not a 32-byte hash. A single leaf is its own root
 * (its proof is empty). Equal leaf hashes are allowed, as in OpenZeppelin; each occurrence has its own proof.
 *
 * A leaf must not be the plain keccak256 of 64 bytes that someone else chooses: two sibling nodes are 64 bytes, so
 * an inner node would then pass as a leaf. Hash leaves with `standardLeafHash` (hashed twice), or hash data that is
 * never exactly 64 bytes long.
 *
 * @example
 * const leaves = messages.map((m) => keccak256(m));
 * const tree = buildMerkleTree(leaves);
 * await anchor(tree.root);
 * const proof = tree.getProof(3); // verifyMerkleProof(tree.root, leaves[3], proof) === true
 */
export function buildMerkleTree(leafHashes: readonly Hex[], options: BuildMerkleTreeOptions = {}): MerkleTree {
  const count = leafHashes.length;
  if (count === 0)
    throw new InvalidInputError("cannot build a Merkle tree without leaves", {
      fix: "pass at least one leaf hash, or skip anchoring an empty batch",
    });
  const sortLeaves = options.sortLeaves ?? true;
  const size = 2 * count - 1;

  const input = new Uint8Array(count * HASH_BYTES);
  leafHashes.forEach((hash, i) => {
    readHash(`leaf ${i}`, hash, input, i * HASH_BYTES);
  });
  // Lower-case, as node hashes are, so that one leaf has one spelling (OpenZeppelin keeps the caller's spelling).
  const leaves = leafHashes.map((hash, i) => (hash.toLowerCase() === hash ? hash : encodeHash(input, i * HASH_BYTES)));

  // order[k] = input index of the k-th leaf; a stable sort keeps equal hashes in input order, as OpenZeppelin does.
  const order = Array.from({ length: count }, (_, i) => i);
  if (sortLeaves) {
    const prefix = new Uint32Array(count);
    const view = new DataView(input.buffer);
    for (let i = 0; i < count; i++) prefix[i] = view.getUint32(i * HASH_BYTES);
    order.sort(
      (a, b) => (prefix[a] ?? 0) - (prefix[b] ?? 0) || compareHashes(input, a * HASH_BYTES, input, b * HASH_BYTES),
    );
  }

  const nodes = new Uint8Array(size * HASH_BYTES);
  const treeIndexOfInput = new Uint32Array(count);
  order.forEach((inputIndex, k) => {
    const treeIndex = size - 1 - k;
    nodes.set(input.subarray(inputIndex * HASH_BYTES, (inputIndex + 1) * HASH_BYTES), treeIndex * HASH_BYTES);
    treeIndexOfInput[inputIndex] = treeIndex;
  });
  const pair = new Uint8Array(2 * HASH_BYTES);
  for (let i = size - 1 - count; i >= 0; i--)
    hashPairInto(nodes, (2 * i + 1) * HASH_BYTES, (2 * i + 2) * HASH_BYTES, pair, nodes, i * HASH_BYTES);

  // Hex of each node, made the first time a proof or dump needs it: every proof of a big tree shares the top nodes.
  // Filled, not `new Array(size)`: V8 keeps holey arrays of more than 100,000 elements as slow dictionaries.
  const hexCache = Array.from({ length: size }, (): Hex | undefined => undefined);
  const nodeHex = (treeIndex: number): Hex => {
    let hex = hexCache[treeIndex];
    if (hex === undefined) {
      hex = encodeHash(nodes, treeIndex * HASH_BYTES);
      hexCache[treeIndex] = hex;
    }
    return hex;
  };
  const root = nodeHex(0);

  let lookup: Map<string, number> | undefined;
  const leafIndex = (leafHash: Hex): number | undefined => {
    if (lookup === undefined) {
      lookup = new Map();
      for (let i = count - 1; i >= 0; i--) lookup.set(leaves[i] ?? "", i);
    }
    return typeof leafHash === "string" ? lookup.get(leafHash.toLowerCase()) : undefined;
  };

  const inputIndexOf = (leaf: number | Hex): number => {
    if (typeof leaf === "number") {
      if (!Number.isInteger(leaf) || leaf < 0 || leaf >= count)
        throw new InvalidInputError(`leaf index ${leaf} is out of range: the tree has ${count} leaves`, {
          fix: `pass an input index from 0 to ${count - 1}, or the leaf hash`,
        });
      return leaf;
    }
    const found = leafIndex(leaf);
    if (found === undefined) {
      if (!decodeHash(leaf, new Uint8Array(HASH_BYTES), 0)) throw invalidHash("leaf", leaf);
      throw new InvalidInputError(`leaf ${leaf} is not in the tree`, {
        fix: "prove only leaves the tree was built from (tree.leafIndex tells whether it holds one)",
      });
    }
    return found;
  };

  const getProof = (leaf: number | Hex): Hex[] => {
    let index = treeIndexOfInput[inputIndexOf(leaf)] ?? 0;
    const proof: Hex[] = [];
    while (index > 0) {
      proof.push(nodeHex(index % 2 === 1 ? index + 1 : index - 1));
      index = (index - 1) >> 1;
    }
    return proof;
  };

  // OpenZeppelin's core.getMultiProof, with a queue instead of Array.shift (linear, not quadratic, in the leaves).
  const getMultiProof = (requested: readonly (number | Hex)[]): MerkleMultiProof => {
    const indices = requested.map((leaf) => treeIndexOfInput[inputIndexOf(leaf)] ?? 0).sort((a, b) => b - a);
    for (let p = 1; p < indices.length; p++)
      if (indices[p] === indices[p - 1])
        throw new InvalidInputError("cannot prove the same leaf twice in one multiproof", {
          fix: "pass each leaf (index or hash; equal hashes count as one) at most once",
        });
    const queue = indices.slice();
    let head = 0;
    const proof: Hex[] = [];
    const proofFlags: boolean[] = [];
    while (head < queue.length && (queue[head] ?? 0) > 0) {
      const j = queue[head++] ?? 0;
      const sibling = j % 2 === 1 ? j + 1 : j - 1;
      if (queue[head] === sibling) {
        proofFlags.push(true);
        head++;
      } else {
        proofFlags.push(false);
        proof.push(nodeHex(sibling));
      }
      queue.push((j - 1) >> 1);
    }
    if (indices.length === 0) proof.push(root);
    return { leaves: indices.map(nodeHex), proof, proofFlags };
  };

  const dump = (): SimpleMerkleTreeData => ({
    format: "simple-v1",
    tree: Array.from({ length: size }, (_, i) => nodeHex(i)),
    values: leaves.map((value, i) => ({ value, treeIndex: treeIndexOfInput[i] ?? 0 })),
  });

  return { root, leaves, leafIndex, getProof, getMultiProof, dump };
}

// ---------------------------------------------------------------------------------------------------------------
// verifying

/**
 * The root that `proof` leads to from `leaf`, as OpenZeppelin's `MerkleProof.processProof` computes it.
 * Throws InvalidInputError when the leaf or a proof element is not a 32-byte hash.
 */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  // Word 0 is the running hash, word 1 the sibling; hashPairInto orders them.
  const words = new Uint8Array(2 * HASH_BYTES);
  const pair = new Uint8Array(2 * HASH_BYTES);
  readHash("leaf", leaf, words);
  proof.forEach((sibling, i) => {
    readHash(`proof element ${i}`, sibling, words, HASH_BYTES);
    hashPairInto(words, 0, HASH_BYTES, pair, words, 0);
  });
  return encodeHash(words, 0);
}

/**
 * Whether `proof` proves `leaf` under `root` (what `MerkleProof.verify` answers on chain). A wrong leaf, proof or
 * root gives false; throws InvalidInputError only when one of them is not a 32-byte hash at all.
 *
 * @example
 * verifyMerkleProof(anchoredRoot, keccak256(message), proof); // true when the message was in the batch
 */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  readHash("root", root, new Uint8Array(HASH_BYTES));
  return processProof(leaf, proof) === root.toLowerCase();
}

/**
 * The root that a multiproof leads to, as OpenZeppelin's `MerkleProof.processMultiProof` computes it.
 * Throws InvalidInputError when the proof is malformed (its parts do not fit together) or holds a non-hash.
 */
export function processMultiProof(multiproof: MerkleMultiProof): Hex {
  const { leaves, proof, proofFlags } = multiproof;
  const fix = "pass the multiproof exactly as getMultiProof returned it";
  if (leaves.length + proof.length !== proofFlags.length + 1)
    throw new InvalidInputError(
      `multiproof does not fit together: ${leaves.length} leaves + ${proof.length} proof hashes must be ${proofFlags.length} flags + 1`,
      { fix },
    );
  // Every hash (leaves, proof, then the computed ones) is a word of one buffer; a queue of word indices replaces
  // OpenZeppelin's array shifting.
  const words = new Uint8Array((leaves.length + proof.length + proofFlags.length) * HASH_BYTES);
  leaves.forEach((leaf, i) => {
    readHash(`multiproof leaf ${i}`, leaf, words, i * HASH_BYTES);
  });
  proof.forEach((hash, i) => {
    readHash(`multiproof proof element ${i}`, hash, words, (leaves.length + i) * HASH_BYTES);
  });
  const pair = new Uint8Array(2 * HASH_BYTES);
  const queue = Array.from({ length: leaves.length }, (_, i) => i);
  let head = 0;
  let proofNext = leaves.length;
  const proofEnd = leaves.length + proof.length;
  let next = proofEnd;
  for (const flag of proofFlags) {
    const a = head < queue.length ? queue[head++] : undefined;
    const b = flag ? (head < queue.length ? queue[head++] : undefined) : proofNext < proofEnd ? proofNext++ : undefined;
    if (a === undefined || b === undefined)
      throw new InvalidInputError("multiproof runs out of hashes before its flags end", { fix });
    hashPairInto(words, a * HASH_BYTES, b * HASH_BYTES, pair, words, next * HASH_BYTES);
    queue.push(next++);
  }
  const unused = queue.length - head + (proofEnd - proofNext);
  if (unused !== 1)
    throw new InvalidInputError(`multiproof leaves ${unused} hashes where one root must remain`, { fix });
  const last = head < queue.length ? queue[queue.length - 1] : proofNext;
  return encodeHash(words, (last ?? 0) * HASH_BYTES);
}

/** Whether `multiproof` proves all its leaves under `root` (what `MerkleProof.multiProofVerify` answers). */
export function verifyMerkleMultiProof(root: Hex, multiproof: MerkleMultiProof): boolean {
  readHash("root", root, new Uint8Array(HASH_BYTES));
  return processMultiProof(multiproof) === root.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// leaves

/**
 * OpenZeppelin's "standard" leaf: keccak256(keccak256(abi.encode(values))). Hashing twice makes a leaf never equal
 * to an inner node's 64-byte preimage, which stops second-preimage proofs of inner nodes as leaves. `types` are
 * Solidity ABI types as OpenZeppelin's `StandardMerkleTree` takes them ("address", "uint256", "(uint64,bytes32)").
 * Throws InvalidInputError when a type does not parse or a value does not fit its type.
 *
 * @example
 * const leaf = standardLeafHash(["address", "uint256"], [account, amount]);
 * // Solidity: keccak256(bytes.concat(keccak256(abi.encode(account, amount))))
 */
export function standardLeafHash(types: readonly string[], values: readonly unknown[]): Hex {
  if (types.length !== values.length)
    throw new InvalidInputError(`standard leaf has ${types.length} types but ${values.length} values`, {
      fix: "pass one value per ABI type",
    });
  let encoded: Hex;
  try {
    encoded = encodeAbiParameters(
      types.map((type) => parseAbiParameter(type)),
      values,
    );
  } catch (error) {
    throw new InvalidInputError(`cannot ABI-encode standard leaf (${types.join(",")})`, {
      details: error instanceof Error ? error.message.split("\n")[0] : String(error),
      fix: "pass values that fit their Solidity types: addresses as 0x hex, integers as bigint, bytesN as 0x hex",
      cause: error,
    });
  }
  return keccak256(keccak256(encoded, "bytes"));
}
