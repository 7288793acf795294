// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EdgeFixture} from "./EdgeFixture.sol";
import {DataAnchorHandler} from "./DataAnchorHandler.sol";
import {IDataAnchor} from "../../src/edge/IDataAnchor.sol";
import {IAnchorCheckpoints} from "../../src/edge/IAnchorCheckpoints.sol";

/// @notice Invariants of anchoring and checkpointing under random anchors (some invalid), checkpoints and
///         out-of-order deliveries through the real Mailbox: no root is anchored twice; each submitter's batch ids are
///         exactly 0..n-1; `anchorsHash` is the hash chain recomputed by the handler; on main, checkpoints never
///         decrease and each one carries the hash the edge side had at its count.
contract DataAnchorInvariantTest is EdgeFixture {
    DataAnchorHandler internal handler;

    function setUp() public {
        setUpEdge();
        handler = new DataAnchorHandler(dataAnchor, checkpoints, mailbox, ism, EDGE, MAIN, take(edgeKeys, 3));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = DataAnchorHandler.anchor.selector;
        selectors[1] = DataAnchorHandler.anchor.selector; // anchors are the point
        selectors[2] = DataAnchorHandler.anchor.selector;
        selectors[3] = DataAnchorHandler.checkpoint.selector;
        selectors[4] = DataAnchorHandler.deliver.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_callsSucceedExactlyWhenTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "an anchor, checkpoint or delivery succeeded or failed unexpectedly");
    }

    function invariant_noRootAnchoredTwice() public view {
        for (uint256 i; i < handler.ROOTS(); ++i) {
            bytes32 root = handler.rootAt(i);
            uint256 times = handler.ghostTimesAnchored(root);
            assertLe(times, 1, "a root was anchored twice");
            assertEq(dataAnchor.isRootAnchored(root), times == 1, "isRootAnchored iff anchored once");
        }
    }

    function invariant_batchIdsAreZeroToN() public view {
        uint256 total;
        for (uint256 a; a < handler.ACTORS(); ++a) {
            address submitter = handler.actor(a);
            bytes32[] memory roots = handler.rootsOf(a);
            assertEq(dataAnchor.nextBatchId(submitter), roots.length, "next batch id = number of batches");
            for (uint256 b; b < roots.length; ++b) {
                IDataAnchor.Anchor memory x = dataAnchor.anchorOf(submitter, uint64(b));
                assertEq(x.root, roots[b], "batch b is the submitter's b-th anchored root");
                assertLt(x.index, dataAnchor.anchorCount(), "index within the count");
            }
            try dataAnchor.anchorOf(submitter, uint64(roots.length)) returns (IDataAnchor.Anchor memory) {
                assertTrue(false, "a batch id beyond n-1 exists");
            } catch {}
            total += roots.length;
        }
        assertEq(dataAnchor.anchorCount(), total, "the count is the sum of all sequences");
    }

    function invariant_anchorsHashIsTheChain() public view {
        assertEq(dataAnchor.anchorsHash(), handler.ghostHash(), "anchorsHash differs from the recomputed chain");
        assertEq(dataAnchor.anchorCount(), handler.ghostCount(), "anchorCount");
        assertEq(dataAnchor.checkpointedCount(), handler.ghostCheckpointed(), "checkpointedCount");
    }

    function invariant_checkpointsNeverDecrease() public view {
        assertEq(handler.ghostDecreases(), 0, "the latest checkpoint went down");
        uint256 n = checkpoints.checkpointCount(EDGE);
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            IAnchorCheckpoints.Checkpoint memory c = checkpoints.checkpointAt(EDGE, i);
            assertGt(c.anchorCount, previous, "history strictly increases");
            assertEq(c.anchorsHash, handler.ghostHashAt(c.anchorCount), "the hash the edge had at that count");
            previous = c.anchorCount;
        }
        (uint256 latest,,) = checkpoints.latestCheckpoint(EDGE);
        assertEq(latest, previous, "latest is the last of the history");
        assertLe(latest, dataAnchor.anchorCount(), "main never runs ahead of the edge");
    }

    /// @dev The handler reaches the paths the invariants are about: refused duplicates and out-of-order batch ids,
    ///      checkpoints delivered in reverse order (the older one ignored).
    function test_handler_exercisesEveryPath() public {
        handler.anchor(0, 0, 0, 5, 1000, 10); // actor 0, batch 0
        handler.anchor(1, 0, 0, 5, 1000, 10); // same root by actor 1: refused
        handler.anchor(1, 1, 1, 5, 1000, 10); // wrong batch id: refused
        handler.anchor(1, 1, 3, 5, 1000, 10); // empty: refused
        handler.anchor(1, 1, 4, 5, 1000, 10); // inverted time range: refused
        handler.anchor(1, 1, 0, 5, 1000, 10); // actor 1, batch 0
        handler.checkpoint(); // count 2
        handler.checkpoint(); // nothing new: refused
        handler.anchor(0, 2, 0, 5, 1000, 10); // actor 0, batch 1
        handler.checkpoint(); // count 3
        assertEq(handler.pendingCount(), 2);
        handler.deliver(1); // count 3 first
        handler.deliver(0); // then count 2: ignored
        assertEq(handler.ghostSuccesses("anchor"), 3);
        assertEq(handler.ghostRefusals("anchor"), 4);
        assertEq(handler.ghostSuccesses("checkpoint"), 2);
        assertEq(handler.ghostRefusals("checkpoint"), 1);
        assertEq(handler.ghostSuccesses("deliver"), 2);
        assertEq(handler.ghostRefusals("deliver-ignored"), 1);
        assertEq(checkpoints.checkpointCount(EDGE), 1);
        invariant_callsSucceedExactlyWhenTheRulesAllow();
        invariant_noRootAnchoredTwice();
        invariant_batchIdsAreZeroToN();
        invariant_anchorsHashIsTheChain();
        invariant_checkpointsNeverDecrease();
    }
}
