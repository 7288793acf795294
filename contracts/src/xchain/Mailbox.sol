// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMailbox} from "./interfaces/IMailbox.sol";
import {
    IInterchainSecurityModule,
    ISpecifiesInterchainSecurityModule
} from "./interfaces/IInterchainSecurityModule.sol";
import {IMessageRecipient} from "./interfaces/IMessageRecipient.sol";
import {Message} from "./libs/Message.sol";

/// @title Mailbox
/// @notice The one entry and exit point of cross-chain messages on a chain of AutoMobile Chain: `dispatch` numbers and
///         emits outgoing messages for relayers, `process` has incoming ones verified by the recipient's security
///         module and delivers each at most once. Spec: docs/cross-chain-messaging.md.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so it has the same address
///      on every chain; the domain is read from `block.chainid` at every call rather than stored.
contract Mailbox is IMailbox {
    using Message for bytes;

    /// @dev The delivery record of a message: who processed it, and in which block (non-zero once delivered).
    struct Delivery {
        address processor;
        uint64 blockNumber;
    }

    /// @inheritdoc IMailbox
    uint256 public constant MAX_BODY_SIZE = 64 * 1024;

    /// @inheritdoc IMailbox
    address public immutable initializer;

    /// @inheritdoc IMailbox
    IInterchainSecurityModule public defaultIsm;

    /// @inheritdoc IMailbox
    uint32 public nonce;

    mapping(bytes32 messageId => Delivery) private _deliveries;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IMailbox
    function initialize(IInterchainSecurityModule defaultIsm_) external {
        if (msg.sender != initializer) revert MailboxNotInitializer(msg.sender);
        if (address(defaultIsm) != address(0)) revert MailboxAlreadyInitialized();
        if (address(defaultIsm_) == address(0)) revert MailboxZeroDefaultIsm();
        if (block.chainid > type(uint32).max) revert MailboxChainIdTooLarge(block.chainid);
        defaultIsm = defaultIsm_;
        emit Initialized(defaultIsm_);
    }

    /// @inheritdoc IMailbox
    function localDomain() public view returns (uint32) {
        return uint32(block.chainid);
    }

    /// @inheritdoc IMailbox
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata body)
        external
        payable
        returns (bytes32 messageId)
    {
        if (address(defaultIsm) == address(0)) revert MailboxNotInitialized();
        if (msg.value != 0) revert MailboxValueNotAccepted(msg.value);
        if (body.length > MAX_BODY_SIZE) revert MailboxBodyTooLarge(body.length, MAX_BODY_SIZE);
        uint32 messageNonce = nonce;
        // Wrapping after 2^32 messages would reuse nonces and let ids collide; the checked add reverts instead.
        nonce = messageNonce + 1;
        bytes memory message = Message.formatMessage(
            Message.VERSION, messageNonce, localDomain(), Message.toBytes32(msg.sender), destination, recipient, body
        );
        messageId = Message.id(message);
        emit Dispatched(msg.sender, destination, recipient, messageId, messageNonce, message);
    }

    /// @inheritdoc IMailbox
    function process(bytes calldata metadata, bytes calldata message) external payable {
        if (address(defaultIsm) == address(0)) revert MailboxNotInitialized();
        if (message.length < Message.HEADER_LENGTH) revert MailboxMessageTooShort(message.length);
        uint8 version = message.version();
        if (version != Message.VERSION) revert MailboxWrongVersion(version);
        uint32 destination = message.destination();
        if (destination != localDomain()) revert MailboxWrongDestination(destination, localDomain());
        bytes32 messageId = Message.idCalldata(message);
        if (_deliveries[messageId].blockNumber != 0) revert MailboxAlreadyDelivered(messageId);
        address recipient = message.recipientAddress();
        if (recipient.code.length == 0) revert MailboxRecipientNotContract(recipient);

        // Effects before any external call: a recipient or ISM that re-enters with the same message finds it
        // delivered. If verification or delivery reverts, this write is rolled back and the message can be retried.
        _deliveries[messageId] = Delivery({processor: msg.sender, blockNumber: uint64(block.number)});
        uint32 origin = message.origin();
        bytes32 sender = message.sender();
        emit Processed(origin, sender, recipient, messageId);

        // A high-level call: a revert of the ISM (its own custom error) bubbles up unchanged.
        if (!recipientIsm(recipient).verify(metadata, message)) revert MailboxVerificationFailed(messageId);
        IMessageRecipient(recipient).handle{value: msg.value}(origin, sender, message.body());
    }

    /// @inheritdoc IMailbox
    function delivered(bytes32 messageId) external view returns (bool) {
        return _deliveries[messageId].blockNumber != 0;
    }

    /// @inheritdoc IMailbox
    function processedAt(bytes32 messageId) external view returns (uint64 blockNumber) {
        return _deliveries[messageId].blockNumber;
    }

    /// @inheritdoc IMailbox
    function processor(bytes32 messageId) external view returns (address) {
        return _deliveries[messageId].processor;
    }

    /// @inheritdoc IMailbox
    function recipientIsm(address recipient) public view returns (IInterchainSecurityModule) {
        // A low-level staticcall, so a recipient without `interchainSecurityModule()` (or with a fallback returning
        // garbage) falls back to the default instead of reverting.
        (bool ok, bytes memory ret) =
            recipient.staticcall(abi.encodeCall(ISpecifiesInterchainSecurityModule.interchainSecurityModule, ()));
        if (ok && ret.length >= 32) {
            uint256 word = abi.decode(ret, (uint256));
            // forge-lint: disable-next-line(unsafe-typecast) range checked on the same line
            if (word != 0 && word <= type(uint160).max) return IInterchainSecurityModule(address(uint160(word)));
        }
        return defaultIsm;
    }
}
