// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {DataFixture} from "./DataFixture.sol";
import {ERC1271Wallet} from "../identity/IdentityMocks.sol";
import {ConsentRegistry} from "../../src/data/ConsentRegistry.sol";
import {IConsentRegistry} from "../../src/data/IConsentRegistry.sol";

contract ConsentRegistryTest is DataFixture {
    bytes32 internal constant CAR = keccak256("vehicle:WVWZZZ1JZXW000042");

    function setUp() public {
        setUpData();
        ownedVehicle(CAR);
    }

    function expectGrantRevert(bytes memory err, IConsentRegistry.Consent memory c, bytes memory signature) internal {
        vm.expectRevert(err);
        vm.prank(relayer);
        consents.grant(c, signature);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsRegistry() public view {
        assertEq(consents.initializer(), deployer);
        assertEq(consents.didRegistry(), address(registry));
    }

    function test_initialize_emitsInitialized() public {
        ConsentRegistry fresh = new ConsentRegistry(deployer);
        vm.expectEmit(address(fresh));
        emit IConsentRegistry.Initialized(address(registry));
        vm.prank(deployer);
        fresh.initialize(address(registry));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        ConsentRegistry fresh = new ConsentRegistry(deployer);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNotInitializer.selector, address(this)));
        fresh.initialize(address(registry));
        vm.startPrank(deployer);
        vm.expectRevert(IConsentRegistry.ConsentRegistryZeroAddress.selector);
        fresh.initialize(address(0));
        vm.expectRevert(IConsentRegistry.ConsentRegistryAlreadyInitialized.selector);
        consents.initialize(address(registry));
        vm.stopPrank();
    }

    function test_grant_revertsBeforeInitialize() public {
        ConsentRegistry fresh = new ConsentRegistry(deployer);
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        vm.expectRevert(IConsentRegistry.ConsentRegistryNotInitialized.selector);
        fresh.grant(c, signConsent(owner1Key, c));
        assertFalse(fresh.isValid(fresh.consentId(c)), "nothing is valid in an uninitialised registry");
    }

    // ------------------------------------------------------------ consentId, domain

    function test_consentId_isTheEip712StructHash() public view {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        assertEq(consents.consentId(c), structHashOf(c));
        assertEq(
            consents.CONSENT_TYPEHASH(),
            keccak256(
                "Consent(bytes32 subject,bytes32 grantee,uint256 scopes,bytes32 purpose,uint64 validFrom,uint64 validUntil,bytes32 salt)"
            )
        );
        assertEq(consents.REVOCATION_TYPEHASH(), keccak256("Revocation(bytes32 consentId,uint256 deadline)"));
    }

    function testFuzz_consentId(IConsentRegistry.Consent memory c) public view {
        assertEq(consents.consentId(c), structHashOf(c), "every field is hashed, in the type string's order");
    }

    function test_domainSeparator_followsTheChain() public {
        assertEq(consents.domainSeparator(), domainSeparatorOf("AMC ConsentRegistry", address(consents)));
        vm.chainId(EDGE);
        assertEq(
            consents.domainSeparator(),
            domainSeparatorOf("AMC ConsentRegistry", address(consents)),
            "rebuilt for another chain id"
        );
    }

    // ------------------------------------------------------------ grant

    function test_grant_storesTheConsent() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes32 id = grantAsOwner1(c);
        assertEq(id, structHashOf(c), "the id is the struct hash");

        IConsentRegistry.ConsentRecord memory r = consents.consent(id);
        assertEq(r.granter, owner1, "the controller who signed, not the relayer");
        assertEq(r.validFrom, c.validFrom);
        assertEq(r.validUntil, c.validUntil);
        assertEq(uint256(r.status), uint256(IConsentRegistry.Status.Active));
        assertEq(r.subject, CAR);
        assertEq(r.grantee, GRANTEE);
        assertEq(r.scopes, TELEMETRY | BATTERY);
        assertTrue(consents.isValid(id));
        assertTrue(consents.covers(id, GRANTEE, TELEMETRY));
    }

    function test_grant_emitsConsentGranted() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory signature = signConsent(owner1Key, c);
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentGranted(
            structHashOf(c), CAR, GRANTEE, TELEMETRY | BATTERY, PURPOSE, c.validFrom, c.validUntil, owner1
        );
        vm.prank(stranger); // anyone may submit
        consents.grant(c, signature);
    }

    function test_grant_allowsAWindowInTheFuture() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validFrom = T0 + 1 days;
        c.validUntil = T0 + 2 days;
        bytes32 id = grantAsOwner1(c);
        assertFalse(consents.isValid(id), "not yet");
        vm.warp(T0 + 1 days);
        assertTrue(consents.isValid(id), "from validFrom");
    }

    function test_grant_saturatesTheStoredWindow() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validUntil = type(uint64).max; // "until revoked"
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentGranted(
            structHashOf(c), CAR, GRANTEE, c.scopes, PURPOSE, c.validFrom, type(uint64).max, owner1
        );
        bytes32 id = grantAsOwner1(c);
        assertEq(consents.consent(id).validUntil, type(uint40).max, "stored in 40 bits");
        vm.warp(uint256(type(uint40).max) - 1);
        assertTrue(consents.isValid(id), "valid up to the year 36812");
    }

    function test_grant_revertsOnZeroGrantee() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.grantee = bytes32(0);
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryZeroGrantee.selector), c, signConsent(owner1Key, c)
        );
    }

    function test_grant_revertsOnNoScopes() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.scopes = 0;
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNoScopes.selector), c, signConsent(owner1Key, c)
        );
    }

    function test_grant_revertsOnEmptyOrInvertedWindow() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validUntil = c.validFrom;
        bytes memory err =
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidWindow.selector, c.validFrom, c.validUntil);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
        c.validFrom = T0 + 2 days;
        c.validUntil = T0 + 1 days;
        err = abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidWindow.selector, c.validFrom, c.validUntil);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
    }

    function test_grant_revertsWhenTheWindowHasEnded() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validFrom = T0 - 2 days;
        c.validUntil = T0; // ends now: validUntil is exclusive
        bytes memory err = abi.encodeWithSelector(IConsentRegistry.ConsentRegistryWindowEnded.selector, T0, T0);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
        c.validUntil = T0 + 1; // one second left
        grantAsOwner1(c);
    }

    function test_grant_revertsWhenAlreadyGrantedEvenAfterRevocation() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory signature = signConsent(owner1Key, c);
        bytes32 id = grantAsOwner1(c);
        bytes memory err = abi.encodeWithSelector(
            IConsentRegistry.ConsentRegistryAlreadyGranted.selector, id, IConsentRegistry.Status.Active
        );
        expectGrantRevert(err, c, signature);
        vm.prank(owner1);
        consents.revoke(id);
        err = abi.encodeWithSelector(
            IConsentRegistry.ConsentRegistryAlreadyGranted.selector, id, IConsentRegistry.Status.Revoked
        );
        expectGrantRevert(err, c, signature);
        assertFalse(consents.isValid(id), "a revoked id is never re-granted");
    }

    function test_grant_revertsOnUnknownSubject() public {
        IConsentRegistry.Consent memory c = termsOf(keccak256("no such vehicle"), 1);
        bytes memory err = abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnknownSubject.selector, c.subject);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
    }

    function test_grant_revertsOnDeactivatedSubject() public {
        vm.prank(bob); // a regulator scraps the car
        lifecycle.scrap(CAR);
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory err = abi.encodeWithSelector(IConsentRegistry.ConsentRegistrySubjectDeactivated.selector, CAR);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
    }

    function test_grant_revertsOnSignatureOfAnotherAccount() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory err =
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), owner1);
        expectGrantRevert(err, c, signConsent(owner2Key, c));
        expectGrantRevert(err, c, signConsent(aliceKey, c)); // the OEM sold it: no longer its controller
        expectGrantRevert(err, c, "");
        expectGrantRevert(err, c, new bytes(65));
    }

    function test_grant_revertsOnTamperedTerms() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory signature = signConsent(owner1Key, c);
        c.scopes |= LOCATION; // the relayer widens the scopes
        bytes memory err =
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), owner1);
        expectGrantRevert(err, c, signature);
    }

    function test_grant_revertsOnSignatureForAnotherChainOrRegistry() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory err =
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), owner1);
        bytes32 otherRegistry =
            typedDigest(domainSeparatorOf("AMC ConsentRegistry", address(registry)), structHashOf(c));
        expectGrantRevert(err, c, signPacked(owner1Key, otherRegistry));
        bytes32 otherName = typedDigest(domainSeparatorOf("AMC DIDRegistry", address(consents)), structHashOf(c));
        expectGrantRevert(err, c, signPacked(owner1Key, otherName));
        bytes memory signedOnMain = signConsent(owner1Key, c);
        vm.chainId(EDGE); // the same registry address on another chain (CREATE2)
        expectGrantRevert(err, c, signedOnMain);
    }

    /// @dev The checks run in the documented order: terms, then the id, then the subject, then the signature.
    function test_grant_checksInDocumentedOrder() public {
        IConsentRegistry.Consent memory c = termsOf(keccak256("unknown"), 1);
        c.grantee = bytes32(0);
        c.scopes = 0;
        c.validFrom = T0;
        c.validUntil = T0 - 1;
        expectGrantRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryZeroGrantee.selector), c, "");
        c.grantee = GRANTEE;
        expectGrantRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNoScopes.selector), c, "");
        c.scopes = TELEMETRY;
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidWindow.selector, T0, T0 - 1), c, ""
        );
        c.validFrom = T0 - 10;
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryWindowEnded.selector, T0 - 1, T0), c, ""
        );
        c.validUntil = T0 + 10;
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnknownSubject.selector, c.subject), c, ""
        );
        c.subject = CAR;
        expectGrantRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), owner1),
            c,
            ""
        );
        bytes32 id = grantAsOwner1(c);
        vm.prank(bob);
        lifecycle.scrap(CAR);
        // A granted id is refused before the subject is even looked at.
        expectGrantRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryAlreadyGranted.selector, id, IConsentRegistry.Status.Active
            ),
            c,
            ""
        );
    }

    function test_grant_gas() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        bytes memory signature = signConsent(owner1Key, c);
        vm.prank(relayer);
        uint256 before = gasleft();
        consents.grant(c, signature);
        uint256 used = before - gasleft();
        // Four fresh slots (88.4k), two registry calls, one ecrecover and the event.
        assertLt(used, 115_000, "grant");
        assertGt(used, 88_400, "four fresh slots at least");
    }

    // ------------------------------------------------------------ ERC-1271 controllers

    function test_grant_acceptsAnErc1271Controller() public {
        ERC1271Wallet fleet = new ERC1271Wallet(owner2);
        vm.prank(owner1);
        lifecycle.transfer(CAR, address(fleet)); // sold to a fleet operator's contract wallet
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);

        bytes memory err = abi.encodeWithSelector(
            IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), address(fleet)
        );
        expectGrantRevert(err, c, signConsent(owner1Key, c)); // the wallet's key-holder is owner2

        bytes32 id;
        bytes memory signature = signConsent(owner2Key, c);
        vm.prank(relayer);
        id = consents.grant(c, signature);
        assertEq(consents.consent(id).granter, address(fleet), "the wallet is the granter");
        assertTrue(consents.covers(id, GRANTEE, BATTERY));

        uint256 deadline = T0 + 1 hours;
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, id, address(fleet))
        );
        consents.revokeSigned(id, deadline, signRevocation(owner1Key, id, deadline));
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentRevoked(id, address(fleet));
        consents.revokeSigned(id, deadline, signRevocation(owner2Key, id, deadline));
        assertFalse(consents.isValid(id));
    }

    // ------------------------------------------------------------ revoke

    function test_revoke_byGranter() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentRevoked(id, owner1);
        vm.prank(owner1);
        consents.revoke(id);
        assertEq(uint256(consents.consent(id).status), uint256(IConsentRegistry.Status.Revoked));
        assertEq(consents.consent(id).granter, owner1, "the record stays");
        assertFalse(consents.isValid(id));
        assertFalse(consents.covers(id, GRANTEE, TELEMETRY));
    }

    function test_revoke_byTheSubjectsNewController() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        vm.prank(owner2); // the buyer cleans up the seller's consents
        consents.revoke(id);
        assertEq(uint256(consents.consent(id).status), uint256(IConsentRegistry.Status.Revoked));
    }

    function test_revoke_byTheGranterAfterTheSale() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        vm.prank(owner1);
        consents.revoke(id);
        assertEq(uint256(consents.consent(id).status), uint256(IConsentRegistry.Status.Revoked));
    }

    function test_revoke_revertsForAnyoneElse() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        address[3] memory others = [stranger, alice, relayer];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNotAuthorized.selector, id, others[i])
            );
            vm.prank(others[i]);
            consents.revoke(id);
        }
        assertTrue(consents.isValid(id));
    }

    function test_revoke_revertsWhenRevokedTwice() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.startPrank(owner1);
        consents.revoke(id);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryAlreadyRevoked.selector, id));
        consents.revoke(id);
        vm.stopPrank();
    }

    function test_revoke_revertsOnUnknownConsent() public {
        bytes32 id = structHashOf(termsOf(CAR, 1));
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnknownConsent.selector, id));
        vm.prank(owner1);
        consents.revoke(id);
    }

    function test_revoke_worksAfterExpiryAndScrapping() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.warp(T0 + 365 days);
        vm.prank(bob);
        lifecycle.scrap(CAR);
        vm.prank(owner1);
        consents.revoke(id);
        assertEq(uint256(consents.consent(id).status), uint256(IConsentRegistry.Status.Revoked));
    }

    function test_revoke_gas() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        uint256 before = gasleft();
        consents.revoke(id);
        assertLt(before - gasleft(), 12_000, "revoke by the granter: one slot rewritten, no registry call");
    }

    // ------------------------------------------------------------ revokeSigned

    function test_revokeSigned_byGranter() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        uint256 deadline = T0 + 1 hours;
        bytes memory signature = signRevocation(owner1Key, id, deadline);
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentRevoked(id, owner1);
        vm.prank(relayer);
        consents.revokeSigned(id, deadline, signature);
        assertFalse(consents.isValid(id));
        // A replay changes nothing: the consent is revoked once.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryAlreadyRevoked.selector, id));
        consents.revokeSigned(id, deadline, signature);
    }

    function test_revokeSigned_byTheSubjectsNewController() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        uint256 deadline = T0 + 1 hours;
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentRevoked(id, owner2);
        consents.revokeSigned(id, deadline, signRevocation(owner2Key, id, deadline));
    }

    function test_revokeSigned_revertsOnStrangerOrWrongTerms() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        uint256 deadline = T0 + 1 hours;
        bytes memory err = abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, id, owner1);
        vm.expectRevert(err);
        consents.revokeSigned(id, deadline, signRevocation(owner2Key, id, deadline));
        vm.expectRevert(err);
        consents.revokeSigned(id, deadline + 1, signRevocation(owner1Key, id, deadline));
        vm.expectRevert(err);
        consents.revokeSigned(id, deadline, signRevocation(owner1Key, bytes32(uint256(id) ^ 1), deadline));
        vm.expectRevert(err);
        consents.revokeSigned(id, deadline, "");
        assertTrue(consents.isValid(id));
    }

    function test_revokeSigned_revertsAfterDeadline() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        uint256 deadline = T0 + 1 hours;
        bytes memory signature = signRevocation(owner1Key, id, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistrySignatureExpired.selector, deadline));
        consents.revokeSigned(id, deadline, signature);
        vm.warp(deadline); // the deadline itself is still in time
        consents.revokeSigned(id, deadline, signature);
    }

    function test_revokeSigned_revertsOnUnknownConsent() public {
        bytes32 id = structHashOf(termsOf(CAR, 1));
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnknownConsent.selector, id));
        consents.revokeSigned(id, T0, signRevocation(owner1Key, id, T0));
    }

    function test_revokeSigned_gas() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        uint256 deadline = T0 + 1 hours;
        bytes memory signature = signRevocation(owner1Key, id, deadline);
        uint256 before = gasleft();
        consents.revokeSigned(id, deadline, signature);
        assertLt(before - gasleft(), 20_000, "revokeSigned by the granter");
    }

    // ------------------------------------------------------------ isValid, covers

    function test_isValid_falseForUnknown() public view {
        assertFalse(consents.isValid(bytes32(0)));
        assertFalse(consents.isValid(structHashOf(termsOf(CAR, 1))));
        assertFalse(consents.covers(bytes32(0), bytes32(0), 0));
        assertEq(uint256(consents.consent(bytes32(0)).status), uint256(IConsentRegistry.Status.None));
    }

    function test_isValid_followsTheWindowExactly() public {
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validFrom = T0 + 100;
        c.validUntil = T0 + 200;
        bytes32 id = grantAsOwner1(c);
        vm.warp(T0 + 99);
        assertFalse(consents.isValid(id), "before validFrom");
        vm.warp(T0 + 100);
        assertTrue(consents.isValid(id), "at validFrom");
        vm.warp(T0 + 199);
        assertTrue(consents.isValid(id), "the last second");
        vm.warp(T0 + 200);
        assertFalse(consents.isValid(id), "validUntil is exclusive");
    }

    /// @dev A sale voids the seller's consents at once; the buyer's own consents are unaffected.
    function test_isValid_falseAfterTheVehicleIsSold() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        assertTrue(consents.isValid(id));
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        assertFalse(consents.isValid(id), "the seller's consent is void");
        assertFalse(consents.covers(id, GRANTEE, TELEMETRY));
        assertEq(uint256(consents.consent(id).status), uint256(IConsentRegistry.Status.Active), "not revoked");

        // The seller can no longer grant; the buyer can.
        IConsentRegistry.Consent memory c = termsOf(CAR, 2);
        bytes memory err =
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBadSignature.selector, structHashOf(c), owner2);
        expectGrantRevert(err, c, signConsent(owner1Key, c));
        vm.prank(relayer);
        bytes32 buyers = consents.grant(c, signConsent(owner2Key, c));
        assertTrue(consents.isValid(buyers));
    }

    /// @dev Documented: when control comes back to the granter, its unrevoked consents apply again.
    function test_isValid_againAfterBuyBack() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        lifecycle.transfer(CAR, owner2);
        assertFalse(consents.isValid(id));
        vm.prank(owner2);
        lifecycle.transfer(CAR, owner1);
        assertTrue(consents.isValid(id), "owner1's own decision stands again");
    }

    function test_isValid_falseForGoodAfterScrapping() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1));
        vm.prank(owner1);
        lifecycle.scrap(CAR);
        assertEq(registry.controllerOf(CAR), owner1, "the controller is kept");
        assertFalse(consents.isValid(id), "a deactivated subject voids every consent");
    }

    function test_covers_checksGranteeAndEveryScopeBit() public {
        bytes32 id = grantAsOwner1(termsOf(CAR, 1)); // TELEMETRY | BATTERY
        assertTrue(consents.covers(id, GRANTEE, TELEMETRY));
        assertTrue(consents.covers(id, GRANTEE, BATTERY));
        assertTrue(consents.covers(id, GRANTEE, TELEMETRY | BATTERY));
        assertTrue(consents.covers(id, GRANTEE, 0), "nothing specific asked");
        assertFalse(consents.covers(id, GRANTEE, LOCATION), "a kind not granted");
        assertFalse(consents.covers(id, GRANTEE, TELEMETRY | LOCATION), "one bit more than granted");
        assertFalse(consents.covers(id, OTHER_GRANTEE, TELEMETRY), "another grantee");
        assertFalse(consents.covers(id, bytes32(0), 0));
    }

    /// @dev Validity against warped time: valid exactly inside [validFrom, validUntil).
    function testFuzz_isValid_window(uint64 from, uint64 length, uint256 at) public {
        from = uint64(bound(from, 0, uint256(T0) + 10 * 365 days));
        uint256 minLength = from < T0 ? uint256(T0) - from + 1 : 1; // validUntil must be in the future at grant
        length = uint64(bound(length, minLength, minLength + 5 * 365 days));
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.validFrom = from;
        c.validUntil = from + length;
        bytes32 id = grantAsOwner1(c);
        at = bound(at, T0, uint256(T0) + 20 * 365 days);
        vm.warp(at);
        bool inside = c.validFrom <= at && at < c.validUntil;
        assertEq(consents.isValid(id), inside, "valid iff validFrom <= now < validUntil");
        assertEq(consents.covers(id, GRANTEE, TELEMETRY), inside);
    }

    /// @dev `covers` is true exactly for subsets of the granted scopes (and the right grantee).
    function testFuzz_covers_scopes(uint256 granted, uint256 requested, bool sameGrantee) public {
        granted = bound(granted, 1, type(uint256).max);
        IConsentRegistry.Consent memory c = termsOf(CAR, 1);
        c.scopes = granted;
        bytes32 id = grantAsOwner1(c);
        bytes32 grantee = sameGrantee ? GRANTEE : OTHER_GRANTEE;
        bool subset = requested & ~granted == 0;
        assertEq(consents.covers(id, grantee, requested), subset && sameGrantee, "subset of the granted bits");
        assertTrue(consents.covers(id, GRANTEE, granted & requested), "any intersection is covered");
        assertTrue(consents.covers(id, GRANTEE, granted), "everything granted");
    }
}
