// @amc/rewards: reproducible data-mining reward epochs (docs/token-rewards.md).
//
// - `computeEpoch({ epoch, emission, records, weights? })` turns contribution records (kind, beneficiary, units,
//   evidence) into points per account, splits the emission pro rata with floor division (the remainder stays
//   unallocated, so the total never exceeds the emission), and returns the leaves sorted by account, the root of
//   OpenZeppelin-standard `(uint64 epoch, address account, uint256 amount)` leaves that MiningPool verifies, and a
//   proof per account. The same records in any order give the same root.
// - Readers build the records from public records: a custodian's disclosure export checked against its anchored
//   DataLedger roots and credited to vehicle owners (`readDisclosureContributions`), RSU batches from DataAnchor
//   (`readRsuAnchorContributions`), confirmed events with caller-named reporters (`eventReportContributions`).
// - `recomputeAndCompare(committed, input)` recomputes an epoch and reports whether it matches a committed root.
// - `computePlatformEpoch(sources, epoch)` puts it together for the running platform (what the gateway commits and
//   `amc token recompute` checks).
// - `readMiningPoolEpoch` reads an epoch's window, emission and committed root from MiningPool; `miningEmission`
//   and `epochWindow` compute the same schedule and windows off chain.
export {
  type AccountReward,
  CONTRIBUTION_KINDS,
  type CommittedEpoch,
  type ContributionKind,
  type ContributionRecord,
  computeEpoch,
  DEFAULT_WEIGHTS,
  type EpochComparison,
  type EpochInput,
  type EpochResult,
  epochWindow,
  initialEmission,
  MAX_HALVINGS,
  MINING_POOL_ALLOCATION,
  miningEmission,
  PLATFORM_EPOCH_DURATION,
  PLATFORM_HALVING_EPOCHS,
  pointsFor,
  type RewardLeaf,
  recomputeAndCompare,
  rewardLeafHash,
  verifyRewardProof,
  type Weight,
  type WeightTable,
} from "./epoch.js";
export { computePlatformEpoch, type PlatformEpoch, type PlatformRewardSources } from "./platform.js";
export {
  type BlockRange,
  blockRangeForWindow,
  type DisclosureEntry,
  type DisclosureReadResult,
  disclosureLeafHash,
  type EpochWindowSeconds,
  eventReportContributions,
  type MiningPoolEpoch,
  parseDisclosureExport,
  type RewardsReadClient,
  readDisclosureContributions,
  readMiningPoolEpoch,
  readRsuAnchorContributions,
  type VerifiedDisclosureAnchor,
} from "./readers.js";
