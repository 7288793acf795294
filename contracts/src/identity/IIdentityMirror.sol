// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMessageRecipient} from "../xchain/interfaces/IMessageRecipient.sol";

/// @title IIdentityMirror
/// @notice On every chain (edge chains above all), what the main chain's identity layer told it: which DIDs are
///         deactivated, so local contracts and services can refuse a scrapped vehicle without asking main.
/// @dev Accepts Mailbox messages only from the VehicleLifecycle contract on the main domain. Bodies follow
///      IdentityMessage: `abi.encode(uint8 kind, ...payload)`; kind 1 is `abi.encode(uint8(1), bytes32 id)`.
///      An unknown kind reverts, so the message stays undelivered (and retryable) rather than silently dropped.
interface IIdentityMirror is IMessageRecipient {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error IdentityMirrorNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error IdentityMirrorAlreadyInitialized();
    /// @notice `initialize` got the zero address or domain 0.
    error IdentityMirrorInvalidInitParams();
    /// @notice `handle` was called by another account than the Mailbox.
    error IdentityMirrorNotMailbox(address caller);
    /// @notice The message does not come from the lifecycle contract on the main domain.
    error IdentityMirrorUnauthorized(uint32 origin, bytes32 sender);
    /// @notice The body's kind is not known to this mirror.
    error IdentityMirrorUnknownKind(uint8 kind);
    /// @notice The body is not a well-formed encoding (first word not a uint8, or wrong length for its kind).
    error IdentityMirrorMalformedBody(uint256 length);
    /// @notice `handle` was sent native value, which the mirror would lock.
    error IdentityMirrorValueNotAccepted(uint256 value);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox, uint32 mainDomain, address indexed lifecycle);
    /// @notice The main chain deactivated DID `id`; this chain now treats it as deactivated.
    event DIDDeactivationMirrored(bytes32 indexed id, uint32 origin);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox.
    /// @param mainDomain The main chain's domain (chain id).
    /// @param lifecycle The VehicleLifecycle contract on the main chain, the only accepted sender.
    function initialize(address mailbox, uint32 mainDomain, address lifecycle) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice The main chain's domain.
    function mainDomain() external view returns (uint32);

    /// @notice The accepted sender on the main chain.
    function lifecycle() external view returns (address);

    /// @notice Whether the main chain told this chain that DID `id` is deactivated.
    function isDeactivated(bytes32 id) external view returns (bool);
}
