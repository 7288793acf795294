// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IV2xTrustStore
/// @notice The consortium's V2X PKI on the main chain: the trust anchors and CA certificates (IEEE 1609.2, kept as their
///         COER bytes and keyed by HashedId8), the linkage seeds the misbehaviour authority publishes to revoke
///         pseudonym certificates (SCMS model), forwarded to the IdentityMirror of every other chain, and the
///         misbehaviour reports of roadside units and regulators.
/// @dev A HashedId8 is the low-order (last) 8 bytes of SHA-256 over the certificate's COER encoding; the store checks
///      it on chain, so a key always names the bytes stored under it. Certificates are never removed, only revoked,
///      and a certificate's issuer is fixed when it is added, so every issuer chain is immutable, acyclic and ends at
///      a root within `MAX_CHAIN_DEPTH` certificates. Roles are the Consortium's (`IConsortium.hasRole`).
interface IV2xTrustStore {
    /// @notice What a certificate is for. `None` marks an unknown HashedId8 and cannot be added.
    enum CertRole {
        None,
        Root,
        EnrolmentAuthority,
        PseudonymCa,
        LinkageAuthority,
        MisbehaviourAuthority
    }

    /// @notice A stored certificate.
    /// @param role What the certificate is for (`None`: unknown).
    /// @param issuer HashedId8 of the issuing certificate; a root's own HashedId8.
    /// @param depth Position in its chain: 1 for a root, its issuer's depth + 1 otherwise (at most MAX_CHAIN_DEPTH).
    /// @param revoked Whether the certificate itself was revoked (see `isTrusted` for its chain).
    /// @param addedAt Block timestamp of `addCertificate`.
    /// @param revokedAt Block timestamp of `revokeCertificate`, or 0.
    /// @param cert The certificate's COER encoding.
    struct CertInfo {
        CertRole role;
        bytes8 issuer;
        uint8 depth;
        bool revoked;
        uint64 addedAt;
        uint64 revokedAt;
        bytes cert;
    }

    /// @notice A published pair of linkage seeds: with them anyone computes the linkage values of the revoked
    ///         device's pseudonym certificates from time period `period` on.
    /// @param period The SCMS time period (i) from which the seeds apply.
    /// @param laId1 Id of linkage authority 1.
    /// @param seed1 Linkage seed ls1(i) of linkage authority 1.
    /// @param laId2 Id of linkage authority 2.
    /// @param seed2 Linkage seed ls2(i) of linkage authority 2.
    /// @param publishedAt Block timestamp of publication.
    /// @param reportHash Hash of the misbehaviour investigation behind the revocation (kept off chain).
    struct SeedEntry {
        uint32 period;
        uint16 laId1;
        bytes16 seed1;
        uint16 laId2;
        bytes16 seed2;
        uint64 publishedAt;
        bytes32 reportHash;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error V2xTrustStoreNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error V2xTrustStoreAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error V2xTrustStoreZeroAddress();
    /// @notice `account` lacks the Consortium role `role` (for a choice of roles, the first one is named).
    error V2xTrustStoreMissingRole(bytes32 role, address account);
    /// @notice The given HashedId8 is not the low-order 8 bytes of SHA-256 over the certificate.
    error V2xTrustStoreDigestMismatch(bytes8 given, bytes8 computed);
    /// @notice The certificate bytes are empty.
    error V2xTrustStoreEmptyCertificate();
    /// @notice A certificate cannot be added with role `None`.
    error V2xTrustStoreInvalidCertRole(CertRole role);
    /// @notice A certificate with this HashedId8 is already stored.
    error V2xTrustStoreCertificateExists(bytes8 hashedId8);
    /// @notice No certificate with this HashedId8 is stored.
    error V2xTrustStoreUnknownCertificate(bytes8 hashedId8);
    /// @notice A root must name itself as issuer, and any other certificate another one.
    error V2xTrustStoreInvalidIssuer(bytes8 hashedId8, bytes8 issuer);
    /// @notice The issuer is revoked, or so is a certificate above it.
    error V2xTrustStoreIssuerNotTrusted(bytes8 issuer);
    /// @notice Adding under this issuer would make a chain longer than MAX_CHAIN_DEPTH certificates.
    error V2xTrustStoreChainTooDeep(bytes8 issuer);
    /// @notice The certificate is already revoked.
    error V2xTrustStoreAlreadyRevoked(bytes8 hashedId8);
    /// @notice The two linkage seeds must come from two different linkage authorities.
    error V2xTrustStoreSameLinkageAuthority(uint16 laId);
    /// @notice No seed entry has this index.
    error V2xTrustStoreUnknownSeedEntry(uint256 index);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium, address indexed mailbox, address indexed mirror);
    /// @notice A certificate was added.
    /// @param hashedId8 Its HashedId8.
    /// @param role What it is for.
    /// @param issuer HashedId8 of its issuer (its own for a root).
    event CertificateAdded(bytes8 indexed hashedId8, CertRole role, bytes8 issuer);
    /// @notice A certificate was revoked; every certificate it issued, directly or not, is no longer trusted.
    event CertificateRevoked(bytes8 indexed hashedId8);
    /// @notice Linkage seeds were published as entry `index` and dispatched to the mirror of every other domain.
    event LinkageSeedsPublished(
        uint256 indexed index,
        uint32 period,
        uint16 laId1,
        bytes16 seed1,
        uint16 laId2,
        bytes16 seed2,
        bytes32 reportHash
    );
    /// @notice `reporter` reported misbehaviour of the pseudonym certificate `ticket` (its HashedId8).
    event MisbehaviourReported(bytes8 indexed ticket, address indexed reporter, bytes32 evidenceHash);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param consortium The Consortium, whose roles gate every write.
    /// @param mailbox The local Mailbox, through which seeds go to the other chains.
    /// @param mirror The IdentityMirror (same address on every chain), the recipient of the seeds.
    function initialize(address consortium, address mailbox, address mirror) external;

