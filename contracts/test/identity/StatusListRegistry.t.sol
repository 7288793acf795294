// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IdentityFixture} from "./IdentityFixture.sol";
import {StatusListRegistry} from "../../src/identity/StatusListRegistry.sol";
import {IStatusListRegistry} from "../../src/identity/IStatusListRegistry.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";

contract StatusListRegistryTest is IdentityFixture {
    bytes32 internal constant ISSUER_SALT = keccak256("org:alice-motors");
    bytes32 internal issuer;
    string internal constant URL = "https://status.alice.example/lists/1";
    bytes32 internal listId;

    function setUp() public {
        setUpIdentity();
        issuer = registry.create(ISSUER_SALT, alice, IDIDRegistry.SubjectType.Organisation);
        listId = keccak256(bytes(URL));
    }

    function registerDefault() internal {
        vm.prank(alice);
        statusLists.registerList(listId, issuer, URL, 0);
    }

    function notController(address caller) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryNotController.selector, issuer, caller);
    }

    // ------------------------------------------------------------ initialize

    function test_initialize_setsRegistry() public view {
        assertEq(statusLists.initializer(), deployer);
        assertEq(statusLists.registry(), address(registry));
        assertEq(statusLists.PURPOSE_REVOCATION(), 0);
        assertEq(statusLists.PURPOSE_SUSPENSION(), 1);
    }

    function test_initialize_revertsWhenNotInitializerTwiceOrZero() public {
        StatusListRegistry fresh = new StatusListRegistry(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryNotInitializer.selector, address(this))
        );
        fresh.initialize(address(registry));
        vm.startPrank(deployer);
        vm.expectRevert(IStatusListRegistry.StatusListRegistryZeroAddress.selector);
        fresh.initialize(address(0));
        vm.expectRevert(IStatusListRegistry.StatusListRegistryAlreadyInitialized.selector);
        statusLists.initialize(address(registry));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ registerList

    function test_registerList_storesAndEmits() public {
        vm.warp(5000);
        vm.expectEmit(address(statusLists));
        emit IStatusListRegistry.StatusListRegistered(listId, issuer, URL, 1);
        vm.prank(alice);
        statusLists.registerList(listId, issuer, URL, 1);
        IStatusListRegistry.StatusList memory l = statusLists.list(listId);
        assertEq(l.issuerDidId, issuer);
        assertEq(l.purpose, 1);
        assertEq(l.registeredAt, 5000);
        assertEq(l.version, 0);
        assertEq(l.url, URL);
        assertTrue(statusLists.isRegistered(listId));
        (bytes32 stateHash, uint64 version, uint64 anchoredAt) = statusLists.current(listId);
        assertEq(stateHash, bytes32(0));
        assertEq(version, 0);
        assertEq(anchoredAt, 0);
    }

    function test_registerList_revertsOnIdMismatchOrEmptyUrl() public {
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStatusListRegistry.StatusListRegistryListIdMismatch.selector, keccak256("other"), listId
            )
        );
        statusLists.registerList(keccak256("other"), issuer, URL, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStatusListRegistry.StatusListRegistryListIdMismatch.selector, keccak256(""), keccak256("")
            )
        );
        statusLists.registerList(keccak256(""), issuer, "", 0);
        vm.stopPrank();
    }

    function test_registerList_revertsOnInvalidPurpose() public {
        vm.expectRevert(abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryInvalidPurpose.selector, 2));
        vm.prank(alice);
        statusLists.registerList(listId, issuer, URL, 2);
    }

    function test_registerList_revertsWhenAlreadyRegistered() public {
        registerDefault();
        vm.expectRevert(
            abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryAlreadyRegistered.selector, listId)
        );
        vm.prank(alice);
        statusLists.registerList(listId, issuer, URL, 1);
    }

    function test_registerList_revertsWhenNotController() public {
        vm.expectRevert(notController(bob));
        vm.prank(bob);
        statusLists.registerList(listId, issuer, URL, 0);
        bytes32 unknownDid = keccak256("nobody");
        vm.expectRevert(
            abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryNotController.selector, unknownDid, bob)
        );
        vm.prank(bob);
        statusLists.registerList(listId, unknownDid, URL, 0);
    }

    function test_registerList_revertsForDeactivatedIssuer() public {
        vm.prank(alice);
        registry.deactivate(issuer);
        vm.expectRevert(
            abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryIssuerDeactivated.selector, issuer)
        );
        vm.prank(alice);
        statusLists.registerList(listId, issuer, URL, 0);
    }

    // ------------------------------------------------------------ anchor

    function test_anchor_storesAndEmits() public {
        registerDefault();
        vm.warp(9000);
        vm.expectEmit(address(statusLists));
        emit IStatusListRegistry.StatusListAnchored(listId, 1, keccak256("s1"));
        vm.prank(alice);
        statusLists.anchor(listId, keccak256("s1"), 1);
        (bytes32 stateHash, uint64 version, uint64 anchoredAt) = statusLists.current(listId);
        assertEq(stateHash, keccak256("s1"));
        assertEq(version, 1);
        assertEq(anchoredAt, 9000);
        assertEq(statusLists.list(listId).version, 1);
    }

    function test_anchor_versionMustIncreaseStrictly() public {
        registerDefault();
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryStaleVersion.selector, 0, 0));
        statusLists.anchor(listId, keccak256("s0"), 0);
        statusLists.anchor(listId, keccak256("s5"), 5);
        vm.expectRevert(abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryStaleVersion.selector, 5, 5));
        statusLists.anchor(listId, keccak256("again"), 5);
        vm.expectRevert(abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryStaleVersion.selector, 4, 5));
        statusLists.anchor(listId, keccak256("older"), 4);
        statusLists.anchor(listId, keccak256("s6"), 6);
        vm.stopPrank();
        (bytes32 stateHash, uint64 version,) = statusLists.current(listId);
        assertEq(stateHash, keccak256("s6"));
        assertEq(version, 6);
    }

    function test_anchor_revertsWhenNotController() public {
        registerDefault();
        vm.expectRevert(notController(bob));
        vm.prank(bob);
        statusLists.anchor(listId, keccak256("s1"), 1);
    }

    function test_anchor_followsIssuerControllerChange() public {
        registerDefault();
        vm.prank(alice);
        registry.changeController(issuer, owner1);
        vm.expectRevert(notController(alice));
        vm.prank(alice);
        statusLists.anchor(listId, keccak256("s1"), 1);
        vm.prank(owner1);
        statusLists.anchor(listId, keccak256("s1"), 1);
    }

    function test_anchor_revertsForUnknownList() public {
        vm.expectRevert(abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryUnknownList.selector, listId));
        vm.prank(alice);
        statusLists.anchor(listId, keccak256("s1"), 1);
    }

    function test_anchor_revertsForDeactivatedIssuer() public {
        registerDefault();
        vm.prank(alice);
        registry.deactivate(issuer);
        vm.expectRevert(
            abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryIssuerDeactivated.selector, issuer)
        );
        vm.prank(alice);
        statusLists.anchor(listId, keccak256("s1"), 1);
    }

    function testFuzz_anchor(uint64[8] memory versions) public {
        registerDefault();
        uint64 current;
        for (uint256 i; i < versions.length; ++i) {
            uint64 v = versions[i];
            bytes32 h = keccak256(abi.encode(i));
            if (v <= current) {
                vm.expectRevert(
                    abi.encodeWithSelector(IStatusListRegistry.StatusListRegistryStaleVersion.selector, v, current)
                );
            }
            vm.prank(alice);
            statusLists.anchor(listId, h, v);
            if (v > current) current = v;
            (, uint64 stored,) = statusLists.current(listId);
            assertEq(stored, current, "version only grows");
        }
    }
}
