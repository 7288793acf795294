// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IVehicleLifecycle
/// @notice The life of a vehicle on the main chain, indexed by its DID id: produced by an OEM (which creates the
///         Vehicle DID with the OEM as controller), registered by a regulator, sold (the DID's controller moves to the
///         buyer), inspected, accident-recorded, scrapped (the DID is deactivated and every other consortium chain is
///         told through the Mailbox, so edge chains stop trusting it).
/// @dev Roles come from the Consortium (`hasRole`). State machine:
///      None --produce--> Produced --register--> Registered; transfer in Produced or Registered; inspections and
///      accidents in Registered; scrap from Produced or Registered --> Scrapped (final).
///      The scrap message to each other domain goes to the IdentityMirror (same address on every chain) with body
///      `abi.encode(uint8(1), bytes32 id)` (kind 1: DID deactivated).
interface IVehicleLifecycle {
    /// @notice Where a vehicle is in its life.
    enum VehicleState {
        None,
        Produced,
        Registered,
        Scrapped
    }

    /// @notice What the chain keeps of a vehicle; the hashes of specs, registrations and reports are in the events.
    struct VehicleInfo {
        VehicleState state;
        address oem;
        uint64 producedAt;
        uint64 registeredAt;
        uint32 transferCount;
        uint32 accidentCount;
        bytes32 lastInspectionHash;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error VehicleLifecycleNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error VehicleLifecycleAlreadyInitialized();
    /// @notice An address given to `initialize`, or a new controller, is the zero address.
    error VehicleLifecycleZeroAddress();
    /// @notice The account lacks the consortium role (for accidents, which REGULATOR or INSURER may record, the
    ///         error names INSURER).
    error VehicleLifecycleMissingRole(bytes32 role, address account);
    /// @notice No vehicle with this id was produced.
    error VehicleLifecycleUnknownVehicle(bytes32 id);
    /// @notice The function is not allowed in the vehicle's current state (including `produce` of an existing id).
    error VehicleLifecycleInvalidState(bytes32 id, VehicleState current);
    /// @notice The caller is not the controller of the vehicle's DID.
    error VehicleLifecycleNotController(bytes32 id, address caller);
    /// @notice `scrap` was called by an account that is neither the DID's controller nor a regulator.
    error VehicleLifecycleUnauthorized(bytes32 id, address caller);
    /// @notice The transfer signature is not the current controller's over the transfer with its current nonce.
    error VehicleLifecycleBadSignature();
    /// @notice The signed transfer's deadline has passed.
    error VehicleLifecycleExpired(uint256 deadline);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium, address indexed registry, address mailbox, address mirror);
    /// @notice An OEM produced a vehicle; its DID exists from now on, controlled by the OEM.
    event VehicleProduced(bytes32 indexed id, address indexed oem, bytes32 specHash);
    /// @notice A regulator registered the vehicle for road use.
    event VehicleRegistered(bytes32 indexed id, address indexed regulator, bytes32 registrationHash);
    /// @notice The vehicle changed hands: its DID's controller moved from `from` to `to`.
    event VehicleTransferred(bytes32 indexed id, address indexed from, address indexed to);
    /// @notice A regulator recorded an inspection.
    event InspectionRecorded(bytes32 indexed id, address indexed regulator, bytes32 reportHash);
    /// @notice A regulator or insurer recorded an accident.
    event AccidentRecorded(bytes32 indexed id, address indexed reporter, bytes32 reportHash);
    /// @notice The vehicle was scrapped: its DID is deactivated and every other consortium domain was sent a message.
    event VehicleScrapped(bytes32 indexed id, address indexed by);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param consortium The Consortium (roles and the list of domains).
    /// @param registry The DIDRegistry.
    /// @param mailbox The local Mailbox.
    /// @param mirror The IdentityMirror (the same address on every chain), recipient of scrap messages.
    function initialize(address consortium, address registry, address mailbox, address mirror) external;

    /// @notice Produces a vehicle (OEM role): creates its Vehicle DID with the caller as controller, through
    ///         `DIDRegistry.createVehicle` (which only this contract may call).
    /// @param id The vehicle's DID id (derived off-chain from the VIN with the members' keyed hash).
    /// @param specHash Hash of the vehicle's specification document.
    function produce(bytes32 id, bytes32 specHash) external;

    /// @notice Registers a produced vehicle for road use (REGULATOR role): Produced -> Registered.
    function register(bytes32 id, bytes32 registrationHash) external;

    /// @notice Transfers a Produced or Registered vehicle (current controller of its DID only): the DID's controller
    ///         becomes `newController`.
    function transfer(bytes32 id, address newController) external;

    /// @notice `transfer` authorised by the current controller's EIP-712 signature (domain "AMC VehicleLifecycle",
    ///         version "1") of `Transfer(bytes32 id,address newController,uint256 nonce,uint256 deadline)`, with
    ///         the controller's `nonce`; anyone may submit it. ERC-1271 contract controllers are supported.
    function transferSigned(bytes32 id, address newController, uint256 deadline, bytes calldata signature) external;

    /// @notice Records an inspection of a Registered vehicle (REGULATOR role).
    function recordInspection(bytes32 id, bytes32 reportHash) external;

    /// @notice Records an accident of a Registered vehicle (REGULATOR or INSURER role).
    function recordAccident(bytes32 id, bytes32 reportHash) external;

    /// @notice Scraps a Produced or Registered vehicle (its DID's controller or a REGULATOR): deactivates the DID and
    ///         dispatches `abi.encode(uint8(1), id)` to the mirror on every consortium domain but this one.
    function scrap(bytes32 id) external;

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The Consortium given to `initialize`.
    function consortium() external view returns (address);

    /// @notice The DIDRegistry given to `initialize`.
    function registry() external view returns (address);

    /// @notice The Mailbox given to `initialize`.
    function mailbox() external view returns (address);

    /// @notice The IdentityMirror given to `initialize`.
    function mirror() external view returns (address);

    /// @notice The nonce the next signed transfer of `controller` must carry.
    function nonce(address controller) external view returns (uint256);

    /// @notice The EIP-712 domain separator of `transferSigned`.
    function domainSeparator() external view returns (bytes32);

    /// @notice What the chain keeps of a vehicle (all zero if unknown).
    function vehicle(bytes32 id) external view returns (VehicleInfo memory);

    /// @notice The vehicle's state (`None` if unknown).
    function stateOf(bytes32 id) external view returns (VehicleState);
}
