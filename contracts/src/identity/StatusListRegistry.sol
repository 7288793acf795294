// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IStatusListRegistry} from "./IStatusListRegistry.sol";
import {IDIDRegistry} from "./IDIDRegistry.sol";

/// @title StatusListRegistry
/// @notice Anchors the states of Bitstring Status Lists on the main chain (see IStatusListRegistry); the full
///         history of a list is in its `StatusListAnchored` events, indexed by list and version.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code (same address on every chain).
contract StatusListRegistry is IStatusListRegistry {
    /// @inheritdoc IStatusListRegistry
    uint8 public constant PURPOSE_REVOCATION = 0;
    /// @inheritdoc IStatusListRegistry
    uint8 public constant PURPOSE_SUSPENSION = 1;

    /// @inheritdoc IStatusListRegistry
    address public immutable initializer;

    /// @inheritdoc IStatusListRegistry
    address public registry;

    /// @dev A registered list has a non-zero issuer (the DIDRegistry never creates id 0, so nobody controls it);
    ///      `issuerDidId != 0` is how existence is read.
    mapping(bytes32 listId => StatusList) private _lists;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IStatusListRegistry
    function initialize(address registry_) external {
        if (msg.sender != initializer) revert StatusListRegistryNotInitializer(msg.sender);
        if (registry != address(0)) revert StatusListRegistryAlreadyInitialized();
        if (registry_ == address(0)) revert StatusListRegistryZeroAddress();
        registry = registry_;
        emit Initialized(registry_);
    }

    /// @inheritdoc IStatusListRegistry
    function registerList(bytes32 listId, bytes32 issuerDidId, string calldata url, uint8 purpose) external {
        bytes32 expected = keccak256(bytes(url));
        if (bytes(url).length == 0 || listId != expected) revert StatusListRegistryListIdMismatch(listId, expected);
        if (purpose > PURPOSE_SUSPENSION) revert StatusListRegistryInvalidPurpose(purpose);
        StatusList storage l = _lists[listId];
        if (l.issuerDidId != bytes32(0)) revert StatusListRegistryAlreadyRegistered(listId);
        _onlyIssuerController(issuerDidId);
        l.issuerDidId = issuerDidId;
        l.purpose = purpose;
        l.registeredAt = uint64(block.timestamp);
        l.url = url;
        emit StatusListRegistered(listId, issuerDidId, url, purpose);
    }

    /// @inheritdoc IStatusListRegistry
    function anchor(bytes32 listId, bytes32 stateHash, uint64 version) external {
        StatusList storage l = _lists[listId];
        if (l.issuerDidId == bytes32(0)) revert StatusListRegistryUnknownList(listId);
        _onlyIssuerController(l.issuerDidId);
        if (version <= l.version) revert StatusListRegistryStaleVersion(version, l.version);
        l.stateHash = stateHash;
        l.version = version;
        l.anchoredAt = uint64(block.timestamp);
        emit StatusListAnchored(listId, version, stateHash);
    }

    /// @inheritdoc IStatusListRegistry
    function current(bytes32 listId) external view returns (bytes32 stateHash, uint64 version, uint64 anchoredAt) {
        StatusList storage l = _lists[listId];
        return (l.stateHash, l.version, l.anchoredAt);
    }

    /// @inheritdoc IStatusListRegistry
    function list(bytes32 listId) external view returns (StatusList memory) {
        return _lists[listId];
    }

    /// @inheritdoc IStatusListRegistry
    function isRegistered(bytes32 listId) external view returns (bool) {
        return _lists[listId].issuerDidId != bytes32(0);
    }

    function _onlyIssuerController(bytes32 issuerDidId) private view {
        IDIDRegistry r = IDIDRegistry(registry);
        if (msg.sender != r.controllerOf(issuerDidId)) revert StatusListRegistryNotController(issuerDidId, msg.sender);
        if (r.isDeactivated(issuerDidId)) revert StatusListRegistryIssuerDeactivated(issuerDidId);
    }
}
