// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TokenFixture} from "./TokenFixture.sol";
import {DataEscrow} from "../../src/token/DataEscrow.sol";
import {IDataEscrow} from "../../src/token/IDataEscrow.sol";

/// @notice Data requests paid in AMCT: deposit (allowance or permit), release on delivery by the operator up to the
///         deadline, refund by the operator or, after the deadline, by anyone; each escrow settles once.
contract DataEscrowTest is TokenFixture {
    address internal requester;
    uint256 internal requesterKey;
    address internal provider;

    bytes32 internal constant REQ = keccak256("request-1");
    uint256 internal constant PRICE = 125e18;
    uint64 internal deadline;

    function setUp() public {
        setUpToken();
        (requester, requesterKey) = makeAddrAndKey("data-requester");
        provider = makeAddr("data-provider");
        vm.prank(ido);
        token.transfer(requester, 10_000e18);
        deadline = uint64(block.timestamp + 3 days);
    }

    function depositOne() internal {
        vm.startPrank(requester);
        token.approve(address(escrow), PRICE);
        escrow.deposit(REQ, PRICE, deadline);
        vm.stopPrank();
    }

    function test_deposit_holdsTokens() public {
        vm.prank(requester);
        token.approve(address(escrow), PRICE);
        vm.expectEmit(address(escrow));
        emit IDataEscrow.Deposited(REQ, requester, PRICE, deadline);
        vm.prank(requester);
        escrow.deposit(REQ, PRICE, deadline);
        IDataEscrow.Escrow memory e = escrow.escrows(REQ);
        assertEq(e.requester, requester);
        assertEq(uint256(e.amount), PRICE);
        assertEq(uint256(e.deadline), deadline);
        assertEq(uint256(e.status), uint256(IDataEscrow.Status.Open));
        assertEq(escrow.totalEscrowed(), PRICE);
        assertEq(token.balanceOf(address(escrow)), PRICE);
    }

    function test_depositWithPermit_needsNoPriorApproval() public {
        uint256 permitDeadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                requester,
                address(escrow),
                PRICE,
                token.nonces(requester),
                permitDeadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(requesterKey, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
        vm.prank(requester);
        escrow.depositWithPermit(REQ, PRICE, deadline, permitDeadline, v, r, s);
        assertEq(token.balanceOf(address(escrow)), PRICE);
        assertEq(token.nonces(requester), 1);
    }

    function test_depositWithPermit_survivesFrontRunPermit() public {
        uint256 permitDeadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                requester,
                address(escrow),
                PRICE,
                0,
                permitDeadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(requesterKey, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
        token.permit(requester, address(escrow), PRICE, permitDeadline, v, r, s); // someone submits it first
        vm.prank(requester);
        escrow.depositWithPermit(REQ, PRICE, deadline, permitDeadline, v, r, s);
        assertEq(escrow.totalEscrowed(), PRICE);
    }

    function test_deposit_guards() public {
        vm.startPrank(requester);
        token.approve(address(escrow), type(uint256).max);
        vm.expectRevert(IDataEscrow.DataEscrowZeroAmount.selector);
        escrow.deposit(REQ, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowAmountTooLarge.selector, uint256(1) << 96));
        escrow.deposit(REQ, uint256(1) << 96, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataEscrow.DataEscrowDeadlineInPast.selector, uint64(block.timestamp), block.timestamp
            )
        );
        escrow.deposit(REQ, PRICE, uint64(block.timestamp));
        escrow.deposit(REQ, PRICE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowExists.selector, REQ));
        escrow.deposit(REQ, PRICE, deadline);
        vm.stopPrank();
    }

    function test_release_paysProviderOnce() public {
        depositOne();
        vm.warp(deadline); // the deadline itself still allows delivery
        vm.expectEmit(address(escrow));
        emit IDataEscrow.Released(REQ, provider, PRICE);
        vm.prank(operator);
        escrow.release(REQ, provider);
        assertEq(token.balanceOf(provider), PRICE);
        assertEq(escrow.totalEscrowed(), 0);
        assertEq(token.balanceOf(address(escrow)), 0);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, REQ, IDataEscrow.Status.Released)
        );
        escrow.release(REQ, provider);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, REQ, IDataEscrow.Status.Released)
        );
        escrow.refund(REQ);
    }

    function test_release_guards() public {
        depositOne();
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowNotOperator.selector, requester));
        escrow.release(REQ, requester);
        vm.startPrank(operator);
        vm.expectRevert(IDataEscrow.DataEscrowZeroAddress.selector);
        escrow.release(REQ, address(0));
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, unknown, IDataEscrow.Status.None)
        );
        escrow.release(unknown, provider);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowDeadlinePassed.selector, REQ, deadline));
        escrow.release(REQ, provider);
        vm.stopPrank();
    }

    function test_refund_byAnyoneAfterDeadline() public {
        depositOne();
        vm.warp(deadline);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowDeadlineNotReached.selector, REQ, deadline));
        escrow.refund(REQ);
        vm.warp(deadline + 1);
        uint256 before = token.balanceOf(requester);
        vm.expectEmit(address(escrow));
        emit IDataEscrow.Refunded(REQ, requester, PRICE);
        vm.prank(carol);
        escrow.refund(REQ);
        assertEq(token.balanceOf(requester), before + PRICE);
        assertEq(escrow.totalEscrowed(), 0);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, REQ, IDataEscrow.Status.Refunded)
        );
        escrow.release(REQ, provider);
    }

    function test_refund_byOperatorBeforeDeadline() public {
        depositOne();
        vm.prank(operator);
        escrow.refund(REQ);
        assertEq(uint256(escrow.escrows(REQ).status), uint256(IDataEscrow.Status.Refunded));
        // The id stays used.
        vm.startPrank(requester);
        token.approve(address(escrow), PRICE);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowExists.selector, REQ));
        escrow.deposit(REQ, PRICE, deadline);
        vm.stopPrank();
    }

    function test_setOperator_governanceOnly() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowOnlyGovernance.selector, operator));
        escrow.setOperator(alice);
        governCall(address(escrow), abi.encodeCall(IDataEscrow.setOperator, (alice)));
        assertEq(escrow.operator(), alice);
    }

    function test_initialize_guards() public {
        DataEscrow fresh = new DataEscrow(deployer);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowNotInitializer.selector, alice));
        fresh.initialize(token, operator, address(consortium));
        vm.startPrank(deployer);
        vm.expectRevert(IDataEscrow.DataEscrowZeroAddress.selector);
        fresh.initialize(IERC20(address(0)), operator, address(consortium));
        fresh.initialize(token, operator, address(consortium));
        vm.expectRevert(IDataEscrow.DataEscrowAlreadyInitialized.selector);
        fresh.initialize(token, operator, address(consortium));
        vm.stopPrank();
    }
}
