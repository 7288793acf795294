// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IDataAnchor
/// @notice On every edge chain, one record per batch of V2X messages a roadside unit (RSU) logged: the batch's Merkle
///         root, message count, time range, the RSU's DID and the RSU's signature over the batch header. Anyone may
///         anchor; a proof built on an anchor is trusted only when the signature verifies under an `assertionMethod`
///         key of the RSU DID (resolved on the main chain). A running hash of every anchor is sent to the main
///         chain's AnchorCheckpoints by `checkpoint()`, so main can later attest what this chain had anchored.
///         Spec: docs/edge.md, section "DataAnchor".
/// @dev Batches of a submitter are numbered 0, 1, 2, … with no gap (`nextBatchId`): an RSU that restarts learns from
///      the chain where it stands, and a batch can never be anchored twice. A root is anchored at most once across
///      all submitters. Leaves are `standardLeafHash(["bytes32"], [keccak256(spdu)])` (OpenZeppelin standard tree);
///      the header signature (ES256, P-256, IEEE P1363 `r ‖ s`) is over `sha256(abi.encode("AMC-DataAnchor-v1",
///      uint256 chainId, address dataAnchor, address submitter, uint64 batchId, bytes32 root, uint32 count,
///      uint64 fromTime, uint64 toTime, bytes32 rsuDid))`; the contract checks only its length (P-256 verification
///      happens off chain, against the DID document).
interface IDataAnchor {
    /// @notice An anchored batch.
    /// @param root Merkle root of the batch's message hashes, in log order.
    /// @param count Number of messages in the batch (> 0).
    /// @param fromTime Unix time in milliseconds of the batch's first message.
    /// @param toTime Unix time in milliseconds of its last message (>= fromTime).
    /// @param rsuDid The RSU's DID: the 32-byte id of `did:amc:<network>:<id>` (the DIDRegistry key).
    /// @param blockNumber Block in which the batch was anchored.
    /// @param index Position of the anchor among all anchors of this contract (0-based); after it, `anchorCount()`
    ///        was `index + 1`.
    struct Anchor {
        bytes32 root;
        uint32 count;
        uint64 fromTime;
        uint64 toTime;
        bytes32 rsuDid;
        uint64 blockNumber;
        uint256 index;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error DataAnchorNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error DataAnchorAlreadyInitialized();
    /// @notice `initialize` got the zero address or domain 0.
    error DataAnchorInvalidInitParams();
    /// @notice `checkpoint` was called before `initialize`.
    error DataAnchorNotInitialized();
    /// @notice `batchId` is not the submitter's `nextBatchId`.
    error DataAnchorBatchOutOfOrder(uint64 expected, uint64 got);
    /// @notice This root was already anchored (by any submitter).
    error DataAnchorRootAlreadyAnchored(bytes32 root);
    /// @notice A batch must hold at least one message.
    error DataAnchorEmptyBatch();
    /// @notice `fromTime` is after `toTime`.
    error DataAnchorBadTimeRange(uint64 fromTime, uint64 toTime);
    /// @notice The signature is not 64 bytes (P-256 `r ‖ s`).
    error DataAnchorBadSignatureLength(uint256 length);
    /// @notice `submitter` has not anchored a batch `batchId`.
    error DataAnchorUnknownBatch(address submitter, uint64 batchId);
    /// @notice Nothing was anchored since the last checkpoint; `anchorCount` is the current count.
    error DataAnchorNothingToCheckpoint(uint256 anchorCount);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox, uint32 mainDomain, address indexed checkpoints);
    /// @notice `submitter` anchored its batch `batchId`. The signature is kept only in this event.
    /// @param submitter The account that called `anchor`.
    /// @param batchId The submitter's batch number.
    /// @param root Merkle root of the batch.
    /// @param count Number of messages.
    /// @param fromTime Time of the first message (Unix ms).
    /// @param toTime Time of the last message (Unix ms).
    /// @param rsuDid Id of the RSU's DID.
    /// @param signature The RSU's P-256 signature over the batch header (64 bytes, `r ‖ s`).
    /// @param index Position of the anchor among all anchors.
    event BatchAnchored(
        address indexed submitter,
        uint64 indexed batchId,
        bytes32 indexed root,
        uint32 count,
        uint64 fromTime,
        uint64 toTime,
        bytes32 rsuDid,
        bytes signature,
        uint256 index
    );
    /// @notice A checkpoint `(anchorCount, anchorsHash)` was dispatched to AnchorCheckpoints on the main chain.
    event CheckpointSent(uint256 anchorCount, bytes32 anchorsHash, bytes32 messageId);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox, through which checkpoints go to the main chain.
    /// @param mainDomain The main chain's domain (chain id).
    /// @param checkpoints The AnchorCheckpoints contract on the main chain.
    function initialize(address mailbox, uint32 mainDomain, address checkpoints) external;

