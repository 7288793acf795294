// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EdgeFixture} from "./EdgeFixture.sol";
import {EventLedger} from "../../src/edge/EventLedger.sol";
import {IEventLedger} from "../../src/edge/IEventLedger.sol";

contract EventLedgerTest is EdgeFixture {
    bytes32 internal constant EVENT_ID = keccak256("event-1");

    function setUp() public {
        setUpEdge();
    }

    function recordAs(address submitter, bytes32 eventId, IEventLedger.ConfirmedEvent memory e) internal {
        vm.prank(submitter);
        ledger.record(eventId, e);
    }

    function assertSameEvent(IEventLedger.ConfirmedEvent memory a, IEventLedger.ConfirmedEvent memory b) internal pure {
        assertEq(a.causeCode, b.causeCode, "causeCode");
        assertEq(a.subCauseCode, b.subCauseCode, "subCauseCode");
        assertEq(int256(a.latitude), int256(b.latitude), "latitude");
        assertEq(int256(a.longitude), int256(b.longitude), "longitude");
        assertEq(a.firstSeen, b.firstSeen, "firstSeen");
        assertEq(a.confirmedAt, b.confirmedAt, "confirmedAt");
        assertEq(a.reporters, b.reporters, "reporters");
        assertEq(a.reportsRoot, b.reportsRoot, "reportsRoot");
        assertEq(a.rsuDid, b.rsuDid, "rsuDid");
        assertEq(a.submitter, b.submitter, "submitter");
    }

    function assertEq(int256 a, int256 b, string memory m) internal pure {
        vm.assertEq(a, b, m);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsMinReporters() public view {
        assertEq(ledger.initializer(), deployer);
        assertEq(ledger.minReporters(), MIN_REPORTERS);
        assertEq(ledger.eventCount(), 0);
    }

    function test_initialize_emitsInitialized() public {
        EventLedger fresh = new EventLedger(deployer);
        vm.expectEmit(address(fresh));
        emit IEventLedger.Initialized(5);
        vm.prank(deployer);
        fresh.initialize(5);
        assertEq(fresh.minReporters(), 5);
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrTooLow() public {
        EventLedger fresh = new EventLedger(deployer);
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerNotInitializer.selector, address(this)));
        fresh.initialize(2);
        vm.startPrank(deployer);
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerInvalidMinReporters.selector, 0));
        fresh.initialize(0);
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerInvalidMinReporters.selector, 1));
        fresh.initialize(1);
        vm.expectRevert(IEventLedger.EventLedgerAlreadyInitialized.selector);
        ledger.initialize(3);
        vm.stopPrank();
        assertEq(ledger.minReporters(), MIN_REPORTERS);
    }

    // ------------------------------------------------------------ record

    function test_record_storesEventWithCallerAsSubmitter() public {
        IEventLedger.ConfirmedEvent memory e = sampleEvent(3);
        e.submitter = stranger; // ignored
        recordAs(rsu1, EVENT_ID, e);
        e.submitter = rsu1;
        assertSameEvent(ledger.eventOf(EVENT_ID), e);
        assertTrue(ledger.isRecorded(EVENT_ID));
        assertFalse(ledger.isRecorded(keccak256("event-2")));
        assertEq(ledger.eventCount(), 1);
    }

    function test_record_emitsEventConfirmed() public {
        IEventLedger.ConfirmedEvent memory e = sampleEvent(3);
        vm.expectEmit(address(ledger));
        emit IEventLedger.EventConfirmed(
            EVENT_ID,
            e.causeCode,
            e.subCauseCode,
            e.latitude,
            e.longitude,
            e.firstSeen,
            e.confirmedAt,
            e.reporters,
            e.reportsRoot,
            e.rsuDid,
            rsu1
        );
        recordAs(rsu1, EVENT_ID, e);
    }

    function test_record_keepsNegativeCoordinates() public {
        IEventLedger.ConfirmedEvent memory e = sampleEvent(2);
        e.latitude = -338_688_000; // Sydney
        e.longitude = -1_800_000_000;
        recordAs(rsu1, EVENT_ID, e);
        e.submitter = rsu1;
        assertSameEvent(ledger.eventOf(EVENT_ID), e);
    }

    function test_record_revertsWhenAlreadyRecorded() public {
        recordAs(rsu1, EVENT_ID, sampleEvent(2));
        bytes memory err = abi.encodeWithSelector(IEventLedger.EventLedgerAlreadyRecorded.selector, EVENT_ID);
        vm.expectRevert(err);
        recordAs(rsu1, EVENT_ID, sampleEvent(9));
        vm.expectRevert(err);
        recordAs(rsu2, EVENT_ID, sampleEvent(9)); // by anyone
        assertEq(ledger.eventOf(EVENT_ID).reporters, 2, "the first record stands");
        assertEq(ledger.eventCount(), 1);
    }

    function test_record_revertsOnTooFewReporters() public {
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerTooFewReporters.selector, 1, 2));
        recordAs(rsu1, EVENT_ID, sampleEvent(1));
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerTooFewReporters.selector, 0, 2));
        recordAs(rsu1, EVENT_ID, sampleEvent(0));
        recordAs(rsu1, EVENT_ID, sampleEvent(2)); // exactly the minimum
        assertTrue(ledger.isRecorded(EVENT_ID));
    }

    function test_record_revertsBeforeInitialize() public {
        EventLedger fresh = new EventLedger(deployer);
        vm.expectRevert(IEventLedger.EventLedgerNotInitialized.selector);
        vm.prank(rsu1);
        fresh.record(EVENT_ID, sampleEvent(5));
    }

    function test_record_gas() public {
        IEventLedger.ConfirmedEvent memory e = sampleEvent(3);
        vm.startPrank(rsu1);
        uint256 before = gasleft();
        ledger.record(EVENT_ID, e);
        uint256 used = before - gasleft();
        vm.stopPrank();
        // Four fresh slots (88k) plus the counter.
        assertLt(used, 110_000, "one recorded event");
    }

    function test_eventOf_revertsOnUnknownEvent() public {
        vm.expectRevert(abi.encodeWithSelector(IEventLedger.EventLedgerUnknownEvent.selector, EVENT_ID));
        ledger.eventOf(EVENT_ID);
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_record_roundTrip(bytes32 eventId, IEventLedger.ConfirmedEvent memory e, address submitter)
        public
    {
        e.reporters = uint16(bound(e.reporters, MIN_REPORTERS, type(uint16).max));
        recordAs(submitter, eventId, e);
        e.submitter = submitter;
        assertSameEvent(ledger.eventOf(eventId), e);
        assertEq(ledger.eventCount(), 1);
    }

    function testFuzz_record_reporterThreshold(uint16 minimum, uint16 reporters) public {
        minimum = uint16(bound(minimum, 2, type(uint16).max));
        EventLedger fresh = new EventLedger(deployer);
        vm.prank(deployer);
        fresh.initialize(minimum);
        if (reporters < minimum) {
            vm.expectRevert(
                abi.encodeWithSelector(IEventLedger.EventLedgerTooFewReporters.selector, reporters, minimum)
            );
        }
        vm.prank(rsu1);
        fresh.record(EVENT_ID, sampleEvent(reporters));
        assertEq(fresh.isRecorded(EVENT_ID), reporters >= minimum);
        assertEq(fresh.eventCount(), reporters >= minimum ? 1 : 0);
    }

    function testFuzz_record_countsDistinctEvents(uint8 n) public {
        n = uint8(bound(n, 2, 20));
        for (uint256 i; i < n; ++i) {
            recordAs(i % 2 == 0 ? rsu1 : rsu2, keccak256(abi.encode(i)), sampleEvent(uint16(2 + i)));
        }
        assertEq(ledger.eventCount(), n);
        assertEq(ledger.eventOf(keccak256(abi.encode(uint256(1)))).submitter, rsu2);
        assertEq(ledger.eventOf(keccak256(abi.encode(uint256(0)))).reporters, 2);
    }
}
