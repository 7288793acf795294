// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice Exposes the calldata getters of library Message.
contract MessageReader {
    struct Fields {
        uint8 version;
        uint32 nonce;
        uint32 origin;
        bytes32 sender;
        uint32 destination;
        bytes32 recipient;
        address recipientAddress;
    }

    function header(bytes calldata m) external pure returns (Fields memory f) {
        f.version = Message.version(m);
        f.nonce = Message.nonce(m);
        f.origin = Message.origin(m);
        f.sender = Message.sender(m);
        f.destination = Message.destination(m);
        f.recipient = Message.recipient(m);
        f.recipientAddress = Message.recipientAddress(m);
    }

    function bodyAndId(bytes calldata m) external pure returns (bytes memory, bytes32) {
        return (Message.body(m), Message.idCalldata(m));
    }
}

contract MessageTest is Test {
    MessageReader internal reader = new MessageReader();

    function test_formatMessage_matchesSpecLayout() public pure {
        bytes memory m = Message.formatMessage(
            1, 0x01020304, 0x0a0b0c0d, bytes32(uint256(0xaa)), 0x11121314, bytes32(uint256(0xbb)), hex"c0ffee"
        );
        assertEq(
            m,
            abi.encodePacked(
                hex"01",
                hex"01020304",
                hex"0a0b0c0d",
                bytes32(uint256(0xaa)),
                hex"11121314",
                bytes32(uint256(0xbb)),
                hex"c0ffee"
            )
        );
        assertEq(m.length, Message.HEADER_LENGTH + 3);
    }

    /// @dev The test vector of docs/cross-chain-messaging.md (computed there with viem's encodePacked/keccak256).
    function test_formatMessage_matchesSpecVector() public pure {
        bytes memory m = Message.formatMessage(
            1, 7, 71000, Message.toBytes32(address(0xa1)), 71101, Message.toBytes32(address(0xb2)), "hello"
        );
        assertEq(
            m,
            hex"01000000070001155800000000000000000000000000000000000000000000000000000000000000a1000115bd"
            hex"00000000000000000000000000000000000000000000000000000000000000b268656c6c6f"
        );
        assertEq(Message.id(m), 0x3e02acff5cc7508c0438c2afae2d95cb73d84401ad41365599e2a07865493d85);
    }

    function test_toBytes32_roundTrips() public pure {
        address a = address(0x1234567890AbcdEF1234567890aBcdef12345678);
        assertEq(Message.toBytes32(a), bytes32(uint256(uint160(a))));
        assertEq(Message.toAddress(Message.toBytes32(a)), a);
    }

    function testFuzz_formatMessage(
        uint8 version,
        uint32 nonce,
        uint32 origin,
        bytes32 sender,
        uint32 destination,
        bytes32 recipient,
        bytes calldata body
    ) public view {
        bytes memory m = Message.formatMessage(version, nonce, origin, sender, destination, recipient, body);
        MessageReader.Fields memory f = reader.header(m);
        assertEq(f.version, version, "version");
        assertEq(f.nonce, nonce, "nonce");
        assertEq(f.origin, origin, "origin");
        assertEq(f.sender, sender, "sender");
        assertEq(f.destination, destination, "destination");
        assertEq(f.recipient, recipient, "recipient");
        assertEq(f.recipientAddress, address(uint160(uint256(recipient))), "recipient address");
        (bytes memory b, bytes32 id) = reader.bodyAndId(m);
        assertEq(b, body, "body");
        assertEq(id, keccak256(m), "id");
        assertEq(id, Message.id(m), "id memory");
    }
}
