// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {DataFixture} from "./DataFixture.sol";
import {DataLedger} from "../../src/data/DataLedger.sol";
import {IDataLedger} from "../../src/data/IDataLedger.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";

contract DataLedgerTest is DataFixture {
    bytes32 internal constant SUBJECT = keccak256("vehicle:WVWZZZ1JZXW000042");
    uint64 internal constant RETAIN = T0 + 365 days;

    function setUp() public {
        setUpData();
    }

    function objectIdOf(uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode("object", n));
    }

    function hashOf(uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode("salted", n));
    }

    function inputOf(uint256 n) internal pure returns (IDataLedger.ObjectInput memory o) {
        o = IDataLedger.ObjectInput({
            objectId: objectIdOf(n),
            subject: SUBJECT,
            saltedHash: hashOf(n),
            dataClass: uint8(n % 4),
            region: CN_31,
            retainUntil: RETAIN
        });
    }

    function register(address custodian, uint256 n) internal {
        IDataLedger.ObjectInput memory o = inputOf(n);
        vm.prank(custodian);
        ledger.registerObject(o.objectId, o.subject, o.saltedHash, o.dataClass, o.region, o.retainUntil);
    }

    function batchOf(uint256 first, uint256 count) internal pure returns (IDataLedger.ObjectInput[] memory objects) {
        objects = new IDataLedger.ObjectInput[](count);
        for (uint256 i; i < count; ++i) {
            objects[i] = inputOf(first + i);
        }
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsConsortium() public view {
        assertEq(ledger.initializer(), deployer);
        assertEq(ledger.consortium(), address(consortium));
    }

    function test_initialize_emitsInitialized() public {
        DataLedger fresh = new DataLedger(deployer);
        vm.expectEmit(address(fresh));
        emit IDataLedger.Initialized(address(consortium));
        vm.prank(deployer);
        fresh.initialize(address(consortium));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        DataLedger fresh = new DataLedger(deployer);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotInitializer.selector, address(this)));
        fresh.initialize(address(consortium));
        vm.startPrank(deployer);
        vm.expectRevert(IDataLedger.DataLedgerZeroAddress.selector);
        fresh.initialize(address(0));
        vm.expectRevert(IDataLedger.DataLedgerAlreadyInitialized.selector);
        ledger.initialize(address(consortium));
        vm.stopPrank();
    }

    function test_writes_revertBeforeInitialize() public {
        DataLedger fresh = new DataLedger(deployer);
        vm.startPrank(alice);
        vm.expectRevert(IDataLedger.DataLedgerNotInitialized.selector);
        fresh.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 0, CN_31, RETAIN);
        vm.expectRevert(IDataLedger.DataLedgerNotInitialized.selector);
        fresh.anchorDisclosures(hashOf(1), 0, 0);
        vm.expectRevert(IDataLedger.DataLedgerNotInitialized.selector);
        fresh.recordIncident(hashOf(1), hashOf(2), hashOf(3), 1, T0);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ registerObject

    function test_registerObject_storesTheRecord() public {
        vm.warp(T0 + 5);
        vm.prank(alice);
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 2, CN_31, RETAIN);
        IDataLedger.DataObject memory o = ledger.object(objectIdOf(1));
        assertEq(o.custodian, alice);
        assertEq(o.dataClass, 2);
        assertEq(o.registeredAt, T0 + 5);
        assertEq(o.retainUntil, RETAIN);
        assertEq(o.erasedAt, 0);
        assertEq(o.erasureReason, 0);
        assertEq(o.subject, SUBJECT);
        assertEq(o.saltedHash, hashOf(1));
        assertEq(o.region, CN_31);
        assertEq(ledger.object(objectIdOf(2)).custodian, address(0), "unknown objects read as zero");
    }

    function test_registerObject_emitsObjectRegistered() public {
        vm.expectEmit(address(ledger));
        emit IDataLedger.ObjectRegistered(objectIdOf(1), SUBJECT, hashOf(1), 3, CN_31, RETAIN, carol);
        vm.prank(carol);
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 3, CN_31, RETAIN);
    }

    function test_registerObject_acceptsEveryDataClassAndRejectsOthers() public {
        for (uint8 k; k <= 3; ++k) {
            vm.prank(alice);
            ledger.registerObject(objectIdOf(k), SUBJECT, hashOf(k), k, CN_31, RETAIN);
            assertEq(ledger.object(objectIdOf(k)).dataClass, k);
        }
        uint8[3] memory bad = [uint8(4), 5, 255];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IDataLedger.DataLedgerInvalidDataClass.selector, objectIdOf(9), bad[i])
            );
            vm.prank(alice);
            ledger.registerObject(objectIdOf(9), SUBJECT, hashOf(9), bad[i], CN_31, RETAIN);
        }
    }

    function test_registerObject_revertsForNonMembers() public {
        address[2] memory outsiders = [stranger, owner1];
        for (uint256 i; i < outsiders.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotMember.selector, outsiders[i]));
            vm.prank(outsiders[i]);
            ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 0, CN_31, RETAIN);
        }
    }

    function test_registerObject_revertsOnZeroHash() public {
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerZeroHash.selector, objectIdOf(1)));
        vm.prank(alice);
        ledger.registerObject(objectIdOf(1), SUBJECT, bytes32(0), 0, CN_31, RETAIN);
    }

    function test_registerObject_revertsOnExistingIdEvenAfterErasure() public {
        register(alice, 1);
        bytes memory err = abi.encodeWithSelector(IDataLedger.DataLedgerObjectExists.selector, objectIdOf(1));
        vm.expectRevert(err);
        vm.prank(bob); // by anyone
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(2), 0, CN_31, RETAIN);
        vm.prank(alice);
        ledger.markErased(objectIdOf(1), 0);
        vm.expectRevert(err);
        vm.prank(alice);
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 0, CN_31, RETAIN);
    }

    function test_registerObject_allowsZeroSubjectRegionAndRetention() public {
        vm.prank(alice);
        ledger.registerObject(objectIdOf(1), bytes32(0), hashOf(1), 0, bytes32(0), 0);
        IDataLedger.DataObject memory o = ledger.object(objectIdOf(1));
        assertEq(o.custodian, alice);
        assertEq(o.subject, bytes32(0));
        assertEq(o.retainUntil, 0);
    }

    function test_registerObject_saturatesRetention() public {
        vm.expectEmit(address(ledger));
        emit IDataLedger.ObjectRegistered(objectIdOf(1), SUBJECT, hashOf(1), 0, CN_31, type(uint64).max, alice);
        vm.prank(alice);
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 0, CN_31, type(uint64).max);
        assertEq(ledger.object(objectIdOf(1)).retainUntil, type(uint40).max);
    }

    /// @dev A member removed by governance can no longer register.
    function test_registerObject_revertsAfterMemberRemoval() public {
        register(carol, 1);
        govern(abi.encodeCall(IConsortium.removeMember, (carol)));
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotMember.selector, carol));
        vm.prank(carol);
        ledger.registerObject(objectIdOf(2), SUBJECT, hashOf(2), 0, CN_31, RETAIN);
    }

    function test_registerObject_gas() public {
        vm.prank(alice);
        uint256 before = gasleft();
        ledger.registerObject(objectIdOf(1), SUBJECT, hashOf(1), 1, CN_31, RETAIN);
        uint256 used = before - gasleft();
        // Four fresh slots (88.4k), the membership call, the event and the cold call itself.
        assertLt(used, 110_000, "registerObject");
        assertGt(used, 88_400, "four fresh slots at least");
    }

    // ------------------------------------------------------------ registerObjects

    function test_registerObjects_registersEveryObject() public {
        IDataLedger.ObjectInput[] memory objects = batchOf(1, 5);
        for (uint256 i; i < objects.length; ++i) {
            vm.expectEmit(address(ledger));
            emit IDataLedger.ObjectRegistered(
                objects[i].objectId, SUBJECT, objects[i].saltedHash, objects[i].dataClass, CN_31, RETAIN, bob
            );
        }
        vm.prank(bob);
        ledger.registerObjects(objects);
        for (uint256 i; i < objects.length; ++i) {
            IDataLedger.DataObject memory o = ledger.object(objects[i].objectId);
            assertEq(o.custodian, bob);
            assertEq(o.saltedHash, objects[i].saltedHash);
            assertEq(o.dataClass, objects[i].dataClass);
            assertEq(o.registeredAt, T0);
        }
    }

    function test_registerObjects_isAllOrNothing() public {
        register(alice, 3);
        IDataLedger.ObjectInput[] memory objects = batchOf(1, 4); // object 3 exists
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerObjectExists.selector, objectIdOf(3)));
        vm.prank(alice);
        ledger.registerObjects(objects);
        assertEq(ledger.object(objectIdOf(1)).custodian, address(0), "nothing of the batch stays");

        objects = batchOf(10, 3);
        objects[2].dataClass = 7;
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerInvalidDataClass.selector, objectIdOf(12), 7));
        vm.prank(alice);
        ledger.registerObjects(objects);

        objects = batchOf(20, 2);
        objects[1] = objects[0]; // the same id twice in one batch
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerObjectExists.selector, objectIdOf(20)));
        vm.prank(alice);
        ledger.registerObjects(objects);

        objects = batchOf(30, 2);
        objects[0].saltedHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerZeroHash.selector, objectIdOf(30)));
        vm.prank(alice);
        ledger.registerObjects(objects);
    }

    function test_registerObjects_revertsOnEmptyBatchOrNonMember() public {
        vm.expectRevert(IDataLedger.DataLedgerEmptyBatch.selector);
        vm.prank(alice);
        ledger.registerObjects(new IDataLedger.ObjectInput[](0));
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotMember.selector, stranger));
        vm.prank(stranger);
        ledger.registerObjects(batchOf(1, 2));
    }

    function test_registerObjects_gas() public {
        IDataLedger.ObjectInput[] memory one = batchOf(1, 1);
        IDataLedger.ObjectInput[] memory twenty = batchOf(100, 20);
        vm.prank(alice);
        uint256 before = gasleft();
        ledger.registerObjects(one);
        uint256 single = before - gasleft();
        vm.prank(alice);
        before = gasleft();
        ledger.registerObjects(twenty);
        uint256 perObject = (before - gasleft()) / 20;
        assertLt(perObject, single, "a batch spreads the membership check");
        assertLt(perObject, 96_000, "registerObjects, per object in a batch of 20");
    }

    // ------------------------------------------------------------ markErased

    function test_markErased_recordsTheErasureAndKeepsTheRecord() public {
        register(alice, 1);
        vm.warp(T0 + 100);
        vm.expectEmit(address(ledger));
        emit IDataLedger.ObjectErased(objectIdOf(1), 2, T0 + 100);
        vm.prank(alice);
        ledger.markErased(objectIdOf(1), 2);
        IDataLedger.DataObject memory o = ledger.object(objectIdOf(1));
        assertEq(o.erasedAt, T0 + 100);
        assertEq(o.erasureReason, 2);
        assertEq(o.saltedHash, hashOf(1), "the salted hash stays: the object provably existed");
        assertEq(o.custodian, alice);
        assertEq(o.registeredAt, T0);
    }

    function test_markErased_acceptsEveryReasonAndRejectsOthers() public {
        for (uint8 r; r <= 2; ++r) {
            register(alice, r);
            vm.prank(alice);
            ledger.markErased(objectIdOf(r), r);
            assertEq(ledger.object(objectIdOf(r)).erasureReason, r);
        }
        register(alice, 9);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerInvalidErasureReason.selector, 3));
        vm.prank(alice);
        ledger.markErased(objectIdOf(9), 3);
    }

    function test_markErased_revertsForOthersUnknownOrTwice() public {
        register(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotCustodian.selector, objectIdOf(1), bob));
        vm.prank(bob); // a member, but not the custodian
        ledger.markErased(objectIdOf(1), 0);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerUnknownObject.selector, objectIdOf(2)));
        vm.prank(alice);
        ledger.markErased(objectIdOf(2), 0);
        vm.prank(alice);
        ledger.markErased(objectIdOf(1), 1);
        vm.warp(T0 + 50);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerAlreadyErased.selector, objectIdOf(1), T0));
        vm.prank(alice);
        ledger.markErased(objectIdOf(1), 0);
        assertEq(ledger.object(objectIdOf(1)).erasureReason, 1, "the first erasure stands");
    }

    /// @dev The duty to account for erasures outlives membership.
    function test_markErased_byAFormerMember() public {
        register(carol, 1);
        govern(abi.encodeCall(IConsortium.removeMember, (carol)));
        vm.prank(carol);
        ledger.markErased(objectIdOf(1), 0);
        assertEq(ledger.object(objectIdOf(1)).erasedAt, T0);
    }

    function test_markErased_gas() public {
        register(alice, 1);
        vm.prank(alice);
        uint256 before = gasleft();
        ledger.markErased(objectIdOf(1), 0);
        assertLt(before - gasleft(), 30_000, "one fresh slot");
    }

    // ------------------------------------------------------------ anchorDisclosures

    function test_anchorDisclosures_storesContiguousAnchors() public {
        vm.startPrank(alice);
        assertEq(ledger.anchorDisclosures(hashOf(1), 0, 9), 0);
        vm.warp(T0 + 60);
        assertEq(ledger.anchorDisclosures(hashOf(2), 10, 10), 1, "a single entry");
        assertEq(ledger.anchorDisclosures(hashOf(3), 11, 40), 2);
        vm.stopPrank();
        assertEq(ledger.nextDisclosureSeq(alice), 41);
        assertEq(ledger.disclosureAnchorCount(alice), 3);
        IDataLedger.DisclosureAnchor memory a = ledger.disclosureAnchor(alice, 1);
        assertEq(a.root, hashOf(2));
        assertEq(a.fromSeq, 10);
        assertEq(a.toSeq, 10);
        assertEq(a.anchoredAt, T0 + 60);
        assertEq(ledger.disclosureAnchor(alice, 3).root, bytes32(0), "past the end reads as zero");
        assertEq(ledger.nextDisclosureSeq(bob), 0, "each custodian has its own sequence");
        assertEq(ledger.disclosureAnchorCount(bob), 0);
    }

    function test_anchorDisclosures_emitsDisclosureRootAnchored() public {
        vm.prank(bob);
        ledger.anchorDisclosures(hashOf(1), 0, 4);
        vm.expectEmit(address(ledger));
        emit IDataLedger.DisclosureRootAnchored(bob, 1, hashOf(2), 5, 7);
        vm.prank(bob);
        ledger.anchorDisclosures(hashOf(2), 5, 7);
    }

    function test_anchorDisclosures_revertsOnGapOrOverlap() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerSequenceGap.selector, alice, 0, 1));
        ledger.anchorDisclosures(hashOf(1), 1, 5);
        ledger.anchorDisclosures(hashOf(1), 0, 5);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerSequenceGap.selector, alice, 6, 5));
        ledger.anchorDisclosures(hashOf(2), 5, 8); // overlap
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerSequenceGap.selector, alice, 6, 7));
        ledger.anchorDisclosures(hashOf(2), 7, 8); // gap
        vm.stopPrank();
        assertEq(ledger.nextDisclosureSeq(alice), 6);
        assertEq(ledger.disclosureAnchorCount(alice), 1);
    }

    function test_anchorDisclosures_revertsOnInvalidRangeZeroRootOrNonMember() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerInvalidRange.selector, 5, 4));
        ledger.anchorDisclosures(hashOf(1), 5, 4);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerInvalidRange.selector, 0, type(uint64).max));
        ledger.anchorDisclosures(hashOf(1), 0, type(uint64).max);
        vm.expectRevert(IDataLedger.DataLedgerZeroRoot.selector);
        ledger.anchorDisclosures(bytes32(0), 0, 1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotMember.selector, stranger));
        vm.prank(stranger);
        ledger.anchorDisclosures(hashOf(1), 0, 1);
    }

    function test_anchorDisclosures_reachesTheLastEntryNumber() public {
        vm.startPrank(alice);
        ledger.anchorDisclosures(hashOf(1), 0, type(uint64).max - 1);
        assertEq(ledger.nextDisclosureSeq(alice), type(uint64).max);
        vm.expectRevert(
            abi.encodeWithSelector(IDataLedger.DataLedgerInvalidRange.selector, type(uint64).max, type(uint64).max)
        );
        ledger.anchorDisclosures(hashOf(2), type(uint64).max, type(uint64).max);
        vm.stopPrank();
    }

    function test_anchorDisclosures_gas() public {
        vm.prank(alice);
        uint256 before = gasleft();
        ledger.anchorDisclosures(hashOf(1), 0, 99);
        uint256 first = before - gasleft();
        vm.prank(alice);
        before = gasleft();
        ledger.anchorDisclosures(hashOf(2), 100, 199);
        uint256 next = before - gasleft();
        assertLt(first, 90_000, "a custodian's first anchor also starts its cursor");
        assertLt(next, first - 15_000, "later anchors only update the cursor");
    }

    /// @dev Any split of a log into consecutive ranges is accepted, and the cursor ends after the last entry.
    function testFuzz_anchorDisclosures_contiguous(uint64[8] memory lengths) public {
        uint64 next;
        vm.startPrank(alice);
        for (uint256 i; i < lengths.length; ++i) {
            uint64 length = uint64(bound(lengths[i], 1, 1_000_000));
            assertEq(ledger.anchorDisclosures(hashOf(i + 1), next, next + length - 1), i);
            next += length;
        }
        vm.stopPrank();
        assertEq(ledger.nextDisclosureSeq(alice), next);
        assertEq(ledger.disclosureAnchor(alice, 0).fromSeq, 0);
        for (uint256 i = 1; i < lengths.length; ++i) {
            assertEq(ledger.disclosureAnchor(alice, i).fromSeq, ledger.disclosureAnchor(alice, i - 1).toSeq + 1);
        }
    }

    // ------------------------------------------------------------ recordIncident

    function test_recordIncident_storesAndEmits() public {
        vm.warp(T0 + 3600);
        vm.expectEmit(address(ledger));
        emit IDataLedger.IncidentRecorded(hashOf(1), carol, hashOf(2), hashOf(3), 1200, T0);
        vm.prank(carol);
        ledger.recordIncident(hashOf(1), hashOf(2), hashOf(3), 1200, T0);
        IDataLedger.Incident memory i = ledger.incident(hashOf(1));
        assertEq(i.reporter, carol);
        assertEq(i.affectedCount, 1200);
        assertEq(i.detectedAt, T0);
        assertEq(i.detailsHash, hashOf(2));
        assertEq(i.affectedRoot, hashOf(3));
        assertEq(ledger.incident(hashOf(9)).reporter, address(0), "unknown incidents read as zero");
    }

    function test_recordIncident_revertsOnDuplicateFutureOrNonMember() public {
        vm.prank(alice);
        ledger.recordIncident(hashOf(1), hashOf(2), bytes32(0), 0, T0);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerIncidentExists.selector, hashOf(1)));
        vm.prank(bob);
        ledger.recordIncident(hashOf(1), hashOf(3), bytes32(0), 0, T0);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerDetectedInFuture.selector, T0 + 1, T0));
        vm.prank(alice);
        ledger.recordIncident(hashOf(4), hashOf(2), bytes32(0), 0, T0 + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataLedger.DataLedgerNotMember.selector, stranger));
        vm.prank(stranger);
        ledger.recordIncident(hashOf(5), hashOf(2), bytes32(0), 0, T0);
        assertEq(ledger.incident(hashOf(1)).detailsHash, hashOf(2), "the first record stands");
    }
}
