// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TokenFixture} from "./TokenFixture.sol";
import {CredentialEligibility} from "../../src/token/CredentialEligibility.sol";
import {ICredentialEligibility} from "../../src/token/ICredentialEligibility.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {DIDRegistry} from "../../src/identity/DIDRegistry.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";
import {VehicleLifecycle} from "../../src/identity/VehicleLifecycle.sol";

/// @notice Who may claim mining rewards, checked against the real Consortium, DIDRegistry and VehicleLifecycle:
///         members; owners of Produced or Registered vehicles they bound, as long as they still own them and the
///         vehicle is not scrapped; and the MiningPool asking it at every claim.
/// @dev A minimal identity layer over TokenFixture (the full IdentityFixture would deploy a second Consortium): the
///      registry and lifecycle as the deployer initialises them, the mirror being only a recipient address here
///      (scrap messages to other domains are dispatched, not delivered). alice is the OEM, bob the REGULATOR.
contract CredentialEligibilityTest is TokenFixture {
    DIDRegistry internal registry;
    VehicleLifecycle internal lifecycle;
    CredentialEligibility internal eligibility;

    address internal owner1;
    address internal owner2;
    address internal stranger;

    bytes32 internal constant CAR = keccak256("vehicle:WVWZZZ1JZXW000001");

    function setUp() public {
        setUpToken();
        owner1 = makeAddr("owner1");
        owner2 = makeAddr("owner2");
        stranger = makeAddr("stranger");
        registry = new DIDRegistry(deployer);
        lifecycle = new VehicleLifecycle(deployer);
        eligibility = new CredentialEligibility(deployer);
        vm.startPrank(deployer);
        registry.initialize(address(consortium), address(lifecycle));
        lifecycle.initialize(address(consortium), address(registry), address(mailbox), makeAddr("identity-mirror"));
        eligibility.initialize(address(consortium), address(registry), address(lifecycle));
        vm.stopPrank();
    }

    /// @dev alice (OEM) produces `id` and sells it to `owner`; bob registers it if `registered`.
    function vehicleOf(bytes32 id, address owner, bool registered) internal {
        vm.startPrank(alice);
        lifecycle.produce(id, keccak256("spec"));
        lifecycle.transfer(id, owner);
        vm.stopPrank();
        if (registered) {
            vm.prank(bob);
            lifecycle.register(id, keccak256("registration"));
        }
    }

    function bind(address account, bytes32 id) internal {
        vm.prank(account);
        eligibility.bindVehicle(id);
    }

    function carN(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("vehicle", i));
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(eligibility.initializer(), deployer);
        assertEq(eligibility.consortium(), address(consortium));
        assertEq(eligibility.registry(), address(registry));
        assertEq(eligibility.lifecycle(), address(lifecycle));
        assertEq(eligibility.MAX_VEHICLES(), 8);
    }

    function test_initialize_guards() public {
        CredentialEligibility fresh = new CredentialEligibility(deployer);
        assertFalse(fresh.isEligible(alice), "nobody before initialize");
        vm.expectRevert(ICredentialEligibility.CredentialEligibilityNotInitialized.selector);
        fresh.bindVehicle(CAR);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotInitializer.selector, alice)
        );
        fresh.initialize(address(consortium), address(registry), address(lifecycle));
        vm.startPrank(deployer);
        vm.expectRevert(ICredentialEligibility.CredentialEligibilityZeroAddress.selector);
        fresh.initialize(address(consortium), address(0), address(lifecycle));
        vm.expectEmit(address(fresh));
        emit ICredentialEligibility.Initialized(address(consortium), address(registry), address(lifecycle));
        fresh.initialize(address(consortium), address(registry), address(lifecycle));
        vm.expectRevert(ICredentialEligibility.CredentialEligibilityAlreadyInitialized.selector);
        fresh.initialize(address(consortium), address(registry), address(lifecycle));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ members

    function test_isEligible_membersOnly() public {
        assertTrue(eligibility.isEligible(alice));
        assertTrue(eligibility.isEligible(bob));
        assertTrue(eligibility.isEligible(carol));
        assertFalse(eligibility.isEligible(stranger));
        // Removal ends the member credential.
        governCall(address(consortium), abi.encodeCall(IConsortium.removeMember, (carol)));
        assertFalse(eligibility.isEligible(carol));
    }

    // ------------------------------------------------------------ vehicles

    function test_bindVehicle_ownerOfRegisteredVehicleIsEligible() public {
        vehicleOf(CAR, owner1, true);
        assertFalse(eligibility.isEligible(owner1), "not before binding");
        vm.expectEmit(address(eligibility));
        emit ICredentialEligibility.VehicleBound(owner1, CAR);
        bind(owner1, CAR);
        assertTrue(eligibility.isEligible(owner1));
        bytes32[] memory list = eligibility.vehiclesOf(owner1);
        assertEq(list.length, 1);
        assertEq(list[0], CAR);
    }

    function test_bindVehicle_producedVehicleCounts() public {
        vehicleOf(CAR, owner1, false);
        bind(owner1, CAR);
        assertTrue(eligibility.isEligible(owner1));
    }

    function test_isEligible_followsTheSale() public {
        vehicleOf(CAR, owner1, true);
        bind(owner1, CAR);
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        assertFalse(eligibility.isEligible(owner1), "the seller no longer counts");
        assertFalse(eligibility.isEligible(owner2), "the buyer must bind");
        bind(owner2, CAR);
        assertTrue(eligibility.isEligible(owner2));
        assertFalse(eligibility.isEligible(owner1));
        // The stale binding stays until the seller removes it.
        assertEq(eligibility.vehiclesOf(owner1).length, 1);
        vm.expectEmit(address(eligibility));
        emit ICredentialEligibility.VehicleUnbound(owner1, CAR);
        vm.prank(owner1);
        eligibility.unbindVehicle(CAR);
        assertEq(eligibility.vehiclesOf(owner1).length, 0);
        // Bought back: binding again counts again.
        vm.prank(owner2);
        lifecycle.transfer(CAR, owner1);
        bind(owner1, CAR);
        assertTrue(eligibility.isEligible(owner1));
        assertFalse(eligibility.isEligible(owner2));
    }

    function test_isEligible_endsWithScrapping() public {
        vehicleOf(CAR, owner1, true);
        bind(owner1, CAR);
        vm.prank(bob); // a regulator scraps it
        lifecycle.scrap(CAR);
        assertEq(registry.controllerOf(CAR), owner1, "still the controller of a deactivated DID");
        assertFalse(eligibility.isEligible(owner1));
        vm.prank(owner1);
        eligibility.unbindVehicle(CAR);
        vm.prank(owner1);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityVehicleInactive.selector, CAR)
        );
        eligibility.bindVehicle(CAR);
    }

    function test_isEligible_oneActiveVehicleSuffices() public {
        vehicleOf(carN(0), owner1, true);
        vehicleOf(carN(1), owner1, false);
        bind(owner1, carN(0));
        bind(owner1, carN(1));
        vm.prank(owner1);
        lifecycle.scrap(carN(0));
        assertTrue(eligibility.isEligible(owner1), "the other one still counts");
        vm.prank(owner1);
        lifecycle.transfer(carN(1), owner2);
        assertFalse(eligibility.isEligible(owner1));
    }

    function test_bindVehicle_guards() public {
        vehicleOf(CAR, owner1, true);
        vm.prank(owner2);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotController.selector, CAR, owner2)
        );
        eligibility.bindVehicle(CAR);
        vm.prank(alice); // the OEM that sold it
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotController.selector, CAR, alice)
        );
        eligibility.bindVehicle(CAR);

        bytes32 unknown = keccak256("never produced");
        vm.prank(owner1);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotVehicle.selector, unknown)
        );
        eligibility.bindVehicle(unknown);

        vm.prank(owner1);
        bytes32 person = registry.create(keccak256("salt"), owner1, IDIDRegistry.SubjectType.Person);
        vm.prank(owner1);
        vm.expectRevert(abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotVehicle.selector, person));
        eligibility.bindVehicle(person);

        bind(owner1, CAR);
        vm.prank(owner1);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityAlreadyBound.selector, owner1, CAR)
        );
        eligibility.bindVehicle(CAR);

        vm.prank(owner2);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityNotBound.selector, owner2, CAR)
        );
        eligibility.unbindVehicle(CAR);
    }

    function test_bindVehicle_limit() public {
        for (uint256 i; i < 9; ++i) {
            vehicleOf(carN(i), owner1, i % 2 == 0);
        }
        for (uint256 i; i < 8; ++i) {
            bind(owner1, carN(i));
        }
        vm.prank(owner1);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialEligibility.CredentialEligibilityTooManyVehicles.selector, owner1, 8)
        );
        eligibility.bindVehicle(carN(8));
        vm.prank(owner1);
        eligibility.unbindVehicle(carN(3));
        bind(owner1, carN(8));
        bytes32[] memory list = eligibility.vehiclesOf(owner1);
        assertEq(list.length, 8);
        for (uint256 i; i < 8; ++i) {
            assertTrue(list[i] != carN(3), "the unbound one is gone");
        }
    }

    // ------------------------------------------------------------ with the MiningPool

    function test_miningPool_paysOnlyEligibleAccounts() public {
        governCall(address(pool), abi.encodeCall(IMiningPool.setEligibility, (address(eligibility))));
        vehicleOf(CAR, owner1, true);
        bind(owner1, CAR);

        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = leafOf(0, owner1, 10e18);
        leaves[1] = leafOf(0, stranger, 20e18);
        leaves[2] = leafOf(0, carol, 30e18);
        vm.warp(pool.epochEnd(0));
        vm.prank(distributor);
        pool.commitEpoch(0, merkleRoot(leaves), 60e18);

        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotEligible.selector, stranger));
        pool.claim(0, stranger, 20e18, merkleProof(leaves, 1));
        pool.claim(0, owner1, 10e18, merkleProof(leaves, 0));
        pool.claim(0, carol, 30e18, merkleProof(leaves, 2)); // a member
        assertEq(token.balanceOf(owner1), 10e18);
        assertEq(token.balanceOf(carol), 30e18);
        assertEq(token.balanceOf(stranger), 0);
        assertFalse(pool.isClaimed(0, stranger, 20e18), "still claimable once eligible");
    }

    // ------------------------------------------------------------ fuzz

    /// @dev The fuzz model: who controls each vehicle, which are scrapped, what each owner bound.
    uint256 internal constant MODEL_VEHICLES = 3;
    address[MODEL_VEHICLES] internal mController;
    bool[MODEL_VEHICLES] internal mScrapped;
    mapping(address owner => bool[MODEL_VEHICLES]) internal mBound;

    /// @dev A random sequence of binds, unbinds, sales and scrappings over three vehicles and two owners: every call
    ///      succeeds exactly when the model says so, and `isEligible` equals the model's after every step.
    function testFuzz_isEligible_matchesModel(uint256 seed) public {
        for (uint256 v; v < MODEL_VEHICLES; ++v) {
            mController[v] = v % 2 == 0 ? owner1 : owner2;
            vehicleOf(carN(v), mController[v], v != 1);
        }
        for (uint256 step; step < 16; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            (bool ok, bool expected) = modelStep(r % 4, (r >> 8) % MODEL_VEHICLES, (r >> 16) % 2 == 0 ? owner1 : owner2);
            assertEq(ok, expected, "the call succeeded exactly when the model allows");
            assertEq(eligibility.isEligible(owner1), modelEligible(owner1), "isEligible = model (owner1)");
            assertEq(eligibility.isEligible(owner2), modelEligible(owner2), "isEligible = model (owner2)");
        }
    }

    function modelStep(uint256 op, uint256 v, address who) internal returns (bool ok, bool expected) {
        if (op == 0) {
            expected = mController[v] == who && !mScrapped[v] && !mBound[who][v];
            vm.prank(who);
            (ok,) = address(eligibility).call(abi.encodeCall(ICredentialEligibility.bindVehicle, (carN(v))));
            if (ok) mBound[who][v] = true;
        } else if (op == 1) {
            expected = mBound[who][v];
            vm.prank(who);
            (ok,) = address(eligibility).call(abi.encodeCall(ICredentialEligibility.unbindVehicle, (carN(v))));
            if (ok) mBound[who][v] = false;
        } else if (op == 2) {
            // The controller sells to the other owner.
            expected = !mScrapped[v];
            address to = mController[v] == owner1 ? owner2 : owner1;
            vm.prank(mController[v]);
            (ok,) = address(lifecycle).call(abi.encodeCall(VehicleLifecycle.transfer, (carN(v), to)));
            if (ok) mController[v] = to;
        } else {
            expected = !mScrapped[v];
            vm.prank(mController[v]);
            (ok,) = address(lifecycle).call(abi.encodeCall(VehicleLifecycle.scrap, (carN(v))));
            if (ok) mScrapped[v] = true;
        }
    }

    function modelEligible(address who) internal view returns (bool) {
        for (uint256 k; k < MODEL_VEHICLES; ++k) {
            if (mBound[who][k] && mController[k] == who && !mScrapped[k]) return true;
        }
        return false;
    }
}
