// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAnchorCheckpoints} from "./IAnchorCheckpoints.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title AnchorCheckpoints
/// @notice Keeps, on the main chain, the checkpoints of every edge cell's DataAnchor (see IAnchorCheckpoints).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so DataAnchor on every edge
///      chain names it with one address. Each checkpoint takes two slots: count and arrival share one.
contract AnchorCheckpoints is IAnchorCheckpoints {
    /// @dev A stored checkpoint. A count below 2^128 is enforced on arrival (a DataAnchor adds one per transaction).
    struct StoredCheckpoint {
        uint128 anchorCount;
        uint64 receivedAt;
        uint64 blockNumber;
        bytes32 anchorsHash;
    }

    /// @dev `abi.encode(uint256, bytes32)`.
    uint256 private constant BODY_LENGTH = 64;

    /// @inheritdoc IAnchorCheckpoints
    address public immutable initializer;

    /// @inheritdoc IAnchorCheckpoints
    address public mailbox;
    /// @inheritdoc IAnchorCheckpoints
    address public dataAnchor;

    /// @dev Per origin, the accepted checkpoints in arrival order; strictly increasing counts, the last is the latest.
    mapping(uint32 origin => StoredCheckpoint[]) private _history;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IAnchorCheckpoints
    function initialize(address mailbox_, address dataAnchor_) external {
        if (msg.sender != initializer) revert AnchorCheckpointsNotInitializer(msg.sender);
        if (mailbox != address(0)) revert AnchorCheckpointsAlreadyInitialized();
        if (mailbox_ == address(0) || dataAnchor_ == address(0)) revert AnchorCheckpointsZeroAddress();
        mailbox = mailbox_;
        dataAnchor = dataAnchor_;
        emit Initialized(mailbox_, dataAnchor_);
    }

    /// @inheritdoc IAnchorCheckpoints
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        // Before initialisation `mailbox` is zero, so nobody passes this check.
        if (msg.sender != mailbox || msg.sender == address(0)) revert AnchorCheckpointsNotMailbox(msg.sender);
        if (msg.value != 0) revert AnchorCheckpointsValueNotAccepted(msg.value);
        if (sender != Message.toBytes32(dataAnchor)) revert AnchorCheckpointsUnauthorized(origin, sender);
        if (body.length != BODY_LENGTH) revert AnchorCheckpointsMalformedBody(body.length);
        uint256 count = uint256(bytes32(body[0:32]));
        bytes32 hash = bytes32(body[32:64]);
        if (count > type(uint128).max) revert AnchorCheckpointsMalformedBody(body.length);

        StoredCheckpoint[] storage history = _history[origin];
        uint256 n = history.length;
        uint256 latest = n == 0 ? 0 : history[n - 1].anchorCount;
        if (count <= latest) {
            emit CheckpointIgnored(origin, count, hash, latest);
            return;
        }
        history.push(
            StoredCheckpoint({
                // forge-lint: disable-next-line(unsafe-typecast) range checked above
                anchorCount: uint128(count),
                receivedAt: uint64(block.timestamp),
                blockNumber: uint64(block.number),
                anchorsHash: hash
            })
        );
        emit CheckpointReceived(origin, count, hash);
    }

    /// @inheritdoc IAnchorCheckpoints
    function latestCheckpoint(uint32 origin)
        external
        view
        returns (uint256 anchorCount, bytes32 anchorsHash, uint64 receivedAt)
    {
        StoredCheckpoint[] storage history = _history[origin];
        uint256 n = history.length;
        if (n == 0) return (0, bytes32(0), 0);
        StoredCheckpoint storage c = history[n - 1];
        return (c.anchorCount, c.anchorsHash, c.receivedAt);
    }

    /// @inheritdoc IAnchorCheckpoints
    function checkpointCount(uint32 origin) external view returns (uint256) {
        return _history[origin].length;
    }

    /// @inheritdoc IAnchorCheckpoints
    function checkpointAt(uint32 origin, uint256 index) external view returns (Checkpoint memory) {
        StoredCheckpoint[] storage history = _history[origin];
        if (index >= history.length) revert AnchorCheckpointsUnknownCheckpoint(origin, index);
        StoredCheckpoint storage c = history[index];
        return Checkpoint({
            anchorCount: c.anchorCount, anchorsHash: c.anchorsHash, receivedAt: c.receivedAt, blockNumber: c.blockNumber
        });
    }
}
