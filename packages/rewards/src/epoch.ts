// One reward epoch, computed from contribution records: points per account, the emission split pro rata, and the
// Merkle root of `(uint64 epoch, address account, uint256 amount)` leaves exactly as MiningPool verifies them
// (OpenZeppelin's StandardMerkleTree leaves). Pure: the same inputs, in any order, give the same root.

import { buildMerkleTree, standardLeafHash, verifyMerkleProof } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import { type Address, getAddress, type Hex, isAddress } from "viem";

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;
const ZERO_ROOT: Hex = `0x${"0".repeat(64)}`;

// ---------------------------------------------------------------------------------------------------------------
// emission schedule (mirror of MiningPool.emission)

/** The mining allocation: 43 % of 300,000,000 AMCT, in token units (18 decimals). */
export const MINING_POOL_ALLOCATION = 129_000_000n * 10n ** 18n;
/** MiningPool stops emitting after this many halvings (`halvings > 255` gives zero). */
export const MAX_HALVINGS = 255n;
/** Platform values: epochs of one week, halving every 104 epochs (two years). */
export const PLATFORM_EPOCH_DURATION = 7n * 24n * 3600n;
export const PLATFORM_HALVING_EPOCHS = 104n;

/** `E0 = 129,000,000e18 / (2 * halvingEpochs)`, rounded down, as MiningPool.initialize sets it. */
export function initialEmission(halvingEpochs: bigint = PLATFORM_HALVING_EPOCHS): bigint {
  if (halvingEpochs <= 0n) throw new InvalidInputError("halvingEpochs must be positive", { fix: "pass e.g. 104n" });
  return MINING_POOL_ALLOCATION / (2n * halvingEpochs);
}

/**
 * The most epoch `epoch` may distribute, as `MiningPool.emission(epoch)` answers: `E0 >> (epoch / halvingEpochs)`,
 * zero once the halvings exceed 255.
 */
export function miningEmission(epoch: bigint | number, halvingEpochs: bigint = PLATFORM_HALVING_EPOCHS): bigint {
  const e = toUint64("epoch", epoch);
  const halvings = e / halvingEpochs;
  return halvings > MAX_HALVINGS ? 0n : initialEmission(halvingEpochs) >> halvings;
}

/** Epoch `epoch`'s window `[start, end)` in unix seconds, as MiningPool numbers epochs (`end` = `epochEnd`). */
export function epochWindow(
  epoch: bigint | number,
  genesis: bigint,
  epochDuration: bigint = PLATFORM_EPOCH_DURATION,
): { start: bigint; end: bigint } {
  const e = toUint64("epoch", epoch);
  if (epochDuration <= 0n) throw new InvalidInputError("epochDuration must be positive", { fix: "pass e.g. 604800n" });
  const start = genesis + e * epochDuration;
  return { start, end: start + epochDuration };
}

// ---------------------------------------------------------------------------------------------------------------
// contributions and weights

/** What a contribution record measures (its `units`). */
export type ContributionKind =
  /** A consented read of a vehicle's data object (disclosure log); units: reads; beneficiary: the vehicle's owner. */
  | "data-read"
  /** V2X messages anchored by an RSU (DataAnchor BatchAnchored); units: messages; beneficiary: the submitter. */
  | "v2x-anchor"
  /** A confirmed map/event report (EventLedger EventConfirmed); units: events; beneficiary: a reporter's owner. */
  | "event-report"
  /** An update accepted in a federated-learning round; units: updates (input slot: no reader yet). */
  | "model-update";

export const CONTRIBUTION_KINDS: readonly ContributionKind[] = [
  "data-read",
  "v2x-anchor",
  "event-report",
  "model-update",
];

/** One measured contribution. */
export type ContributionRecord = {
  kind: ContributionKind;
  /** Who earns it: the address that will claim. */
  beneficiary: Address;
  /** How much was contributed, in the kind's unit (non-negative integer). */
  units: bigint | number;
  /** Where to check it in public records (e.g. "datal:0x…#12", "anchor:31337:0x…:7"); does not affect the root. */
  evidence: string;
  /** The DID id the contribution is about (a read's vehicle), when there is one; does not affect the root. */
  subject?: Hex;
};

