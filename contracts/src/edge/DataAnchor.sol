// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IDataAnchor} from "./IDataAnchor.sol";
import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title DataAnchor
/// @notice Anchors RSU batches on an edge chain and checkpoints their running hash to the main chain (see
///         IDataAnchor and docs/edge.md).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so it has the same address
///      on every chain and AnchorCheckpoints on main accepts checkpoints of every cell from one sender value.
///      Storage per anchor is three fresh slots: the anchor keyed by its root (two slots, which also answer
///      `isRootAnchored`) and the root keyed by (submitter, batchId). The signature lives only in the event.
contract DataAnchor is IDataAnchor {
    /// @dev An anchor without its root (the mapping key). `count > 0` marks a stored anchor. Block numbers and anchor
    ///      positions fit 48 bits for millions of years, which lets the rest share one slot.
    struct StoredAnchor {
        bytes32 rsuDid;
        uint32 count;
        uint64 fromTime;
        uint64 toTime;
        uint48 blockNumber;
        uint48 index;
    }

    /// @dev P-256 `r ‖ s` (IEEE P1363), what the RSU DID key produces.
    uint256 private constant SIGNATURE_LENGTH = 64;

    /// @inheritdoc IDataAnchor
    address public immutable initializer;

    /// @inheritdoc IDataAnchor
    address public mailbox;
    /// @inheritdoc IDataAnchor
    uint32 public mainDomain;
    /// @inheritdoc IDataAnchor
    address public checkpoints;

    /// @inheritdoc IDataAnchor
    uint256 public anchorCount;
    /// @inheritdoc IDataAnchor
    bytes32 public anchorsHash;
    /// @inheritdoc IDataAnchor
    uint256 public checkpointedCount;

    /// @inheritdoc IDataAnchor
    mapping(address submitter => uint64) public nextBatchId;

    mapping(bytes32 root => StoredAnchor) private _anchors;
    mapping(address submitter => mapping(uint64 batchId => bytes32 root)) private _roots;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IDataAnchor
    function initialize(address mailbox_, uint32 mainDomain_, address checkpoints_) external {
        if (msg.sender != initializer) revert DataAnchorNotInitializer(msg.sender);
        if (mailbox != address(0)) revert DataAnchorAlreadyInitialized();
        if (mailbox_ == address(0) || mainDomain_ == 0 || checkpoints_ == address(0)) {
            revert DataAnchorInvalidInitParams();
        }
        mailbox = mailbox_;
        mainDomain = mainDomain_;
        checkpoints = checkpoints_;
        emit Initialized(mailbox_, mainDomain_, checkpoints_);
    }

    /// @inheritdoc IDataAnchor
    function anchor(
        uint64 batchId,
        bytes32 root,
        uint32 count,
        uint64 fromTime,
        uint64 toTime,
        bytes32 rsuDid,
        bytes calldata signature
    ) external returns (uint256 index) {
        if (count == 0) revert DataAnchorEmptyBatch();
        if (fromTime > toTime) revert DataAnchorBadTimeRange(fromTime, toTime);
        if (signature.length != SIGNATURE_LENGTH) revert DataAnchorBadSignatureLength(signature.length);
        uint64 expected = nextBatchId[msg.sender];
        if (batchId != expected) revert DataAnchorBatchOutOfOrder(expected, batchId);
        StoredAnchor storage stored = _anchors[root];
        if (stored.count != 0) revert DataAnchorRootAlreadyAnchored(root);

        index = anchorCount;
        // A uint64 batch counter cannot wrap in practice; the checked add would revert rather than reuse ids.
        nextBatchId[msg.sender] = expected + 1;
        _roots[msg.sender][batchId] = root;
        _anchors[root] = StoredAnchor({
            rsuDid: rsuDid,
            count: count,
            fromTime: fromTime,
            toTime: toTime,
            // forge-lint: disable-next-line(unsafe-typecast) block numbers stay far below 2^48
            blockNumber: uint48(block.number),
            // forge-lint: disable-next-line(unsafe-typecast) one anchor per call: 2^48 anchors are out of reach
            index: uint48(index)
        });
        anchorCount = index + 1;
        anchorsHash = _nextHash(batchId, root, count, fromTime, toTime, rsuDid);
        emit BatchAnchored(msg.sender, batchId, root, count, fromTime, toTime, rsuDid, signature, index);
    }

    /// @inheritdoc IDataAnchor
    function anchorOf(address submitter, uint64 batchId) external view returns (Anchor memory a) {
        // Batches are numbered without gaps, so every id below the next one exists; this also covers a zero root.
        if (batchId >= nextBatchId[submitter]) revert DataAnchorUnknownBatch(submitter, batchId);
        bytes32 root = _roots[submitter][batchId];
        StoredAnchor storage stored = _anchors[root];
        a.root = root;
        a.count = stored.count;
        a.fromTime = stored.fromTime;
        a.toTime = stored.toTime;
        a.rsuDid = stored.rsuDid;
        a.blockNumber = stored.blockNumber;
        a.index = stored.index;
    }

    /// @inheritdoc IDataAnchor
    function isRootAnchored(bytes32 root) external view returns (bool) {
        return _anchors[root].count != 0;
    }

    /// @inheritdoc IDataAnchor
    function checkpoint() external payable returns (bytes32 messageId) {
        address mailbox_ = mailbox;
        if (mailbox_ == address(0)) revert DataAnchorNotInitialized();
        uint256 count = anchorCount;
        if (count == checkpointedCount) revert DataAnchorNothingToCheckpoint(count);
        checkpointedCount = count;
        bytes32 hash = anchorsHash;
        // AnchorCheckpoints has the same address on main as `checkpoints` names here (CREATE2).
        messageId = IMailbox(mailbox_).dispatch{value: msg.value}(
            mainDomain, Message.toBytes32(checkpoints), abi.encode(count, hash)
        );
        emit CheckpointSent(count, hash, messageId);
    }

    /// @dev The running hash after anchoring the given batch for `msg.sender` (docs/edge.md).
    function _nextHash(uint64 batchId, bytes32 root, uint32 count, uint64 fromTime, uint64 toTime, bytes32 rsuDid)
        private
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(anchorsHash, msg.sender, batchId, root, count, fromTime, toTime, rsuDid));
    }
}
