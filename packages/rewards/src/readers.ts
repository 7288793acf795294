// Readers that turn public records into contribution records for an epoch window [start, end):
// - consented reads: a custodian's disclosure-log export, verified against the roots it anchored in DataLedger, each
//   read credited to the owner (DIDRegistry controller, at the window's last block) of the object's subject vehicle;
// - V2X anchoring: DataAnchor BatchAnchored events on an edge chain, credited to the submitting RSU operator;
// - confirmed events: EventLedger only keeps the reporter count and a root, so the caller names the reporters' owners.
// A record belongs to the epoch in which it became public on chain: the block timestamp of its anchor (disclosure
// root or V2X batch) lies in the window. Once the window's blocks exist nothing can join it, so a recomputation at
// any later time reads the same records.

import { dataAnchorAbi, dataLedgerAbi, didRegistryAbi, miningPoolAbi } from "@amc/abi";
import { buildMerkleTree } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  isAddress,
  isHex,
  keccak256,
  type PublicClient,
  stringToHex,
} from "viem";
import type { ContributionRecord } from "./epoch.js";

/** The reads a reader needs from a chain (a viem public client). */
export type RewardsReadClient = Pick<
  PublicClient,
  "getBlock" | "getBlockNumber" | "getContractEvents" | "readContract"
>;

/** The window `[start, end)` in unix seconds. */
export type EpochWindowSeconds = { start: bigint; end: bigint };

/** The blocks of a chain whose timestamps lie in a window (inclusive bounds; null when no block does). */
export type BlockRange = { fromBlock: bigint; toBlock: bigint } | null;

/**
 * The blocks whose timestamp lies in `[start, end)`, found by binary search. Throws InvalidInputError when the
 * chain has no block at or after `end` yet (the window is still open there, so its records are not final).
 */
export async function blockRangeForWindow(client: RewardsReadClient, window: EpochWindowSeconds): Promise<BlockRange> {
  // Uncached: viem caches the block number for a few seconds, which would hide a block that just ended the epoch.
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const times = new Map<bigint, bigint>();
  const timeOf = async (n: bigint) => {
    let t = times.get(n);
    if (t === undefined) {
      t = (await client.getBlock({ blockNumber: n })).timestamp;
      times.set(n, t);
    }
    return t;
  };
  if ((await timeOf(latest)) < window.end)
    throw new InvalidInputError(`the chain has no block at or after the epoch end ${window.end} yet`, {
      fix: "recompute once the epoch has ended on every chain it reads (a block with timestamp >= end exists)",
    });
  // First block with timestamp >= t (latest qualifies for t <= end).
  const firstAtOrAfter = async (t: bigint) => {
    let lo = 0n;
    let hi = latest;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if ((await timeOf(mid)) >= t) hi = mid;
      else lo = mid + 1n;
    }
    return lo;
  };
  const fromBlock = await firstAtOrAfter(window.start);
  const toBlock = (await firstAtOrAfter(window.end)) - 1n;
  return toBlock < fromBlock ? null : { fromBlock, toBlock };
}

// ---------------------------------------------------------------------------------------------------------------
// MiningPool

/** An epoch as MiningPool sees it: its window, emission and what was committed and claimed. */
export type MiningPoolEpoch = {
  epoch: bigint;
  window: EpochWindowSeconds;
  emission: bigint;
  /** The committed root, null when the epoch is not committed. */
  root: Hex | null;
  total: bigint;
  claimed: bigint;
};

