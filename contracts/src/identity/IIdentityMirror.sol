// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMessageRecipient} from "../xchain/interfaces/IMessageRecipient.sol";

/// @title IIdentityMirror
/// @notice On every chain (edge chains above all), what the main chain's identity layer told it: which DIDs are
///         deactivated, so local contracts and services can refuse a scrapped vehicle without asking main; and the
///         linkage seeds the V2X misbehaviour authority published, so local services can recognise the pseudonym
///         certificates of revoked devices.
/// @dev Accepts Mailbox messages only from the main domain, and each kind only from its one sender there: kind 1
///      (`abi.encode(uint8(1), bytes32 id)`) from VehicleLifecycle, kind 2 (`abi.encode(uint8(2), uint32 period,
///      uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2)`) from V2xTrustStore; see IdentityMessage.
///      An unknown kind reverts, so the message stays undelivered (and retryable) rather than silently dropped.
interface IIdentityMirror is IMessageRecipient {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error IdentityMirrorNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error IdentityMirrorAlreadyInitialized();
    /// @notice `initialize` got the zero address or domain 0, or the same address for lifecycle and trust store.
    error IdentityMirrorInvalidInitParams();
    /// @notice `handle` was called by another account than the Mailbox.
    error IdentityMirrorNotMailbox(address caller);
    /// @notice The message does not come from the main domain, or not from the sender allowed for its kind there
    ///         (VehicleLifecycle for kind 1, V2xTrustStore for kind 2).
    error IdentityMirrorUnauthorized(uint32 origin, bytes32 sender);
    /// @notice The body's kind is not known to this mirror.
    error IdentityMirrorUnknownKind(uint8 kind);
    /// @notice The body is not a well-formed encoding (first word not a uint8, or wrong length for its kind).
    error IdentityMirrorMalformedBody(uint256 length);
    /// @notice `handle` was sent native value, which the mirror would lock.
    error IdentityMirrorValueNotAccepted(uint256 value);
    /// @notice No linkage seed entry has this index.
    error IdentityMirrorUnknownLinkageSeed(uint256 index);

    /// @notice Emitted once, by `initialize`.
    event Initialized(
        address indexed mailbox, uint32 mainDomain, address indexed lifecycle, address indexed trustStore
    );
    /// @notice The main chain deactivated DID `id`; this chain now treats it as deactivated.
    event DIDDeactivationMirrored(bytes32 indexed id, uint32 origin);
    /// @notice Linkage seeds published on the main chain were stored here as local entry `index` (entries are
    ///         numbered in arrival order, which relayers may make differ from the main chain's order).
    event LinkageSeedsMirrored(
        uint256 indexed index, uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2
    );

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param mailbox The local Mailbox.
    /// @param mainDomain The main chain's domain (chain id).
    /// @param lifecycle The VehicleLifecycle contract on the main chain, the only accepted sender of kind 1.
    /// @param trustStore The V2xTrustStore contract on the main chain, the only accepted sender of kind 2.
    function initialize(address mailbox, uint32 mainDomain, address lifecycle, address trustStore) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice The main chain's domain.
    function mainDomain() external view returns (uint32);

    /// @notice The accepted sender of kind 1 (DID deactivated) on the main chain.
    function lifecycle() external view returns (address);

    /// @notice The accepted sender of kind 2 (linkage seeds published) on the main chain.
    function trustStore() external view returns (address);

    /// @notice Whether the main chain told this chain that DID `id` is deactivated.
    function isDeactivated(bytes32 id) external view returns (bool);

    /// @notice Number of linkage seed entries received.
    function linkageSeedCount() external view returns (uint256);

    /// @notice Linkage seed entry `index`, in arrival order (reverts with `IdentityMirrorUnknownLinkageSeed` past the
    ///         end).
    function linkageSeed(uint256 index)
        external
        view
        returns (uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2);
}
