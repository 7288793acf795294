// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "../identity/IdentityFixture.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {IV2xTrustStore} from "../../src/v2x/IV2xTrustStore.sol";

/// @notice IdentityFixture's deployment (which includes the V2xTrustStore on MAIN) plus two members joined through
///         governance: dave, a CERTIFICATE_AUTHORITY, and erin, an RSU_OPERATOR; bob is the REGULATOR. Also builds
///         stand-in certificates and their HashedId8 the IEEE 1609.2 way, independently of the contract.
abstract contract V2xFixture is IdentityFixture {
    bytes32 internal constant CERTIFICATE_AUTHORITY = keccak256("CERTIFICATE_AUTHORITY");
    bytes32 internal constant RSU_OPERATOR = keccak256("RSU_OPERATOR");
    bytes32 internal constant REGULATOR = keccak256("REGULATOR");

    address internal dave;
    address internal erin;

    function setUpV2x() internal {
        setUpIdentity();
        dave = makeAddr("dave");
        erin = makeAddr("erin");
        address[] memory t = new address[](4);
        uint256[] memory v = new uint256[](4);
        bytes[] memory c = new bytes[](4);
        for (uint256 i; i < 4; ++i) {
            t[i] = address(consortium);
        }
        c[0] = abi.encodeCall(IConsortium.addMember, (dave, "Dave PKI", "ipfs://dave"));
        c[1] = abi.encodeCall(IConsortium.addMember, (erin, "Erin Roads", "ipfs://erin"));
        c[2] = abi.encodeCall(IConsortium.grantRole, (CERTIFICATE_AUTHORITY, dave));
        c[3] = abi.encodeCall(IConsortium.grantRole, (RSU_OPERATOR, erin));
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "v2x members");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        consortium.execute(id);
    }

    /// @dev IEEE 1609.2 HashedId8: the low-order (last) 8 bytes of SHA-256, taken by shifting the digest rather than
    ///      by the contract's uint64 truncation.
    function hashedId8(bytes memory cert) internal pure returns (bytes8) {
        return bytes8(sha256(cert) << 192);
    }

    /// @dev A distinct stand-in for a COER certificate, `n` selecting it.
    function fakeCert(uint256 n) internal pure returns (bytes memory) {
        return abi.encodePacked(hex"80030080", n);
    }

    /// @dev dave adds `cert` with `role` under `issuer` (its own HashedId8 when `issuer` is zero) and returns its id.
    function addCert(bytes memory cert, IV2xTrustStore.CertRole role, bytes8 issuer) internal returns (bytes8 id) {
        id = hashedId8(cert);
        vm.prank(dave);
        trustStore.addCertificate(id, cert, role, issuer == bytes8(0) ? id : issuer);
    }

    /// @dev A chain of `length` certificates: a root (from `seed`), then PseudonymCa certificates each issued by the
    ///      previous one.
    function addChain(uint256 seed, uint256 length) internal returns (bytes8[] memory ids) {
        ids = new bytes8[](length);
        ids[0] = addCert(fakeCert(seed), IV2xTrustStore.CertRole.Root, bytes8(0));
        for (uint256 i = 1; i < length; ++i) {
            ids[i] = addCert(fakeCert(seed + i), IV2xTrustStore.CertRole.PseudonymCa, ids[i - 1]);
        }
    }
}
