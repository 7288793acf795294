// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IFLRegistry
/// @notice The main chain's ledger of federated-learning rounds for abnormal-driving detection. A consortium member
///         (an OEM, say) creates a task and becomes its owner; each round it opens names the model it starts from.
///         Vehicles send their updates to their cell's RSU, which aggregates them securely (Paillier or pairwise
///         masking) and commits the hash of the cell aggregate with the Merkle root of its contributors. The owner
///         combines the usable cell aggregates with a Byzantine-robust rule (Krum, trimmed mean, norm bounding), drops
///         the suspicious ones with a reason, and publishes the new global model: its bytes live in a blob store, the
///         chain keeps their hash, the cells it was built from and its evaluation metrics. Anyone can then fetch the
///         model, hash it and check it against `round(taskId, r).modelHash`, and check that it was built from
///         round `r`'s accepted cells on top of round `r - 1`'s model.
/// @dev Rounds of a task are numbered 0, 1, 2, ... and form a chain: round `r + 1` opens only once round `r` is
///      published, and its base model hash must be round `r`'s model hash (round 0 starts from any non-zero hash, the
///      initial model's), so at most one round per task is open and the published models form an unbroken lineage.
///      Privacy floor: the owner may only use (decrypt) a cell aggregate of at least `minContributors` vehicles
///      (m >= 2), so that no single vehicle's update can be read out of an aggregate; a cell below m can only be
///      dropped (reason 0). A cell is accepted or dropped at most once, and never both; cells committed but neither
///      accepted nor dropped stay `Committed` (`cellCount - acceptedCount - droppedCount` of the round).
///      Writers: any member creates tasks; only the task's owner, while still a member, opens and publishes its
///      rounds; only RSU operators (`RSU_OPERATOR` role) commit cell aggregates. Names, model URIs and drop reasons
///      are only logged. Times are Unix seconds (block times). Views return an all-zero record for an unknown key.
interface IFLRegistry {
    /// @notice Where a round stands. `None`: not opened. `Open`: accepting cell aggregates. `Published`: final.
    enum RoundStatus {
        None,
        Open,
        Published
    }

    /// @notice Where a cell aggregate stands. `None`: not committed. `Committed`: committed, not (yet) used.
    ///         `Accepted`: in the round's published model. `Dropped`: left out by the owner (see `dropCode`).
    enum CellStatus {
        None,
        Committed,
        Accepted,
        Dropped
    }

    /// @notice A cell the owner left out of the global model.
    /// @param cellId The dropped cell, committed in the round.
    /// @param code 0 below-min-contributors, 1 krum-outlier, 2 trimmed-outlier, 3 norm-outlier,
    ///        4 decryption-failed / overflow, 5 other.
    /// @param reasonHash keccak256 of the human-readable reason (kept off chain).
    struct Dropped {
        bytes32 cellId;
        uint8 code;
        bytes32 reasonHash;
    }

    /// @notice Evaluation of the published model on the owner's held-out windows, in basis points (0..10000).
    /// @param f1Bps F1 score.
    /// @param precisionBps Precision.
    /// @param recallBps Recall.
    /// @param evalWindows Number of driving windows evaluated.
    struct Metrics {
        uint32 f1Bps;
        uint32 precisionBps;
        uint32 recallBps;
        uint32 evalWindows;
    }

    /// @notice A task (all zero for an unknown id).
    /// @param owner The member that created it and runs its rounds (zero: unknown task).
    /// @param minContributors m: the fewest contributors a cell aggregate needs to be usable (>= 2).
    /// @param roundCount Rounds opened so far (the next round's number).
    /// @param configHash Hash of the task's configuration (model architecture, features, aggregation rule, ...).
    struct Task {
        address owner;
        uint32 minContributors;
        uint64 roundCount;
        bytes32 configHash;
    }

