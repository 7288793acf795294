// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IStatusListRegistry
/// @notice Anchors W3C Bitstring Status Lists on the main chain: the issuer of a list registers it under its DID, then
///         anchors the hash of each new published state with a strictly increasing version, so a verifier can check
///         that the list it fetched is the issuer's latest (or the one current at a given time, from the events).
/// @dev A list is identified by `listId = keccak256(bytes(url))`, checked on registration. The list belongs to the
///      issuer DID, not to an address: whoever controls that DID in the DIDRegistry at the time may anchor, so
///      a controller rotation does not strand the list. A deactivated issuer DID can no longer anchor.
interface IStatusListRegistry {
    /// @notice A registered list and its latest anchored state.
    struct StatusList {
        bytes32 issuerDidId;
        uint8 purpose;
        uint64 registeredAt;
        uint64 version;
        uint64 anchoredAt;
        bytes32 stateHash;
        string url;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error StatusListRegistryNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error StatusListRegistryAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error StatusListRegistryZeroAddress();
    /// @notice The list id is not keccak256 of the URL (or the URL is empty).
    error StatusListRegistryListIdMismatch(bytes32 listId, bytes32 expected);
    /// @notice The purpose is neither 0 (revocation) nor 1 (suspension).
    error StatusListRegistryInvalidPurpose(uint8 purpose);
    /// @notice The list is already registered.
    error StatusListRegistryAlreadyRegistered(bytes32 listId);
    /// @notice The list is not registered.
    error StatusListRegistryUnknownList(bytes32 listId);
    /// @notice The caller is not the current controller of the issuer DID.
    error StatusListRegistryNotController(bytes32 issuerDidId, address caller);
    /// @notice The issuer DID is deactivated.
    error StatusListRegistryIssuerDeactivated(bytes32 issuerDidId);
    /// @notice The version is not above the current one.
    error StatusListRegistryStaleVersion(uint64 version, uint64 current);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed registry);
    /// @notice A list was registered under an issuer DID.
    event StatusListRegistered(bytes32 indexed listId, bytes32 indexed issuerDidId, string url, uint8 purpose);
    /// @notice A new state of the list was anchored.
    event StatusListAnchored(bytes32 indexed listId, uint64 indexed version, bytes32 stateHash);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param registry The DIDRegistry that says who controls an issuer DID.
    function initialize(address registry) external;

    /// @notice Registers a list (the current controller of `issuerDidId` only); it starts at version 0, no state.
    /// @param listId keccak256 of `url`.
    /// @param issuerDidId The issuer's DID id; the list belongs to that DID.
    /// @param url Where the list credential is published.
    /// @param purpose 0 revocation, 1 suspension (`statusPurpose` of the Bitstring Status List).
    function registerList(bytes32 listId, bytes32 issuerDidId, string calldata url, uint8 purpose) external;

    /// @notice Anchors a new state of a list (the current controller of its issuer DID only).
    /// @param stateHash Hash of the published list credential (computed off-chain, e.g. sha-256 of the JWT).
    /// @param version Must be strictly greater than the current version.
    function anchor(bytes32 listId, bytes32 stateHash, uint64 version) external;

    /// @notice Value of `purpose` for revocation lists.
    function PURPOSE_REVOCATION() external view returns (uint8);

    /// @notice Value of `purpose` for suspension lists.
    function PURPOSE_SUSPENSION() external view returns (uint8);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The DIDRegistry given to `initialize`.
    function registry() external view returns (address);

    /// @notice The latest anchored state of a list (zeros if never anchored or unknown).
    function current(bytes32 listId) external view returns (bytes32 stateHash, uint64 version, uint64 anchoredAt);

    /// @notice A list's registration and latest state (all zero if unknown).
    function list(bytes32 listId) external view returns (StatusList memory);

    /// @notice Whether the list is registered.
    function isRegistered(bytes32 listId) external view returns (bool);
}
