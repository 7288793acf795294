// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {DataFixture} from "./DataFixture.sol";
import {DataLedgerHandler} from "./DataLedgerHandler.sol";
import {IDataLedger} from "../../src/data/IDataLedger.sol";

/// @notice Invariants of the DataLedger under random registrations, erasures, disclosure anchors and time: each
///         custodian's disclosure anchors cover 0..next-1 without gap or overlap; an erased object never un-erases
///         (its erasure time and reason never change) and no record ever changes custodian or disappears; calls
///         succeed exactly when the rules allow.
contract DataLedgerInvariantTest is DataFixture {
    DataLedgerHandler internal handler;

    function setUp() public {
        setUpData();
        address[] memory members = new address[](3);
        (members[0], members[1], members[2]) = (alice, bob, carol);
        address[] memory outsiders = new address[](1);
        outsiders[0] = stranger;
        handler = new DataLedgerHandler(ledger, members, outsiders);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = DataLedgerHandler.register.selector;
        selectors[1] = DataLedgerHandler.registerBatch.selector;
        selectors[2] = DataLedgerHandler.markErased.selector;
        selectors[3] = DataLedgerHandler.anchor.selector;
        selectors[4] = DataLedgerHandler.anchor.selector; // sequences are the point
        selectors[5] = DataLedgerHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_callsSucceedExactlyWhenTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "a registration, erasure or anchor succeeded or failed unexpectedly");
    }

    function invariant_disclosureSequenceIsContiguous() public view {
        for (uint256 a; a < handler.actorCount(); ++a) {
            address custodian = handler.actor(a);
            uint256 count = ledger.disclosureAnchorCount(custodian);
            assertEq(count, handler.ghostAnchorCount(a), "anchor count");
            uint64 expected;
            for (uint256 i; i < count; ++i) {
                IDataLedger.DisclosureAnchor memory x = ledger.disclosureAnchor(custodian, i);
                assertEq(x.fromSeq, expected, "each anchor starts right after the previous one");
                assertGe(x.toSeq, x.fromSeq, "a range is never inverted");
                assertTrue(x.root != bytes32(0), "every anchor has a root");
                expected = x.toSeq + 1;
            }
            assertEq(ledger.nextDisclosureSeq(custodian), expected, "the next entry follows the last anchor");
            assertEq(ledger.disclosureAnchor(custodian, count).root, bytes32(0), "nothing past the count");
        }
    }

    function invariant_objectsNeverUnErase() public view {
        for (uint256 i; i < handler.OBJECTS(); ++i) {
            bytes32 id = handler.objectAt(i);
            IDataLedger.DataObject memory o = ledger.object(id);
            assertEq(o.custodian, handler.ghostCustodian(id), "a record changed custodian or disappeared");
            assertEq(o.erasedAt, handler.ghostErasedAt(id), "an erasure changed or was undone");
            assertEq(o.erasureReason, handler.ghostErasureReason(id), "an erasure's reason changed");
            if (o.custodian != address(0)) {
                assertEq(o.saltedHash, keccak256(abi.encode(id)), "the salted hash stays, erased or not");
            }
        }
    }

    /// @dev The handler reaches the paths the invariants are about.
    function test_handler_exercisesEveryPath() public {
        handler.register(0, 0, 1); // alice registers object 0
        handler.register(1, 0, 1); // again, by bob: refused
        handler.register(3, 1, 1); // the outsider: refused
        handler.register(0, 1, 4); // invalid class: refused
        handler.registerBatch(1, 1, 3); // bob: objects 1..3
        handler.registerBatch(2, 3, 2); // carol: 3 exists: refused
        handler.registerBatch(2, 5, 0); // empty: refused
        handler.warp(1 days);
        handler.markErased(1, 0, 0); // alice (the custodian) erases object 0
        handler.markErased(1, 0, 1); // again: refused
        handler.markErased(0, 1, 1); // seed % 4 == 0: alice, not bob's: refused
        handler.markErased(1, 2, 3); // invalid reason: refused
        handler.anchor(0, 0, 9); // alice 0..9
        handler.anchor(0, 1, 9); // gap: refused
        handler.anchor(0, 2, 9); // overlap: refused
        handler.anchor(0, 3, 9); // inverted: refused
        handler.anchor(0, 0, 0); // alice 10..10
        handler.anchor(3, 0, 0); // the outsider: refused
        assertEq(handler.ghostSuccesses("register"), 1);
        assertEq(handler.ghostRefusals("register"), 3);
        assertEq(handler.ghostSuccesses("registerBatch"), 1);
        assertEq(handler.ghostRefusals("registerBatch"), 2);
        assertEq(handler.ghostSuccesses("markErased"), 1);
        assertEq(handler.ghostRefusals("markErased"), 3);
        assertEq(handler.ghostSuccesses("anchor"), 2);
        assertEq(handler.ghostRefusals("anchor"), 4);
        assertEq(ledger.nextDisclosureSeq(alice), 11);
        invariant_callsSucceedExactlyWhenTheRulesAllow();
        invariant_disclosureSequenceIsContiguous();
        invariant_objectsNeverUnErase();
    }
}