    /// @notice A round (all zero, status None, for an unknown round).
    /// @param status Open or Published.
    /// @param openedAt Block time of `openRound`.
    /// @param publishedAt Block time of `publishRound` (0 while open).
    /// @param cellCount Cell aggregates committed in the round.
    /// @param acceptedCount Cells the published model was built from.
    /// @param droppedCount Cells the owner dropped.
    /// @param contributors Sum of the accepted cells' contributors.
    /// @param baseModelHash Hash of the model the round started from.
    /// @param modelHash Hash of the published model (zero while open).
    /// @param metrics Evaluation of the published model (zero while open).
    struct Round {
        RoundStatus status;
        uint64 openedAt;
        uint64 publishedAt;
        uint32 cellCount;
        uint32 acceptedCount;
        uint32 droppedCount;
        uint64 contributors;
        bytes32 baseModelHash;
        bytes32 modelHash;
        Metrics metrics;
    }

    /// @notice A cell aggregate (all zero, status None, if not committed).
    /// @param operator The RSU operator's account that committed it.
    /// @param contributors How many vehicles' updates it aggregates.
    /// @param mode 0 Paillier, 1 masking.
    /// @param committedAt Block time of the commitment.
    /// @param status Committed, Accepted or Dropped.
    /// @param dropCode The drop reason code (meaningful only when Dropped).
    /// @param aggregateHash Hash of the aggregate (ciphertexts or masked sums) in the blob store.
    /// @param contributorsRoot Merkle root of the contributions (pseudonymous vehicle ids and update hashes).
    struct CellAggregate {
        address operator;
        uint32 contributors;
        uint8 mode;
        uint64 committedAt;
        CellStatus status;
        uint8 dropCode;
        bytes32 aggregateHash;
        bytes32 contributorsRoot;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error FLRegistryNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error FLRegistryAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error FLRegistryZeroAddress();
    /// @notice A function that reads the Consortium was called before `initialize`.
    error FLRegistryNotInitialized();
    /// @notice The caller is not a consortium member.
    error FLRegistryNotMember(address account);
    /// @notice The caller lacks the RSU_OPERATOR role.
    error FLRegistryNotRsuOperator(address account);
    /// @notice A task with this id exists already.
    error FLRegistryTaskExists(bytes32 taskId);
    /// @notice No task has this id.
    error FLRegistryUnknownTask(bytes32 taskId);
    /// @notice `minContributors` is below 2 (a one-vehicle aggregate reveals that vehicle's update).
    error FLRegistryMinContributorsTooLow(uint32 minContributors);
    /// @notice The caller is not the task's owner.
    error FLRegistryNotTaskOwner(bytes32 taskId, address caller);
    /// @notice A hash that must identify something (config, model, aggregate, contributors root) is zero.
    error FLRegistryZeroHash();
    /// @notice `round` is not the task's next round number `expected`.
    error FLRegistryRoundOutOfOrder(bytes32 taskId, uint64 expected, uint64 round);
    /// @notice The previous round `round` is still open: it must be published before the next one opens.
    error FLRegistryRoundStillOpen(bytes32 taskId, uint64 round);
    /// @notice The base model is not the model published by the previous round.
    error FLRegistryBaseModelMismatch(bytes32 taskId, bytes32 expected, bytes32 baseModelHash);
    /// @notice The round is not open (never opened, or already published).
    error FLRegistryRoundNotOpen(bytes32 taskId, uint64 round);
    /// @notice The cell's aggregate for this round was already committed.
    error FLRegistryCellAlreadyCommitted(bytes32 taskId, uint64 round, bytes32 cellId);
    /// @notice A cell aggregate must have at least one contributor.
    error FLRegistryNoContributors();
    /// @notice The aggregation mode is not 0 (Paillier) or 1 (masking).
    error FLRegistryInvalidMode(uint8 mode);
    /// @notice `acceptedCells` is empty: a model must come from at least one cell.
    error FLRegistryNoAcceptedCells();
    /// @notice A listed cell has no aggregate committed in the round.
    error FLRegistryCellNotCommitted(bytes32 cellId);
    /// @notice An accepted cell has fewer than `minContributors` contributors.
    error FLRegistryCellNotUsable(bytes32 cellId, uint32 contributors, uint32 minContributors);
    /// @notice A cell is both accepted and dropped.
    error FLRegistryCellAcceptedAndDropped(bytes32 cellId);
    /// @notice A cell appears twice in `acceptedCells`, or twice in `dropped`.
    error FLRegistryCellListedTwice(bytes32 cellId);
    /// @notice The drop reason code is not 0..5.
    error FLRegistryInvalidDropCode(bytes32 cellId, uint8 code);
    /// @notice A cell dropped as below-min-contributors (code 0) has at least `minContributors` contributors.
    error FLRegistryDropCodeMismatch(bytes32 cellId, uint32 contributors, uint32 minContributors);
    /// @notice A metric in basis points is above 10000.
    error FLRegistryInvalidMetrics();

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium);
    /// @notice A member created a task and became its owner.
    event TaskCreated(
        bytes32 indexed taskId, address indexed owner, bytes32 configHash, uint32 minContributors, string name
    );
    /// @notice The owner opened round `round` of a task, starting from the model `baseModelHash`.
    event RoundOpened(bytes32 indexed taskId, uint64 indexed round, bytes32 baseModelHash);
    /// @notice An RSU operator committed a cell's aggregate for a round.
    /// @param mode 0 Paillier, 1 masking.
    event CellAggregateCommitted(
        bytes32 indexed taskId,
        uint64 indexed round,
        bytes32 indexed cellId,
        bytes32 aggregateHash,
        bytes32 contributorsRoot,
        uint32 contributors,
        uint8 mode,
        address operator
    );
    /// @notice The owner left a cell out of the round's model; emitted by `publishRound`, before `RoundPublished`.
    /// @param code 0 below-min-contributors, 1 krum-outlier, 2 trimmed-outlier, 3 norm-outlier,
    ///        4 decryption-failed / overflow, 5 other.
    /// @param reasonHash keccak256 of the human-readable reason.
    event CellDropped(
        bytes32 indexed taskId, uint64 indexed round, bytes32 indexed cellId, uint8 code, bytes32 reasonHash
    );
    /// @notice The owner published the round's global model; the round is closed.
    /// @param contributors Sum of the accepted cells' contributors.
    event RoundPublished(
        bytes32 indexed taskId,
        uint64 indexed round,
        bytes32 modelHash,
        uint32 acceptedCount,
        uint64 contributors,
        uint32 f1Bps
    );
    /// @notice Where the published model's bytes can be fetched (emitted with `RoundPublished`; not stored).
    event ModelURIPublished(bytes32 indexed taskId, uint64 indexed round, string modelURI);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param consortium The Consortium whose members own tasks and whose RSU operators commit aggregates.
    function initialize(address consortium) external;

