// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IMessageRecipient} from "../xchain/interfaces/IMessageRecipient.sol";

/// @title IMiningPool
/// @notice The data-mining allocation of AMCT (43 %, 129,000,000 AMCT), paid out by epoch. Off chain, the epoch
///         committer computes each account's reward for an epoch from measurable contributions and commits the
///         Merkle root of `(epoch, account, amount)` leaves with their total; accounts then claim with a proof.
///
///         Emission schedule (finite, decaying): epochs are `epochDuration` seconds from `genesis`, numbered from 0.
///         Epoch `e` may distribute at most `emission(e) = E0 >> (e / halvingEpochs)` where
///         `E0 = 129,000,000e18 / (2 * halvingEpochs)` (rounded down): the emission halves every `halvingEpochs`
///         epochs and is zero from the 256th halving on. The sum over all epochs is at most
///         `halvingEpochs * E0 * (1 + 1/2 + 1/4 + ...) < 2 * halvingEpochs * E0 <= 129,000,000e18`, so the pool
///         can never be asked for more than it holds. Half the pool is emitted in the first `halvingEpochs` epochs.
///         What an epoch's committed total leaves of its emission is not carried over. (Platform values: epochs of
///         one week, halving every 104 epochs, two years: E0 = 620,192.307692307692307692 AMCT.)
///
///         Leaves are the standard double-hashed leaves of OpenZeppelin's merkle-tree library (its
///         `StandardMerkleTree.of(values, ["uint64", "address", "uint256"])`):
///         `keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))))`. Each leaf is paid once, whether
///         claimed here or on another chain, and the sum paid in an epoch never exceeds its committed total.
///
///         Cross-chain: rewards earned on an edge or side chain are proven there (against the same root, relayed to
///         that chain) and a claim message comes through the Mailbox from an allow-listed (origin, sender); the pool
///         pays it from its balance, under the same once-per-leaf, per-epoch cap and eligibility rules. No path mints.
///         Body: `abi.encode(uint64 epoch, address account, uint256 amount)` (96 bytes).
/// @dev Governance (the Consortium) changes the distributor, the eligibility hook and the allowed remote senders.
interface IMiningPool is IMessageRecipient {
    /// @notice Initialisation parameters.
    /// @param token AMCT.
    /// @param governance The Consortium (governance-only setters).
    /// @param distributor The epoch committer: the only account that commits epoch roots.
    /// @param mailbox The local Mailbox (zero: no cross-chain claims).
    /// @param eligibility An IRewardEligibility (zero: everyone may claim).
    /// @param genesis Unix time at which epoch 0 starts.
    /// @param epochDuration Seconds per epoch (> 0).
    /// @param halvingEpochs Epochs between halvings of the emission (> 0).
    /// @param remoteSender The claim sender allowed on every origin of `remoteOrigins` (the RemoteRewardClaims
    ///        contract, at the same address on every chain); zero only if `remoteOrigins` is empty.
    /// @param remoteOrigins Domains whose `remoteSender` may send claims from the start, so the deployer wires the
    ///        edge chains without a governance vote (governance changes them later with `setRemote`).
    struct InitParams {
        IERC20 token;
        address governance;
        address distributor;
        address mailbox;
        address eligibility;
        uint64 genesis;
        uint64 epochDuration;
        uint64 halvingEpochs;
        bytes32 remoteSender;
        uint32[] remoteOrigins;
    }

    /// @notice A committed epoch.
    /// @param root Merkle root of the epoch's leaves (zero: not committed).
    /// @param total Sum of the leaves' amounts, at most `emission(epoch)`.
    /// @param claimed Sum paid so far, at most `total`.
    struct Epoch {
        bytes32 root;
        uint128 total;
        uint128 claimed;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error MiningPoolNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error MiningPoolAlreadyInitialized();
    /// @notice `initialize` got a zero token, governance or distributor, a zero genesis, epoch duration or halving
    ///         interval, or remote origins with a zero remote sender.
    error MiningPoolInvalidInitParams();
    /// @notice A governance-only function was called by another account than governance.
    error MiningPoolOnlyGovernance(address caller);
    /// @notice `commitEpoch` was called by another account than the distributor.
    error MiningPoolNotDistributor(address caller);
    /// @notice A setter got the zero address where one is required.
    error MiningPoolZeroAddress();
    /// @notice The epoch ends at `endsAt`, after the current block time: it cannot be committed yet.
    error MiningPoolEpochNotEnded(uint64 epoch, uint256 endsAt);
    /// @notice The epoch already has a root.
    error MiningPoolEpochAlreadyCommitted(uint64 epoch);
    /// @notice `commitEpoch` got a zero root.
    error MiningPoolZeroRoot();
    /// @notice The committed total exceeds the epoch's emission.
    error MiningPoolExceedsEmission(uint64 epoch, uint256 total, uint256 emission);
    /// @notice The epoch has no root yet.
    error MiningPoolEpochNotCommitted(uint64 epoch);
    /// @notice This leaf was already paid.
    error MiningPoolAlreadyClaimed(uint64 epoch, address account, uint256 amount);
    /// @notice The proof does not lead from the leaf to the epoch's root.
    error MiningPoolInvalidProof(uint64 epoch, address account, uint256 amount);
    /// @notice The eligibility hook refuses the account.
    error MiningPoolNotEligible(address account);
    /// @notice Paying would take the epoch's claimed sum to `claimed`, above its committed `total`.
    error MiningPoolEpochTotalExceeded(uint64 epoch, uint256 claimed, uint256 total);
    /// @notice `handle` was called by another account than the Mailbox.
    error MiningPoolNotMailbox(address caller);
    /// @notice The message's (origin, sender) is not allowed to send claims.
    error MiningPoolUnauthorizedRemote(uint32 origin, bytes32 sender);
    /// @notice The message body is not 96 bytes.
    error MiningPoolMalformedBody(uint256 length);
    /// @notice `handle` was sent native value, which the pool would lock.
    error MiningPoolValueNotAccepted(uint256 value);

