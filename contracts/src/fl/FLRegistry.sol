// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IFLRegistry} from "./IFLRegistry.sol";
import {IConsortium} from "../governance/IConsortium.sol";

/// @title FLRegistry
/// @notice Federated-learning tasks, their chain of rounds, the RSUs' cell aggregates and the published global models
///         (see IFLRegistry).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code. A task takes two slots (owner,
///      m and round count share one). A round takes four: base hash, model hash, one packed slot of status, times and
///      counters, one of metrics; opening writes two, publishing three. A cell aggregate takes three, its status and
///      drop code packed with operator, count, mode and time, so accepting or dropping a cell rewrites one warm slot.
///      Publishing walks only the calldata lists: duplicates and accepted-and-dropped cells are caught by the cell's
///      status, written as each cell is visited.
contract FLRegistry is IFLRegistry {
    /// @dev A task; the first three fields share one slot.
    struct StoredTask {
        address owner;
        uint32 minContributors;
        uint64 roundCount;
        bytes32 configHash;
    }

    /// @dev A round: the hashes, then one packed slot, then the metrics in one slot.
    struct StoredRound {
        bytes32 baseModelHash;
        bytes32 modelHash;
        RoundStatus status;
        uint40 openedAt;
        uint40 publishedAt;
        uint32 cellCount;
        uint32 acceptedCount;
        uint32 droppedCount;
        uint64 contributors;
        Metrics metrics;
    }

    /// @dev A cell aggregate; the first six fields share one slot.
    struct StoredCell {
        address operator;
        uint32 contributors;
        uint8 mode;
        uint40 committedAt;
        CellStatus status;
        uint8 dropCode;
        bytes32 aggregateHash;
        bytes32 contributorsRoot;
    }

    bytes32 private constant RSU_OPERATOR = keccak256("RSU_OPERATOR");
    /// @dev Lowest m: an aggregate of one vehicle is that vehicle's update.
    uint32 private constant MIN_CONTRIBUTORS_FLOOR = 2;
    /// @dev Highest aggregation mode: 0 Paillier, 1 masking.
    uint8 private constant MAX_MODE = 1;
    /// @dev Drop reason codes: 0 below-min-contributors ... 5 other.
    uint8 private constant DROP_BELOW_MIN = 0;
    uint8 private constant MAX_DROP_CODE = 5;
    uint32 private constant MAX_BPS = 10_000;

    /// @inheritdoc IFLRegistry
    address public immutable initializer;

    /// @inheritdoc IFLRegistry
    address public consortium;

    mapping(bytes32 taskId => StoredTask) private _tasks;
    mapping(bytes32 taskId => mapping(uint64 round => StoredRound)) private _rounds;
    mapping(bytes32 taskId => mapping(uint64 round => mapping(bytes32 cellId => StoredCell))) private _cells;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IFLRegistry
    function initialize(address consortium_) external {
        if (msg.sender != initializer) revert FLRegistryNotInitializer(msg.sender);
        if (consortium != address(0)) revert FLRegistryAlreadyInitialized();
        if (consortium_ == address(0)) revert FLRegistryZeroAddress();
        consortium = consortium_;
        emit Initialized(consortium_);
    }

    // ---------------------------------------------------------------- tasks and rounds

    /// @inheritdoc IFLRegistry
    function createTask(bytes32 taskId, bytes32 configHash, uint32 minContributors, string calldata name) external {
        _requireMember(_consortium());
        StoredTask storage t = _tasks[taskId];
        if (t.owner != address(0)) revert FLRegistryTaskExists(taskId);
        if (minContributors < MIN_CONTRIBUTORS_FLOOR) revert FLRegistryMinContributorsTooLow(minContributors);
        if (configHash == bytes32(0)) revert FLRegistryZeroHash();
        t.owner = msg.sender;
        t.minContributors = minContributors;
        t.configHash = configHash;
        emit TaskCreated(taskId, msg.sender, configHash, minContributors, name);
    }

    /// @inheritdoc IFLRegistry
    function openRound(bytes32 taskId, uint64 round_, bytes32 baseModelHash) external {
        StoredTask storage t = _ownedTask(taskId);
        uint64 next = t.roundCount;
        if (round_ != next) revert FLRegistryRoundOutOfOrder(taskId, next, round_);
        if (next == 0) {
            if (baseModelHash == bytes32(0)) revert FLRegistryZeroHash();
        } else {
            StoredRound storage prev = _rounds[taskId][next - 1];
            // Rounds open only after the previous one is published, so only the last can be open.
            if (prev.status != RoundStatus.Published) revert FLRegistryRoundStillOpen(taskId, next - 1);
            bytes32 expected = prev.modelHash;
            if (baseModelHash != expected) revert FLRegistryBaseModelMismatch(taskId, expected, baseModelHash);
        }
        t.roundCount = next + 1;
        StoredRound storage r = _rounds[taskId][round_];
        r.baseModelHash = baseModelHash;
        r.status = RoundStatus.Open;
        r.openedAt = _now();
        emit RoundOpened(taskId, round_, baseModelHash);
    }

    /// @inheritdoc IFLRegistry
    function commitCellAggregate(
        bytes32 taskId,
        uint64 round_,
        bytes32 cellId,
        bytes32 aggregateHash,
        bytes32 contributorsRoot,
        uint32 contributors,
        uint8 mode
    ) external {
        if (!IConsortium(_consortium()).hasRole(RSU_OPERATOR, msg.sender)) {
            revert FLRegistryNotRsuOperator(msg.sender);
        }
        StoredRound storage r = _rounds[taskId][round_];
        if (r.status != RoundStatus.Open) revert FLRegistryRoundNotOpen(taskId, round_);
        StoredCell storage c = _cells[taskId][round_][cellId];
        if (c.status != CellStatus.None) revert FLRegistryCellAlreadyCommitted(taskId, round_, cellId);
        if (aggregateHash == bytes32(0) || contributorsRoot == bytes32(0)) revert FLRegistryZeroHash();
        if (contributors == 0) revert FLRegistryNoContributors();
        if (mode > MAX_MODE) revert FLRegistryInvalidMode(mode);
        c.operator = msg.sender;
        c.contributors = contributors;
        c.mode = mode;
        c.committedAt = _now();
        c.status = CellStatus.Committed;
        c.aggregateHash = aggregateHash;
        c.contributorsRoot = contributorsRoot;
        // A round holds far fewer than 2^32 cells: one transaction each.
        unchecked {
            ++r.cellCount;
        }
        emit CellAggregateCommitted(
            taskId, round_, cellId, aggregateHash, contributorsRoot, contributors, mode, msg.sender
        );
    }

    /// @inheritdoc IFLRegistry
    function publishRound(
        bytes32 taskId,
        uint64 round_,
        bytes32 modelHash,
        bytes32[] calldata acceptedCells,
        Dropped[] calldata dropped,
        Metrics calldata metrics,
        string calldata modelURI
    ) external {
        uint32 m = _ownedTask(taskId).minContributors;
        StoredRound storage r = _rounds[taskId][round_];
        if (r.status != RoundStatus.Open) revert FLRegistryRoundNotOpen(taskId, round_);
        if (modelHash == bytes32(0)) revert FLRegistryZeroHash();
        if (acceptedCells.length == 0) revert FLRegistryNoAcceptedCells();
        if (metrics.f1Bps > MAX_BPS || metrics.precisionBps > MAX_BPS || metrics.recallBps > MAX_BPS) {
            revert FLRegistryInvalidMetrics();
        }
        uint64 contributors = _accept(_cells[taskId][round_], acceptedCells, m);
        _drop(taskId, round_, dropped, m);

        // Each listed cell was committed once in this round, so both counts are at most `cellCount` < 2^32.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 acceptedCount = uint32(acceptedCells.length);
        r.modelHash = modelHash;
        r.status = RoundStatus.Published;
        r.publishedAt = _now();
        r.acceptedCount = acceptedCount;
        // forge-lint: disable-next-line(unsafe-typecast)
        r.droppedCount = uint32(dropped.length);
        r.contributors = contributors;
        r.metrics = metrics;
        emit RoundPublished(taskId, round_, modelHash, acceptedCount, contributors, metrics.f1Bps);
        emit ModelURIPublished(taskId, round_, modelURI);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IFLRegistry
    function task(bytes32 taskId) external view returns (Task memory t) {
        StoredTask storage s = _tasks[taskId];
        t.owner = s.owner;
        t.minContributors = s.minContributors;
        t.roundCount = s.roundCount;
        t.configHash = s.configHash;
    }

    /// @inheritdoc IFLRegistry
    function taskOwner(bytes32 taskId) external view returns (address) {
        return _tasks[taskId].owner;
    }

    /// @inheritdoc IFLRegistry
    function round(bytes32 taskId, uint64 round_) external view returns (Round memory r) {
        StoredRound storage s = _rounds[taskId][round_];
        r.status = s.status;
        r.openedAt = s.openedAt;
        r.publishedAt = s.publishedAt;
        r.cellCount = s.cellCount;
        r.acceptedCount = s.acceptedCount;
        r.droppedCount = s.droppedCount;
        r.contributors = s.contributors;
        r.baseModelHash = s.baseModelHash;
        r.modelHash = s.modelHash;
        r.metrics = s.metrics;
    }

    /// @inheritdoc IFLRegistry
    function roundCount(bytes32 taskId) external view returns (uint64) {
        return _tasks[taskId].roundCount;
    }

    /// @inheritdoc IFLRegistry
    function latestModel(bytes32 taskId) external view returns (uint64 round_, bytes32 modelHash) {
        uint64 count = _tasks[taskId].roundCount;
        if (count == 0) return (0, bytes32(0));
        // Only the last round can be open, and then the one before it (if any) is published.
        round_ = count - 1;
        modelHash = _rounds[taskId][round_].modelHash;
        if (modelHash == bytes32(0)) {
            if (round_ == 0) return (0, bytes32(0));
            --round_;
            modelHash = _rounds[taskId][round_].modelHash;
        }
    }

    /// @inheritdoc IFLRegistry
    function cellAggregate(bytes32 taskId, uint64 round_, bytes32 cellId)
        external
        view
        returns (CellAggregate memory a)
    {
        StoredCell storage s = _cells[taskId][round_][cellId];
        a.operator = s.operator;
        a.contributors = s.contributors;
        a.mode = s.mode;
        a.committedAt = s.committedAt;
        a.status = s.status;
        a.dropCode = s.dropCode;
        a.aggregateHash = s.aggregateHash;
        a.contributorsRoot = s.contributorsRoot;
    }

    /// @inheritdoc IFLRegistry
    function isUsable(bytes32 taskId, uint64 round_, bytes32 cellId) external view returns (bool) {
        StoredCell storage s = _cells[taskId][round_][cellId];
        // An unknown task has m = 0, but no round of it can be open, so no cell of it is ever committed.
        return s.status != CellStatus.None && s.contributors >= _tasks[taskId].minContributors;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Marks every accepted cell Accepted after checking it is committed, listed once and usable; returns the
    ///      sum of their contributors.
    function _accept(mapping(bytes32 => StoredCell) storage cells, bytes32[] calldata acceptedCells, uint32 m)
        private
        returns (uint64 contributors)
    {
        uint256 n = acceptedCells.length;
        for (uint256 i; i < n; ++i) {
            bytes32 cellId = acceptedCells[i];
            StoredCell storage c = cells[cellId];
            CellStatus status = c.status;
            if (status == CellStatus.None) revert FLRegistryCellNotCommitted(cellId);
            if (status != CellStatus.Committed) revert FLRegistryCellListedTwice(cellId);
            uint32 k = c.contributors;
            if (k < m) revert FLRegistryCellNotUsable(cellId, k, m);
            c.status = CellStatus.Accepted;
            // At most 2^32 cells of at most 2^32 - 1 contributors each: below 2^64.
            unchecked {
                contributors += k;
            }
        }
    }

    /// @dev Marks every dropped cell Dropped, with its code, after checking it is committed, neither accepted nor
    ///      listed before, and its code valid; runs after `_accept`, so an accepted cell is seen as such.
    function _drop(bytes32 taskId, uint64 round_, Dropped[] calldata dropped, uint32 m) private {
        mapping(bytes32 => StoredCell) storage cells = _cells[taskId][round_];
        uint256 n = dropped.length;
        for (uint256 i; i < n; ++i) {
            Dropped calldata d = dropped[i];
            bytes32 cellId = d.cellId;
            StoredCell storage c = cells[cellId];
            CellStatus status = c.status;
            if (status == CellStatus.None) revert FLRegistryCellNotCommitted(cellId);
            if (status == CellStatus.Accepted) revert FLRegistryCellAcceptedAndDropped(cellId);
            if (status == CellStatus.Dropped) revert FLRegistryCellListedTwice(cellId);
            uint8 code = d.code;
            if (code > MAX_DROP_CODE) revert FLRegistryInvalidDropCode(cellId, code);
            // "Below min contributors" is a claim the chain can check.
            uint32 k = c.contributors;
            if (code == DROP_BELOW_MIN && k >= m) revert FLRegistryDropCodeMismatch(cellId, k, m);
            c.status = CellStatus.Dropped;
            c.dropCode = code;
            emit CellDropped(taskId, round_, cellId, code, d.reasonHash);
        }
    }

    /// @dev The task `taskId`, whose owner must be the caller and still a member.
    function _ownedTask(bytes32 taskId) private view returns (StoredTask storage t) {
        t = _tasks[taskId];
        address owner = t.owner;
        if (owner == address(0)) revert FLRegistryUnknownTask(taskId);
        if (msg.sender != owner) revert FLRegistryNotTaskOwner(taskId, msg.sender);
        _requireMember(_consortium());
    }

    function _requireMember(address c) private view {
        if (!IConsortium(c).isMember(msg.sender)) revert FLRegistryNotMember(msg.sender);
    }

    function _consortium() private view returns (address c) {
        c = consortium;
        if (c == address(0)) revert FLRegistryNotInitialized();
    }

    function _now() private view returns (uint40) {
        // forge-lint: disable-next-line(unsafe-typecast) block times stay far below 2^40
        return uint40(block.timestamp);
    }
}
