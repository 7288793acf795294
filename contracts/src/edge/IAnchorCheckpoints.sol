// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMessageRecipient} from "../xchain/interfaces/IMessageRecipient.sol";

/// @title IAnchorCheckpoints
/// @notice On the main chain, the checkpoints every edge cell's DataAnchor sent: per origin domain, the anchor count
///         and running anchors hash (docs/edge.md), when they arrived, and their history. With them main can attest
///         what a cell had anchored by a given point, and a cell that rewrote its history would no longer match.
/// @dev Accepts Mailbox messages only from the DataAnchor address (the same on every chain, CREATE2), from any
///      origin. The body is `abi.encode(uint256 anchorCount, bytes32 anchorsHash)`. Relayers may deliver checkpoints
///      out of order: one whose count is not above the latest stored for its origin is ignored with
///      CheckpointIgnored rather than reverted, so the message is consumed and no relayer is stuck retrying it.
///      Stored checkpoints therefore strictly increase in `anchorCount` per origin.
interface IAnchorCheckpoints is IMessageRecipient {
    /// @notice A stored checkpoint.
    /// @param anchorCount The origin DataAnchor's `anchorCount()` when the checkpoint was sent.
    /// @param anchorsHash Its `anchorsHash()` then.
    /// @param receivedAt Timestamp (seconds) of the main-chain block that delivered it.
    /// @param blockNumber Number of that block.
    struct Checkpoint {
        uint256 anchorCount;
        bytes32 anchorsHash;
        uint64 receivedAt;
        uint64 blockNumber;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error AnchorCheckpointsNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error AnchorCheckpointsAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error AnchorCheckpointsZeroAddress();
    /// @notice `handle` was called by another account than the Mailbox (or before `initialize`).
    error AnchorCheckpointsNotMailbox(address caller);
    /// @notice The message was not sent by the DataAnchor.
    error AnchorCheckpointsUnauthorized(uint32 origin, bytes32 sender);
    /// @notice The body is not `abi.encode(uint256 anchorCount, bytes32 anchorsHash)` with a count below 2^128.
    error AnchorCheckpointsMalformedBody(uint256 length);
    /// @notice `handle` was sent native value, which this contract would lock.
    error AnchorCheckpointsValueNotAccepted(uint256 value);
    /// @notice Origin `origin` has no checkpoint number `index`.
    error AnchorCheckpointsUnknownCheckpoint(uint32 origin, uint256 index);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox, address indexed dataAnchor);
    /// @notice A checkpoint from `origin` was stored as its latest.
    event CheckpointReceived(uint32 indexed origin, uint256 anchorCount, bytes32 anchorsHash);
    /// @notice A checkpoint from `origin` was not stored because its count is not above the latest one's
    ///         (`latestAnchorCount`); normal when a relayer delivers out of order.
    event CheckpointIgnored(uint32 indexed origin, uint256 anchorCount, bytes32 anchorsHash, uint256 latestAnchorCount);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox, the only account allowed to call `handle`.
    /// @param dataAnchor The DataAnchor address (the same on every edge chain), the only accepted sender.
    function initialize(address mailbox, address dataAnchor) external;

    /// @notice Stores a checkpoint delivered by the Mailbox (see the contract notes for what is accepted).
    /// @param origin The edge chain's domain.
    /// @param sender Must be the DataAnchor, left-padded.
    /// @param body `abi.encode(uint256 anchorCount, bytes32 anchorsHash)` (64 bytes).
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable;

    /// @notice The latest checkpoint from `origin` (all zero when none arrived).
    /// @return anchorCount Its anchor count.
    /// @return anchorsHash Its anchors hash.
    /// @return receivedAt Timestamp (seconds) of the block that delivered it.
    function latestCheckpoint(uint32 origin)
        external
        view
        returns (uint256 anchorCount, bytes32 anchorsHash, uint64 receivedAt);

    /// @notice Number of checkpoints stored for `origin`.
    function checkpointCount(uint32 origin) external view returns (uint256);

    /// @notice Checkpoint number `index` of `origin`, oldest first (reverts with AnchorCheckpointsUnknownCheckpoint
    ///         past the end).
    function checkpointAt(uint32 origin, uint256 index) external view returns (Checkpoint memory);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice The accepted sender: the DataAnchor's address on every edge chain.
    function dataAnchor() external view returns (address);
}