    /// @notice Emitted once, by `initialize`.
    event Initialized(
        IERC20 indexed token,
        address indexed governance,
        address indexed mailbox,
        uint64 genesis,
        uint64 epochDuration,
        uint64 halvingEpochs
    );
    /// @notice The distributor (epoch committer) changed.
    event DistributorChanged(address indexed distributor);
    /// @notice The eligibility hook changed (zero: everyone may claim).
    event EligibilityChanged(address indexed eligibility);
    /// @notice `(origin, sender)` was allowed or disallowed to send cross-chain claims.
    event RemoteChanged(uint32 indexed origin, bytes32 indexed sender, bool allowed);
    /// @notice The distributor committed an epoch's root and total.
    event EpochCommitted(uint64 indexed epoch, bytes32 root, uint256 total);
    /// @notice A leaf was paid; `origin` is the domain where it was claimed (this chain's id for local claims).
    event Claimed(uint64 indexed epoch, address indexed account, uint256 amount, uint32 origin);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the parameters. Once, by the initializer. Allows `(origin, p.remoteSender)` for every origin of
    ///         `p.remoteOrigins`, emitting `RemoteChanged` for each.
    function initialize(InitParams calldata p) external;

    /// @notice Commits epoch `epoch`'s root and total. Distributor only; the epoch must have ended, must not be
    ///         committed yet, and `total` must not exceed `emission(epoch)`.
    function commitEpoch(uint64 epoch, bytes32 root, uint256 total) external;

    /// @notice Pays `amount` to `account` for `epoch`, proven by `proof` against the epoch's root. Anyone may submit
    ///         (the tokens always go to `account`).
    function claim(uint64 epoch, address account, uint256 amount, bytes32[] calldata proof) external;

    /// @notice Sets the distributor. Governance only.
    function setDistributor(address distributor_) external;

    /// @notice Sets the eligibility hook (zero: everyone). Governance only.
    function setEligibility(address eligibility_) external;

    /// @notice Allows or disallows `(origin, sender)` to send cross-chain claims. Governance only.
    function setRemote(uint32 origin, bytes32 sender, bool allowed) external;

    /// @notice The token held.
    function token() external view returns (IERC20);

    /// @notice Governance (the Consortium).
    function governance() external view returns (address);

    /// @notice The epoch committer.
    function distributor() external view returns (address);

    /// @notice The local Mailbox (zero: no cross-chain claims).
    function mailbox() external view returns (address);

    /// @notice The eligibility hook (zero: everyone may claim).
    function eligibility() external view returns (address);

    /// @notice Unix time at which epoch 0 starts.
    function genesis() external view returns (uint64);

    /// @notice Seconds per epoch.
    function epochDuration() external view returns (uint64);

    /// @notice Epochs between halvings.
    function halvingEpochs() external view returns (uint64);

    /// @notice The most epoch `epoch` may distribute (see the schedule above).
    function emission(uint64 epoch) external view returns (uint256);

    /// @notice Unix time at which epoch `epoch` ends (and may be committed).
    function epochEnd(uint64 epoch) external view returns (uint256);

    /// @notice The epoch running at the current block time (0 before genesis).
    function currentEpoch() external view returns (uint64);

    /// @notice The epoch's root, total and claimed sum (all zero if not committed).
    function epochs(uint64 epoch) external view returns (Epoch memory);

    /// @notice Whether the leaf `(epoch, account, amount)` was paid.
    function isClaimed(uint64 epoch, address account, uint256 amount) external view returns (bool);

    /// @notice Whether `(origin, sender)` may send cross-chain claims.
    function isRemoteAllowed(uint32 origin, bytes32 sender) external view returns (bool);

    /// @notice Sum of all committed epoch totals.
    function totalCommitted() external view returns (uint256);

    /// @notice Sum paid so far, over all epochs and origins.
    function totalClaimed() external view returns (uint256);

    /// @notice The leaf of `(epoch, account, amount)`: `keccak256(bytes.concat(keccak256(abi.encode(...))))`.
    function leaf(uint64 epoch, address account, uint256 amount) external pure returns (bytes32);
}
