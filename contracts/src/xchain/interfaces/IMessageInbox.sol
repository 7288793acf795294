// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMessageRecipient} from "./IMessageRecipient.sol";

/// @title IMessageInbox
/// @notice General-purpose message recipient used by `amc xchain send` and the cross-chain latency benchmark.
interface IMessageInbox is IMessageRecipient {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error MessageInboxNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error MessageInboxAlreadyInitialized();
    /// @notice `initialize` got the zero address for the mailbox.
    error MessageInboxZeroMailbox();
    /// @notice `handle` was called by another account than the Mailbox.
    error MessageInboxNotMailbox(address caller);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox);

    /// @notice A message was received, through the Mailbox (`handle`) or directly (`record`).
    /// @param origin Origin domain; the local domain for `record`.
    /// @param sender Sender on the origin domain, left-padded; the caller for `record`.
    /// @param body Application payload.
    event MessageReceived(uint32 indexed origin, bytes32 indexed sender, bytes body);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox, the only account allowed to call `handle`.
    function initialize(address mailbox) external;

    /// @notice Records a message delivered by the Mailbox. Only the Mailbox may call it.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable;

    /// @notice Records `body` as if received from the caller on the local domain: the same storage writes and event
    ///         as `handle`, without the Mailbox. Baseline of the latency benchmark.
    function record(bytes calldata body) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice Number of messages received in total.
    function received() external view returns (uint256);

    /// @notice Number of messages received from `origin`.
    function receivedFrom(uint32 origin) external view returns (uint256);

    /// @notice Block number of the last message received, or 0.
    function lastReceivedBlock() external view returns (uint64);
}