    /// @notice Creates a task owned by the caller, a consortium member.
    /// @dev Checks, in this order: membership (FLRegistryNotMember), an unused id (FLRegistryTaskExists),
    ///      `minContributors >= 2` (FLRegistryMinContributorsTooLow), a non-zero config hash (FLRegistryZeroHash).
    /// @param taskId The task's id (e.g. keccak256 of a unique name); never reused.
    /// @param configHash Hash of the task's configuration document, not zero.
    /// @param minContributors m >= 2: the fewest contributors a cell aggregate needs to be used.
    /// @param name Human-readable name (only logged).
    function createTask(bytes32 taskId, bytes32 configHash, uint32 minContributors, string calldata name) external;

    /// @notice Opens the task's next round (the owner, still a member).
    /// @dev Checks, in this order: the task exists (FLRegistryUnknownTask), the caller is its owner
    ///      (FLRegistryNotTaskOwner) and a member (FLRegistryNotMember), `round` is the next number
    ///      (FLRegistryRoundOutOfOrder), the previous round is published (FLRegistryRoundStillOpen), the base model
    ///      is the previous round's model (FLRegistryBaseModelMismatch) or, for round 0, not zero (FLRegistryZeroHash).
    /// @param taskId The task.
    /// @param round Its next round number, `roundCount(taskId)`.
    /// @param baseModelHash The model the round starts from: round `round - 1`'s model hash (round 0: the initial
    ///        model's hash).
    function openRound(bytes32 taskId, uint64 round, bytes32 baseModelHash) external;

