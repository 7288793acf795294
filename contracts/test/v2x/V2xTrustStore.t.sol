// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {V2xFixture} from "./V2xFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {V2xTrustStore} from "../../src/v2x/V2xTrustStore.sol";
import {IV2xTrustStore} from "../../src/v2x/IV2xTrustStore.sol";
import {IIdentityMirror} from "../../src/identity/IIdentityMirror.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";
import {IMailbox} from "../../src/xchain/interfaces/IMailbox.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

contract V2xTrustStoreTest is V2xFixture {
    // A stand-in root certificate and its HashedId8, computed outside Solidity (node's crypto, SHA-256, last 8 bytes):
    //   sha256(8003008100198106726f6f742d63618000)
    //     = 518cd994c34f444d07ec46bc3f1537398a41eea745be1095de7a3b9a82a57c6a
    bytes internal constant ROOT_CERT = hex"8003008100198106726f6f742d63618000";
    bytes8 internal constant ROOT_ID = 0xde7a3b9a82a57c6a;

    uint32 internal constant SEED_PERIOD = 4242;
    uint16 internal constant LA1 = 1;
    uint16 internal constant LA2 = 2;
    bytes16 internal constant SEED1 = bytes16(0x00112233445566778899aabbccddeeff);
    bytes16 internal constant SEED2 = bytes16(0xffeeddccbbaa99887766554433221100);
    bytes32 internal constant REPORT = keccak256("investigation report");

    function setUp() public {
        setUpV2x();
    }

    function missingRole(bytes32 role, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreMissingRole.selector, role, account);
    }

    function publish() internal returns (uint256) {
        vm.prank(bob);
        return trustStore.publishLinkageSeeds(SEED_PERIOD, LA1, SEED1, LA2, SEED2, REPORT);
    }

    /// @dev The messages the Mailbox dispatched in `logs`, checked to come from the trust store and go to the mirror,
    ///      as (destination, body) pairs in dispatch order.
    function dispatched(Vm.Log[] memory logs)
        internal
        view
        returns (uint32[] memory destinations, bytes[] memory bodies)
    {
        destinations = new uint32[](logs.length);
        bodies = new bytes[](logs.length);
        bytes32 sender = bytes32(uint256(uint160(address(trustStore))));
        bytes32 recipient = bytes32(uint256(uint160(address(mirror))));
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(mailbox) || logs[i].topics[0] != IMailbox.Dispatched.selector) continue;
            assertEq(logs[i].topics[1], sender, "sender is the trust store");
            assertEq(logs[i].topics[3], recipient, "recipient is the mirror");
            (, uint32 nonce_, bytes memory message) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
            uint32 destination = uint32(uint256(logs[i].topics[2]));
            bytes memory body = bodyOf(message);
            assertEq(
                message,
                Message.formatMessage(Message.VERSION, nonce_, MAIN, sender, destination, recipient, body),
                "well-formed message from MAIN"
            );
            destinations[n] = destination;
            bodies[n] = body;
            ++n;
        }
        assembly {
            mstore(destinations, n)
            mstore(bodies, n)
        }
    }

    /// @dev The body of a serialised message: everything after the 77-byte header.
    function bodyOf(bytes memory message) internal pure returns (bytes memory body) {
        body = new bytes(message.length - 77);
        for (uint256 i; i < body.length; ++i) {
            body[i] = message[77 + i];
        }
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(trustStore.initializer(), deployer);
        assertEq(trustStore.consortium(), address(consortium));
        assertEq(trustStore.mailbox(), address(mailbox));
        assertEq(trustStore.mirror(), address(mirror));
        assertEq(trustStore.MAX_CHAIN_DEPTH(), 8);
        assertEq(trustStore.seedCount(), 0);
        assertEq(trustStore.roots().length, 0);
    }

    function test_initialize_emitsInitialized() public {
        V2xTrustStore fresh = new V2xTrustStore(deployer);
        vm.expectEmit(address(fresh));
        emit IV2xTrustStore.Initialized(address(consortium), address(mailbox), address(mirror));
        vm.prank(deployer);
        fresh.initialize(address(consortium), address(mailbox), address(mirror));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        V2xTrustStore fresh = new V2xTrustStore(deployer);
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreNotInitializer.selector, address(this)));
        fresh.initialize(address(consortium), address(mailbox), address(mirror));
        vm.startPrank(deployer);
        vm.expectRevert(IV2xTrustStore.V2xTrustStoreZeroAddress.selector);
        fresh.initialize(address(0), address(mailbox), address(mirror));
        vm.expectRevert(IV2xTrustStore.V2xTrustStoreZeroAddress.selector);
        fresh.initialize(address(consortium), address(0), address(mirror));
        vm.expectRevert(IV2xTrustStore.V2xTrustStoreZeroAddress.selector);
        fresh.initialize(address(consortium), address(mailbox), address(0));
        vm.expectRevert(IV2xTrustStore.V2xTrustStoreAlreadyInitialized.selector);
        trustStore.initialize(address(consortium), address(mailbox), address(mirror));
        vm.stopPrank();
    }

    function test_addCertificate_revertsBeforeInitialize() public {
        V2xTrustStore fresh = new V2xTrustStore(deployer);
        vm.expectRevert(); // the role check calls the zero address
        vm.prank(dave);
        fresh.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);
    }

    // ------------------------------------------------------------ addCertificate

    function test_addCertificate_addsRoot() public {
        vm.warp(1_700_000_000);
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.CertificateAdded(ROOT_ID, IV2xTrustStore.CertRole.Root, ROOT_ID);
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);

        IV2xTrustStore.CertInfo memory c = trustStore.certificate(ROOT_ID);
        assertEq(uint256(c.role), uint256(IV2xTrustStore.CertRole.Root));
        assertEq(bytes32(c.issuer), bytes32(ROOT_ID));
        assertEq(c.depth, 1);
        assertFalse(c.revoked);
        assertEq(c.addedAt, 1_700_000_000);
        assertEq(c.revokedAt, 0);
        assertEq(c.cert, ROOT_CERT);
        assertTrue(trustStore.isTrusted(ROOT_ID));
        bytes8[] memory r = trustStore.roots();
        assertEq(r.length, 1);
        assertEq(bytes32(r[0]), bytes32(ROOT_ID));
    }

    function test_addCertificate_addsIssuedCertificates() public {
        bytes8 root = addCert(ROOT_CERT, IV2xTrustStore.CertRole.Root, bytes8(0));
        bytes memory eaCert = fakeCert(1);
        bytes8 ea = hashedId8(eaCert);
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.CertificateAdded(ea, IV2xTrustStore.CertRole.EnrolmentAuthority, root);
        vm.prank(dave);
        trustStore.addCertificate(ea, eaCert, IV2xTrustStore.CertRole.EnrolmentAuthority, root);
        bytes8 pca = addCert(fakeCert(2), IV2xTrustStore.CertRole.PseudonymCa, root);
        bytes8 la = addCert(fakeCert(3), IV2xTrustStore.CertRole.LinkageAuthority, root);
        bytes8 ma = addCert(fakeCert(4), IV2xTrustStore.CertRole.MisbehaviourAuthority, root);

        IV2xTrustStore.CertInfo memory c = trustStore.certificate(ea);
        assertEq(uint256(c.role), uint256(IV2xTrustStore.CertRole.EnrolmentAuthority));
        assertEq(bytes32(c.issuer), bytes32(root));
        assertEq(c.depth, 2);
        assertEq(c.cert, eaCert);
        assertTrue(trustStore.isTrusted(ea));
        assertTrue(trustStore.isTrusted(pca));
        assertTrue(trustStore.isTrusted(la));
        assertTrue(trustStore.isTrusted(ma));
        assertEq(trustStore.roots().length, 1, "only roots are listed");
    }

    function test_addCertificate_revertsOnDigestMismatch() public {
        // Not the high-order bytes: those are a common misreading of "HashedId8".
        bytes8 highOrder = bytes8(sha256(ROOT_CERT));
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreDigestMismatch.selector, highOrder, ROOT_ID));
        vm.prank(dave);
        trustStore.addCertificate(highOrder, ROOT_CERT, IV2xTrustStore.CertRole.Root, highOrder);
        // Nor a hash other than SHA-256.
        bytes8 keccakLow = bytes8(uint64(uint256(keccak256(ROOT_CERT))));
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreDigestMismatch.selector, keccakLow, ROOT_ID));
        vm.prank(dave);
        trustStore.addCertificate(keccakLow, ROOT_CERT, IV2xTrustStore.CertRole.Root, keccakLow);
    }

    function test_addCertificate_revertsWhenNotCertificateAuthority() public {
        address[4] memory others = [alice, bob, erin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(missingRole(CERTIFICATE_AUTHORITY, others[i]));
            vm.prank(others[i]);
            trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);
        }
    }

    function test_addCertificate_revertsWhenRoleRevokedFromCa() public {
        addCert(ROOT_CERT, IV2xTrustStore.CertRole.Root, bytes8(0));
        vm.prank(address(consortium));
        consortium.revokeRole(CERTIFICATE_AUTHORITY, dave);
        bytes memory cert = fakeCert(1);
        bytes8 id = hashedId8(cert); // before expectRevert: the SHA-256 precompile call would consume it
        vm.expectRevert(missingRole(CERTIFICATE_AUTHORITY, dave));
        vm.prank(dave);
        trustStore.addCertificate(id, cert, IV2xTrustStore.CertRole.PseudonymCa, ROOT_ID);
    }

    function test_addCertificate_revertsOnEmptyCertOrNoneRole() public {
        bytes8 emptyId = hashedId8("");
        vm.expectRevert(IV2xTrustStore.V2xTrustStoreEmptyCertificate.selector);
        vm.prank(dave);
        trustStore.addCertificate(emptyId, "", IV2xTrustStore.CertRole.Root, emptyId);
        vm.expectRevert(
            abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreInvalidCertRole.selector, IV2xTrustStore.CertRole.None)
        );
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.None, ROOT_ID);
    }

    function test_addCertificate_revertsOnOutOfRangeRole() public {
        // An enum value past MisbehaviourAuthority fails ABI decoding, before the role check (so without its error).
        bytes memory data =
            abi.encodeWithSelector(IV2xTrustStore.addCertificate.selector, ROOT_ID, ROOT_CERT, uint256(6), ROOT_ID);
        vm.prank(dave);
        (bool ok, bytes memory ret) = address(trustStore).call(data);
        assertFalse(ok);
        assertEq(ret.length, 0, "a decoding revert, not a custom error");
        assertFalse(trustStore.isTrusted(ROOT_ID));
    }

    function test_addCertificate_revertsWhenExists() public {
        addCert(ROOT_CERT, IV2xTrustStore.CertRole.Root, bytes8(0));
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreCertificateExists.selector, ROOT_ID));
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);
        // Not even under another role or after revocation.
        vm.prank(dave);
        trustStore.revokeCertificate(ROOT_ID);
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreCertificateExists.selector, ROOT_ID));
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);
    }

    function test_addCertificate_revertsOnRootNotSelfIssued() public {
        bytes8 other = addCert(fakeCert(9), IV2xTrustStore.CertRole.Root, bytes8(0));
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreInvalidIssuer.selector, ROOT_ID, other));
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, other);
    }

    function test_addCertificate_revertsOnSelfIssuedNonRoot() public {
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreInvalidIssuer.selector, ROOT_ID, ROOT_ID));
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.PseudonymCa, ROOT_ID);
    }

    function test_addCertificate_revertsOnUnknownIssuer() public {
        vm.expectRevert(
            abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreUnknownCertificate.selector, bytes8(0x0102030405060708))
        );
        vm.prank(dave);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.PseudonymCa, bytes8(0x0102030405060708));
    }

    function test_addCertificate_revertsUnderRevokedIssuerOrAncestor() public {
        bytes8[] memory chain = addChain(100, 3);
        vm.prank(dave);
        trustStore.revokeCertificate(chain[1]);
        bytes memory cert = fakeCert(1);
        bytes8 id = hashedId8(cert);
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreIssuerNotTrusted.selector, chain[1]));
        vm.prank(dave);
        trustStore.addCertificate(id, cert, IV2xTrustStore.CertRole.EnrolmentAuthority, chain[1]);
        // chain[2] itself is not revoked, but its issuer is.
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreIssuerNotTrusted.selector, chain[2]));
        vm.prank(dave);
        trustStore.addCertificate(id, cert, IV2xTrustStore.CertRole.EnrolmentAuthority, chain[2]);
    }

    function test_addCertificate_revertsPastMaxDepth() public {
        bytes8[] memory chain = addChain(100, 8);
        assertEq(trustStore.certificate(chain[7]).depth, 8);
        assertTrue(trustStore.isTrusted(chain[7]), "a chain of 8 is trusted");
        bytes memory cert = fakeCert(1);
        bytes8 id = hashedId8(cert); // before expectRevert: the SHA-256 precompile call would consume it
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreChainTooDeep.selector, chain[7]));
        vm.prank(dave);
        trustStore.addCertificate(id, cert, IV2xTrustStore.CertRole.PseudonymCa, chain[7]);
    }

    function testFuzz_addCertificate_checksDigest(bytes memory cert, bytes8 given) public {
        vm.assume(cert.length > 0);
        bytes8 computed = hashedId8(cert);
        if (given != computed) {
            vm.expectRevert(
                abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreDigestMismatch.selector, given, computed)
            );
        }
        vm.prank(dave);
        trustStore.addCertificate(given, cert, IV2xTrustStore.CertRole.Root, given);
        assertEq(trustStore.isTrusted(computed), given == computed);

        // And the correct id is always accepted.
        if (given != computed) {
            vm.prank(dave);
            trustStore.addCertificate(computed, cert, IV2xTrustStore.CertRole.Root, computed);
            assertEq(trustStore.certificate(computed).cert, cert);
        }
    }

    /// @dev `pick` chooses among the members (one of each role) and an arbitrary address, so both outcomes occur.
    function pickCaller(uint256 pick, address other) internal view returns (address) {
        address[6] memory callers = [alice, bob, carol, dave, erin, other];
        return callers[bound(pick, 0, 5)];
    }

    function testFuzz_addCertificate_onlyCertificateAuthority(uint256 pick, address other) public {
        address caller = pickCaller(pick, other);
        bool allowed = consortium.hasRole(CERTIFICATE_AUTHORITY, caller);
        if (!allowed) vm.expectRevert(missingRole(CERTIFICATE_AUTHORITY, caller));
        vm.prank(caller);
        trustStore.addCertificate(ROOT_ID, ROOT_CERT, IV2xTrustStore.CertRole.Root, ROOT_ID);
        assertEq(trustStore.isTrusted(ROOT_ID), allowed);
    }

    // ------------------------------------------------------------ revokeCertificate

    function test_revokeCertificate_revokesAndUntrustsDescendants() public {
        bytes8 root = addCert(ROOT_CERT, IV2xTrustStore.CertRole.Root, bytes8(0));
        bytes8 ica = addCert(fakeCert(1), IV2xTrustStore.CertRole.PseudonymCa, root);
        bytes8 pca = addCert(fakeCert(2), IV2xTrustStore.CertRole.PseudonymCa, ica);
        bytes8 sibling = addCert(fakeCert(3), IV2xTrustStore.CertRole.EnrolmentAuthority, root);

        vm.warp(1_800_000_000);
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.CertificateRevoked(ica);
        vm.prank(dave);
        trustStore.revokeCertificate(ica);

        IV2xTrustStore.CertInfo memory c = trustStore.certificate(ica);
        assertTrue(c.revoked);
        assertEq(c.revokedAt, 1_800_000_000);
        assertFalse(trustStore.isTrusted(ica), "revoked");
        assertFalse(trustStore.isTrusted(pca), "issued by a revoked CA");
        assertFalse(trustStore.certificate(pca).revoked, "descendants are untrusted, not marked revoked");
        assertTrue(trustStore.isTrusted(root), "the issuer stays trusted");
        assertTrue(trustStore.isTrusted(sibling), "a sibling stays trusted");
    }

    function test_revokeCertificate_rootLeavesRoots() public {
        bytes8 a = addCert(fakeCert(10), IV2xTrustStore.CertRole.Root, bytes8(0));
        bytes8 b = addCert(fakeCert(20), IV2xTrustStore.CertRole.Root, bytes8(0));
        bytes8 c = addCert(fakeCert(30), IV2xTrustStore.CertRole.Root, bytes8(0));
        bytes8 child = addCert(fakeCert(11), IV2xTrustStore.CertRole.PseudonymCa, a);

        vm.prank(dave);
        trustStore.revokeCertificate(a);
        bytes8[] memory r = trustStore.roots();
        assertEq(r.length, 2);
        assertTrue((r[0] == b && r[1] == c) || (r[0] == c && r[1] == b), "b and c remain");
        assertFalse(trustStore.isTrusted(child));

        vm.prank(dave);
        trustStore.revokeCertificate(c);
        r = trustStore.roots();
        assertEq(r.length, 1);
        assertEq(bytes32(r[0]), bytes32(b));
        vm.prank(dave);
        trustStore.revokeCertificate(b);
        assertEq(trustStore.roots().length, 0);
    }

    function test_revokeCertificate_revertsWhenNotCaUnknownOrRevoked() public {
        addCert(ROOT_CERT, IV2xTrustStore.CertRole.Root, bytes8(0));
        vm.expectRevert(missingRole(CERTIFICATE_AUTHORITY, bob));
        vm.prank(bob);
        trustStore.revokeCertificate(ROOT_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreUnknownCertificate.selector, bytes8(0x0102030405060708))
        );
        vm.prank(dave);
        trustStore.revokeCertificate(bytes8(0x0102030405060708));
        vm.prank(dave);
        trustStore.revokeCertificate(ROOT_ID);
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreAlreadyRevoked.selector, ROOT_ID));
        vm.prank(dave);
        trustStore.revokeCertificate(ROOT_ID);
    }

    function test_isTrusted_falseWhenUnknown() public view {
        assertFalse(trustStore.isTrusted(ROOT_ID));
        assertFalse(trustStore.isTrusted(bytes8(0)));
        assertEq(uint256(trustStore.certificate(ROOT_ID).role), uint256(IV2xTrustStore.CertRole.None));
    }

    /// @dev In a chain of any allowed length, revoking one certificate untrusts it and everything below, and nothing
    ///      above.
    function testFuzz_revokeCertificate_untrustsDescendants(uint256 length, uint256 revokeAt) public {
        length = bound(length, 1, 8);
        revokeAt = bound(revokeAt, 0, length - 1);
        bytes8[] memory chain = addChain(1000, length);
        vm.prank(dave);
        trustStore.revokeCertificate(chain[revokeAt]);
        for (uint256 i; i < length; ++i) {
            assertEq(trustStore.isTrusted(chain[i]), i < revokeAt, "trusted exactly above the revoked one");
        }
        assertEq(trustStore.roots().length, revokeAt == 0 ? 0 : 1);
    }

    // ------------------------------------------------------------ publishLinkageSeeds

    function test_publishLinkageSeeds_storesAndEmits() public {
        vm.warp(1_750_000_000);
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.LinkageSeedsPublished(0, SEED_PERIOD, LA1, SEED1, LA2, SEED2, REPORT);
        assertEq(publish(), 0);

        IV2xTrustStore.SeedEntry memory e = trustStore.seedEntry(0);
        assertEq(e.period, SEED_PERIOD);
        assertEq(e.laId1, LA1);
        assertEq(bytes32(e.seed1), bytes32(SEED1));
        assertEq(e.laId2, LA2);
        assertEq(bytes32(e.seed2), bytes32(SEED2));
        assertEq(e.publishedAt, 1_750_000_000);
        assertEq(e.reportHash, REPORT);
        assertEq(trustStore.seedCount(), 1);

        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.LinkageSeedsPublished(1, SEED_PERIOD, LA1, SEED1, LA2, SEED2, REPORT);
        assertEq(publish(), 1);
        assertEq(trustStore.seedCount(), 2);
    }

    function test_publishLinkageSeeds_dispatchesToEveryOtherDomain() public {
        vm.recordLogs();
        publish();
        (uint32[] memory destinations, bytes[] memory bodies) = dispatched(vm.getRecordedLogs());
        assertEq(destinations.length, 2, "one message per other domain");
        assertEq(destinations[0], EDGE, "in domain order, not MAIN");
        assertEq(destinations[1], OTHER);
        bytes memory expected = abi.encode(uint8(2), SEED_PERIOD, LA1, SEED1, LA2, SEED2);
        assertEq(bodies[0], expected, "kind 2 body");
        assertEq(bodies[1], expected);
        assertEq(bodies[0].length, 192);
    }

    function test_publishLinkageSeeds_followsAddedDomains() public {
        uint32 fourth = 4000;
        // Five members now: a quorum of 3.
        (address[] memory t, uint256[] memory v, bytes[] memory c) = one(abi.encodeCall(IConsortium.addDomain, fourth));
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "add a domain");
        address[3] memory voters = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            vm.prank(voters[i]);
            consortium.vote(id, true);
        }
        consortium.execute(id);

        vm.recordLogs();
        publish();
        (uint32[] memory destinations,) = dispatched(vm.getRecordedLogs());
        assertEq(destinations.length, 3);
        assertEq(destinations[2], fourth);
    }

    function test_publishLinkageSeeds_revertsWhenNotRegulator() public {
        address[4] memory others = [alice, dave, erin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(missingRole(REGULATOR, others[i]));
            vm.prank(others[i]);
            trustStore.publishLinkageSeeds(SEED_PERIOD, LA1, SEED1, LA2, SEED2, REPORT);
        }
        assertEq(trustStore.seedCount(), 0);
    }

    function test_publishLinkageSeeds_revertsOnSameLinkageAuthority() public {
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreSameLinkageAuthority.selector, LA1));
        vm.prank(bob);
        trustStore.publishLinkageSeeds(SEED_PERIOD, LA1, SEED1, LA1, SEED2, REPORT);
    }

    function test_seedEntry_revertsPastTheEnd() public {
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreUnknownSeedEntry.selector, 0));
        trustStore.seedEntry(0);
        publish();
        vm.expectRevert(abi.encodeWithSelector(IV2xTrustStore.V2xTrustStoreUnknownSeedEntry.selector, 1));
        trustStore.seedEntry(1);
    }

    /// @dev The whole path: publish on MAIN, relay the EDGE message with MAIN's validator signatures, the EDGE mirror
    ///      stores the seeds.
    function test_publishLinkageSeeds_reachesEdgeMirrorThroughMailbox() public {
        uint32 edgeNonce = mailbox.nonce(); // the EDGE message is dispatched first
        publish();
        bytes memory message = buildMessage(
            edgeNonce,
            MAIN,
            address(trustStore),
            EDGE,
            address(mirror),
            abi.encode(uint8(2), SEED_PERIOD, LA1, SEED1, LA2, SEED2)
        );
        bytes memory metadata = signWith(message, take(mainKeys, 2));
        vm.chainId(EDGE);
        vm.expectEmit(address(mirror));
        emit IIdentityMirror.LinkageSeedsMirrored(0, SEED_PERIOD, LA1, SEED1, LA2, SEED2);
        mailbox.process(metadata, message);
        assertTrue(mailbox.delivered(keccak256(message)));
        assertEq(mirror.linkageSeedCount(), 1);
        (uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2) = mirror.linkageSeed(0);
        assertEq(period, SEED_PERIOD);
        assertEq(laId1, LA1);
        assertEq(bytes32(seed1), bytes32(SEED1));
        assertEq(laId2, LA2);
        assertEq(bytes32(seed2), bytes32(SEED2));
    }

    function testFuzz_publishLinkageSeeds(
        uint32 period,
        uint16 laId1,
        bytes16 seed1,
        uint16 laId2,
        bytes16 seed2,
        bytes32 reportHash
    ) public {
        vm.assume(laId1 != laId2);
        vm.recordLogs();
        vm.prank(bob);
        assertEq(trustStore.publishLinkageSeeds(period, laId1, seed1, laId2, seed2, reportHash), 0);
        (uint32[] memory destinations, bytes[] memory bodies) = dispatched(vm.getRecordedLogs());
        assertEq(destinations.length, 2);
        bytes memory expected = abi.encode(uint8(2), period, laId1, seed1, laId2, seed2);
        assertEq(bodies[0], expected, "exact kind 2 body to EDGE");
        assertEq(bodies[1], expected, "exact kind 2 body to OTHER");
        assertEq(trustStore.seedEntry(0).reportHash, reportHash);

        // What the mirror on EDGE makes of the dispatched body: the same five fields.
        vm.chainId(EDGE);
        vm.prank(address(mailbox));
        mirror.handle(MAIN, bytes32(uint256(uint160(address(trustStore)))), bodies[0]);
        (uint32 p, uint16 a1, bytes16 s1, uint16 a2, bytes16 s2) = mirror.linkageSeed(0);
        assertEq(abi.encode(uint8(2), p, a1, s1, a2, s2), expected, "mirrored fields");
    }

    // ------------------------------------------------------------ reportMisbehaviour

    function test_reportMisbehaviour_countsAndEmits() public {
        bytes8 ticket = 0x1122334455667788;
        bytes32 evidence = keccak256("evidence");
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.MisbehaviourReported(ticket, erin, evidence);
        vm.prank(erin);
        trustStore.reportMisbehaviour(ticket, evidence);
        vm.expectEmit(address(trustStore));
        emit IV2xTrustStore.MisbehaviourReported(ticket, bob, evidence);
        vm.prank(bob);
        trustStore.reportMisbehaviour(ticket, evidence);
        assertEq(trustStore.misbehaviourReportCount(ticket), 2);
        assertEq(trustStore.misbehaviourReportCount(bytes8(0x1122334455667789)), 0, "counted per ticket");
    }

    function test_reportMisbehaviour_revertsForOtherRoles() public {
        address[4] memory others = [alice, carol, dave, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(missingRole(RSU_OPERATOR, others[i]));
            vm.prank(others[i]);
            trustStore.reportMisbehaviour(0x1122334455667788, keccak256("evidence"));
        }
    }

    function testFuzz_reportMisbehaviour(uint256 pick, address other, bytes8 ticket, bytes32 evidenceHash, uint8 times)
        public
    {
        address caller = pickCaller(pick, other);
        times = uint8(bound(times, 1, 5));
        bool allowed = consortium.hasRole(RSU_OPERATOR, caller) || consortium.hasRole(REGULATOR, caller);
        for (uint256 i; i < times; ++i) {
            if (!allowed) vm.expectRevert(missingRole(RSU_OPERATOR, caller));
            vm.prank(caller);
            trustStore.reportMisbehaviour(ticket, evidenceHash);
        }
        assertEq(trustStore.misbehaviourReportCount(ticket), allowed ? times : 0);
    }
}
