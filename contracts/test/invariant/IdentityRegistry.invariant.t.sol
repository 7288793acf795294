// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "../identity/IdentityFixture.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";
import {IVehicleLifecycle} from "../../src/identity/IVehicleLifecycle.sol";
import {IdentityHandler} from "./handlers/IdentityHandler.sol";

/// @notice Invariants of the identity layer under random actors: `changed(id)` is always the block of the id's
///         latest event and every event links to the one before it (so a resolver's log walk is complete), a
///         Vehicle DID's controller only ever changes through a VehicleLifecycle transfer, and no DID but the
///         lifecycle's ever takes a vehicle id (ids of `create` are derived from the creator and a salt).
contract IdentityRegistryInvariantTest is IdentityFixture {
    IdentityHandler internal handler;

    /// @dev Vehicle ids in the pool; the handler appends the ids `create` derives from each actor and salt.
    uint256 internal constant ID_POOL = 6;
    uint256 internal constant SALTS = 2;

    function setUp() public {
        setUpIdentity();
        address[] memory actors = new address[](6);
        uint256[] memory keys = new uint256[](6);
        string[6] memory names = ["alice", "bob", "carol", "owner1", "owner2", "owner3"];
        for (uint256 i; i < actors.length; ++i) {
            (actors[i], keys[i]) = makeAddrAndKey(names[i]);
        }
        bytes32[] memory ids = new bytes32[](ID_POOL);
        for (uint256 i; i < ID_POOL; ++i) {
            ids[i] = keccak256(abi.encode("did", i));
        }
        bytes32[] memory salts = new bytes32[](SALTS);
        for (uint256 i; i < SALTS; ++i) {
            salts[i] = keccak256(abi.encode("salt", i));
        }
        handler = new IdentityHandler(registry, lifecycle, actors, keys, ids, salts);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = IdentityHandler.produce.selector;
        selectors[1] = IdentityHandler.register.selector;
        selectors[2] = IdentityHandler.transfer.selector;
        selectors[3] = IdentityHandler.transferSigned.selector;
        selectors[4] = IdentityHandler.recordAccident.selector;
        selectors[5] = IdentityHandler.scrap.selector;
        selectors[6] = IdentityHandler.create.selector;
        selectors[7] = IdentityHandler.changeController.selector;
        selectors[8] = IdentityHandler.changeControllerSigned.selector;
        selectors[9] = IdentityHandler.lifecycleSetController.selector;
        selectors[10] = IdentityHandler.setAttribute.selector;
        selectors[11] = IdentityHandler.delegate.selector;
        selectors[12] = IdentityHandler.deactivate.selector;
        selectors[13] = IdentityHandler.produce.selector; // twice: vehicles are the point
        selectors[14] = IdentityHandler.createVehicle.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_changedIsBlockOfLatestEvent() public view {
        for (uint256 i; i < handler.idCount(); ++i) {
            bytes32 id = handler.idAt(i);
            assertEq(registry.changed(id), handler.ghostLastEventBlock(id), "changed(id) is the latest event's block");
        }
        assertEq(handler.ghostBrokenLinks(), 0, "an event's previousChange skipped or misnamed the previous change");
    }

    function invariant_vehicleControllerMovesOnlyThroughLifecycle() public view {
        assertEq(handler.ghostUntrackedControllerChanges(), 0, "a vehicle's controller changed without a transfer");
        for (uint256 i; i < handler.idCount(); ++i) {
            bytes32 id = handler.idAt(i);
            if (registry.subjectTypeOf(id) != IDIDRegistry.SubjectType.Vehicle) continue;
            assertEq(
                registry.controllerOf(id), handler.ghostVehicleController(id), "vehicle controller = last transfer"
            );
        }
    }

    function invariant_vehicleStateMatchesRegistry() public view {
        for (uint256 i; i < handler.idCount(); ++i) {
            bytes32 id = handler.idAt(i);
            IVehicleLifecycle.VehicleState s = lifecycle.stateOf(id);
            bool isVehicle = registry.subjectTypeOf(id) == IDIDRegistry.SubjectType.Vehicle;
            assertEq(s != IVehicleLifecycle.VehicleState.None, isVehicle, "a lifecycle entry iff a Vehicle DID");
            if (isVehicle) {
                assertEq(
                    s == IVehicleLifecycle.VehicleState.Scrapped,
                    registry.isDeactivated(id),
                    "a vehicle DID is deactivated iff scrapped"
                );
            }
        }
    }

    function invariant_vehicleIdsNeverTakenByOtherDids() public view {
        assertEq(handler.ghostBadCreates(), 0, "create made a Vehicle DID or an id not derived from caller and salt");
        assertEq(handler.ghostSuccesses("createVehicle"), 0, "createVehicle by another account than the lifecycle");
        for (uint256 i; i < handler.idCount(); ++i) {
            bytes32 id = handler.idAt(i);
            IDIDRegistry.SubjectType t = registry.subjectTypeOf(id);
            if (i < ID_POOL) {
                assertTrue(
                    t == IDIDRegistry.SubjectType.None || t == IDIDRegistry.SubjectType.Vehicle,
                    "a vehicle id is free or the vehicle's"
                );
            } else {
                assertTrue(t != IDIDRegistry.SubjectType.Vehicle, "a created id is never a vehicle");
            }
        }
    }

    /// @dev The handler reaches the paths the invariants are about (a run that never transfers proves nothing).
    function test_handler_exercisesLifecycleAndRegistry() public {
        for (uint256 round; round < 3; ++round) {
            for (uint256 i; i < ID_POOL; ++i) {
                uint256 s = round * 31 + i;
                handler.produce(1, i, s);
                handler.transfer(1, i, 3 + round, s);
                handler.transferSigned(1, i, 4, s);
                handler.register(1, i, s);
                handler.recordAccident(1, i, s);
                handler.changeController(1, i, 0, s); // vehicles: refused
                handler.lifecycleSetController(1, i, 5); // always refused
                handler.setAttribute(1, i, round == 1, s);
                handler.delegate(1, i, 2, round == 2, s);
            }
        }
        uint256 vehicleControllerChanges = handler.ghostSuccesses("changeController");
        for (uint256 a; a < 6; ++a) {
            handler.create(a, 0, 2, a); // a Vehicle: refused
            handler.create(a, 0, 1, a); // an Organisation from (actor a, salt 0)
            handler.create(a, 1, 3, a); // a Device from (actor a, salt 1)
            handler.create(a, 1, 4, a); // salt 1 again: refused
            handler.createVehicle(a, a, a); // always refused
        }
        for (uint256 i = ID_POOL; i < handler.idCount(); ++i) {
            address controller = registry.controllerOf(handler.idAt(i));
            if (controller == address(0)) continue;
            handler.setAttribute(1, i, false, i);
            handler.delegate(1, i, 3, false, i);
            handler.changeController(1, i, 4, i);
        }
        handler.scrap(4, 0, 1);
        assertGt(handler.ghostSuccesses("produce"), 0);
        assertGt(handler.ghostSuccesses("transfer"), 0);
        assertGt(handler.ghostSuccesses("transferSigned"), 0);
        assertGt(handler.ghostSuccesses("register"), 0);
        assertGt(handler.ghostSuccesses("setAttribute"), 0);
        assertGt(handler.ghostSuccesses("addDelegate"), 0);
        assertEq(handler.ghostSuccesses("scrap"), 1);
        assertEq(vehicleControllerChanges, 0, "vehicle controllers refuse direct changes");
        assertEq(handler.ghostSuccesses("lifecycleSetController"), 0);
        assertEq(handler.ghostSuccesses("create"), 12, "one per actor and salt");
        assertGt(handler.ghostSuccesses("changeController"), 0, "created DIDs change controller directly");
        assertEq(handler.ghostSuccesses("createVehicle"), 0);
        invariant_changedIsBlockOfLatestEvent();
        invariant_vehicleControllerMovesOnlyThroughLifecycle();
        invariant_vehicleStateMatchesRegistry();
        invariant_vehicleIdsNeverTakenByOtherDids();
    }
}