/** `points` points for every `per` units (integer arithmetic: see `pointsFor`). */
export type Weight = { points: bigint; per: bigint };
export type WeightTable = Record<ContributionKind, Weight>;

/**
 * Default weights (docs/token-rewards.md): a consented read earns the vehicle's owner 10 points; 1,000 anchored V2X
 * messages earn the RSU operator 1 point; a confirmed event earns each reporting vehicle's owner 5 points; an
 * accepted federated-learning update earns its submitter 10 points (provisional: no reader produces these yet).
 */
export const DEFAULT_WEIGHTS: Readonly<WeightTable> = Object.freeze({
  "data-read": { points: 10n, per: 1n },
  "v2x-anchor": { points: 1n, per: 1_000n },
  "event-report": { points: 5n, per: 1n },
  "model-update": { points: 10n, per: 1n },
});

/**
 * Points for `units` of a kind: `floor(units * points / per)`. It is applied to the sum of an account's units of
 * one kind in the epoch (not to each record), so 2 batches of 600 messages give 1 point, as one batch of 1,200 does.
 */
export function pointsFor(units: bigint, weight: Weight): bigint {
  return (units * weight.points) / weight.per;
}

// ---------------------------------------------------------------------------------------------------------------
// computing an epoch

export type EpochInput = {
  /** The epoch number (uint64). */
  epoch: bigint | number;
  /** What the epoch distributes at most, in token units (the caller's: usually `miningEmission(epoch)`). */
  emission: bigint;
  /** Contribution records, in any order. */
  records: readonly ContributionRecord[];
  /** Weights per kind; missing kinds take DEFAULT_WEIGHTS. */
  weights?: Partial<WeightTable>;
};

/** A leaf as MiningPool pays it. */
export type RewardLeaf = { epoch: bigint; account: Address; amount: bigint };

export type AccountReward = RewardLeaf & {
  /** The account's points (sum over kinds). */
  points: bigint;
  /** `keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))))`. */
  leaf: Hex;
  /** Siblings for `MiningPool.claim(epoch, account, amount, proof)`. */
  proof: Hex[];
  /** Units and points per kind, in CONTRIBUTION_KINDS order (kinds without records left out). */
  contributions: { kind: ContributionKind; units: bigint; points: bigint }[];
  /** The records' evidence references, sorted and de-duplicated. */
  evidence: string[];
  /** The DID ids the account's contributions are about (e.g. its vehicles whose data was read), sorted. */
  subjects: Hex[];
};

export type EpochResult = {
  epoch: bigint;
  emission: bigint;
  weights: WeightTable;
  totalPoints: bigint;
  /** Sum of the leaves' amounts (what `commitEpoch` takes as `total`); never above `emission`. */
  total: bigint;
  /** `emission - total`: the rounding remainder (or everything, without points); MiningPool does not carry it over. */
  unallocated: bigint;
  /** The root to commit; null when no account earns anything (then the epoch is not committed). */
  root: Hex | null;
  /** Leaves with a positive amount, sorted by account (numerically, i.e. by lower-case hex). */
  leaves: RewardLeaf[];
  /** Per account, in the same order as `leaves`. */
  accounts: AccountReward[];
  /** Proofs by checksummed account. */
  proofs: Record<Address, Hex[]>;
  /** Accounts whose points were positive but whose share rounded down to zero (no leaf). */
  dust: Address[];
};

/** MiningPool's leaf for `(epoch, account, amount)`. */
export function rewardLeafHash(epoch: bigint | number, account: Address, amount: bigint): Hex {
  return standardLeafHash(["uint64", "address", "uint256"], [toUint64("epoch", epoch), account, amount]);
}

/** Whether `proof` proves `leaf` under `root` (what `MiningPool.claim` checks, before eligibility and caps). */
export function verifyRewardProof(root: Hex, leaf: RewardLeaf, proof: readonly Hex[]): boolean {
  return verifyMerkleProof(root, rewardLeafHash(leaf.epoch, leaf.account, leaf.amount), proof);
}

