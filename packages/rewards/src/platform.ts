// One reward epoch of the running platform, from public records only: the window and emission from MiningPool, the
// consented reads of the data custodian's disclosure export (checked against its anchored DataLedger roots), the
// RSU batches anchored on every edge chain (credited to the RSU DID's controller on main, the RSU operator), and the
// claim eligibility at the window's end. The gateway computes and commits it; `amc token recompute` runs the same
// function from the public export and the chains, and compares the result with the committed root.
import { dataLedgerAbi, didRegistryAbi, iRewardEligibilityAbi, miningPoolAbi } from "@amc/abi";
import { InvalidInputError } from "@amc/utils";
import { type Address, getAddress, type Hex } from "viem";
import { type ContributionRecord, computeEpoch, type EpochInput, type EpochResult, type WeightTable } from "./epoch.js";
import {
  blockRangeForWindow,
  type DisclosureEntry,
  type DisclosureReadResult,
  type EpochWindowSeconds,
  type MiningPoolEpoch,
  parseDisclosureExport,
  type RewardsReadClient,
  readDisclosureContributions,
  readMiningPoolEpoch,
  readRsuAnchorContributions,
} from "./readers.js";

export type PlatformRewardSources = {
  main: {
    client: RewardsReadClient;
    miningPool: Address;
    dataLedger: Address;
    didRegistry: Address;
  };
  /** The data custodian whose disclosure log earns owners their `data-read` points (the gateway's account). */
  custodian?: Address;
  /**
   * The custodian's disclosure export covering sequence numbers `fromSeq..toSeq` (both included): the gateway's
   * `GET /v1/data/disclosures/export?from=&to=` body, or its entries.
   */
  disclosures?: (fromSeq: bigint, toSeq: bigint) => Promise<unknown>;
  /** Edge chains whose DataAnchor batches earn `v2x-anchor` points. */
  edges?: readonly { chainId: number; client: RewardsReadClient; dataAnchor: Address }[];
  weights?: Partial<WeightTable>;
};

export type PlatformEpoch = {
  epoch: bigint;
  window: EpochWindowSeconds;
  /** MiningPool's view: emission, committed root/total, claimed. */
  pool: MiningPoolEpoch;
  /** The main chain's last block before the window's end: owners, controllers and eligibility are read there. */
  mainBlock: bigint;
  input: EpochInput;
  result: EpochResult;
  /** Reads that earn nobody (unknown object, another custodian, no controller). */
  unassigned: DisclosureReadResult["unassigned"];
  /** Accounts whose contributions were left out: no valid vehicle or member credential at the window's end. */
  ineligible: Address[];
};

/**
 * Computes epoch `epoch` from the platform's public records. Throws InvalidInputError while the epoch has not ended
 * on every chain it reads (no block at or after its end yet) or when the export does not match the anchored roots.
 */
