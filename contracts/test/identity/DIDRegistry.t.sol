// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {DIDLogs} from "./DIDLogs.sol";
import {ERC1271Wallet} from "./IdentityMocks.sol";
import {Vm} from "../utils/Vm.sol";
import {DIDRegistry} from "../../src/identity/DIDRegistry.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";

contract DIDRegistryTest is IdentityFixture {
    bytes32 internal constant ORG = keccak256("org:alice-motors");
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

    function setUp() public {
        setUpIdentity();
        vm.prank(alice);
        registry.create(ORG, alice, IDIDRegistry.SubjectType.Organisation);
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
        bytes32 id = keccak256("person:owner1");
        vm.roll(42);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDCreated(id, owner1, IDIDRegistry.SubjectType.Person, 0);
        vm.prank(stranger);
        registry.create(id, owner1, IDIDRegistry.SubjectType.Person);
        assertTrue(registry.exists(id));
        assertEq(registry.controllerOf(id), owner1);
        assertEq(uint8(registry.subjectTypeOf(id)), uint8(IDIDRegistry.SubjectType.Person));
        assertFalse(registry.isDeactivated(id));
        assertEq(registry.changed(id), 42);
    }

    function test_create_revertsWhenIdTaken() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, ORG));
        vm.prank(bob);
        registry.create(ORG, bob, IDIDRegistry.SubjectType.Device);
    }

    function test_create_revertsWhenIdTakenByDeactivatedDid() public {
        vm.prank(alice);
        registry.deactivate(ORG);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, ORG));
        registry.create(ORG, bob, IDIDRegistry.SubjectType.Organisation);
    }

    function test_create_revertsOnZeroIdZeroControllerOrNoneType() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroId.selector);
        registry.create(bytes32(0), alice, IDIDRegistry.SubjectType.Device);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        registry.create(keccak256("x"), address(0), IDIDRegistry.SubjectType.Device);
        vm.expectRevert(IDIDRegistry.DIDRegistryInvalidSubjectType.selector);
        registry.create(keccak256("x"), alice, IDIDRegistry.SubjectType.None);
    }

    function test_create_revertsForVehicleFromNonLifecycle() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice));
        vm.prank(alice);
        registry.create(VIN_ID, alice, IDIDRegistry.SubjectType.Vehicle);
    }

    function test_create_vehicleFromLifecycle() public {
        vm.prank(address(lifecycle));
        registry.create(VIN_ID, alice, IDIDRegistry.SubjectType.Vehicle);
        assertEq(uint8(registry.subjectTypeOf(VIN_ID)), uint8(IDIDRegistry.SubjectType.Vehicle));
    }

    function testFuzz_create(bytes32 id, address controller, uint8 typeSeed, address caller) public {
        vm.assume(id != bytes32(0) && id != ORG && controller != address(0));
        IDIDRegistry.SubjectType t = IDIDRegistry.SubjectType(bound(typeSeed, 1, 4));
        if (t == IDIDRegistry.SubjectType.Vehicle) caller = address(lifecycle);
        vm.prank(caller);
        registry.create(id, controller, t);
        assertEq(registry.controllerOf(id), controller);
        assertEq(uint8(registry.subjectTypeOf(id)), uint8(t));
        assertEq(registry.changed(id), block.number);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, id));
        vm.prank(caller);
        registry.create(id, controller, t);
    }

    // ------------------------------------------------------------ changeController

    function test_changeController_movesControl() public {
        vm.roll(10);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDControllerChanged(ORG, bob, 1);
        vm.prank(alice);
        registry.changeController(ORG, bob);
        assertEq(registry.controllerOf(ORG), bob);
        assertEq(registry.changed(ORG), 10);

        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, alice));
        vm.prank(alice);
        registry.setAttribute(ORG, SVC, "https://alice.example", 1 days);
        vm.prank(bob);
        registry.setAttribute(ORG, SVC, "https://alice.example", 1 days);
    }

    function test_changeController_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.changeController(ORG, bob);
    }

    function test_changeController_revertsOnZeroAddress() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        vm.prank(alice);
        registry.changeController(ORG, address(0));
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
        emit IDIDRegistry.DIDAttributeChanged(ORG, VM_P256, KEY, uint64(1_000_000 + 365 days), 1);
        vm.prank(alice);
        registry.setAttribute(ORG, VM_P256, KEY, 365 days);
        assertEq(registry.changed(ORG), 5);
    }

    function test_setAttribute_validToSaturates() public {
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(ORG, VM_P256, KEY, type(uint64).max, 1);
        vm.prank(alice);
        registry.setAttribute(ORG, VM_P256, KEY, type(uint64).max);
    }

    function test_setAttribute_acceptsMaxLengthRejectsLonger() public {
        vm.startPrank(alice);
        registry.setAttribute(ORG, SVC, new bytes(4096), 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryValueTooLarge.selector, 4097, 4096));
        registry.setAttribute(ORG, SVC, new bytes(4097), 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryValueTooLarge.selector, 4097, 4096));
        registry.revokeAttribute(ORG, SVC, new bytes(4097));
        vm.stopPrank();
    }

    function test_setAttribute_revertsOnZeroValidity() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroValidity.selector);
        vm.prank(alice);
        registry.setAttribute(ORG, SVC, KEY, 0);
    }

    function test_setAttribute_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.setAttribute(ORG, SVC, KEY, 1 days);
    }

    function test_setAttribute_allowedOnVehicleByController() public {
        produce(VIN_ID);
        vm.prank(alice);
        registry.setAttribute(VIN_ID, VM_P256, KEY, 1 days);
        assertEq(registry.changed(VIN_ID), block.number);
    }

    function test_revokeAttribute_emitsZeroValidTo() public {
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(ORG, VM_P256, KEY, 0, 1);
        vm.prank(alice);
        registry.revokeAttribute(ORG, VM_P256, KEY);
    }

    function test_revokeAttribute_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.revokeAttribute(ORG, VM_P256, KEY);
    }

    function testFuzz_setAttribute(bytes32 name, bytes calldata value, uint64 validity, uint32 timestamp) public {
        validity = uint64(bound(validity, 1, type(uint64).max));
        vm.assume(value.length <= 4096);
        vm.warp(timestamp);
        uint256 expected = uint256(timestamp) + validity;
        if (expected > type(uint64).max) expected = type(uint64).max;
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(ORG, name, value, uint64(expected), 1);
        vm.prank(alice);
        registry.setAttribute(ORG, name, value, validity);
    }

    // ------------------------------------------------------------ delegates

    function test_addDelegate_validUntilExpiry() public {
        vm.warp(1000);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDelegateChanged(ORG, SIG_AUTH, bob, 1000 + 1 hours, 1);
        vm.prank(alice);
        registry.addDelegate(ORG, SIG_AUTH, bob, 1 hours);
        assertTrue(registry.validDelegate(ORG, SIG_AUTH, bob));
        assertFalse(registry.validDelegate(ORG, "other", bob));
        assertEq(registry.delegateValidTo(ORG, SIG_AUTH, bob), 1000 + 1 hours);
        vm.warp(1000 + 1 hours - 1);
        assertTrue(registry.validDelegate(ORG, SIG_AUTH, bob));
        vm.warp(1000 + 1 hours);
        assertFalse(registry.validDelegate(ORG, SIG_AUTH, bob), "expired at validTo");
    }

    function test_revokeDelegate_invalidatesAtOnce() public {
        vm.startPrank(alice);
        registry.addDelegate(ORG, SIG_AUTH, bob, 1 days);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDelegateChanged(ORG, SIG_AUTH, bob, 0, block.number);
        registry.revokeDelegate(ORG, SIG_AUTH, bob);
        vm.stopPrank();
        assertFalse(registry.validDelegate(ORG, SIG_AUTH, bob));
        assertEq(registry.delegateValidTo(ORG, SIG_AUTH, bob), 0);
    }

    function test_addDelegate_revertsOnZeroDelegateOrValidity() public {
        vm.startPrank(alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroAddress.selector);
        registry.addDelegate(ORG, SIG_AUTH, address(0), 1 days);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroValidity.selector);
        registry.addDelegate(ORG, SIG_AUTH, bob, 0);
        vm.stopPrank();
    }

    function test_addDelegate_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.addDelegate(ORG, SIG_AUTH, bob, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.revokeDelegate(ORG, SIG_AUTH, bob);
    }

    function testFuzz_addDelegate(address delegate, uint64 validity, uint64 elapsed) public {
        vm.assume(delegate != address(0));
        validity = uint64(bound(validity, 1, 10 * 365 days));
        elapsed = uint64(bound(elapsed, 0, 20 * 365 days));
        vm.prank(alice);
        registry.addDelegate(ORG, SIG_AUTH, delegate, validity);
        vm.warp(block.timestamp + elapsed);
        assertEq(registry.validDelegate(ORG, SIG_AUTH, delegate), elapsed < validity);
    }

    // ------------------------------------------------------------ deactivate

    function test_deactivate_freezesEveryChange() public {
        vm.startPrank(alice);
        registry.addDelegate(ORG, SIG_AUTH, bob, 1 days);
        vm.roll(7);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDeactivated(ORG, 1);
        registry.deactivate(ORG);
        assertTrue(registry.isDeactivated(ORG));
        assertTrue(registry.exists(ORG));
        assertEq(registry.controllerOf(ORG), alice, "controller kept for the record");
        assertFalse(registry.validDelegate(ORG, SIG_AUTH, bob), "no delegate of a deactivated DID");

        bytes memory err = abi.encodeWithSelector(IDIDRegistry.DIDRegistryDeactivated.selector, ORG);
        vm.expectRevert(err);
        registry.changeController(ORG, bob);
        vm.expectRevert(err);
        registry.setAttribute(ORG, SVC, KEY, 1 days);
        vm.expectRevert(err);
        registry.revokeAttribute(ORG, SVC, KEY);
        vm.expectRevert(err);
        registry.addDelegate(ORG, SIG_AUTH, bob, 1 days);
        vm.expectRevert(err);
        registry.revokeDelegate(ORG, SIG_AUTH, bob);
        vm.expectRevert(err);
        registry.deactivate(ORG);
        vm.stopPrank();

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        vm.expectRevert(err);
        registry.changeControllerSigned(ORG, bob, deadline, sig);
        sig = signSetAttribute(aliceKey, ORG, SVC, KEY, 1 days, 0, deadline);
        vm.expectRevert(err);
        registry.setAttributeSigned(ORG, SVC, KEY, 1 days, deadline, sig);
        sig = signDeactivate(aliceKey, ORG, 0, deadline);
        vm.expectRevert(err);
        registry.deactivateSigned(ORG, deadline, sig);
        vm.expectRevert(err);
        registry.revokeAttributeSigned(ORG, SVC, KEY, deadline, "");
        vm.expectRevert(err);
        registry.addDelegateSigned(ORG, SIG_AUTH, bob, 1 days, deadline, "");
        vm.expectRevert(err);
        registry.revokeDelegateSigned(ORG, SIG_AUTH, bob, deadline, "");
        assertEq(registry.changed(ORG), 7);
    }

    function test_deactivate_revertsWhenNotController() public {
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotController.selector, ORG, bob));
        vm.prank(bob);
        registry.deactivate(ORG);
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
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotVehicle.selector, ORG));
        registry.lifecycleSetController(ORG, bob);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryNotVehicle.selector, ORG));
        registry.lifecycleDeactivate(ORG);
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
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDControllerChanged(ORG, bob, 1);
        vm.prank(relayer);
        registry.changeControllerSigned(ORG, bob, deadline, sig);
        assertEq(registry.controllerOf(ORG), bob);
        assertEq(registry.nonce(alice), 1);
    }

    function test_changeControllerSigned_revertsOnWrongSigner() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(owner1Key, ORG, owner1, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(ORG, owner1, deadline, sig);
    }

    function test_changeControllerSigned_revertsOnTamperedArguments() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(ORG, carol, deadline, sig);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(ORG, bob, deadline + 1, sig);
    }

    function test_changeControllerSigned_revertsOnReplay() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        registry.changeControllerSigned(ORG, bob, deadline, sig);
        // Give control back so alice is the controller again, with her nonce now at 1.
        vm.prank(bob);
        registry.changeController(ORG, alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(ORG, bob, deadline, sig);
    }

    function test_changeControllerSigned_revertsWhenExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.changeControllerSigned(ORG, bob, deadline, sig);
    }

    function test_changeControllerSigned_acceptsAtDeadline() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signChangeController(aliceKey, ORG, bob, 0, deadline);
        vm.warp(deadline);
        registry.changeControllerSigned(ORG, bob, deadline, sig);
        assertEq(registry.controllerOf(ORG), bob);
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
        bytes memory sig0 = signSetAttribute(aliceKey, ORG, VM_P256, KEY, 1 days, 0, deadline);
        bytes memory sig1 = signSetAttribute(aliceKey, ORG, SVC, "https://a.example", 1 days, 1, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(ORG, VM_P256, KEY, uint64(block.timestamp + 1 days), 1);
        registry.setAttributeSigned(ORG, VM_P256, KEY, 1 days, deadline, sig0);
        registry.setAttributeSigned(ORG, SVC, "https://a.example", 1 days, deadline, sig1);
        assertEq(registry.nonce(alice), 2);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(ORG, VM_P256, KEY, 1 days, deadline, sig0);
    }

    function test_setAttributeSigned_revertsOnWrongSignerAndExpiry() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory wrong = signSetAttribute(owner1Key, ORG, VM_P256, KEY, 1 days, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(ORG, VM_P256, KEY, 1 days, deadline, wrong);
        bytes memory good = signSetAttribute(aliceKey, ORG, VM_P256, KEY, 1 days, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.setAttributeSigned(ORG, VM_P256, hex"04", 1 days, deadline, good);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.setAttributeSigned(ORG, VM_P256, KEY, 1 days, deadline, good);
        assertEq(registry.nonce(alice), 0);
    }

    function test_revokeAttributeSigned_emitsZeroValidTo() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(abi.encode(REVOKE_ATTRIBUTE, ORG, VM_P256, keccak256(KEY), 0, deadline));
        bytes memory sig = signPacked(aliceKey, digest(structHash));
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDAttributeChanged(ORG, VM_P256, KEY, 0, 1);
        registry.revokeAttributeSigned(ORG, VM_P256, KEY, deadline, sig);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.revokeAttributeSigned(ORG, VM_P256, KEY, deadline, sig);
    }

    function test_addAndRevokeDelegateSigned() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 addHash = keccak256(abi.encode(ADD_DELEGATE, ORG, SIG_AUTH, bob, uint64(1 days), 0, deadline));
        bytes memory addSig = signPacked(aliceKey, digest(addHash));
        registry.addDelegateSigned(ORG, SIG_AUTH, bob, 1 days, deadline, addSig);
        assertTrue(registry.validDelegate(ORG, SIG_AUTH, bob));

        bytes32 revokeHash = keccak256(abi.encode(REVOKE_DELEGATE, ORG, SIG_AUTH, bob, 1, deadline));
        bytes memory wrong = signPacked(owner1Key, digest(revokeHash));
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.revokeDelegateSigned(ORG, SIG_AUTH, bob, deadline, wrong);
        bytes memory revokeSig = signPacked(aliceKey, digest(revokeHash));
        registry.revokeDelegateSigned(ORG, SIG_AUTH, bob, deadline, revokeSig);
        assertFalse(registry.validDelegate(ORG, SIG_AUTH, bob));
        assertEq(registry.nonce(alice), 2);
    }

    function test_deactivateSigned_byRelayer() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory wrong = signDeactivate(owner1Key, ORG, 0, deadline);
        vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.deactivateSigned(ORG, deadline, wrong);
        bytes memory good = signDeactivate(aliceKey, ORG, 0, deadline);
        vm.expectEmit(address(registry));
        emit IDIDRegistry.DIDDeactivated(ORG, 1);
        vm.prank(relayer);
        registry.deactivateSigned(ORG, deadline, good);
        assertTrue(registry.isDeactivated(ORG));
    }

    function test_deactivateSigned_revertsWhenExpired() public {
        uint256 deadline = block.timestamp;
        bytes memory sig = signDeactivate(aliceKey, ORG, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryExpired.selector, deadline));
        registry.deactivateSigned(ORG, deadline, sig);
    }

    function test_signed_worksForErc1271Controller() public {
        ERC1271Wallet wallet = new ERC1271Wallet(owner1);
        bytes32 id = keccak256("fleet:owner1");
        registry.create(id, address(wallet), IDIDRegistry.SubjectType.Organisation);
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
        bytes memory sig = signChangeController(signerKey, ORG, to, 0, deadline);
        if (vm.addr(signerKey) != alice) vm.expectRevert(IDIDRegistry.DIDRegistryBadSignature.selector);
        registry.changeControllerSigned(ORG, to, deadline, sig);
    }

    // ------------------------------------------------------------ history (previousChange chain)

    function test_previousChange_chainWalksBackThroughEveryChange() public {
        bytes32 id = keccak256("device:obu-1");
        uint256[] memory blocks = new uint256[](6);
        Seen[] memory seen = new Seen[](8);
        uint256 n;

        vm.recordLogs();
        vm.roll(100);
        registry.create(id, owner1, IDIDRegistry.SubjectType.Device);
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
        bytes32 id = keccak256("device:fuzz");
        vm.prank(owner1);
        registry.create(id, owner1, IDIDRegistry.SubjectType.Device);
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
