// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {FLFixture} from "./FLFixture.sol";
import {FLRegistryHandler} from "./FLRegistryHandler.sol";
import {IFLRegistry} from "../../src/fl/IFLRegistry.sol";

/// @notice Invariants of the FLRegistry under random round openings, commitments, publications and time: each
///         task's rounds are numbered without gap, all but the last are published, each round starts from the
///         previous round's model, `latestModel` is the last published round, published contributor sums match the
///         accepted cells; calls succeed exactly when the rules allow.
contract FLRegistryInvariantTest is FLFixture {
    FLRegistryHandler internal handler;
    bytes32 internal constant TASK2 = keccak256("task:abnormal-driving-v2");

    function setUp() public {
        setUpFL();
        createDefaultTask();
        vm.prank(bob);
        fl.createTask(TASK2, CONFIG, 2, "second");
        handler = new FLRegistryHandler(fl, [alice, bob, erin, stranger], [TASK, TASK2], [M, uint32(2)]);

        targetContract(address(handler));
        // Weighted towards progress: a round needs an open, some commits and a publish.
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = FLRegistryHandler.open.selector;
        selectors[1] = FLRegistryHandler.open.selector;
        selectors[2] = FLRegistryHandler.commit.selector;
        selectors[3] = FLRegistryHandler.commit.selector;
        selectors[4] = FLRegistryHandler.commit.selector;
        selectors[5] = FLRegistryHandler.publish.selector;
        selectors[6] = FLRegistryHandler.publish.selector;
        selectors[7] = FLRegistryHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_callsSucceedExactlyWhenTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "an open, commit or publish succeeded or failed unexpectedly");
    }

    function invariant_roundsChainFromModelToModel() public view {
        for (uint256 t; t < handler.TASKS(); ++t) {
            bytes32 taskId = handler.taskIds(t);
            uint64 count = fl.roundCount(taskId);
            assertEq(count, handler.ghostRoundCount(t), "round count");
            bytes32 previous;
            uint64 lastPublished;
            bytes32 lastModel;
            for (uint64 r; r < count; ++r) {
                IFLRegistry.Round memory x = fl.round(taskId, r);
                if (r > 0) assertEq(x.baseModelHash, previous, "a round starts from the previous round's model");
                assertTrue(x.baseModelHash != bytes32(0), "every round has a base");
                if (r + 1 < count) {
                    assertEq(uint256(x.status), uint256(IFLRegistry.RoundStatus.Published), "only the last is open");
                }
                if (x.status == IFLRegistry.RoundStatus.Published) {
                    assertTrue(x.modelHash != bytes32(0), "a published model has a hash");
                    assertEq(x.modelHash, handler.ghostModel(t, r), "the model published");
                    assertEq(x.contributors, handler.ghostContributors(t, r), "sum of the accepted cells");
                    assertGt(x.acceptedCount, 0, "built from some cell");
                    assertLe(uint256(x.acceptedCount) + x.droppedCount, x.cellCount, "listed cells were committed");
                    (lastPublished, lastModel) = (r, x.modelHash);
                } else {
                    assertEq(x.modelHash, bytes32(0), "an open round has no model");
                    assertTrue(handler.ghostOpen(t), "open as the model says");
                }
                previous = x.modelHash;
            }
            (uint64 latest, bytes32 latestHash) = fl.latestModel(taskId);
            assertEq(latest, lastPublished, "latest round");
            assertEq(latestHash, lastModel, "latest model");
            assertEq(fl.round(taskId, count).openedAt, 0, "nothing past the count");
        }
    }

    /// @dev The handler reaches the paths the invariants are about.
    function test_handler_exercisesEveryPath() public {
        handler.commit(0, 1, 0, 3); // nothing open: refused
        handler.open(0, 0, 0); // alice opens TASK round 0
        handler.open(0, 0, 0); // again: refused
        handler.open(1, 0, 4); // bob, TASK2, wrong base: accepted for round 0 (any non-zero)
        handler.commit(0, 1, 0, 3); // erin commits cell 0 (3 contributors)
        handler.commit(0, 1, 0, 3); // again: refused
        handler.commit(0, 1, 1, 2); // cell 1, below m
        handler.commit(0, 3, 2, 3); // actorSeed 3: actor 3 (the outsider): refused
        handler.publish(0, 1, 1, 2, 1); // accept 0, drop 1 as a Krum outlier
        handler.open(0, 0, 4); // wrong base: refused
        handler.open(0, 0, 0); // round 1
        handler.commit(0, 1, 0, 2); // below m
        handler.publish(0, 1, 1, 0, 0); // accept a cell below m: refused
        handler.publish(0, 1, 2, 0, 0); // uncommitted: refused
        handler.commit(0, 1, 1, 4);
        handler.publish(0, 1, 3, 1, 0); // accept 0 and 1, drop 0: refused
        handler.publish(0, 1, 2, 1, 0); // accept 1, drop 0 as below m
        handler.warp(1 days);
        assertEq(handler.ghostSuccesses("open"), 3);
        assertEq(handler.ghostRefusals("open"), 2);
        assertEq(handler.ghostSuccesses("commit"), 4);
        assertEq(handler.ghostRefusals("commit"), 3);
        assertEq(handler.ghostSuccesses("publish"), 2);
        assertEq(handler.ghostRefusals("publish"), 3);
        assertEq(fl.roundCount(TASK), 2);
        invariant_callsSucceedExactlyWhenTheRulesAllow();
        invariant_roundsChainFromModelToModel();
    }
}
