// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IDIDRegistry} from "./IDIDRegistry.sol";

/// @title DIDRegistry
/// @notice The `did:amc` registry on the main chain (see IDIDRegistry): controllers, subject types and deactivation in
///         storage, everything else (verification methods, services, history) in events chained by `previousChange`.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so it has the same address
///      on every chain. EIP712 caches its domain separator in immutables at construction and rebuilds it when the
///      chain id differs, so the init code stays chain-independent.
contract DIDRegistry is IDIDRegistry, EIP712 {
    /// @dev What the registry must know about a DID to guard changes; one storage slot.
    struct Identity {
        address controller;
        SubjectType subjectType;
        bool deactivated;
    }

    /// @inheritdoc IDIDRegistry
    uint256 public constant MAX_VALUE_LENGTH = 4096;

    // EIP-712 struct types of the signed variants; `bytes value` is hashed as keccak256(value), per EIP-712.
    bytes32 public constant CHANGE_CONTROLLER_TYPEHASH =
        keccak256("ChangeController(bytes32 id,address newController,uint256 nonce,uint256 deadline)");
    bytes32 public constant DEACTIVATE_TYPEHASH = keccak256("Deactivate(bytes32 id,uint256 nonce,uint256 deadline)");
    bytes32 public constant SET_ATTRIBUTE_TYPEHASH =
        keccak256("SetAttribute(bytes32 id,bytes32 name,bytes value,uint64 validity,uint256 nonce,uint256 deadline)");
    bytes32 public constant REVOKE_ATTRIBUTE_TYPEHASH =
        keccak256("RevokeAttribute(bytes32 id,bytes32 name,bytes value,uint256 nonce,uint256 deadline)");
    bytes32 public constant ADD_DELEGATE_TYPEHASH = keccak256(
        "AddDelegate(bytes32 id,bytes32 delegateType,address delegate,uint64 validity,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant REVOKE_DELEGATE_TYPEHASH =
        keccak256("RevokeDelegate(bytes32 id,bytes32 delegateType,address delegate,uint256 nonce,uint256 deadline)");

    /// @inheritdoc IDIDRegistry
    address public immutable initializer;

    /// @inheritdoc IDIDRegistry
    address public consortium;
    /// @inheritdoc IDIDRegistry
    address public lifecycle;

    /// @inheritdoc IDIDRegistry
    mapping(bytes32 id => uint256 blockNumber) public changed;
    /// @inheritdoc IDIDRegistry
    mapping(address controller => uint256) public nonce;

    mapping(bytes32 id => Identity) private _identities;
    mapping(bytes32 id => mapping(bytes32 delegateType => mapping(address delegate => uint64 validTo))) private
        _delegates;

    modifier onlyLifecycle() {
        if (msg.sender != lifecycle || msg.sender == address(0)) revert DIDRegistryUnauthorized(msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) EIP712("AMC DIDRegistry", "1") {
        initializer = initializer_;
    }

    /// @inheritdoc IDIDRegistry
    function initialize(address consortium_, address lifecycle_) external {
        if (msg.sender != initializer) revert DIDRegistryNotInitializer(msg.sender);
        if (lifecycle != address(0)) revert DIDRegistryAlreadyInitialized();
        if (consortium_ == address(0) || lifecycle_ == address(0)) revert DIDRegistryZeroAddress();
        consortium = consortium_;
        lifecycle = lifecycle_;
        emit Initialized(consortium_, lifecycle_);
    }

    // ---------------------------------------------------------------- creation and control

    /// @inheritdoc IDIDRegistry
    function create(bytes32 salt, address controller, SubjectType subjectType) external returns (bytes32 id) {
        if (subjectType == SubjectType.None) revert DIDRegistryInvalidSubjectType();
        // One VIN maps to one vehicle DID only if nobody but the lifecycle can mint Vehicle DIDs, and only through
        // createVehicle; the lifecycle itself has no use for a salt-derived Vehicle id either.
        if (subjectType == SubjectType.Vehicle) revert DIDRegistryUnauthorized(msg.sender);
        // Derived from the caller, so no caller can take an id it did not derive (e.g. a pending vehicle's id).
        id = didId(msg.sender, salt);
        _create(id, controller, subjectType);
    }

    /// @inheritdoc IDIDRegistry
    function createVehicle(bytes32 id, address controller) external onlyLifecycle {
        if (id == bytes32(0)) revert DIDRegistryZeroId();
        _create(id, controller, SubjectType.Vehicle);
    }

    /// @inheritdoc IDIDRegistry
    function changeController(bytes32 id, address newController) external {
        Identity storage d = _notVehicle(id);
        _onlyController(d, id);
        _setController(d, id, newController);
    }

    /// @inheritdoc IDIDRegistry
    function changeControllerSigned(bytes32 id, address newController, uint256 deadline, bytes calldata signature)
        external
    {
        Identity storage d = _notVehicle(id);
        address c = d.controller;
        _verify(
            c,
            keccak256(abi.encode(CHANGE_CONTROLLER_TYPEHASH, id, newController, _useNonce(c), deadline)),
            deadline,
            signature
        );
        _setController(d, id, newController);
    }

    /// @inheritdoc IDIDRegistry
    function deactivate(bytes32 id) external {
        Identity storage d = _notVehicle(id);
        _onlyController(d, id);
        _deactivate(d, id);
    }

    /// @inheritdoc IDIDRegistry
    function deactivateSigned(bytes32 id, uint256 deadline, bytes calldata signature) external {
        Identity storage d = _notVehicle(id);
        address c = d.controller;
        _verify(c, keccak256(abi.encode(DEACTIVATE_TYPEHASH, id, _useNonce(c), deadline)), deadline, signature);
        _deactivate(d, id);
    }

    // ---------------------------------------------------------------- attributes

    /// @inheritdoc IDIDRegistry
    function setAttribute(bytes32 id, bytes32 name, bytes calldata value, uint64 validity) external {
        _onlyController(_active(id), id);
        _setAttribute(id, name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    function setAttributeSigned(
        bytes32 id,
        bytes32 name,
        bytes calldata value,
        uint64 validity,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address c = _active(id).controller;
        bytes32 structHash =
            keccak256(abi.encode(SET_ATTRIBUTE_TYPEHASH, id, name, keccak256(value), validity, _useNonce(c), deadline));
        _verify(c, structHash, deadline, signature);
        _setAttribute(id, name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    function revokeAttribute(bytes32 id, bytes32 name, bytes calldata value) external {
        _onlyController(_active(id), id);
        _revokeAttribute(id, name, value);
    }

    /// @inheritdoc IDIDRegistry
    function revokeAttributeSigned(
        bytes32 id,
        bytes32 name,
        bytes calldata value,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address c = _active(id).controller;
        bytes32 structHash =
            keccak256(abi.encode(REVOKE_ATTRIBUTE_TYPEHASH, id, name, keccak256(value), _useNonce(c), deadline));
        _verify(c, structHash, deadline, signature);
        _revokeAttribute(id, name, value);
    }

    // ---------------------------------------------------------------- delegates

    /// @inheritdoc IDIDRegistry
    function addDelegate(bytes32 id, bytes32 delegateType, address delegate, uint64 validity) external {
        _onlyController(_active(id), id);
        _addDelegate(id, delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    function addDelegateSigned(
        bytes32 id,
        bytes32 delegateType,
        address delegate,
        uint64 validity,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address c = _active(id).controller;
        bytes32 structHash =
            keccak256(abi.encode(ADD_DELEGATE_TYPEHASH, id, delegateType, delegate, validity, _useNonce(c), deadline));
        _verify(c, structHash, deadline, signature);
        _addDelegate(id, delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    function revokeDelegate(bytes32 id, bytes32 delegateType, address delegate) external {
        _onlyController(_active(id), id);
        _revokeDelegate(id, delegateType, delegate);
    }

    /// @inheritdoc IDIDRegistry
    function revokeDelegateSigned(
        bytes32 id,
        bytes32 delegateType,
        address delegate,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address c = _active(id).controller;
        bytes32 structHash =
            keccak256(abi.encode(REVOKE_DELEGATE_TYPEHASH, id, delegateType, delegate, _useNonce(c), deadline));
        _verify(c, structHash, deadline, signature);
        _revokeDelegate(id, delegateType, delegate);
    }

    // ---------------------------------------------------------------- lifecycle-only

    /// @inheritdoc IDIDRegistry
    function lifecycleSetController(bytes32 id, address newController) external onlyLifecycle {
        _setController(_vehicle(id), id, newController);
    }

    /// @inheritdoc IDIDRegistry
    function lifecycleDeactivate(bytes32 id) external onlyLifecycle {
        _deactivate(_vehicle(id), id);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDIDRegistry
    function didId(address creator, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }

    /// @inheritdoc IDIDRegistry
    function controllerOf(bytes32 id) external view returns (address) {
        return _identities[id].controller;
    }

    /// @inheritdoc IDIDRegistry
    function subjectTypeOf(bytes32 id) external view returns (SubjectType) {
        return _identities[id].subjectType;
    }

    /// @inheritdoc IDIDRegistry
    function isDeactivated(bytes32 id) external view returns (bool) {
        return _identities[id].deactivated;
    }

    /// @inheritdoc IDIDRegistry
    function exists(bytes32 id) external view returns (bool) {
        return _identities[id].subjectType != SubjectType.None;
    }

    /// @inheritdoc IDIDRegistry
    function validDelegate(bytes32 id, bytes32 delegateType, address delegate) external view returns (bool) {
        // Delegations last hours to years; a validator's few seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        return !_identities[id].deactivated && _delegates[id][delegateType][delegate] > block.timestamp;
    }

    /// @inheritdoc IDIDRegistry
    function delegateValidTo(bytes32 id, bytes32 delegateType, address delegate) external view returns (uint64) {
        return _delegates[id][delegateType][delegate];
    }

    /// @inheritdoc IDIDRegistry
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// @dev The DID, which must exist and not be deactivated.
    function _active(bytes32 id) private view returns (Identity storage d) {
        d = _identities[id];
        if (d.subjectType == SubjectType.None) revert DIDRegistryNotFound(id);
        if (d.deactivated) revert DIDRegistryDeactivated(id);
    }

    /// @dev An active DID that is not a Vehicle DID (whose control belongs to the lifecycle).
    function _notVehicle(bytes32 id) private view returns (Identity storage d) {
        d = _active(id);
        if (d.subjectType == SubjectType.Vehicle) revert DIDRegistryUseLifecycle(id);
    }

    /// @dev An active Vehicle DID.
    function _vehicle(bytes32 id) private view returns (Identity storage d) {
        d = _active(id);
        if (d.subjectType != SubjectType.Vehicle) revert DIDRegistryNotVehicle(id);
    }

    function _onlyController(Identity storage d, bytes32 id) private view {
        if (msg.sender != d.controller) revert DIDRegistryNotController(id, msg.sender);
    }

    /// @dev Returns the controller's current nonce and consumes it; a failed verification reverts the increment.
    function _useNonce(address controller) private returns (uint256) {
        return nonce[controller]++;
    }

    function _verify(address signer, bytes32 structHash, uint256 deadline, bytes calldata signature) private view {
        // Deadlines are minutes to hours away; timestamp leeway does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert DIDRegistryExpired(deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, _hashTypedDataV4(structHash), signature)) {
            revert DIDRegistryBadSignature();
        }
    }

    /// @dev Records a change in this block and returns the block of the previous one, for the event.
    function _touch(bytes32 id) private returns (uint256 previous) {
        previous = changed[id];
        changed[id] = block.number;
    }

    /// @dev Stores and announces a new DID; `id` must be unused (deactivated DIDs keep theirs for good).
    function _create(bytes32 id, address controller, SubjectType subjectType) private {
        if (controller == address(0)) revert DIDRegistryZeroAddress();
        Identity storage d = _identities[id];
        if (d.subjectType != SubjectType.None) revert DIDRegistryAlreadyExists(id);
        d.controller = controller;
        d.subjectType = subjectType;
        uint256 previous = _touch(id);
        emit DIDCreated(id, controller, subjectType, previous);
    }

    function _setController(Identity storage d, bytes32 id, address newController) private {
        if (newController == address(0)) revert DIDRegistryZeroAddress();
        d.controller = newController;
        uint256 previous = _touch(id);
        emit DIDControllerChanged(id, newController, previous);
    }

    function _deactivate(Identity storage d, bytes32 id) private {
        d.deactivated = true;
        uint256 previous = _touch(id);
        emit DIDDeactivated(id, previous);
    }

    function _setAttribute(bytes32 id, bytes32 name, bytes calldata value, uint64 validity) private {
        if (value.length > MAX_VALUE_LENGTH) revert DIDRegistryValueTooLarge(value.length, MAX_VALUE_LENGTH);
        uint64 validTo = _validTo(validity);
        uint256 previous = _touch(id);
        emit DIDAttributeChanged(id, name, value, validTo, previous);
    }

    function _revokeAttribute(bytes32 id, bytes32 name, bytes calldata value) private {
        if (value.length > MAX_VALUE_LENGTH) revert DIDRegistryValueTooLarge(value.length, MAX_VALUE_LENGTH);
        uint256 previous = _touch(id);
        emit DIDAttributeChanged(id, name, value, 0, previous);
    }

    function _addDelegate(bytes32 id, bytes32 delegateType, address delegate, uint64 validity) private {
        if (delegate == address(0)) revert DIDRegistryZeroAddress();
        uint64 validTo = _validTo(validity);
        _delegates[id][delegateType][delegate] = validTo;
        uint256 previous = _touch(id);
        emit DIDDelegateChanged(id, delegateType, delegate, validTo, previous);
    }

    function _revokeDelegate(bytes32 id, bytes32 delegateType, address delegate) private {
        delete _delegates[id][delegateType][delegate];
        uint256 previous = _touch(id);
        emit DIDDelegateChanged(id, delegateType, delegate, 0, previous);
    }

    /// @dev now + validity, saturated at uint64 max ("never expires"); 0 is reserved for revocations.
    function _validTo(uint64 validity) private view returns (uint64) {
        if (validity == 0) revert DIDRegistryZeroValidity();
        uint256 t = block.timestamp + validity;
        // forge-lint: disable-next-line(unsafe-typecast) range checked on the same line
        return t > type(uint64).max ? type(uint64).max : uint64(t);
    }
}
