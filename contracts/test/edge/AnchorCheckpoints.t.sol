// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EdgeFixture} from "./EdgeFixture.sol";
import {AnchorCheckpoints} from "../../src/edge/AnchorCheckpoints.sol";
import {IAnchorCheckpoints} from "../../src/edge/IAnchorCheckpoints.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

contract AnchorCheckpointsTest is EdgeFixture {
    bytes32 internal anchorSender;

    bytes32 internal constant H1 = keccak256("h1");
    bytes32 internal constant H2 = keccak256("h2");
    bytes32 internal constant H3 = keccak256("h3");

    function setUp() public {
        setUpEdge();
        anchorSender = Message.toBytes32(address(dataAnchor));
        vm.chainId(MAIN);
        vm.roll(500);
        vm.warp(1_750_000_000);
    }

    function deliver(uint32 origin, uint256 count, bytes32 hash) internal {
        vm.prank(address(mailbox));
        checkpoints.handle(origin, anchorSender, abi.encode(count, hash));
    }

    function malformed(uint256 length) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsMalformedBody.selector, length);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(checkpoints.initializer(), deployer);
        assertEq(checkpoints.mailbox(), address(mailbox));
        assertEq(checkpoints.dataAnchor(), address(dataAnchor));
    }

    function test_initialize_emitsInitialized() public {
        AnchorCheckpoints fresh = new AnchorCheckpoints(deployer);
        vm.expectEmit(address(fresh));
        emit IAnchorCheckpoints.Initialized(address(mailbox), address(dataAnchor));
        vm.prank(deployer);
        fresh.initialize(address(mailbox), address(dataAnchor));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        AnchorCheckpoints fresh = new AnchorCheckpoints(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsNotInitializer.selector, address(this))
        );
        fresh.initialize(address(mailbox), address(dataAnchor));
        vm.startPrank(deployer);
        vm.expectRevert(IAnchorCheckpoints.AnchorCheckpointsZeroAddress.selector);
        fresh.initialize(address(0), address(dataAnchor));
        vm.expectRevert(IAnchorCheckpoints.AnchorCheckpointsZeroAddress.selector);
        fresh.initialize(address(mailbox), address(0));
        vm.expectRevert(IAnchorCheckpoints.AnchorCheckpointsAlreadyInitialized.selector);
        checkpoints.initialize(address(mailbox), address(dataAnchor));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ handle

    function test_handle_storesCheckpoint() public {
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointReceived(EDGE, 3, H1);
        deliver(EDGE, 3, H1);
        (uint256 count, bytes32 hash, uint64 receivedAt) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 3);
        assertEq(hash, H1);
        assertEq(receivedAt, 1_750_000_000);
        assertEq(checkpoints.checkpointCount(EDGE), 1);
        IAnchorCheckpoints.Checkpoint memory c = checkpoints.checkpointAt(EDGE, 0);
        assertEq(c.anchorCount, 3);
        assertEq(c.anchorsHash, H1);
        assertEq(c.receivedAt, 1_750_000_000);
        assertEq(c.blockNumber, 500);

        vm.roll(501);
        vm.warp(1_750_000_002);
        deliver(EDGE, 7, H2);
        (count, hash, receivedAt) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 7);
        assertEq(hash, H2);
        assertEq(receivedAt, 1_750_000_002);
        assertEq(checkpoints.checkpointCount(EDGE), 2);
        assertEq(checkpoints.checkpointAt(EDGE, 0).anchorCount, 3, "history kept");
        assertEq(checkpoints.checkpointAt(EDGE, 1).blockNumber, 501);
    }

    function test_handle_ignoresCheckpointNotAboveLatest() public {
        deliver(EDGE, 5, H1);
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointIgnored(EDGE, 4, H2, 5);
        deliver(EDGE, 4, H2);
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointIgnored(EDGE, 5, H3, 5);
        deliver(EDGE, 5, H3); // equal count: also ignored, even with another hash
        (uint256 count, bytes32 hash,) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 5);
        assertEq(hash, H1);
        assertEq(checkpoints.checkpointCount(EDGE), 1);
    }

    function test_handle_ignoresZeroCount() public {
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointIgnored(EDGE, 0, H1, 0);
        deliver(EDGE, 0, H1);
        assertEq(checkpoints.checkpointCount(EDGE), 0);
    }

    function test_handle_keepsOriginsApart() public {
        deliver(EDGE, 9, H1);
        deliver(OTHER, 2, H2); // lower than EDGE's, but another origin
        (uint256 edgeCount, bytes32 edgeHash,) = checkpoints.latestCheckpoint(EDGE);
        (uint256 otherCount, bytes32 otherHash,) = checkpoints.latestCheckpoint(OTHER);
        assertEq(edgeCount, 9);
        assertEq(edgeHash, H1);
        assertEq(otherCount, 2);
        assertEq(otherHash, H2);
        assertEq(checkpoints.checkpointCount(OTHER), 1);
        assertEq(checkpoints.checkpointCount(MAIN), 0);
    }

    function test_latestCheckpoint_zeroWhenNone() public view {
        (uint256 count, bytes32 hash, uint64 receivedAt) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 0);
        assertEq(hash, bytes32(0));
        assertEq(receivedAt, 0);
        assertEq(checkpoints.checkpointCount(EDGE), 0);
    }

    function test_checkpointAt_revertsPastTheEnd() public {
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsUnknownCheckpoint.selector, EDGE, 0));
        checkpoints.checkpointAt(EDGE, 0);
        deliver(EDGE, 1, H1);
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsUnknownCheckpoint.selector, EDGE, 1));
        checkpoints.checkpointAt(EDGE, 1);
    }

    function test_handle_revertsWhenNotMailbox() public {
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsNotMailbox.selector, stranger));
        vm.prank(stranger);
        checkpoints.handle(EDGE, anchorSender, abi.encode(uint256(1), H1));
    }

    function test_handle_revertsBeforeInitialize() public {
        AnchorCheckpoints fresh = new AnchorCheckpoints(deployer);
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsNotMailbox.selector, address(0)));
        vm.prank(address(0));
        fresh.handle(EDGE, anchorSender, abi.encode(uint256(1), H1));
    }

    function test_handle_revertsOnValue() public {
        vm.deal(address(mailbox), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsValueNotAccepted.selector, 1));
        vm.prank(address(mailbox));
        checkpoints.handle{value: 1}(EDGE, anchorSender, abi.encode(uint256(1), H1));
    }

    function test_handle_revertsOnOtherSender() public {
        bytes32 other = Message.toBytes32(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsUnauthorized.selector, EDGE, other));
        vm.prank(address(mailbox));
        checkpoints.handle(EDGE, other, abi.encode(uint256(1), H1));
        // The DataAnchor's address with dirty high bits is another sender.
        bytes32 dirty = anchorSender | bytes32(uint256(1) << 200);
        vm.expectRevert(abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsUnauthorized.selector, EDGE, dirty));
        vm.prank(address(mailbox));
        checkpoints.handle(EDGE, dirty, abi.encode(uint256(1), H1));
    }

    function test_handle_revertsOnMalformedBody() public {
        uint256[4] memory lengths = [uint256(0), 32, 63, 65];
        for (uint256 i; i < lengths.length; ++i) {
            vm.expectRevert(malformed(lengths[i]));
            vm.prank(address(mailbox));
            checkpoints.handle(EDGE, anchorSender, new bytes(lengths[i]));
        }
        vm.expectRevert(malformed(96));
        vm.prank(address(mailbox));
        checkpoints.handle(EDGE, anchorSender, abi.encode(uint256(1), H1, uint256(0)));
        // A count no DataAnchor can reach.
        vm.expectRevert(malformed(64));
        vm.prank(address(mailbox));
        checkpoints.handle(EDGE, anchorSender, abi.encode(uint256(1) << 128, H1));
        assertEq(checkpoints.checkpointCount(EDGE), 0);
    }

    function test_handle_gas() public {
        vm.startPrank(address(mailbox));
        bytes memory body = abi.encode(uint256(10), H1);
        uint256 before = gasleft();
        checkpoints.handle(EDGE, anchorSender, body);
        uint256 used = before - gasleft();
        vm.stopPrank();
        // The first of an origin: two fresh slots for the entry and one for the history's length.
        assertLt(used, 90_000, "a stored checkpoint");
    }

    // ------------------------------------------------------------ through the Mailbox

    /// @dev Two checkpoints relayed in reverse order through the real Mailbox and MultisigIsm: the older one is
    ///      ignored but still delivered, so the relayer is never stuck on it.
    function test_handle_viaMailboxOutOfOrder() public {
        bytes memory m1 = checkpointMessage(0, 1, H1);
        bytes memory m2 = checkpointMessage(1, 2, H2);
        mailbox.process(signWith(m2, take(edgeKeys, 3)), m2);
        vm.expectEmit(address(checkpoints));
        emit IAnchorCheckpoints.CheckpointIgnored(EDGE, 1, H1, 2);
        mailbox.process(signWith(m1, take(edgeKeys, 3)), m1);
        assertTrue(mailbox.delivered(keccak256(m1)));
        assertTrue(mailbox.delivered(keccak256(m2)));
        (uint256 count, bytes32 hash,) = checkpoints.latestCheckpoint(EDGE);
        assertEq(count, 2);
        assertEq(hash, H2);
        assertEq(checkpoints.checkpointCount(EDGE), 1);
    }

    /// @dev A message signed by EDGE's validators but dispatched by another account is refused by AnchorCheckpoints
    ///      after verification, and stays undelivered.
    function test_handle_viaMailboxRejectsForgedSender() public {
        bytes memory message = buildMessage(0, EDGE, stranger, MAIN, address(checkpoints), abi.encode(uint256(1), H1));
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAnchorCheckpoints.AnchorCheckpointsUnauthorized.selector, EDGE, Message.toBytes32(stranger)
            )
        );
        mailbox.process(metadata, message);
        assertFalse(mailbox.delivered(keccak256(message)));
        assertEq(checkpoints.checkpointCount(EDGE), 0);
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_handle_acceptsOnlyDataAnchor(uint32 origin, bytes32 sender) public {
        bool authorised = sender == anchorSender;
        if (!authorised) {
            vm.expectRevert(
                abi.encodeWithSelector(IAnchorCheckpoints.AnchorCheckpointsUnauthorized.selector, origin, sender)
            );
        }
        vm.prank(address(mailbox));
        checkpoints.handle(origin, sender, abi.encode(uint256(1), H1));
        assertEq(checkpoints.checkpointCount(origin), authorised ? 1 : 0, "any origin, only the DataAnchor");
    }

    /// @dev Checkpoints arriving in any order: the stored ones are exactly the running maxima, so the latest never
    ///      decreases and the history strictly increases.
    function testFuzz_handle_keepsRunningMaximum(uint256 seed, uint8 n) public {
        n = uint8(bound(n, 1, 32));
        uint256 max;
        uint256 stored;
        for (uint256 i; i < n; ++i) {
            uint256 count = uint256(keccak256(abi.encode(seed, i))) % 20;
            bytes32 hash = keccak256(abi.encode("hash", count));
            if (count > max) {
                vm.expectEmit(address(checkpoints));
                emit IAnchorCheckpoints.CheckpointReceived(EDGE, count, hash);
                max = count;
                ++stored;
            } else {
                vm.expectEmit(address(checkpoints));
                emit IAnchorCheckpoints.CheckpointIgnored(EDGE, count, hash, max);
            }
            deliver(EDGE, count, hash);
            (uint256 latest,,) = checkpoints.latestCheckpoint(EDGE);
            assertEq(latest, max, "latest is the running maximum");
        }
        assertEq(checkpoints.checkpointCount(EDGE), stored);
        for (uint256 i = 1; i < stored; ++i) {
            assertGt(checkpoints.checkpointAt(EDGE, i).anchorCount, checkpoints.checkpointAt(EDGE, i - 1).anchorCount);
        }
    }
}
