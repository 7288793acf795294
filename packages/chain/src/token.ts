// AMCT's figures and schedules in TypeScript, mirroring the contracts exactly (contracts/src/token): the whitepaper's
// allocation (AMCTAllocations), the technology and foundation vesting (AllocationVesting.vested), the mining pool's
// emission (MiningPool.emission). Everything is bigint token units (18 decimals) and Unix seconds, so any schedule can
// be computed at any date without a chain; `tokenStatus` reads what the deployed contracts hold.
import { allocationVestingAbi, aMCTAbi, miningPoolAbi, operationsReserveAbi } from "@amc/abi";
import type { Address } from "viem";
import type { ChainPublicClient } from "./clients.js";
import { contractAddress, type DeploymentManifest } from "./manifest.js";

/** Total and fixed supply: 300,000,000 AMCT. */
export const TOTAL_SUPPLY = 300_000_000n * 10n ** 18n;
/** Mining 43 %: the data-mining pool (129,000,000 AMCT). */
export const MINING = (TOTAL_SUPPLY * 43n) / 100n;
/** IDO 20 %: unlocked at launch (60,000,000 AMCT). */
export const IDO = (TOTAL_SUPPLY * 20n) / 100n;
/** Technology 12.5 %: locked 3 years, then 2 % of the supply a year, linearly (37,500,000 AMCT). */
export const TECHNOLOGY = (TOTAL_SUPPLY * 125n) / 1000n;
/** Operations 9.5 %: released by governance decision, each release public (28,500,000 AMCT). */
export const OPERATIONS = (TOTAL_SUPPLY * 95n) / 1000n;
/** Foundation 15 %: locked 5 years, then 1 % of the supply a quarter, in steps (45,000,000 AMCT). */
export const FOUNDATION = (TOTAL_SUPPLY * 15n) / 100n;

/** A year: 365 days, in seconds. */
export const YEAR = 365n * 86_400n;
/** A quarter: a fourth of a 365-day year (91.25 days, 7,884,000 s). */
export const QUARTER = YEAR / 4n;
/** Technology lock: 3 years after launch. */
export const TECHNOLOGY_CLIFF = 3n * YEAR;
/** Technology release rate: 2 % of the supply (6,000,000 AMCT) per year, accruing every second. */
export const TECHNOLOGY_PER_YEAR = (TOTAL_SUPPLY * 2n) / 100n;
/** Foundation lock: 5 years after launch. */
export const FOUNDATION_CLIFF = 5n * YEAR;
/** Foundation release: 1 % of the supply (3,000,000 AMCT) at the end of each quarter after the lock. */
export const FOUNDATION_PER_QUARTER = TOTAL_SUPPLY / 100n;

/** The platform's mining epochs: one week (deploy.ts initialises the MiningPool with it). */
export const MINING_EPOCH_SECONDS = 7n * 86_400n;
/** Epochs between halvings of the mining emission: 104 (two years of weekly epochs). */
export const MINING_HALVING_EPOCHS = 104n;
/** MiningPool's MAX_HALVINGS: from the 256th halving on the emission is zero. */
const MAX_HALVINGS = 255n;

export type VestingKind = "technology" | "foundation";
/** IAllocationVesting.Kind's values. */
export const vestingKindCode = { technology: 0, foundation: 1 } as const;

/** IAllocationVesting.Schedule, as AllocationVesting.initialize sets it for a kind and start. */
export type VestingSchedule = {
  kind: VestingKind;
  stepped: boolean;
  start: bigint;
  cliff: bigint;
  period: bigint;
  duration: bigint;
  amountPerPeriod: bigint;
  total: bigint;
};

/** The schedule of `kind` from launch time `start` (Unix seconds). */
export function vestingSchedule(kind: VestingKind, start: bigint): VestingSchedule {
  return kind === "technology"
    ? {
        kind,
        stepped: false,
        start,
        cliff: TECHNOLOGY_CLIFF,
        period: YEAR,
        // 37,500,000 at 6,000,000 a year: 6.25 years = 197,100,000 s after the lock.
        duration: (TECHNOLOGY * YEAR) / TECHNOLOGY_PER_YEAR,
        amountPerPeriod: TECHNOLOGY_PER_YEAR,
        total: TECHNOLOGY,
      }
    : {
        kind,
        stepped: true,
        start,
        cliff: FOUNDATION_CLIFF,
        period: QUARTER,
        // 45,000,000 at 3,000,000 a quarter: 15 quarters = 118,260,000 s after the lock.
        duration: (FOUNDATION / FOUNDATION_PER_QUARTER) * QUARTER,
        amountPerPeriod: FOUNDATION_PER_QUARTER,
        total: FOUNDATION,
      };
}

