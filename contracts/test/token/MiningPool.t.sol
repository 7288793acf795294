// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TokenFixture, MockEligibility} from "./TokenFixture.sol";
import {MiningPool} from "../../src/token/MiningPool.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice The mining pool: the decaying emission, epoch commits by the distributor, Merkle claims (a proof works
///         once, a wrong one fails, an epoch never pays more than its total), eligibility, governance setters, and
///         cross-chain claims through the real Mailbox and ISM, only from an allowed (origin, sender).
contract MiningPoolTest is TokenFixture {
    /// @dev 129,000,000e18 / (2 * 104), rounded down.
    uint256 internal constant E0 = 620_192_307_692_307_692_307_692;

    /// @dev A tree built by @openzeppelin/merkle-tree 1.x: `StandardMerkleTree.of(values, ["uint64", "address",
    ///      "uint256"])` over epoch 3 and the three (account, amount) pairs below; root and proofs printed by it.
    address internal constant V1 = 0x1111111111111111111111111111111111111111;
    address internal constant V2 = 0x2222222222222222222222222222222222222222;
    address internal constant V3 = 0x3333333333333333333333333333333333333333;
    uint256 internal constant A1 = 1000e18;
    uint256 internal constant A2 = 250.5e18;
    uint256 internal constant A3 = 1;
    uint64 internal constant JS_EPOCH = 3;
    bytes32 internal constant JS_ROOT = 0x1329316091bc262f8be29ba652e08e8940cd413380224cf92a7cc2e0e073c28d;

    address internal edgeRewards;
    /// @dev The signed message a cross-chain test delivers (prepared before any expectation: signing reads the ISM).
    bytes internal meta;
    bytes internal msg_;

    function setUp() public {
        setUpToken();
        edgeRewards = makeAddr("edge-rewards");
    }

    function jsProof(uint256 i) internal pure returns (bytes32[] memory p) {
        if (i == 1) {
            p = new bytes32[](1);
            p[0] = 0xfdc7b43bc59370857249e61c5cb96f21a2eccf7daf8fa7fdb7bf9cc76bb9cb69;
            return p;
        }
        p = new bytes32[](2);
        p[0] = i == 0
            ? bytes32(0x7805f4a8b9c01ee859c122355eeaeef0f555daf9743fb6b133e32a3672d3d49f)
            : bytes32(0x5798fbbd8cf00854682e08aecc6ac742ea28f5dfb973e95cedc0bee589a4bef2);
        p[1] = 0x9a3d39f11c5002abc2b8df482098b0eee70d698dac6de4c94ace6dc1547df5c0;
    }

    function commitJsEpoch(uint256 total) internal {
        vm.warp(pool.epochEnd(JS_EPOCH));
        vm.prank(distributor);
        pool.commitEpoch(JS_EPOCH, JS_ROOT, total);
    }

    // ------------------------------------------------------------ emission

    function test_emission_halvesEveryInterval() public view {
        assertEq(pool.emission(0), E0);
        assertEq(pool.emission(103), E0);
        assertEq(pool.emission(104), E0 / 2);
        assertEq(pool.emission(208), E0 / 4);
        assertEq(pool.emission(104 * 255), 0);
        assertEq(pool.emission(type(uint64).max), 0);
        assertEq(pool.epochEnd(0), T0 + WEEK);
    }

    /// @dev The sum over every epoch of every halving interval never exceeds the pool.
    function testFuzz_emission_sumNeverExceedsPool(uint64 halvingEpochs) public {
        halvingEpochs = uint64(bound(halvingEpochs, 1, 1e12));
        MiningPool fresh = new MiningPool(deployer);
        IMiningPool.InitParams memory p = poolParams();
        p.halvingEpochs = halvingEpochs;
        vm.prank(deployer);
        fresh.initialize(p);
        uint256 sum;
        for (uint256 k; k < 256; ++k) {
            uint256 e =
                fresh.emission(uint64(k * halvingEpochs > type(uint64).max ? type(uint64).max : k * halvingEpochs));
            if (e == 0) break;
            sum += e * halvingEpochs;
        }
        assertLe(sum, MINING_SHARE, "the schedule asks for more than the pool");
        assertGe(sum, MINING_SHARE - 2 * uint256(halvingEpochs) * 256, "nearly the whole pool is scheduled");
    }

    // ------------------------------------------------------------ commits

    function test_commitEpoch_recordsRootAndTotal() public {
        vm.warp(pool.epochEnd(JS_EPOCH));
        vm.expectEmit(address(pool));
        emit IMiningPool.EpochCommitted(JS_EPOCH, JS_ROOT, A1 + A2 + A3);
        vm.prank(distributor);
        pool.commitEpoch(JS_EPOCH, JS_ROOT, A1 + A2 + A3);
        IMiningPool.Epoch memory e = pool.epochs(JS_EPOCH);
        assertEq(e.root, JS_ROOT);
        assertEq(uint256(e.total), A1 + A2 + A3);
        assertEq(uint256(e.claimed), 0);
        assertEq(pool.totalCommitted(), A1 + A2 + A3);
        assertEq(uint256(pool.currentEpoch()), 4);
    }

    function test_commitEpoch_guards() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotDistributor.selector, alice));
        pool.commitEpoch(0, JS_ROOT, 1);

        vm.warp(T0 + WEEK - 1);
        vm.prank(distributor);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolEpochNotEnded.selector, 0, T0 + WEEK));
        pool.commitEpoch(0, JS_ROOT, 1);

        vm.warp(T0 + WEEK);
        vm.startPrank(distributor);
        vm.expectRevert(IMiningPool.MiningPoolZeroRoot.selector);
        pool.commitEpoch(0, bytes32(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolExceedsEmission.selector, 0, E0 + 1, E0));
        pool.commitEpoch(0, JS_ROOT, E0 + 1);
        pool.commitEpoch(0, JS_ROOT, E0);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolEpochAlreadyCommitted.selector, 0));
        pool.commitEpoch(0, JS_ROOT, 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ claims

    function test_claim_openZeppelinTreeProofWorksOnce() public {
        commitJsEpoch(A1 + A2 + A3);
        assertEq(pool.leaf(JS_EPOCH, V1, A1), leafOf(JS_EPOCH, V1, A1));
        vm.expectEmit(address(pool));
        emit IMiningPool.Claimed(JS_EPOCH, V1, A1, MAIN);
        vm.prank(carol); // anyone may submit; the tokens go to the account
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));
        assertEq(token.balanceOf(V1), A1);
        assertTrue(pool.isClaimed(JS_EPOCH, V1, A1));

        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, JS_EPOCH, V1, A1));
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));

        pool.claim(JS_EPOCH, V2, A2, jsProof(1));
        pool.claim(JS_EPOCH, V3, A3, jsProof(2));
        assertEq(uint256(pool.epochs(JS_EPOCH).claimed), A1 + A2 + A3);
        assertEq(pool.totalClaimed(), A1 + A2 + A3);
        assertEq(token.balanceOf(address(pool)), MINING_SHARE - (A1 + A2 + A3));
    }

    function test_claim_wrongProofFails() public {
        commitJsEpoch(A1 + A2 + A3);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolInvalidProof.selector, JS_EPOCH, V1, A1));
        pool.claim(JS_EPOCH, V1, A1, jsProof(1)); // another leaf's proof
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolInvalidProof.selector, JS_EPOCH, V1, A1 + 1));
        pool.claim(JS_EPOCH, V1, A1 + 1, jsProof(0)); // inflated amount
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolInvalidProof.selector, JS_EPOCH, V2, A1));
        pool.claim(JS_EPOCH, V2, A1, jsProof(0)); // someone else's reward
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolEpochNotCommitted.selector, JS_EPOCH + 1));
        pool.claim(JS_EPOCH + 1, V1, A1, jsProof(0)); // same leaf data, other epoch
        assertEq(token.balanceOf(V1), 0);
    }

    /// @dev A distributor that committed a total below its leaves' sum: the epoch still pays at most its total.
    function test_claim_neverExceedsEpochTotal() public {
        commitJsEpoch(A1 + 1);
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));
        vm.expectRevert(
            abi.encodeWithSelector(IMiningPool.MiningPoolEpochTotalExceeded.selector, JS_EPOCH, A1 + A2, A1 + 1)
        );
        pool.claim(JS_EPOCH, V2, A2, jsProof(1));
        pool.claim(JS_EPOCH, V3, A3, jsProof(2));
        assertEq(uint256(pool.epochs(JS_EPOCH).claimed), A1 + 1, "exactly the total");
    }

    function test_claim_treeBuiltHereMatchesOpenZeppelinLeaves() public {
        bytes32[] memory leaves = new bytes32[](5);
        for (uint256 i; i < 5; ++i) {
            leaves[i] = leafOf(0, address(uint160(0x1000 + i)), (i + 1) * 1e18);
        }
        vm.warp(pool.epochEnd(0));
        vm.prank(distributor);
        pool.commitEpoch(0, merkleRoot(leaves), 15e18);
        for (uint256 i; i < 5; ++i) {
            pool.claim(0, address(uint160(0x1000 + i)), (i + 1) * 1e18, merkleProof(leaves, i));
        }
        assertEq(pool.totalClaimed(), 15e18);
    }

    function test_claim_requiresEligibilityWhenHooked() public {
        MockEligibility hook = new MockEligibility();
        uint256 id = proposeVoted(address(pool), abi.encodeCall(IMiningPool.setEligibility, (address(hook))));
        vm.expectEmit(address(pool));
        emit IMiningPool.EligibilityChanged(address(hook));
        consortium.execute(id);
        commitJsEpoch(A1 + A2 + A3);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotEligible.selector, V1));
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));
        hook.set(V1, true);
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));
        assertEq(token.balanceOf(V1), A1);
    }

    // ------------------------------------------------------------ governance

    function test_setters_governanceOnly() public {
        bytes[3] memory calls = [
            abi.encodeCall(IMiningPool.setDistributor, (alice)),
            abi.encodeCall(IMiningPool.setEligibility, (alice)),
            abi.encodeCall(IMiningPool.setRemote, (EDGE, bytes32(uint256(1)), true))
        ];
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(alice);
            (bool ok, bytes memory ret) = address(pool).call(calls[i]);
            assertFalse(ok);
            assertEq(ret, abi.encodeWithSelector(IMiningPool.MiningPoolOnlyGovernance.selector, alice));
        }
        vm.prank(address(consortium));
        vm.expectRevert(IMiningPool.MiningPoolZeroAddress.selector);
        pool.setDistributor(address(0));
        governCall(address(pool), abi.encodeCall(IMiningPool.setDistributor, (alice)));
        assertEq(pool.distributor(), alice);
    }

    function test_initialize_guards() public {
        MiningPool fresh = new MiningPool(deployer);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotInitializer.selector, alice));
        fresh.initialize(poolParams());
        IMiningPool.InitParams memory p = poolParams();
        p.halvingEpochs = 0;
        vm.startPrank(deployer);
        vm.expectRevert(IMiningPool.MiningPoolInvalidInitParams.selector);
        fresh.initialize(p);
        p = poolParams();
        p.epochDuration = 0;
        vm.expectRevert(IMiningPool.MiningPoolInvalidInitParams.selector);
        fresh.initialize(p);
        p = poolParams();
        p.token = IERC20(address(0));
        vm.expectRevert(IMiningPool.MiningPoolInvalidInitParams.selector);
        fresh.initialize(p);
        fresh.initialize(poolParams());
        vm.expectRevert(IMiningPool.MiningPoolAlreadyInitialized.selector);
        fresh.initialize(poolParams());
        vm.stopPrank();
    }

    function test_initialize_allowsRemotesWithoutAVote() public {
        assertTrue(pool.isRemoteAllowed(EDGE, Message.toBytes32(address(remoteClaims))), "the fixture's edge remote");
        MiningPool fresh = new MiningPool(deployer);
        IMiningPool.InitParams memory p = poolParams();
        bytes32 sender = Message.toBytes32(edgeRewards);
        p.remoteSender = sender;
        p.remoteOrigins = new uint32[](2);
        p.remoteOrigins[0] = EDGE;
        p.remoteOrigins[1] = OTHER;
        vm.expectEmit(address(fresh));
        emit IMiningPool.RemoteChanged(EDGE, sender, true);
        vm.expectEmit(address(fresh));
        emit IMiningPool.RemoteChanged(OTHER, sender, true);
        vm.prank(deployer);
        fresh.initialize(p);
        assertTrue(fresh.isRemoteAllowed(EDGE, sender));
        assertTrue(fresh.isRemoteAllowed(OTHER, sender));
        assertFalse(fresh.isRemoteAllowed(MAIN, sender), "only the listed origins");
        assertFalse(fresh.isRemoteAllowed(EDGE, Message.toBytes32(address(remoteClaims))));
        // Governance still changes them.
        vm.prank(address(consortium));
        fresh.setRemote(OTHER, sender, false);
        assertFalse(fresh.isRemoteAllowed(OTHER, sender));
    }

    function test_initialize_zeroRemoteSenderOnlyWithoutOrigins() public {
        MiningPool fresh = new MiningPool(deployer);
        IMiningPool.InitParams memory p = poolParams();
        p.remoteSender = bytes32(0);
        vm.prank(deployer);
        vm.expectRevert(IMiningPool.MiningPoolInvalidInitParams.selector);
        fresh.initialize(p);
        p.remoteOrigins = new uint32[](0);
        vm.prank(deployer);
        fresh.initialize(p);
        assertFalse(fresh.isRemoteAllowed(EDGE, bytes32(0)));
    }

    // ------------------------------------------------------------ cross-chain

    function allowEdgeRewards() internal {
        governCall(address(pool), abi.encodeCall(IMiningPool.setRemote, (EDGE, Message.toBytes32(edgeRewards), true)));
    }

    /// @dev A message from `sender` on EDGE to the pool, signed by the EDGE validators (metadata, message).
    function signed(uint32 nonce, address sender, bytes memory body)
        internal
        view
        returns (bytes memory, bytes memory)
    {
        bytes memory message = buildMessage(nonce, EDGE, sender, MAIN, address(pool), body);
        return (signWith(message, take(edgeKeys, 3)), message);
    }

    function test_handle_paysClaimProvenOnEdge() public {
        allowEdgeRewards();
        commitJsEpoch(A1 + A2 + A3);
        (meta, msg_) = signed(0, edgeRewards, abi.encode(JS_EPOCH, V2, A2));
        vm.expectEmit(address(pool));
        emit IMiningPool.Claimed(JS_EPOCH, V2, A2, EDGE);
        mailbox.process(meta, msg_);
        assertEq(token.balanceOf(V2), A2);
        assertEq(token.totalSupply(), SUPPLY, "paid from the pool, nothing minted");
        // The same leaf can be taken neither locally nor by a second message.
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, JS_EPOCH, V2, A2));
        pool.claim(JS_EPOCH, V2, A2, jsProof(1));
        (meta, msg_) = signed(1, edgeRewards, abi.encode(JS_EPOCH, V2, A2));
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, JS_EPOCH, V2, A2));
        mailbox.process(meta, msg_);
    }

    function test_handle_localClaimBlocksCrossChainTwin() public {
        allowEdgeRewards();
        commitJsEpoch(A1 + A2 + A3);
        pool.claim(JS_EPOCH, V1, A1, jsProof(0));
        (meta, msg_) = signed(0, edgeRewards, abi.encode(JS_EPOCH, V1, A1));
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, JS_EPOCH, V1, A1));
        mailbox.process(meta, msg_);
    }

    function test_handle_revertsFromUnallowedSender() public {
        allowEdgeRewards();
        commitJsEpoch(A1 + A2 + A3);
        address intruder = makeAddr("edge-intruder");
        (meta, msg_) = signed(0, intruder, abi.encode(JS_EPOCH, V1, A1));
        vm.expectRevert(
            abi.encodeWithSelector(IMiningPool.MiningPoolUnauthorizedRemote.selector, EDGE, Message.toBytes32(intruder))
        );
        mailbox.process(meta, msg_);
        // Disallowing the sender again closes the path.
        governCall(address(pool), abi.encodeCall(IMiningPool.setRemote, (EDGE, Message.toBytes32(edgeRewards), false)));
        (meta, msg_) = signed(1, edgeRewards, abi.encode(JS_EPOCH, V1, A1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMiningPool.MiningPoolUnauthorizedRemote.selector, EDGE, Message.toBytes32(edgeRewards)
            )
        );
        mailbox.process(meta, msg_);
        assertEq(token.balanceOf(V1), 0);
    }

    function test_handle_revertsWhenNotFromMailbox() public {
        allowEdgeRewards();
        commitJsEpoch(A1 + A2 + A3);
        vm.prank(edgeRewards);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotMailbox.selector, edgeRewards));
        pool.handle(EDGE, Message.toBytes32(edgeRewards), abi.encode(JS_EPOCH, V1, A1));
    }

    function test_handle_rejectsMalformedValueAndUncommitted() public {
        allowEdgeRewards();
        bytes32 sender = Message.toBytes32(edgeRewards);
        vm.deal(address(mailbox), 1);
        vm.startPrank(address(mailbox));
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolMalformedBody.selector, 64));
        pool.handle(EDGE, sender, abi.encode(V1, A1));
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolValueNotAccepted.selector, 1));
        pool.handle{value: 1}(EDGE, sender, abi.encode(JS_EPOCH, V1, A1));
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolEpochNotCommitted.selector, JS_EPOCH));
        pool.handle(EDGE, sender, abi.encode(JS_EPOCH, V1, A1));
        vm.stopPrank();
    }
}
