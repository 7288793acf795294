// The `edge` module deployed on real anvil chains the way `amc up` deploys it (docs/topology.md, docs/edge.md):
// DataAnchor and EventLedger on the cell, AnchorCheckpoints on main, each at its CREATE2 address and initialised;
// then an RSU anchors a batch, anyone checkpoints, and the in-process validators and relayer carry the checkpoint
// to main. The relayer is the app's (apps/relayer), imported by path as tests/ does: a test-only dependency.
import { anchorCheckpointsAbi, dataAnchorAbi, eventLedgerAbi } from "@amc/abi";
import { createLogger, waitFor } from "@amc/utils";
import { type Address, encodeAbiParameters, type Hex, keccak256, stringToHex, toHex, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAgents, startLocalAgents } from "../apps/relayer/src/local.js";
import { publicClientFor, walletClientFor } from "../packages/chain/src/clients.js";
import { deployChain, EVENT_LEDGER_MIN_REPORTERS, predictAddress } from "../packages/chain/src/deploy.js";
import { devAccount, devKeyIndex, devPrivateKey } from "../packages/chain/src/devKeys.js";
import { contractAddress, type DeploymentManifest } from "../packages/chain/src/manifest.js";
import { type LocalNet, startLocalNet } from "../packages/chain/src/testing/localNet.js";
import type { ChainConfig, Topology } from "../packages/chain/src/topology.js";

let net: LocalNet;
let topology: Topology;
let manifest: DeploymentManifest;
let agents: LocalAgents | undefined;

const deployerKey = devPrivateKey(devKeyIndex.deployer);
const rsuKey = devPrivateKey(devKeyIndex.firstMember + 1);
const rsu = devAccount(devKeyIndex.firstMember + 1).address;

beforeAll(async () => {
  // LocalNet deploys the edge module on main and every cell, exactly as `amc up` does for amc.config.json.
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  topology = net.topology;
  manifest = net.manifest;
  agents = startLocalAgents(topology, manifest);
});
afterAll(async () => {
  await agents?.stop();
  await net?.stop();
});

const chain = (role: "main" | "edge"): ChainConfig => topology.chains.find((c) => c.role === role)!;

