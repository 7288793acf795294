// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Test} from "../utils/Test.sol";
import {Mailbox} from "../../src/xchain/Mailbox.sol";
import {MultisigIsm} from "../../src/xchain/MultisigIsm.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {IInterchainSecurityModule} from "../../src/xchain/interfaces/IInterchainSecurityModule.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice Shared setup of the cross-chain tests: one Mailbox and one MultisigIsm standing for the contracts of every
///         chain (they have the same address on every chain, so switching `vm.chainId` switches the chain we are on),
///         with 5 validators (threshold 3) for the origin chain EDGE and 3 (threshold 2) for the main chain MAIN.
abstract contract XchainFixture is Test {
    uint32 internal constant MAIN = 1000;
    uint32 internal constant EDGE = 2000;
    uint32 internal constant OTHER = 3000;

    address internal deployer;
    address internal governance;
    Mailbox internal mailbox;
    MultisigIsm internal ism;

    uint256[] internal edgeKeys; // sorted by address
    address[] internal edgeValidators;
    uint256[] internal mainKeys;
    address[] internal mainValidators;
    uint256[] internal outsiderKeys;

    function setUpXchain(uint32 localDomain, address governance_) internal {
        vm.chainId(localDomain);
        deployer = makeAddr("deployer");
        governance = governance_;
        (edgeKeys, edgeValidators) = makeKeys("edge-validator", 5);
        (mainKeys, mainValidators) = makeKeys("main-validator", 3);
        (outsiderKeys,) = makeKeys("outsider", 3);

        mailbox = new Mailbox(deployer);
        ism = new MultisigIsm(deployer);
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](2);
        sets[0] = IMultisigIsm.ValidatorSetInit({domain: EDGE, validators: edgeValidators, threshold: 3});
        sets[1] = IMultisigIsm.ValidatorSetInit({domain: MAIN, validators: mainValidators, threshold: 2});
        vm.startPrank(deployer);
        mailbox.initialize(IInterchainSecurityModule(address(ism)));
        ism.initialize(address(mailbox), MAIN, governance_, sets);
        vm.stopPrank();
    }

    /// @dev `count` deterministic keys and their addresses, both sorted by address.
    function makeKeys(string memory prefix, uint256 count)
        internal
        returns (uint256[] memory keys, address[] memory addrs)
    {
        keys = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            (, keys[i]) = makeAddrAndKey(string.concat(prefix, "-", Strings.toString(i)));
        }
        keys = sortByAddress(keys);
        addrs = new address[](count);
        for (uint256 i; i < count; ++i) {
            addrs[i] = vm.addr(keys[i]);
        }
    }

    function sortByAddress(uint256[] memory keys) internal pure returns (uint256[] memory sorted) {
        sorted = new uint256[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            sorted[i] = keys[i];
        }
        for (uint256 i = 1; i < sorted.length; ++i) {
            uint256 k = sorted[i];
            uint256 j = i;
            while (j > 0 && vm.addr(sorted[j - 1]) > vm.addr(k)) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = k;
        }
    }

    /// @dev Metadata for `message`: signatures of `keys` in the given order.
    function signWith(bytes memory message, uint256[] memory keys) internal view returns (bytes memory metadata) {
        bytes32 digest = ism.signingDigest(originOf(message), keccak256(message));
        for (uint256 i; i < keys.length; ++i) {
            metadata = bytes.concat(metadata, signPacked(keys[i], digest));
        }
    }

    /// @dev The first `n` keys of `keys`.
    function take(uint256[] memory keys, uint256 n) internal pure returns (uint256[] memory out) {
        out = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = keys[i];
        }
    }

    function originOf(bytes memory message) internal pure returns (uint32 origin_) {
        assembly {
            origin_ := shr(224, mload(add(message, 37)))
        }
    }

    /// @dev A message as the Mailbox on `origin` would have built it.
    function buildMessage(
        uint32 nonce,
        uint32 origin,
        address sender,
        uint32 destination,
        address recipient,
        bytes memory body
    ) internal pure returns (bytes memory) {
        return Message.formatMessage(
            Message.VERSION, nonce, origin, Message.toBytes32(sender), destination, Message.toBytes32(recipient), body
        );
    }
}
