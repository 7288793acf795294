// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "../xchain/XchainFixture.sol";
import {Message} from "../../src/xchain/libs/Message.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {ReplayHandler, CountingRecipient} from "./handlers/ReplayHandler.sol";

/// @notice Invariant: a message is processed at most once, whatever mix of deliveries, replays, same-transaction
///         replays, re-entrant replays and tampered copies a relayer (or attacker) sends.
contract MessageOnceInvariantTest is XchainFixture {
    ReplayHandler internal handler;
    CountingRecipient internal recipient;

    uint256 internal constant POOL = 12;

    function setUp() public {
        setUpXchain(MAIN, makeAddr("governance"));
        recipient = new CountingRecipient(IMailbox(address(mailbox)));
        handler = new ReplayHandler(IMailbox(address(mailbox)), recipient, MAIN);
        for (uint256 i; i < POOL; ++i) {
            bytes memory message = buildMessage(
                uint32(i), EDGE, makeAddr("sender"), MAIN, address(recipient), abi.encodePacked("msg-", bytes32(i))
            );
            handler.addMessage(message, signWith(message, take(edgeKeys, 3)));
        }

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = ReplayHandler.process.selector;
        selectors[1] = ReplayHandler.processTwice.selector;
        selectors[2] = ReplayHandler.processReentrant.selector;
        selectors[3] = ReplayHandler.processTampered.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_messageHandledAtMostOnce() public view {
        for (uint256 i; i < POOL; ++i) {
            bytes memory message = handler.messageAt(i);
            bytes32 id = keccak256(message);
            uint256 handled = recipient.handledCount(keccak256(abi.encodePacked("msg-", bytes32(i))));
            assertLe(handled, 1, "recipient handled a message more than once");
            assertLe(handler.ghostProcessed(id), 1, "process succeeded twice for one id");
            assertEq(mailbox.delivered(id), handled == 1, "delivered flag matches the single delivery");
        }
        assertEq(recipient.reentrySucceeded(), 0, "a re-entrant process of the same message succeeded");
        assertLe(handler.ghostSuccesses(), POOL, "more deliveries than messages");
    }
}
