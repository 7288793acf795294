// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IMessageRecipient
/// @notice Implemented by any contract that receives cross-chain messages from the Mailbox.
interface IMessageRecipient {
    /// @notice Delivers a verified message. Called only by the local Mailbox, after the recipient's security module
    ///         accepted the message; implementations must check `msg.sender == mailbox`.
    /// @dev A revert here reverts the whole delivery, so the message stays undelivered and can be retried.
    /// @param origin Domain (chain id) the message was dispatched on.
    /// @param sender Dispatching account on the origin chain, left-padded to 32 bytes.
    /// @param body Application payload.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable;
}