/** Reads epoch `epoch` from MiningPool (`genesis`, `epochDuration`, `emission`, `epochs`), the input of a recompute. */
export async function readMiningPoolEpoch(params: {
  client: RewardsReadClient;
  miningPool: Address;
  epoch: bigint | number;
  blockNumber?: bigint;
}): Promise<MiningPoolEpoch> {
  const { client, miningPool } = params;
  const epoch = BigInt(params.epoch);
  const at = params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber };
  const [genesis, epochDuration, emission, committed] = await Promise.all([
    client.readContract({ address: miningPool, abi: miningPoolAbi, functionName: "genesis", ...at }),
    client.readContract({ address: miningPool, abi: miningPoolAbi, functionName: "epochDuration", ...at }),
    client.readContract({ address: miningPool, abi: miningPoolAbi, functionName: "emission", args: [epoch], ...at }),
    client.readContract({ address: miningPool, abi: miningPoolAbi, functionName: "epochs", args: [epoch], ...at }),
  ]);
  const start = genesis + epoch * epochDuration;
  return {
    epoch,
    window: { start, end: start + epochDuration },
    emission,
    root: BigInt(committed.root) === 0n ? null : committed.root,
    total: committed.total,
    claimed: committed.claimed,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// disclosure log

/** One disclosure-log entry as the data service exports it (numbers may be JSON numbers or decimal strings). */
export type DisclosureEntry = {
  seq: bigint;
  objectId: Hex;
  /** The consumer's DID (`did:amc:<network>:<64 hex>`) or its bytes32 id. */
  consumer: string;
  purpose: string;
  consentId: Hex;
  at: bigint;
};

/**
 * Parses a disclosure export: a JSON array (or `{ entries: [...] }`) of `{ seq, objectId, consumer, purpose,
 * consentId, at }`, as `GET /v1/data/disclosures` lists them. Throws InvalidInputError on anything else.
 */
export function parseDisclosureExport(json: unknown): DisclosureEntry[] {
  const list = Array.isArray(json)
    ? json
    : json && typeof json === "object" && "entries" in json
      ? json.entries
      : undefined;
  if (!Array.isArray(list))
    throw new InvalidInputError("a disclosure export must be an array of entries (or { entries: [...] })", {
      fix: "export the custodian's disclosure log as JSON",
    });
  return list.map((raw: unknown, i): DisclosureEntry => {
    const bad = (field: string) =>
      new InvalidInputError(`disclosure export entry ${i} has an invalid ${field}`, {
        fix: "each entry needs seq, objectId (bytes32), consumer (DID), purpose, consentId (bytes32), at",
      });
    if (!raw || typeof raw !== "object") throw bad("shape");
    const e = raw as Record<string, unknown>;
    const int = (field: string): bigint => {
      const v = e[field];
      if (typeof v === "bigint" && v >= 0n) return v;
      if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
      if (typeof v === "string" && /^[0-9]+$/.test(v)) return BigInt(v);
      throw bad(field);
    };
    const bytes32 = (field: string): Hex => {
      const v = e[field];
      if (typeof v !== "string" || !isHex(v) || v.length !== 66) throw bad(field);
      return v.toLowerCase() as Hex;
    };
    if (typeof e.consumer !== "string") throw bad("consumer");
    if (typeof e.purpose !== "string") throw bad("purpose");
    consumerId(e.consumer, i);
    return {
      seq: int("seq"),
      objectId: bytes32("objectId"),
      consumer: e.consumer,
      purpose: e.purpose,
      consentId: bytes32("consentId"),
      at: int("at"),
    };
  });
}

const DID = /^did:amc:[a-z0-9-]+:([0-9a-f]{64})$/;

function consumerId(consumer: string, i: number | bigint): Hex {
  const match = DID.exec(consumer);
  if (match) return `0x${match[1]}`;
  if (isHex(consumer) && consumer.length === 66) return consumer.toLowerCase() as Hex;
  throw new InvalidInputError(`disclosure entry ${i}: consumer is neither a did:amc DID nor a bytes32 id`, {
    fix: "pass the consumer as did:amc:<network>:<64 hex digits>",
  });
}

/**
 * The disclosure log's leaf (docs/data-sharing.md): `keccak256(abi.encode(uint64 seq, bytes32 objectId,
 * bytes32 consumerDidId, bytes32 keccak256(purpose), bytes32 consentId, uint64 at))`, hashed once, in a tree kept
 * in sequence order.
 */
export function disclosureLeafHash(entry: DisclosureEntry): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint64" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint64" },
      ],
      [
        entry.seq,
        entry.objectId,
        consumerId(entry.consumer, entry.seq),
        keccak256(stringToHex(entry.purpose)),
        entry.consentId,
        entry.at,
      ],
    ),
  );
}

/** A DisclosureRootAnchored event in the window, verified against the export. */
export type VerifiedDisclosureAnchor = {
  index: bigint;
  root: Hex;
  fromSeq: bigint;
  toSeq: bigint;
  blockNumber: bigint;
};

