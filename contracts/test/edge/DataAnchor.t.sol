// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EdgeFixture} from "./EdgeFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {DataAnchor} from "../../src/edge/DataAnchor.sol";
import {IDataAnchor} from "../../src/edge/IDataAnchor.sol";
import {IAnchorCheckpoints} from "../../src/edge/IAnchorCheckpoints.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

contract DataAnchorTest is EdgeFixture {
    uint64 internal constant FROM = 1_750_000_000_000;
    uint64 internal constant TO = 1_750_000_004_999;

    function setUp() public {
        setUpEdge();
        vm.roll(100);
        vm.warp(1_750_000_010);
    }

    function anchorAs(address submitter, uint64 batchId, bytes32 root) internal returns (uint256) {
        vm.prank(submitter);
        return dataAnchor.anchor(batchId, root, 42, FROM, TO, RSU_DID, sig(batchId));
    }

    function expectAnchorRevert(bytes memory err, address submitter, uint64 batchId, bytes32 root) internal {
        vm.expectRevert(err);
        vm.prank(submitter);
        dataAnchor.anchor(batchId, root, 42, FROM, TO, RSU_DID, sig(batchId));
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(dataAnchor.initializer(), deployer);
        assertEq(dataAnchor.mailbox(), address(mailbox));
        assertEq(dataAnchor.mainDomain(), MAIN);
        assertEq(dataAnchor.checkpoints(), address(checkpoints));
        assertEq(dataAnchor.anchorCount(), 0);
        assertEq(dataAnchor.anchorsHash(), bytes32(0), "the chain starts at zero");
        assertEq(dataAnchor.checkpointedCount(), 0);
    }

    function test_initialize_emitsInitialized() public {
        DataAnchor fresh = new DataAnchor(deployer);
        vm.expectEmit(address(fresh));
        emit IDataAnchor.Initialized(address(mailbox), MAIN, address(checkpoints));
        vm.prank(deployer);
        fresh.initialize(address(mailbox), MAIN, address(checkpoints));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrInvalid() public {
        DataAnchor fresh = new DataAnchor(deployer);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorNotInitializer.selector, address(this)));
        fresh.initialize(address(mailbox), MAIN, address(checkpoints));
        vm.startPrank(deployer);
        vm.expectRevert(IDataAnchor.DataAnchorInvalidInitParams.selector);
        fresh.initialize(address(0), MAIN, address(checkpoints));
        vm.expectRevert(IDataAnchor.DataAnchorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), 0, address(checkpoints));
        vm.expectRevert(IDataAnchor.DataAnchorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(0));
        vm.expectRevert(IDataAnchor.DataAnchorAlreadyInitialized.selector);
        dataAnchor.initialize(address(mailbox), MAIN, address(checkpoints));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ anchor

    function test_anchor_storesBatch() public {
        bytes32 root = rootOf(1);
        assertEq(anchorAs(rsu1, 0, root), 0, "first anchor has index 0");

        IDataAnchor.Anchor memory a = dataAnchor.anchorOf(rsu1, 0);
        assertEq(a.root, root);
        assertEq(a.count, 42);
        assertEq(a.fromTime, FROM);
        assertEq(a.toTime, TO);
        assertEq(a.rsuDid, RSU_DID);
        assertEq(a.blockNumber, 100);
        assertEq(a.index, 0);
        assertEq(dataAnchor.nextBatchId(rsu1), 1);
        assertEq(dataAnchor.nextBatchId(rsu2), 0, "other submitters untouched");
        assertTrue(dataAnchor.isRootAnchored(root));
        assertFalse(dataAnchor.isRootAnchored(rootOf(2)));
        assertEq(dataAnchor.anchorCount(), 1);
        assertEq(dataAnchor.anchorsHash(), chainHash(bytes32(0), rsu1, 0, root, 42, FROM, TO, RSU_DID));
    }

    function test_anchor_emitsBatchAnchoredWithSignature() public {
        bytes32 root = rootOf(1);
        vm.expectEmit(address(dataAnchor));
        emit IDataAnchor.BatchAnchored(rsu1, 0, root, 42, FROM, TO, RSU_DID, sig(0), 0);
        anchorAs(rsu1, 0, root);
    }

    function test_anchor_numbersBatchesPerSubmitterAndIndexesGlobally() public {
        assertEq(anchorAs(rsu1, 0, rootOf(1)), 0);
        assertEq(anchorAs(rsu2, 0, rootOf(2)), 1, "rsu2 starts its own sequence at 0");
        assertEq(anchorAs(rsu1, 1, rootOf(3)), 2);
        assertEq(anchorAs(rsu1, 2, rootOf(4)), 3);
        assertEq(dataAnchor.nextBatchId(rsu1), 3);
        assertEq(dataAnchor.nextBatchId(rsu2), 1);
        assertEq(dataAnchor.anchorOf(rsu1, 1).root, rootOf(3));
        assertEq(dataAnchor.anchorOf(rsu1, 2).index, 3);
        assertEq(dataAnchor.anchorOf(rsu2, 0).root, rootOf(2));
        assertEq(dataAnchor.anchorCount(), 4);
    }

    function test_anchor_revertsOnBatchOutOfOrder() public {
        bytes memory ahead = abi.encodeWithSelector(IDataAnchor.DataAnchorBatchOutOfOrder.selector, 0, 1);
        expectAnchorRevert(ahead, rsu1, 1, rootOf(1));
        anchorAs(rsu1, 0, rootOf(1));
        // Replaying batch 0 with another root (an RSU that forgot it anchored) is refused too.
        bytes memory behind = abi.encodeWithSelector(IDataAnchor.DataAnchorBatchOutOfOrder.selector, 1, 0);
        expectAnchorRevert(behind, rsu1, 0, rootOf(2));
        bytes memory gap = abi.encodeWithSelector(IDataAnchor.DataAnchorBatchOutOfOrder.selector, 1, 5);
        expectAnchorRevert(gap, rsu1, 5, rootOf(2));
        assertEq(dataAnchor.nextBatchId(rsu1), 1);
        assertEq(dataAnchor.anchorCount(), 1);
    }

    function test_anchor_revertsOnRootAlreadyAnchored() public {
        bytes32 root = rootOf(1);
        anchorAs(rsu1, 0, root);
        bytes memory err = abi.encodeWithSelector(IDataAnchor.DataAnchorRootAlreadyAnchored.selector, root);
        expectAnchorRevert(err, rsu1, 1, root);
        expectAnchorRevert(err, rsu2, 0, root); // by anyone
        assertEq(dataAnchor.nextBatchId(rsu1), 1, "a refused batch does not use up its id");
        assertEq(dataAnchor.nextBatchId(rsu2), 0);
        assertEq(dataAnchor.anchorCount(), 1);
    }

    function test_anchor_revertsOnEmptyBatch() public {
        vm.expectRevert(IDataAnchor.DataAnchorEmptyBatch.selector);
        vm.prank(rsu1);
        dataAnchor.anchor(0, rootOf(1), 0, FROM, TO, RSU_DID, sig(0));
    }

    function test_anchor_revertsOnBadTimeRange() public {
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBadTimeRange.selector, TO, FROM));
        vm.prank(rsu1);
        dataAnchor.anchor(0, rootOf(1), 1, TO, FROM, RSU_DID, sig(0));
        // A batch within one millisecond is fine.
        vm.prank(rsu1);
        dataAnchor.anchor(0, rootOf(1), 1, FROM, FROM, RSU_DID, sig(0));
        assertEq(dataAnchor.anchorOf(rsu1, 0).toTime, FROM);
    }

    function test_anchor_revertsOnBadSignatureLength() public {
        uint256[4] memory lengths = [uint256(0), 63, 65, 96];
        for (uint256 i; i < lengths.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBadSignatureLength.selector, lengths[i]));
            vm.prank(rsu1);
            dataAnchor.anchor(0, rootOf(1), 1, FROM, TO, RSU_DID, new bytes(lengths[i]));
        }
        assertEq(dataAnchor.anchorCount(), 0);
    }

    /// @dev The checks run in the documented order: arguments first, then the sequence, then the root.
    function test_anchor_checksInDocumentedOrder() public {
        anchorAs(rsu1, 0, rootOf(1));
        vm.startPrank(rsu1);
        vm.expectRevert(IDataAnchor.DataAnchorEmptyBatch.selector);
        dataAnchor.anchor(7, rootOf(1), 0, TO, FROM, RSU_DID, "");
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBadTimeRange.selector, TO, FROM));
        dataAnchor.anchor(7, rootOf(1), 1, TO, FROM, RSU_DID, "");
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBadSignatureLength.selector, 0));
        dataAnchor.anchor(7, rootOf(1), 1, FROM, TO, RSU_DID, "");
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBatchOutOfOrder.selector, 1, 7));
        dataAnchor.anchor(7, rootOf(1), 1, FROM, TO, RSU_DID, sig(0));
        vm.stopPrank();
    }

    /// @dev Anchoring needs no initialisation (only checkpoints do), and a zero root is a root like any other.
    function test_anchor_worksBeforeInitializeAndWithZeroRoot() public {
        DataAnchor fresh = new DataAnchor(deployer);
        vm.prank(rsu1);
        fresh.anchor(0, bytes32(0), 1, FROM, TO, RSU_DID, sig(0));
        assertTrue(fresh.isRootAnchored(bytes32(0)));
        assertEq(fresh.anchorOf(rsu1, 0).root, bytes32(0));
        assertEq(fresh.anchorOf(rsu1, 0).count, 1);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorRootAlreadyAnchored.selector, bytes32(0)));
        vm.prank(rsu2);
        fresh.anchor(0, bytes32(0), 1, FROM, TO, RSU_DID, sig(0));
    }

    function test_anchor_gas() public {
        bytes memory s = sig(0);
        vm.prank(rsu1);
        uint256 before = gasleft();
        dataAnchor.anchor(0, rootOf(1), 42, FROM, TO, RSU_DID, s);
        uint256 firstOfChain = before - gasleft();
        vm.prank(rsu2);
        before = gasleft();
        dataAnchor.anchor(0, rootOf(2), 42, FROM, TO, RSU_DID, s);
        uint256 firstOfSubmitter = before - gasleft();
        vm.prank(rsu1);
        before = gasleft();
        dataAnchor.anchor(1, rootOf(3), 42, FROM, TO, RSU_DID, s);
        uint256 subsequent = before - gasleft();
        // Three fresh slots per anchor (66k) plus the counters; a fourth slot would add 22k.
        assertLt(firstOfChain, 150_000, "the chain's first anchor also starts anchorCount and anchorsHash");
        assertLt(firstOfSubmitter, 120_000, "a submitter's first anchor starts its nextBatchId");
        assertLt(subsequent, 100_000, "a submitter's next anchor");
        assertLt(subsequent, firstOfSubmitter);
    }

    // ------------------------------------------------------------ anchorOf, anchorsHash

    function test_anchorOf_revertsOnUnknownBatch() public {
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorUnknownBatch.selector, rsu1, 0));
        dataAnchor.anchorOf(rsu1, 0);
        anchorAs(rsu1, 0, rootOf(1));
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorUnknownBatch.selector, rsu1, 1));
        dataAnchor.anchorOf(rsu1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorUnknownBatch.selector, rsu2, 0));
        dataAnchor.anchorOf(rsu2, 0);
    }

    function test_anchorsHash_chainsEveryAnchorInOrder() public {
        bytes32 h = chainHash(bytes32(0), rsu1, 0, rootOf(1), 42, FROM, TO, RSU_DID);
        anchorAs(rsu1, 0, rootOf(1));
        assertEq(dataAnchor.anchorsHash(), h);
        h = chainHash(h, rsu2, 0, rootOf(2), 42, FROM, TO, RSU_DID);
        anchorAs(rsu2, 0, rootOf(2));
        assertEq(dataAnchor.anchorsHash(), h);
        h = chainHash(h, rsu1, 1, rootOf(3), 42, FROM, TO, RSU_DID);
        anchorAs(rsu1, 1, rootOf(3));
        assertEq(dataAnchor.anchorsHash(), h, "submitter, batch id and every field are chained");
        assertTrue(h != chainHash(bytes32(0), rsu1, 1, rootOf(3), 42, FROM, TO, RSU_DID), "history matters");
    }

    // ------------------------------------------------------------ checkpoint

    function test_checkpoint_dispatchesCountAndHashToMain() public {
        anchorAs(rsu1, 0, rootOf(1));
        anchorAs(rsu2, 0, rootOf(2));
        bytes32 hash = dataAnchor.anchorsHash();
        uint32 nonce = mailbox.nonce();
        bytes memory message = checkpointMessage(nonce, 2, hash);

        vm.recordLogs();
        vm.expectEmit(address(dataAnchor));
        emit IDataAnchor.CheckpointSent(2, hash, keccak256(message));
        vm.prank(stranger); // anyone may checkpoint
        bytes32 id = dataAnchor.checkpoint();
        assertEq(id, keccak256(message), "the message id of the expected message");
        assertEq(dataAnchor.checkpointedCount(), 2);

        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(mailbox) || logs[i].topics[0] != IMailbox.Dispatched.selector) continue;
            ++found;
            assertEq(logs[i].topics[1], Message.toBytes32(address(dataAnchor)), "sent by the DataAnchor");
            assertEq(uint256(logs[i].topics[2]), MAIN, "to the main domain");
            assertEq(logs[i].topics[3], Message.toBytes32(address(checkpoints)), "to AnchorCheckpoints");
            (, uint32 n, bytes memory m) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
            assertEq(n, nonce);
            assertEq(m, message, "body abi.encode(anchorCount, anchorsHash)");
        }
        assertEq(found, 1, "one message");
    }

    function test_checkpoint_revertsWhenNothingNew() public {
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorNothingToCheckpoint.selector, 0));
        dataAnchor.checkpoint();
        anchorAs(rsu1, 0, rootOf(1));
        dataAnchor.checkpoint();
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorNothingToCheckpoint.selector, 1));
        dataAnchor.checkpoint();
        anchorAs(rsu1, 1, rootOf(2));
        dataAnchor.checkpoint();
        assertEq(dataAnchor.checkpointedCount(), 2);
    }

    function test_checkpoint_revertsBeforeInitialize() public {
        DataAnchor fresh = new DataAnchor(deployer);
        vm.prank(rsu1);
        fresh.anchor(0, rootOf(1), 1, FROM, TO, RSU_DID, sig(0));
        vm.expectRevert(IDataAnchor.DataAnchorNotInitialized.selector);
        fresh.checkpoint();
    }

    /// @dev Value goes to the Mailbox as a fee; today's Mailbox refuses it, so nothing is ever locked here.
    function test_checkpoint_forwardsValueToMailbox() public {
        anchorAs(rsu1, 0, rootOf(1));
        vm.deal(stranger, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxValueNotAccepted.selector, 1 wei));
        vm.prank(stranger);
        dataAnchor.checkpoint{value: 1 wei}();
        assertEq(dataAnchor.checkpointedCount(), 0, "rolled back");
        assertEq(address(dataAnchor).balance, 0);
    }

    /// @dev The whole path: anchor and checkpoint on EDGE, relay with EDGE's validator signatures through the real
    ///      Mailbox and MultisigIsm, AnchorCheckpoints on MAIN stores it.
    function test_checkpoint_reachesMainThroughMailbox() public {
        anchorAs(rsu1, 0, rootOf(1));
        anchorAs(rsu1, 1, rootOf(2));
        uint32 nonce = mailbox.nonce();
        dataAnchor.checkpoint();
        bytes32 hash = dataAnchor.anchorsHash();
        bytes memory message = checkpointMessage(nonce, 2, hash);
        bytes memory metadata = signWith(message, take(edgeKeys, 3));

        vm.chainId(MAIN);
        vm.roll(200);
        vm.warp(1_750_000_100);
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointReceived(EDGE, 2, hash);
        mailbox.process(metadata, message);
        assertTrue(mailbox.delivered(keccak256(message)));
        (uint256 count, bytes32 h, uint64 receivedAt) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 2);
        assertEq(h, hash);
        assertEq(receivedAt, 1_750_000_100);
        assertEq(checkpoints.checkpointAt(EDGE, 0).blockNumber, 200);
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_anchor_timeRange(uint64 fromTime, uint64 toTime) public {
        if (fromTime > toTime) {
            vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorBadTimeRange.selector, fromTime, toTime));
        }
        vm.prank(rsu1);
        dataAnchor.anchor(0, rootOf(1), 1, fromTime, toTime, RSU_DID, sig(0));
        assertEq(dataAnchor.nextBatchId(rsu1), fromTime <= toTime ? 1 : 0);
        if (fromTime <= toTime) {
            IDataAnchor.Anchor memory a = dataAnchor.anchorOf(rsu1, 0);
            assertEq(a.fromTime, fromTime);
            assertEq(a.toTime, toTime);
        }
    }

    function testFuzz_anchor_storesWhatWasGiven(
        bytes32 root,
        uint32 count,
        uint64 fromTime,
        uint64 span,
        bytes32 rsuDid,
        bytes32 r,
        bytes32 s
    ) public {
        count = uint32(bound(count, 1, type(uint32).max));
        fromTime = uint64(bound(fromTime, 0, type(uint64).max - 1));
        uint64 toTime = fromTime + uint64(bound(span, 0, type(uint64).max - fromTime));
        vm.expectEmit(address(dataAnchor));
        emit IDataAnchor.BatchAnchored(rsu2, 0, root, count, fromTime, toTime, rsuDid, abi.encodePacked(r, s), 0);
        vm.prank(rsu2);
        dataAnchor.anchor(0, root, count, fromTime, toTime, rsuDid, abi.encodePacked(r, s));
        IDataAnchor.Anchor memory a = dataAnchor.anchorOf(rsu2, 0);
        assertEq(a.root, root);
        assertEq(a.count, count);
        assertEq(a.fromTime, fromTime);
        assertEq(a.toTime, toTime);
        assertEq(a.rsuDid, rsuDid);
        assertEq(dataAnchor.anchorsHash(), chainHash(bytes32(0), rsu2, 0, root, count, fromTime, toTime, rsuDid));
    }

    function testFuzz_anchor_refusesAnyOtherBatchId(uint64 batchId, uint8 done) public {
        done = uint8(bound(done, 0, 8));
        for (uint256 i; i < done; ++i) {
            anchorNext(rsu1, i);
        }
        vm.assume(batchId != done);
        bytes memory err = abi.encodeWithSelector(IDataAnchor.DataAnchorBatchOutOfOrder.selector, done, batchId);
        expectAnchorRevert(err, rsu1, batchId, rootOf(1000));
        assertEq(dataAnchor.nextBatchId(rsu1), done);
    }

    /// @dev The model of testFuzz_anchor_sequence: each submitter's next batch id, the hash chain and the count.
    struct Model {
        address[3] submitters;
        uint64[3] next;
        bytes32 hash;
        uint256 count;
    }

    /// @dev An anchor call's arguments.
    struct Batch {
        address submitter;
        uint64 batchId;
        bytes32 root;
        uint32 count;
        uint64 fromTime;
        uint64 toTime;
        bytes signature;
    }

    function anchorBatch(Batch memory b) internal returns (uint256) {
        vm.prank(b.submitter);
        return dataAnchor.anchor(b.batchId, b.root, b.count, b.fromTime, b.toTime, RSU_DID, b.signature);
    }

    /// @dev One random anchor (step `i` of `seed`), checked against and folded into the model.
    function randomAnchor(Model memory m, uint256 seed, uint256 i) internal {
        uint256 r = uint256(keccak256(abi.encode(seed, i)));
        uint256 who = r % 3;
        Batch memory b;
        b.submitter = m.submitters[who];
        b.batchId = m.next[who];
        // Roots from a pool of 24, so some repeat and must be refused.
        b.root = rootOf((r >> 8) % 24);
        b.count = uint32(bound(r >> 16, 1, 1000));
        b.fromTime = uint64(r >> 64) % 1e13;
        b.toTime = b.fromTime + uint64(r >> 128) % 60_000;
        b.signature = sig(i);
        bool fresh = !dataAnchor.isRootAnchored(b.root);
        if (!fresh) {
            vm.expectRevert(abi.encodeWithSelector(IDataAnchor.DataAnchorRootAlreadyAnchored.selector, b.root));
        }
        uint256 index = anchorBatch(b);
        if (!fresh) return;
        assertEq(index, m.count, "indices are global and consecutive");
        m.hash = chainHash(m.hash, b.submitter, b.batchId, b.root, b.count, b.fromTime, b.toTime, RSU_DID);
        ++m.next[who];
        ++m.count;
    }

    /// @dev A random interleaving of three submitters, with repeated roots: the sequence numbers, indices, root
    ///      marks and hash chain come out as a model computed here predicts.
    function testFuzz_anchor_sequence(uint256 seed, uint8 steps) public {
        steps = uint8(bound(steps, 1, 40));
        Model memory m;
        m.submitters = [rsu1, rsu2, stranger];
        for (uint256 i; i < steps; ++i) {
            randomAnchor(m, seed, i);
        }
        assertEq(dataAnchor.anchorCount(), m.count);
        assertEq(dataAnchor.anchorsHash(), m.hash, "hash chain as recomputed");
        for (uint256 w; w < 3; ++w) {
            assertEq(dataAnchor.nextBatchId(m.submitters[w]), m.next[w]);
        }
    }
}
