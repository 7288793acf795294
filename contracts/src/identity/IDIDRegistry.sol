// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IDIDRegistry
/// @notice Registry of `did:amc:<network>:<id>` identifiers on the main chain, after ERC-1056 (EthereumDIDRegistry):
///         storage holds only what a contract must check (controller, subject type, deactivation, delegate expiries)
///         and `changed(id)`, the block of the id's last change. Every event carries `previousChange`, the block of the
///         change before it, so a resolver rebuilds the full history, or the document at a past `versionTime`, by
///         reading the logs of block `changed(id)` and walking `previousChange` back to 0.
/// @dev Ids come from two disjoint sources, so nobody can take an id meant for someone else (front-running):
///      organisation, device and person ids are derived by the registry from the creating account and a salt
///      (`didId(creator, salt) = keccak256(abi.encode(creator, salt))`, see `create`), so an account can only take
///      ids it derived itself; vehicle ids are HMACs of VINs and only the VehicleLifecycle contract creates them
///      (`createVehicle`, from `VehicleLifecycle.produce`).
///      Vehicle DIDs belong to the VehicleLifecycle contract's state machine: only it creates them, moves their
///      controller (sale) and deactivates them (scrapping); their controller cannot do either directly.
///      Attribute names are off-chain conventions, e.g. `"amc/vm/P256/assertionMethod"`,
///      `"amc/vm/P256/authentication"`, `"amc/vm/secp256k1/<relationship>"`, `"amc/svc/<type>"`; the registry only
///      logs them. Signed variants let a relayer submit for a controller with its EIP-712 signature (domain
///      "AMC DIDRegistry", version "1"), checked with ERC-1271 for contract controllers; each consumes the
///      controller's `nonce`.
interface IDIDRegistry {
    /// @notice What a DID identifies.
    enum SubjectType {
        None,
        Organisation,
        Vehicle,
        Device,
        Person
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error DIDRegistryNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error DIDRegistryAlreadyInitialized();
    /// @notice A required address (consortium, lifecycle, controller, delegate) is the zero address.
    error DIDRegistryZeroAddress();
    /// @notice The zero id is not a valid DID id (given to `createVehicle`).
    error DIDRegistryZeroId();
    /// @notice `create` got `SubjectType.None`.
    error DIDRegistryInvalidSubjectType();
    /// @notice A DID with this id already exists (possibly deactivated: ids are never reused).
    error DIDRegistryAlreadyExists(bytes32 id);
    /// @notice No DID with this id exists.
    error DIDRegistryNotFound(bytes32 id);
    /// @notice The caller may not do this: a Vehicle DID requested through `create` (Vehicle DIDs are created only
    ///         by the lifecycle, with `createVehicle`), or a lifecycle-only function called by another account.
    error DIDRegistryUnauthorized(address caller);
    /// @notice The caller is not the controller of the DID.
    error DIDRegistryNotController(bytes32 id, address caller);
    /// @notice The DID is a Vehicle DID: its controller changes and deactivation go through VehicleLifecycle.
    error DIDRegistryUseLifecycle(bytes32 id);
    /// @notice A lifecycle function was called for a DID that is not a Vehicle DID.
    error DIDRegistryNotVehicle(bytes32 id);
    /// @notice The DID is deactivated; it can no longer change.
    error DIDRegistryDeactivated(bytes32 id);
    /// @notice An attribute value is longer than `MAX_VALUE_LENGTH`.
    error DIDRegistryValueTooLarge(uint256 length, uint256 max);
    /// @notice A validity of 0 seconds was given (an entry that is expired when written).
    error DIDRegistryZeroValidity();
    /// @notice The signature is not the controller's over the request with its current nonce.
    error DIDRegistryBadSignature();
    /// @notice The signed request's deadline has passed.
    error DIDRegistryExpired(uint256 deadline);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium, address indexed lifecycle);
    /// @notice A DID was created.
    /// @param previousChange Always 0: a new id has no earlier change (kept so every event walks the same way).
    event DIDCreated(bytes32 indexed id, address indexed controller, SubjectType subjectType, uint256 previousChange);
    /// @notice The controller of a DID changed (for a Vehicle DID: a lifecycle transfer).
    event DIDControllerChanged(bytes32 indexed id, address controller, uint256 previousChange);
    /// @notice An attribute (verification method, service, ...) was set (`validTo` > 0) or revoked (`validTo` == 0).
    /// @param validTo Unix time until which the attribute is valid; 0 for a revocation.
    event DIDAttributeChanged(bytes32 indexed id, bytes32 name, bytes value, uint64 validTo, uint256 previousChange);
    /// @notice A delegate was added (`validTo` > 0) or revoked (`validTo` == 0).
    /// @param validTo Unix time until which the delegate is valid; 0 for a revocation.
    event DIDDelegateChanged(
        bytes32 indexed id, bytes32 delegateType, address delegate, uint64 validTo, uint256 previousChange
    );
    /// @notice The DID was deactivated, for good.
    event DIDDeactivated(bytes32 indexed id, uint256 previousChange);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param consortium The Consortium (roles); kept for role-gated extensions and exposed to off-chain readers.
    /// @param lifecycle The VehicleLifecycle contract, the only account that creates, transfers and deactivates
    ///        Vehicle DIDs.
    function initialize(address consortium, address lifecycle) external;

