// The browser's proof verifier without chains: the input checks (the hand-written schema must accept and refuse what
// the SDK's zod MessageProofSchema does) and the hash and Merkle checks that run before any RPC, compared with
// verifyMessageProof on proofs built by the SDK and mutated at random. Neither verifier may touch the network
// here: both are given an "RPC" that throws Offline, so reaching the chain is an outcome of its own. The module is
// also held to its browser diet: it may import only viem, @noble/* and @amc/abi.
import { readFileSync } from "node:fs";
import { buildMerkleTree } from "@amc/crypto";
import {
  buildMessageProof,
  MESSAGE_PROOF_FAILURE_REASONS,
  type MessageProof,
  messageHash,
  messageLeaf,
  verifyMessageProof,
} from "@amc/sdk";
import fc from "fast-check";
import { bytesToHex, createPublicClient, custom, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { PROOF_FAILURE_REASONS, verifyProofInBrowser } from "./proof.js";

class Offline extends Error {
  override readonly name = "Offline";
}

const reachedChain = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof Offline) return true;
  return false;
};

const offlineClient = createPublicClient({
  transport: custom(
    {
      request: async () => {
        throw new Offline("no chain in this test");
      },
    },
    { retryCount: 0 },
  ),
});

type Outcome = string;
async function outcome(run: () => Promise<{ ok: boolean; reason?: string }>): Promise<Outcome> {
  try {
    const result = await run();
    return result.ok ? "ok" : (result.reason ?? "?");
  } catch (error) {
    if (reachedChain(error)) return "reached the chain";
    throw error;
  }
}
const inNode = (proof: unknown) =>
  outcome(() => verifyMessageProof(proof, { cellClient: offlineClient, resolveRsuKeys: async () => [] }));
const inBrowser = (proof: unknown) =>
  outcome(() =>
    verifyProofInBrowser(proof, {
      rpcUrlFor: () => {
        throw new Offline("no chain in this test");
      },
      mainChainId: 72000,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      network: "test",
    }),
  );

/** A well-formed proof of message 2 of a batch of 7 random messages, with made-up anchor facts. */
function sampleProof(): MessageProof {
  const spdus = Array.from({ length: 7 }, (_, i) => Uint8Array.from({ length: 40 + i }, (_, j) => (i * 31 + j) & 255));
  const tree = buildMerkleTree(spdus.map((s) => messageLeaf(messageHash(s))));
  const proof = buildMessageProof({
    tree,
    messageHash: messageHash(spdus[2]!),
    batch: {
      submitter: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      batchId: 4,
      count: 7,
      fromTime: 1_750_000_000_000,
      toTime: 1_750_000_001_000,
      rsuDid: `0x${"ab".repeat(32)}`,
      signature: `0x${"cd".repeat(64)}`,
    },
    anchor: {
      chainId: 72001,
      dataAnchor: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      txHash: `0x${"11".repeat(32)}`,
      blockNumber: 42,
      blockHash: `0x${"22".repeat(32)}`,
    },
    spdu: spdus[2],
  });
  return JSON.parse(JSON.stringify(proof));
}

