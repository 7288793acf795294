// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ConsortiumFixture} from "./ConsortiumFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {Consortium} from "../../src/governance/Consortium.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {Message} from "../../src/xchain/libs/Message.sol";
import {Reverter} from "../mocks/Mocks.sol";

contract ConsortiumTest is ConsortiumFixture {
    function setUp() public {
        setUpConsortium();
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsMembersRolesAndParameters() public view {
        assertEq(consortium.memberCount(), 3);
        address[] memory m = consortium.members();
        assertEq(m[0], alice);
        assertEq(m[2], carol);
        assertTrue(consortium.isMember(bob));
        IConsortium.Member memory a = consortium.member(alice);
        assertEq(a.name, "Alice Motors");
        assertEq(a.metadataURI, "ipfs://Alice Motors");
        assertTrue(a.active);
        assertEq(a.joinedAt, block.timestamp);
        assertTrue(consortium.hasRole(consortium.OEM(), alice));
        assertFalse(consortium.hasRole(consortium.OEM(), bob));
        assertEq(consortium.rolesOf(bob).length, 1);
        assertEq(consortium.quorumBps(), 5000);
        assertEq(consortium.votingPeriod(), PERIOD);
        assertEq(address(consortium.mailbox()), address(mailbox));
        assertEq(address(consortium.ism()), address(ism));
        assertEq(consortium.domains().length, 3);
        assertTrue(consortium.isDomain(OTHER));
        (address[] memory v, uint8 t, uint64 version) = consortium.validatorSet(EDGE);
        assertEq(v, edgeValidators);
        assertEq(t, 3);
        assertEq(version, 1);
        (,, version) = consortium.validatorSet(OTHER);
        assertEq(version, 0, "no set for OTHER yet");
    }

    function test_initialize_revertsWhenNotInitializer() public {
        Consortium fresh = new Consortium(deployer);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotInitializer.selector, address(this)));
        fresh.initialize(initParams());
    }

    function test_initialize_revertsWhenAlreadyInitialized() public {
        IConsortium.InitParams memory p = initParams();
        vm.prank(deployer);
        vm.expectRevert(IConsortium.ConsortiumAlreadyInitialized.selector);
        consortium.initialize(p);
    }

    function test_initialize_revertsWithoutMembers() public {
        Consortium fresh = new Consortium(deployer);
        IConsortium.InitParams memory p = initParams();
        p.members = new IConsortium.InitialMember[](0);
        vm.prank(deployer);
        vm.expectRevert(IConsortium.ConsortiumInvalidInitParams.selector);
        fresh.initialize(p);
    }

    function test_initialize_revertsOnSetForUnknownDomain() public {
        Consortium fresh = new Consortium(deployer);
        IConsortium.InitParams memory p = initParams();
        p.validatorSets[1].domain = 4000;
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownDomain.selector, 4000));
        fresh.initialize(p);
    }

    function test_roleConstants_areKeccakOfNames() public view {
        assertEq(consortium.OEM(), keccak256("OEM"));
        assertEq(consortium.SUPPLIER(), keccak256("SUPPLIER"));
        assertEq(consortium.RSU_OPERATOR(), keccak256("RSU_OPERATOR"));
        assertEq(consortium.REGULATOR(), keccak256("REGULATOR"));
        assertEq(consortium.INSURER(), keccak256("INSURER"));
        assertEq(consortium.BANK(), keccak256("BANK"));
        assertEq(consortium.ENERGY(), keccak256("ENERGY"));
        assertEq(consortium.CERTIFICATE_AUTHORITY(), keccak256("CERTIFICATE_AUTHORITY"));
        assertEq(consortium.VALIDATOR_OPERATOR(), keccak256("VALIDATOR_OPERATOR"));
        assertEq(consortium.MOBILITY_PROVIDER(), keccak256("MOBILITY_PROVIDER"));
    }

    // ------------------------------------------------------------ proposals

    function test_propose_createsProposalWithSnapshotQuorum() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            one(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.expectEmit(address(consortium));
        emit IConsortium.ProposalCreated(1, alice, t, v, c, "shorter votes", uint64(block.timestamp) + PERIOD);
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "shorter votes");
        assertEq(id, 1);
        assertEq(consortium.proposalCount(), 1);
        IConsortium.ProposalInfo memory p = consortium.proposal(id);
        assertEq(p.proposer, alice);
        assertEq(p.quorum, 2, "ceil(3 * 5000 / 10000)");
        assertEq(p.deadline, block.timestamp + PERIOD);
        assertEq(p.descriptionHash, keccak256("shorter votes"));
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Active));
        (address[] memory t2,, bytes[] memory c2) = consortium.proposalActions(id);
        assertEq(t2, t);
        assertEq(c2[0], c[0]);
    }

    function test_propose_quorumSnapshotIgnoresLaterMembers() public {
        uint256 first = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.startPrank(address(consortium));
        consortium.addMember(makeAddr("dave"), "Dave", "");
        consortium.addMember(makeAddr("erin"), "Erin", "");
        vm.stopPrank();
        uint256 second = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (2 days)));
        assertEq(consortium.proposal(first).quorum, 2);
        assertEq(consortium.proposal(second).quorum, 3, "ceil(5 * 5000 / 10000)");
    }

    function test_propose_revertsForNonMember() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            one(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        address outsider = makeAddr("outsider");
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotMember.selector, outsider));
        consortium.propose(t, v, c, "");
    }

    function test_propose_revertsOnLengthMismatch() public {
        (address[] memory t,, bytes[] memory c) = one(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidProposal.selector, 1, 0, 1));
        consortium.propose(t, new uint256[](0), c, "");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidProposal.selector, 0, 0, 0));
        consortium.propose(new address[](0), new uint256[](0), new bytes[](0), "");
    }

    function testFuzz_propose_quorum(uint8 extraMembers, uint16 bps) public {
        extraMembers = uint8(bound(extraMembers, 0, 30));
        bps = uint16(bound(bps, 1, 10_000));
        vm.startPrank(address(consortium));
        for (uint256 i; i < extraMembers; ++i) {
            consortium.addMember(address(uint160(0x1000 + i)), "m", "");
        }
        consortium.setQuorumBps(bps);
        vm.stopPrank();
        uint256 n = 3 + uint256(extraMembers);
        uint256 expected = (n * bps + 9999) / 10_000;
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        assertEq(consortium.proposal(id).quorum, expected == 0 ? 1 : expected, "ceil(n * bps / 10000), min 1");
        assertGe(consortium.proposal(id).quorum, 1);
    }

    function test_vote_countsAndEmits() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.expectEmit(address(consortium));
        emit IConsortium.VoteCast(id, alice, true, 1, 0);
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(carol);
        consortium.vote(id, false);
        IConsortium.ProposalInfo memory p = consortium.proposal(id);
        assertEq(p.yesVotes, 1);
        assertEq(p.noVotes, 1);
        assertTrue(consortium.hasVoted(id, carol));
        assertFalse(consortium.hasVoted(id, bob));
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Active));
        vm.prank(bob);
        consortium.vote(id, true);
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Succeeded));
    }

    function test_vote_revertsOnDoubleVote() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumAlreadyVoted.selector, id, alice));
        consortium.vote(id, false);
    }

    function test_vote_revertsForNonMember() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        address outsider = makeAddr("outsider");
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotMember.selector, outsider));
        consortium.vote(id, true);
    }

    function test_vote_revertsAfterDeadline() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.warp(block.timestamp + PERIOD);
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Expired));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumProposalNotActive.selector, id, IConsortium.ProposalState.Expired
            )
        );
        consortium.vote(id, true);
    }

    function test_vote_revertsOnUnknownProposal() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IConsortium.ConsortiumProposalNotActive.selector, 7, IConsortium.ProposalState.None)
        );
        consortium.vote(7, true);
    }

    function test_execute_runsActionsAndEmits() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        vm.expectEmit(address(consortium));
        emit IConsortium.ProposalExecuted(id);
        vm.prank(makeAddr("anyone"));
        consortium.execute(id);
        assertEq(consortium.votingPeriod(), 1 days);
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Executed));
        assertTrue(consortium.proposal(id).executed);
    }

    function test_execute_revertsBeforeQuorum() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumProposalNotSucceeded.selector, id, IConsortium.ProposalState.Active
            )
        );
        consortium.execute(id);
    }

    function test_execute_revertsWhenExpired() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        vm.warp(block.timestamp + PERIOD);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumProposalNotSucceeded.selector, id, IConsortium.ProposalState.Expired
            )
        );
        consortium.execute(id);
    }

    function test_execute_revertsWhenAlreadyExecuted() public {
        uint256 id = govern(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumProposalNotSucceeded.selector, id, IConsortium.ProposalState.Executed
            )
        );
        consortium.execute(id);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumProposalNotActive.selector, id, IConsortium.ProposalState.Executed
            )
        );
        consortium.vote(id, true);
    }

    function test_execute_bubblesFailure() public {
        Reverter reverter = new Reverter();
        address[] memory t = new address[](2);
        t[0] = address(consortium);
        t[1] = address(reverter);
        uint256[] memory v = new uint256[](2);
        bytes[] memory c = new bytes[](2);
        c[0] = abi.encodeCall(IConsortium.setVotingPeriod, (1 days));
        c[1] = abi.encodeCall(Reverter.fail, (42));
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "second action fails");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumExecutionFailed.selector,
                id,
                1,
                abi.encodeWithSelector(Reverter.ReverterFailed.selector, 42)
            )
        );
        consortium.execute(id);
        assertEq(consortium.votingPeriod(), PERIOD, "first action rolled back");
        assertEq(uint256(consortium.state(id)), uint256(IConsortium.ProposalState.Succeeded), "still executable");
    }

    function test_execute_bubblesGovernanceFunctionError() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setQuorumBps, (0)));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsortium.ConsortiumExecutionFailed.selector,
                id,
                0,
                abi.encodeWithSelector(IConsortium.ConsortiumInvalidQuorum.selector, 0)
            )
        );
        consortium.execute(id);
    }

    function test_execute_sendsValue() public {
        address payee = makeAddr("payee");
        address[] memory t = new address[](1);
        t[0] = payee;
        uint256[] memory v = new uint256[](1);
        v[0] = 1 ether;
        bytes[] memory c = new bytes[](1);
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "pay");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        vm.deal(address(this), 1 ether);
        consortium.execute{value: 1 ether}(id);
        assertEq(payee.balance, 1 ether);
    }

    function test_state_none() public view {
        assertEq(uint256(consortium.state(0)), uint256(IConsortium.ProposalState.None));
        assertEq(uint256(consortium.state(1)), uint256(IConsortium.ProposalState.None));
    }

    // ------------------------------------------------------------ governance-only functions

    function test_governanceFunctions_revertWhenNotGovernance() public {
        address[] memory v = new address[](1);
        v[0] = alice;
        bytes[] memory calls = new bytes[](10);
        calls[0] = abi.encodeCall(IConsortium.addMember, (bob, "x", "y"));
        calls[1] = abi.encodeCall(IConsortium.removeMember, (bob));
        calls[2] = abi.encodeCall(IConsortium.updateMemberMetadata, (bob, "x", "y"));
        calls[3] = abi.encodeCall(IConsortium.grantRole, (keccak256("BANK"), bob));
        calls[4] = abi.encodeCall(IConsortium.revokeRole, (keccak256("REGULATOR"), bob));
        calls[5] = abi.encodeCall(IConsortium.setQuorumBps, (1));
        calls[6] = abi.encodeCall(IConsortium.setVotingPeriod, (1));
        calls[7] = abi.encodeCall(IConsortium.addDomain, (4000));
        calls[8] = abi.encodeCall(IConsortium.setValidatorSet, (EDGE, v, 1));
        calls[9] = abi.encodeCall(IConsortium.setValidatorSet, (MAIN, v, 1));
        for (uint256 i; i < calls.length; ++i) {
            // Members, even all of them, cannot bypass a proposal.
            vm.prank(alice);
            (bool ok, bytes memory ret) = address(consortium).call(calls[i]);
            assertFalse(ok, "governance-only");
            assertEq(ret, abi.encodeWithSelector(IConsortium.ConsortiumOnlyGovernance.selector, alice));
        }
    }

    function test_addMember_viaProposal() public {
        address dave = makeAddr("dave");
        uint256 id = proposeOne(abi.encodeCall(IConsortium.addMember, (dave, "Dave Charging", "https://dave.example")));
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(carol);
        consortium.vote(id, true);
        vm.expectEmit(address(consortium));
        emit IConsortium.MemberAdded(dave, "Dave Charging", "https://dave.example");
        consortium.execute(id);
        assertTrue(consortium.isMember(dave));
        assertEq(consortium.memberCount(), 4);
    }

    function test_addMember_revertsOnExistingOrZero() public {
        vm.startPrank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumAlreadyMember.selector, bob));
        consortium.addMember(bob, "", "");
        vm.expectRevert(IConsortium.ConsortiumZeroAddress.selector);
        consortium.addMember(address(0), "", "");
        vm.stopPrank();
    }

    function test_removeMember_revokesAllRoles() public {
        vm.startPrank(address(consortium));
        consortium.grantRole(keccak256("BANK"), bob);
        consortium.grantRole(keccak256("ENERGY"), bob);
        vm.stopPrank();
        assertEq(consortium.rolesOf(bob).length, 3);

        govern(abi.encodeCall(IConsortium.removeMember, (bob)));

        assertFalse(consortium.isMember(bob));
        assertEq(consortium.rolesOf(bob).length, 0, "all roles revoked");
        assertFalse(consortium.hasRole(keccak256("REGULATOR"), bob));
        assertFalse(consortium.member(bob).active, "record kept, inactive");
        assertEq(consortium.member(bob).name, "Road Authority");
        assertEq(consortium.memberCount(), 2);
    }

    function test_removeMember_revertsOnLastMember() public {
        vm.startPrank(address(consortium));
        consortium.removeMember(bob);
        consortium.removeMember(carol);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumLastMember.selector, alice));
        consortium.removeMember(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotMember.selector, bob));
        consortium.removeMember(bob);
        vm.stopPrank();
    }

    function test_removedMember_cannotVote() public {
        uint256 id = proposeOne(abi.encodeCall(IConsortium.setVotingPeriod, (1 days)));
        vm.prank(address(consortium));
        consortium.removeMember(carol);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotMember.selector, carol));
        consortium.vote(id, true);
    }

    function test_updateMemberMetadata_updatesRecord() public {
        vm.expectEmit(address(consortium));
        emit IConsortium.MemberUpdated(carol, "Carol Re", "ipfs://new");
        vm.prank(address(consortium));
        consortium.updateMemberMetadata(carol, "Carol Re", "ipfs://new");
        assertEq(consortium.member(carol).name, "Carol Re");
        assertEq(consortium.member(carol).metadataURI, "ipfs://new");
    }

    function test_grantRole_revertsForNonMember() public {
        address outsider = makeAddr("outsider");
        vm.prank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotMember.selector, outsider));
        consortium.grantRole(keccak256("BANK"), outsider);
    }

    function testFuzz_grantRole(bytes32 role) public {
        vm.prank(address(consortium));
        consortium.grantRole(role, carol);
        assertTrue(consortium.hasRole(role, carol));
        vm.prank(address(consortium));
        consortium.revokeRole(role, carol);
        assertFalse(consortium.hasRole(role, carol));
    }

    function test_revokeRole_emitsOnlyWhenHeld() public {
        vm.recordLogs();
        vm.startPrank(address(consortium));
        consortium.revokeRole(keccak256("BANK"), carol);
        consortium.revokeRole(keccak256("INSURER"), carol);
        vm.stopPrank();
        assertEq(vm.getRecordedLogs().length, 1);
        assertFalse(consortium.hasRole(keccak256("INSURER"), carol));
    }

    function test_setQuorumBps_bounds() public {
        vm.startPrank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidQuorum.selector, 0));
        consortium.setQuorumBps(0);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidQuorum.selector, 10_001));
        consortium.setQuorumBps(10_001);
        consortium.setQuorumBps(10_000);
        vm.stopPrank();
        assertEq(consortium.quorumBps(), 10_000);
    }

    function test_setVotingPeriod_revertsOnZero() public {
        vm.prank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidVotingPeriod.selector, 0));
        consortium.setVotingPeriod(0);
    }

    function test_addDomain_addsAndRejectsDuplicates() public {
        vm.startPrank(address(consortium));
        consortium.addDomain(4000);
        assertTrue(consortium.isDomain(4000));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidDomain.selector, 4000));
        consortium.addDomain(4000);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidDomain.selector, 0));
        consortium.addDomain(0);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ validator sets

    function test_setValidatorSet_appliesLocallyAndDispatchesToEveryOtherDomain() public {
        (, address[] memory fresh) = makeKeys("edge-v2", 4);
        bytes memory body = abi.encode(EDGE, fresh, uint8(3), uint64(2));
        vm.recordLogs();
        govern(abi.encodeCall(IConsortium.setValidatorSet, (EDGE, fresh, 3)));

        // Local ISM updated at once.
        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, fresh, "local ISM updated");
        assertEq(t, 3);
        assertEq(ism.validatorSetVersion(EDGE), 2);
        (,, uint64 version) = consortium.validatorSet(EDGE);
        assertEq(version, 2, "version bumped");

        // One message per other domain (EDGE and OTHER, not MAIN), to the ISM address.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 dispatched;
        bool toEdge;
        bool toOther;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(mailbox) || logs[i].topics[0] != IMailbox.Dispatched.selector) continue;
            uint32 destination = checkUpdateMessage(logs[i], uint32(dispatched++), body);
            if (destination == EDGE) toEdge = true;
            if (destination == OTHER) toOther = true;
        }
        assertEq(dispatched, 2, "every other domain");
        assertTrue(toEdge && toOther);
    }

    /// @dev Checks one Dispatched log of a validator set update and returns its destination.
    function checkUpdateMessage(Vm.Log memory log, uint32 nonce, bytes memory body) internal view returns (uint32) {
        assertEq(log.topics[1], Message.toBytes32(address(consortium)), "sender is governance");
        assertEq(log.topics[3], Message.toBytes32(address(ism)), "recipient is the ISM");
        uint32 destination = uint32(uint256(log.topics[2]));
        assertTrue(destination != MAIN, "not dispatched to the local domain");
        (,, bytes memory message) = abi.decode(log.data, (bytes32, uint32, bytes));
        assertEq(
            message, buildMessage(nonce, MAIN, address(consortium), destination, address(ism), body), "wire message"
        );
        return destination;
    }

    function test_setValidatorSet_isAppliedOnRemoteChain() public {
        // Both chains start from the same deployed state (same addresses, same initial sets).
        uint256 remoteGenesis = vm.snapshotState();
        (uint256[] memory freshKeys, address[] memory fresh) = makeKeys("edge-v2", 4);

        vm.recordLogs();
        govern(abi.encodeCall(IConsortium.setValidatorSet, (EDGE, fresh, 2)));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory toEdge;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(mailbox) && uint256(logs[i].topics[2]) == EDGE) {
                (,, toEdge) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
            }
        }
        // MAIN validators sign the update, as the relayer would collect.
        bytes memory metadata = signWith(toEdge, take(mainKeys, 2));

        // Now be chain EDGE: same addresses, its own state.
        vm.revertToState(remoteGenesis);
        vm.chainId(EDGE);
        assertEq(ism.validatorSetVersion(EDGE), 1);
        mailbox.process(metadata, toEdge);
        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, fresh, "remote ISM learnt the new set");
        assertEq(t, 2);
        assertEq(ism.validatorSetVersion(EDGE), 2);

        // And EDGE messages signed by the new validators are now accepted on EDGE's peers.
        bytes memory m = buildMessage(0, EDGE, alice, EDGE, address(ism), "");
        assertTrue(ism.verify(signWith(m, take(freshKeys, 2)), m));
    }

    function test_setValidatorSet_revertsOnUnknownDomain() public {
        vm.prank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownDomain.selector, 4000));
        consortium.setValidatorSet(4000, mainValidators, 1);
    }

    function test_setValidatorSet_revertsOnInvalidSet() public {
        address[] memory v = new address[](2);
        v[0] = alice;
        vm.startPrank(address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidValidator.selector, 1, address(0)));
        consortium.setValidatorSet(EDGE, v, 1);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidValidatorSet.selector, 2, 3));
        consortium.setValidatorSet(EDGE, v, 3);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidValidatorSet.selector, 0, 1));
        consortium.setValidatorSet(EDGE, new address[](0), 1);
        vm.stopPrank();
    }

    function test_setValidatorSet_forNewDomain() public {
        vm.startPrank(address(consortium));
        consortium.addDomain(4000);
        consortium.setValidatorSet(4000, mainValidators, 2);
        vm.stopPrank();
        (,, uint64 version) = consortium.validatorSet(4000);
        assertEq(version, 1, "first set of a new domain is version 1");
        assertEq(ism.validatorSetVersion(4000), 1);
    }
}
