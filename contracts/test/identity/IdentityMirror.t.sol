// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {IdentityMirror} from "../../src/identity/IdentityMirror.sol";
import {IIdentityMirror} from "../../src/identity/IIdentityMirror.sol";

contract IdentityMirrorTest is IdentityFixture {
    bytes32 internal lifecycleSender;
    bytes32 internal trustStoreSender;

    uint32 internal constant SEED_PERIOD = 4242;
    uint16 internal constant LA1 = 1;
    uint16 internal constant LA2 = 2;
    bytes16 internal constant SEED1 = bytes16(0x00112233445566778899aabbccddeeff);
    bytes16 internal constant SEED2 = bytes16(0xffeeddccbbaa99887766554433221100);

    function setUp() public {
        setUpIdentity();
        lifecycleSender = bytes32(uint256(uint160(address(lifecycle))));
        trustStoreSender = bytes32(uint256(uint160(address(trustStore))));
        vm.chainId(EDGE);
    }

    /// @dev A kind-2 body built word by word, independently of IdentityMessage.
    function seedsBody(uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(uint8(2), period, laId1, seed1, laId2, seed2);
    }

    function deliver(uint32 origin, bytes32 sender, bytes memory body) internal {
        vm.prank(address(mailbox));
        mirror.handle(origin, sender, body);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsAddresses() public view {
        assertEq(mirror.initializer(), deployer);
        assertEq(mirror.mailbox(), address(mailbox));
        assertEq(mirror.mainDomain(), MAIN);
        assertEq(mirror.lifecycle(), address(lifecycle));
        assertEq(mirror.trustStore(), address(trustStore));
        assertEq(mirror.linkageSeedCount(), 0);
    }

    function test_initialize_emitsInitialized() public {
        IdentityMirror fresh = new IdentityMirror(deployer);
        vm.expectEmit(address(fresh));
        emit IIdentityMirror.Initialized(address(mailbox), MAIN, address(lifecycle), address(trustStore));
        vm.prank(deployer);
        fresh.initialize(address(mailbox), MAIN, address(lifecycle), address(trustStore));
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrInvalid() public {
        IdentityMirror fresh = new IdentityMirror(deployer);
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorNotInitializer.selector, address(this)));
        fresh.initialize(address(mailbox), MAIN, address(lifecycle), address(trustStore));
        vm.startPrank(deployer);
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), 0, address(lifecycle), address(trustStore));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(0), MAIN, address(lifecycle), address(trustStore));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(0), address(trustStore));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(lifecycle), address(0));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(lifecycle), address(lifecycle));
        vm.expectRevert(IIdentityMirror.IdentityMirrorAlreadyInitialized.selector);
        mirror.initialize(address(mailbox), MAIN, address(lifecycle), address(trustStore));
        vm.stopPrank();
    }

    function test_handle_revertsBeforeInitialize() public {
        IdentityMirror fresh = new IdentityMirror(deployer);
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorNotMailbox.selector, address(0)));
        vm.prank(address(0));
        fresh.handle(MAIN, lifecycleSender, abi.encode(uint8(1), VIN_ID));
    }

    // ------------------------------------------------------------ handle

    function test_handle_marksDeactivated() public {
        vm.expectEmit(address(mirror));
        emit IIdentityMirror.DIDDeactivationMirrored(VIN_ID, MAIN);
        deliver(MAIN, lifecycleSender, abi.encode(uint8(1), VIN_ID));
        assertTrue(mirror.isDeactivated(VIN_ID));
        assertFalse(mirror.isDeactivated(keccak256("other")));
    }

    function test_handle_revertsWhenNotMailbox() public {
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorNotMailbox.selector, stranger));
        vm.prank(stranger);
        mirror.handle(MAIN, lifecycleSender, abi.encode(uint8(1), VIN_ID));
    }

    function test_handle_revertsOnOtherOrigin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, EDGE, lifecycleSender)
        );
        deliver(EDGE, lifecycleSender, abi.encode(uint8(1), VIN_ID));
    }

    function test_handle_revertsOnOtherSender() public {
        bytes32 sender = bytes32(uint256(uint160(stranger)));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, MAIN, sender));
        deliver(MAIN, sender, abi.encode(uint8(1), VIN_ID));
        // The lifecycle's address with dirty high bits is another sender.
        bytes32 dirty = lifecycleSender | bytes32(uint256(1) << 200);
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, MAIN, dirty));
        deliver(MAIN, dirty, abi.encode(uint8(1), VIN_ID));
    }

    function test_handle_revertsOnUnknownKind() public {
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownKind.selector, uint8(3)));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(3), VIN_ID));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownKind.selector, uint8(0)));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(0), VIN_ID));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownKind.selector, uint8(255)));
        deliver(MAIN, trustStoreSender, abi.encode(uint8(255), VIN_ID));
    }

    function test_handle_revertsOnMalformedBody() public {
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 31));
        deliver(MAIN, lifecycleSender, new bytes(31));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 32));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(1)));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 96));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(1), VIN_ID, VIN_ID));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 64));
        deliver(MAIN, lifecycleSender, abi.encode(uint256(257), VIN_ID));
    }

    function test_handle_revertsOnValue() public {
        vm.deal(address(mailbox), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorValueNotAccepted.selector, 1));
        vm.prank(address(mailbox));
        mirror.handle{value: 1}(MAIN, lifecycleSender, abi.encode(uint8(1), VIN_ID));
    }

    /// @dev Through the real Mailbox: a message to the mirror signed by MAIN's validators but dispatched by another
    ///      account than the lifecycle is verified, then refused by the mirror, and stays undelivered.
    function test_handle_viaMailboxRejectsForgedSender() public {
        bytes memory message = buildMessage(0, MAIN, stranger, EDGE, address(mirror), abi.encode(uint8(1), VIN_ID));
        bytes memory metadata = signWith(message, take(mainKeys, 2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IIdentityMirror.IdentityMirrorUnauthorized.selector, MAIN, bytes32(uint256(uint160(stranger)))
            )
        );
        mailbox.process(metadata, message);
        assertFalse(mailbox.delivered(keccak256(message)));
        assertFalse(mirror.isDeactivated(VIN_ID));
    }

    function testFuzz_handle_acceptsOnlyMainLifecycle(uint32 origin, bytes32 sender, bytes32 id) public {
        bool authorised = origin == MAIN && sender == lifecycleSender;
        if (!authorised) {
            vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, origin, sender));
        }
        deliver(origin, sender, abi.encode(uint8(1), id));
        assertEq(mirror.isDeactivated(id), authorised);
    }

    // ------------------------------------------------------------ handle: kind 2 (linkage seeds)

    function test_handle_storesLinkageSeeds() public {
        vm.expectEmit(address(mirror));
        emit IIdentityMirror.LinkageSeedsMirrored(0, SEED_PERIOD, LA1, SEED1, LA2, SEED2);
        deliver(MAIN, trustStoreSender, seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2));
        vm.expectEmit(address(mirror));
        emit IIdentityMirror.LinkageSeedsMirrored(1, SEED_PERIOD + 1, LA2, SEED2, LA1, SEED1);
        deliver(MAIN, trustStoreSender, seedsBody(SEED_PERIOD + 1, LA2, SEED2, LA1, SEED1));

        assertEq(mirror.linkageSeedCount(), 2);
        (uint32 period, uint16 laId1, bytes16 seed1, uint16 laId2, bytes16 seed2) = mirror.linkageSeed(0);
        assertEq(period, SEED_PERIOD);
        assertEq(laId1, LA1);
        assertEq(bytes32(seed1), bytes32(SEED1));
        assertEq(laId2, LA2);
        assertEq(bytes32(seed2), bytes32(SEED2));
        (period, laId1, seed1, laId2, seed2) = mirror.linkageSeed(1);
        assertEq(period, SEED_PERIOD + 1);
        assertEq(laId1, LA2);
        assertEq(bytes32(seed1), bytes32(SEED2));
    }

    function test_linkageSeed_revertsPastTheEnd() public {
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownLinkageSeed.selector, 0));
        mirror.linkageSeed(0);
        deliver(MAIN, trustStoreSender, seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownLinkageSeed.selector, 1));
        mirror.linkageSeed(1);
    }

    function test_handle_revertsOnLinkageSeedsFromLifecycle() public {
        vm.expectRevert(
            abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, MAIN, lifecycleSender)
        );
        deliver(MAIN, lifecycleSender, seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2));
        assertEq(mirror.linkageSeedCount(), 0);
    }

    function test_handle_revertsOnDeactivationFromTrustStore() public {
        vm.expectRevert(
            abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, MAIN, trustStoreSender)
        );
        deliver(MAIN, trustStoreSender, abi.encode(uint8(1), VIN_ID));
        assertFalse(mirror.isDeactivated(VIN_ID));
    }

    function test_handle_revertsOnLinkageSeedsFromTrustStoreOnOtherOrigin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, EDGE, trustStoreSender)
        );
        deliver(EDGE, trustStoreSender, seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2));
    }

    function test_handle_revertsOnMalformedLinkageSeeds() public {
        bytes memory body = seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2);
        bytes memory err = abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 192);
        // Each word in turn holds a value that abi.encode of the kind's types never produces.
        bytes32[5] memory dirty = [
            bytes32(uint256(type(uint32).max) + 1), // period over uint32
            bytes32(uint256(type(uint16).max) + 1), // laId1 over uint16
            bytes32(uint256(1)), // seed1 with non-zero padding
            bytes32(uint256(type(uint16).max) + 1), // laId2 over uint16
            bytes32(uint256(1) << 127) // seed2 with non-zero padding
        ];
        for (uint256 w; w < 5; ++w) {
            bytes memory bad = bytes.concat(body);
            bytes32 word = dirty[w];
            uint256 offset = 32 * (w + 2); // skip the length word and the kind word
            assembly {
                mstore(add(bad, offset), or(mload(add(bad, offset)), word))
            }
            vm.expectRevert(err);
            deliver(MAIN, trustStoreSender, bad);
        }
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 160));
        deliver(MAIN, trustStoreSender, abi.encode(uint8(2), SEED_PERIOD, LA1, SEED1, LA2));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 224));
        deliver(MAIN, trustStoreSender, bytes.concat(body, bytes32(0)));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorMalformedBody.selector, 64));
        deliver(MAIN, trustStoreSender, abi.encode(uint8(2), VIN_ID));
        assertEq(mirror.linkageSeedCount(), 0);
    }

    /// @dev Through the real Mailbox: seeds published by the trust store on MAIN reach the EDGE mirror.
    function test_handle_viaMailboxStoresLinkageSeeds() public {
        bytes memory body = seedsBody(SEED_PERIOD, LA1, SEED1, LA2, SEED2);
        bytes memory message = buildMessage(0, MAIN, address(trustStore), EDGE, address(mirror), body);
        mailbox.process(signWith(message, take(mainKeys, 2)), message);
        assertTrue(mailbox.delivered(keccak256(message)));
        assertEq(mirror.linkageSeedCount(), 1);
    }

    function testFuzz_handle_acceptsLinkageSeedsOnlyFromMainTrustStore(
        uint32 origin,
        bytes32 sender,
        uint32 period,
        uint16 laId1,
        bytes16 seed1,
        uint16 laId2,
        bytes16 seed2
    ) public {
        // Half the runs from the trust store, so the accepting path is exercised with fuzzed payloads too.
        if (origin % 2 == 0) {
            origin = MAIN;
            sender = trustStoreSender;
        }
        bool authorised = origin == MAIN && sender == trustStoreSender;
        if (!authorised) {
            vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnauthorized.selector, origin, sender));
        }
        deliver(origin, sender, seedsBody(period, laId1, seed1, laId2, seed2));
        assertEq(mirror.linkageSeedCount(), authorised ? 1 : 0);
        if (authorised) {
            (uint32 p, uint16 a1, bytes16 s1, uint16 a2, bytes16 s2) = mirror.linkageSeed(0);
            assertEq(p, period);
            assertEq(a1, laId1);
            assertEq(bytes32(s1), bytes32(seed1));
            assertEq(a2, laId2);
            assertEq(bytes32(s2), bytes32(seed2));
        }
    }
}
