// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TokenFixture} from "./TokenFixture.sol";
import {AMCT} from "../../src/token/AMCT.sol";
import {IAMCT} from "../../src/token/IAMCT.sol";
import {AMCTAllocations} from "../../src/token/AMCTAllocations.sol";

/// @notice AMCT: metadata, the one-time mint into the whitepaper's allocations, no mint path afterwards, permit.
contract AMCTTest is TokenFixture {
    function setUp() public {
        setUpToken();
    }

    function test_metadata() public view {
        assertEq(token.name(), "AutoMobile Chain Token");
        assertEq(token.symbol(), "AMCT");
        assertEq(uint256(token.decimals()), 18);
    }

    function test_initialize_mintsWhitepaperAllocations() public view {
        assertEq(token.totalSupply(), SUPPLY, "300,000,000 AMCT");
        assertEq(token.balanceOf(address(pool)), MINING_SHARE, "mining 43 %");
        assertEq(token.balanceOf(ido), IDO_SHARE, "IDO 20 %, unlocked at launch");
        assertEq(token.balanceOf(address(technology)), TECH_SHARE, "technology 12.5 %");
        assertEq(token.balanceOf(address(operations)), OPS_SHARE, "operations 9.5 %");
        assertEq(token.balanceOf(address(foundation)), FOUNDATION_SHARE, "foundation 15 %");
        assertEq(MINING_SHARE + IDO_SHARE + TECH_SHARE + OPS_SHARE + FOUNDATION_SHARE, SUPPLY, "shares sum to supply");
        IAMCT.Recipients memory r = token.recipients();
        assertEq(r.miningPool, address(pool));
        assertEq(r.ido, ido);
        assertEq(r.technology, address(technology));
        assertEq(r.operations, address(operations));
        assertEq(r.foundation, address(foundation));
    }

    function test_constants_matchWhitepaper() public pure {
        assertEq(AMCTAllocations.TOTAL_SUPPLY, SUPPLY);
        assertEq(AMCTAllocations.MINING, MINING_SHARE);
        assertEq(AMCTAllocations.IDO, IDO_SHARE);
        assertEq(AMCTAllocations.TECHNOLOGY, TECH_SHARE);
        assertEq(AMCTAllocations.OPERATIONS, OPS_SHARE);
        assertEq(AMCTAllocations.FOUNDATION, FOUNDATION_SHARE);
        assertEq(AMCTAllocations.YEAR, YEAR);
        assertEq(AMCTAllocations.QUARTER, QUARTER);
        assertEq(AMCTAllocations.TECHNOLOGY_PER_YEAR, 6_000_000e18, "2 % of supply");
        assertEq(AMCTAllocations.FOUNDATION_PER_QUARTER, 3_000_000e18, "1 % of supply");
    }

    function test_initialize_revertsWhenCalledTwice() public {
        vm.prank(deployer);
        vm.expectRevert(IAMCT.AMCTAlreadyInitialized.selector);
        token.initialize(recipients());
        assertEq(token.totalSupply(), SUPPLY);
    }

    function test_initialize_revertsForOthers() public {
        AMCT fresh = new AMCT(deployer);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAMCT.AMCTNotInitializer.selector, alice));
        fresh.initialize(recipients());
    }

    function test_initialize_revertsOnZeroRecipient() public {
        AMCT fresh = new AMCT(deployer);
        IAMCT.Recipients memory r = recipients();
        r.foundation = address(0);
        vm.prank(deployer);
        vm.expectRevert(IAMCT.AMCTZeroAddress.selector);
        fresh.initialize(r);
    }

    function test_initialize_emitsInitialized() public {
        AMCT fresh = new AMCT(deployer);
        IAMCT.Recipients memory r = recipients();
        vm.expectEmit(address(fresh));
        emit IAMCT.Initialized(r.miningPool, r.ido, r.technology, r.operations, r.foundation);
        vm.prank(deployer);
        fresh.initialize(r);
    }

    /// @dev No mint selector of any common shape exists: the calls hit no function and revert.
    function test_noMintFunction() public {
        bytes[3] memory calls = [
            abi.encodeWithSignature("mint(address,uint256)", alice, 1),
            abi.encodeWithSignature("mint(uint256)", 1),
            abi.encodeWithSignature("_mint(address,uint256)", alice, 1)
        ];
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(deployer);
            (bool ok,) = address(token).call(calls[i]);
            assertFalse(ok, "a mint call succeeded");
        }
        assertEq(token.totalSupply(), SUPPLY);
    }

    function test_permit_setsAllowanceFromSignature() public {
        (address owner, uint256 key) = makeAddrAndKey("permit-owner");
        vm.prank(ido);
        token.transfer(owner, 100e18);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                bob,
                40e18,
                0,
                deadline
            )
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("AutoMobile Chain Token"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
        assertEq(token.DOMAIN_SEPARATOR(), domain, "EIP-712 domain");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        token.permit(owner, bob, 40e18, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 40e18);
        assertEq(token.nonces(owner), 1);
    }
}
