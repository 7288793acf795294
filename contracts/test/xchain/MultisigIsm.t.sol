// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "./XchainFixture.sol";
import {MultisigIsm} from "../../src/xchain/MultisigIsm.sol";
import {IMultisigIsm} from "../../src/xchain/interfaces/IMultisigIsm.sol";
import {Message} from "../../src/xchain/libs/Message.sol";
import {TestRecipient} from "../mocks/Mocks.sol";

contract MultisigIsmTest is XchainFixture {
    TestRecipient internal recipient;
    bytes internal message;

    function setUp() public {
        // We are on EDGE; governance lives on MAIN.
        setUpXchain(EDGE, makeAddr("governance"));
        recipient = new TestRecipient(address(mailbox));
        message = buildMessage(1, MAIN, makeAddr("sender"), EDGE, address(recipient), "body");
    }

    function edgeMessage() internal returns (bytes memory) {
        return buildMessage(1, EDGE, makeAddr("sender"), MAIN, address(recipient), "from edge");
    }

    function governanceUpdate(uint32 nonce, uint32 domain, address[] memory validators, uint8 threshold, uint64 version)
        internal
        view
        returns (bytes memory)
    {
        return
            buildMessage(
                nonce, MAIN, governance, EDGE, address(ism), abi.encode(domain, validators, threshold, version)
            );
    }

    function addrs(uint256[] memory keys) internal pure returns (address[] memory out) {
        out = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            out[i] = vm.addr(keys[i]);
        }
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_installsSetsWithVersion1() public view {
        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, edgeValidators);
        assertEq(t, 3);
        assertEq(ism.validatorSetVersion(EDGE), 1);
        assertEq(ism.validatorSetVersion(MAIN), 1);
        assertEq(ism.validatorSetVersion(OTHER), 0, "unknown domain");
        assertTrue(ism.isValidator(EDGE, edgeValidators[4]));
        assertFalse(ism.isValidator(EDGE, mainValidators[0]));
        assertEq(ism.mailbox(), address(mailbox));
        assertEq(ism.governanceDomain(), MAIN);
        assertEq(ism.governance(), governance);
    }

    function test_initialize_revertsWhenNotInitializer() public {
        MultisigIsm fresh = new MultisigIsm(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmNotInitializer.selector, address(this)));
        fresh.initialize(address(mailbox), MAIN, governance, new IMultisigIsm.ValidatorSetInit[](0));
    }

    function test_initialize_revertsWhenAlreadyInitialized() public {
        vm.prank(deployer);
        vm.expectRevert(IMultisigIsm.MultisigIsmAlreadyInitialized.selector);
        ism.initialize(address(mailbox), MAIN, governance, new IMultisigIsm.ValidatorSetInit[](0));
    }

    function test_initialize_revertsOnZeroAddress() public {
        MultisigIsm fresh = new MultisigIsm(deployer);
        vm.prank(deployer);
        vm.expectRevert(IMultisigIsm.MultisigIsmZeroAddress.selector);
        fresh.initialize(address(mailbox), MAIN, address(0), new IMultisigIsm.ValidatorSetInit[](0));
    }

    function test_initialize_revertsOnDuplicateDomain() public {
        MultisigIsm fresh = new MultisigIsm(deployer);
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](2);
        sets[0] = IMultisigIsm.ValidatorSetInit({domain: EDGE, validators: edgeValidators, threshold: 3});
        sets[1] = IMultisigIsm.ValidatorSetInit({domain: EDGE, validators: mainValidators, threshold: 2});
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmDuplicateDomain.selector, EDGE));
        fresh.initialize(address(mailbox), MAIN, governance, sets);
    }

    function test_initialize_revertsOnInvalidSet() public {
        MultisigIsm fresh = new MultisigIsm(deployer);
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](1);
        sets[0] = IMultisigIsm.ValidatorSetInit({domain: EDGE, validators: edgeValidators, threshold: 6});
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidValidatorSet.selector, 5, 6));
        fresh.initialize(address(mailbox), MAIN, governance, sets);
    }

    // ------------------------------------------------------------ signingDigest

    function test_signingDigest_matchesSpec() public view {
        bytes32 id = keccak256(message);
        bytes32 inner =
            keccak256(abi.encodePacked("AMC/xchain/v1", MAIN, bytes32(uint256(uint160(address(mailbox)))), id));
        bytes32 expected = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", inner));
        assertEq(ism.signingDigest(MAIN, id), expected);
    }

    /// @dev The vector of docs/cross-chain-messaging.md: a signature made by viem's `signMessage({ message: { raw } })`
    ///      with private key 1, for an ISM whose Mailbox is at 0x…cafe, is accepted.
    function test_verify_acceptsViemSignatureOfSpecVector() public {
        address signer = 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf;
        address[] memory v = new address[](1);
        v[0] = signer;
        IMultisigIsm.ValidatorSetInit[] memory sets = new IMultisigIsm.ValidatorSetInit[](1);
        sets[0] = IMultisigIsm.ValidatorSetInit({domain: 71000, validators: v, threshold: 1});
        MultisigIsm vectorIsm = new MultisigIsm(deployer);
        vm.prank(deployer);
        vectorIsm.initialize(address(0xcafe), 71000, governance, sets);

        bytes memory m = hex"01000000070001155800000000000000000000000000000000000000000000000000000000000000a1000115bd"
            hex"00000000000000000000000000000000000000000000000000000000000000b268656c6c6f";
        assertEq(
            vectorIsm.signingDigest(71000, keccak256(m)),
            0xd704fb6880c93000edd0fd26182664dd290c6fd98268a336f1a5c7222382c02f,
            "digest"
        );
        bytes memory viemSignature = hex"638b6e9c344c5b5495f2e4a0cdd0c1bc5cf6ddc3280e4341274208a269be8453"
            hex"5d1165fa1cd8ee8fe3084efaf2dbf1ee388c3b97cb2beb6d643a4e6fce4d75561b";
        assertTrue(vectorIsm.verify(viemSignature, m));
    }

    // ------------------------------------------------------------ verify

    function test_verify_acceptsThresholdSignatures() public view {
        assertTrue(ism.verify(signWith(message, take(mainKeys, 2)), message));
    }

    function test_verify_acceptsExtraSignatures() public view {
        assertTrue(ism.verify(signWith(message, mainKeys), message));
    }

    function test_verify_acceptsAnySortedSubsetOfThresholdSize() public view {
        uint256[] memory keys = new uint256[](2);
        keys[0] = mainKeys[0];
        keys[1] = mainKeys[2];
        assertTrue(ism.verify(signWith(message, keys), message));
    }

    function test_verify_revertsWhenUnderSigned() public {
        bytes memory metadata = signWith(message, take(mainKeys, 1));
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInsufficientSignatures.selector, 1, 2));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnForgedSigner() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = mainKeys[0];
        keys[1] = outsiderKeys[1];
        bytes memory metadata = signWith(message, sortByAddress(keys));
        vm.expectRevert(
            abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignerNotValidator.selector, vm.addr(outsiderKeys[1]))
        );
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnValidatorOfAnotherDomain() public {
        // EDGE validators cannot vouch for a MAIN message.
        bytes memory metadata = signWith(message, take(edgeKeys, 3));
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignerNotValidator.selector, edgeValidators[0]));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnUnsortedSigners() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = mainKeys[1];
        keys[1] = mainKeys[0];
        bytes memory metadata = signWith(message, keys);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignersNotAscending.selector, 1));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnDuplicateSigner() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = mainKeys[0];
        keys[1] = mainKeys[0];
        bytes memory metadata = signWith(message, keys);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignersNotAscending.selector, 1));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnBadMetadataLength() public {
        bytes memory metadata = signWith(message, take(mainKeys, 2));
        bytes memory truncated = new bytes(metadata.length - 1);
        for (uint256 i; i < truncated.length; ++i) {
            truncated[i] = metadata[i];
        }
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidMetadataLength.selector, 129));
        ism.verify(truncated, message);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidMetadataLength.selector, 0));
        ism.verify("", message);
    }

    function test_verify_revertsOnInvalidSignature() public {
        bytes memory metadata = signWith(message, take(mainKeys, 2));
        metadata[129] = bytes1(uint8(29)); // v of the second signature
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidSignature.selector, 1));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnHighS() public {
        bytes32 digest = ism.signingDigest(MAIN, keccak256(message));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(mainKeys[0], digest);
        // (r, n - s, v ^ 1) is the same signature in its malleable form; OpenZeppelin refuses it.
        bytes memory metadata = abi.encodePacked(r, bytes32(SECP256K1_ORDER - uint256(s)), v == 27 ? 28 : 27);
        metadata = bytes.concat(metadata, signPacked(mainKeys[1], digest));
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidSignature.selector, 0));
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnSignatureOfAnotherMessage() public {
        bytes memory other = buildMessage(2, MAIN, makeAddr("sender"), EDGE, address(recipient), "body");
        bytes memory metadata = signWith(other, take(mainKeys, 2));
        // The signatures recover to unrelated addresses.
        vm.expectPartialRevert(IMultisigIsm.MultisigIsmSignerNotValidator.selector);
        ism.verify(metadata, message);
    }

    function test_verify_revertsOnUnknownOrigin() public {
        bytes memory fromOther = buildMessage(0, OTHER, makeAddr("sender"), EDGE, address(recipient), "?");
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmNoValidatorSet.selector, OTHER));
        ism.verify(new bytes(65), fromOther);
    }

    function test_verify_revertsOnShortMessage() public {
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmMessageTooShort.selector, 10));
        ism.verify(new bytes(65), new bytes(10));
    }

    function testFuzz_verify(uint256 mask) public {
        // Any subset of the 5 EDGE validators plus 3 outsiders, in ascending order.
        mask = bound(mask, 1, 255);
        uint256[] memory all = new uint256[](8);
        for (uint256 i; i < 5; ++i) {
            all[i] = edgeKeys[i];
        }
        for (uint256 i; i < 3; ++i) {
            all[5 + i] = outsiderKeys[i];
        }
        uint256 n;
        uint256 validators;
        bool outsider;
        uint256[] memory chosen = new uint256[](8);
        for (uint256 i; i < 8; ++i) {
            if (mask & (1 << i) != 0) {
                chosen[n++] = all[i];
                if (i < 5) ++validators;
                else outsider = true;
            }
        }
        uint256[] memory keys = sortByAddress(take(chosen, n));
        bytes memory m = edgeMessage();
        bytes memory metadata = signWith(m, keys);
        if (n < 3) {
            vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInsufficientSignatures.selector, n, 3));
            ism.verify(metadata, m);
        } else if (outsider) {
            vm.expectPartialRevert(IMultisigIsm.MultisigIsmSignerNotValidator.selector);
            ism.verify(metadata, m);
        } else {
            assertTrue(ism.verify(metadata, m), "threshold of validators accepted");
            assertGe(validators, 3);
        }
    }

    // ------------------------------------------------------------ updates through the Mailbox

    function test_handle_appliesGovernanceUpdate() public {
        (, address[] memory fresh) = makeKeys("edge-v2", 4);
        bytes memory update = governanceUpdate(0, EDGE, fresh, 2, 2);
        vm.expectEmit(address(ism));
        emit IMultisigIsm.ValidatorSetChanged(EDGE, 2, fresh, 2);
        mailbox.process(signWith(update, take(mainKeys, 2)), update);

        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, fresh);
        assertEq(t, 2);
        assertEq(ism.validatorSetVersion(EDGE), 2);
        assertFalse(ism.isValidator(EDGE, edgeValidators[0]), "old validator removed");
        assertTrue(ism.isValidator(EDGE, fresh[0]));
    }

    function test_handle_rotationRejectsOldValidators() public {
        (uint256[] memory freshKeys, address[] memory fresh) = makeKeys("edge-v2", 3);
        bytes memory update = governanceUpdate(0, EDGE, fresh, 2, 2);
        mailbox.process(signWith(update, take(mainKeys, 2)), update);

        bytes memory m = edgeMessage();
        bytes memory oldSigs = signWith(m, take(edgeKeys, 3));
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmSignerNotValidator.selector, edgeValidators[0]));
        ism.verify(oldSigs, m);
        assertTrue(ism.verify(signWith(m, take(freshKeys, 2)), m), "new set accepted");
    }

    function test_handle_ignoresStaleUpdate() public {
        (, address[] memory v3) = makeKeys("edge-v3", 3);
        (, address[] memory v2) = makeKeys("edge-v2", 3);
        bytes memory newer = governanceUpdate(0, EDGE, v3, 2, 3);
        bytes memory older = governanceUpdate(1, EDGE, v2, 2, 2);
        mailbox.process(signWith(newer, take(mainKeys, 2)), newer);

        // Delivered out of order: accepted by the Mailbox, ignored by the ISM.
        vm.expectEmit(address(ism));
        emit IMultisigIsm.ValidatorSetUpdateIgnored(EDGE, 2, 3);
        mailbox.process(signWith(older, take(mainKeys, 2)), older);

        assertTrue(mailbox.delivered(keccak256(older)), "stale update consumed, relayer not stuck");
        (address[] memory v,) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, v3, "newer set kept");
        assertEq(ism.validatorSetVersion(EDGE), 3);
    }

    function test_handle_revertsWhenNotMailbox() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmNotMailbox.selector, governance));
        ism.handle(MAIN, Message.toBytes32(governance), abi.encode(EDGE, edgeValidators, uint8(1), uint64(9)));
    }

    function test_handle_revertsOnUnauthorisedSender() public {
        address intruder = makeAddr("intruder");
        bytes memory update =
            buildMessage(0, MAIN, intruder, EDGE, address(ism), abi.encode(EDGE, mainValidators, uint8(1), uint64(9)));
        bytes memory metadata = signWith(update, take(mainKeys, 2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultisigIsm.MultisigIsmUnauthorizedUpdate.selector, MAIN, Message.toBytes32(intruder)
            )
        );
        mailbox.process(metadata, update);
    }

    function test_handle_revertsOnUnauthorisedOrigin() public {
        // The governance address, but on another chain: not governance.
        bytes memory update = buildMessage(
            0, EDGE, governance, EDGE, address(ism), abi.encode(EDGE, mainValidators, uint8(1), uint64(9))
        );
        bytes memory metadata = signWith(update, take(edgeKeys, 3));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultisigIsm.MultisigIsmUnauthorizedUpdate.selector, EDGE, Message.toBytes32(governance)
            )
        );
        mailbox.process(metadata, update);
    }

    function test_handle_revertsOnInvalidSet() public {
        address[] memory dup = new address[](2);
        dup[0] = edgeValidators[0];
        dup[1] = edgeValidators[0];
        vm.prank(address(mailbox));
        vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidValidator.selector, 1, edgeValidators[0]));
        ism.handle(MAIN, Message.toBytes32(governance), abi.encode(EDGE, dup, uint8(1), uint64(2)));
    }

    // ------------------------------------------------------------ applyLocal

    function test_applyLocal_appliesOnGovernanceChain() public {
        vm.chainId(MAIN);
        (, address[] memory fresh) = makeKeys("edge-v2", 2);
        vm.prank(governance);
        ism.applyLocal(EDGE, fresh, 1, 2);
        (address[] memory v, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(v, fresh);
        assertEq(t, 1);
    }

    function test_applyLocal_ignoresStaleVersion() public {
        vm.chainId(MAIN);
        vm.prank(governance);
        vm.expectEmit(address(ism));
        emit IMultisigIsm.ValidatorSetUpdateIgnored(EDGE, 1, 1);
        ism.applyLocal(EDGE, mainValidators, 1, 1);
        (, uint8 t) = ism.validatorsAndThreshold(EDGE);
        assertEq(t, 3, "unchanged");
    }

    function test_applyLocal_revertsWhenNotGovernance() public {
        vm.chainId(MAIN);
        address intruder = makeAddr("intruder");
        vm.prank(intruder);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultisigIsm.MultisigIsmUnauthorizedUpdate.selector, MAIN, Message.toBytes32(intruder)
            )
        );
        ism.applyLocal(EDGE, mainValidators, 1, 2);
    }

    function test_applyLocal_revertsOffGovernanceChain() public {
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultisigIsm.MultisigIsmUnauthorizedUpdate.selector, EDGE, Message.toBytes32(governance)
            )
        );
        ism.applyLocal(EDGE, mainValidators, 1, 2);
    }

    function testFuzz_applyLocal_validatesSet(uint8 n, uint8 threshold, uint8 zeroAt) public {
        vm.chainId(MAIN);
        n = uint8(bound(n, 0, 34));
        address[] memory v = new address[](n);
        for (uint256 i; i < n; ++i) {
            v[i] = address(uint160(0x1000 + i));
        }
        bool zero = n > 0 && zeroAt < n;
        if (zero) v[zeroAt] = address(0);
        vm.prank(governance);
        if (n == 0 || n > 32 || threshold == 0 || threshold > n) {
            vm.expectRevert(abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidValidatorSet.selector, n, threshold));
        } else if (zero) {
            vm.expectRevert(
                abi.encodeWithSelector(IMultisigIsm.MultisigIsmInvalidValidator.selector, zeroAt, address(0))
            );
        }
        ism.applyLocal(OTHER, v, threshold, 1);
    }
}