/**
 * Computes an epoch: each account's points from the records (units summed per account and kind, then weighted and
 * floored), `amount = floor(emission * points / totalPoints)`, leaves sorted by account, the standard Merkle root
 * and a proof per account. The flooring remainder stays unallocated, so `total <= emission` always.
 * Throws InvalidInputError on a malformed record, weight, epoch or emission.
 */
export function computeEpoch(input: EpochInput): EpochResult {
  const epoch = toUint64("epoch", input.epoch);
  const emission = input.emission;
  if (typeof emission !== "bigint" || emission < 0n || emission > UINT256_MAX)
    throw new InvalidInputError(`emission must be a uint256 bigint, got ${String(emission)}`, {
      fix: "pass the epoch's emission in token units, e.g. miningEmission(epoch)",
    });
  const weights = resolveWeights(input.weights);

  // account (lower-case) -> kind -> { units, evidence }
  const byAccount = new Map<
    string,
    { account: Address; kinds: Map<ContributionKind, bigint>; evidence: Set<string>; subjects: Set<string> }
  >();
  input.records.forEach((record, i) => {
    const { kind, beneficiary, evidence } = record;
    if (!CONTRIBUTION_KINDS.includes(kind))
      throw new InvalidInputError(`record ${i} has an unknown kind: ${String(kind)}`, {
        fix: `use one of ${CONTRIBUTION_KINDS.join(", ")}`,
      });
    if (typeof beneficiary !== "string" || !isAddress(beneficiary, { strict: false }) || BigInt(beneficiary) === 0n)
      throw new InvalidInputError(`record ${i} has no valid beneficiary: ${String(beneficiary)}`, {
        fix: "pass the 20-byte address that will claim (not the zero address)",
      });
    const units = toUnits(`record ${i} units`, record.units);
    if (typeof evidence !== "string")
      throw new InvalidInputError(`record ${i} has no evidence reference`, { fix: "pass a string" });
    const key = beneficiary.toLowerCase();
    let entry = byAccount.get(key);
    if (!entry) {
      entry = { account: getAddress(beneficiary), kinds: new Map(), evidence: new Set(), subjects: new Set() };
      byAccount.set(key, entry);
    }
    entry.kinds.set(kind, (entry.kinds.get(kind) ?? 0n) + units);
    entry.evidence.add(evidence);
    if (record.subject !== undefined) entry.subjects.add(record.subject.toLowerCase());
  });

  const scored = [...byAccount.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => {
      const contributions = CONTRIBUTION_KINDS.filter((kind) => entry.kinds.has(kind)).map((kind) => {
        const units = entry.kinds.get(kind) ?? 0n;
        return { kind, units, points: pointsFor(units, weights[kind]) };
      });
      const points = contributions.reduce((sum, c) => sum + c.points, 0n);
      return {
        account: entry.account,
        contributions,
        points,
        evidence: [...entry.evidence].sort(),
        subjects: [...entry.subjects].sort() as Hex[],
      };
    });
  const totalPoints = scored.reduce((sum, s) => sum + s.points, 0n);

  const dust: Address[] = [];
  const paid = scored.flatMap((s) => {
    if (s.points === 0n) return [];
    const amount = (emission * s.points) / totalPoints;
    if (amount === 0n) {
      dust.push(s.account);
      return [];
    }
    return [{ ...s, amount, leaf: rewardLeafHash(epoch, s.account, amount) }];
  });
  const total = paid.reduce((sum, p) => sum + p.amount, 0n);
  if (total > emission) throw new Error(`invariant broken: epoch ${epoch} total ${total} exceeds emission ${emission}`);

  const tree = paid.length === 0 ? undefined : buildMerkleTree(paid.map((p) => p.leaf));
  const accounts: AccountReward[] = paid.map((p, i) => ({
    epoch,
    account: p.account,
    amount: p.amount,
    points: p.points,
    leaf: p.leaf,
    proof: tree ? tree.getProof(i) : [],
    contributions: p.contributions,
    evidence: p.evidence,
    subjects: p.subjects,
  }));
  const proofs: Record<Address, Hex[]> = {};
  for (const a of accounts) proofs[a.account] = a.proof;

  return {
    epoch,
    emission,
    weights,
    totalPoints,
    total,
    unallocated: emission - total,
    root: tree ? tree.root : null,
    leaves: accounts.map(({ epoch: e, account, amount }) => ({ epoch: e, account, amount })),
    accounts,
    proofs,
    dust,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// recomputing and comparing

/** What was committed: a root (MiningPool `epochs(e).root`), optionally its total and the published leaves. */
export type CommittedEpoch = { root: Hex | null; total?: bigint; leaves?: readonly RewardLeaf[] };

export type EpochComparison = {
  matches: boolean;
  ourRoot: Hex | null;
  result: EpochResult;
  /** Human-readable differences, empty when everything given matches. */
  differences: string[];
};

/**
 * Recomputes an epoch from `input` and compares it with what was committed: the root (a zero or null committed
 * root means "not committed", which matches an epoch with no rewards), the total and the leaves when given.
 */
export function recomputeAndCompare(committed: Hex | null | CommittedEpoch, input: EpochInput): EpochComparison {
  const result = computeEpoch(input);
  const given: CommittedEpoch = committed === null || typeof committed === "string" ? { root: committed } : committed;
  const theirRoot = given.root === null || BigInt(given.root) === 0n ? null : given.root.toLowerCase();
  const differences: string[] = [];
  if (theirRoot !== result.root)
    differences.push(`root: committed ${theirRoot ?? ZERO_ROOT}, recomputed ${result.root ?? ZERO_ROOT}`);
  if (given.total !== undefined && given.total !== result.total)
    differences.push(`total: committed ${given.total}, recomputed ${result.total}`);
  if (given.leaves) {
    const ours = new Map(result.leaves.map((l) => [l.account.toLowerCase(), l]));
    const theirs = new Map<string, RewardLeaf>();
    for (const l of given.leaves) {
      const key = l.account.toLowerCase();
      if (theirs.has(key)) differences.push(`leaf ${getAddress(l.account)}: committed twice`);
      theirs.set(key, l);
      if (l.epoch !== result.epoch)
        differences.push(`leaf ${getAddress(l.account)}: epoch ${l.epoch}, expected ${result.epoch}`);
    }
    const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
    for (const key of keys) {
      const o = ours.get(key);
      const t = theirs.get(key);
      const name = getAddress(key);
      if (!t) differences.push(`leaf ${name}: missing from the commitment (recomputed ${o?.amount})`);
      else if (!o) differences.push(`leaf ${name}: committed ${t.amount}, recomputed nothing`);
      else if (o.amount !== t.amount) differences.push(`leaf ${name}: committed ${t.amount}, recomputed ${o.amount}`);
    }
  }
  return { matches: differences.length === 0, ourRoot: result.root, result, differences };
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

function resolveWeights(overrides: Partial<WeightTable> | undefined): WeightTable {
  const weights = { ...DEFAULT_WEIGHTS, ...(overrides ?? {}) } as WeightTable;
  for (const kind of CONTRIBUTION_KINDS) {
    const w = weights[kind];
    if (!w || typeof w.points !== "bigint" || typeof w.per !== "bigint" || w.points < 0n || w.per <= 0n)
      throw new InvalidInputError(`weight of ${kind} is invalid`, {
        fix: "pass { points, per } as bigints with points >= 0 and per > 0",
      });
  }
  return weights;
}

function toUint64(what: string, value: bigint | number): bigint {
  const v = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== "bigint" || v < 0n || v > UINT64_MAX)
    throw new InvalidInputError(`${what} must be a uint64, got ${String(value)}`, {
      fix: "pass a non-negative integer",
    });
  return v;
}

function toUnits(what: string, value: bigint | number): bigint {
  const v = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== "bigint" || v < 0n)
    throw new InvalidInputError(`${what} must be a non-negative integer, got ${String(value)}`, {
      fix: "count whole units (reads, messages, events, updates)",
    });
  return v;
}