export type DisclosureReadResult = {
  records: ContributionRecord[];
  anchors: VerifiedDisclosureAnchor[];
  /** Reads that earn nobody: the object is unknown, registered by another custodian, or its subject has no controller. */
  unassigned: { seq: bigint; objectId: Hex; reason: string }[];
  /** The block at which owners were read (the window's last block on this chain), null when the window is empty. */
  ownersAtBlock: bigint | null;
};

/**
 * Builds `data-read` records for one custodian: the disclosure roots it anchored in the window are recomputed from
 * `entries` (all entries of each anchored range must be there, unchanged; entries outside those ranges are ignored)
 * and each read is credited, 1 unit, to `DIDRegistry.controllerOf(subject)` at the window's last block, where the
 * subject is the vehicle DID id that `DataLedger.ObjectRegistered` recorded for the object (by this custodian).
 * Throws InvalidInputError when the export does not match the anchored roots.
 */
export async function readDisclosureContributions(params: {
  client: RewardsReadClient;
  dataLedger: Address;
  didRegistry: Address;
  custodian: Address;
  entries: readonly DisclosureEntry[];
  window: EpochWindowSeconds;
  /** The window's blocks, when already known (else found with blockRangeForWindow). */
  blocks?: BlockRange;
}): Promise<DisclosureReadResult> {
  const { client, dataLedger, didRegistry } = params;
  const custodian = getAddress(params.custodian);
  const blocks = params.blocks !== undefined ? params.blocks : await blockRangeForWindow(client, params.window);
  if (blocks === null) return { records: [], anchors: [], unassigned: [], ownersAtBlock: null };

  const bySeq = new Map<bigint, DisclosureEntry>();
  for (const entry of params.entries) {
    if (bySeq.has(entry.seq))
      throw new InvalidInputError(`the disclosure export lists seq ${entry.seq} twice`, {
        fix: "export each disclosure once",
      });
    bySeq.set(entry.seq, entry);
  }

  const logs = await client.getContractEvents({
    address: dataLedger,
    abi: dataLedgerAbi,
    eventName: "DisclosureRootAnchored",
    args: { custodian },
    fromBlock: blocks.fromBlock,
    toBlock: blocks.toBlock,
    strict: true,
  });
  const anchors: VerifiedDisclosureAnchor[] = [];
  const counted: DisclosureEntry[] = [];
  for (const log of logs) {
    const { index, root, fromSeq, toSeq } = log.args;
    const range: DisclosureEntry[] = [];
    for (let seq = fromSeq; seq <= toSeq; seq++) {
      const entry = bySeq.get(seq);
      if (!entry)
        throw new InvalidInputError(`the disclosure export lacks seq ${seq} of anchored range ${fromSeq}..${toSeq}`, {
          details: `anchor ${index} of ${custodian} in block ${log.blockNumber}`,
          fix: "export every entry of the ranges anchored in the epoch",
        });
      range.push(entry);
    }
    const ours = buildMerkleTree(range.map(disclosureLeafHash), { sortLeaves: false }).root;
    if (ours !== root.toLowerCase())
      throw new InvalidInputError(
        `the disclosure export does not match anchored root ${index} (${fromSeq}..${toSeq})`,
        {
          details: `anchored ${root}, recomputed ${ours}`,
          fix: "use the custodian's unaltered disclosure export",
        },
      );
    anchors.push({ index, root, fromSeq, toSeq, blockNumber: log.blockNumber });
    counted.push(...range);
  }

  // objectId -> ObjectRegistered (subject, custodian), up to the window's end.
  const objectIds = [...new Set(counted.map((e) => e.objectId))];
  const registered = new Map<string, { subject: Hex; custodian: Address }>();
  for (let i = 0; i < objectIds.length; i += 100) {
    const chunk = objectIds.slice(i, i + 100);
    const found = await client.getContractEvents({
      address: dataLedger,
      abi: dataLedgerAbi,
      eventName: "ObjectRegistered",
      args: { objectId: chunk },
      fromBlock: 0n,
      toBlock: blocks.toBlock,
      strict: true,
    });
    for (const log of found) {
      const key = log.args.objectId.toLowerCase();
      if (!registered.has(key)) registered.set(key, { subject: log.args.subject, custodian: log.args.custodian });
    }
  }

  const controllers = new Map<string, Address>();
  const controllerOf = async (subject: Hex): Promise<Address> => {
    const key = subject.toLowerCase();
    let controller = controllers.get(key);
    if (controller === undefined) {
      controller = await client.readContract({
        address: didRegistry,
        abi: didRegistryAbi,
        functionName: "controllerOf",
        args: [subject],
        blockNumber: blocks.toBlock,
      });
      controllers.set(key, controller);
    }
    return controller;
  };

  const records: ContributionRecord[] = [];
  const unassigned: DisclosureReadResult["unassigned"] = [];
  for (const entry of counted) {
    const object = registered.get(entry.objectId.toLowerCase());
    if (!object) {
      unassigned.push({ seq: entry.seq, objectId: entry.objectId, reason: "object not registered in DataLedger" });
      continue;
    }
    if (getAddress(object.custodian) !== custodian) {
      unassigned.push({ seq: entry.seq, objectId: entry.objectId, reason: `registered by ${object.custodian}` });
      continue;
    }
    const owner = await controllerOf(object.subject);
    if (BigInt(owner) === 0n) {
      unassigned.push({
        seq: entry.seq,
        objectId: entry.objectId,
        reason: `subject ${object.subject} has no controller`,
      });
      continue;
    }
    records.push({
      kind: "data-read",
      beneficiary: owner,
      units: 1n,
      evidence: `disclosure:${custodian}:${entry.seq}`,
      subject: object.subject,
    });
  }
  return { records, anchors, unassigned, ownersAtBlock: blocks.toBlock };
}

