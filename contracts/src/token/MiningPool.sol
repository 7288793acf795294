// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IMiningPool} from "./IMiningPool.sol";
import {IRewardEligibility} from "./IRewardEligibility.sol";
import {AMCTAllocations as A} from "./AMCTAllocations.sol";

/// @title MiningPool
/// @notice The data-mining allocation of AMCT: a decaying emission per epoch, Merkle roots committed by the epoch
///         committer, claims with proofs here or from other chains through the Mailbox (see IMiningPool).
/// @dev The emission is computed from the allocation (129,000,000e18), not from the balance, so the schedule is fixed
///      before the token mints into the pool. Paid leaves are keyed by their leaf hash, shared by local and
///      cross-chain claims, so a reward cannot be taken twice across chains. An epoch's total and claimed sum share
///      a slot (both below 2^128: the whole supply is below 2^89).
contract MiningPool is IMiningPool {
    using SafeERC20 for IERC20;

    /// @dev The most halvings before the emission is zero (`E0 >> 256` would be zero anyway).
    uint256 private constant MAX_HALVINGS = 255;

    /// @inheritdoc IMiningPool
    address public immutable initializer;

    /// @inheritdoc IMiningPool
    IERC20 public token;
    /// @inheritdoc IMiningPool
    address public governance;
    /// @inheritdoc IMiningPool
    address public distributor;
    /// @inheritdoc IMiningPool
    address public mailbox;
    /// @inheritdoc IMiningPool
    address public eligibility;
    /// @inheritdoc IMiningPool
    uint64 public genesis;
    /// @inheritdoc IMiningPool
    uint64 public epochDuration;
    /// @inheritdoc IMiningPool
    uint64 public halvingEpochs;
    /// @inheritdoc IMiningPool
    uint256 public totalCommitted;
    /// @inheritdoc IMiningPool
    uint256 public totalClaimed;

    /// @dev Emission of the epochs before the first halving: MINING / (2 * halvingEpochs).
    uint256 private _initialEmission;

    mapping(uint64 epoch => Epoch) private _epochs;
    mapping(bytes32 leaf => bool) private _claimed;
    mapping(uint32 origin => mapping(bytes32 sender => bool)) private _remotes;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert MiningPoolOnlyGovernance(msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IMiningPool
    function initialize(InitParams calldata p) external {
        if (msg.sender != initializer) revert MiningPoolNotInitializer(msg.sender);
        if (address(token) != address(0)) revert MiningPoolAlreadyInitialized();
        if (
            address(p.token) == address(0) || p.governance == address(0) || p.distributor == address(0)
                || p.genesis == 0 || p.epochDuration == 0 || p.halvingEpochs == 0
                || (p.remoteSender == bytes32(0) && p.remoteOrigins.length != 0)
        ) revert MiningPoolInvalidInitParams();
        token = p.token;
        governance = p.governance;
        distributor = p.distributor;
        mailbox = p.mailbox;
        eligibility = p.eligibility;
        genesis = p.genesis;
        epochDuration = p.epochDuration;
        halvingEpochs = p.halvingEpochs;
        _initialEmission = A.MINING / (2 * uint256(p.halvingEpochs));
        emit Initialized(p.token, p.governance, p.mailbox, p.genesis, p.epochDuration, p.halvingEpochs);
        emit DistributorChanged(p.distributor);
        emit EligibilityChanged(p.eligibility);
        for (uint256 i; i < p.remoteOrigins.length; ++i) {
            _remotes[p.remoteOrigins[i]][p.remoteSender] = true;
            emit RemoteChanged(p.remoteOrigins[i], p.remoteSender, true);
        }
    }

    // ---------------------------------------------------------------- epochs and claims

    /// @inheritdoc IMiningPool
    function commitEpoch(uint64 epoch, bytes32 root, uint256 total) external {
        if (msg.sender != distributor) revert MiningPoolNotDistributor(msg.sender);
        uint256 endsAt = epochEnd(epoch);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < endsAt) revert MiningPoolEpochNotEnded(epoch, endsAt);
        if (root == bytes32(0)) revert MiningPoolZeroRoot();
        Epoch storage e = _epochs[epoch];
        if (e.root != bytes32(0)) revert MiningPoolEpochAlreadyCommitted(epoch);
        uint256 cap = emission(epoch);
        if (total > cap) revert MiningPoolExceedsEmission(epoch, total, cap);
        e.root = root;
        // forge-lint: disable-next-line(unsafe-typecast) bounded by the emission, below 2^128
        e.total = uint128(total);
        totalCommitted += total;
        emit EpochCommitted(epoch, root, total);
    }

    /// @inheritdoc IMiningPool
    function claim(uint64 epoch, address account, uint256 amount, bytes32[] calldata proof) external {
        bytes32 root = _epochs[epoch].root;
        if (root == bytes32(0)) revert MiningPoolEpochNotCommitted(epoch);
        bytes32 node = leaf(epoch, account, amount);
        if (!MerkleProof.verifyCalldata(proof, root, node)) revert MiningPoolInvalidProof(epoch, account, amount);
        _pay(epoch, account, amount, node, uint32(block.chainid));
    }

    /// @notice Pays a claim proven on another chain (see IMiningPool): Mailbox only, from an allowed (origin, sender).
    /// @dev Body: `abi.encode(uint64 epoch, address account, uint256 amount)`, a leaf proven on the origin chain. A
    ///      revert (e.g. the epoch is not committed here yet) leaves the message undelivered, to be retried.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != mailbox || msg.sender == address(0)) revert MiningPoolNotMailbox(msg.sender);
        if (msg.value != 0) revert MiningPoolValueNotAccepted(msg.value);
        if (!_remotes[origin][sender]) revert MiningPoolUnauthorizedRemote(origin, sender);
        if (body.length != 96) revert MiningPoolMalformedBody(body.length);
        (uint64 epoch, address account, uint256 amount) = abi.decode(body, (uint64, address, uint256));
        if (_epochs[epoch].root == bytes32(0)) revert MiningPoolEpochNotCommitted(epoch);
        _pay(epoch, account, amount, leaf(epoch, account, amount), origin);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IMiningPool
    function setDistributor(address distributor_) external onlyGovernance {
        if (distributor_ == address(0)) revert MiningPoolZeroAddress();
        distributor = distributor_;
        emit DistributorChanged(distributor_);
    }

    /// @inheritdoc IMiningPool
    function setEligibility(address eligibility_) external onlyGovernance {
        eligibility = eligibility_;
        emit EligibilityChanged(eligibility_);
    }

    /// @inheritdoc IMiningPool
    function setRemote(uint32 origin, bytes32 sender, bool allowed) external onlyGovernance {
        _remotes[origin][sender] = allowed;
        emit RemoteChanged(origin, sender, allowed);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMiningPool
    function emission(uint64 epoch) public view returns (uint256) {
        uint64 interval = halvingEpochs;
        if (interval == 0) return 0;
        uint256 halvings = epoch / interval;
        return halvings > MAX_HALVINGS ? 0 : _initialEmission >> halvings;
    }

    /// @inheritdoc IMiningPool
    function epochEnd(uint64 epoch) public view returns (uint256) {
        return uint256(genesis) + (uint256(epoch) + 1) * epochDuration;
    }

    /// @inheritdoc IMiningPool
    function currentEpoch() external view returns (uint64) {
        uint64 d = epochDuration;
        // forge-lint: disable-next-line(block-timestamp)
        if (d == 0 || block.timestamp < genesis) return 0;
        return uint64((block.timestamp - genesis) / d);
    }

    /// @inheritdoc IMiningPool
    function epochs(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc IMiningPool
    function isClaimed(uint64 epoch, address account, uint256 amount) external view returns (bool) {
        return _claimed[leaf(epoch, account, amount)];
    }

    /// @inheritdoc IMiningPool
    function isRemoteAllowed(uint32 origin, bytes32 sender) external view returns (bool) {
        return _remotes[origin][sender];
    }

    /// @inheritdoc IMiningPool
    function leaf(uint64 epoch, address account, uint256 amount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))));
    }

    // ---------------------------------------------------------------- internals

    /// @dev Pays a proven leaf once, within the epoch's committed total, to an eligible account.
    function _pay(uint64 epoch, address account, uint256 amount, bytes32 node, uint32 origin) private {
        if (_claimed[node]) revert MiningPoolAlreadyClaimed(epoch, account, amount);
        address hook = eligibility;
        if (hook != address(0) && !IRewardEligibility(hook).isEligible(account)) {
            revert MiningPoolNotEligible(account);
        }
        Epoch storage e = _epochs[epoch];
        uint256 claimed = uint256(e.claimed) + amount;
        if (claimed > e.total) revert MiningPoolEpochTotalExceeded(epoch, claimed, e.total);
        _claimed[node] = true;
        // forge-lint: disable-next-line(unsafe-typecast) bounded by the emission, below 2^128
        e.claimed = uint128(claimed);
        totalClaimed += amount;
        emit Claimed(epoch, account, amount, origin);
        token.safeTransfer(account, amount);
    }
}
