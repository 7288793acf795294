// The readers against real anvil chains (main with the data module, one edge chain): disclosures anchored before,
// in and after an epoch window, objects of two owners, an ownership change after the epoch end, RSU batches.

import { dataAnchorAbi, dataLedgerAbi, didRegistryAbi, miningPoolAbi } from "@amc/abi";
import {
  contractAddress,
  devAccount,
  devKeyIndex,
  devPrivateKey,
  devPrivateKeyOf,
  platformOperator,
  publicClientFor,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { buildMerkleTree } from "@amc/crypto";
import { type Address, createTestClient, type Hex, http, keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockRangeForWindow,
  computeEpoch,
  type DisclosureEntry,
  disclosureLeafHash,
  type EpochInput,
  type EpochResult,
  miningEmission,
  parseDisclosureExport,
  readDisclosureContributions,
  readMiningPoolEpoch,
  readRsuAnchorContributions,
  recomputeAndCompare,
  verifyRewardProof,
} from "./index.js";

let net: LocalNet;
const OWNER_A = devAccount(7).address;
const OWNER_B = devAccount(8).address;
const OWNER_LATER = devAccount(9).address;
const RSU_1 = devPrivateKey(5);
const RSU_2 = devPrivateKey(6);
const CONSUMER = `did:amc:test:${"c".repeat(64)}`;

const h = (label: string): Hex => keccak256(stringToHex(label));

describe("reward readers on anvil", () => {
  let exported: unknown;
  let computed: { input: EpochInput; result: EpochResult } | undefined;
  let window: { start: bigint; end: bigint };
  let custodian: Address;
  let addresses: { dataLedger: Address; didRegistry: Address; dataAnchor: Address };
  let main: ReturnType<typeof publicClientFor>;
  let edge: ReturnType<typeof publicClientFor>;
  let edgeChainId: number;
  let miningPool: Address | undefined;
  let mainRef: { name: string; chainId: number; rpcUrl: string };

  beforeAll(async () => {
    net = await startLocalNet();
    const [mainChain, edgeRef] = net.topology.chains;
    if (!mainChain || !edgeRef) throw new Error("localNet has no main and edge chain");
    mainRef = mainChain;
    edgeChainId = edgeRef.chainId;
    main = publicClientFor(mainRef);
    edge = publicClientFor(edgeRef);
    const mainTest = createTestClient({ mode: "anvil", transport: http(mainRef.rpcUrl) });
    const edgeTest = createTestClient({ mode: "anvil", transport: http(edgeRef.rpcUrl) });
    addresses = {
      dataLedger: contractAddress(net.manifest, mainRef.name, "DataLedger"),
      didRegistry: contractAddress(net.manifest, mainRef.name, "DIDRegistry"),
      dataAnchor: contractAddress(net.manifest, edgeRef.name, "DataAnchor"),
    };
    const member = walletClientFor(mainRef, devPrivateKey(devKeyIndex.firstMember));
    custodian = member.account.address;
    const send = async (client: typeof main, hash: Promise<Hex>) => {
      const receipt = await client.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== "success") throw new Error("transaction reverted");
      return receipt;
    };

    // Two subjects (organisation DIDs stand in for vehicle DIDs: the reader only asks for their controller).
    const subjects: Hex[] = [];
    for (const [salt, owner] of [
      [h("subject-a"), OWNER_A],
      [h("subject-b"), OWNER_B],
    ] as const) {
      const { result, request } = await main.simulateContract({
        account: member.account,
        address: addresses.didRegistry,
        abi: didRegistryAbi,
        functionName: "create",
        args: [salt, owner, 1],
      });
      await send(main, member.writeContract(request));
      subjects.push(result);
    }
    const [subjectA, subjectB] = subjects as [Hex, Hex];
    const objects = { a1: h("object-a1"), b1: h("object-b1"), a2: h("object-a2") };
    for (const [objectId, subject] of [
      [objects.a1, subjectA],
      [objects.b1, subjectB],
      [objects.a2, subjectA],
    ] as const)
      await send(
        main,
        member.writeContract({
          address: addresses.dataLedger,
          abi: dataLedgerAbi,
          functionName: "registerObject",
          args: [objectId, subject, h(`salted-${objectId}`), 0, `0x${"0".repeat(64)}`, 2n ** 40n],
        }),
      );

    const entries: DisclosureEntry[] = [
      [0n, objects.a1], // anchored before the window
      [1n, objects.a1],
      [2n, objects.b1],
      [3n, objects.a2], // 1..3 anchored in the window
      [4n, objects.b1], // anchored after the window
    ].map(([seq, objectId]) => ({
      seq: seq as bigint,
      objectId: objectId as Hex,
      consumer: CONSUMER,
      purpose: "insurance pricing",
      consentId: h(`consent-${seq}`),
      at: 1_000n + (seq as bigint),
    }));
    const anchorRange = (from: number, to: number) => {
      const root = buildMerkleTree(entries.slice(from, to + 1).map(disclosureLeafHash), { sortLeaves: false }).root;
      return send(
        main,
        member.writeContract({
          address: addresses.dataLedger,
          abi: dataLedgerAbi,
          functionName: "anchorDisclosures",
          args: [root, BigInt(from), BigInt(to)],
        }),
      );
    };
    const rsuAnchor = async (key: Hex, batchId: bigint, count: number) => {
      const rsu = walletClientFor(edgeRef, key);
      await send(
        edge,
        rsu.writeContract({
          address: addresses.dataAnchor,
          abi: dataAnchorAbi,
          functionName: "anchor",
          args: [batchId, h(`batch-${key}-${batchId}`), count, 1n, 2n, h("rsu-did"), `0x${"11".repeat(64)}`],
        }),
      );
    };

    // MiningPool's epoch 1 when the token module is deployed (the test then commits and claims it), else a window
    // well ahead of the chains' clocks.
    miningPool = net.manifest.chains[mainRef.name]?.contracts.MiningPool;
    if (miningPool) {
      window = (await readMiningPoolEpoch({ client: main, miningPool, epoch: 1 })).window;
    } else {
      const mainNow = (await main.getBlock()).timestamp;
      const edgeNow = (await edge.getBlock()).timestamp;
      const now = BigInt(Math.max(Number(mainNow), Number(edgeNow)));
      window = { start: now + 1_000n, end: now + 100_000n };
    }

    await anchorRange(0, 0);
    await rsuAnchor(RSU_1, 0n, 5_000); // before the window
    for (const client of [mainTest, edgeTest]) await client.setNextBlockTimestamp({ timestamp: window.start });
    await anchorRange(1, 2);
    await anchorRange(3, 3);
    await rsuAnchor(RSU_1, 1n, 1_500);
    await rsuAnchor(RSU_2, 0n, 1_200);
    await rsuAnchor(RSU_2, 1n, 1_300);
    for (const client of [mainTest, edgeTest]) await client.setNextBlockTimestamp({ timestamp: window.end });
    // After the epoch end: subject A changes hands (the epoch's reads still go to the owner at its end).
    const ownerA = walletClientFor(mainRef, devPrivateKey(7));
    await send(
      main,
      ownerA.writeContract({
        address: addresses.didRegistry,
        abi: didRegistryAbi,
        functionName: "changeController",
        args: [subjectA, OWNER_LATER],
      }),
    );
    await anchorRange(4, 4);
    await rsuAnchor(RSU_1, 2n, 9_000);

    // The export as JSON (numbers as the gateway lists them).
    exported = JSON.parse(JSON.stringify(entries, (_, v) => (typeof v === "bigint" ? Number(v) : v)));
  });

  afterAll(async () => {
    await net?.stop();
  });

  it("credits verified reads to the owners at the epoch end and RSU batches to their submitters", async () => {
    const blocks = await blockRangeForWindow(main, window);
    const reads = await readDisclosureContributions({
      client: main,
      ...addresses,
      custodian,
      entries: parseDisclosureExport(exported),
      window,
      blocks,
    });
    expect(reads.anchors.map((a) => [a.fromSeq, a.toSeq])).toEqual([
      [1n, 2n],
      [3n, 3n],
    ]);
    expect(reads.unassigned).toEqual([]);
    expect(reads.records.map((r) => [r.beneficiary, r.units, r.evidence])).toEqual([
      [OWNER_A, 1n, `disclosure:${custodian}:1`],
      [OWNER_B, 1n, `disclosure:${custodian}:2`],
      [OWNER_A, 1n, `disclosure:${custodian}:3`],
    ]);

    const anchors = await readRsuAnchorContributions({
      client: edge,
      dataAnchor: addresses.dataAnchor,
      chainId: edgeChainId,
      window,
    });
    const rsu1 = devAccount(5).address;
    const rsu2 = devAccount(6).address;
    expect(anchors.map((r) => [r.beneficiary, r.units])).toEqual([
      [rsu1, 1_500n],
      [rsu2, 1_200n],
      [rsu2, 1_300n],
    ]);

    const input = { epoch: 1, emission: miningEmission(1), records: [...reads.records, ...anchors] };
    const result = computeEpoch(input);
    // A: 2 reads = 20 points; B: 10; RSU 1: floor(1,500 / 1,000) = 1; RSU 2: floor(2,500 / 1,000) = 2.
    const points = Object.fromEntries(result.accounts.map((a) => [a.account, a.points]));
    expect(points).toEqual({ [OWNER_A]: 20n, [OWNER_B]: 10n, [rsu1]: 1n, [rsu2]: 2n });
    expect(result.total).toBeLessThanOrEqual(input.emission);
    expect(recomputeAndCompare(result.root, input).matches).toBe(true);
    computed = { input, result };
  });

  it("commits the epoch to MiningPool, recomputes it from the chain and claims with a proof", async (ctx) => {
    if (!miningPool || !computed) return ctx.skip();
    const { input, result } = computed;
    const root = result.root;
    if (!root) throw new Error("no root");
    // The platform operator commits epochs (MiningPool's distributor, as `amc up` deploys it).
    const distributor = walletClientFor(mainRef, devPrivateKeyOf(platformOperator(net.topology).address)!);
    await main.waitForTransactionReceipt({
      hash: await distributor.writeContract({
        address: miningPool,
        abi: miningPoolAbi,
        functionName: "commitEpoch",
        args: [1n, root, result.total],
      }),
    });
    const onChain = await readMiningPoolEpoch({ client: main, miningPool, epoch: 1 });
    expect(onChain.emission).toBe(input.emission);
    expect(onChain.window).toEqual(window);
    expect(recomputeAndCompare({ root: onChain.root, total: onChain.total }, input)).toMatchObject({
      matches: true,
      differences: [],
    });

    const alice = result.accounts.find((a) => a.account === OWNER_A);
    if (!alice) throw new Error("owner A earned nothing");
    expect(verifyRewardProof(root, alice, alice.proof)).toBe(true);
    const leaf = await main.readContract({
      address: miningPool,
      abi: miningPoolAbi,
      functionName: "leaf",
      args: [1n, OWNER_A, alice.amount],
    });
    expect(leaf).toBe(alice.leaf);
    // The pool accepts our proof (a wrong one would fail with MiningPoolInvalidProof) and then asks the eligibility
    // hook: owner A holds no vehicle or member credential here (an organisation DID stands in for the vehicle), so
    // the claim is refused and nothing is paid (tests/rewards.e2e.anvil.test.ts claims as a real vehicle's owner).
    const refusal = await main
      .simulateContract({
        account: distributor.account,
        address: miningPool,
        abi: miningPoolAbi,
        functionName: "claim",
        args: [1n, OWNER_A, alice.amount, alice.proof],
      })
      .then(
        () => "accepted",
        (error: unknown) => String((error as Error).message),
      );
    expect(refusal).toContain("MiningPoolNotEligible");
    const wrong = await main
      .simulateContract({
        account: distributor.account,
        address: miningPool,
        abi: miningPoolAbi,
        functionName: "claim",
        args: [1n, OWNER_A, alice.amount + 1n, alice.proof],
      })
      .then(
        () => "accepted",
        (error: unknown) => String((error as Error).message),
      );
    expect(wrong).toContain("MiningPoolInvalidProof");
    const claimed = await readMiningPoolEpoch({ client: main, miningPool, epoch: 1 });
    expect(claimed.claimed).toBe(0n);
  });

  it("refuses an export that does not match the anchored roots", async () => {
    const entries = parseDisclosureExport(exported);
    const base = { client: main, ...addresses, custodian, window };
    const altered = entries.map((e) => (e.seq === 2n ? { ...e, purpose: "marketing" } : e));
    await expect(readDisclosureContributions({ ...base, entries: altered })).rejects.toThrow(/does not match/);
    const missing = entries.filter((e) => e.seq !== 3n);
    await expect(readDisclosureContributions({ ...base, entries: missing })).rejects.toThrow(/lacks seq 3/);
    await expect(blockRangeForWindow(main, { start: window.end, end: window.end + 10n ** 9n })).rejects.toThrow(
      /no block at or after/,
    );
  });
});
