// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IVehicleLifecycle} from "./IVehicleLifecycle.sol";
import {IDIDRegistry} from "./IDIDRegistry.sol";
import {IdentityMessage} from "./IdentityMessage.sol";
import {IConsortium} from "../governance/IConsortium.sol";
import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title VehicleLifecycle
/// @notice The vehicle state machine on the main chain (see IVehicleLifecycle). It is the only account the DIDRegistry
///         lets create, transfer and deactivate Vehicle DIDs, so a vehicle's controller can only change here.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code (same address on every
///      chain). The registry, Consortium and Mailbox are trusted contracts of the same deployment.
contract VehicleLifecycle is IVehicleLifecycle, EIP712 {
    // The Consortium's role ids (IConsortium.OEM() etc.), inlined to save a call per check.
    bytes32 private constant OEM = keccak256("OEM");
    bytes32 private constant REGULATOR = keccak256("REGULATOR");
    bytes32 private constant INSURER = keccak256("INSURER");

    /// @notice EIP-712 struct type of `transferSigned`.
    bytes32 public constant TRANSFER_TYPEHASH =
        keccak256("Transfer(bytes32 id,address newController,uint256 nonce,uint256 deadline)");

    /// @inheritdoc IVehicleLifecycle
    address public immutable initializer;

    /// @inheritdoc IVehicleLifecycle
    address public consortium;
    /// @inheritdoc IVehicleLifecycle
    address public registry;
    /// @inheritdoc IVehicleLifecycle
    address public mailbox;
    /// @inheritdoc IVehicleLifecycle
    address public mirror;

    /// @inheritdoc IVehicleLifecycle
    mapping(address controller => uint256) public nonce;

    mapping(bytes32 id => VehicleInfo) private _vehicles;

    modifier onlyRole(bytes32 role) {
        if (!IConsortium(consortium).hasRole(role, msg.sender)) revert VehicleLifecycleMissingRole(role, msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) EIP712("AMC VehicleLifecycle", "1") {
        initializer = initializer_;
    }

    /// @inheritdoc IVehicleLifecycle
    function initialize(address consortium_, address registry_, address mailbox_, address mirror_) external {
        if (msg.sender != initializer) revert VehicleLifecycleNotInitializer(msg.sender);
        if (consortium != address(0)) revert VehicleLifecycleAlreadyInitialized();
        if (consortium_ == address(0) || registry_ == address(0) || mailbox_ == address(0) || mirror_ == address(0)) {
            revert VehicleLifecycleZeroAddress();
        }
        consortium = consortium_;
        registry = registry_;
        mailbox = mailbox_;
        mirror = mirror_;
        emit Initialized(consortium_, registry_, mailbox_, mirror_);
    }

    /// @inheritdoc IVehicleLifecycle
    function produce(bytes32 id, bytes32 specHash) external onlyRole(OEM) {
        VehicleInfo storage v = _vehicles[id];
        if (v.state != VehicleState.None) revert VehicleLifecycleInvalidState(id, v.state);
        v.state = VehicleState.Produced;
        v.oem = msg.sender;
        v.producedAt = uint64(block.timestamp);
        // Only this contract may call createVehicle, and `create` derives its ids from the creator and a salt, so no
        // one can take a vehicle's id ahead of its production. Reverts with DIDRegistryAlreadyExists if the id is
        // taken anyway (a keccak collision), and DIDRegistryZeroId for 0.
        IDIDRegistry(registry).createVehicle(id, msg.sender);
        emit VehicleProduced(id, msg.sender, specHash);
    }

    /// @inheritdoc IVehicleLifecycle
    function register(bytes32 id, bytes32 registrationHash) external onlyRole(REGULATOR) {
        VehicleInfo storage v = _known(id);
        if (v.state != VehicleState.Produced) revert VehicleLifecycleInvalidState(id, v.state);
        v.state = VehicleState.Registered;
        v.registeredAt = uint64(block.timestamp);
        emit VehicleRegistered(id, msg.sender, registrationHash);
    }

    /// @inheritdoc IVehicleLifecycle
    function transfer(bytes32 id, address newController) external {
        VehicleInfo storage v = _transferable(id);
        address from = IDIDRegistry(registry).controllerOf(id);
        if (msg.sender != from) revert VehicleLifecycleNotController(id, msg.sender);
        _transfer(v, id, from, newController);
    }

    /// @inheritdoc IVehicleLifecycle
    function transferSigned(bytes32 id, address newController, uint256 deadline, bytes calldata signature) external {
        VehicleInfo storage v = _transferable(id);
        // Deadlines are minutes to hours away; timestamp leeway does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert VehicleLifecycleExpired(deadline);
        address from = IDIDRegistry(registry).controllerOf(id);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(TRANSFER_TYPEHASH, id, newController, nonce[from]++, deadline)));
        if (!SignatureChecker.isValidSignatureNowCalldata(from, digest, signature)) {
            revert VehicleLifecycleBadSignature();
        }
        _transfer(v, id, from, newController);
    }

    /// @inheritdoc IVehicleLifecycle
    function recordInspection(bytes32 id, bytes32 reportHash) external onlyRole(REGULATOR) {
        VehicleInfo storage v = _registered(id);
        v.lastInspectionHash = reportHash;
        emit InspectionRecorded(id, msg.sender, reportHash);
    }

    /// @inheritdoc IVehicleLifecycle
    function recordAccident(bytes32 id, bytes32 reportHash) external {
        IConsortium c = IConsortium(consortium);
        if (!c.hasRole(INSURER, msg.sender) && !c.hasRole(REGULATOR, msg.sender)) {
            revert VehicleLifecycleMissingRole(INSURER, msg.sender);
        }
        VehicleInfo storage v = _registered(id);
        ++v.accidentCount;
        emit AccidentRecorded(id, msg.sender, reportHash);
    }

    /// @inheritdoc IVehicleLifecycle
    function scrap(bytes32 id) external {
        VehicleInfo storage v = _known(id);
        if (v.state == VehicleState.Scrapped) revert VehicleLifecycleInvalidState(id, v.state);
        IConsortium c = IConsortium(consortium);
        if (msg.sender != IDIDRegistry(registry).controllerOf(id) && !c.hasRole(REGULATOR, msg.sender)) {
            revert VehicleLifecycleUnauthorized(id, msg.sender);
        }
        v.state = VehicleState.Scrapped;
        IDIDRegistry(registry).lifecycleDeactivate(id);
        emit VehicleScrapped(id, msg.sender);

        // The mirror has the same address on every chain (CREATE2), so one recipient value serves all domains.
        bytes32 recipient = Message.toBytes32(mirror);
        bytes memory body = IdentityMessage.didDeactivated(id);
        uint32[] memory domains = c.domains();
        uint256 local = block.chainid;
        for (uint256 i; i < domains.length; ++i) {
            if (domains[i] != local) IMailbox(mailbox).dispatch(domains[i], recipient, body);
        }
    }

    /// @inheritdoc IVehicleLifecycle
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IVehicleLifecycle
    function vehicle(bytes32 id) external view returns (VehicleInfo memory) {
        return _vehicles[id];
    }

    /// @inheritdoc IVehicleLifecycle
    function stateOf(bytes32 id) external view returns (VehicleState) {
        return _vehicles[id].state;
    }

    // ---------------------------------------------------------------- internals

    function _known(bytes32 id) private view returns (VehicleInfo storage v) {
        v = _vehicles[id];
        if (v.state == VehicleState.None) revert VehicleLifecycleUnknownVehicle(id);
    }

    function _registered(bytes32 id) private view returns (VehicleInfo storage v) {
        v = _known(id);
        if (v.state != VehicleState.Registered) revert VehicleLifecycleInvalidState(id, v.state);
    }

    function _transferable(bytes32 id) private view returns (VehicleInfo storage v) {
        v = _known(id);
        if (v.state == VehicleState.Scrapped) revert VehicleLifecycleInvalidState(id, v.state);
    }

    function _transfer(VehicleInfo storage v, bytes32 id, address from, address to) private {
        if (to == address(0)) revert VehicleLifecycleZeroAddress();
        ++v.transferCount;
        IDIDRegistry(registry).lifecycleSetController(id, to);
        emit VehicleTransferred(id, from, to);
    }
}
