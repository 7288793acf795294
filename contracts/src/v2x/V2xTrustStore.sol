// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IV2xTrustStore} from "./IV2xTrustStore.sol";
import {IConsortium} from "../governance/IConsortium.sol";
import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {IdentityMessage} from "../identity/IdentityMessage.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title V2xTrustStore
/// @notice The V2X PKI registry on the main chain (see IV2xTrustStore): CA certificates checked against their
///         HashedId8, revocation by CA and by linkage seeds, and misbehaviour reports.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code (same address on every
///      chain), so the IdentityMirror of every chain can name it as an authorised sender. The Consortium and Mailbox
///      are trusted contracts of the same deployment.
contract V2xTrustStore is IV2xTrustStore {
    // The Consortium's role ids (IConsortium.CERTIFICATE_AUTHORITY() etc.), inlined to save a call per check.
    bytes32 private constant CERTIFICATE_AUTHORITY = keccak256("CERTIFICATE_AUTHORITY");
    bytes32 private constant REGULATOR = keccak256("REGULATOR");
    bytes32 private constant RSU_OPERATOR = keccak256("RSU_OPERATOR");

    /// @inheritdoc IV2xTrustStore
    uint8 public constant MAX_CHAIN_DEPTH = 8;

    /// @inheritdoc IV2xTrustStore
    address public immutable initializer;

    /// @inheritdoc IV2xTrustStore
    address public consortium;
    /// @inheritdoc IV2xTrustStore
    address public mailbox;
    /// @inheritdoc IV2xTrustStore
    address public mirror;

    /// @inheritdoc IV2xTrustStore
    mapping(bytes8 ticket => uint256) public misbehaviourReportCount;

    mapping(bytes8 hashedId8 => CertInfo) private _certs;
    bytes8[] private _roots;
    // 1-based position in `_roots`, 0 when absent, for O(1) removal on revocation.
    mapping(bytes8 hashedId8 => uint256) private _rootPosition;
    SeedEntry[] private _seeds;

    modifier onlyRole(bytes32 role) {
        if (!IConsortium(consortium).hasRole(role, msg.sender)) revert V2xTrustStoreMissingRole(role, msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IV2xTrustStore
    function initialize(address consortium_, address mailbox_, address mirror_) external {
        if (msg.sender != initializer) revert V2xTrustStoreNotInitializer(msg.sender);
        if (consortium != address(0)) revert V2xTrustStoreAlreadyInitialized();
        if (consortium_ == address(0) || mailbox_ == address(0) || mirror_ == address(0)) {
            revert V2xTrustStoreZeroAddress();
        }
        consortium = consortium_;
        mailbox = mailbox_;
        mirror = mirror_;
        emit Initialized(consortium_, mailbox_, mirror_);
    }

    // ---------------------------------------------------------------- certificates

    /// @inheritdoc IV2xTrustStore
    function addCertificate(bytes8 hashedId8, bytes calldata cert, CertRole role, bytes8 issuer)
        external
        onlyRole(CERTIFICATE_AUTHORITY)
    {
        if (cert.length == 0) revert V2xTrustStoreEmptyCertificate();
        // IEEE 1609.2 §6.4.3: HashedId8 is the low-order eight bytes of the hash, i.e. the last 8 bytes of the digest,
        // which is what truncating the digest to uint64 keeps.
        bytes8 computed = bytes8(uint64(uint256(sha256(cert))));
        if (computed != hashedId8) revert V2xTrustStoreDigestMismatch(hashedId8, computed);
        if (role == CertRole.None) revert V2xTrustStoreInvalidCertRole(role);
        CertInfo storage c = _certs[hashedId8];
        if (c.role != CertRole.None) revert V2xTrustStoreCertificateExists(hashedId8);

        uint8 depth = 1;
        if (role == CertRole.Root) {
            if (issuer != hashedId8) revert V2xTrustStoreInvalidIssuer(hashedId8, issuer);
            _roots.push(hashedId8);
            _rootPosition[hashedId8] = _roots.length;
        } else {
            // A non-root naming itself would be a root in disguise (and would pass the checks below as "unknown").
            if (issuer == hashedId8) revert V2xTrustStoreInvalidIssuer(hashedId8, issuer);
            CertInfo storage parent = _certs[issuer];
            if (parent.role == CertRole.None) revert V2xTrustStoreUnknownCertificate(issuer);
            if (!_isTrusted(issuer)) revert V2xTrustStoreIssuerNotTrusted(issuer);
            // Bounding the depth here keeps `isTrusted` bounded and never wrong for a certificate that was accepted.
            if (parent.depth >= MAX_CHAIN_DEPTH) revert V2xTrustStoreChainTooDeep(issuer);
            depth = parent.depth + 1;
        }
        c.role = role;
        c.issuer = issuer;
        c.depth = depth;
        c.addedAt = uint64(block.timestamp);
        c.cert = cert;
        emit CertificateAdded(hashedId8, role, issuer);
    }

    /// @inheritdoc IV2xTrustStore
    function revokeCertificate(bytes8 hashedId8) external onlyRole(CERTIFICATE_AUTHORITY) {
        CertInfo storage c = _certs[hashedId8];
        if (c.role == CertRole.None) revert V2xTrustStoreUnknownCertificate(hashedId8);
        if (c.revoked) revert V2xTrustStoreAlreadyRevoked(hashedId8);
        c.revoked = true;
        c.revokedAt = uint64(block.timestamp);
        if (c.role == CertRole.Root) _removeRoot(hashedId8);
        emit CertificateRevoked(hashedId8);
    }

    /// @inheritdoc IV2xTrustStore
    function certificate(bytes8 hashedId8) external view returns (CertInfo memory) {
        return _certs[hashedId8];
    }

    /// @inheritdoc IV2xTrustStore
    function isTrusted(bytes8 hashedId8) external view returns (bool) {
        return _isTrusted(hashedId8);
    }

    /// @inheritdoc IV2xTrustStore
    function roots() external view returns (bytes8[] memory) {
        return _roots;
    }

    // ---------------------------------------------------------------- linkage seeds

    /// @inheritdoc IV2xTrustStore
    function publishLinkageSeeds(
        uint32 period,
        uint16 laId1,
        bytes16 seed1,
        uint16 laId2,
        bytes16 seed2,
        bytes32 reportHash
    ) external onlyRole(REGULATOR) returns (uint256 index) {
        // SCMS splits linkage between two authorities so that neither alone can link a device's certificates.
        if (laId1 == laId2) revert V2xTrustStoreSameLinkageAuthority(laId1);
        index = _seeds.length;
        _seeds.push(
            SeedEntry({
                period: period,
                laId1: laId1,
                seed1: seed1,
                laId2: laId2,
                seed2: seed2,
                publishedAt: uint64(block.timestamp),
                reportHash: reportHash
            })
        );
        emit LinkageSeedsPublished(index, period, laId1, seed1, laId2, seed2, reportHash);

        // The mirror has the same address on every chain (CREATE2), so one recipient value serves all domains.
        bytes32 recipient = Message.toBytes32(mirror);
        bytes memory body = IdentityMessage.linkageSeedsPublished(period, laId1, seed1, laId2, seed2);
        uint32[] memory domains = IConsortium(consortium).domains();
        uint256 local = block.chainid;
        for (uint256 i; i < domains.length; ++i) {
            if (domains[i] != local) IMailbox(mailbox).dispatch(domains[i], recipient, body);
        }
    }

    /// @inheritdoc IV2xTrustStore
    function seedEntry(uint256 index) external view returns (SeedEntry memory) {
        if (index >= _seeds.length) revert V2xTrustStoreUnknownSeedEntry(index);
        return _seeds[index];
    }

    /// @inheritdoc IV2xTrustStore
    function seedCount() external view returns (uint256) {
        return _seeds.length;
    }

    // ---------------------------------------------------------------- misbehaviour

    /// @inheritdoc IV2xTrustStore
    function reportMisbehaviour(bytes8 ticket, bytes32 evidenceHash) external {
        IConsortium c = IConsortium(consortium);
        if (!c.hasRole(RSU_OPERATOR, msg.sender) && !c.hasRole(REGULATOR, msg.sender)) {
            revert V2xTrustStoreMissingRole(RSU_OPERATOR, msg.sender);
        }
        ++misbehaviourReportCount[ticket];
        emit MisbehaviourReported(ticket, msg.sender, evidenceHash);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Walks up from `hashedId8` to its root. Chains were checked acyclic and at most MAX_CHAIN_DEPTH long when
    ///      added, so the bound only guards against a broken invariant.
    function _isTrusted(bytes8 hashedId8) private view returns (bool) {
        bytes8 current = hashedId8;
        for (uint256 i; i < MAX_CHAIN_DEPTH; ++i) {
            CertInfo storage c = _certs[current];
            if (c.role == CertRole.None || c.revoked) return false;
            if (c.role == CertRole.Root) return true;
            current = c.issuer;
        }
        return false;
    }

    function _removeRoot(bytes8 hashedId8) private {
        uint256 position = _rootPosition[hashedId8];
        uint256 last = _roots.length;
        if (position != last) {
            bytes8 moved = _roots[last - 1];
            _roots[position - 1] = moved;
            _rootPosition[moved] = position;
        }
        _roots.pop();
        delete _rootPosition[hashedId8];
    }
}
