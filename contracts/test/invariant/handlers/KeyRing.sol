// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../../utils/Test.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IMultisigIsm} from "../../../src/xchain/interfaces/IMultisigIsm.sol";

/// @notice A fixed ring of validator keys sorted by address, subsets of it picked by bit mask, and metadata signing.
abstract contract KeyRing is Base {
    uint256[] internal ringKeys; // sorted by address
    address[] internal ringAddrs;

    function _makeRing(string memory prefix, uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            (, uint256 k) = makeAddrAndKey(string.concat(prefix, Strings.toString(i)));
            ringKeys.push(k);
        }
        // Insertion sort by address.
        for (uint256 i = 1; i < n; ++i) {
            uint256 k = ringKeys[i];
            uint256 j = i;
            while (j > 0 && vm.addr(ringKeys[j - 1]) > vm.addr(k)) {
                ringKeys[j] = ringKeys[j - 1];
                --j;
            }
            ringKeys[j] = k;
        }
        for (uint256 i; i < n; ++i) {
            ringAddrs.push(vm.addr(ringKeys[i]));
        }
    }

    /// @dev Ring members selected by `mask`, in ascending address order.
    function _subset(uint256 mask) internal view returns (uint256[] memory keys, address[] memory addrs) {
        uint256 n;
        for (uint256 i; i < ringKeys.length; ++i) {
            if (mask & (1 << i) != 0) ++n;
        }
        keys = new uint256[](n);
        addrs = new address[](n);
        n = 0;
        for (uint256 i; i < ringKeys.length; ++i) {
            if (mask & (1 << i) != 0) {
                keys[n] = ringKeys[i];
                addrs[n++] = ringAddrs[i];
            }
        }
    }

    function _sign(IMultisigIsm ism, uint32 origin, bytes memory message, uint256[] memory keys)
        internal
        view
        returns (bytes memory metadata)
    {
        bytes32 digest = ism.signingDigest(origin, keccak256(message));
        for (uint256 i; i < keys.length; ++i) {
            metadata = bytes.concat(metadata, signPacked(keys[i], digest));
        }
    }

    function ringAddresses() external view returns (address[] memory) {
        return ringAddrs;
    }

    function ringKeyList() external view returns (uint256[] memory) {
        return ringKeys;
    }
}
