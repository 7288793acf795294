// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TokenFixture} from "./TokenFixture.sol";
import {TokenHandler} from "./TokenHandler.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {IDataEscrow} from "../../src/token/IDataEscrow.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice Invariants of the token module under random actions (TokenHandler): the supply never changes; no
///         allocation has released more than its schedule at the (fuzzed) current time; no epoch pays more than its
///         committed total, nor commits more than its emission; the escrow holds exactly the open escrows; calls
///         succeed exactly when the rules allow.
contract TokenInvariantTest is TokenFixture {
    TokenHandler internal handler;
    address internal edgeRewards;

    function setUp() public {
        setUpToken();
        edgeRewards = makeAddr("edge-rewards");
        vm.prank(address(consortium));
        pool.setRemote(EDGE, Message.toBytes32(edgeRewards), true);

        address[4] memory actors = [makeAddr("actor-0"), makeAddr("actor-1"), makeAddr("actor-2"), makeAddr("actor-3")];
        handler = new TokenHandler(
            TokenHandler.Deployment({
                token: token,
                technology: technology,
                foundation: foundation,
                operations: operations,
                pool: pool,
                escrow: escrow,
                governance: address(consortium),
                distributor: distributor,
                operator: operator,
                mailbox: address(mailbox),
                remoteOrigin: EDGE,
                remoteSender: Message.toBytes32(edgeRewards)
            }),
            actors
        );
        // Spending money for the escrow.
        for (uint256 i; i < actors.length; ++i) {
            vm.prank(ido);
            token.transfer(actors[i], 1_000_000e18);
        }

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = TokenHandler.warp.selector;
        selectors[1] = TokenHandler.warp.selector; // time is what the schedules are about
        selectors[2] = TokenHandler.releaseVesting.selector;
        selectors[3] = TokenHandler.releaseOperations.selector;
        selectors[4] = TokenHandler.commitEpoch.selector;
        selectors[5] = TokenHandler.claim.selector;
        selectors[6] = TokenHandler.claim.selector;
        selectors[7] = TokenHandler.crossClaim.selector;
        selectors[8] = TokenHandler.deposit.selector;
        selectors[9] = TokenHandler.settle.selector;
        selectors[10] = TokenHandler.transfer.selector;
        selectors[11] = TokenHandler.deposit.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_totalSupplyIsConstant() public view {
        assertEq(token.totalSupply(), SUPPLY, "the supply changed");
    }

    function invariant_callsSucceedExactlyWhenTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "a call succeeded or failed unexpectedly");
    }

    /// @dev The whitepaper's schedules, computed independently of the contracts, at the current (fuzzed) time.
    function invariant_noAllocationReleasesMoreThanItsSchedule() public view {
        uint256 offset = block.timestamp - T0;
        uint256 techCap = offset <= 3 * YEAR ? 0 : (offset - 3 * YEAR) * 6_000_000e18 / YEAR;
        if (techCap > TECH_SHARE) techCap = TECH_SHARE;
        uint256 fdnCap = offset <= 5 * YEAR ? 0 : ((offset - 5 * YEAR) / QUARTER) * 3_000_000e18;
        if (fdnCap > FOUNDATION_SHARE) fdnCap = FOUNDATION_SHARE;
        assertLe(technology.released(), techCap, "technology released more than 2 %/year after 3 years");
        assertLe(foundation.released(), fdnCap, "foundation released more than 1 %/quarter after 5 years");
        assertEq(technology.vested(block.timestamp), techCap, "technology schedule");
        assertEq(foundation.vested(block.timestamp), fdnCap, "foundation schedule");
        assertEq(technology.released() + token.balanceOf(address(technology)), TECH_SHARE, "technology conserved");
        assertEq(foundation.released() + token.balanceOf(address(foundation)), FOUNDATION_SHARE, "foundation conserved");
        assertEq(operations.released() + token.balanceOf(address(operations)), OPS_SHARE, "operations conserved");
        assertLe(operations.released(), OPS_SHARE, "operations beyond 9.5 %");
    }

    function invariant_claimsNeverExceedEpochTotals() public view {
        uint256 claimed;
        uint256 committed;
        uint256 n = handler.committedCount();
        for (uint256 i; i < n; ++i) {
            uint64 epoch = handler.committedEpochs(i);
            IMiningPool.Epoch memory e = pool.epochs(epoch);
            assertLe(uint256(e.claimed), uint256(e.total), "an epoch paid more than its total");
            assertLe(uint256(e.total), pool.emission(epoch), "an epoch committed more than its emission");
            claimed += e.claimed;
            committed += e.total;
        }
        assertEq(pool.totalClaimed(), claimed, "total claimed = sum over epochs");
        assertEq(pool.totalCommitted(), committed, "total committed = sum over epochs");
        assertLe(pool.totalCommitted(), MINING_SHARE, "commitments beyond the pool");
        assertEq(token.balanceOf(address(pool)) + pool.totalClaimed(), MINING_SHARE, "the pool paid only claims");
    }

    function invariant_escrowBalanceEqualsOpenEscrows() public view {
        assertEq(escrow.totalEscrowed(), handler.ghostOpenEscrowSum(), "sum of open escrows' remaining amounts");
        uint256 remaining;
        for (uint256 i; i < handler.REQUESTS(); ++i) {
            IDataEscrow.Escrow memory e = escrow.escrows(bytes32(i));
            if (e.status == IDataEscrow.Status.Open) remaining += e.amount;
            else assertEq(uint256(e.amount), 0, "a closed escrow keeps nothing");
        }
        assertEq(escrow.totalEscrowed(), remaining, "total escrowed = sum over open escrows");
        assertEq(token.balanceOf(address(escrow)), escrow.totalEscrowed(), "escrow balance = open escrows");
    }

    /// @dev The handler reaches the paths the invariants are about.
    function test_handler_exercisesEveryPath() public {
        handler.deposit(0, 0, 100e18, 1 days);
        handler.deposit(1, 1, 50e18, 1 days);
        handler.deposit(1, 1, 50e18, 1 days); // id taken: refused
        handler.settle(0, 4, false, 30e18, false); // operator releases part of request 0
        handler.settle(0, 4, false, 30e18, true); // the same payment id again: refused
        handler.settle(0, 4, false, 70e18 + 1, false); // more than the 70 left: refused
        handler.settle(0, 4, false, 70e18, false); // the rest: request 0 released
        handler.settle(1, 4, false, 10e18, false); // part of request 1
        handler.settle(1, 2, true, 0, false); // a stranger refunds before the deadline: refused
        handler.warp(2 days);
        handler.settle(1, 4, false, 1e18, false); // past the deadline: refused
        handler.settle(1, 2, true, 0, false); // after the deadline: the rest refunded
        handler.warp(7 days);
        handler.commitEpoch(0, 1e18, 2e18, 3e18, 1); // sum committed
        handler.claim(0, 0, false);
        handler.claim(0, 0, false); // again: refused
        handler.claim(0, 1, true); // tampered: refused
        handler.crossClaim(0, 2, false);
        handler.crossClaim(0, 3, true); // foreign sender: refused
        handler.releaseOperations(1e18, 4); // governance
        handler.releaseOperations(1e18, 0); // not governance: refused
        for (uint256 i; i < 9; ++i) {
            handler.warp(400 days);
        }
        handler.releaseVesting(false);
        handler.releaseVesting(true);
        assertGe(handler.ghostVestingReleases(), 2);
        assertGe(handler.ghostClaims(), 1);
        assertGe(handler.ghostCrossClaims(), 1);
        assertEq(handler.ghostSettlements(), 2);
        assertEq(handler.ghostPartialReleases(), 2);
        invariant_callsSucceedExactlyWhenTheRulesAllow();
        invariant_noAllocationReleasesMoreThanItsSchedule();
        invariant_claimsNeverExceedEpochTotals();
        invariant_escrowBalanceEqualsOpenEscrows();
    }
}