    /// @notice Anchors the caller's next batch and folds it into `anchorsHash`:
    ///         `anchorsHash = keccak256(abi.encode(anchorsHash, msg.sender, batchId, root, count, fromTime, toTime,
    ///         rsuDid))`.
    /// @dev Checks, in this order: `count > 0` (DataAnchorEmptyBatch), `fromTime <= toTime` (DataAnchorBadTimeRange),
    ///      a 64-byte signature (DataAnchorBadSignatureLength), `batchId == nextBatchId(msg.sender)`
    ///      (DataAnchorBatchOutOfOrder), a root never anchored before (DataAnchorRootAlreadyAnchored).
    /// @param batchId Must equal `nextBatchId(msg.sender)`.
    /// @param root Merkle root of the batch.
    /// @param count Number of messages in the batch (> 0).
    /// @param fromTime Time of the first message, Unix milliseconds.
    /// @param toTime Time of the last message, Unix milliseconds (>= fromTime).
    /// @param rsuDid Id of the DID of the RSU that logged the batch.
    /// @param signature The RSU's signature over the batch header (64 bytes); logged, not stored.
    /// @return index The anchor's position among all anchors (0-based).
    function anchor(
        uint64 batchId,
        bytes32 root,
        uint32 count,
        uint64 fromTime,
        uint64 toTime,
        bytes32 rsuDid,
        bytes calldata signature
    ) external returns (uint256 index);

    /// @notice The batch number `submitter` must use next (0 before its first anchor).
    function nextBatchId(address submitter) external view returns (uint64);

    /// @notice The anchor of `submitter`'s batch `batchId` (reverts with DataAnchorUnknownBatch when there is none).
    function anchorOf(address submitter, uint64 batchId) external view returns (Anchor memory);

    /// @notice Whether `root` was anchored (by anyone).
    function isRootAnchored(bytes32 root) external view returns (bool);

    /// @notice Number of anchors so far, all submitters together.
    function anchorCount() external view returns (uint256);

    /// @notice The running hash over all anchors (zero before the first).
    function anchorsHash() external view returns (bytes32);

    /// @notice `anchorCount()` when the last checkpoint was sent (0 before the first).
    function checkpointedCount() external view returns (uint256);

    /// @notice Dispatches `abi.encode(uint256 anchorCount, bytes32 anchorsHash)` through the Mailbox to
    ///         AnchorCheckpoints on the main domain. Anyone may call it; it reverts with DataAnchorNothingToCheckpoint
    ///         when nothing was anchored since the last checkpoint.
    /// @dev `msg.value` is forwarded to `Mailbox.dispatch` as its fee; today's Mailbox takes no fee and rejects any
    ///      value (MailboxValueNotAccepted), so value is never locked here.
    /// @return messageId The id of the dispatched message.
    function checkpoint() external payable returns (bytes32 messageId);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice The main chain's domain, destination of checkpoints.
    function mainDomain() external view returns (uint32);

    /// @notice The AnchorCheckpoints contract on the main chain (same address on every chain).
    function checkpoints() external view returns (address);
}
