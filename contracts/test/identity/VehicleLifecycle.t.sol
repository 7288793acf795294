// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {ERC1271Wallet} from "./IdentityMocks.sol";
import {Vm} from "../utils/Vm.sol";
import {VehicleLifecycle} from "../../src/identity/VehicleLifecycle.sol";
import {IVehicleLifecycle} from "../../src/identity/IVehicleLifecycle.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";
import {IIdentityMirror} from "../../src/identity/IIdentityMirror.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

contract VehicleLifecycleTest is IdentityFixture {
    bytes32 internal constant REG = keccak256("registration");
    bytes32 internal constant REPORT = keccak256("report");

    function setUp() public {
        setUpIdentity();
    }

    function state(bytes32 id) internal view returns (uint8) {
        return uint8(lifecycle.stateOf(id));
    }

    function invalidState(bytes32 id, IVehicleLifecycle.VehicleState s) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleInvalidState.selector, id, s);
    }

    function missingRole(bytes32 role, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleMissingRole.selector, role, account);
    }

    function unknown(bytes32 id) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleUnknownVehicle.selector, id);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(lifecycle.initializer(), deployer);
        assertEq(lifecycle.consortium(), address(consortium));
        assertEq(lifecycle.registry(), address(registry));
        assertEq(lifecycle.mailbox(), address(mailbox));
        assertEq(lifecycle.mirror(), address(mirror));
        assertEq(lifecycle.domainSeparator(), domainSeparatorOf("AMC VehicleLifecycle", address(lifecycle)));
        assertEq(
            lifecycle.TRANSFER_TYPEHASH(),
            keccak256("Transfer(bytes32 id,address newController,uint256 nonce,uint256 deadline)")
        );
    }

    function test_initialize_revertsWhenNotInitializerOrTwice() public {
        VehicleLifecycle fresh = new VehicleLifecycle(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleNotInitializer.selector, address(this))
        );
        fresh.initialize(address(consortium), address(registry), address(mailbox), address(mirror));
        vm.prank(deployer);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleAlreadyInitialized.selector);
        lifecycle.initialize(address(consortium), address(registry), address(mailbox), address(mirror));
    }

    function test_initialize_revertsOnZeroAddress() public {
        VehicleLifecycle fresh = new VehicleLifecycle(deployer);
        vm.startPrank(deployer);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleZeroAddress.selector);
        fresh.initialize(address(consortium), address(registry), address(mailbox), address(0));
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleZeroAddress.selector);
        fresh.initialize(address(0), address(registry), address(mailbox), address(mirror));
        vm.stopPrank();
    }

    function test_roles_matchConsortium() public view {
        assertTrue(consortium.hasRole(consortium.OEM(), alice));
        assertTrue(consortium.hasRole(consortium.REGULATOR(), bob));
        assertTrue(consortium.hasRole(consortium.INSURER(), carol));
    }

    // ------------------------------------------------------------ happy path

    function test_lifecycle_fullLife() public {
        vm.warp(1_700_000_000);
        // produce
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleProduced(VIN_ID, alice, SPEC);
        produce(VIN_ID);
        assertEq(state(VIN_ID), uint8(IVehicleLifecycle.VehicleState.Produced));
        assertEq(registry.controllerOf(VIN_ID), alice);
        assertEq(uint8(registry.subjectTypeOf(VIN_ID)), uint8(IDIDRegistry.SubjectType.Vehicle));

        // first sale, OEM -> owner1, before registration
        vm.warp(1_700_000_100);
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleTransferred(VIN_ID, alice, owner1);
        vm.prank(alice);
        lifecycle.transfer(VIN_ID, owner1);
        assertEq(registry.controllerOf(VIN_ID), owner1);

        // registration
        vm.warp(1_700_000_200);
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleRegistered(VIN_ID, bob, REG);
        vm.prank(bob);
        lifecycle.register(VIN_ID, REG);
        assertEq(state(VIN_ID), uint8(IVehicleLifecycle.VehicleState.Registered));

        // inspection, accident
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.InspectionRecorded(VIN_ID, bob, REPORT);
        vm.prank(bob);
        lifecycle.recordInspection(VIN_ID, REPORT);
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.AccidentRecorded(VIN_ID, carol, keccak256("crash"));
        vm.prank(carol);
        lifecycle.recordAccident(VIN_ID, keccak256("crash"));

        // second sale owner1 -> owner2, signed by owner1, submitted by a relayer
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleTransferred(VIN_ID, owner1, owner2);
        vm.prank(relayer);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
        assertEq(registry.controllerOf(VIN_ID), owner2);
        assertEq(lifecycle.nonce(owner1), 1);

        // scrap by the owner
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleScrapped(VIN_ID, owner2);
        vm.prank(owner2);
        lifecycle.scrap(VIN_ID);
        assertEq(state(VIN_ID), uint8(IVehicleLifecycle.VehicleState.Scrapped));
        assertTrue(registry.isDeactivated(VIN_ID));

        IVehicleLifecycle.VehicleInfo memory v = lifecycle.vehicle(VIN_ID);
        assertEq(uint8(v.state), uint8(IVehicleLifecycle.VehicleState.Scrapped));
        assertEq(v.oem, alice);
        assertEq(v.producedAt, 1_700_000_000);
        assertEq(v.registeredAt, 1_700_000_200);
        assertEq(v.transferCount, 2);
        assertEq(v.accidentCount, 1);
        assertEq(v.lastInspectionHash, REPORT);
    }

    // ------------------------------------------------------------ produce

    function test_produce_revertsWithoutOemRole() public {
        vm.expectRevert(missingRole(keccak256("OEM"), bob));
        vm.prank(bob);
        lifecycle.produce(VIN_ID, SPEC);
    }

    function test_produce_revertsWhenAlreadyProduced() public {
        produce(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Produced));
        produce(VIN_ID);
    }

    function test_produce_revertsWhenIdTakenByOtherDid() public {
        // Only reachable with an id someone derived on purpose: an OEM producing a salt-derived id by mistake.
        vm.prank(stranger);
        bytes32 taken = registry.create(keccak256("salt"), stranger, IDIDRegistry.SubjectType.Person);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyExists.selector, taken));
        produce(taken);
        assertEq(state(taken), 0, "state rolled back");
    }

    /// @dev A front-runner who sees `produce(VIN_ID)` pending cannot take VIN_ID first.
    function test_produce_cannotBeFrontRun() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, stranger));
        registry.createVehicle(VIN_ID, stranger);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, stranger));
        registry.create(VIN_ID, stranger, IDIDRegistry.SubjectType.Vehicle);
        bytes32 squatted = registry.create(VIN_ID, stranger, IDIDRegistry.SubjectType.Person);
        vm.stopPrank();
        assertEq(squatted, keccak256(abi.encode(stranger, VIN_ID)), "the salt is not the id");
        assertFalse(registry.exists(VIN_ID));

        produce(VIN_ID);
        assertEq(state(VIN_ID), 1, "produced");
        assertEq(registry.controllerOf(VIN_ID), alice);
        assertEq(uint8(registry.subjectTypeOf(VIN_ID)), uint8(IDIDRegistry.SubjectType.Vehicle));
    }

    function test_produce_revertsOnZeroId() public {
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroId.selector);
        produce(bytes32(0));
    }

    function test_produce_afterRoleRevokedReverts() public {
        govern(abi.encodeCall(consortium.revokeRole, (keccak256("OEM"), alice)));
        vm.expectRevert(missingRole(keccak256("OEM"), alice));
        produce(VIN_ID);
    }

    function testFuzz_produce(bytes32 id, bytes32 specHash) public {
        vm.assume(id != bytes32(0));
        vm.expectEmit(address(lifecycle));
        emit IVehicleLifecycle.VehicleProduced(id, alice, specHash);
        vm.prank(alice);
        lifecycle.produce(id, specHash);
        assertEq(registry.controllerOf(id), alice);
        assertEq(lifecycle.vehicle(id).oem, alice);
        assertEq(state(id), uint8(IVehicleLifecycle.VehicleState.Produced));
    }

    // ------------------------------------------------------------ register

    function test_register_revertsWithoutRegulatorRole() public {
        produce(VIN_ID);
        vm.expectRevert(missingRole(keccak256("REGULATOR"), carol));
        vm.prank(carol);
        lifecycle.register(VIN_ID, REG);
    }

    function test_register_revertsWhenUnknown() public {
        vm.expectRevert(unknown(VIN_ID));
        vm.prank(bob);
        lifecycle.register(VIN_ID, REG);
    }

    function test_register_revertsWhenRegisteredOrScrapped() public {
        produceSellRegister(VIN_ID);
        vm.startPrank(bob);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Registered));
        lifecycle.register(VIN_ID, REG);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        lifecycle.register(VIN_ID, REG);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ transfer

    function test_transfer_revertsWhenNotController() public {
        produce(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleNotController.selector, VIN_ID, bob));
        vm.prank(bob);
        lifecycle.transfer(VIN_ID, bob);
    }

    function test_transfer_oemCannotTransferAfterSale() public {
        produceSellRegister(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleNotController.selector, VIN_ID, alice));
        vm.prank(alice);
        lifecycle.transfer(VIN_ID, alice);
    }

    function test_transfer_revertsOnZeroAddress() public {
        produce(VIN_ID);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleZeroAddress.selector);
        vm.prank(alice);
        lifecycle.transfer(VIN_ID, address(0));
    }

    function test_transfer_revertsWhenUnknownOrScrapped() public {
        vm.expectRevert(unknown(VIN_ID));
        lifecycle.transfer(VIN_ID, owner1);
        produceSellRegister(VIN_ID);
        vm.prank(owner1);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        vm.prank(owner1);
        lifecycle.transfer(VIN_ID, owner2);
    }

    function test_transfer_registryRefusesDirectControllerChange() public {
        produceSellRegister(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUseLifecycle.selector, VIN_ID));
        vm.prank(owner1);
        registry.changeController(VIN_ID, owner2);
    }

    // ------------------------------------------------------------ transferSigned

    function test_transferSigned_revertsOnWrongSigner() public {
        produceSellRegister(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner2Key, VIN_ID, owner2, 0, deadline);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
    }

    function test_transferSigned_revertsOnReplay() public {
        produceSellRegister(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
        // owner2 sells back to owner1, who is the controller again with nonce 1 now.
        vm.prank(owner2);
        lifecycle.transfer(VIN_ID, owner1);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
    }

    function test_transferSigned_revertsOnOtherRecipientOrVehicle() public {
        produceSellRegister(VIN_ID);
        bytes32 other = keccak256("vehicle:other");
        produce(other);
        vm.prank(alice);
        lifecycle.transfer(other, owner1);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        lifecycle.transferSigned(VIN_ID, stranger, deadline, sig);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        lifecycle.transferSigned(other, owner2, deadline, sig);
    }

    function test_transferSigned_revertsWhenExpired() public {
        produceSellRegister(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleExpired.selector, deadline));
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
    }

    function test_transferSigned_revertsWhenScrapped() public {
        produceSellRegister(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        vm.prank(bob);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
    }

    function test_transferSigned_oemToFirstOwnerInProduced() public {
        produce(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(aliceKey, VIN_ID, owner1, 0, deadline);
        lifecycle.transferSigned(VIN_ID, owner1, deadline, sig);
        assertEq(registry.controllerOf(VIN_ID), owner1);
        assertEq(lifecycle.nonce(alice), 1);
    }

    function test_transferSigned_worksForErc1271Owner() public {
        ERC1271Wallet wallet = new ERC1271Wallet(owner1);
        produce(VIN_ID);
        vm.prank(alice);
        lifecycle.transfer(VIN_ID, address(wallet));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory bad = signTransfer(owner2Key, VIN_ID, owner2, 0, deadline);
        vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, bad);
        bytes memory good = signTransfer(owner1Key, VIN_ID, owner2, 0, deadline);
        lifecycle.transferSigned(VIN_ID, owner2, deadline, good);
        assertEq(registry.controllerOf(VIN_ID), owner2);
    }

    function testFuzz_transferSigned(uint256 signerKey, uint64 delay) public {
        signerKey = bound(signerKey, 1, SECP256K1_ORDER - 1);
        delay = uint64(bound(delay, 0, 2 hours));
        produceSellRegister(VIN_ID);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = signTransfer(signerKey, VIN_ID, owner2, 0, deadline);
        vm.warp(block.timestamp + delay);
        if (block.timestamp > deadline) {
            vm.expectRevert(abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleExpired.selector, deadline));
        } else if (vm.addr(signerKey) != owner1) {
            vm.expectRevert(IVehicleLifecycle.VehicleLifecycleBadSignature.selector);
        }
        lifecycle.transferSigned(VIN_ID, owner2, deadline, sig);
    }

    // ------------------------------------------------------------ inspections and accidents

    function test_recordInspection_requiresRegulatorAndRegistered() public {
        produce(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Produced));
        vm.prank(bob);
        lifecycle.recordInspection(VIN_ID, REPORT);
        vm.prank(bob);
        lifecycle.register(VIN_ID, REG);
        vm.expectRevert(missingRole(keccak256("REGULATOR"), carol));
        vm.prank(carol);
        lifecycle.recordInspection(VIN_ID, REPORT);
        vm.expectRevert(missingRole(keccak256("REGULATOR"), alice));
        vm.prank(alice);
        lifecycle.recordInspection(VIN_ID, REPORT);
    }

    function test_recordInspection_revertsWhenUnknown() public {
        vm.expectRevert(unknown(VIN_ID));
        vm.prank(bob);
        lifecycle.recordInspection(VIN_ID, REPORT);
    }

    function test_recordAccident_byRegulatorOrInsurer() public {
        produceSellRegister(VIN_ID);
        vm.prank(bob);
        lifecycle.recordAccident(VIN_ID, REPORT);
        vm.prank(carol);
        lifecycle.recordAccident(VIN_ID, REPORT);
        assertEq(lifecycle.vehicle(VIN_ID).accidentCount, 2);
        vm.expectRevert(missingRole(keccak256("INSURER"), alice));
        vm.prank(alice);
        lifecycle.recordAccident(VIN_ID, REPORT);
        vm.expectRevert(missingRole(keccak256("INSURER"), owner1));
        vm.prank(owner1);
        lifecycle.recordAccident(VIN_ID, REPORT);
    }

    function test_recordAccident_requiresRegistered() public {
        vm.expectRevert(unknown(VIN_ID));
        vm.prank(carol);
        lifecycle.recordAccident(VIN_ID, REPORT);
        produce(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Produced));
        vm.prank(carol);
        lifecycle.recordAccident(VIN_ID, REPORT);
        vm.prank(alice);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        vm.prank(carol);
        lifecycle.recordAccident(VIN_ID, REPORT);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        vm.prank(bob);
        lifecycle.recordInspection(VIN_ID, REPORT);
    }

    // ------------------------------------------------------------ scrap

    function test_scrap_dispatchesToEveryOtherDomain() public {
        produceSellRegister(VIN_ID);
        vm.recordLogs();
        vm.prank(bob);
        lifecycle.scrap(VIN_ID);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        bytes memory body = abi.encode(uint8(1), VIN_ID);
        bytes32 recipient = bytes32(uint256(uint160(address(mirror))));
        uint32[2] memory expected = [EDGE, OTHER];
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(mailbox) || logs[i].topics[0] != IMailbox.Dispatched.selector) continue;
            assertEq(logs[i].topics[1], bytes32(uint256(uint160(address(lifecycle)))), "sender is the lifecycle");
            assertEq(uint256(logs[i].topics[2]), expected[found], "destination, in domain order, not MAIN");
            assertEq(logs[i].topics[3], recipient, "recipient is the mirror");
            (, uint32 nonce_, bytes memory message) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
            assertEq(
                message,
                Message.formatMessage(
                    Message.VERSION,
                    nonce_,
                    MAIN,
                    bytes32(uint256(uint160(address(lifecycle)))),
                    expected[found],
                    recipient,
                    body
                )
            );
            ++found;
        }
        assertEq(found, 2, "one message per other domain");
    }

    function test_scrap_byControllerInProduced() public {
        produce(VIN_ID);
        vm.prank(alice);
        lifecycle.scrap(VIN_ID);
        assertTrue(registry.isDeactivated(VIN_ID));
    }

    function test_scrap_revertsForOthers() public {
        produceSellRegister(VIN_ID);
        bytes memory err =
            abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleUnauthorized.selector, VIN_ID, carol);
        vm.expectRevert(err);
        vm.prank(carol);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IVehicleLifecycle.VehicleLifecycleUnauthorized.selector, VIN_ID, alice));
        vm.prank(alice);
        lifecycle.scrap(VIN_ID);
    }

    function test_scrap_revertsWhenUnknownOrScrapped() public {
        vm.expectRevert(unknown(VIN_ID));
        lifecycle.scrap(VIN_ID);
        produce(VIN_ID);
        vm.prank(alice);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(invalidState(VIN_ID, IVehicleLifecycle.VehicleState.Scrapped));
        vm.prank(bob);
        lifecycle.scrap(VIN_ID);
    }

    function test_scrap_freezesTheVehicleDid() public {
        produceSellRegister(VIN_ID);
        vm.prank(owner1);
        lifecycle.scrap(VIN_ID);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryDeactivated.selector, VIN_ID));
        vm.prank(owner1);
        registry.setAttribute(VIN_ID, "amc/svc/x", "x", 1 days);
    }

    /// @dev The whole path: scrap on MAIN, relay the message to EDGE with MAIN's validator signatures, the mirror
    ///      there marks the DID deactivated.
    function test_scrap_reachesEdgeMirrorThroughMailbox() public {
        produceSellRegister(VIN_ID);
        uint32 edgeNonce = mailbox.nonce(); // the EDGE message is dispatched first
        vm.prank(owner1);
        lifecycle.scrap(VIN_ID);

        bytes memory message =
            buildMessage(edgeNonce, MAIN, address(lifecycle), EDGE, address(mirror), abi.encode(uint8(1), VIN_ID));
        bytes memory metadata = signWith(message, take(mainKeys, 2));
        vm.chainId(EDGE);
        assertFalse(mirror.isDeactivated(VIN_ID));
        vm.expectEmit(address(mirror));
        emit IIdentityMirror.DIDDeactivationMirrored(VIN_ID, MAIN);
        mailbox.process(metadata, message);
        assertTrue(mirror.isDeactivated(VIN_ID));
        assertTrue(mailbox.delivered(keccak256(message)));
    }
}