describe("verifyProofInBrowser before the chain", () => {
  it("names its failures exactly as the SDK does", () => {
    expect(PROOF_FAILURE_REASONS).toEqual(MESSAGE_PROOF_FAILURE_REASONS);
  });

  it("passes a well-formed proof on to the chain, as the SDK does", async () => {
    expect(await inNode(sampleProof())).toBe("reached the chain");
    expect(await inBrowser(sampleProof())).toBe("reached the chain");
  });

  it.each<[string, unknown, string]>([
    ["null", null, "proof: must be an object, got null"],
    ["an array", [], "proof: must be an object, got an array"],
    ["a string", "0x12", "proof: must be an object, got string"],
    ["another version", { ...sampleProof(), version: 2 }, "version: must be 1"],
    ["an unknown key", { ...sampleProof(), extra: 1 }, 'proof: unrecognized key "extra"'],
    ["a short root", { ...sampleProof(), root: "0x1234" }, "root: must be 0x and 64 hex digits"],
    [
      "count 0",
      { ...sampleProof(), batch: { ...sampleProof().batch, count: 0 } },
      "batch.count: must be between 1 and 4294967295",
    ],
    [
      "a fractional block number",
      { ...sampleProof(), anchor: { ...sampleProof().anchor, blockNumber: 1.5 } },
      "anchor.blockNumber: must be an integer, got 1.5",
    ],
    [
      "a 65th sibling",
      { ...sampleProof(), proof: Array(65).fill(`0x${"00".repeat(32)}`) },
      "proof: must have at most 64",
    ],
    ["an odd-length SPDU", { ...sampleProof(), spdu: "0x123" }, "spdu: must be 0x and an even number of hex digits"],
    ["an index past the count", { ...sampleProof(), index: 7 }, "index: index is not below the batch count"],
  ])("refuses %s as malformed, saying where", async (_what, input, detail) => {
    const result = await verifyProofInBrowser(input, {
      rpcUrlFor: () => "http://127.0.0.1:9",
      mainChainId: 1,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      network: "test",
    });
    expect(result).toEqual({ ok: false, reason: "malformed", detail: expect.stringContaining(detail) });
    expect(await inNode(input)).toBe("malformed");
  });

  it("refuses unusable options with a clear error", async () => {
    const options = {
      rpcUrlFor: () => "http://127.0.0.1:9",
      mainChainId: 1,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const,
    };
    await expect(verifyProofInBrowser(sampleProof(), { ...options, network: "Not A Network" })).rejects.toThrow(
      /not a did:amc network name/,
    );
    await expect(
      verifyProofInBrowser(sampleProof(), { ...options, registry: "0x1234", network: "test" }),
    ).rejects.toThrow(/not a 20-byte address/);
  });

  it("agrees with the SDK on random mutations of a proof (shape, hashes, Merkle path)", async () => {
    type Path = readonly (string | number)[];
    const paths: Path[] = [
      ["version"],
      ["messageHash"],
      ["leaf"],
      ["index"],
      ["proof"],
      ["proof", 0],
      ["proof", 1],
      ["proof", 2],
      ["root"],
      ["batch"],
      ["batch", "submitter"],
      ["batch", "batchId"],
      ["batch", "count"],
      ["batch", "fromTime"],
      ["batch", "toTime"],
      ["batch", "rsuDid"],
      ["batch", "signature"],
      ["anchor"],
      ["anchor", "chainId"],
      ["anchor", "dataAnchor"],
      ["anchor", "txHash"],
      ["anchor", "blockNumber"],
      ["anchor", "blockHash"],
      ["spdu"],
      ["extra"],
      ["batch", "extra"],
    ];
    const edgeValues = fc.constantFrom<unknown>(
      undefined,
      null,
      0,
      -1,
      1,
      7,
      1.5,
      2 ** 53,
      0xffffffff,
      2 ** 32,
      Number.NaN,
      "",
      "0x",
      "0x00",
      `0x${"AB".repeat(32)}`,
      `0x${"ab".repeat(20)}`,
      `0x${"ab".repeat(64)}`,
      `0X${"ab".repeat(32)}`,
      [],
      {},
    );
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant("set" as const),
        path: fc.constantFrom(...paths),
        value: fc.oneof(edgeValues, fc.jsonValue()),
      }),
      fc.record({ kind: fc.constant("delete" as const), path: fc.constantFrom(...paths) }),
      fc.record({
        kind: fc.constant("flip" as const),
        path: fc.constantFrom<Path>(["messageHash"], ["leaf"], ["root"], ["proof", 0], ["proof", 2], ["spdu"]),
        at: fc.nat(),
        mask: fc.integer({ min: 1, max: 255 }),
      }),
    );
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const proof: Record<string, unknown> = sampleProof();
        for (const m of mutations) {
          let parent: unknown = proof;
          for (const key of m.path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[key];
          if (typeof parent !== "object" || parent === null) continue;
          const target = parent as Record<string | number, unknown>;
          const key = m.path.at(-1)!;
          if (m.kind === "delete") delete target[key];
          else if (m.kind === "set") target[key] = m.value;
          else if (typeof target[key] === "string") {
            const bytes = Buffer.from((target[key] as string).slice(2), "hex");
            if (bytes.length === 0) continue;
            bytes[m.at % bytes.length]! ^= m.mask;
            target[key] = bytesToHex(bytes) as Hex;
          }
        }
        const node = await inNode(proof);
        seen.add(node);
        expect(await inBrowser(proof), JSON.stringify(mutations)).toBe(node);
      }),
      { seed: 7, numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(["hash_mismatch", "malformed", "not_in_batch", "reached the chain"]);
  });
});

describe("the browser modules' imports", () => {
  it.each(["proof.ts", "wallet.ts"])("%s imports only browser-safe packages", (file) => {
    const source = readFileSync(new URL(file, import.meta.url), "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers)
      expect(specifier).toMatch(
        /^(viem|viem\/accounts|@noble\/curves\/[a-z0-9]+|@noble\/hashes\/[a-z0-9]+|@amc\/abi)$/,
      );
  });
});
