// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IIdentityMirror} from "./IIdentityMirror.sol";
import {IMessageRecipient} from "../xchain/interfaces/IMessageRecipient.sol";
import {IdentityMessage} from "./IdentityMessage.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title IdentityMirror
/// @notice Receives identity events from the main chain through the Mailbox and keeps what edge chains need to know
///         locally (see IIdentityMirror).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so it has the same address
///      on every chain and VehicleLifecycle can address all mirrors with one recipient value.
contract IdentityMirror is IIdentityMirror {
    /// @inheritdoc IIdentityMirror
    address public immutable initializer;

    /// @inheritdoc IIdentityMirror
    address public mailbox;
    /// @inheritdoc IIdentityMirror
    uint32 public mainDomain;
    /// @inheritdoc IIdentityMirror
    address public lifecycle;

    /// @inheritdoc IIdentityMirror
    mapping(bytes32 id => bool) public isDeactivated;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IIdentityMirror
    function initialize(address mailbox_, uint32 mainDomain_, address lifecycle_) external {
        if (msg.sender != initializer) revert IdentityMirrorNotInitializer(msg.sender);
        if (mailbox != address(0)) revert IdentityMirrorAlreadyInitialized();
        if (mailbox_ == address(0) || mainDomain_ == 0 || lifecycle_ == address(0)) {
            revert IdentityMirrorInvalidInitParams();
        }
        mailbox = mailbox_;
        mainDomain = mainDomain_;
        lifecycle = lifecycle_;
        emit Initialized(mailbox_, mainDomain_, lifecycle_);
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        // Before initialisation `mailbox` is zero, so nobody passes this check.
        if (msg.sender != mailbox || msg.sender == address(0)) revert IdentityMirrorNotMailbox(msg.sender);
        if (msg.value != 0) revert IdentityMirrorValueNotAccepted(msg.value);
        if (origin != mainDomain || sender != Message.toBytes32(lifecycle)) {
            revert IdentityMirrorUnauthorized(origin, sender);
        }
        if (body.length < 32) revert IdentityMirrorMalformedBody(body.length);
        uint256 word = uint256(bytes32(body[0:32]));
        if (word > type(uint8).max) revert IdentityMirrorMalformedBody(body.length);
        // forge-lint: disable-next-line(unsafe-typecast) range checked just above
        uint8 kind = uint8(word);
        if (kind == IdentityMessage.DID_DEACTIVATED) {
            if (body.length != IdentityMessage.DID_DEACTIVATED_LENGTH) revert IdentityMirrorMalformedBody(body.length);
            bytes32 id = bytes32(body[32:64]);
            isDeactivated[id] = true;
            emit DIDDeactivationMirrored(id, origin);
        } else {
            revert IdentityMirrorUnknownKind(kind);
        }
    }
}
