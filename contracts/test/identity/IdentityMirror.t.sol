// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {IdentityMirror} from "../../src/identity/IdentityMirror.sol";
import {IIdentityMirror} from "../../src/identity/IIdentityMirror.sol";

contract IdentityMirrorTest is IdentityFixture {
    bytes32 internal lifecycleSender;

    function setUp() public {
        setUpIdentity();
        lifecycleSender = bytes32(uint256(uint160(address(lifecycle))));
        vm.chainId(EDGE);
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
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrInvalid() public {
        IdentityMirror fresh = new IdentityMirror(deployer);
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorNotInitializer.selector, address(this)));
        fresh.initialize(address(mailbox), MAIN, address(lifecycle));
        vm.startPrank(deployer);
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), 0, address(lifecycle));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(0), MAIN, address(lifecycle));
        vm.expectRevert(IIdentityMirror.IdentityMirrorInvalidInitParams.selector);
        fresh.initialize(address(mailbox), MAIN, address(0));
        vm.expectRevert(IIdentityMirror.IdentityMirrorAlreadyInitialized.selector);
        mirror.initialize(address(mailbox), MAIN, address(lifecycle));
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
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownKind.selector, uint8(2)));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(2), VIN_ID));
        vm.expectRevert(abi.encodeWithSelector(IIdentityMirror.IdentityMirrorUnknownKind.selector, uint8(0)));
        deliver(MAIN, lifecycleSender, abi.encode(uint8(0), VIN_ID));
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
}
