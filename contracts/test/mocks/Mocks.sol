// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {IMessageRecipient} from "../../src/xchain/interfaces/IMessageRecipient.sol";
import {
    IInterchainSecurityModule,
    ISpecifiesInterchainSecurityModule
} from "../../src/xchain/interfaces/IInterchainSecurityModule.sol";

/// @notice Test recipient: records what it is handed, optionally names its own ISM or reverts.
contract TestRecipient is IMessageRecipient, ISpecifiesInterchainSecurityModule {
    error TestRecipientRejected();

    address public immutable mailbox;
    IInterchainSecurityModule public interchainSecurityModule;
    bool public rejecting;

    uint256 public handled;
    uint32 public lastOrigin;
    bytes32 public lastSender;
    bytes public lastBody;
    uint256 public lastValue;
    mapping(bytes32 bodyHash => uint256) public handledBody;

    constructor(address mailbox_) {
        mailbox = mailbox_;
    }

    function setIsm(IInterchainSecurityModule ism) external {
        interchainSecurityModule = ism;
    }

    function setRejecting(bool rejecting_) external {
        rejecting = rejecting_;
    }

    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        require(msg.sender == mailbox, "not mailbox");
        if (rejecting) revert TestRecipientRejected();
        ++handled;
        ++handledBody[keccak256(body)];
        lastOrigin = origin;
        lastSender = sender;
        lastBody = body;
        lastValue = msg.value;
    }
}

/// @notice A recipient without `interchainSecurityModule()`: the Mailbox must fall back to its default.
contract PlainRecipient is IMessageRecipient {
    uint256 public handled;

    function handle(uint32, bytes32, bytes calldata) external payable {
        ++handled;
    }
}

/// @notice A recipient whose fallback answers every call with a word that is not an address.
contract GarbageIsmRecipient {
    fallback() external payable {
        assembly {
            mstore(0, not(0))
            return(0, 32)
        }
    }
}

/// @notice A recipient that re-enters `process` with the message it is being delivered.
contract ReentrantRecipient is IMessageRecipient {
    IMailbox public immutable mailbox;
    bytes public metadata;
    bytes public message;
    bool public bubble;
    bytes public reentryError;
    uint256 public handled;

    constructor(IMailbox mailbox_) {
        mailbox = mailbox_;
    }

    function arm(bytes calldata metadata_, bytes calldata message_, bool bubble_) external {
        metadata = metadata_;
        message = message_;
        bubble = bubble_;
    }

    function handle(uint32, bytes32, bytes calldata) external payable {
        ++handled;
        try mailbox.process(metadata, message) {
            reentryError = "";
        } catch (bytes memory err) {
            if (bubble) {
                assembly {
                    revert(add(err, 32), mload(err))
                }
            }
            reentryError = err;
        }
    }
}

/// @notice A security module with a fixed answer, or a revert with its own error.
contract MockIsm is IInterchainSecurityModule {
    error MockIsmRejected(bytes metadata);

    bool public accept = true;
    bool public reverting;
    uint256 public calls;

    function configure(bool accept_, bool reverting_) external {
        accept = accept_;
        reverting = reverting_;
    }

    function verify(bytes calldata metadata, bytes calldata) external returns (bool) {
        ++calls;
        if (reverting) revert MockIsmRejected(metadata);
        return accept;
    }
}

/// @notice Target for governance actions that must fail.
contract Reverter {
    error ReverterFailed(uint256 code);

    function fail(uint256 code) external pure {
        revert ReverterFailed(code);
    }
}
