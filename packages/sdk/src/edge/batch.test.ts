// Batch headers and message identity: the header encoding is abi.encode of docs/edge.md word for word, the
// signature is an ECDSA P-256 signature whose hash is batchHeaderDigest (what a P-256 precompile would check), and
// it verifies for exactly the header it signed.
import { createHash } from "node:crypto";
import { p256 } from "@noble/curves/p256";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { concat, type Hex, keccak256, numberToHex, pad, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  type BatchHeader,
  batchHeaderDigest,
  encodeBatchHeader,
  messageHash,
  messageLeaf,
  signBatchHeader,
  verifyBatchSignature,
} from "./batch.js";
import { generateP256 } from "./testing.js";

const header: BatchHeader = {
  chainId: 72001,
  dataAnchor: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  submitter: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  batchId: 7n,
  root: `0x${"11".repeat(32)}`,
  count: 3,
  fromTime: 1_750_000_000_000,
  toTime: 1_750_000_004_000,
  rsuDid: `0x${"a1".repeat(32)}`,
};

const word = (value: bigint | number | Hex) =>
  typeof value === "string" ? pad(value, { size: 32 }) : numberToHex(value, { size: 32 });

describe("batch header", () => {
  it("is abi.encode(tag, chainId, dataAnchor, submitter, batchId, root, count, fromTime, toTime, rsuDid)", () => {
    const tag = stringToHex("AMC-DataAnchor-v1");
    const expected = concat([
      word(10 * 32), // offset of the tag, after the ten head words
      word(72001),
      word(header.dataAnchor.toLowerCase() as Hex),
      word(header.submitter.toLowerCase() as Hex),
      word(7),
      header.root,
      word(3),
      word(1_750_000_000_000),
      word(1_750_000_004_000),
      header.rsuDid,
      word(17), // tag length
      pad(tag, { dir: "right", size: 32 }),
    ]);
    expect(encodeBatchHeader(header)).toBe(expected);
    const digest = createHash("sha256")
      .update(Buffer.from(expected.slice(2), "hex"))
      .digest("hex");
    expect(batchHeaderDigest(header)).toBe(`0x${digest}`);
    expect(encodeBatchHeader({ ...header, batchId: 7, chainId: 72001n })).toBe(expected); // numbers or bigints
  });

  it("changes with every field", () => {
    const variants: BatchHeader[] = [
      { ...header, chainId: 72002 },
      { ...header, dataAnchor: header.submitter },
      { ...header, submitter: header.dataAnchor },
      { ...header, batchId: 8n },
      { ...header, root: `0x${"12".repeat(32)}` },
      { ...header, count: 4 },
      { ...header, fromTime: 1_750_000_000_001 },
      { ...header, toTime: 1_750_000_004_001 },
      { ...header, rsuDid: `0x${"a2".repeat(32)}` },
    ];
    const digests = new Set([header, ...variants].map(batchHeaderDigest));
    expect(digests.size).toBe(variants.length + 1);
  });

  it("is signed as ES256 over the digest and verifies only for its header and key", () => {
    const rsu = generateP256();
    const other = generateP256();
    const signature = signBatchHeader(header, rsu.privateKey);
    expect(signature).toMatch(/^0x[0-9a-f]{128}$/);
    expect(verifyBatchSignature(header, signature, rsu.publicKey)).toBe(true);
    expect(verifyBatchSignature(header, signature, other.publicKey)).toBe(false);
    // The signed hash is the digest itself: a verifier holding only the digest (a contract) accepts it.
    const jwk = rsu.publicKey.export({ format: "jwk" });
    const point = Buffer.concat([
      Buffer.of(4),
      Buffer.from(jwk.x ?? "", "base64url"),
      Buffer.from(jwk.y ?? "", "base64url"),
    ]);
    expect(
      p256.verify(
        Buffer.from(signature.slice(2), "hex"),
        Buffer.from(batchHeaderDigest(header).slice(2), "hex"),
        point,
        {
          prehash: false,
          lowS: false,
        },
      ),
    ).toBe(true);
    fc.assert(
      fc.property(
        fc.record({
          batchId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          count: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
          fromTime: fc.integer({ min: 0, max: 2 ** 52 }),
        }),
        (changes) => {
          fc.pre(changes.batchId !== 7n || changes.count !== 3 || changes.fromTime !== header.fromTime);
          expect(verifyBatchSignature({ ...header, ...changes }, signature, rsu.publicKey)).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses malformed signatures and unencodable headers without throwing", () => {
    const rsu = generateP256();
    const signature = signBatchHeader(header, rsu.privateKey);
    expect(verifyBatchSignature(header, `0x${signature.slice(4)}`, rsu.publicKey)).toBe(false);
    expect(verifyBatchSignature(header, `${signature}00`, rsu.publicKey)).toBe(false);
    expect(verifyBatchSignature(header, "0xzz" as Hex, rsu.publicKey)).toBe(false);
    expect(verifyBatchSignature({ ...header, count: 2 ** 32 }, signature, rsu.publicKey)).toBe(false);
    expect(verifyBatchSignature({ ...header, submitter: "0x1234" }, signature, rsu.publicKey)).toBe(false);
    expect(() => signBatchHeader({ ...header, batchId: -1n }, rsu.privateKey)).toThrow();
  });
});

describe("message identity", () => {
  it("hashes the exact SPDU bytes and leaves them as OpenZeppelin's standard tree does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (spdu) => {
        const hash = messageHash(spdu);
        expect(hash).toBe(keccak256(spdu));
        // abi.encode(bytes32) is the hash itself: the leaf is keccak256(keccak256(hash)).
        expect(messageLeaf(hash)).toBe(keccak256(keccak256(hash)));
      }),
      { numRuns: 50 },
    );
    const hashes = [messageHash(Uint8Array.of(1)), messageHash(Uint8Array.of(2)), messageHash(Uint8Array.of(3))];
    const tree = StandardMerkleTree.of(
      hashes.map((h) => [h]),
      ["bytes32"],
    );
    expect(tree.leafHash([hashes[1]!])).toBe(messageLeaf(hashes[1]!));
    expect(() => messageHash(new Uint8Array())).toThrow("cannot hash an empty SPDU");
  });
});
