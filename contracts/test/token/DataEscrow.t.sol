// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TokenFixture} from "./TokenFixture.sol";
import {DataEscrow} from "../../src/token/DataEscrow.sol";
import {IDataEscrow} from "../../src/token/IDataEscrow.sol";

/// @notice Data requests paid in AMCT: deposit (allowance or permit), partial releases on delivery by the operator up
///         to the deadline, each under a payment id used once, refund of the rest by the operator or, after the
///         deadline, by anyone; an escrow closes once.
contract DataEscrowTest is TokenFixture {
    address internal requester;
    uint256 internal requesterKey;
    address internal provider;

    bytes32 internal constant REQ = keccak256("request-1");
    bytes32 internal constant PAY1 = keccak256("payment-1");
    bytes32 internal constant PAY2 = keccak256("payment-2");
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
        emit IDataEscrow.Released(REQ, PAY1, provider, PRICE);
        vm.prank(operator);
        escrow.release(REQ, PAY1, provider, PRICE);
        assertEq(token.balanceOf(provider), PRICE);
        assertEq(escrow.totalEscrowed(), 0);
        assertEq(token.balanceOf(address(escrow)), 0);
        assertTrue(escrow.isPaid(PAY1));
        IDataEscrow.Escrow memory e = escrow.escrows(REQ);
        assertEq(uint256(e.status), uint256(IDataEscrow.Status.Released), "nothing left: released");
        assertEq(uint256(e.amount), 0);
        assertEq(uint256(e.released), PRICE);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, REQ, IDataEscrow.Status.Released)
        );
        escrow.release(REQ, PAY2, provider, 1);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, REQ, IDataEscrow.Status.Released)
        );
        escrow.refund(REQ);
    }

    /// @dev A request answered by two participants: each is paid on delivery, the requester gets the rest back.
    function test_release_twoPartialsThenRefundOfTheRest() public {
        depositOne();
        address provider2 = makeAddr("data-provider-2");
        vm.startPrank(operator);
        escrow.release(REQ, PAY1, provider, 40e18);
        vm.expectEmit(address(escrow));
        emit IDataEscrow.Released(REQ, PAY2, provider2, 60e18);
        escrow.release(REQ, PAY2, provider2, 60e18);
        vm.stopPrank();
        IDataEscrow.Escrow memory e = escrow.escrows(REQ);
        assertEq(uint256(e.status), uint256(IDataEscrow.Status.Open), "still open");
        assertEq(uint256(e.amount), PRICE - 100e18, "remaining");
        assertEq(uint256(e.released), 100e18, "released so far");
        assertEq(escrow.totalEscrowed(), PRICE - 100e18);
        assertEq(token.balanceOf(address(escrow)), PRICE - 100e18);

        uint256 before = token.balanceOf(requester);
        vm.expectEmit(address(escrow));
        emit IDataEscrow.Refunded(REQ, requester, PRICE - 100e18);
        vm.prank(operator);
        escrow.refund(REQ);
        assertEq(token.balanceOf(requester), before + PRICE - 100e18);
        assertEq(token.balanceOf(provider), 40e18);
        assertEq(token.balanceOf(provider2), 60e18);
        e = escrow.escrows(REQ);
        assertEq(uint256(e.status), uint256(IDataEscrow.Status.Refunded));
        assertEq(uint256(e.amount), 0);
        assertEq(uint256(e.released), 100e18, "the releases stay on record");
        assertEq(escrow.totalEscrowed(), 0);
        assertEq(token.balanceOf(address(escrow)), 0);
    }

    /// @dev A payment id names one payment across the contract: retrying it (e.g. after a crash) fails, here or on
    ///      another request, even once the escrow it emptied is closed.
    function test_release_revertsOnPaymentIdReuse() public {
        depositOne();
        vm.startPrank(operator);
        escrow.release(REQ, PAY1, provider, 25e18);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowAlreadyPaid.selector, PAY1));
        escrow.release(REQ, PAY1, provider, 25e18);
        vm.stopPrank();
        bytes32 req2 = keccak256("request-2");
        vm.startPrank(requester);
        token.approve(address(escrow), PRICE);
        escrow.deposit(req2, PRICE, deadline);
        vm.stopPrank();
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowAlreadyPaid.selector, PAY1));
        escrow.release(req2, PAY1, provider, 1);
        escrow.release(REQ, PAY2, provider, PRICE - 25e18); // empties REQ
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowAlreadyPaid.selector, PAY2));
        escrow.release(REQ, PAY2, provider, PRICE - 25e18);
        vm.stopPrank();
        assertEq(token.balanceOf(provider), PRICE, "paid once each");
        assertFalse(escrow.isPaid(keccak256("never")));
    }

    function test_release_revertsAboveRemaining() public {
        depositOne();
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowExceedsRemaining.selector, REQ, PRICE + 1, PRICE));
        escrow.release(REQ, PAY1, provider, PRICE + 1);
        escrow.release(REQ, PAY1, provider, 100e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataEscrow.DataEscrowExceedsRemaining.selector, REQ, PRICE - 100e18 + 1, PRICE - 100e18
            )
        );
        escrow.release(REQ, PAY2, provider, PRICE - 100e18 + 1);
        vm.expectRevert(IDataEscrow.DataEscrowZeroAmount.selector);
        escrow.release(REQ, PAY2, provider, 0);
        vm.stopPrank();
        assertFalse(escrow.isPaid(PAY2), "a failed release does not use its id");
    }

    function test_release_revertsAfterDeadlineEvenWhenPartlyReleased() public {
        depositOne();
        vm.prank(operator);
        escrow.release(REQ, PAY1, provider, 100e18);
        vm.warp(deadline + 1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowDeadlinePassed.selector, REQ, deadline));
        escrow.release(REQ, PAY2, provider, 1e18);
        vm.prank(carol); // anyone refunds the rest after the deadline
        escrow.refund(REQ);
        assertEq(token.balanceOf(address(escrow)), 0);
        assertEq(uint256(escrow.escrows(REQ).released), 100e18);
    }

    function test_release_guards() public {
        depositOne();
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowNotOperator.selector, requester));
        escrow.release(REQ, PAY1, requester, PRICE);
        vm.startPrank(operator);
        vm.expectRevert(IDataEscrow.DataEscrowZeroAddress.selector);
        escrow.release(REQ, PAY1, address(0), PRICE);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(IDataEscrow.DataEscrowNotOpen.selector, unknown, IDataEscrow.Status.None)
        );
        escrow.release(unknown, PAY1, provider, PRICE);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataEscrow.DataEscrowDeadlinePassed.selector, REQ, deadline));
        escrow.release(REQ, PAY1, provider, PRICE);
        vm.stopPrank();
    }

    /// @dev Any split of the deposit into releases, then a refund: the escrow pays out exactly the deposit.
    function testFuzz_release_splitsConserveTheDeposit(uint256 first, uint256 second, bool refundRest) public {
        depositOne();
        first = bound(first, 1, PRICE);
        second = bound(second, 0, PRICE - first);
        vm.startPrank(operator);
        escrow.release(REQ, PAY1, provider, first);
        if (second > 0) escrow.release(REQ, PAY2, provider, second);
        if (refundRest && first + second < PRICE) escrow.refund(REQ);
        vm.stopPrank();
        IDataEscrow.Escrow memory e = escrow.escrows(REQ);
        uint256 refunded = token.balanceOf(requester) - (10_000e18 - PRICE);
        assertEq(token.balanceOf(provider), first + second);
        assertEq(uint256(e.released), first + second);
        assertEq(token.balanceOf(provider) + refunded + uint256(e.amount), PRICE, "deposit conserved");
        assertEq(token.balanceOf(address(escrow)), escrow.totalEscrowed());
        assertEq(escrow.totalEscrowed(), uint256(e.amount));
        IDataEscrow.Status expected = first + second == PRICE
            ? IDataEscrow.Status.Released
            : refundRest ? IDataEscrow.Status.Refunded : IDataEscrow.Status.Open;
        assertEq(uint256(e.status), uint256(expected));
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
        escrow.release(REQ, PAY1, provider, PRICE);
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