describe("edge module deployment", () => {
  it("puts DataAnchor and EventLedger on the cell and AnchorCheckpoints on main, initialised", async () => {
    const main = chain("main");
    const cell = chain("edge");
    const deployer = devAccount(devKeyIndex.deployer).address;
    const mainClient = publicClientFor(main);
    const cellClient = publicClientFor(cell);
    const dataAnchor = contractAddress(manifest, cell.name, "DataAnchor");
    const ledger = contractAddress(manifest, cell.name, "EventLedger");
    const checkpoints = contractAddress(manifest, main.name, "AnchorCheckpoints");
    expect(dataAnchor).toBe(predictAddress("DataAnchor", deployer));
    expect(checkpoints).toBe(predictAddress("AnchorCheckpoints", deployer));
    expect(manifest.chains[main.name]?.contracts.DataAnchor).toBeUndefined();
    expect(manifest.chains[cell.name]?.contracts.AnchorCheckpoints).toBeUndefined();

    for (const [client, address] of [
      [cellClient, dataAnchor],
      [cellClient, ledger],
      [mainClient, checkpoints],
    ] as const)
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    expect(await mainClient.getCode({ address: dataAnchor })).toBeUndefined();

    const mailbox = contractAddress(manifest, cell.name, "Mailbox");
    expect(await cellClient.readContract({ address: dataAnchor, abi: dataAnchorAbi, functionName: "mailbox" })).toBe(
      mailbox,
    );
    expect(await cellClient.readContract({ address: dataAnchor, abi: dataAnchorAbi, functionName: "mainDomain" })).toBe(
      main.chainId,
    );
    expect(
      await cellClient.readContract({ address: dataAnchor, abi: dataAnchorAbi, functionName: "checkpoints" }),
    ).toBe(checkpoints);
    expect(await cellClient.readContract({ address: ledger, abi: eventLedgerAbi, functionName: "minReporters" })).toBe(
      EVENT_LEDGER_MIN_REPORTERS,
    );
    expect(
      await mainClient.readContract({ address: checkpoints, abi: anchorCheckpointsAbi, functionName: "mailbox" }),
    ).toBe(contractAddress(manifest, main.name, "Mailbox"));
    expect(
      await mainClient.readContract({ address: checkpoints, abi: anchorCheckpointsAbi, functionName: "dataAnchor" }),
    ).toBe(dataAnchor);
  });

  it("resumes without touching what is deployed and initialised", async () => {
    expect(await deployChain(topology, chain("edge"), deployerKey, createLogger({}, { level: "warn" }))).toEqual({
      deployed: [],
      initialized: [],
    });
    expect(await deployChain(topology, chain("main"), deployerKey, createLogger({}, { level: "warn" }))).toEqual({
      deployed: [],
      initialized: [],
    });
  });

  it("anchors a batch on the cell and the relayer carries its checkpoint to main", async () => {
    const main = chain("main");
    const cell = chain("edge");
    const cellClient = publicClientFor(cell);
    const wallet = walletClientFor(cell, rsuKey);
    const dataAnchor: Address = contractAddress(manifest, cell.name, "DataAnchor");
    const checkpoints: Address = contractAddress(manifest, main.name, "AnchorCheckpoints");

    const root = keccak256(stringToHex("edge.deploy.anvil batch 0"));
    const rsuDid = keccak256(stringToHex("did:amc:test:rsu-1"));
    const signature: Hex = toHex(new Uint8Array(64).fill(7));
    const batchId = await cellClient.readContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "nextBatchId",
      args: [rsu],
    });
    expect(batchId).toBe(0n);
    const anchored = await wallet.writeContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchor",
      args: [batchId, root, 12, 1_750_000_000_000n, 1_750_000_004_999n, rsuDid, signature],
    });
    const anchorReceipt = await cellClient.waitForTransactionReceipt({ hash: anchored });
    expect(anchorReceipt.status).toBe("success");

    const stored = await cellClient.readContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorOf",
      args: [rsu, 0n],
    });
    expect(stored).toMatchObject({ root, count: 12, rsuDid, index: 0n, blockNumber: anchorReceipt.blockNumber });
    const anchorsHash = await cellClient.readContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorsHash",
    });
    // docs/edge.md: anchorsHash = keccak256(abi.encode(previous, submitter, batchId, root, count, fromTime, toTime,
    // rsuDid)), from zero.
    const expectedHash = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "address" },
          { type: "uint64" },
          { type: "bytes32" },
          { type: "uint32" },
          { type: "uint64" },
          { type: "uint64" },
          { type: "bytes32" },
        ],
        [zeroHash, rsu, 0n, root, 12, 1_750_000_000_000n, 1_750_000_004_999n, rsuDid],
      ),
    );
    expect(anchorsHash).toBe(expectedHash);

    const checkpointed = await wallet.writeContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "checkpoint",
    });
    expect((await cellClient.waitForTransactionReceipt({ hash: checkpointed })).status).toBe("success");

    const mainClient = publicClientFor(main);
    const [count, hash, receivedAt] = await waitFor(
      async () => {
        const latest = await mainClient.readContract({
          address: checkpoints,
          abi: anchorCheckpointsAbi,
          functionName: "latestCheckpoint",
          args: [cell.chainId],
        });
        return latest[0] > 0n ? latest : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the cell's checkpoint on main" },
    );
    expect(count).toBe(1n);
    expect(hash).toBe(anchorsHash);
    expect(receivedAt).toBeGreaterThan(0n);
    expect(
      await mainClient.readContract({
        address: checkpoints,
        abi: anchorCheckpointsAbi,
        functionName: "checkpointCount",
        args: [cell.chainId],
      }),
    ).toBe(1n);
  });
});
