// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {FLFixture} from "./FLFixture.sol";
import {FLRegistry} from "../../src/fl/FLRegistry.sol";
import {IFLRegistry} from "../../src/fl/IFLRegistry.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";

contract FLRegistryTest is FLFixture {
    function setUp() public {
        setUpFL();
    }

    /// @dev TASK created, round 0 open from MODEL_0, cells A (5) and B (4) committed by erin, C (2, below m) by frank.
    function roundZeroCommitted() internal {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        commit(0, CELL_A, 5);
        commit(0, CELL_B, 4);
        vm.prank(frank);
        fl.commitCellAggregate(TASK, 0, CELL_C, aggregateOf(0, CELL_C), rootOf(0, CELL_C), 2, MASKING);
    }

    /// @dev Governance removes alice; five members now, so the quorum is three votes.
    function removeAlice() internal {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.removeMember, (alice)));
        address[3] memory voters = [alice, bob, carol];
        for (uint256 i; i < voters.length; ++i) {
            vm.prank(voters[i]);
            consortium.vote(id, true);
        }
        consortium.execute(id);
        assertFalse(consortium.isMember(alice));
    }

    function expectPublishRevert(bytes memory err, bytes32[] memory accepted, IFLRegistry.Dropped[] memory dropped)
        internal
    {
        vm.expectRevert(err);
        vm.prank(alice);
        fl.publishRound(TASK, 0, modelOf(0), accepted, dropped, metricsOf(8500), "ipfs://model");
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsConsortium() public view {
        assertEq(fl.initializer(), deployer);
        assertEq(fl.consortium(), address(consortium));
    }

    function test_initialize_emitsInitialized() public {
        FLRegistry fresh = new FLRegistry(deployer);
        vm.expectEmit(address(fresh));
        emit IFLRegistry.Initialized(address(consortium));
        vm.prank(deployer);
        fresh.initialize(address(consortium));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        FLRegistry fresh = new FLRegistry(deployer);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotInitializer.selector, address(this)));
        fresh.initialize(address(consortium));
        vm.startPrank(deployer);
        vm.expectRevert(IFLRegistry.FLRegistryZeroAddress.selector);
        fresh.initialize(address(0));
        vm.expectRevert(IFLRegistry.FLRegistryAlreadyInitialized.selector);
        fl.initialize(address(consortium));
        vm.stopPrank();
    }

    function test_writes_revertBeforeInitialize() public {
        FLRegistry fresh = new FLRegistry(deployer);
        vm.expectRevert(IFLRegistry.FLRegistryNotInitialized.selector);
        vm.prank(alice);
        fresh.createTask(TASK, CONFIG, M, "x");
        vm.expectRevert(IFLRegistry.FLRegistryNotInitialized.selector);
        vm.prank(erin);
        fresh.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 5, PAILLIER);
    }

    // ------------------------------------------------------------ createTask

    function test_createTask_storesTheTask() public {
        createDefaultTask();
        IFLRegistry.Task memory t = fl.task(TASK);
        assertEq(t.owner, alice);
        assertEq(t.minContributors, M);
        assertEq(t.roundCount, 0);
        assertEq(t.configHash, CONFIG);
        assertEq(fl.taskOwner(TASK), alice);
        assertEq(fl.roundCount(TASK), 0);
    }

    function test_createTask_emitsTaskCreated() public {
        vm.expectEmit(address(fl));
        emit IFLRegistry.TaskCreated(TASK, bob, CONFIG, 2, "Road risk");
        vm.prank(bob); // any member, not only OEMs
        fl.createTask(TASK, CONFIG, 2, "Road risk");
        assertEq(fl.taskOwner(TASK), bob);
    }

    function test_createTask_revertsForNonMember() public {
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotMember.selector, stranger));
        vm.prank(stranger);
        fl.createTask(TASK, CONFIG, M, "x");
    }

    function test_createTask_revertsWhenTheIdIsTaken() public {
        createDefaultTask();
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryTaskExists.selector, TASK));
        vm.prank(bob);
        fl.createTask(TASK, CONFIG, M, "x");
    }

    function test_createTask_revertsBelowTwoContributorsOrOnAZeroConfig() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryMinContributorsTooLow.selector, uint32(1)));
        fl.createTask(TASK, CONFIG, 1, "x");
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryMinContributorsTooLow.selector, uint32(0)));
        fl.createTask(TASK, CONFIG, 0, "x");
        vm.expectRevert(IFLRegistry.FLRegistryZeroHash.selector);
        fl.createTask(TASK, bytes32(0), M, "x");
        vm.stopPrank();
    }

    // ------------------------------------------------------------ openRound

    function test_openRound_storesTheRound() public {
        createDefaultTask();
        vm.expectEmit(address(fl));
        emit IFLRegistry.RoundOpened(TASK, 0, MODEL_0);
        openAs(alice, 0, MODEL_0);
        IFLRegistry.Round memory r = fl.round(TASK, 0);
        assertEq(uint256(r.status), uint256(IFLRegistry.RoundStatus.Open));
        assertEq(r.openedAt, T0);
        assertEq(r.publishedAt, 0);
        assertEq(r.baseModelHash, MODEL_0);
        assertEq(r.modelHash, bytes32(0));
        assertEq(fl.roundCount(TASK), 1);
    }

    function test_openRound_revertsForUnknownTaskOrNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryUnknownTask.selector, TASK));
        openAs(alice, 0, MODEL_0);
        createDefaultTask();
        address[3] memory others = [bob, erin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotTaskOwner.selector, TASK, others[i]));
            openAs(others[i], 0, MODEL_0);
        }
    }

    function test_openRound_revertsWhenTheOwnerLeftTheConsortium() public {
        createDefaultTask();
        removeAlice();
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotMember.selector, alice));
        openAs(alice, 0, MODEL_0);
    }

    function test_openRound_revertsOutOfOrder() public {
        createDefaultTask();
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundOutOfOrder.selector, TASK, 0, 1));
        openAs(alice, 1, MODEL_0);
        openAs(alice, 0, MODEL_0);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundOutOfOrder.selector, TASK, 1, 0));
        openAs(alice, 0, MODEL_0);
    }

    function test_openRound_revertsWhileTheLastRoundIsOpen() public {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundStillOpen.selector, TASK, 0));
        openAs(alice, 1, MODEL_0);
        assertEq(fl.roundCount(TASK), 1, "still one round");
    }

    function test_openRound_revertsWhenTheBaseIsNotThePreviousModel() public {
        roundZeroCommitted();
        publish(0, cells(CELL_A, CELL_B), noDrops());
        vm.expectRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryBaseModelMismatch.selector, TASK, modelOf(0), MODEL_0)
        );
        openAs(alice, 1, MODEL_0);
        openAs(alice, 1, modelOf(0));
    }

    function test_openRound_revertsOnAZeroInitialModel() public {
        createDefaultTask();
        vm.expectRevert(IFLRegistry.FLRegistryZeroHash.selector);
        openAs(alice, 0, bytes32(0));
    }

    // ------------------------------------------------------------ commitCellAggregate

    function test_commitCellAggregate_storesTheAggregate() public {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        vm.warp(T0 + 1 hours);
        vm.expectEmit(address(fl));
        emit IFLRegistry.CellAggregateCommitted(
            TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 5, MASKING, frank
        );
        vm.prank(frank);
        fl.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 5, MASKING);

        IFLRegistry.CellAggregate memory a = fl.cellAggregate(TASK, 0, CELL_A);
        assertEq(a.operator, frank);
        assertEq(a.contributors, 5);
        assertEq(a.mode, MASKING);
        assertEq(a.committedAt, T0 + 1 hours);
        assertEq(uint256(a.status), uint256(IFLRegistry.CellStatus.Committed));
        assertEq(a.dropCode, 0);
        assertEq(a.aggregateHash, aggregateOf(0, CELL_A));
        assertEq(a.contributorsRoot, rootOf(0, CELL_A));
        assertEq(fl.round(TASK, 0).cellCount, 1);
        assertTrue(fl.isUsable(TASK, 0, CELL_A));
        assertFalse(fl.isUsable(TASK, 0, CELL_B), "not committed");
        assertFalse(fl.isUsable(TASK, 1, CELL_A), "another round");
    }

    function test_commitCellAggregate_revertsForNonRsuOperator() public {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        address[3] memory others = [alice, bob, stranger]; // the task owner and members without the role too
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotRsuOperator.selector, others[i]));
            vm.prank(others[i]);
            fl.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 5, PAILLIER);
        }
    }

    function test_commitCellAggregate_revertsOnASecondCommit() public {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        commit(0, CELL_A, 5);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryCellAlreadyCommitted.selector, TASK, 0, CELL_A));
        vm.prank(frank); // another operator, other content: still once per (round, cell)
        fl.commitCellAggregate(TASK, 0, CELL_A, keccak256("other"), keccak256("root"), 9, MASKING);
    }

    function test_commitCellAggregate_revertsWhenTheRoundIsNotOpen() public {
        createDefaultTask();
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundNotOpen.selector, TASK, 0));
        commit(0, CELL_A, 5); // never opened
        openAs(alice, 0, MODEL_0);
        commit(0, CELL_A, 5);
        publish(0, cells(CELL_A), noDrops());
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundNotOpen.selector, TASK, 0));
        commit(0, CELL_B, 5); // closed by publication
    }

    function test_commitCellAggregate_revertsOnBadInput() public {
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        vm.startPrank(erin);
        vm.expectRevert(IFLRegistry.FLRegistryZeroHash.selector);
        fl.commitCellAggregate(TASK, 0, CELL_A, bytes32(0), rootOf(0, CELL_A), 5, PAILLIER);
        vm.expectRevert(IFLRegistry.FLRegistryZeroHash.selector);
        fl.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), bytes32(0), 5, PAILLIER);
        vm.expectRevert(IFLRegistry.FLRegistryNoContributors.selector);
        fl.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 0, PAILLIER);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryInvalidMode.selector, uint8(2)));
        fl.commitCellAggregate(TASK, 0, CELL_A, aggregateOf(0, CELL_A), rootOf(0, CELL_A), 5, 2);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ publishRound: the happy path over two rounds

    function test_publishRound_twoRoundsTwoCellsOneDropped() public {
        roundZeroCommitted();
        assertFalse(fl.isUsable(TASK, 0, CELL_C), "2 contributors < m = 3");

        // Round 0: A and B accepted, C dropped as below m.
        vm.warp(T0 + 1 days);
        IFLRegistry.Dropped[] memory dropped0 = drop(CELL_C, 0);
        vm.expectEmit(address(fl));
        emit IFLRegistry.CellDropped(TASK, 0, CELL_C, 0, dropped0[0].reasonHash);
        vm.expectEmit(address(fl));
        emit IFLRegistry.RoundPublished(TASK, 0, modelOf(0), 2, 9, 8500);
        vm.expectEmit(address(fl));
        emit IFLRegistry.ModelURIPublished(TASK, 0, "ipfs://model");
        publish(0, cells(CELL_A, CELL_B), dropped0);

        IFLRegistry.Round memory r = fl.round(TASK, 0);
        assertEq(uint256(r.status), uint256(IFLRegistry.RoundStatus.Published));
        assertEq(r.openedAt, T0);
        assertEq(r.publishedAt, T0 + 1 days);
        assertEq(r.cellCount, 3);
        assertEq(r.acceptedCount, 2);
        assertEq(r.droppedCount, 1);
        assertEq(r.contributors, 9, "5 + 4; the dropped cell does not count");
        assertEq(r.baseModelHash, MODEL_0);
        assertEq(r.modelHash, modelOf(0));
        assertEq(r.metrics.f1Bps, 8500);
        assertEq(r.metrics.precisionBps, 9000);
        assertEq(r.metrics.recallBps, 8000);
        assertEq(r.metrics.evalWindows, 5000);
        assertEq(uint256(fl.cellAggregate(TASK, 0, CELL_A).status), uint256(IFLRegistry.CellStatus.Accepted));
        assertEq(uint256(fl.cellAggregate(TASK, 0, CELL_B).status), uint256(IFLRegistry.CellStatus.Accepted));
        assertEq(uint256(fl.cellAggregate(TASK, 0, CELL_C).status), uint256(IFLRegistry.CellStatus.Dropped));
        assertEq(fl.cellAggregate(TASK, 0, CELL_C).dropCode, 0);
        (uint64 latest, bytes32 latestHash) = fl.latestModel(TASK);
        assertEq(latest, 0);
        assertEq(latestHash, modelOf(0));

        // Round 1 from round 0's model: B is a Krum outlier this time.
        openAs(alice, 1, modelOf(0));
        (latest, latestHash) = fl.latestModel(TASK);
        assertEq(latestHash, modelOf(0), "an open round does not change the latest model");
        commit(1, CELL_A, 7);
        commit(1, CELL_B, 6);
        commit(1, CELL_C, 3);
        IFLRegistry.Dropped[] memory dropped1 = drop(CELL_B, 1);
        vm.expectEmit(address(fl));
        emit IFLRegistry.CellDropped(TASK, 1, CELL_B, 1, dropped1[0].reasonHash);
        vm.expectEmit(address(fl));
        emit IFLRegistry.RoundPublished(TASK, 1, modelOf(1), 2, 10, 8500);
        publish(1, cells(CELL_C, CELL_A), dropped1);

        r = fl.round(TASK, 1);
        assertEq(r.baseModelHash, modelOf(0), "round 1 starts from round 0's model");
        assertEq(r.modelHash, modelOf(1));
        assertEq(r.contributors, 10);
        assertEq(fl.cellAggregate(TASK, 1, CELL_B).dropCode, 1);
        assertEq(fl.roundCount(TASK), 2);
        (latest, latestHash) = fl.latestModel(TASK);
        assertEq(latest, 1);
        assertEq(latestHash, modelOf(1));
        assertEq(fl.task(TASK).roundCount, 2);
    }

    function test_publishRound_leavesUnlistedCellsCommitted() public {
        roundZeroCommitted();
        publish(0, cells(CELL_A), noDrops());
        IFLRegistry.Round memory r = fl.round(TASK, 0);
        assertEq(r.cellCount - r.acceptedCount - r.droppedCount, 2, "B and C are unaccounted for");
        assertEq(uint256(fl.cellAggregate(TASK, 0, CELL_B).status), uint256(IFLRegistry.CellStatus.Committed));
    }

    function test_latestModel_isZeroBeforeAnyPublication() public {
        (uint64 latest, bytes32 h) = fl.latestModel(TASK);
        assertEq(latest, 0);
        assertEq(h, bytes32(0));
        createDefaultTask();
        openAs(alice, 0, MODEL_0);
        (latest, h) = fl.latestModel(TASK);
        assertEq(latest, 0);
        assertEq(h, bytes32(0), "round 0 is open, not published");
    }

    // ------------------------------------------------------------ publishRound: guards

    function test_publishRound_revertsForNonOwner() public {
        roundZeroCommitted();
        address[3] memory others = [bob, erin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryNotTaskOwner.selector, TASK, others[i]));
            vm.prank(others[i]);
            fl.publishRound(TASK, 0, modelOf(0), cells(CELL_A), noDrops(), metricsOf(1), "");
        }
    }

    function test_publishRound_revertsWhenTheRoundIsNotOpen() public {
        roundZeroCommitted();
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundNotOpen.selector, TASK, 1));
        publish(1, cells(CELL_A), noDrops());
        publish(0, cells(CELL_A), noDrops());
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryRoundNotOpen.selector, TASK, 0), cells(CELL_B), noDrops()
        );
    }

    function test_publishRound_revertsOnZeroModelEmptyListOrBadMetrics() public {
        roundZeroCommitted();
        vm.startPrank(alice);
        vm.expectRevert(IFLRegistry.FLRegistryZeroHash.selector);
        fl.publishRound(TASK, 0, bytes32(0), cells(CELL_A), noDrops(), metricsOf(1), "");
        vm.expectRevert(IFLRegistry.FLRegistryNoAcceptedCells.selector);
        fl.publishRound(TASK, 0, modelOf(0), new bytes32[](0), drop(CELL_C, 0), metricsOf(1), "");
        vm.expectRevert(IFLRegistry.FLRegistryInvalidMetrics.selector);
        fl.publishRound(TASK, 0, modelOf(0), cells(CELL_A), noDrops(), metricsOf(10_001), "");
        IFLRegistry.Metrics memory bad = metricsOf(1);
        bad.recallBps = 10_001;
        vm.expectRevert(IFLRegistry.FLRegistryInvalidMetrics.selector);
        fl.publishRound(TASK, 0, modelOf(0), cells(CELL_A), noDrops(), bad, "");
        vm.stopPrank();
    }

    function test_publishRound_revertsOnAnUncommittedAcceptedCell() public {
        roundZeroCommitted();
        bytes32 unknown = bytes32("wtw3z");
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellNotCommitted.selector, unknown),
            cells(CELL_A, unknown),
            noDrops()
        );
    }

    function test_publishRound_revertsOnACellCommittedInAnotherRound() public {
        roundZeroCommitted();
        publish(0, cells(CELL_A, CELL_B), noDrops());
        openAs(alice, 1, modelOf(0));
        commit(1, CELL_A, 5);
        vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryCellNotCommitted.selector, CELL_B));
        publish(1, cells(CELL_A, CELL_B), noDrops());
    }

    function test_publishRound_revertsOnAnAcceptedCellBelowM() public {
        roundZeroCommitted();
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellNotUsable.selector, CELL_C, uint32(2), M),
            cells(CELL_A, CELL_C),
            noDrops()
        );
    }

    function test_publishRound_revertsOnACellBothAcceptedAndDropped() public {
        roundZeroCommitted();
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellAcceptedAndDropped.selector, CELL_B),
            cells(CELL_A, CELL_B),
            drop(CELL_B, 1)
        );
    }

    function test_publishRound_revertsOnACellListedTwice() public {
        roundZeroCommitted();
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellListedTwice.selector, CELL_A),
            cells(CELL_A, CELL_A),
            noDrops()
        );
        IFLRegistry.Dropped[] memory twice = new IFLRegistry.Dropped[](2);
        twice[0] = drop(CELL_C, 0)[0];
        twice[1] = drop(CELL_C, 5)[0];
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellListedTwice.selector, CELL_C), cells(CELL_A), twice
        );
    }

    function test_publishRound_revertsOnABadDrop() public {
        roundZeroCommitted();
        bytes32 unknown = bytes32("wtw3z");
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryCellNotCommitted.selector, unknown),
            cells(CELL_A),
            drop(unknown, 1)
        );
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryInvalidDropCode.selector, CELL_B, uint8(6)),
            cells(CELL_A),
            drop(CELL_B, 6)
        );
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryDropCodeMismatch.selector, CELL_B, uint32(4), M),
            cells(CELL_A),
            drop(CELL_B, 0)
        );
    }

    function test_publishRound_acceptsEveryDropCodeForAUsableCell() public {
        roundZeroCommitted();
        for (uint8 code = 1; code <= 5; ++code) {
            uint256 snapshot = vm.snapshotState();
            publish(0, cells(CELL_A), drop(CELL_B, code));
            assertEq(fl.cellAggregate(TASK, 0, CELL_B).dropCode, code);
            vm.revertToState(snapshot);
        }
    }

    function test_publishRound_revertsWhenTheOwnerLeftTheConsortium() public {
        roundZeroCommitted();
        removeAlice();
        expectPublishRevert(
            abi.encodeWithSelector(IFLRegistry.FLRegistryNotMember.selector, alice), cells(CELL_A), noDrops()
        );
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_isUsable(uint32 m, uint32 contributors) public {
        m = uint32(bound(m, 2, type(uint32).max));
        contributors = uint32(bound(contributors, 1, type(uint32).max));
        vm.prank(alice);
        fl.createTask(TASK, CONFIG, m, "fuzz");
        openAs(alice, 0, MODEL_0);
        commit(0, CELL_A, contributors);
        bool usable = contributors >= m;
        assertEq(fl.isUsable(TASK, 0, CELL_A), usable, "usable exactly when contributors >= m");

        if (usable) {
            publish(0, cells(CELL_A), noDrops());
            assertEq(fl.round(TASK, 0).contributors, contributors);
        } else {
            expectPublishRevert(
                abi.encodeWithSelector(IFLRegistry.FLRegistryCellNotUsable.selector, CELL_A, contributors, m),
                cells(CELL_A),
                noDrops()
            );
            // ... and it can only be dropped, code 0 included.
            commit(0, CELL_B, m);
            publish(0, cells(CELL_B), drop(CELL_A, 0));
        }
    }

    function testFuzz_publishRound_chainsRounds(uint8 count, uint256 seed) public {
        count = uint8(bound(count, 1, 12));
        createDefaultTask();
        bytes32 previous = keccak256(abi.encode("initial", seed));
        for (uint64 r; r < count; ++r) {
            if (r > 0) {
                bytes32 wrong = keccak256(abi.encode("wrong", seed, r));
                vm.expectRevert(
                    abi.encodeWithSelector(IFLRegistry.FLRegistryBaseModelMismatch.selector, TASK, previous, wrong)
                );
                openAs(alice, r, wrong);
            }
            openAs(alice, r, previous);
            vm.expectRevert(abi.encodeWithSelector(IFLRegistry.FLRegistryRoundStillOpen.selector, TASK, r));
            openAs(alice, r + 1, previous);
            commit(r, CELL_A, uint32(M + (seed >> r) % 50));
            bytes32 model = keccak256(abi.encode("model", seed, r));
            vm.prank(alice);
            fl.publishRound(TASK, r, model, cells(CELL_A), noDrops(), metricsOf(1), "");
            (uint64 latest, bytes32 latestHash) = fl.latestModel(TASK);
            assertEq(latest, r);
            assertEq(latestHash, model);
            previous = model;
        }
        assertEq(fl.roundCount(TASK), count);
        for (uint64 r = 1; r < count; ++r) {
            assertEq(fl.round(TASK, r).baseModelHash, fl.round(TASK, r - 1).modelHash, "each base is the last model");
        }
    }
}
