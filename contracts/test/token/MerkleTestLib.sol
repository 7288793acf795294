// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @notice Merkle trees over sorted pairs, the way OpenZeppelin's MerkleProof checks them, for tests and handlers:
///         the standard double-hashed reward leaf, a root and a proof. (The layout differs from
///         StandardMerkleTree's, which is fine: any tree of sorted pairs verifies; MiningPoolTest pins the standard
///         tree's root and proofs separately.)
library MerkleTestLib {
    /// @dev The standard double-hashed leaf, spelled out here rather than taken from the pool.
    function leafOf(uint64 epoch, address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))));
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _nextLevel(level);
        }
        return level[0];
    }

    /// @dev Sibling path of `leaves[index]`; an odd node at the end of a level moves up unpaired (no proof element).
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory p) {
        bytes32[] memory path = new bytes32[](256);
        uint256 depth;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) path[depth++] = level[sibling];
            level = _nextLevel(level);
            index /= 2;
        }
        p = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            p[i] = path[i];
        }
    }

    function _nextLevel(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            uint256 l = 2 * i;
            next[i] = l + 1 < level.length ? Hashes.commutativeKeccak256(level[l], level[l + 1]) : level[l];
        }
    }
}
