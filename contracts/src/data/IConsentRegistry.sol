// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IConsentRegistry
/// @notice Consents of vehicle owners on the main chain: "the controller of DID `subject` lets DID `grantee` use the
///         data kinds `scopes` for `purpose` from `validFrom` until `validUntil`". The owner signs the terms off chain
///         (EIP-712, domain "AMC ConsentRegistry", version "1"); anyone (the gateway, the grantee) submits them with
///         `grant`. A consent is revocable at any time by the controller that signed it or by the subject's current
///         controller, directly or gaslessly with a signed `Revocation`. Data services ask `covers(id, grantee,
///         scopes)` before they release anything.
/// @dev A consent is bound to the controller that signed it: `isValid` requires `controllerOf(subject)` to still be
///      that account, so a sale of the vehicle (VehicleLifecycle moves the DID's controller) voids every consent the
///      seller gave, without a transaction per consent. Should control come back to the same account (a buy-back),
///      that account's unrevoked, unexpired consents apply again: they are still its own decisions; it revokes them
///      if it wants otherwise. Deactivating the subject (scrapping) voids every consent for good.
///      Consent ids are EIP-712 struct hashes, so the same terms always give the same id; an id is granted at most
///      once and a revoked id can never be granted again (new terms need a new `salt`). The purpose text and the
///      salt stay off chain: only `keccak256(purpose text)` is signed, and the salt makes two otherwise identical
///      consents distinct and unguessable. Times are Unix seconds; the stored `validFrom`/`validUntil` saturate at
///      2^40 - 1 (year 36812) so that a consent's bookkeeping takes one storage slot, which changes nothing for any
///      block time below that.
interface IConsentRegistry {
    /// @notice Where a consent id stands. `None`: never granted. `Active`: granted and not revoked (it may still be
    ///         outside its window or voided by a change of controller: ask `isValid`). `Revoked`: final.
    enum Status {
        None,
        Active,
        Revoked
    }

    /// @notice The terms an owner signs, EIP-712 type `Consent(bytes32 subject,bytes32 grantee,uint256 scopes,
    ///         bytes32 purpose,uint64 validFrom,uint64 validUntil,bytes32 salt)` (one line, no spaces after commas).
    /// @param subject The DID id (32-byte `<id>` of `did:amc:<network>:<id>`) whose data is shared, normally a vehicle.
    /// @param grantee The DID id of who may use the data.
    /// @param scopes Bitmask of data kinds (bit 0 location, 1 telemetry, 2 driving behaviour, 3 diagnostics, 4 battery,
    ///        5 V2X events, 6 media, 7 identity; packages/chain/src/consent.ts), not zero.
    /// @param purpose keccak256 of the purpose text shown to the owner (the text is kept off chain).
    /// @param validFrom Unix seconds from which the consent applies.
    /// @param validUntil Unix seconds from which it no longer applies; after `validFrom` and in the future at grant.
    /// @param salt Random 32 bytes chosen by the signer; makes the id unique and unguessable.
    struct Consent {
        bytes32 subject;
        bytes32 grantee;
        uint256 scopes;
        bytes32 purpose;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 salt;
    }

    /// @notice What the registry keeps of a granted consent (all zero, `status` None, for an unknown id).
    /// @param granter The controller of `subject` that signed the consent (an EOA or an ERC-1271 contract).
    /// @param validFrom Start of the window (Unix seconds, saturated at 2^40 - 1).
    /// @param validUntil End of the window, exclusive (Unix seconds, saturated at 2^40 - 1).
    /// @param status Active or Revoked.
    /// @param subject The DID id whose data is shared.
    /// @param grantee The DID id that may use it.
    /// @param scopes The data kinds granted (bitmask).
    struct ConsentRecord {
        address granter;
        uint64 validFrom;
        uint64 validUntil;
        Status status;
        bytes32 subject;
        bytes32 grantee;
        uint256 scopes;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error ConsentRegistryNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error ConsentRegistryAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error ConsentRegistryZeroAddress();
    /// @notice A function that reads the DID registry was called before `initialize`.
    error ConsentRegistryNotInitialized();
    /// @notice The consent names the zero grantee.
    error ConsentRegistryZeroGrantee();
    /// @notice The consent grants no data kind (`scopes` is 0).
    error ConsentRegistryNoScopes();
    /// @notice The window is empty: `validUntil` is not after `validFrom`.
    error ConsentRegistryInvalidWindow(uint64 validFrom, uint64 validUntil);
    /// @notice The consent ends before it could be used: `validUntil` is not after the block time `now`.
    error ConsentRegistryWindowEnded(uint64 validUntil, uint256 now);
    /// @notice This id was granted before (`status` Active or, for good, Revoked); new terms need a new salt.
    error ConsentRegistryAlreadyGranted(bytes32 id, Status status);
    /// @notice No DID with this id exists.
    error ConsentRegistryUnknownSubject(bytes32 subject);
    /// @notice The subject's DID is deactivated (e.g. a scrapped vehicle): nothing about it can be granted.
    error ConsentRegistrySubjectDeactivated(bytes32 subject);
    /// @notice The signature is not by `signer` (for `grant`: the subject's controller; for `revokeSigned`: the
    ///         consent's granter, and not by the subject's current controller either).
    error ConsentRegistryBadSignature(bytes32 id, address signer);
    /// @notice The signed revocation's deadline has passed.
    error ConsentRegistrySignatureExpired(uint256 deadline);
    /// @notice No consent with this id was granted.
    error ConsentRegistryUnknownConsent(bytes32 id);
    /// @notice The consent was already revoked.
    error ConsentRegistryAlreadyRevoked(bytes32 id);
    /// @notice The caller is neither the consent's granter nor the subject's current controller.
    error ConsentRegistryNotAuthorized(bytes32 id, address caller);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed didRegistry);
    /// @notice A consent was granted.
    /// @param id The consent id (`consentId(terms)`).
    /// @param subject The DID id whose data is shared.
    /// @param grantee The DID id that may use it.
    /// @param scopes The data kinds granted.
    /// @param purpose keccak256 of the purpose text.
    /// @param validFrom Start of the window, as signed.
    /// @param validUntil End of the window (exclusive), as signed.
    /// @param granter The subject's controller, who signed.
    event ConsentGranted(
        bytes32 indexed id,
        bytes32 indexed subject,
        bytes32 indexed grantee,
        uint256 scopes,
        bytes32 purpose,
        uint64 validFrom,
        uint64 validUntil,
        address granter
    );
    /// @notice A consent was revoked, for good.
    /// @param by The granter or controller who revoked it (the caller of `revoke`, the signer for `revokeSigned`).
    event ConsentRevoked(bytes32 indexed id, address by);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param didRegistry The DIDRegistry whose controllers sign consents.
    function initialize(address didRegistry) external;

