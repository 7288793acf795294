// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IMultisigIsm} from "./interfaces/IMultisigIsm.sol";
import {Message} from "./libs/Message.sol";
import {ValidatorSetLib} from "./libs/ValidatorSetLib.sol";

/// @title MultisigIsm
/// @notice Security module of the Mailbox: a message is authentic when a threshold of the current validators of its
///         origin domain signed its id. The validator sets of all consortium chains are kept here and changed only by
///         the Consortium (governance), directly on the governance chain or through the Mailbox elsewhere.
/// @dev Deployed through the CREATE2 factory like the Mailbox, so it has the same address on every chain and the
///      Consortium can address every chain's ISM with one recipient value.
contract MultisigIsm is IMultisigIsm {
    using Message for bytes;

    /// @dev Version and threshold share a slot, so `verify` reads both with one SLOAD.
    struct ValidatorSet {
        uint64 version;
        uint8 threshold;
        address[] validators;
    }

    /// @dev Domain separator of the signed payload, so a validator key used elsewhere cannot be replayed here.
    bytes internal constant SIGNING_DOMAIN = "AMC/xchain/v1";

    uint256 private constant SIGNATURE_LENGTH = 65;

    /// @inheritdoc IMultisigIsm
    address public immutable initializer;

    /// @inheritdoc IMultisigIsm
    address public mailbox;

    /// @inheritdoc IMultisigIsm
    uint32 public governanceDomain;

    /// @inheritdoc IMultisigIsm
    address public governance;

    mapping(uint32 domain => ValidatorSet) private _sets;

    /// @dev The set version in which an account became a validator of a domain. An account is a current validator
    ///      iff this equals the current version, so an update writes the new members only and never clears old ones.
    mapping(uint32 domain => mapping(address account => uint64 version)) private _memberOf;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IMultisigIsm
    function initialize(
        address mailbox_,
        uint32 governanceDomain_,
        address governance_,
        ValidatorSetInit[] calldata sets
    ) external {
        if (msg.sender != initializer) revert MultisigIsmNotInitializer(msg.sender);
        if (mailbox != address(0)) revert MultisigIsmAlreadyInitialized();
        if (mailbox_ == address(0) || governance_ == address(0)) revert MultisigIsmZeroAddress();
        mailbox = mailbox_;
        governanceDomain = governanceDomain_;
        governance = governance_;
        emit Initialized(mailbox_, governanceDomain_, governance_);
        for (uint256 i; i < sets.length; ++i) {
            if (_sets[sets[i].domain].version != 0) revert MultisigIsmDuplicateDomain(sets[i].domain);
            _setValidators(sets[i].domain, sets[i].validators, sets[i].threshold, 1);
        }
    }

    /// @inheritdoc IMultisigIsm
    function verify(bytes calldata metadata, bytes calldata message) external view returns (bool) {
        if (message.length < Message.HEADER_LENGTH) revert MultisigIsmMessageTooShort(message.length);
        uint32 origin = message.origin();
        ValidatorSet storage set = _sets[origin];
        uint64 version = set.version;
        if (version == 0) revert MultisigIsmNoValidatorSet(origin);
        if (metadata.length == 0 || metadata.length % SIGNATURE_LENGTH != 0) {
            revert MultisigIsmInvalidMetadataLength(metadata.length);
        }
        uint256 count = metadata.length / SIGNATURE_LENGTH;
        // Checked before recovering anything: an under-signed message costs no ecrecover. Every signature is then
        // checked, so `count` is also the number of valid signatures.
        if (count < set.threshold) revert MultisigIsmInsufficientSignatures(count, set.threshold);
        _checkSigners(origin, version, signingDigest(origin, Message.idCalldata(message)), metadata);
        return true;
    }

    /// @inheritdoc IMultisigIsm
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != mailbox) revert MultisigIsmNotMailbox(msg.sender);
        if (origin != governanceDomain || sender != Message.toBytes32(governance)) {
            revert MultisigIsmUnauthorizedUpdate(origin, sender);
        }
        (uint32 domain, address[] memory validators, uint8 threshold, uint64 version) =
            abi.decode(body, (uint32, address[], uint8, uint64));
        _update(domain, validators, threshold, version);
    }

    /// @inheritdoc IMultisigIsm
    function applyLocal(uint32 domain, address[] calldata validators, uint8 threshold, uint64 version) external {
        if (msg.sender != governance || block.chainid != governanceDomain) {
            revert MultisigIsmUnauthorizedUpdate(uint32(block.chainid), Message.toBytes32(msg.sender));
        }
        _update(domain, validators, threshold, version);
    }

    /// @inheritdoc IMultisigIsm
    function validatorsAndThreshold(uint32 origin) external view returns (address[] memory, uint8) {
        ValidatorSet storage set = _sets[origin];
        return (set.validators, set.threshold);
    }

    /// @inheritdoc IMultisigIsm
    function validatorSetVersion(uint32 origin) external view returns (uint64) {
        return _sets[origin].version;
    }

    /// @inheritdoc IMultisigIsm
    function isValidator(uint32 origin, address account) external view returns (bool) {
        uint64 version = _sets[origin].version;
        return version != 0 && _memberOf[origin][account] == version;
    }

    /// @inheritdoc IMultisigIsm
    function signingDigest(uint32 origin, bytes32 messageId) public view returns (bytes32) {
        return MessageHashUtils.toEthSignedMessageHash(
            keccak256(abi.encodePacked(SIGNING_DOMAIN, origin, Message.toBytes32(mailbox), messageId))
        );
    }

    /// @dev Reverts unless every signature of `metadata` is by a distinct current validator, in ascending order.
    function _checkSigners(uint32 origin, uint64 version, bytes32 digest, bytes calldata metadata) private view {
        mapping(address => uint64) storage memberOf = _memberOf[origin];
        uint256 count = metadata.length / SIGNATURE_LENGTH;
        address previous;
        for (uint256 i; i < count; ++i) {
            address signer = _recover(digest, metadata, i);
            // Strictly ascending signers make duplicates impossible without a seen-set.
            if (signer <= previous) revert MultisigIsmSignersNotAscending(i);
            if (memberOf[signer] != version) revert MultisigIsmSignerNotValidator(signer);
            previous = signer;
        }
    }

    /// @dev Recovers the signer of signature `index` of `metadata`; OpenZeppelin rejects high-s and v not in {27, 28}.
    function _recover(bytes32 digest, bytes calldata metadata, uint256 index) private pure returns (address signer) {
        uint256 o = index * SIGNATURE_LENGTH;
        ECDSA.RecoverError err;
        (signer, err,) = ECDSA.tryRecoverCalldata(digest, metadata[o:o + SIGNATURE_LENGTH]);
        if (err != ECDSA.RecoverError.NoError) revert MultisigIsmInvalidSignature(index);
    }

    /// @dev Applies an authorised update if it is newer than the current set; an older or equal version is ignored
    ///      (not reverted) so that a relayer delivering updates out of order is never stuck.
    function _update(uint32 domain, address[] memory validators, uint8 threshold, uint64 version) private {
        uint64 current = _sets[domain].version;
        if (version <= current) {
            emit ValidatorSetUpdateIgnored(domain, version, current);
            return;
        }
        _setValidators(domain, validators, threshold, version);
    }

    function _setValidators(uint32 domain, address[] memory validators, uint8 threshold, uint64 version) private {
        (bool ok, uint256 badIndex) = ValidatorSetLib.check(validators, threshold);
        if (!ok) {
            if (badIndex == ValidatorSetLib.SIZE_OR_THRESHOLD) {
                revert MultisigIsmInvalidValidatorSet(validators.length, threshold);
            }
            revert MultisigIsmInvalidValidator(badIndex, validators[badIndex]);
        }
        ValidatorSet storage set = _sets[domain];
        set.version = version;
        set.threshold = threshold;
        set.validators = validators;
        mapping(address => uint64) storage memberOf = _memberOf[domain];
        for (uint256 i; i < validators.length; ++i) {
            memberOf[validators[i]] = version;
        }
        emit ValidatorSetChanged(domain, version, validators, threshold);
    }
}
