// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "../identity/IdentityFixture.sol";
import {ConsentRegistry} from "../../src/data/ConsentRegistry.sol";
import {DataLedger} from "../../src/data/DataLedger.sol";
import {IConsentRegistry} from "../../src/data/IConsentRegistry.sol";

/// @notice The data module on MAIN over IdentityFixture (alice OEM, bob REGULATOR, carol INSURER are the consortium
///         members; owner1 and owner2 buy vehicles): ConsentRegistry over the DIDRegistry, DataLedger over the
///         Consortium, deployed and initialised the way the deployer does it. Signs consents and revocations with
///         EIP-712 digests computed here, independently of OpenZeppelin's EIP712.
abstract contract DataFixture is IdentityFixture {
    ConsentRegistry internal consents;
    DataLedger internal ledger;

    /// @dev Data kinds as bits (packages/chain/src/consent.ts).
    uint256 internal constant LOCATION = 1 << 0;
    uint256 internal constant TELEMETRY = 1 << 1;
    uint256 internal constant DRIVING = 1 << 2;
    uint256 internal constant DIAGNOSTICS = 1 << 3;
    uint256 internal constant BATTERY = 1 << 4;

    bytes32 internal constant GRANTEE = keccak256("did:amc:dev:carol-insurance");
    bytes32 internal constant OTHER_GRANTEE = keccak256("did:amc:dev:someone-else");
    bytes32 internal constant PURPOSE = keccak256("Usage-based insurance pricing");
    bytes32 internal constant CN_31 = bytes32("CN-31");

    /// @dev A block time in June 2025, where the tests start.
    uint64 internal constant T0 = 1_750_000_000;

    function setUpData() internal {
        setUpIdentity();
        consents = new ConsentRegistry(deployer);
        ledger = new DataLedger(deployer);
        vm.startPrank(deployer);
        consents.initialize(address(registry));
        ledger.initialize(address(consortium));
        vm.stopPrank();
        vm.warp(T0);
    }

    /// @dev Telemetry and battery for GRANTEE, for 30 days from now, with salt `n`.
    function termsOf(bytes32 subject, uint256 n) internal pure returns (IConsentRegistry.Consent memory c) {
        c.subject = subject;
        c.grantee = GRANTEE;
        c.scopes = TELEMETRY | BATTERY;
        c.purpose = PURPOSE;
        c.validFrom = T0;
        c.validUntil = T0 + 30 days;
        c.salt = keccak256(abi.encode("salt", n));
    }

    /// @dev The EIP-712 struct hash of `c`, spelled out word by word from the type string.
    function structHashOf(IConsentRegistry.Consent memory c) internal pure returns (bytes32) {
        bytes32 typeHash = keccak256(
            "Consent(bytes32 subject,bytes32 grantee,uint256 scopes,bytes32 purpose,uint64 validFrom,uint64 validUntil,bytes32 salt)"
        );
        return keccak256(
            bytes.concat(
                typeHash,
                c.subject,
                c.grantee,
                bytes32(c.scopes),
                c.purpose,
                bytes32(uint256(c.validFrom)),
                bytes32(uint256(c.validUntil)),
                c.salt
            )
        );
    }

    function consentDigest(IConsentRegistry.Consent memory c) internal view returns (bytes32) {
        return typedDigest(domainSeparatorOf("AMC ConsentRegistry", address(consents)), structHashOf(c));
    }

    function signConsent(uint256 key, IConsentRegistry.Consent memory c) internal view returns (bytes memory) {
        return signPacked(key, consentDigest(c));
    }

    function signRevocation(uint256 key, bytes32 id, uint256 deadline) internal view returns (bytes memory) {
        bytes32 structHash =
            keccak256(abi.encode(keccak256("Revocation(bytes32 consentId,uint256 deadline)"), id, deadline));
        return signPacked(key, typedDigest(domainSeparatorOf("AMC ConsentRegistry", address(consents)), structHash));
    }

    /// @dev Vehicle `id` produced by alice and sold to owner1 (who controls its DID), registered by bob.
    function ownedVehicle(bytes32 id) internal {
        produceSellRegister(id);
    }

    /// @dev owner1 signs `c` and a relayer submits it.
    function grantAsOwner1(IConsentRegistry.Consent memory c) internal returns (bytes32 id) {
        bytes memory signature = signConsent(owner1Key, c);
        vm.prank(relayer);
        id = consents.grant(c, signature);
    }
}
