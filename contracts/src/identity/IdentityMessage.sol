// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IdentityMessage
/// @notice Bodies of the identity messages the main chain sends to the IdentityMirror of every other chain.
/// @dev A body is the ABI encoding of its kind, as a uint8 in the first 32-byte word, followed by the kind's payload
///      words: `abi.encode(uint8 kind, ...)`. A reader decodes the first word, checks it is a known kind, then the
///      exact length of that kind. Kinds:
///      - 1 `DID_DEACTIVATED`: `abi.encode(uint8(1), bytes32 id)`, 64 bytes; the DID `id` was deactivated on main.
///      Later kinds (revocation seeds of the V2X PKI, ...) take the next numbers; a mirror that does not know a kind
///      rejects the message, which then stays undelivered until the mirror learns it.
library IdentityMessage {
    /// @notice Kind of "the DID was deactivated on the main chain".
    uint8 internal constant DID_DEACTIVATED = 1;
    /// @notice Length of a DID_DEACTIVATED body.
    uint256 internal constant DID_DEACTIVATED_LENGTH = 64;

    /// @notice The body telling that DID `id` was deactivated.
    function didDeactivated(bytes32 id) internal pure returns (bytes memory) {
        return abi.encode(DID_DEACTIVATED, id);
    }
}
