// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IInterchainSecurityModule} from "./IInterchainSecurityModule.sol";
import {IMessageRecipient} from "./IMessageRecipient.sol";

/// @title IMultisigIsm
/// @notice Accepts a message when at least `threshold` of the current validators of its origin domain signed its id.
///         Holds the validator set of every domain of the consortium; the sets are changed only by governance (the
///         Consortium on the governance domain), locally through `applyLocal` or remotely through messages that the
///         Mailbox delivers to `handle`.
interface IMultisigIsm is IInterchainSecurityModule, IMessageRecipient {
    /// @notice An initial validator set, given to `initialize` (it gets version 1).
    struct ValidatorSetInit {
        uint32 domain;
        address[] validators;
        uint8 threshold;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error MultisigIsmNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error MultisigIsmAlreadyInitialized();
    /// @notice `initialize` got the zero address for the mailbox or governance.
    error MultisigIsmZeroAddress();
    /// @notice `initialize` got two initial sets for the same domain.
    error MultisigIsmDuplicateDomain(uint32 domain);
    /// @notice No validator set is known for the message's origin domain.
    error MultisigIsmNoValidatorSet(uint32 origin);
    /// @notice The message to verify is shorter than the 77-byte header.
    error MultisigIsmMessageTooShort(uint256 length);
    /// @notice The metadata is empty or not a whole number of 65-byte signatures.
    error MultisigIsmInvalidMetadataLength(uint256 length);
    /// @notice Signature `index` does not recover to an address (bad v, high s, or invalid point).
    error MultisigIsmInvalidSignature(uint256 index);
    /// @notice Signer of signature `index` is not strictly greater than the previous signer (unsorted or duplicate).
    error MultisigIsmSignersNotAscending(uint256 index);
    /// @notice A signature was made by an account that is not a current validator of the origin domain.
    error MultisigIsmSignerNotValidator(address signer);
    /// @notice Fewer valid signatures than the threshold of the origin domain.
    error MultisigIsmInsufficientSignatures(uint256 valid, uint256 threshold);
    /// @notice `handle` was called by another account than the Mailbox.
    error MultisigIsmNotMailbox(address caller);
    /// @notice A validator set update did not come from governance on the governance domain. For `applyLocal`,
    ///         `origin` is the local domain and `sender` the caller.
    error MultisigIsmUnauthorizedUpdate(uint32 origin, bytes32 sender);
    /// @notice A validator set is empty, larger than 32, or its threshold is 0 or above its size.
    error MultisigIsmInvalidValidatorSet(uint256 validatorCount, uint8 threshold);
    /// @notice Validator `index` of a new set is the zero address or repeats an earlier one.
    error MultisigIsmInvalidValidator(uint256 index, address validator);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox, uint32 governanceDomain, address indexed governance);

    /// @notice The validator set of `domain` changed (also emitted for each initial set).
    /// @param domain Domain whose validators sign its outgoing messages.
    /// @param version New version of the set (strictly increasing per domain).
    /// @param validators New validators.
    /// @param threshold New number of signatures required.
    event ValidatorSetChanged(uint32 indexed domain, uint64 indexed version, address[] validators, uint8 threshold);

    /// @notice An update was not applied because its version is not newer than the current one. It is not a revert,
    ///         so a relayer delivering updates out of order is never stuck.
    event ValidatorSetUpdateIgnored(uint32 domain, uint64 version, uint64 currentVersion);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox (same address on every chain).
    /// @param governanceDomain Domain of the chain where governance (the Consortium) lives.
    /// @param governance The Consortium contract, the only account that may change validator sets.
    /// @param sets Initial validator sets, each installed with version 1.
    function initialize(address mailbox, uint32 governanceDomain, address governance, ValidatorSetInit[] calldata sets)
        external;

    /// @notice Verifies that at least `threshold` current validators of the message's origin signed
    ///         `signingDigest(origin, keccak256(message))`.
    /// @param metadata Concatenated 65-byte signatures `r ‖ s ‖ v` (v = 27 or 28), signers strictly ascending.
    /// @param message The serialised message.
    /// @return Always true; every rejection reverts with one of this interface's errors.
    function verify(bytes calldata metadata, bytes calldata message) external view returns (bool);

    /// @notice Applies a validator set update sent by governance through the Mailbox. Only the Mailbox may call it,
    ///         and only for messages from `governance` on `governanceDomain`.
    /// @param origin Origin domain of the update message.
    /// @param sender Sender of the update message.
    /// @param body `abi.encode(uint32 domain, address[] validators, uint8 threshold, uint64 version)`.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable;

    /// @notice Applies a validator set update on the governance chain itself; only `governance` may call it, and only
    ///         when `block.chainid == governanceDomain`. Like `handle`, an update not newer than the current version is
    ///         ignored with `ValidatorSetUpdateIgnored`.
    function applyLocal(uint32 domain, address[] calldata validators, uint8 threshold, uint64 version) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice Domain of the chain where governance lives.
    function governanceDomain() external view returns (uint32);

    /// @notice The governance contract (Consortium).
    function governance() external view returns (address);

    /// @notice Current validators and threshold of `origin` (empty and 0 when unknown).
    function validatorsAndThreshold(uint32 origin) external view returns (address[] memory, uint8);

    /// @notice Current version of the validator set of `origin` (0 when unknown).
    function validatorSetVersion(uint32 origin) external view returns (uint64);

    /// @notice Whether `account` is a current validator of `origin`.
    function isValidator(uint32 origin, address account) external view returns (bool);

    /// @notice The digest validators sign for a message: the EIP-191 personal-sign hash of
    ///         `keccak256(abi.encodePacked("AMC/xchain/v1", origin, bytes32(mailbox), messageId))`.
    /// @dev The origin chain's Mailbox has the same address as the local one (CREATE2), so the local address is used.
    function signingDigest(uint32 origin, bytes32 messageId) external view returns (bytes32);
}
