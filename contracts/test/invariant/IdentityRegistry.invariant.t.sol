// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "../identity/IdentityFixture.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";
import {IVehicleLifecycle} from "../../src/identity/IVehicleLifecycle.sol";
import {IdentityHandler} from "./handlers/IdentityHandler.sol";

/// @notice Invariants of the identity layer under random actors: `changed(id)` is always the block of the id's
///         latest event and every event links to the one before it (so a resolver's log walk is complete), and a
///         Vehicle DID's controller only ever changes through a VehicleLifecycle transfer.
contract IdentityRegistryInvariantTest is IdentityFixture {
    IdentityHandler internal handler;

    uint256 internal constant ID_POOL = 6;

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
        handler = new IdentityHandler(registry, lifecycle, actors, keys, ids);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
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
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_changedIsBlockOfLatestEvent() public view {
        for (uint256 i; i < ID_POOL; ++i) {
            bytes32 id = handler.idAt(i);
            assertEq(registry.changed(id), handler.ghostLastEventBlock(id), "changed(id) is the latest event's block");
        }
        assertEq(handler.ghostBrokenLinks(), 0, "an event's previousChange skipped or misnamed the previous change");
    }

    function invariant_vehicleControllerMovesOnlyThroughLifecycle() public view {
        assertEq(handler.ghostUntrackedControllerChanges(), 0, "a vehicle's controller changed without a transfer");
        for (uint256 i; i < ID_POOL; ++i) {
            bytes32 id = handler.idAt(i);
            if (registry.subjectTypeOf(id) != IDIDRegistry.SubjectType.Vehicle) continue;
            assertEq(
                registry.controllerOf(id), handler.ghostVehicleController(id), "vehicle controller = last transfer"
            );
        }
    }

    function invariant_vehicleStateMatchesRegistry() public view {
        for (uint256 i; i < ID_POOL; ++i) {
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
        handler.scrap(4, 0, 1);
        assertGt(handler.ghostSuccesses("produce"), 0);
        assertGt(handler.ghostSuccesses("transfer"), 0);
        assertGt(handler.ghostSuccesses("transferSigned"), 0);
        assertGt(handler.ghostSuccesses("register"), 0);
        assertGt(handler.ghostSuccesses("setAttribute"), 0);
        assertGt(handler.ghostSuccesses("addDelegate"), 0);
        assertEq(handler.ghostSuccesses("scrap"), 1);
        assertEq(handler.ghostSuccesses("changeController"), 0, "vehicle controllers refuse direct changes");
        assertEq(handler.ghostSuccesses("lifecycleSetController"), 0);
        invariant_changedIsBlockOfLatestEvent();
        invariant_vehicleControllerMovesOnlyThroughLifecycle();
        invariant_vehicleStateMatchesRegistry();
    }
}