    // ---------------------------------------------------------------- certificates

    /// @notice Adds a trust anchor or CA certificate (CERTIFICATE_AUTHORITY only).
    /// @dev Reverts with `V2xTrustStoreDigestMismatch` unless `hashedId8` is the low-order 8 bytes of
    ///      `sha256(cert)`. A root (role `Root`) must have `issuer == hashedId8`; any other role needs a different,
    ///      stored issuer that `isTrusted`, at depth below MAX_CHAIN_DEPTH. The issuer's role is not constrained.
    /// @param hashedId8 The certificate's HashedId8.
    /// @param cert The certificate's COER encoding (non-empty).
    /// @param role What it is for (not `None`).
    /// @param issuer HashedId8 of its issuer.
    function addCertificate(bytes8 hashedId8, bytes calldata cert, CertRole role, bytes8 issuer) external;

    /// @notice Revokes a stored certificate (CERTIFICATE_AUTHORITY only); its descendants stop being trusted. A
    ///         revoked root leaves `roots()`. Revocation is final.
    function revokeCertificate(bytes8 hashedId8) external;

    /// @notice The stored certificate (all zero, role `None`, when unknown).
    function certificate(bytes8 hashedId8) external view returns (CertInfo memory);

    /// @notice Whether the certificate is stored, not revoked, and neither is any certificate up its issuer chain.
    function isTrusted(bytes8 hashedId8) external view returns (bool);

    /// @notice The HashedId8s of the roots that are not revoked (in no particular order).
    function roots() external view returns (bytes8[] memory);

    /// @notice The largest number of certificates in an issuer chain, root included: 8.
    function MAX_CHAIN_DEPTH() external view returns (uint8);

    // ---------------------------------------------------------------- linkage seeds

    /// @notice Publishes the linkage seeds of a revoked device (REGULATOR only, acting as misbehaviour authority):
    ///         appends entry `seedCount()` and dispatches
    ///         `abi.encode(uint8(2), period, laId1, seed1, laId2, seed2)` (IdentityMessage kind 2) to the mirror on
    ///         every other domain of the Consortium.
    /// @param period The SCMS time period from which the seeds apply.
    /// @param laId1 Id of linkage authority 1.
    /// @param seed1 Its linkage seed for `period`.
    /// @param laId2 Id of linkage authority 2 (different from `laId1`).
    /// @param seed2 Its linkage seed for `period`.
    /// @param reportHash Hash of the investigation report (stored and logged, not dispatched).
    /// @return index The index of the new entry.
    function publishLinkageSeeds(
        uint32 period,
        uint16 laId1,
        bytes16 seed1,
        uint16 laId2,
        bytes16 seed2,
        bytes32 reportHash
    ) external returns (uint256 index);

    /// @notice Seed entry `index` (reverts with `V2xTrustStoreUnknownSeedEntry` past the end).
    function seedEntry(uint256 index) external view returns (SeedEntry memory);

    /// @notice Number of seed entries published.
    function seedCount() external view returns (uint256);

    // ---------------------------------------------------------------- misbehaviour

    /// @notice Reports misbehaviour of a pseudonym certificate (RSU_OPERATOR or REGULATOR).
    /// @param ticket The HashedId8 of the certificate that signed the misbehaving messages.
    /// @param evidenceHash Hash of the evidence (the signed messages, kept off chain).
    function reportMisbehaviour(bytes8 ticket, bytes32 evidenceHash) external;

    /// @notice Number of misbehaviour reports filed against `ticket`.
    function misbehaviourReportCount(bytes8 ticket) external view returns (uint256);

    // ---------------------------------------------------------------- wiring

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The Consortium.
    function consortium() external view returns (address);

    /// @notice The local Mailbox.
    function mailbox() external view returns (address);

    /// @notice The IdentityMirror, recipient of the seeds on the other chains.
    function mirror() external view returns (address);
}
