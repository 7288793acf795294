// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IConsentRegistry} from "./IConsentRegistry.sol";
import {IDIDRegistry} from "../identity/IDIDRegistry.sol";

/// @title ConsentRegistry
/// @notice Owner-signed, revocable data-sharing consents over DIDs of the DIDRegistry (see IConsentRegistry).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code; EIP712 rebuilds its domain
///      separator when the chain id differs from the one cached at construction. A consent costs four fresh storage
///      slots: subject, grantee, scopes, and one packed slot (granter, window, status); the purpose is only logged.
contract ConsentRegistry is IConsentRegistry, EIP712 {
    /// @dev A consent's bookkeeping. The window is stored in 40 bits so that granter, window and status share a slot.
    struct StoredConsent {
        address granter;
        uint40 validFrom;
        uint40 validUntil;
        Status status;
        bytes32 subject;
        bytes32 grantee;
        uint256 scopes;
    }

    /// @inheritdoc IConsentRegistry
    bytes32 public constant CONSENT_TYPEHASH = keccak256(
        "Consent(bytes32 subject,bytes32 grantee,uint256 scopes,bytes32 purpose,uint64 validFrom,uint64 validUntil,bytes32 salt)"
    );
    /// @inheritdoc IConsentRegistry
    bytes32 public constant REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 consentId,uint256 deadline)");

    /// @inheritdoc IConsentRegistry
    address public immutable initializer;

    /// @inheritdoc IConsentRegistry
    address public didRegistry;

    mapping(bytes32 id => StoredConsent) private _consents;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) EIP712("AMC ConsentRegistry", "1") {
        initializer = initializer_;
    }

    /// @inheritdoc IConsentRegistry
    function initialize(address didRegistry_) external {
        if (msg.sender != initializer) revert ConsentRegistryNotInitializer(msg.sender);
        if (didRegistry != address(0)) revert ConsentRegistryAlreadyInitialized();
        if (didRegistry_ == address(0)) revert ConsentRegistryZeroAddress();
        didRegistry = didRegistry_;
        emit Initialized(didRegistry_);
    }

    /// @inheritdoc IConsentRegistry
    function grant(Consent calldata c, bytes calldata signature) external returns (bytes32 id) {
        if (c.grantee == bytes32(0)) revert ConsentRegistryZeroGrantee();
        if (c.scopes == 0) revert ConsentRegistryNoScopes();
        if (c.validUntil <= c.validFrom) revert ConsentRegistryInvalidWindow(c.validFrom, c.validUntil);
        // Windows span days to years; a validator's few seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (c.validUntil <= block.timestamp) revert ConsentRegistryWindowEnded(c.validUntil, block.timestamp);
        id = _consentId(c);
        StoredConsent storage s = _consents[id];
        Status status = s.status;
        if (status != Status.None) revert ConsentRegistryAlreadyGranted(id, status);

        IDIDRegistry registry = _registry();
        // The registry never stores a zero controller, so a zero answer means "no such DID" (one call, not two).
        address controller = registry.controllerOf(c.subject);
        if (controller == address(0)) revert ConsentRegistryUnknownSubject(c.subject);
        if (registry.isDeactivated(c.subject)) revert ConsentRegistrySubjectDeactivated(c.subject);
        if (!SignatureChecker.isValidSignatureNowCalldata(controller, _hashTypedDataV4(id), signature)) {
            revert ConsentRegistryBadSignature(id, controller);
        }

        s.granter = controller;
        s.validFrom = _clamp(c.validFrom);
        s.validUntil = _clamp(c.validUntil);
        s.status = Status.Active;
        s.subject = c.subject;
        s.grantee = c.grantee;
        s.scopes = c.scopes;
        emit ConsentGranted(id, c.subject, c.grantee, c.scopes, c.purpose, c.validFrom, c.validUntil, controller);
    }

    /// @inheritdoc IConsentRegistry
    function revoke(bytes32 id) external {
        StoredConsent storage s = _active(id);
        if (msg.sender != s.granter && msg.sender != _registry().controllerOf(s.subject)) {
            revert ConsentRegistryNotAuthorized(id, msg.sender);
        }
        _revoke(s, id, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeSigned(bytes32 id, uint256 deadline, bytes calldata signature) external {
        // Deadlines are minutes to hours away; timestamp leeway does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert ConsentRegistrySignatureExpired(deadline);
        StoredConsent storage s = _active(id);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(REVOCATION_TYPEHASH, id, deadline)));
        address granter = s.granter;
        address signer = granter;
        if (!SignatureChecker.isValidSignatureNowCalldata(granter, digest, signature)) {
            // Not the granter's: the subject's current controller (the buyer of the vehicle, say) may revoke too.
            signer = _registry().controllerOf(s.subject);
            if (signer == granter || !SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature)) {
                revert ConsentRegistryBadSignature(id, granter);
            }
        }
        _revoke(s, id, signer);
    }

    /// @inheritdoc IConsentRegistry
    function consentId(Consent calldata c) external pure returns (bytes32) {
        return _consentId(c);
    }

    /// @inheritdoc IConsentRegistry
    function consent(bytes32 id) external view returns (ConsentRecord memory r) {
        StoredConsent storage s = _consents[id];
        r.granter = s.granter;
        r.validFrom = s.validFrom;
        r.validUntil = s.validUntil;
        r.status = s.status;
        r.subject = s.subject;
        r.grantee = s.grantee;
        r.scopes = s.scopes;
    }

    /// @inheritdoc IConsentRegistry
    function isValid(bytes32 id) external view returns (bool) {
        StoredConsent storage s = _consents[id];
        return _inWindow(s) && _stillControlled(s);
    }

    /// @inheritdoc IConsentRegistry
    function covers(bytes32 id, bytes32 grantee, uint256 scopes) external view returns (bool) {
        StoredConsent storage s = _consents[id];
        // Local checks first: the registry is asked only about a consent that would otherwise cover the request.
        return _inWindow(s) && s.grantee == grantee && s.scopes & scopes == scopes && _stillControlled(s);
    }

    /// @inheritdoc IConsentRegistry
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// @dev The EIP-712 struct hash of `c`: the type hash, then the seven static fields as they sit in calldata.
    function _consentId(Consent calldata c) private pure returns (bytes32) {
        return keccak256(abi.encode(CONSENT_TYPEHASH, c));
    }

    /// @dev Active and `validFrom <= now < validUntil`.
    function _inWindow(StoredConsent storage s) private view returns (bool) {
        // One SLOAD: granter, window and status share the slot.
        // forge-lint: disable-next-line(block-timestamp)
        return s.status == Status.Active && s.validFrom <= block.timestamp && block.timestamp < s.validUntil;
    }

    /// @dev The subject is not deactivated and its controller is still the granter (no sale since).
    function _stillControlled(StoredConsent storage s) private view returns (bool) {
        IDIDRegistry registry = IDIDRegistry(didRegistry);
        bytes32 subject = s.subject;
        return !registry.isDeactivated(subject) && registry.controllerOf(subject) == s.granter;
    }

    /// @dev The consent `id`, which must be Active.
    function _active(bytes32 id) private view returns (StoredConsent storage s) {
        s = _consents[id];
        Status status = s.status;
        if (status == Status.None) revert ConsentRegistryUnknownConsent(id);
        if (status == Status.Revoked) revert ConsentRegistryAlreadyRevoked(id);
    }

    function _revoke(StoredConsent storage s, bytes32 id, address by) private {
        s.status = Status.Revoked;
        emit ConsentRevoked(id, by);
    }

    function _registry() private view returns (IDIDRegistry registry) {
        registry = IDIDRegistry(didRegistry);
        if (address(registry) == address(0)) revert ConsentRegistryNotInitialized();
    }

    /// @dev `t` saturated at 2^40 - 1 (year 36812), which no block time reaches.
    function _clamp(uint64 t) private pure returns (uint40) {
        // forge-lint: disable-next-line(unsafe-typecast) range checked on the same line
        return t > type(uint40).max ? type(uint40).max : uint40(t);
    }
}
