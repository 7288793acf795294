// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {Mailbox} from "../../src/xchain/Mailbox.sol";
import {MultisigIsm} from "../../src/xchain/MultisigIsm.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {IInterchainSecurityModule} from "../../src/xchain/interfaces/IInterchainSecurityModule.sol";
import {QuorumHandler} from "./handlers/QuorumHandler.sol";
import {TestRecipient} from "../mocks/Mocks.sol";

/// @notice Invariant: no message is delivered without signatures of at least `threshold` distinct validators of the
///         origin's set current at delivery time, while that set keeps being rotated.
contract QuorumRequiredInvariantTest is Test {
    QuorumHandler internal handler;
    Mailbox internal mailbox;
    MultisigIsm internal ism;
    TestRecipient internal recipient;

    function setUp() public {
        vm.chainId(1000);
        address deployer = makeAddr("deployer");
        mailbox = new Mailbox(deployer);
        ism = new MultisigIsm(deployer);
        recipient = new TestRecipient(address(mailbox));
        handler = new QuorumHandler(IMailbox(address(mailbox)), IMultisigIsm(address(ism)), address(recipient));

        // EDGE starts with ring members 0..4, threshold 3; ring members 5..8 are outsiders for now.
        address[] memory ring = handler.ringAddresses();
        address[] memory initial = new address[](5);
        for (uint256 i; i < 5; ++i) {
            initial[i] = ring[i];
        }
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](1);
        sets[0] = IMultisigIsm.ValidatorSetInit({domain: 2000, validators: initial, threshold: 3});
        vm.startPrank(deployer);
        mailbox.initialize(IInterchainSecurityModule(address(ism)));
        // The handler is governance, on the governance chain (1000), so it can rotate EDGE's set with applyLocal.
        ism.initialize(address(mailbox), 1000, address(handler), sets);
        vm.stopPrank();
        handler.setInitialSet(0x1f, 3);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](3);
        selectors[0] = QuorumHandler.deliver.selector;
        selectors[1] = QuorumHandler.deliver.selector; // deliveries twice as likely as rotations
        selectors[2] = QuorumHandler.rotate.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev The handler's success path works, so the invariants are not vacuous.
    function test_handler_deliversWithQuorumOnly() public {
        handler.deliver(0x07, false, false, false, bytes32(0)); // 3 of 5 validators
        handler.deliver(0x03, false, false, false, bytes32(0)); // 2 of 5: refused
        handler.deliver(0x27, false, false, false, bytes32(0)); // 3 validators and an outsider: refused
        assertEq(handler.deliveryCount(), 1);
        assertEq(recipient.handled(), 1);
    }

    function invariant_everyDeliveryHadQuorum() public view {
        uint256 n = handler.deliveryCount();
        for (uint256 i; i < n; ++i) {
            QuorumHandler.Delivery memory d = handler.deliveryAt(i);
            assertGe(d.validSigners, d.threshold, "delivered with fewer validator signatures than the threshold");
            assertTrue(mailbox.delivered(d.id), "logged delivery not recorded by the Mailbox");
        }
        assertEq(recipient.handled(), n, "a delivery happened outside the handler's log");
    }

    function invariant_ismMatchesGovernanceModel() public view {
        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(2000);
        assertEq(v, handler.ghostValidators(), "EDGE validators differ from the model");
        assertEq(t, handler.ghostThreshold(), "EDGE threshold differs from the model");
        assertEq(ism.validatorSetVersion(2000), handler.ghostVersion(), "EDGE version differs from the model");
    }
}
