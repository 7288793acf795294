// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {DIDLogs} from "./DIDLogs.sol";
import {ERC1271Wallet} from "./IdentityMocks.sol";
import {Vm} from "../utils/Vm.sol";
import {DIDRegistry} from "../../src/identity/DIDRegistry.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";

contract DIDRegistryTest is IdentityFixture {
    bytes32 internal constant ORG_SALT = keccak256("org:alice-motors");
    bytes32 internal constant VM_P256 = "amc/vm/P256/assertionMethod";
    bytes32 internal constant SVC = "amc/svc/LinkedDomains";
    bytes32 internal constant SIG_AUTH = "amc/delegate/sigAuth";
    bytes internal constant KEY = hex"04aabbccdd";

    // The EIP-712 types as the TypeScript side writes them; hashed here, not read from the contract.
    bytes32 internal constant CHANGE_CONTROLLER =
        keccak256("ChangeController(bytes32 id,address newController,uint256 nonce,uint256 deadline)");
    bytes32 internal constant DEACTIVATE = keccak256("Deactivate(bytes32 id,uint256 nonce,uint256 deadline)");
    bytes32 internal constant SET_ATTRIBUTE =
        keccak256("SetAttribute(bytes32 id,bytes32 name,bytes value,uint64 validity,uint256 nonce,uint256 deadline)");
    bytes32 internal constant REVOKE_ATTRIBUTE =
        keccak256("RevokeAttribute(bytes32 id,bytes32 name,bytes value,uint256 nonce,uint256 deadline)");
    bytes32 internal constant ADD_DELEGATE = keccak256(
        "AddDelegate(bytes32 id,bytes32 delegateType,address delegate,uint64 validity,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant REVOKE_DELEGATE =
        keccak256("RevokeDelegate(bytes32 id,bytes32 delegateType,address delegate,uint256 nonce,uint256 deadline)");

    /// @dev A block at which an event was seen, for the history walk.
    struct Seen {
        uint256 blockNumber;
        uint256 previousChange;
    }

    /// @dev alice's organisation DID, created in setUp from (alice, ORG_SALT).
    bytes32 internal org;

    function setUp() public {
        setUpIdentity();
        vm.prank(alice);
        org = registry.create(ORG_SALT, alice, IDIDRegistry.SubjectType.Organisation);
    }

    // ------------------------------------------------------------ helpers

    function digest(bytes32 structHash) internal view returns (bytes32) {
        return typedDigest(domainSeparatorOf("AMC DIDRegistry", address(registry)), structHash);
    }

    function signChangeController(uint256 key, bytes32 id, address to, uint256 n, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        return signPacked(key, digest(keccak256(abi.encode(CHANGE_CONTROLLER, id, to, n, deadline))));
    }

    function signDeactivate(uint256 key, bytes32 id, uint256 n, uint256 deadline) internal view returns (bytes memory) {
        return signPacked(key, digest(keccak256(abi.encode(DEACTIVATE, id, n, deadline))));
    }

    function signSetAttribute(
        uint256 key,
        bytes32 id,
        bytes32 name,
        bytes memory value,
        uint64 validity,
        uint256 n,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(SET_ATTRIBUTE, id, name, keccak256(value), validity, n, deadline));
        return signPacked(key, digest(structHash));
    }

    /// @dev Organisation, Device or Person: the types `create` accepts.
    function nonVehicleType(uint256 seed) internal pure returns (IDIDRegistry.SubjectType) {
        IDIDRegistry.SubjectType[3] memory types =
            [IDIDRegistry.SubjectType.Organisation, IDIDRegistry.SubjectType.Device, IDIDRegistry.SubjectType.Person];
        return types[seed % 3];
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(registry.initializer(), deployer);
        assertEq(registry.consortium(), address(consortium));
        assertEq(registry.lifecycle(), address(lifecycle));
        assertEq(registry.MAX_VALUE_LENGTH(), 4096);
    }

    function test_initialize_revertsWhenNotInitializer() public {
        DIDRegistry fresh = new DIDRegistry(deployer);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotInitializer.selector, address(this)));
        fresh.initialize(address(consortium), address(lifecycle));
    }

    function test_initialize_revertsWhenAlreadyInitialized() public {
        vm.prank(deployer);
        vm.expectRevert(IDIDRegistry.DIDRegistryAlreadyInitialized.selector);
        registry.initialize(address(consortium), address(lifecycle));
    }

    function test_initialize_revertsOnZeroAddress() public {
        DIDRegistry fresh = new DIDRegistry(deployer);
        vm.startPrank(deployer);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        fresh.initialize(address(0), address(lifecycle));
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        fresh.initialize(address(consortium), address(0));
        vm.stopPrank();
    }

    function test_domainSeparator_matchesEip712() public view {
        assertEq(registry.domainSeparator(), domainSeparatorOf("AMC DIDRegistry", address(registry)));
        assertEq(registry.CHANGE_CONTROLLER_TYPEHASH(), CHANGE_CONTROLLER);
        assertEq(registry.DEACTIVATE_TYPEHASH(), DEACTIVATE);
        assertEq(registry.SET_ATTRIBUTE_TYPEHASH(), SET_ATTRIBUTE);
        assertEq(registry.REVOKE_ATTRIBUTE_TYPEHASH(), REVOKE_ATTRIBUTE);
        assertEq(registry.ADD_DELEGATE_TYPEHASH(), ADD_DELEGATE);
        assertEq(registry.REVOKE_DELEGATE_TYPEHASH(), REVOKE_DELEGATE);
    }

    function test_domainSeparator_followsChainId() public {
        vm.chainId(EDGE);
        assertEq(registry.domainSeparator(), domainSeparatorOf("AMC DIDRegistry", address(registry)));
    }

    // ------------------------------------------------------------ create

    function test_create_storesAndEmits() public {
        bytes32 salt = keccak256("person:owner1");
        bytes32 id = keccak256(abi.encode(stranger, salt));
        vm.roll(42);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDCreated(id, owner1, IDIDRegistry.SubjectType.Person, 0);
        vm.prank(stranger);
        assertEq(registry.create(salt, owner1, IDIDRegistry.SubjectType.Person), id, "returns the derived id");
        assertTrue(registry.exists(id));
        assertEq(registry.controllerOf(id), owner1);
        assertEq(uint8(registry.subjectTypeOf(id)), uint8(IDIDRegistry.SubjectType.Person));
        assertFalse(registry.isDeactivated(id));
        assertEq(registry.changed(id), 42);
    }

    function test_create_idIsDerivedFromCreatorAndSalt() public view {
        assertEq(org, keccak256(abi.encode(alice, ORG_SALT)));
        assertEq(registry.didId(alice, ORG_SALT), org);
        assertEq(registry.controllerOf(org), alice);
    }

    function test_create_sameSaltDifferentCreatorsGiveDifferentIds() public {
        vm.prank(bob);
        bytes32 bobsId = registry.create(ORG_SALT, bob, IDIDRegistry.SubjectType.Organisation);
        assertEq(bobsId, keccak256(abi.encode(bob, ORG_SALT)));
        assertTrue(bobsId != org, "bob's id differs from alice's");
        assertEq(registry.controllerOf(org), alice, "alice's DID untouched");
        assertEq(registry.controllerOf(bobsId), bob);
    }

    function test_create_controllerNeedNotBeCreator() public {
        bytes32 salt = keccak256("device:obu-relay");
        vm.prank(relayer);
        bytes32 id = registry.create(salt, owner1, IDIDRegistry.SubjectType.Device);
        assertEq(id, registry.didId(relayer, salt), "derived from the caller, not the controller");
        assertEq(registry.controllerOf(id), owner1);
        vm.prank(owner1);
        registry.setAttribute(id, SVC, "https://obu.example", 1 days);
    }

    function test_create_revertsWhenSaltReused() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, org));
        vm.prank(alice);
        registry.create(ORG_SALT, bob, IDIDRegistry.SubjectType.Device);
    }

    function test_create_revertsWhenIdTakenByDeactivatedDid() public {
        vm.prank(alice);
        registry.deactivate(org);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, org));
        vm.prank(alice);
        registry.create(ORG_SALT, bob, IDIDRegistry.SubjectType.Organisation);
    }

    function test_create_revertsOnZeroControllerOrNoneType() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        registry.create(keccak256("x"), address(0), IDIDRegistry.SubjectType.Device);
        vm.expectRevert(IDIDRegistry.DIDRegistryInvalidSubjectType.selector);
        registry.create(keccak256("x"), alice, IDIDRegistry.SubjectType.None);
    }

    function test_create_zeroSaltIsAnOrdinarySalt() public {
        bytes32 id = registry.create(bytes32(0), alice, IDIDRegistry.SubjectType.Device);
        assertEq(id, keccak256(abi.encode(address(this), bytes32(0))));
        assertTrue(id != bytes32(0));
    }

    function test_create_revertsForVehicleFromAnyCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice));
        vm.prank(alice);
        registry.create(VIN_ID, alice, IDIDRegistry.SubjectType.Vehicle);
        // Not even the lifecycle: Vehicle DIDs take the VIN's id, through createVehicle.
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, address(lifecycle)));
        vm.prank(address(lifecycle));
        registry.create(VIN_ID, alice, IDIDRegistry.SubjectType.Vehicle);
    }

    function testFuzz_create(bytes32 salt, address controller, uint8 typeSeed, address caller) public {
        vm.assume(controller != address(0));
        vm.assume(!(caller == alice && salt == ORG_SALT));
        IDIDRegistry.SubjectType t = nonVehicleType(typeSeed);
        bytes32 id = keccak256(abi.encode(caller, salt));
        assertEq(registry.didId(caller, salt), id);
        vm.prank(caller);
        assertEq(registry.create(salt, controller, t), id);
        assertEq(registry.controllerOf(id), controller);
        assertEq(uint8(registry.subjectTypeOf(id)), uint8(t));
        assertEq(registry.changed(id), block.number);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, id));
        vm.prank(caller);
        registry.create(salt, controller, t);
    }

    function testFuzz_create_sameSaltDifferentCreators(bytes32 salt, address a, address b) public {
        vm.assume(a != b);
        vm.assume(!(a == alice && salt == ORG_SALT) && !(b == alice && salt == ORG_SALT));
        vm.prank(a);
        bytes32 idA = registry.create(salt, a == address(0) ? bob : a, IDIDRegistry.SubjectType.Device);
        vm.prank(b);
        bytes32 idB = registry.create(salt, b == address(0) ? bob : b, IDIDRegistry.SubjectType.Device);
        assertTrue(idA != idB);
        assertEq(idA, registry.didId(a, salt));
        assertEq(idB, registry.didId(b, salt));
    }

    // ------------------------------------------------------------ createVehicle (front-running)

    function test_createVehicle_fromLifecycle() public {
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDCreated(VIN_ID, alice, IDIDRegistry.SubjectType.Vehicle, 0);
        vm.prank(address(lifecycle));
        registry.createVehicle(VIN_ID, alice);
        assertEq(uint8(registry.subjectTypeOf(VIN_ID)), uint8(IDIDRegistry.SubjectType.Vehicle));
        assertEq(registry.controllerOf(VIN_ID), alice);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, VIN_ID));
        vm.prank(address(lifecycle));
        registry.createVehicle(VIN_ID, bob);
    }

    function test_createVehicle_revertsOnZeroIdOrController() public {
        vm.startPrank(address(lifecycle));
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroId.selector);
        registry.createVehicle(bytes32(0), alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        registry.createVehicle(VIN_ID, address(0));
        vm.stopPrank();
    }

    function test_createVehicle_revertsForNonLifecycle() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice));
        vm.prank(alice);
        registry.createVehicle(VIN_ID, alice);
        // Before initialize the lifecycle is the zero address, which must not pass as it.
        DIDRegistry fresh = new DIDRegistry(deployer);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, address(0)));
        vm.prank(address(0));
        fresh.createVehicle(VIN_ID, alice);
    }

    /// @dev The front-running attack: someone sees `produce(VIN_ID)` pending and tries to take VIN_ID first.
    function testFuzz_frontRunner_cannotTakeVehicleId(address caller, bytes32 salt, uint8 typeSeed) public {
        vm.assume(caller != address(lifecycle));
        IDIDRegistry.SubjectType t = IDIDRegistry.SubjectType(bound(typeSeed, 1, 4));
        // createVehicle with the target id: refused to anyone but the lifecycle.
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, caller));
        vm.prank(caller);
        registry.createVehicle(VIN_ID, caller);
        // create with any salt: the id is derived from (caller, salt), never the target (short of a keccak collision).
        vm.prank(caller);
        try registry.create(salt, owner1, t) returns (bytes32 id) {
            assertTrue(t != IDIDRegistry.SubjectType.Vehicle, "create never makes a Vehicle DID");
            assertTrue(id != VIN_ID, "create cannot take the vehicle's id");
            assertEq(id, keccak256(abi.encode(caller, salt)));
        } catch {}
        // Passing the target id itself as the salt does not take it either.
        if (salt != VIN_ID) {
            vm.prank(caller);
            bytes32 id = registry.create(VIN_ID, owner1, IDIDRegistry.SubjectType.Person);
            assertTrue(id != VIN_ID);
        }
        assertFalse(registry.exists(VIN_ID), "the vehicle id is still free");
        // ... so production goes through.
        produce(VIN_ID);
        assertEq(uint8(registry.subjectTypeOf(VIN_ID)), uint8(IDIDRegistry.SubjectType.Vehicle));
        assertEq(registry.controllerOf(VIN_ID), alice);
    }

    // ------------------------------------------------------------ changeController

    function test_changeController_movesControl() public {
        vm.roll(10);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDControllerChanged(org, bob, 1);
        vm.prank(alice);
        registry.changeController(org, bob);
        assertEq(registry.controllerOf(org), bob);
        assertEq(registry.changed(org), 10);

        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, alice));
        vm.prank(alice);
        registry.setAttribute(org, SVC, "https://alice.example", 1 days);
        vm.prank(bob);
        registry.setAttribute(org, SVC, "https://alice.example", 1 days);
    }

    function test_changeController_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.changeController(org, bob);
    }

    function test_changeController_revertsOnZeroAddress() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        vm.prank(alice);
        registry.changeController(org, address(0));
    }

    function test_changeController_revertsWhenUnknown() public {
        bytes32 id = keccak256("nobody");
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotFound.selector, id));
        registry.changeController(id, bob);
    }

    function test_changeController_revertsForVehicle() public {
        produce(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUseLifecycle.selector, VIN_ID));
        vm.prank(alice);
        registry.changeController(VIN_ID, owner1);
    }

    // ------------------------------------------------------------ attributes

    function test_setAttribute_emitsWithValidTo() public {
        vm.warp(1_000_000);
        vm.roll(5);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, VM_P256, KEY, uint64(1_000_000 + 365 days), 1);
        vm.prank(alice);
        registry.setAttribute(org, VM_P256, KEY, 365 days);
        assertEq(registry.changed(org), 5);
    }

    function test_setAttribute_validToSaturates() public {
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, VM_P256, KEY, type(uint64).max, 1);
        vm.prank(alice);
        registry.setAttribute(org, VM_P256, KEY, type(uint64).max);
    }

    function test_setAttribute_acceptsMaxLengthRejectsLonger() public {
        vm.startPrank(alice);
        registry.setAttribute(org, SVC, new bytes(4096), 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryValueTooLarge.selector, 4097, 4096));
        registry.setAttribute(org, SVC, new bytes(4097), 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryValueTooLarge.selector, 4097, 4096));
        registry.revokeAttribute(org, SVC, new bytes(4097));
        vm.stopPrank();
    }

    function test_setAttribute_revertsOnZeroValidity() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroValidity.selector);
        vm.prank(alice);
        registry.setAttribute(org, SVC, KEY, 0);
    }

    function test_setAttribute_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.setAttribute(org, SVC, KEY, 1 days);
    }

    function test_setAttribute_allowedOnVehicleByController() public {
        produce(VIN_ID);
        vm.prank(alice);
        registry.setAttribute(VIN_ID, VM_P256, KEY, 1 days);
        assertEq(registry.changed(VIN_ID), block.number);
    }

    function test_revokeAttribute_emitsZeroValidTo() public {
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, VM_P256, KEY, 0, 1);
        vm.prank(alice);
        registry.revokeAttribute(org, VM_P256, KEY);
    }

    function test_revokeAttribute_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.revokeAttribute(org, VM_P256, KEY);
    }

    function testFuzz_setAttribute(bytes32 name, bytes calldata value, uint64 validity, uint32 timestamp) public {
        validity = uint64(bound(validity, 1, type(uint64).max));
        vm.assume(value.length <= 4096);
        vm.warp(timestamp);
        uint256 expected = uint256(timestamp) + validity;
        if (expected > type(uint64).max) expected = type(uint64).max;
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, name, value, uint64(expected), 1);
        vm.prank(alice);
        registry.setAttribute(org, name, value, validity);
    }

    // ------------------------------------------------------------ delegates

    function test_addDelegate_validUntilExpiry() public {
        vm.warp(1000);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDelegateChanged(org, SIG_AUTH, bob, 1000 + 1 hours, 1);
        vm.prank(alice);
        registry.addDelegate(org, SIG_AUTH, bob, 1 hours);
        assertTrue(registry.validDelegate(org, SIG_AUTH, bob));
        assertFalse(registry.validDelegate(org, "other", bob));
        assertEq(registry.delegateValidTo(org, SIG_AUTH, bob), 1000 + 1 hours);
        vm.warp(1000 + 1 hours - 1);
        assertTrue(registry.validDelegate(org, SIG_AUTH, bob));
        vm.warp(1000 + 1 hours);
        assertFalse(registry.validDelegate(org, SIG_AUTH, bob), "expired at validTo");
    }

    function test_revokeDelegate_invalidatesAtOnce() public {
        vm.startPrank(alice);
        registry.addDelegate(org, SIG_AUTH, bob, 1 days);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDelegateChanged(org, SIG_AUTH, bob, 0, block.number);
        registry.revokeDelegate(org, SIG_AUTH, bob);
        vm.stopPrank();
        assertFalse(registry.validDelegate(org, SIG_AUTH, bob));
        assertEq(registry.delegateValidTo(org, SIG_AUTH, bob), 0);
    }

    function test_addDelegate_revertsOnZeroDelegateOrValidity() public {
        vm.startPrank(alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        registry.addDelegate(org, SIG_AUTH, address(0), 1 days);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroValidity.selector);
        registry.addDelegate(org, SIG_AUTH, bob, 0);
        vm.stopPrank();
    }

    function test_addDelegate_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.addDelegate(org, SIG_AUTH, bob, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.revokeDelegate(org, SIG_AUTH, bob);
    }

    function testFuzz_addDelegate(address delegate, uint64 validity, uint64 elapsed) public {
        vm.assume(delegate != address(0));
        validity = uint64(bound(validity, 1, 10 * 365 days));
        elapsed = uint64(bound(elapsed, 0, 20 * 365 days));
        vm.prank(alice);
        registry.addDelegate(org, SIG_AUTH, delegate, validity);
        vm.warp(block.timestamp + elapsed);
        assertEq(registry.validDelegate(org, SIG_AUTH, delegate), elapsed < validity);
    }

    // ------------------------------------------------------------ deactivate

    function test_deactivate_freezesEveryChange() public {
        vm.startPrank(alice);
        registry.addDelegate(org, SIG_AUTH, bob, 1 days);
        vm.roll(7);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDeactivated(org, 1);
        registry.deactivate(org);
        assertTrue(registry.isDeactivated(org));
        assertTrue(registry.exists(org));
        assertEq(registry.controllerOf(org), alice, "controller kept for the record");
        assertFalse(registry.validDelegate(org, SIG_AUTH, bob), "no delegate of a deactivated DID");

        bytes memory err = abi.encodeWithSelector(IDIDRegistry.DIDRegistryDeactivated.selector, org);
        vm.expectRevert(err);
        registry.changeController(org, bob);
        vm.expectRevert(err);
        registry.setAttribute(org, SVC, KEY, 1 days);
        vm.expectRevert(err);
        registry.revokeAttribute(org, SVC, KEY);
        vm.expectRevert(err);
        registry.addDelegate(org, SIG_AUTH, bob, 1 days);
        vm.expectRevert(err);
        registry.revokeDelegate(org, SIG_AUTH, bob);
        vm.expectRevert(err);
        registry.deactivate(org);
        vm.stopPrank();

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        vm.expectRevert(err);
        registry.changeControllerSigned(org, bob, deadline, sig);
        sig = signSetAttribute(aliceKey, org, SVC, KEY, 1 days, 0, deadline);
        vm.expectRevert(err);
        registry.setAttributeSigned(org, SVC, KEY, 1 days, deadline, sig);
        sig = signDeactivate(aliceKey, org, 0, deadline);
        vm.expectRevert(err);
        registry.deactivateSigned(org, deadline, sig);
        vm.expectRevert(err);
        registry.revokeAttributeSigned(org, SVC, KEY, deadline, "");
        vm.expectRevert(err);
        registry.addDelegateSigned(org, SIG_AUTH, bob, 1 days, deadline, "");
        vm.expectRevert(err);
        registry.revokeDelegateSigned(org, SIG_AUTH, bob, deadline, "");
        assertEq(registry.changed(org), 7);
    }

    function test_deactivate_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, org, bob));
        vm.prank(bob);
        registry.deactivate(org);
    }

    function test_deactivate_revertsForVehicle() public {
        produce(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUseLifecycle.selector, VIN_ID));
        vm.prank(alice);
        registry.deactivate(VIN_ID);
    }

    // ------------------------------------------------------------ lifecycle-only

    function test_lifecycleSetController_revertsForOthers() public {
        produce(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice));
        vm.prank(alice);
        registry.lifecycleSetController(VIN_ID, owner1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice));
        vm.prank(alice);
        registry.lifecycleDeactivate(VIN_ID);
    }

    function test_lifecycleSetController_revertsForNonVehicle() public {
        vm.startPrank(address(lifecycle));
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotVehicle.selector, org));
        registry.lifecycleSetController(org, bob);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotVehicle.selector, org));
        registry.lifecycleDeactivate(org);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotFound.selector, unknown));
        registry.lifecycleSetController(unknown, bob);
        vm.stopPrank();
    }

    function test_lifecycleSetController_movesVehicleController() public {
        produce(VIN_ID);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDControllerChanged(VIN_ID, owner1, block.number);
        vm.prank(address(lifecycle));
        registry.lifecycleSetController(VIN_ID, owner1);
        assertEq(registry.controllerOf(VIN_ID), owner1);
    }

    // ------------------------------------------------------------ signed variants

    function test_changeControllerSigned_byRelayer() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDControllerChanged(org, bob, 1);
        vm.prank(relayer);
        registry.changeControllerSigned(org, bob, deadline, sig);
        assertEq(registry.controllerOf(org), bob);
        assertEq(registry.nonce(alice), 1);
    }

    function test_changeControllerSigned_revertsOnWrongSigner() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(owner1Key, org, owner1, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(org, owner1, deadline, sig);
    }

    function test_changeControllerSigned_revertsOnTamperedArguments() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(org, carol, deadline, sig);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(org, bob, deadline + 1, sig);
    }

    function test_changeControllerSigned_revertsOnReplay() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        registry.changeControllerSigned(org, bob, deadline, sig);
        // Give control back so alice is the controller again, with her nonce now at 1.
        vm.prank(bob);
        registry.changeController(org, alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(org, bob, deadline, sig);
    }

    function test_changeControllerSigned_revertsWhenExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.changeControllerSigned(org, bob, deadline, sig);
    }

    function test_changeControllerSigned_acceptsAtDeadline() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, org, bob, 0, deadline);
        vm.warp(deadline);
        registry.changeControllerSigned(org, bob, deadline, sig);
        assertEq(registry.controllerOf(org), bob);
    }

    function test_changeControllerSigned_revertsForVehicle() public {
        produce(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, VIN_ID, bob, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUseLifecycle.selector, VIN_ID));
        registry.changeControllerSigned(VIN_ID, bob, deadline, sig);
    }

    function test_setAttributeSigned_consumesNonce() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig0 = signSetAttribute(aliceKey, org, VM_P256, KEY, 1 days, 0, deadline);
        bytes memory sig1 = signSetAttribute(aliceKey, org, SVC, "https://a.example", 1 days, 1, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, VM_P256, KEY, uint64(block.timestamp + 1 days), 1);
        registry.setAttributeSigned(org, VM_P256, KEY, 1 days, deadline, sig0);
        registry.setAttributeSigned(org, SVC, "https://a.example", 1 days, deadline, sig1);
        assertEq(registry.nonce(alice), 2);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(org, VM_P256, KEY, 1 days, deadline, sig0);
    }

    function test_setAttributeSigned_revertsOnWrongSignerAndExpiry() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory wrong = signSetAttribute(owner1Key, org, VM_P256, KEY, 1 days, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(org, VM_P256, KEY, 1 days, deadline, wrong);
        bytes memory good = signSetAttribute(aliceKey, org, VM_P256, KEY, 1 days, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(org, VM_P256, hex"04", 1 days, deadline, good);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.setAttributeSigned(org, VM_P256, KEY, 1 days, deadline, good);
        assertEq(registry.nonce(alice), 0);
    }

    function test_revokeAttributeSigned_emitsZeroValidTo() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(abi.encode(REVOKE_ATTRIBUTE, org, VM_P256, keccak256(KEY), 0, deadline));
        bytes memory sig = signPacked(aliceKey, digest(structHash));
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(org, VM_P256, KEY, 0, 1);
        registry.revokeAttributeSigned(org, VM_P256, KEY, deadline, sig);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.revokeAttributeSigned(org, VM_P256, KEY, deadline, sig);
    }

    function test_addAndRevokeDelegateSigned() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 addHash = keccak256(abi.encode(ADD_DELEGATE, org, SIG_AUTH, bob, uint64(1 days), 0, deadline));
        bytes memory addSig = signPacked(aliceKey, digest(addHash));
        registry.addDelegateSigned(org, SIG_AUTH, bob, 1 days, deadline, addSig);
        assertTrue(registry.validDelegate(org, SIG_AUTH, bob));

        bytes32 revokeHash = keccak256(abi.encode(REVOKE_DELEGATE, org, SIG_AUTH, bob, 1, deadline));
        bytes memory wrong = signPacked(owner1Key, digest(revokeHash));
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.revokeDelegateSigned(org, SIG_AUTH, bob, deadline, wrong);
        bytes memory revokeSig = signPacked(aliceKey, digest(revokeHash));
        registry.revokeDelegateSigned(org, SIG_AUTH, bob, deadline, revokeSig);
        assertFalse(registry.validDelegate(org, SIG_AUTH, bob));
        assertEq(registry.nonce(alice), 2);
    }

    function test_deactivateSigned_byRelayer() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory wrong = signDeactivate(owner1Key, org, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.deactivateSigned(org, deadline, wrong);
        bytes memory good = signDeactivate(aliceKey, org, 0, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDeactivated(org, 1);
        vm.prank(relayer);
        registry.deactivateSigned(org, deadline, good);
        assertTrue(registry.isDeactivated(org));
    }

    function test_deactivateSigned_revertsWhenExpired() public {
        uint256 deadline = block.timestamp;
        bytes memory sig = signDeactivate(aliceKey, org, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.deactivateSigned(org, deadline, sig);
    }

    function test_signed_worksForErc1271Controller() public {
        ERC1271Wallet wallet = new ERC1271Wallet(owner1);
        bytes32 id = registry.create(keccak256("fleet:owner1"), address(wallet), IDIDRegistry.SubjectType.Organisation);
        uint256 deadline = block.timestamp + 1 hours;

        bytes memory bad = signSetAttribute(owner2Key, id, SVC, KEY, 1 days, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(id, SVC, KEY, 1 days, deadline, bad);

        bytes memory good = signSetAttribute(owner1Key, id, SVC, KEY, 1 days, 0, deadline);
        registry.setAttributeSigned(id, SVC, KEY, 1 days, deadline, good);
        assertEq(registry.nonce(address(wallet)), 1);
    }

    function testFuzz_changeControllerSigned_onlyControllerKey(uint256 signerKey, address to) public {
        signerKey = bound(signerKey, 1, SECP256K1_ORDER - 1);
        vm.assume(to != address(0));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(signerKey, org, to, 0, deadline);
        if (vm.addr(signerKey) != alice) vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(org, to, deadline, sig);
    }

    // ------------------------------------------------------------ history (previousChange chain)

    function test_previousChange_chainWalksBackThroughEveryChange() public {
        bytes32 id = registry.didId(address(this), keccak256("device:obu-1"));
        uint256[] memory blocks = new uint256[](6);
        Seen[] memory seen = new Seen[](8);
        uint256 n;

        vm.recordLogs();
        vm.roll(100);
        assertEq(registry.create(keccak256("device:obu-1"), owner1, IDIDRegistry.SubjectType.Device), id);
        n = collect(id, seen, n);
        blocks[0] = 100;
        vm.roll(105);
        vm.startPrank(owner1);
        registry.setAttribute(id, VM_P256, KEY, 1 days);
        // Two changes in one block: the second points at its own block, as in ERC-1056.
        registry.addDelegate(id, SIG_AUTH, bob, 1 days);
        n = collect(id, seen, n);
        blocks[1] = 105;
        vm.roll(230);
        registry.revokeAttribute(id, VM_P256, KEY);
        n = collect(id, seen, n);
        blocks[2] = 230;
        vm.roll(231);
        registry.changeController(id, owner2);
        vm.stopPrank();
        n = collect(id, seen, n);
        blocks[3] = 231;
        vm.roll(400);
        vm.prank(owner2);
        registry.revokeDelegate(id, SIG_AUTH, bob);
        n = collect(id, seen, n);
        blocks[4] = 400;
        vm.roll(401);
        vm.prank(owner2);
        registry.deactivate(id);
        n = collect(id, seen, n);
        blocks[5] = 401;
        assertEq(n, 7, "seven change events");

        // Walk as a resolver: from changed(id), read that block's events, follow the previousChange that leaves it.
        uint256 cursor = registry.changed(id);
        uint256 visited;
        while (cursor != 0) {
            assertEq(cursor, blocks[blocks.length - 1 - visited], "walk visits every changed block, newest first");
            ++visited;
            uint256 next;
            bool found;
            for (uint256 i; i < n; ++i) {
                if (seen[i].blockNumber != cursor) continue;
                found = true;
                if (seen[i].previousChange != cursor) {
                    assertTrue(next == 0 || next == seen[i].previousChange, "one earlier block per block");
                    next = seen[i].previousChange;
                }
            }
            assertTrue(found, "changed block has events");
            cursor = next;
        }
        assertEq(visited, blocks.length, "walk reaches creation");
    }

    function testFuzz_previousChange_pointsToLastChange(uint256 seed, uint8 steps) public {
        steps = uint8(bound(steps, 1, 24));
        vm.prank(owner1);
        bytes32 id = registry.create(keccak256("device:fuzz"), owner1, IDIDRegistry.SubjectType.Device);
        uint256 last = block.number;
        vm.recordLogs();
        for (uint256 i; i < steps; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            vm.roll(block.number + (seed % 4)); // 0: another change in the same block
            vm.startPrank(owner1);
            uint256 op = (seed >> 8) % 4;
            if (op == 0) registry.setAttribute(id, VM_P256, abi.encode(seed), 1 days);
            else if (op == 1) registry.revokeAttribute(id, VM_P256, abi.encode(seed));
            else if (op == 2) registry.addDelegate(id, SIG_AUTH, address(uint160(seed | 1)), 1 days);
            else registry.revokeDelegate(id, SIG_AUTH, address(uint160(seed | 1)));
            vm.stopPrank();
            Vm.Log[] memory logs = vm.getRecordedLogs();
            assertEq(logs.length, 1);
            (bool ok, bytes32 logId, uint256 previous) = DIDLogs.parse(logs[0], address(registry));
            assertTrue(ok);
            assertEq(logId, id);
            assertEq(previous, last, "previousChange is the block of the last change");
            last = block.number;
            assertEq(registry.changed(id), last);
        }
    }

    /// @dev Appends the recorded change events of `id` since the last call, tagged with the current block.
    function collect(bytes32 id, Seen[] memory seen, uint256 n) internal returns (uint256) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            (bool ok, bytes32 logId, uint256 previous) = DIDLogs.parse(logs[i], address(registry));
            if (ok && logId == id) seen[n++] = Seen({blockNumber: block.number, previousChange: previous});
        }
        return n;
    }
}