    // ---------------------------------------------------------------- creation and control

    /// @notice Creates an organisation, device or person DID whose id the registry derives from the caller and
    ///         `salt`: `id = keccak256(abi.encode(msg.sender, salt))` (see `didId`). The caller (who pays) can take
    ///         only ids derived from its own address, so nobody can take an id chosen by someone else, such as a
    ///         pending vehicle's id. Reverts with `DIDRegistryAlreadyExists` if the caller already used `salt`.
    /// @param salt Any 32 bytes the caller has not used before (tools take a random one).
    /// @param controller The account that controls it (an EOA or an ERC-1271 contract); need not be the caller.
    /// @param subjectType What it identifies: `Organisation`, `Device` or `Person`. `None` reverts with
    ///        `DIDRegistryInvalidSubjectType`, `Vehicle` with `DIDRegistryUnauthorized` (vehicles: `createVehicle`).
    /// @return id The new DID's id (the `<id>` of `did:amc:<network>:<id>`, hex), also logged by `DIDCreated`.
    function create(bytes32 salt, address controller, SubjectType subjectType) external returns (bytes32 id);

    /// @notice Creates a Vehicle DID (lifecycle only, from `VehicleLifecycle.produce`). Its id is the HMAC of the
    ///         VIN; it cannot have been taken through `create`, whose ids are derived from the creator and a salt.
    /// @param id The vehicle's id, not zero.
    /// @param controller The first controller (the producing OEM).
    function createVehicle(bytes32 id, address controller) external;

    /// @notice Moves control of a non-Vehicle DID to `newController` (controller only).
    function changeController(bytes32 id, address newController) external;