/** Total of `kind` vested at Unix time `at` for launch `start`: AllocationVesting.vested(at), to the token unit. */
export function vestedAt(kind: VestingKind, start: bigint, at: bigint): bigint {
  const s = vestingSchedule(kind, start);
  const unlock = s.start + s.cliff;
  if (at <= unlock) return 0n;
  const elapsed = at - unlock;
  if (elapsed >= s.duration) return s.total;
  const amount = s.stepped ? s.amountPerPeriod * (elapsed / s.period) : (s.amountPerPeriod * elapsed) / s.period;
  // The contract's `amount < total ? amount : total` (Math.min does not take bigints).
  if (amount >= s.total) return s.total;
  return amount;
}

/** The most mining epoch `epoch` may distribute: MiningPool.emission(epoch), E0 >> (epoch / halvingEpochs). */
export function emission(epoch: bigint, halvingEpochs: bigint = MINING_HALVING_EPOCHS): bigint {
  if (halvingEpochs <= 0n) return 0n;
  const halvings = epoch / halvingEpochs;
  return halvings > MAX_HALVINGS ? 0n : (MINING / (2n * halvingEpochs)) >> halvings;
}

/** The sum of `emission(e)` over the first `epochs` epochs: the most the pool can have distributed by then. */
export function cumulativeEmission(epochs: bigint, halvingEpochs: bigint = MINING_HALVING_EPOCHS): bigint {
  if (halvingEpochs <= 0n || epochs <= 0n) return 0n;
  const initial = MINING / (2n * halvingEpochs);
  let sum = 0n;
  for (let halvings = 0n; halvings <= MAX_HALVINGS && epochs > halvings * halvingEpochs; halvings++) {
    const inBlock = epochs - halvings * halvingEpochs;
    sum += (inBlock < halvingEpochs ? inBlock : halvingEpochs) * (initial >> halvings);
  }
  return sum;
}

export type AllocationName = "mining" | "ido" | "technology" | "operations" | "foundation";

/** How an allocation is released. */
export type ReleaseRule =
  | "epoch emission" // mining: at most emission(e) per ended epoch, claimed with proofs
  | "at launch" // IDO
  | "linear after lock" // technology
  | "quarterly after lock" // foundation
  | "governance release"; // operations

export type AllocationAt = {
  name: AllocationName;
  /** The manifest name of the contract holding it ("IDO" for the IDO account). */
  holder: "MiningPool" | "IDO" | "TechnologyVesting" | "OperationsReserve" | "FoundationVesting";
  /** Share of the supply in basis points. */
  shareBps: number;
  total: bigint;
  rule: ReleaseRule;
  /**
   * What the schedule makes available by the date: vested (technology, foundation), everything from launch (IDO),
   * the summed emission of the epochs ended by then (mining), what governance released (operations; null when not
   * read from a chain: no schedule decides it).
   */
  vested: bigint | null;
  /** `total - vested` (null when `vested` is). */
  locked: bigint | null;
};

/** Launch-independent description of the five allocations, in the whitepaper's order. */
export const allocations: readonly {
  name: AllocationName;
  holder: AllocationAt["holder"];
  shareBps: number;
  total: bigint;
  rule: ReleaseRule;
}[] = [
  { name: "mining", holder: "MiningPool", shareBps: 4300, total: MINING, rule: "epoch emission" },
  { name: "ido", holder: "IDO", shareBps: 2000, total: IDO, rule: "at launch" },
  { name: "technology", holder: "TechnologyVesting", shareBps: 1250, total: TECHNOLOGY, rule: "linear after lock" },
  { name: "operations", holder: "OperationsReserve", shareBps: 950, total: OPERATIONS, rule: "governance release" },
  { name: "foundation", holder: "FoundationVesting", shareBps: 1500, total: FOUNDATION, rule: "quarterly after lock" },
];

export type AllocationScheduleOptions = {
  /** OperationsReserve.released() (read from chain); without it the operations row shows only its total. */
  operationsReleased?: bigint;
  /** The mining pool's genesis, epoch length and halving interval (default: launch, one week, 104). */
  mining?: { genesis?: bigint; epochDuration?: bigint; halvingEpochs?: bigint };
};

/** Every allocation's total, vested and locked amounts at Unix time `at`, for launch time `start`. */
export function allocationSchedule(start: bigint, at: bigint, options: AllocationScheduleOptions = {}): AllocationAt[] {
  const genesis = options.mining?.genesis ?? start;
  const epochDuration = options.mining?.epochDuration ?? MINING_EPOCH_SECONDS;
  const halvingEpochs = options.mining?.halvingEpochs ?? MINING_HALVING_EPOCHS;
  const endedEpochs = at >= genesis && epochDuration > 0n ? (at - genesis) / epochDuration : 0n;
  return allocations.map((a) => {
    let vested: bigint | null;
    switch (a.name) {
      case "mining":
        vested = cumulativeEmission(endedEpochs, halvingEpochs);
        break;
      case "ido":
        vested = at >= start ? a.total : 0n;
        break;
      case "technology":
      case "foundation":
        vested = vestedAt(a.name, start, at);
        break;
      case "operations":
        vested = options.operationsReleased ?? null;
        break;
    }
    return { ...a, vested, locked: vested === null ? null : a.total - vested };
  });
}

