// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "./XchainFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {Mailbox} from "../../src/xchain/Mailbox.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {IInterchainSecurityModule} from "../../src/xchain/interfaces/IInterchainSecurityModule.sol";
import {Message} from "../../src/xchain/libs/Message.sol";
import {TestRecipient, PlainRecipient, GarbageIsmRecipient, ReentrantRecipient, MockIsm} from "../mocks/Mocks.sol";

contract MailboxTest is XchainFixture {
    TestRecipient internal recipient;
    address internal sender;

    function setUp() public {
        setUpXchain(MAIN, makeAddr("governance"));
        recipient = new TestRecipient(address(mailbox));
        sender = makeAddr("sender");
    }

    /// @dev A message from EDGE to the recipient on MAIN, and metadata signed by `n` EDGE validators.
    function inbound(uint32 nonce, bytes memory body, uint256 n)
        internal
        view
        returns (bytes memory message, bytes memory metadata)
    {
        message = buildMessage(nonce, EDGE, sender, MAIN, address(recipient), body);
        metadata = signWith(message, take(edgeKeys, n));
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsDefaultIsm() public view {
        assertEq(address(mailbox.defaultIsm()), address(ism));
        assertEq(mailbox.initializer(), deployer);
        assertEq(mailbox.localDomain(), MAIN);
        assertEq(mailbox.nonce(), 0);
    }

    function test_initialize_revertsWhenNotInitializer() public {
        Mailbox fresh = new Mailbox(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxNotInitializer.selector, address(this)));
        fresh.initialize(IInterchainSecurityModule(address(ism)));
    }

    function test_initialize_revertsWhenAlreadyInitialized() public {
        vm.prank(deployer);
        vm.expectRevert(IMailbox.MailboxAlreadyInitialized.selector);
        mailbox.initialize(IInterchainSecurityModule(address(ism)));
    }

    function test_initialize_revertsOnZeroIsm() public {
        Mailbox fresh = new Mailbox(deployer);
        vm.prank(deployer);
        vm.expectRevert(IMailbox.MailboxZeroDefaultIsm.selector);
        fresh.initialize(IInterchainSecurityModule(address(0)));
    }

    function test_initialize_revertsWhenChainIdTooLarge() public {
        Mailbox fresh = new Mailbox(deployer);
        vm.chainId(uint256(type(uint32).max) + 1);
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxChainIdTooLarge.selector, uint256(type(uint32).max) + 1));
        fresh.initialize(IInterchainSecurityModule(address(ism)));
    }

    function test_initCode_isTheSameOnEveryChain() public {
        // The CREATE2 address depends only on the init code, which holds nothing chain-specific.
        bytes memory initCode = abi.encodePacked(type(Mailbox).creationCode, abi.encode(deployer));
        vm.chainId(EDGE);
        bytes memory initCodeOnEdge = abi.encodePacked(type(Mailbox).creationCode, abi.encode(deployer));
        assertEq(keccak256(initCode), keccak256(initCodeOnEdge));
    }

    // ------------------------------------------------------------ dispatch

    function test_dispatch_formatsMessageAndEmits() public {
        bytes memory body = "hello edge";
        bytes32 to = Message.toBytes32(address(0xBEEF));
        bytes memory expected = buildMessage(0, MAIN, sender, EDGE, address(0xBEEF), body);

        vm.expectEmit(address(mailbox));
        emit IMailbox.Dispatched(sender, EDGE, to, keccak256(expected), 0, expected);
        vm.prank(sender);
        bytes32 id = mailbox.dispatch(EDGE, to, body);

        assertEq(id, keccak256(expected), "id is keccak256 of the message");
        assertEq(expected.length, 77 + body.length, "77-byte header");
        assertEq(mailbox.nonce(), 1, "nonce incremented");
    }

    function test_dispatch_incrementsNonce() public {
        vm.recordLogs();
        for (uint32 i; i < 3; ++i) {
            vm.prank(sender);
            mailbox.dispatch(EDGE, bytes32(uint256(1)), "x");
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 3);
        for (uint256 i; i < 3; ++i) {
            (, uint32 n, bytes memory message) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
            assertEq(n, i, "sequential nonces");
            assertEq(keccak256(message), keccak256(buildMessage(uint32(i), MAIN, sender, EDGE, address(1), "x")));
        }
        assertEq(mailbox.nonce(), 3);
    }

    function test_dispatch_acceptsMaxBody() public {
        vm.prank(sender);
        mailbox.dispatch(EDGE, bytes32(uint256(1)), new bytes(64 * 1024));
        assertEq(mailbox.nonce(), 1);
    }

    function test_dispatch_revertsWhenBodyTooLarge() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxBodyTooLarge.selector, 64 * 1024 + 1, 64 * 1024));
        mailbox.dispatch(EDGE, bytes32(uint256(1)), new bytes(64 * 1024 + 1));
    }

    function test_dispatch_revertsWithValue() public {
        vm.deal(sender, 1 ether);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxValueNotAccepted.selector, 1));
        mailbox.dispatch{value: 1}(EDGE, bytes32(uint256(1)), "x");
    }

    function test_dispatch_revertsWhenNotInitialized() public {
        Mailbox fresh = new Mailbox(deployer);
        vm.expectRevert(IMailbox.MailboxNotInitialized.selector);
        fresh.dispatch(EDGE, bytes32(uint256(1)), "x");
    }

    function testFuzz_dispatch(uint32 destination, bytes32 to, bytes calldata body, uint8 before) public {
        before = uint8(bound(before, 0, 5));
        for (uint256 i; i < before; ++i) {
            mailbox.dispatch(destination, to, "");
        }
        vm.prank(sender);
        bytes32 id = mailbox.dispatch(destination, to, body);
        bytes memory expected =
            Message.formatMessage(Message.VERSION, before, MAIN, Message.toBytes32(sender), destination, to, body);
        assertEq(id, keccak256(expected), "id");
        assertEq(mailbox.nonce(), uint256(before) + 1, "nonce");
    }

    function test_dispatch_toLocalDomainIsProcessable() public {
        vm.prank(sender);
        bytes32 id = mailbox.dispatch(MAIN, Message.toBytes32(address(recipient)), "loopback");
        bytes memory message = buildMessage(0, MAIN, sender, MAIN, address(recipient), "loopback");
        mailbox.process(signWith(message, take(mainKeys, 2)), message);
        assertTrue(mailbox.delivered(id));
        assertEq(recipient.lastOrigin(), MAIN);
    }

    // ------------------------------------------------------------ process

    function test_process_deliversMessage() public {
        (bytes memory message, bytes memory metadata) = inbound(7, "payload", 3);
        bytes32 id = keccak256(message);
        address relayer = makeAddr("relayer");
        vm.roll(42);

        vm.expectEmit(address(mailbox));
        emit IMailbox.Processed(EDGE, Message.toBytes32(sender), address(recipient), id);
        vm.prank(relayer);
        mailbox.process(metadata, message);

        assertEq(recipient.handled(), 1);
        assertEq(recipient.lastOrigin(), EDGE);
        assertEq(recipient.lastSender(), Message.toBytes32(sender));
        assertEq(recipient.lastBody(), bytes("payload"));
        assertTrue(mailbox.delivered(id), "delivered");
        assertEq(mailbox.processedAt(id), 42, "block recorded");
        assertEq(mailbox.processor(id), relayer, "processor recorded");
    }

    function test_process_forwardsValue() public {
        (bytes memory message, bytes memory metadata) = inbound(0, "paid", 3);
        vm.deal(address(this), 1 ether);
        mailbox.process{value: 0.5 ether}(metadata, message);
        assertEq(recipient.lastValue(), 0.5 ether);
        assertEq(address(recipient).balance, 0.5 ether);
    }

    function test_process_crossChainRoundTrip() public {
        // Dispatch on EDGE, then deliver on MAIN with the same Mailbox (same address on both chains).
        vm.chainId(EDGE);
        vm.recordLogs();
        vm.prank(sender);
        bytes32 id = mailbox.dispatch(MAIN, Message.toBytes32(address(recipient)), "round trip");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (,, bytes memory message) = abi.decode(logs[0].data, (bytes32, uint32, bytes));

        vm.chainId(MAIN);
        mailbox.process(signWith(message, take(edgeKeys, 3)), message);
        assertTrue(mailbox.delivered(id));
        assertEq(recipient.lastOrigin(), EDGE);
        assertEq(recipient.lastBody(), bytes("round trip"));
    }

    function test_process_revertsWhenMessageTooShort() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxMessageTooShort.selector, 76));
        mailbox.process("", new bytes(76));
    }

    function test_process_revertsOnWrongVersion() public {
        (bytes memory message, bytes memory metadata) = inbound(0, "v2", 3);
        message[0] = bytes1(uint8(2));
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxWrongVersion.selector, 2));
        mailbox.process(metadata, message);
    }

    function test_process_revertsOnWrongDestination() public {
        bytes memory message = buildMessage(0, EDGE, sender, OTHER, address(recipient), "elsewhere");
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxWrongDestination.selector, OTHER, MAIN));
        mailbox.process(metadata, message);
    }

    function test_process_revertsOnReplay() public {
        (bytes memory message, bytes memory metadata) = inbound(0, "once", 3);
        mailbox.process(metadata, message);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, keccak256(message)));
        mailbox.process(metadata, message);
        assertEq(recipient.handled(), 1);
    }

    function test_process_revertsWhenRecipientNotContract() public {
        address eoa = makeAddr("eoa");
        bytes memory message = buildMessage(0, EDGE, sender, MAIN, eoa, "to nobody");
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxRecipientNotContract.selector, eoa));
        mailbox.process(metadata, message);
    }

    function test_process_revertsWhenNotInitialized() public {
        Mailbox fresh = new Mailbox(deployer);
        (bytes memory message, bytes memory metadata) = inbound(0, "x", 3);
        vm.expectRevert(IMailbox.MailboxNotInitialized.selector);
        fresh.process(metadata, message);
    }

    function test_process_bubblesIsmErrorWhenUnderSigned() public {
        (bytes memory message, bytes memory metadata) = inbound(0, "weak", 2);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInsufficientSignatures.selector, 2, 3));
        mailbox.process(metadata, message);
        assertFalse(mailbox.delivered(keccak256(message)), "not delivered after a failed verification");
    }

    function test_process_bubblesIsmErrorOnForgedSigner() public {
        bytes memory message = buildMessage(0, EDGE, sender, MAIN, address(recipient), "forged");
        uint256[] memory keys = new uint256[](3);
        keys[0] = edgeKeys[0];
        keys[1] = edgeKeys[1];
        keys[2] = outsiderKeys[0];
        bytes memory metadata = signWith(message, sortByAddress(keys));
        vm.expectRevert(
            abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignerNotValidator.selector, vm.addr(outsiderKeys[0]))
        );
        mailbox.process(metadata, message);
    }

    function test_process_revertsWhenIsmReturnsFalse() public {
        MockIsm mock = new MockIsm();
        mock.configure(false, false);
        recipient.setIsm(mock);
        (bytes memory message,) = inbound(0, "no", 0);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxVerificationFailed.selector, keccak256(message)));
        mailbox.process("", message);
    }

    function test_process_usesRecipientIsm() public {
        MockIsm mock = new MockIsm();
        recipient.setIsm(mock);
        (bytes memory message,) = inbound(0, "custom ism", 0);
        mailbox.process("anything", message);
        assertEq(mock.calls(), 1, "recipient ISM consulted");
        assertEq(recipient.handled(), 1);
    }

    function test_process_bubblesRecipientIsmCustomError() public {
        MockIsm mock = new MockIsm();
        mock.configure(true, true);
        recipient.setIsm(mock);
        (bytes memory message,) = inbound(0, "x", 0);
        vm.expectRevert(abi.encodeWithSelector(MockIsm.MockIsmRejected.selector, bytes("proof")));
        mailbox.process("proof", message);
    }

    function test_process_recipientRevertAllowsRetry() public {
        (bytes memory message, bytes memory metadata) = inbound(0, "retry", 3);
        recipient.setRejecting(true);
        vm.expectRevert(TestRecipient.TestRecipientRejected.selector);
        mailbox.process(metadata, message);
        assertFalse(mailbox.delivered(keccak256(message)), "rolled back");

        recipient.setRejecting(false);
        mailbox.process(metadata, message);
        assertTrue(mailbox.delivered(keccak256(message)));
    }

    function test_process_reentrancyWithSameMessageFails() public {
        ReentrantRecipient r = new ReentrantRecipient(mailbox);
        bytes memory message = buildMessage(0, EDGE, sender, MAIN, address(r), "reenter");
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        r.arm(metadata, message, false);

        mailbox.process(metadata, message);
        assertEq(r.handled(), 1, "handled once");
        assertEq(
            r.reentryError(),
            abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, keccak256(message)),
            "re-entry refused"
        );
    }

    function test_process_reentrancyBubblingRevertsWholeDelivery() public {
        ReentrantRecipient r = new ReentrantRecipient(mailbox);
        bytes memory message = buildMessage(0, EDGE, sender, MAIN, address(r), "reenter");
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        r.arm(metadata, message, true);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, keccak256(message)));
        mailbox.process(metadata, message);
    }

    function testFuzz_process_rejectsAnyTamperedByte(uint256 index, uint8 flip) public {
        (bytes memory message, bytes memory metadata) = inbound(3, "tamper-proof body", 3);
        index = bound(index, 0, message.length - 1);
        flip = uint8(bound(flip, 1, 255));
        message[index] = bytes1(uint8(message[index]) ^ flip);
        // Depending on the byte, a header check or the ISM refuses; the message is never delivered.
        vm.expectRevert();
        mailbox.process(metadata, message);
    }

    // ------------------------------------------------------------ recipientIsm

    function test_recipientIsm_defaultWhenNotSpecified() public {
        PlainRecipient plain = new PlainRecipient();
        assertEq(address(mailbox.recipientIsm(address(plain))), address(ism));
        assertEq(address(mailbox.recipientIsm(address(recipient))), address(ism), "zero means default");
        assertEq(address(mailbox.recipientIsm(makeAddr("eoa"))), address(ism), "EOA");
        GarbageIsmRecipient garbage = new GarbageIsmRecipient();
        assertEq(address(mailbox.recipientIsm(address(garbage))), address(ism), "non-address word");
    }

    function test_recipientIsm_specifiedByRecipient() public {
        MockIsm mock = new MockIsm();
        recipient.setIsm(mock);
        assertEq(address(mailbox.recipientIsm(address(recipient))), address(mock));
    }
}
