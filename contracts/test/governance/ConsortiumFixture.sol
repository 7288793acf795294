// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "../xchain/XchainFixture.sol";
import {Consortium} from "../../src/governance/Consortium.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";

/// @notice A Consortium on MAIN governing MAIN, EDGE and OTHER, with members alice (OEM), bob (REGULATOR) and carol
///         (INSURER), quorum 50 % (2 of 3), voting period 3 days; the Mailbox and ISM of XchainFixture.
abstract contract ConsortiumFixture is XchainFixture {
    Consortium internal consortium;
    address internal alice;
    address internal bob;
    address internal carol;

    uint64 internal constant PERIOD = 3 days;

    function setUpConsortium() internal {
        vm.chainId(MAIN);
        deployer = makeAddr("deployer");
        // The Consortium must exist before the ISM is initialised with it as governance.
        consortium = new Consortium(deployer);
        setUpXchain(MAIN, address(consortium));
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");

        vm.prank(deployer);
        consortium.initialize(initParams());
    }

    function initParams() internal view returns (IConsortium.InitParams memory p) {
        p.members = new IConsortium.InitialMember[](3);
        p.members[0] = initialMember(alice, "Alice Motors", keccak256("OEM"));
        p.members[1] = initialMember(bob, "Road Authority", keccak256("REGULATOR"));
        p.members[2] = initialMember(carol, "Carol Insurance", keccak256("INSURER"));
        p.quorumBps = 5000;
        p.votingPeriod = PERIOD;
        p.mailbox = IMailbox(address(mailbox));
        p.ism = IMultisigIsm(address(ism));
        p.domains = new uint32[](3);
        p.domains[0] = MAIN;
        p.domains[1] = EDGE;
        p.domains[2] = OTHER;
        p.validatorSets = new IMultisigIsm.ValidatorSetInit[](2);
        p.validatorSets[0] = IMultisigIsm.ValidatorSetInit({domain: MAIN, validators: mainValidators, threshold: 2});
        p.validatorSets[1] = IMultisigIsm.ValidatorSetInit({domain: EDGE, validators: edgeValidators, threshold: 3});
    }

    function initialMember(address account, string memory name, bytes32 role)
        internal
        pure
        returns (IConsortium.InitialMember memory m)
    {
        m.account = account;
        m.name = name;
        m.metadataURI = string.concat("ipfs://", name);
        m.roles = new bytes32[](1);
        m.roles[0] = role;
    }

    function one(bytes memory data) internal view returns (address[] memory t, uint256[] memory v, bytes[] memory c) {
        t = new address[](1);
        t[0] = address(consortium);
        v = new uint256[](1);
        c = new bytes[](1);
        c[0] = data;
    }

    function proposeOne(bytes memory data) internal returns (uint256 id) {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = one(data);
        vm.prank(alice);
        id = consortium.propose(t, v, c, "test");
    }

    /// @dev Proposes one self-call, has alice and bob vote yes, and executes it.
    function govern(bytes memory data) internal returns (uint256 id) {
        id = proposeOne(data);
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        consortium.execute(id);
    }
}
