// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Message
/// @notice Wire format of AutoMobile Chain cross-chain messages (docs/cross-chain-messaging.md, section "Wire format").
/// @dev A message is `abi.encodePacked(uint8 version, uint32 nonce, uint32 origin, bytes32 sender,
///      uint32 destination, bytes32 recipient, bytes body)`: a fixed 77-byte header, then the body. Its id is the
///      keccak256 of all its bytes, so any change to any field gives another message. Getters read calldata and
///      assume the caller checked `message.length >= HEADER_LENGTH`; out-of-range slices revert without data.
library Message {
    /// @notice The only wire version this code produces and accepts.
    uint8 internal constant VERSION = 1;
    /// @notice Length of the fixed header that precedes the body.
    uint256 internal constant HEADER_LENGTH = 77;

    uint256 private constant NONCE_OFFSET = 1;
    uint256 private constant ORIGIN_OFFSET = 5;
    uint256 private constant SENDER_OFFSET = 9;
    uint256 private constant DESTINATION_OFFSET = 41;
    uint256 private constant RECIPIENT_OFFSET = 45;

    /// @notice Serialises a message.
    function formatMessage(
        uint8 version_,
        uint32 nonce_,
        uint32 origin_,
        bytes32 sender_,
        uint32 destination_,
        bytes32 recipient_,
        bytes memory body_
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(version_, nonce_, origin_, sender_, destination_, recipient_, body_);
    }

    /// @notice The message id: keccak256 of the whole serialised message.
    function id(bytes memory message) internal pure returns (bytes32) {
        return keccak256(message);
    }

    /// @notice The message id of a message held in calldata (no copy to memory).
    function idCalldata(bytes calldata message) internal pure returns (bytes32 messageId) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, message.offset, message.length)
            messageId := keccak256(ptr, message.length)
        }
    }

    /// @notice The wire version (byte 0).
    function version(bytes calldata message) internal pure returns (uint8) {
        return uint8(bytes1(message[0:NONCE_OFFSET]));
    }

    /// @notice The origin Mailbox's sequence number (bytes 1-4).
    function nonce(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[NONCE_OFFSET:ORIGIN_OFFSET]));
    }

    /// @notice The origin domain (bytes 5-8).
    function origin(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[ORIGIN_OFFSET:SENDER_OFFSET]));
    }

    /// @notice The sender, left-padded (bytes 9-40).
    function sender(bytes calldata message) internal pure returns (bytes32) {
        return bytes32(message[SENDER_OFFSET:DESTINATION_OFFSET]);
    }

    /// @notice The destination domain (bytes 41-44).
    function destination(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[DESTINATION_OFFSET:RECIPIENT_OFFSET]));
    }

    /// @notice The recipient, left-padded (bytes 45-76).
    function recipient(bytes calldata message) internal pure returns (bytes32) {
        return bytes32(message[RECIPIENT_OFFSET:HEADER_LENGTH]);
    }

    /// @notice The recipient field read as an EVM address (its low 20 bytes).
    function recipientAddress(bytes calldata message) internal pure returns (address) {
        return toAddress(recipient(message));
    }

    /// @notice The application payload (bytes 77-).
    function body(bytes calldata message) internal pure returns (bytes calldata) {
        return message[HEADER_LENGTH:];
    }

    /// @notice Left-pads an EVM address to the 32-byte form used in the sender and recipient fields.
    function toBytes32(address account) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }

    /// @notice Truncates a 32-byte sender or recipient field to an EVM address (its low 20 bytes).
    function toAddress(bytes32 account) internal pure returns (address) {
        return address(uint160(uint256(account)));
    }
}