export type VestingStatus = {
  address: Address;
  beneficiary: Address;
  start: bigint;
  balance: bigint;
  vested: bigint;
  releasable: bigint;
  released: bigint;
};

export type TokenStatus = {
  chain: string;
  token: Address;
  /** The time the figures are computed for (Unix seconds; default: the latest block's). */
  at: bigint;
  /** Launch time: the vestings' start. */
  launch: bigint;
  totalSupply: bigint;
  /** Balance of each allocation's holder. */
  balances: Record<AllocationName, bigint>;
  ido: Address;
  technology: VestingStatus;
  foundation: VestingStatus;
  operations: { address: Address; governance: Address; balance: bigint; released: bigint };
  mining: {
    address: Address;
    balance: bigint;
    genesis: bigint;
    epochDuration: bigint;
    halvingEpochs: bigint;
    currentEpoch: bigint;
    currentEmission: bigint;
    totalCommitted: bigint;
    totalClaimed: bigint;
  };
  schedule: AllocationAt[];
};

/** Reads the token's allocations from the contracts on `chainName` (the main chain) at `at` (default: now on chain). */
export async function tokenStatus(
  client: ChainPublicClient,
  manifest: DeploymentManifest,
  chainName: string,
  at?: bigint,
): Promise<TokenStatus> {
  const token = contractAddress(manifest, chainName, "AMCT");
  const pool = contractAddress(manifest, chainName, "MiningPool");
  const reserve = contractAddress(manifest, chainName, "OperationsReserve");
  const when = at ?? (await client.getBlock({ blockTag: "latest" })).timestamp;
  const balanceOf = (account: Address) =>
    client.readContract({ address: token, abi: aMCTAbi, functionName: "balanceOf", args: [account] });
  const vesting = async (name: "TechnologyVesting" | "FoundationVesting"): Promise<VestingStatus> => {
    const address = contractAddress(manifest, chainName, name);
    const read = <F extends "beneficiary" | "schedule" | "released">(functionName: F) =>
      client.readContract({ address, abi: allocationVestingAbi, functionName });
    const [beneficiary, schedule, released, vested, releasable, balance] = await Promise.all([
      read("beneficiary"),
      read("schedule"),
      read("released"),
      client.readContract({ address, abi: allocationVestingAbi, functionName: "vested", args: [when] }),
      client.readContract({ address, abi: allocationVestingAbi, functionName: "releasable", args: [when] }),
      balanceOf(address),
    ]);
    return { address, beneficiary, start: schedule.start, balance, vested, releasable, released };
  };
  const readPool = <
    F extends "genesis" | "epochDuration" | "halvingEpochs" | "currentEpoch" | "totalCommitted" | "totalClaimed",
  >(
    functionName: F,
  ) => client.readContract({ address: pool, abi: miningPoolAbi, functionName });
  const [totalSupply, recipients, technology, foundation, governance, opsReleased, opsBalance, poolBalance] =
    await Promise.all([
      client.readContract({ address: token, abi: aMCTAbi, functionName: "totalSupply" }),
      client.readContract({ address: token, abi: aMCTAbi, functionName: "recipients" }),
      vesting("TechnologyVesting"),
      vesting("FoundationVesting"),
      client.readContract({ address: reserve, abi: operationsReserveAbi, functionName: "governance" }),
      client.readContract({ address: reserve, abi: operationsReserveAbi, functionName: "released" }),
      balanceOf(reserve),
      balanceOf(pool),
    ]);
  const [genesis, epochDuration, halvingEpochs, currentEpoch, totalCommitted, totalClaimed] = await Promise.all([
    readPool("genesis"),
    readPool("epochDuration"),
    readPool("halvingEpochs"),
    readPool("currentEpoch"),
    readPool("totalCommitted"),
    readPool("totalClaimed"),
  ]);
  const currentEmission = await client.readContract({
    address: pool,
    abi: miningPoolAbi,
    functionName: "emission",
    args: [currentEpoch],
  });
  const idoBalance = await balanceOf(recipients.ido);
  return {
    chain: chainName,
    token,
    at: when,
    launch: technology.start,
    totalSupply,
    balances: {
      mining: poolBalance,
      ido: idoBalance,
      technology: technology.balance,
      operations: opsBalance,
      foundation: foundation.balance,
    },
    ido: recipients.ido,
    technology,
    foundation,
    operations: { address: reserve, governance, balance: opsBalance, released: opsReleased },
    mining: {
      address: pool,
      balance: poolBalance,
      genesis,
      epochDuration,
      halvingEpochs,
      currentEpoch,
      currentEmission,
      totalCommitted,
      totalClaimed,
    },
    schedule: allocationSchedule(technology.start, when, {
      operationsReleased: opsReleased,
      mining: { genesis, epochDuration, halvingEpochs },
    }),
  };
}
