// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMessageInbox} from "./interfaces/IMessageInbox.sol";
import {Message} from "./libs/Message.sol";

/// @title MessageInbox
/// @notice A general recipient of cross-chain messages: counts them and emits their bodies, for `amc xchain send` and
///         the latency benchmark. `record` does the same work without the Mailbox, the same-chain baseline the
///         benchmark compares cross-chain delivery against.
/// @dev Messages are verified by the Mailbox default security module (the inbox does not name one).
contract MessageInbox is IMessageInbox {
    /// @inheritdoc IMessageInbox
    address public immutable initializer;

    /// @inheritdoc IMessageInbox
    address public mailbox;

    /// @inheritdoc IMessageInbox
    uint256 public received;

    /// @inheritdoc IMessageInbox
    uint64 public lastReceivedBlock;

    mapping(uint32 origin => uint256) private _receivedFrom;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IMessageInbox
    function initialize(address mailbox_) external {
        if (msg.sender != initializer) revert MessageInboxNotInitializer(msg.sender);
        if (mailbox != address(0)) revert MessageInboxAlreadyInitialized();
        if (mailbox_ == address(0)) revert MessageInboxZeroMailbox();
        mailbox = mailbox_;
        emit Initialized(mailbox_);
    }

    /// @inheritdoc IMessageInbox
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != mailbox) revert MessageInboxNotMailbox(msg.sender);
        _record(origin, sender, body);
    }

    /// @inheritdoc IMessageInbox
    function record(bytes calldata body) external {
        _record(uint32(block.chainid), Message.toBytes32(msg.sender), body);
    }

    /// @inheritdoc IMessageInbox
    function receivedFrom(uint32 origin) external view returns (uint256) {
        return _receivedFrom[origin];
    }

    function _record(uint32 origin, bytes32 sender, bytes calldata body) private {
        ++received;
        ++_receivedFrom[origin];
        lastReceivedBlock = uint64(block.number);
        emit MessageReceived(origin, sender, body);
    }
}