export async function computePlatformEpoch(
  sources: PlatformRewardSources,
  epoch: bigint | number,
): Promise<PlatformEpoch> {
  const { main } = sources;
  const pool = await readMiningPoolEpoch({ client: main.client, miningPool: main.miningPool, epoch });
  const { window } = pool;
  const mainBlocks = await blockRangeForWindow(main.client, window);
  const untilEnd = await blockRangeForWindow(main.client, { start: 0n, end: window.end });
  if (untilEnd === null)
    throw new InvalidInputError(`the main chain has no block before epoch ${epoch}'s end ${window.end}`);
  const mainBlock = untilEnd.toBlock;

  const records: ContributionRecord[] = [];
  let unassigned: DisclosureReadResult["unassigned"] = [];
  if (sources.custodian && sources.disclosures && mainBlocks) {
    const custodian = getAddress(sources.custodian);
    const anchored = await main.client.getContractEvents({
      address: main.dataLedger,
      abi: dataLedgerAbi,
      eventName: "DisclosureRootAnchored",
      args: { custodian },
      fromBlock: mainBlocks.fromBlock,
      toBlock: mainBlocks.toBlock,
      strict: true,
    });
    if (anchored.length > 0) {
      // Anchors are contiguous per custodian and the events come in order.
      const fromSeq = anchored[0]!.args.fromSeq;
      const toSeq = anchored[anchored.length - 1]!.args.toSeq;
      const entries: DisclosureEntry[] = [];
      // The export serves at most 100,000 entries per request.
      for (let from = fromSeq; from <= toSeq; from += 100_000n) {
        const to = from + 99_999n < toSeq ? from + 99_999n : toSeq;
        entries.push(...parseDisclosureExport(await sources.disclosures(from, to)));
      }
      const reads = await readDisclosureContributions({
        client: main.client,
        dataLedger: main.dataLedger,
        didRegistry: main.didRegistry,
        custodian,
        entries,
        window,
        blocks: mainBlocks,
      });
      records.push(...reads.records);
      unassigned = reads.unassigned;
    }
  }

  const controllers = new Map<string, Address>();
  const controllerOf = async (id: Hex): Promise<Address> => {
    const key = id.toLowerCase();
    let found = controllers.get(key);
    if (found === undefined) {
      found = await main.client.readContract({
        address: main.didRegistry,
        abi: didRegistryAbi,
        functionName: "controllerOf",
        args: [id],
        blockNumber: mainBlock,
      });
      controllers.set(key, found);
    }
    return found;
  };
  for (const edge of sources.edges ?? [])
    records.push(
      ...(await readRsuAnchorContributions({
        client: edge.client,
        dataAnchor: edge.dataAnchor,
        chainId: edge.chainId,
        window,
        creditTo: async (rsuDid) => {
          const controller = await controllerOf(rsuDid);
          return BigInt(controller) === 0n ? null : controller;
        },
      })),
    );

  // Only accounts of DIDs holding a valid vehicle or member credential may claim (MiningPool's eligibility hook);
  // contributions of others are left out, so that the emission goes to those who can claim it. A read credits the
  // controller of the vehicle read at the window's end, so its credential is that vehicle's: valid while the
  // vehicle's DID is active (scrapping deactivates it); the claim binds the vehicle first (docs/token-rewards.md).
  // Other contributions (RSU batches, credited to the RSU operator) need the account itself to be eligible.
  const eligibility = await main.client.readContract({
    address: main.miningPool,
    abi: miningPoolAbi,
    functionName: "eligibility",
    blockNumber: mainBlock,
  });
  const verdicts = new Map<string, boolean>();
  const check = async (key: string, read: () => Promise<boolean>) => {
    let ok = verdicts.get(key);
    if (ok === undefined) {
      ok = await read();
      verdicts.set(key, ok);
    }
    return ok;
  };
  const counted: ContributionRecord[] = [];
  const ineligible = new Set<Address>();
  for (const record of records) {
    let ok = true;
    if (BigInt(eligibility) !== 0n) {
      const subject = record.kind === "data-read" ? record.subject : undefined;
      ok =
        subject !== undefined
          ? !(await check(`did:${subject.toLowerCase()}`, () =>
              main.client.readContract({
                address: main.didRegistry,
                abi: didRegistryAbi,
                functionName: "isDeactivated",
                args: [subject],
                blockNumber: mainBlock,
              }),
            ))
          : await check(`account:${record.beneficiary.toLowerCase()}`, () =>
              main.client.readContract({
                address: eligibility,
                abi: iRewardEligibilityAbi,
                functionName: "isEligible",
                args: [record.beneficiary],
                blockNumber: mainBlock,
              }),
            );
    }
    if (ok) counted.push(record);
    else ineligible.add(getAddress(record.beneficiary));
  }

  const input: EpochInput = {
    epoch: pool.epoch,
    emission: pool.emission,
    records: counted,
    ...(sources.weights ? { weights: sources.weights } : {}),
  };
  return {
    epoch: pool.epoch,
    window,
    pool,
    mainBlock,
    input,
    result: computeEpoch(input),
    unassigned,
    ineligible: [...ineligible].sort(),
  };
}
