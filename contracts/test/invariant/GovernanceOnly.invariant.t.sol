// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {Consortium} from "../../src/governance/Consortium.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {Mailbox} from "../../src/xchain/Mailbox.sol";
import {MultisigIsm} from "../../src/xchain/MultisigIsm.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {IInterchainSecurityModule} from "../../src/xchain/interfaces/IInterchainSecurityModule.sol";
import {GovernanceHandler} from "./handlers/GovernanceHandler.sol";

/// @notice Invariant: only governance changes validator sets. The ISMs of MAIN and EDGE always hold exactly the sets
///         of a model updated only by executed proposals (and, on EDGE, by relaying their messages).
contract GovernanceOnlyInvariantTest is Test {
    uint32 internal constant MAIN = 1000;
    uint32 internal constant EDGE = 2000;
    uint32 internal constant OTHER = 3000;

    GovernanceHandler internal handler;
    Consortium internal consortium;
    Mailbox internal mailbox;
    Mailbox internal mailboxEdge;
    MultisigIsm internal ismMain;
    MultisigIsm internal ismEdge;

    function setUp() public {
        vm.chainId(MAIN);
        address deployer = makeAddr("deployer");
        consortium = new Consortium(deployer);
        mailbox = new Mailbox(deployer);
        mailboxEdge = new Mailbox(deployer);
        ismMain = new MultisigIsm(deployer);
        ismEdge = new MultisigIsm(deployer);
        address[] memory members = new address[](3);
        members[0] = makeAddr("alice");
        members[1] = makeAddr("bob");
        members[2] = makeAddr("carol");
        handler = new GovernanceHandler(
            IConsortium(address(consortium)),
            IMailbox(address(mailbox)),
            IMailbox(address(mailboxEdge)),
            IMultisigIsm(address(ismMain)),
            IMultisigIsm(address(ismEdge)),
            members
        );

        // Initial sets over the handler's key ring: MAIN = ring 0..2, EDGE = ring 3..5, OTHER = ring 5..7.
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](3);
        sets[0] = _initSet(MAIN, 0x07, 2);
        sets[1] = _initSet(EDGE, 0x38, 2);
        sets[2] = _initSet(OTHER, 0xe0, 2);

        IConsortium.InitParams memory p;
        p.members = new IConsortium.InitialMember[](3);
        for (uint256 i; i < 3; ++i) {
            p.members[i].account = members[i];
            p.members[i].name = "member";
        }
        p.quorumBps = 5000;
        p.votingPeriod = 1 days;
        p.mailbox = IMailbox(address(mailbox));
        p.ism = IMultisigIsm(address(ismMain));
        p.domains = new uint32[](3);
        (p.domains[0], p.domains[1], p.domains[2]) = (MAIN, EDGE, OTHER);
        p.validatorSets = sets;

        vm.startPrank(deployer);
        mailbox.initialize(IInterchainSecurityModule(address(ismMain)));
        ismMain.initialize(address(mailbox), MAIN, address(consortium), sets);
        mailboxEdge.initialize(IInterchainSecurityModule(address(ismEdge)));
        ismEdge.initialize(address(mailboxEdge), MAIN, address(consortium), sets);
        consortium.initialize(p);
        vm.stopPrank();
        handler.setInitial(MAIN, 0x07, 2);
        handler.setInitial(EDGE, 0x38, 2);
        handler.setInitial(OTHER, 0xe0, 2);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = GovernanceHandler.governUpdate.selector;
        selectors[1] = GovernanceHandler.relay.selector;
        selectors[2] = GovernanceHandler.attackSetValidatorSet.selector;
        selectors[3] = GovernanceHandler.attackApplyLocal.selector;
        selectors[4] = GovernanceHandler.attackHandle.selector;
        selectors[5] = GovernanceHandler.attackForgedMessage.selector;
        selectors[6] = GovernanceHandler.attackWithoutQuorum.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _initSet(uint32 domain, uint256 mask, uint8 threshold)
        internal
        view
        returns (IMultisigIsm.ValidatorSetInit memory s)
    {
        address[] memory ring = handler.ringAddresses();
        uint256 n;
        for (uint256 i; i < ring.length; ++i) {
            if (mask & (1 << i) != 0) ++n;
        }
        s.validators = new address[](n);
        n = 0;
        for (uint256 i; i < ring.length; ++i) {
            if (mask & (1 << i) != 0) s.validators[n++] = ring[i];
        }
        s.domain = domain;
        s.threshold = threshold;
    }

    /// @dev The legitimate path works end to end, so the invariants are not vacuous.
    function test_handler_governAndRelay() public {
        handler.governUpdate(1, 0x03, 1); // EDGE := ring 0..1, threshold 1
        handler.relay(0);
        (,, uint64 vMain) = handler.ghostMain(EDGE);
        (,, uint64 vEdge) = handler.ghostEdge(EDGE);
        assertEq(vMain, 2);
        assertEq(vEdge, 2);
        assertEq(ismEdge.validatorSetVersion(EDGE), 2);
        assertEq(handler.relayed(), 1);
    }

    function invariant_onlyGovernanceChangesSets() public view {
        assertEq(handler.attacksSucceeded(), 0, "an unauthorised validator set change succeeded");
        uint32[3] memory domains = [MAIN, EDGE, OTHER];
        for (uint256 i; i < 3; ++i) {
            uint32 d = domains[i];
            (address[] memory gv, uint8 gt, uint64 gver) = handler.ghostMain(d);
            (address[] memory v, uint8 t) = ismMain.validatorsAndThreshold(d);
            assertEq(v, gv, "MAIN ISM validators differ from governance model");
            assertEq(t, gt, "MAIN ISM threshold differs from governance model");
            assertEq(ismMain.validatorSetVersion(d), gver, "MAIN ISM version differs from governance model");
            (address[] memory cv, uint8 ct, uint64 cver) = consortium.validatorSet(d);
            assertEq(cv, gv, "Consortium validators differ from governance model");
            assertEq(ct, gt, "Consortium threshold differs");
            assertEq(cver, gver, "Consortium version differs");

            (gv, gt, gver) = handler.ghostEdge(d);
            (v, t) = ismEdge.validatorsAndThreshold(d);
            assertEq(v, gv, "EDGE ISM validators differ from relayed governance model");
            assertEq(t, gt, "EDGE ISM threshold differs from relayed governance model");
            assertEq(ismEdge.validatorSetVersion(d), gver, "EDGE ISM version differs from relayed governance model");
        }
    }
}
