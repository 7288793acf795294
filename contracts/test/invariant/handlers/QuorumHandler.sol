// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {KeyRing} from "./KeyRing.sol";
import {IMailbox} from "../../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../../src/xchain/interfaces/IMultisigIsm.sol";
import {Message} from "../../../src/xchain/libs/Message.sol";

/// @notice Delivers EDGE -> MAIN messages signed by random subsets of a key ring (validators and outsiders mixed,
///         sometimes unsorted, sometimes with a garbage signature), while governance (this handler) rotates EDGE's
///         validator set. Logs every successful delivery with the signers that were validators at that moment.
contract QuorumHandler is KeyRing {
    struct Delivery {
        bytes32 id;
        uint256 validSigners;
        uint256 threshold;
    }

    uint32 public constant MAIN = 1000;
    uint32 public constant EDGE = 2000;
    uint256 public constant RING = 9;

    IMailbox public immutable mailbox;
    IMultisigIsm public immutable ism;
    address public immutable recipient;

    // Ghost model of EDGE's validator set; this handler is governance, so the only one changing it.
    mapping(address => bool) internal _ghostIsValidator;
    address[] internal _ghostValidators;
    uint8 public ghostThreshold;
    uint64 public ghostVersion;

    Delivery[] internal _deliveries;
    uint32 internal _nextNonce;

    constructor(IMailbox mailbox_, IMultisigIsm ism_, address recipient_) {
        mailbox = mailbox_;
        ism = ism_;
        recipient = recipient_;
        _makeRing("quorum-ring-", RING);
    }

    /// @dev Called once by the test after the ISM was initialised with `initialMask` / `threshold` as version 1.
    function setInitialSet(uint256 initialMask, uint8 threshold) external {
        (, address[] memory addrs) = _subset(initialMask);
        _setGhost(addrs, threshold, 1);
    }

    function deliver(uint256 signerMask, bool onlyValidators, bool unsorted, bool garbage, bytes32 garbageR) external {
        signerMask = bound(signerMask, 1, (1 << RING) - 1);
        // Half the time drop the outsiders, so that quorum is often reached and deliveries actually happen.
        if (onlyValidators) signerMask &= _ghostMask();
        (uint256[] memory keys, address[] memory signers) = _subset(signerMask);
        bytes memory message = Message.formatMessage(
            Message.VERSION,
            _nextNonce++,
            EDGE,
            Message.toBytes32(address(this)),
            MAIN,
            Message.toBytes32(recipient),
            abi.encode(signerMask)
        );
        if (unsorted && keys.length > 1) {
            (keys[0], keys[keys.length - 1]) = (keys[keys.length - 1], keys[0]);
        }
        bytes memory metadata = _sign(ism, EDGE, message, keys);
        if (garbage) metadata = bytes.concat(metadata, garbageR, garbageR, bytes1(uint8(27)));

        uint256 valid;
        for (uint256 i; i < signers.length; ++i) {
            if (_ghostIsValidator[signers[i]]) ++valid;
        }
        uint256 threshold = ghostThreshold;
        vm.chainId(MAIN);
        try mailbox.process(metadata, message) {
            _deliveries.push(Delivery({id: keccak256(message), validSigners: valid, threshold: threshold}));
        } catch {}
    }

    function rotate(uint256 mask, uint8 threshold) external {
        mask = bound(mask, 1, (1 << RING) - 1);
        (, address[] memory addrs) = _subset(mask);
        threshold = uint8(bound(threshold, 1, addrs.length));
        uint64 version = ghostVersion + 1;
        vm.chainId(MAIN);
        ism.applyLocal(EDGE, addrs, threshold, version);
        _setGhost(addrs, threshold, version);
    }

    function _setGhost(address[] memory addrs, uint8 threshold, uint64 version) internal {
        for (uint256 i; i < _ghostValidators.length; ++i) {
            _ghostIsValidator[_ghostValidators[i]] = false;
        }
        _ghostValidators = addrs;
        for (uint256 i; i < addrs.length; ++i) {
            _ghostIsValidator[addrs[i]] = true;
        }
        ghostThreshold = threshold;
        ghostVersion = version;
    }

    function _ghostMask() internal view returns (uint256 mask) {
        for (uint256 i; i < RING; ++i) {
            if (_ghostIsValidator[ringAddrs[i]]) mask |= 1 << i;
        }
    }

    function deliveryCount() external view returns (uint256) {
        return _deliveries.length;
    }

    function deliveryAt(uint256 i) external view returns (Delivery memory) {
        return _deliveries[i];
    }

    function ghostValidators() external view returns (address[] memory) {
        return _ghostValidators;
    }
}