    /// @notice Records the consent `c`, signed by the subject's current controller. Anyone may submit it.
    /// @dev Checks, in this order: grantee not zero (ConsentRegistryZeroGrantee), scopes not zero
    ///      (ConsentRegistryNoScopes), `validUntil > validFrom` (ConsentRegistryInvalidWindow), `validUntil > now`
    ///      (ConsentRegistryWindowEnded), the id never granted (ConsentRegistryAlreadyGranted), the subject exists
    ///      (ConsentRegistryUnknownSubject) and is not deactivated (ConsentRegistrySubjectDeactivated), then the
    ///      EIP-712 signature of `c` by `controllerOf(subject)` through OpenZeppelin's SignatureChecker: ECDSA for an
    ///      EOA, ERC-1271 `isValidSignature` for a contract (ConsentRegistryBadSignature).
    ///      A window that starts in the future is allowed (the consent becomes valid then).
    /// @param c The signed terms.
    /// @param signature The controller's signature over the EIP-712 digest of `c` (65 bytes `r ‖ s ‖ v` for an EOA).
    /// @return id The consent id, `consentId(c)`.
    function grant(Consent calldata c, bytes calldata signature) external returns (bytes32 id);

    /// @notice Revokes an active consent (its granter or the subject's current controller only).
    /// @dev Reverts with ConsentRegistryUnknownConsent, ConsentRegistryAlreadyRevoked or
    ///      ConsentRegistryNotAuthorized. An expired or voided consent may still be revoked (which makes it final).
    /// @param id The consent to revoke.
    function revoke(bytes32 id) external;

    /// @notice `revoke` authorised by the EIP-712 signature of `Revocation(bytes32 consentId,uint256 deadline)` by the
    ///         consent's granter or the subject's current controller (ECDSA or ERC-1271); anyone may submit it, e.g.
    ///         the gateway for an owner who pays no gas. No nonce is needed: a revocation can take effect only once.
    /// @param id The consent to revoke.
    /// @param deadline Unix seconds after which the signature is refused (ConsentRegistrySignatureExpired).
    /// @param signature The signature over the Revocation digest.
    function revokeSigned(bytes32 id, uint256 deadline, bytes calldata signature) external;

    /// @notice The consent id of the terms `c`: their EIP-712 struct hash,
    ///         `keccak256(abi.encode(CONSENT_TYPEHASH, c.subject, c.grantee, c.scopes, c.purpose, c.validFrom,
    ///         c.validUntil, c.salt))`. It does not depend on the chain or the registry (the signature does), so clients
    ///         compute it off chain (viem `hashStruct`; packages/chain/src/consent.ts `consentId`).
    /// @param c The terms.
    function consentId(Consent calldata c) external pure returns (bytes32);

    /// @notice What the registry keeps of consent `id` (status None and all zero if unknown).
    function consent(bytes32 id) external view returns (ConsentRecord memory);

    /// @notice Whether consent `id` applies now: Active, `validFrom <= block.timestamp < validUntil`, the subject not
    ///         deactivated, and `controllerOf(subject)` still the granter (a sale voids the seller's consents).
    function isValid(bytes32 id) external view returns (bool);

    /// @notice Whether consent `id` lets `grantee` use every data kind in `scopes` now: `isValid(id)`, the grantee is
    ///         the consent's and every bit of `scopes` was granted. `scopes` 0 asks for nothing specific (true whenever
    ///         the consent is valid for `grantee`).
    /// @param id The consent presented.
    /// @param grantee The DID id of who asks.
    /// @param scopes The data kinds asked for (bitmask).
    function covers(bytes32 id, bytes32 grantee, uint256 scopes) external view returns (bool);

    /// @notice The EIP-712 domain separator (name "AMC ConsentRegistry", version "1", this chain, this contract).
    function domainSeparator() external view returns (bytes32);

    /// @notice keccak256 of the EIP-712 Consent type string.
    function CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice keccak256 of `Revocation(bytes32 consentId,uint256 deadline)`.
    function REVOCATION_TYPEHASH() external view returns (bytes32);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The DIDRegistry given to `initialize`.
    function didRegistry() external view returns (address);
}
