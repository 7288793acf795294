// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "./XchainFixture.sol";
import {MessageInbox} from "../../src/xchain/MessageInbox.sol";
import {IMessageInbox} from "../../src/xchain/interfaces/IMessageInbox.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

contract MessageInboxTest is XchainFixture {
    MessageInbox internal inbox;
    address internal sender;

    function setUp() public {
        setUpXchain(MAIN, makeAddr("governance"));
        sender = makeAddr("sender");
        inbox = new MessageInbox(deployer);
        vm.prank(deployer);
        inbox.initialize(address(mailbox));
    }

    function test_initialize_setsMailbox() public view {
        assertEq(inbox.mailbox(), address(mailbox));
        assertEq(inbox.initializer(), deployer);
    }

    function test_initialize_revertsWhenNotInitializer() public {
        MessageInbox fresh = new MessageInbox(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMessageInbox.MessageInboxNotInitializer.selector, address(this)));
        fresh.initialize(address(mailbox));
    }

    function test_initialize_revertsWhenAlreadyInitialized() public {
        vm.prank(deployer);
        vm.expectRevert(IMessageInbox.MessageInboxAlreadyInitialized.selector);
        inbox.initialize(address(mailbox));
    }

    function test_initialize_revertsOnZeroMailbox() public {
        MessageInbox fresh = new MessageInbox(deployer);
        vm.prank(deployer);
        vm.expectRevert(IMessageInbox.MessageInboxZeroMailbox.selector);
        fresh.initialize(address(0));
    }

    function test_handle_recordsMessageFromMailbox() public {
        bytes memory message = buildMessage(0, EDGE, sender, MAIN, address(inbox), "ping");
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.roll(9);
        vm.expectEmit(address(inbox));
        emit IMessageInbox.MessageReceived(EDGE, Message.toBytes32(sender), "ping");
        mailbox.process(metadata, message);
        assertEq(inbox.received(), 1);
        assertEq(inbox.receivedFrom(EDGE), 1);
        assertEq(inbox.receivedFrom(MAIN), 0);
        assertEq(inbox.lastReceivedBlock(), 9);
    }

    function test_handle_revertsWhenNotMailbox() public {
        vm.expectRevert(abi.encodeWithSelector(IMessageInbox.MessageInboxNotMailbox.selector, address(this)));
        inbox.handle(EDGE, bytes32(0), "spoof");
    }

    function test_record_emitsWithLocalDomain() public {
        vm.expectEmit(address(inbox));
        emit IMessageInbox.MessageReceived(MAIN, Message.toBytes32(sender), "direct");
        vm.prank(sender);
        inbox.record("direct");
        assertEq(inbox.received(), 1);
        assertEq(inbox.receivedFrom(MAIN), 1);
    }
}
