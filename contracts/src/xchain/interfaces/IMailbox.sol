// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IInterchainSecurityModule} from "./IInterchainSecurityModule.sol";

/// @title IMailbox
/// @notice Sends and receives cross-chain messages between the chains of AutoMobile Chain. One Mailbox per chain,
///         at the same address on every chain (CREATE2). Wire format and security model:
///         docs/cross-chain-messaging.md.
interface IMailbox {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error MailboxNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error MailboxAlreadyInitialized();
    /// @notice The default security module given to `initialize` is the zero address.
    error MailboxZeroDefaultIsm();
    /// @notice The chain id does not fit the 32-bit domain field.
    error MailboxChainIdTooLarge(uint256 chainId);
    /// @notice The contract was used before `initialize`.
    error MailboxNotInitialized();
    /// @notice A message body is larger than the maximum.
    error MailboxBodyTooLarge(uint256 size, uint256 max);
    /// @notice `dispatch` was sent native value; the Mailbox takes no fees and would lock it.
    error MailboxValueNotAccepted(uint256 value);
    /// @notice A message to process is shorter than the 77-byte header.
    error MailboxMessageTooShort(uint256 length);
    /// @notice A message to process carries an unknown wire version.
    error MailboxWrongVersion(uint8 version);
    /// @notice A message to process is addressed to another domain.
    error MailboxWrongDestination(uint32 destination, uint32 localDomain);
    /// @notice A message to process was already delivered (replay).
    error MailboxAlreadyDelivered(bytes32 messageId);
    /// @notice The recipient of a message to process has no code.
    error MailboxRecipientNotContract(address recipient);
    /// @notice The recipient's security module returned false for the message.
    error MailboxVerificationFailed(bytes32 messageId);

    /// @notice Emitted once, by `initialize`.
    /// @param defaultIsm Security module used for recipients that do not name one.
    event Initialized(IInterchainSecurityModule indexed defaultIsm);

    /// @notice A message was dispatched; relayers watch this event.
    /// @param sender Account that called `dispatch`.
    /// @param destination Destination domain.
    /// @param recipient Recipient on the destination domain, left-padded to 32 bytes.
    /// @param messageId keccak256 of `message`.
    /// @param nonce Nonce of the message on this Mailbox.
    /// @param message The serialised message, to be passed to `process` on the destination.
    event Dispatched(
        address indexed sender,
        uint32 indexed destination,
        bytes32 indexed recipient,
        bytes32 messageId,
        uint32 nonce,
        bytes message
    );

    /// @notice A message was delivered to its recipient.
    /// @param origin Origin domain.
    /// @param sender Sender on the origin domain.
    /// @param recipient Local recipient contract.
    /// @param messageId Id of the delivered message.
    event Processed(uint32 indexed origin, bytes32 indexed sender, address indexed recipient, bytes32 messageId);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param defaultIsm Security module for recipients that do not name one (normally the MultisigIsm).
    function initialize(IInterchainSecurityModule defaultIsm) external;

    /// @notice Sends `body` to `recipient` on domain `destination`. Dispatching to the local domain is allowed:
    ///         the message then goes through the same verification as any other.
    /// @param destination Destination domain (its chain id).
    /// @param recipient Recipient contract on the destination, left-padded to 32 bytes.
    /// @param body Application payload, at most MAX_BODY_SIZE bytes.
    /// @return messageId The id of the dispatched message.
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata body)
        external
        payable
        returns (bytes32 messageId);

    /// @notice Verifies a message with its recipient's security module and delivers it to the recipient. Anyone may
    ///         call it (normally a relayer); `msg.value` is forwarded to the recipient's `handle`.
    /// @dev Reverts raised by the security module or the recipient bubble up unchanged.
    /// @param metadata Proof for the security module (for MultisigIsm: validator signatures).
    /// @param message The serialised message, as emitted in `Dispatched` on the origin chain.
    function process(bytes calldata metadata, bytes calldata message) external payable;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice This chain's domain: `uint32(block.chainid)`.
    function localDomain() external view returns (uint32);

    /// @notice The nonce the next dispatched message will carry.
    function nonce() external view returns (uint32);

    /// @notice Largest accepted message body, in bytes (64 KiB).
    function MAX_BODY_SIZE() external view returns (uint256);

    /// @notice Security module used for recipients that do not name one.
    function defaultIsm() external view returns (IInterchainSecurityModule);

    /// @notice Whether the message with this id was delivered on this chain.
    function delivered(bytes32 messageId) external view returns (bool);

    /// @notice Block number in which the message was delivered, or 0.
    function processedAt(bytes32 messageId) external view returns (uint64 blockNumber);

    /// @notice Account that delivered the message (called `process`), or the zero address.
    function processor(bytes32 messageId) external view returns (address);

    /// @notice The security module that verifies messages to `recipient`: the one it names through
    ///         `interchainSecurityModule()` if it implements that and returns a non-zero address, else the default.
    function recipientIsm(address recipient) external view returns (IInterchainSecurityModule);
}
