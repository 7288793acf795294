// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../../utils/Test.sol";
import {IMailbox} from "../../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../../src/xchain/interfaces/IMultisigIsm.sol";
import {IMessageRecipient} from "../../../src/xchain/interfaces/IMessageRecipient.sol";
import {Message} from "../../../src/xchain/libs/Message.sol";

/// @notice Recipient that counts deliveries per message body (bodies are unique per message in the pool) and, when
///         armed, tries to re-enter `process` with the message being delivered.
contract CountingRecipient is IMessageRecipient {
    IMailbox public immutable mailbox;
    mapping(bytes32 bodyHash => uint256) public handledCount;
    bytes internal _reMetadata;
    bytes internal _reMessage;
    bool public reenter;
    uint256 public reentrySucceeded;

    constructor(IMailbox mailbox_) {
        mailbox = mailbox_;
    }

    function arm(bytes calldata metadata, bytes calldata message) external {
        _reMetadata = metadata;
        _reMessage = message;
        reenter = true;
    }

    function disarm() external {
        reenter = false;
    }

    function handle(uint32, bytes32, bytes calldata body) external payable {
        require(msg.sender == address(mailbox), "not mailbox");
        ++handledCount[keccak256(body)];
        if (reenter) {
            reenter = false;
            try mailbox.process(_reMetadata, _reMessage) {
                ++reentrySucceeded;
            } catch {}
        }
    }
}

/// @notice Drives the Mailbox with a fixed pool of validly signed messages: first deliveries, replays, replays in the
///         same transaction, re-entrant replays, deliveries with tampered copies.
contract ReplayHandler is Base {
    IMailbox public immutable mailbox;
    CountingRecipient public immutable recipient;
    uint32 public immutable localDomain;

    bytes[] internal _messages;
    bytes[] internal _metadata;

    /// @dev Ghost: successful `process` calls per message id, as seen by the caller.
    mapping(bytes32 id => uint256) public ghostProcessed;
    uint256 public ghostSuccesses;
    uint256 public ghostReplaysRejected;

    constructor(IMailbox mailbox_, CountingRecipient recipient_, uint32 localDomain_) {
        mailbox = mailbox_;
        recipient = recipient_;
        localDomain = localDomain_;
    }

    function addMessage(bytes calldata message, bytes calldata metadata) external {
        _messages.push(message);
        _metadata.push(metadata);
    }

    function poolSize() external view returns (uint256) {
        return _messages.length;
    }

    function messageAt(uint256 i) external view returns (bytes memory) {
        return _messages[i];
    }

    function process(uint256 seed) public {
        uint256 i = bound(seed, 0, _messages.length - 1);
        _process(_metadata[i], _messages[i]);
    }

    function processTwice(uint256 seed) external {
        process(seed);
        process(seed);
    }

    function processReentrant(uint256 seed) external {
        uint256 i = bound(seed, 0, _messages.length - 1);
        recipient.arm(_metadata[i], _messages[i]);
        _process(_metadata[i], _messages[i]);
        recipient.disarm();
    }

    /// @dev A tampered copy (other nonce) with the original signatures: must never be delivered.
    function processTampered(uint256 seed, uint32 nonce) external {
        uint256 i = bound(seed, 0, _messages.length - 1);
        bytes memory m = _messages[i];
        bytes memory tampered = bytes.concat(m);
        assembly {
            // Overwrite the 4-byte nonce at offset 1.
            let p := add(add(tampered, 32), 1)
            mstore(p, or(shl(224, nonce), and(mload(p), not(shl(224, 0xffffffff)))))
        }
        if (keccak256(tampered) == keccak256(m)) return;
        _process(_metadata[i], tampered);
    }

    function _process(bytes memory metadata, bytes memory message) internal {
        vm.chainId(localDomain);
        bytes32 id = keccak256(message);
        bool wasDelivered = mailbox.delivered(id);
        try mailbox.process(metadata, message) {
            ++ghostProcessed[id];
            ++ghostSuccesses;
        } catch {
            if (wasDelivered) ++ghostReplaysRejected;
        }
    }
}
