// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IdentityMessage
/// @notice Bodies of the identity messages the main chain sends to the IdentityMirror of every other chain.
/// @dev A body is the ABI encoding of its kind, as a uint8 in the first 32-byte word, followed by the kind's payload
///      words: `abi.encode(uint8 kind, ...)`. A reader decodes the first word, checks it is a known kind, then the
///      exact length of that kind. Kinds:
///      - 1 `DID_DEACTIVATED`: `abi.encode(uint8(1), bytes32 id)`, 64 bytes; the DID `id` was deactivated on main.
///        Sent by VehicleLifecycle.
///      - 2 `LINKAGE_SEEDS_PUBLISHED`: `abi.encode(uint8(2), uint32 period, uint16 laId1, bytes16 seed1,
///        uint16 laId2, bytes16 seed2)`, 192 bytes; the misbehaviour authority revoked a device by publishing its
///        linkage seeds from SCMS time period `period` on. Sent by V2xTrustStore.
///      Later kinds take the next numbers; a mirror that does not know a kind rejects the message, which then stays
///      undelivered until the mirror learns it.
library IdentityMessage {
    /// @notice Kind of "the DID was deactivated on the main chain".
    uint8 internal constant DID_DEACTIVATED = 1;
    /// @notice Length of a DID_DEACTIVATED body.
    uint256 internal constant DID_DEACTIVATED_LENGTH = 64;
    /// @notice Kind of "linkage seeds were published on the main chain".
    uint8 internal constant LINKAGE_SEEDS_PUBLISHED = 2;
    /// @notice Length of a LINKAGE_SEEDS_PUBLISHED body: six words.
    uint256 internal constant LINKAGE_SEEDS_PUBLISHED_LENGTH = 192;

    /// @notice The body telling that DID `id` was deactivated.
    function didDeactivated(bytes32 id) internal pure returns (bytes memory) {
        return abi.encode(DID_DEACTIVATED, id);
    }

    /// @notice The body telling that linkage seeds were published.
    function linkageSeedsPublished(uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(LINKAGE_SEEDS_PUBLISHED, period, laId1, seed1, laId2, seed2);
    }
}