// ---------------------------------------------------------------------------------------------------------------
// V2X anchoring

/**
 * Builds `v2x-anchor` records from one chain's DataAnchor: every BatchAnchored event in the window's blocks
 * credits `count` messages to its `submitter` (the RSU operator's key). `chainId` only labels the evidence.
 */
export async function readRsuAnchorContributions(params: {
  client: RewardsReadClient;
  dataAnchor: Address;
  chainId: number;
  window: EpochWindowSeconds;
  blocks?: BlockRange;
  /**
   * Who earns a batch of the RSU whose DID id is `rsuDid` (e.g. its DID's controller on main, the RSU operator);
   * null credits nobody. Without it the batch's submitter (the RSU's transaction key) earns.
   */
  creditTo?: (rsuDid: Hex, submitter: Address) => Promise<Address | null>;
}): Promise<ContributionRecord[]> {
  const blocks = params.blocks !== undefined ? params.blocks : await blockRangeForWindow(params.client, params.window);
  if (blocks === null) return [];
  const logs = await params.client.getContractEvents({
    address: params.dataAnchor,
    abi: dataAnchorAbi,
    eventName: "BatchAnchored",
    fromBlock: blocks.fromBlock,
    toBlock: blocks.toBlock,
    strict: true,
  });
  const records: ContributionRecord[] = [];
  for (const log of logs) {
    const submitter = getAddress(log.args.submitter);
    const beneficiary = params.creditTo ? await params.creditTo(log.args.rsuDid, submitter) : submitter;
    if (beneficiary === null || BigInt(beneficiary) === 0n) continue;
    records.push({
      kind: "v2x-anchor" as const,
      beneficiary: getAddress(beneficiary),
      units: BigInt(log.args.count),
      evidence: `anchor:${params.chainId}:${submitter}:${log.args.batchId}`,
    });
  }
  return records;
}

// ---------------------------------------------------------------------------------------------------------------
// confirmed events

/**
 * Builds `event-report` records: one unit per confirmed event for each reporting vehicle's owner. EventLedger keeps
 * only the reporter count and a root of the reports, so the caller supplies the owners (de-duplicated per event).
 */
export function eventReportContributions(
  events: readonly { eventId: Hex; reporterOwners: readonly Address[] }[],
): ContributionRecord[] {
  return events.flatMap((event) => {
    const owners = new Set<string>();
    for (const owner of event.reporterOwners) {
      if (!isAddress(owner, { strict: false }))
        throw new InvalidInputError(`event ${event.eventId}: reporter owner ${owner} is not an address`, {
          fix: "pass 20-byte addresses",
        });
      owners.add(getAddress(owner));
    }
    return [...owners].map((owner) => ({
      kind: "event-report" as const,
      beneficiary: owner as Address,
      units: 1n,
      evidence: `event:${event.eventId.toLowerCase()}`,
    }));
  });
}