    /// @notice Commits a cell's aggregate for an open round (an RSU operator), once per round and cell.
    /// @dev Checks, in this order: the RSU_OPERATOR role (FLRegistryNotRsuOperator), the round is open
    ///      (FLRegistryRoundNotOpen), not yet committed (FLRegistryCellAlreadyCommitted), non-zero hashes
    ///      (FLRegistryZeroHash), `contributors >= 1` (FLRegistryNoContributors), `mode <= 1` (FLRegistryInvalidMode).
    /// @param taskId The task.
    /// @param round The open round.
    /// @param cellId The cell (e.g. its geohash or RSU coverage id).
    /// @param aggregateHash Hash of the aggregate in the blob store, not zero.
    /// @param contributorsRoot Merkle root of the contributions, not zero.
    /// @param contributors How many vehicles' updates the aggregate holds, >= 1.
    /// @param mode 0 Paillier, 1 masking.
    function commitCellAggregate(
        bytes32 taskId,
        uint64 round,
        bytes32 cellId,
        bytes32 aggregateHash,
        bytes32 contributorsRoot,
        uint32 contributors,
        uint8 mode
    ) external;

    /// @notice Publishes the round's global model and closes the round (the owner, still a member).
    /// @dev Checks, in this order: the task exists (FLRegistryUnknownTask), owner (FLRegistryNotTaskOwner), member
    ///      (FLRegistryNotMember), the round is open (FLRegistryRoundNotOpen), a non-zero model hash
    ///      (FLRegistryZeroHash), at least one accepted cell (FLRegistryNoAcceptedCells), metrics <= 10000 bps
    ///      (FLRegistryInvalidMetrics); then each accepted cell in order: committed (FLRegistryCellNotCommitted),
    ///      listed once (FLRegistryCellListedTwice), usable (FLRegistryCellNotUsable); then each dropped entry in
    ///      order: committed, not accepted (FLRegistryCellAcceptedAndDropped), listed once, code 0..5
    ///      (FLRegistryInvalidDropCode), code 0 only for a cell below m (FLRegistryDropCodeMismatch).
    ///      Emits CellDropped per dropped entry, then RoundPublished and ModelURIPublished. Costs one storage write
    ///      per listed cell (its status), no loop over storage.
    /// @param taskId The task.
    /// @param round The open round.
    /// @param modelHash Hash of the new global model's bytes, not zero.
    /// @param acceptedCells The cells the model was built from, each committed and usable; not empty.
    /// @param dropped The cells left out, each with its reason.
    /// @param metrics The model's evaluation (basis points).
    /// @param modelURI Where the model's bytes are kept (only logged).
    function publishRound(
        bytes32 taskId,
        uint64 round,
        bytes32 modelHash,
        bytes32[] calldata acceptedCells,
        Dropped[] calldata dropped,
        Metrics calldata metrics,
        string calldata modelURI
    ) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The Consortium (zero before `initialize`).
    function consortium() external view returns (address);

    /// @notice A task (all zero for an unknown id).
    function task(bytes32 taskId) external view returns (Task memory);

    /// @notice A task's owner (zero for an unknown id).
    function taskOwner(bytes32 taskId) external view returns (address);

    /// @notice A round (all zero for an unknown round).
    function round(bytes32 taskId, uint64 round) external view returns (Round memory);

    /// @notice Rounds opened so far for the task: the next round's number.
    function roundCount(bytes32 taskId) external view returns (uint64);

    /// @notice The last published round of the task and its model hash; `(0, 0)` if none was published yet (a
    ///         published model hash is never zero).
    function latestModel(bytes32 taskId) external view returns (uint64 round, bytes32 modelHash);

    /// @notice A cell's aggregate for a round (all zero if not committed).
    function cellAggregate(bytes32 taskId, uint64 round, bytes32 cellId) external view returns (CellAggregate memory);

    /// @notice Whether the cell's aggregate for the round is committed and has at least the task's
    ///         `minContributors` contributors, i.e. the owner may use it.
    function isUsable(bytes32 taskId, uint64 round, bytes32 cellId) external view returns (bool);
}
