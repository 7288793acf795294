// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {TokenFixture, MockEligibility} from "./TokenFixture.sol";
import {RemoteRewardClaims} from "../../src/token/RemoteRewardClaims.sol";
import {IRemoteRewardClaims} from "../../src/token/IRemoteRewardClaims.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice Reward claims of an edge chain: roots committed by the distributor once per epoch, a proof sends a leaf
///         once, and the whole path — proven on EDGE, dispatched through the Mailbox, signed by EDGE's validators,
///         processed on MAIN — has the MiningPool pay exactly once, sharing the claimed flag with local claims.
/// @dev One Mailbox stands for every chain (XchainFixture): `vm.chainId` says which chain we are on.
contract RemoteRewardClaimsTest is TokenFixture {
    uint64 internal constant EPOCH = 2;
    uint256 internal constant N = 5;

    bytes32[] internal leaves;
    address[N] internal accounts;
    uint256[N] internal amounts;
    uint256 internal total;

    function setUp() public {
        setUpToken();
        for (uint256 i; i < N; ++i) {
            accounts[i] = makeAddr(string.concat("miner-", Strings.toString(i)));
            amounts[i] = (i + 1) * 10e18;
            total += amounts[i];
            leaves.push(leafOf(EPOCH, accounts[i], amounts[i]));
        }
    }

    function root() internal view returns (bytes32) {
        return merkleRoot(leaves);
    }

    function proofOf(uint256 i) internal view returns (bytes32[] memory) {
        return merkleProof(leaves, i);
    }

    /// @dev The distributor commits the epoch on EDGE's claim point (we are on EDGE afterwards).
    function commitOnEdge() internal {
        vm.chainId(EDGE);
        vm.prank(distributor);
        remoteClaims.commitRoot(EPOCH, root());
    }

    /// @dev The distributor commits the same epoch to the pool on MAIN (we are on MAIN afterwards).
    function commitOnMain() internal {
        vm.chainId(MAIN);
        vm.warp(pool.epochEnd(EPOCH));
        vm.prank(distributor);
        pool.commitEpoch(EPOCH, root(), total);
    }

    /// @dev The message EDGE's Mailbox builds for claim `i` with nonce `nonce`.
    function claimMessage(uint32 nonce, uint256 i) internal view returns (bytes memory) {
        return buildMessage(
            nonce, EDGE, address(remoteClaims), MAIN, address(pool), abi.encode(EPOCH, accounts[i], amounts[i])
        );
    }

    /// @dev Claims leaf `i` on EDGE and returns the message with EDGE's validator signatures.
    function claimOnEdge(uint256 i) internal returns (bytes memory metadata, bytes memory message) {
        vm.chainId(EDGE);
        message = claimMessage(mailbox.nonce(), i);
        bytes32 id = remoteClaims.claim(EPOCH, accounts[i], amounts[i], proofOf(i));
        assertEq(id, keccak256(message), "the message id of the expected message");
        metadata = signWith(message, take(edgeKeys, 3));
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(remoteClaims.initializer(), deployer);
        assertEq(remoteClaims.mailbox(), address(mailbox));
        assertEq(uint256(remoteClaims.mainDomain()), MAIN);
        assertEq(remoteClaims.miningPool(), address(pool));
        assertEq(remoteClaims.distributor(), distributor);
    }

    function test_initialize_guards() public {
        RemoteRewardClaims fresh = new RemoteRewardClaims(deployer);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsNotInitializer.selector, alice));
        fresh.initialize(address(mailbox), MAIN, address(pool), distributor);
        vm.startPrank(deployer);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsInvalidInitParams.selector);
        fresh.initialize(address(0), MAIN, address(pool), distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsInvalidInitParams.selector);
        fresh.initialize(address(mailbox), 0, address(pool), distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(0), distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(pool), address(0));
        vm.expectEmit(address(fresh));
        emit IRemoteRewardClaims.Initialized(address(mailbox), MAIN, address(pool));
        vm.expectEmit(address(fresh));
        emit IRemoteRewardClaims.DistributorChanged(distributor);
        fresh.initialize(address(mailbox), MAIN, address(pool), distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsAlreadyInitialized.selector);
        fresh.initialize(address(mailbox), MAIN, address(pool), distributor);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ roots

    function test_commitRoot_onlyDistributorOncePerEpoch() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsNotDistributor.selector, alice));
        remoteClaims.commitRoot(EPOCH, root());
        vm.startPrank(distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsZeroRoot.selector);
        remoteClaims.commitRoot(EPOCH, bytes32(0));
        vm.expectEmit(address(remoteClaims));
        emit IRemoteRewardClaims.RootCommitted(EPOCH, root());
        remoteClaims.commitRoot(EPOCH, root());
        vm.expectRevert(
            abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsEpochAlreadyCommitted.selector, EPOCH)
        );
        remoteClaims.commitRoot(EPOCH, keccak256("another root"));
        vm.stopPrank();
        assertEq(remoteClaims.root(EPOCH), root());
        assertEq(remoteClaims.root(EPOCH + 1), bytes32(0));
    }

    function test_setDistributor_byTheDistributor() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsNotDistributor.selector, alice));
        remoteClaims.setDistributor(alice);
        vm.startPrank(distributor);
        vm.expectRevert(IRemoteRewardClaims.RemoteRewardClaimsZeroAddress.selector);
        remoteClaims.setDistributor(address(0));
        vm.expectEmit(address(remoteClaims));
        emit IRemoteRewardClaims.DistributorChanged(alice);
        remoteClaims.setDistributor(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsNotDistributor.selector, distributor)
        );
        remoteClaims.commitRoot(EPOCH, root());
        vm.stopPrank();
        vm.prank(alice);
        remoteClaims.commitRoot(EPOCH, root());
    }

    // ------------------------------------------------------------ claims on the edge

    function test_claim_proofSendsOnce() public {
        commitOnEdge();
        bytes memory message = claimMessage(mailbox.nonce(), 1);
        assertEq(remoteClaims.leaf(EPOCH, accounts[1], amounts[1]), leaves[1], "the pool's leaf");
        vm.expectEmit(address(mailbox));
        emit IMailbox.Dispatched(
            address(remoteClaims), MAIN, Message.toBytes32(address(pool)), keccak256(message), mailbox.nonce(), message
        );
        vm.expectEmit(address(remoteClaims));
        emit IRemoteRewardClaims.ClaimSent(EPOCH, accounts[1], amounts[1], keccak256(message));
        vm.prank(carol); // anyone may submit; the tokens go to the account on main
        remoteClaims.claim(EPOCH, accounts[1], amounts[1], proofOf(1));
        assertTrue(remoteClaims.isSent(EPOCH, accounts[1], amounts[1]));
        assertFalse(remoteClaims.isSent(EPOCH, accounts[2], amounts[2]));

        vm.expectRevert(
            abi.encodeWithSelector(
                IRemoteRewardClaims.RemoteRewardClaimsAlreadySent.selector, EPOCH, accounts[1], amounts[1]
            )
        );
        remoteClaims.claim(EPOCH, accounts[1], amounts[1], proofOf(1));
        assertEq(token.balanceOf(address(remoteClaims)), 0, "holds nothing");
    }

    function test_claim_wrongProofOrUncommittedEpochReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsEpochNotCommitted.selector, EPOCH));
        remoteClaims.claim(EPOCH, accounts[0], amounts[0], proofOf(0));
        commitOnEdge();
        vm.expectRevert(
            abi.encodeWithSelector(
                IRemoteRewardClaims.RemoteRewardClaimsInvalidProof.selector, EPOCH, accounts[0], amounts[0]
            )
        );
        remoteClaims.claim(EPOCH, accounts[0], amounts[0], proofOf(1)); // another leaf's proof
        vm.expectRevert(
            abi.encodeWithSelector(
                IRemoteRewardClaims.RemoteRewardClaimsInvalidProof.selector, EPOCH, accounts[0], amounts[0] + 1
            )
        );
        remoteClaims.claim(EPOCH, accounts[0], amounts[0] + 1, proofOf(0)); // inflated amount
        vm.expectRevert(
            abi.encodeWithSelector(
                IRemoteRewardClaims.RemoteRewardClaimsInvalidProof.selector, EPOCH, accounts[1], amounts[0]
            )
        );
        remoteClaims.claim(EPOCH, accounts[1], amounts[0], proofOf(0)); // someone else's reward
        vm.expectRevert(
            abi.encodeWithSelector(IRemoteRewardClaims.RemoteRewardClaimsEpochNotCommitted.selector, EPOCH + 1)
        );
        remoteClaims.claim(EPOCH + 1, accounts[0], amounts[0], proofOf(0));
        assertEq(uint256(mailbox.nonce()), 0, "nothing dispatched");
    }

    /// @dev Value goes to the Mailbox as a fee; today's Mailbox refuses it, so the claim rolls back and nothing is
    ///      locked here.
    function test_claim_forwardsValueToMailbox() public {
        commitOnEdge();
        vm.deal(carol, 1 ether);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxValueNotAccepted.selector, 1 wei));
        remoteClaims.claim{value: 1 wei}(EPOCH, accounts[0], amounts[0], proofOf(0));
        assertFalse(remoteClaims.isSent(EPOCH, accounts[0], amounts[0]), "rolled back");
        assertEq(address(remoteClaims).balance, 0);
    }

    // ------------------------------------------------------------ end to end

    /// @dev Proven on EDGE, relayed with EDGE's validator signatures through the real Mailbox and MultisigIsm, paid by
    ///      the pool on MAIN exactly once: neither a local claim nor a replay takes the leaf again.
    function test_claim_paidOnMainThroughMailboxOnce() public {
        commitOnMain();
        commitOnEdge();
        (bytes memory metadata, bytes memory message) = claimOnEdge(3);

        vm.chainId(MAIN);
        vm.expectEmit(address(pool));
        emit IMiningPool.Claimed(EPOCH, accounts[3], amounts[3], EDGE);
        mailbox.process(metadata, message);
        assertEq(token.balanceOf(accounts[3]), amounts[3]);
        assertTrue(pool.isClaimed(EPOCH, accounts[3], amounts[3]));
        assertEq(uint256(pool.epochs(EPOCH).claimed), amounts[3]);
        assertEq(token.totalSupply(), SUPPLY, "paid from the pool, nothing minted");

        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, keccak256(message)));
        mailbox.process(metadata, message);
        vm.expectRevert(
            abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, EPOCH, accounts[3], amounts[3])
        );
        pool.claim(EPOCH, accounts[3], amounts[3], proofOf(3));
        assertEq(token.balanceOf(accounts[3]), amounts[3], "paid once");
    }

    /// @dev A leaf claimed on MAIN first: the edge does not know and sends it, but MAIN refuses the message.
    function test_claim_localClaimOnMainBlocksTheRemoteOne() public {
        commitOnMain();
        pool.claim(EPOCH, accounts[0], amounts[0], proofOf(0));
        commitOnEdge();
        (bytes memory metadata, bytes memory message) = claimOnEdge(0);

        vm.chainId(MAIN);
        vm.expectRevert(
            abi.encodeWithSelector(IMiningPool.MiningPoolAlreadyClaimed.selector, EPOCH, accounts[0], amounts[0])
        );
        mailbox.process(metadata, message);
        assertEq(token.balanceOf(accounts[0]), amounts[0], "paid once");
        assertFalse(mailbox.delivered(keccak256(message)));
    }

    /// @dev A claim sent before main commits the epoch, or while the account is not eligible, waits in main's
    ///      Mailbox and is delivered once main allows it.
    function test_claim_refusedMessageCanBeDeliveredLater() public {
        MockEligibility hook = new MockEligibility();
        vm.prank(address(consortium));
        pool.setEligibility(address(hook));
        commitOnEdge();
        (bytes memory metadata, bytes memory message) = claimOnEdge(4);

        vm.chainId(MAIN);
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolEpochNotCommitted.selector, EPOCH));
        mailbox.process(metadata, message);
        commitOnMain();
        vm.expectRevert(abi.encodeWithSelector(IMiningPool.MiningPoolNotEligible.selector, accounts[4]));
        mailbox.process(metadata, message);
        hook.set(accounts[4], true);
        mailbox.process(metadata, message);
        assertEq(token.balanceOf(accounts[4]), amounts[4]);
    }

    /// @dev A claim point at another address on EDGE is not the allowed sender: main refuses its messages.
    function test_claim_fromAnotherContractIsRefusedOnMain() public {
        RemoteRewardClaims rogue = new RemoteRewardClaims(deployer);
        vm.prank(deployer);
        rogue.initialize(address(mailbox), MAIN, address(pool), alice);
        commitOnMain();
        vm.chainId(EDGE);
        vm.prank(alice);
        rogue.commitRoot(EPOCH, root());
        bytes memory message = buildMessage(
            mailbox.nonce(), EDGE, address(rogue), MAIN, address(pool), abi.encode(EPOCH, accounts[0], amounts[0])
        );
        rogue.claim(EPOCH, accounts[0], amounts[0], proofOf(0));
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.chainId(MAIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMiningPool.MiningPoolUnauthorizedRemote.selector, EDGE, Message.toBytes32(address(rogue))
            )
        );
        mailbox.process(metadata, message);
    }

    /// @dev Every leaf, each claimed on EDGE or on MAIN at random: the pool pays each exactly once and the epoch
    ///      exactly its total.
    function testFuzz_claim_everyLeafPaidOnceWhicheverSide(uint8 sides) public {
        commitOnMain();
        commitOnEdge();
        for (uint256 i; i < N; ++i) {
            if ((sides >> i) & 1 == 1) {
                (bytes memory metadata, bytes memory message) = claimOnEdge(i);
                vm.chainId(MAIN);
                mailbox.process(metadata, message);
            } else {
                vm.chainId(MAIN);
                pool.claim(EPOCH, accounts[i], amounts[i], proofOf(i));
            }
            assertEq(token.balanceOf(accounts[i]), amounts[i]);
        }
        assertEq(uint256(pool.epochs(EPOCH).claimed), total);
        assertEq(pool.totalClaimed(), total);
    }
}