    /// @notice `changeController` authorised by the controller's EIP-712 signature of
    ///         `ChangeController(bytes32 id,address newController,uint256 nonce,uint256 deadline)`.
    function changeControllerSigned(bytes32 id, address newController, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Deactivates a non-Vehicle DID for good (controller only). Every later mutating call reverts with
    ///         `DIDRegistryDeactivated`.
    function deactivate(bytes32 id) external;

    /// @notice `deactivate` authorised by the controller's EIP-712 signature of
    ///         `Deactivate(bytes32 id,uint256 nonce,uint256 deadline)`.
    function deactivateSigned(bytes32 id, uint256 deadline, bytes calldata signature) external;

    // ---------------------------------------------------------------- attributes

    /// @notice Logs an attribute of the DID (controller only); nothing is stored but `changed(id)`.
    /// @param name Attribute name, an off-chain convention such as `"amc/vm/P256/assertionMethod"`.
    /// @param value Attribute value (a public key, a service endpoint, ...), at most `MAX_VALUE_LENGTH` bytes.
    /// @param validity Seconds from now during which it is valid, > 0; `validTo` saturates at `type(uint64).max`.
    function setAttribute(bytes32 id, bytes32 name, bytes calldata value, uint64 validity) external;

    /// @notice `setAttribute` authorised by the controller's EIP-712 signature of
    ///         `SetAttribute(bytes32 id,bytes32 name,bytes value,uint64 validity,uint256 nonce,uint256 deadline)`.
    function setAttributeSigned(
        bytes32 id,
        bytes32 name,
        bytes calldata value,
        uint64 validity,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Logs the revocation of an attribute (controller only): `DIDAttributeChanged` with `validTo` 0.
    function revokeAttribute(bytes32 id, bytes32 name, bytes calldata value) external;

    /// @notice `revokeAttribute` authorised by the controller's EIP-712 signature of
    ///         `RevokeAttribute(bytes32 id,bytes32 name,bytes value,uint256 nonce,uint256 deadline)`.
    function revokeAttributeSigned(
        bytes32 id,
        bytes32 name,
        bytes calldata value,
        uint256 deadline,
        bytes calldata signature
    ) external;

    // ---------------------------------------------------------------- delegates

    /// @notice Makes `delegate` a delegate of type `delegateType` for `validity` seconds (controller only).
    /// @param delegateType Delegate type, an off-chain convention such as `"amc/delegate/sigAuth"`.
    /// @param validity Seconds from now, > 0; the expiry saturates at `type(uint64).max`.
    function addDelegate(bytes32 id, bytes32 delegateType, address delegate, uint64 validity) external;

    /// @notice `addDelegate` authorised by the controller's EIP-712 signature of `AddDelegate(bytes32 id,
    ///         bytes32 delegateType,address delegate,uint64 validity,uint256 nonce,uint256 deadline)`.
    function addDelegateSigned(
        bytes32 id,
        bytes32 delegateType,
        address delegate,
        uint64 validity,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Revokes a delegate at once (controller only): its stored expiry becomes 0.
    function revokeDelegate(bytes32 id, bytes32 delegateType, address delegate) external;

    /// @notice `revokeDelegate` authorised by the controller's EIP-712 signature of
    ///         `RevokeDelegate(bytes32 id,bytes32 delegateType,address delegate,uint256 nonce,uint256 deadline)`.
    function revokeDelegateSigned(
        bytes32 id,
        bytes32 delegateType,
        address delegate,
        uint256 deadline,
        bytes calldata signature
    ) external;

    // ---------------------------------------------------------------- lifecycle-only

    /// @notice Moves the controller of a Vehicle DID (lifecycle only; a sale).
    function lifecycleSetController(bytes32 id, address newController) external;

    /// @notice Deactivates a Vehicle DID (lifecycle only; scrapping).
    function lifecycleDeactivate(bytes32 id) external;

    // ---------------------------------------------------------------- views

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The Consortium given to `initialize`.
    function consortium() external view returns (address);

    /// @notice The VehicleLifecycle contract given to `initialize`.
    function lifecycle() external view returns (address);

    /// @notice The id `create(salt, ...)` called by `creator` gives: `keccak256(abi.encode(creator, salt))`. Clients
    ///         compute it off chain the same way (or call this) to know a DID before creating it.
    function didId(address creator, bytes32 salt) external pure returns (bytes32);

    /// @notice Largest attribute value, in bytes (4 KiB).
    function MAX_VALUE_LENGTH() external view returns (uint256);

    /// @notice Block number of the DID's last change (0 if it never existed); the start of a resolver's log walk.
    function changed(bytes32 id) external view returns (uint256);

    /// @notice The nonce the next signed request of `controller` must carry.
    function nonce(address controller) external view returns (uint256);

    /// @notice The controller of the DID (the zero address if it does not exist; kept after deactivation).
    function controllerOf(bytes32 id) external view returns (address);

    /// @notice The subject type of the DID (`None` if it does not exist).
    function subjectTypeOf(bytes32 id) external view returns (SubjectType);

    /// @notice Whether the DID was deactivated.
    function isDeactivated(bytes32 id) external view returns (bool);

    /// @notice Whether the DID exists (deactivated DIDs still exist).
    function exists(bytes32 id) external view returns (bool);

    /// @notice Whether `delegate` is a delegate of type `delegateType` of the DID now (a deactivated DID has none).
    function validDelegate(bytes32 id, bytes32 delegateType, address delegate) external view returns (bool);

    /// @notice The stored expiry of a delegate (0: never added or revoked).
    function delegateValidTo(bytes32 id, bytes32 delegateType, address delegate) external view returns (uint64);

    /// @notice The EIP-712 domain separator of the signed variants (name "AMC DIDRegistry", version "1", this chain,
    ///         this contract).
    function domainSeparator() external view returns (bytes32);
}
