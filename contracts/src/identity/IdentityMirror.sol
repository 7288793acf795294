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
///      on every chain and VehicleLifecycle and V2xTrustStore can address all mirrors with one recipient value.
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
    address public trustStore;

    /// @inheritdoc IIdentityMirror
    mapping(bytes32 id => bool) public isDeactivated;

    /// @dev A mirrored kind-2 body; two storage slots.
    struct LinkageSeed {
        uint32 period;
        uint16 laId1;
        bytes16 seed1;
        uint16 laId2;
        bytes16 seed2;
    }

    LinkageSeed[] private _linkageSeeds;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IIdentityMirror
    function initialize(address mailbox_, uint32 mainDomain_, address lifecycle_, address trustStore_) external {
        if (msg.sender != initializer) revert IdentityMirrorNotInitializer(msg.sender);
        if (mailbox != address(0)) revert IdentityMirrorAlreadyInitialized();
        // Each kind is tied to one sender, so the two senders must differ.
        if (
            mailbox_ == address(0) || mainDomain_ == 0 || lifecycle_ == address(0) || trustStore_ == address(0)
                || lifecycle_ == trustStore_
        ) revert IdentityMirrorInvalidInitParams();
        mailbox = mailbox_;
        mainDomain = mainDomain_;
        lifecycle = lifecycle_;
        trustStore = trustStore_;
        emit Initialized(mailbox_, mainDomain_, lifecycle_, trustStore_);
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        // Before initialisation `mailbox` is zero, so nobody passes this check.
        if (msg.sender != mailbox || msg.sender == address(0)) revert IdentityMirrorNotMailbox(msg.sender);
        if (msg.value != 0) revert IdentityMirrorValueNotAccepted(msg.value);
        // Strangers are refused before their body is read; each kind is then tied to its one sender below.
        // The trust store is read only when needed, so kind 1 costs what it did before kind 2 existed.
        bool fromLifecycle = sender == Message.toBytes32(lifecycle);
        bool fromTrustStore = !fromLifecycle && sender == Message.toBytes32(trustStore);
        if (origin != mainDomain || !(fromLifecycle || fromTrustStore)) {
            revert IdentityMirrorUnauthorized(origin, sender);
        }
        if (body.length < 32) revert IdentityMirrorMalformedBody(body.length);
        uint256 word = uint256(bytes32(body[0:32]));
        if (word > type(uint8).max) revert IdentityMirrorMalformedBody(body.length);
        // forge-lint: disable-next-line(unsafe-typecast) range checked just above
        uint8 kind = uint8(word);
        if (kind == IdentityMessage.DID_DEACTIVATED) {
            if (!fromLifecycle) revert IdentityMirrorUnauthorized(origin, sender);
            if (body.length != IdentityMessage.DID_DEACTIVATED_LENGTH) revert IdentityMirrorMalformedBody(body.length);
            bytes32 id = bytes32(body[32:64]);
            isDeactivated[id] = true;
            emit DIDDeactivationMirrored(id, origin);
        } else if (kind == IdentityMessage.LINKAGE_SEEDS_PUBLISHED) {
            if (!fromTrustStore) revert IdentityMirrorUnauthorized(origin, sender);
            LinkageSeed memory s = _decodeLinkageSeeds(body);
            uint256 index = _linkageSeeds.length;
            _linkageSeeds.push(s);
            emit LinkageSeedsMirrored(index, s.period, s.laId1, s.seed1, s.laId2, s.seed2);
        } else {
            revert IdentityMirrorUnknownKind(kind);
        }
    }

    /// @inheritdoc IIdentityMirror
    function linkageSeedCount() external view returns (uint256) {
        return _linkageSeeds.length;
    }

    /// @inheritdoc IIdentityMirror
    function linkageSeed(uint256 index)
        external
        view
        returns (uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2)
    {
        if (index >= _linkageSeeds.length) revert IdentityMirrorUnknownLinkageSeed(index);
        LinkageSeed storage s = _linkageSeeds[index];
        return (s.period, s.laId1, s.seed1, s.laId2, s.seed2);
    }

    /// @dev Decodes a kind-2 body word by word, refusing any word that `abi.encode` would not have produced (value
    ///      out of range, bytes16 with non-zero padding), with IdentityMirrorMalformedBody rather than the bare
    ///      revert of `abi.decode`.
    function _decodeLinkageSeeds(bytes calldata body) private pure returns (LinkageSeed memory s) {
        if (body.length != IdentityMessage.LINKAGE_SEEDS_PUBLISHED_LENGTH) {
            revert IdentityMirrorMalformedBody(body.length);
        }
        uint256 period = uint256(bytes32(body[32:64]));
        uint256 laId1 = uint256(bytes32(body[64:96]));
        bytes32 seed1 = bytes32(body[96:128]);
        uint256 laId2 = uint256(bytes32(body[128:160]));
        bytes32 seed2 = bytes32(body[160:192]);
        if (
            period > type(uint32).max || laId1 > type(uint16).max || laId2 > type(uint16).max
                || uint128(uint256(seed1)) != 0 || uint128(uint256(seed2)) != 0
        ) revert IdentityMirrorMalformedBody(body.length);
        // forge-lint: disable-next-line(unsafe-typecast) ranges checked just above
        s.period = uint32(period);
        // forge-lint: disable-next-line(unsafe-typecast) ranges checked just above
        s.laId1 = uint16(laId1);
        // forge-lint: disable-next-line(unsafe-typecast) low half checked zero just above
        s.seed1 = bytes16(seed1);
        // forge-lint: disable-next-line(unsafe-typecast) ranges checked just above
        s.laId2 = uint16(laId2);
        // forge-lint: disable-next-line(unsafe-typecast) low half checked zero just above
        s.seed2 = bytes16(seed2);
    }
}
