// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TokenFixture} from "./TokenFixture.sol";
import {AllocationVesting} from "../../src/token/AllocationVesting.sol";
import {IAllocationVesting} from "../../src/token/IAllocationVesting.sol";

/// @notice The whitepaper's arithmetic to the token unit, for every allocation, at launch, 3 years - 1 s, 3 years,
///         4 years, 5 years, 5 years + 1 quarter and full vesting (year = 365 days, quarter = 91.25 days); release
///         pays exactly what is vested; fuzzed times never vest more than the schedule.
contract AllocationVestingTest is TokenFixture {
    uint256 internal constant TECH_FULL = 3 * YEAR + 197_100_000; // 9.25 years
    uint256 internal constant FOUNDATION_FULL = 5 * YEAR + 15 * QUARTER; // 8.75 years

    function setUp() public {
        setUpToken();
    }

    // ------------------------------------------------------------ exact figures (cumulative released, token units)

    /// @dev What each allocation has released to its holder at `T0 + offset` once everything releasable is pulled:
    ///      mining is claimed, not vested (the whole pool stays available), IDO was all out at launch, operations
    ///      only on governance decisions (none here).
    function releasedAt(uint256 offset) internal returns (uint256 tech, uint256 fdn) {
        vm.warp(T0 + offset);
        if (technology.releasable(block.timestamp) > 0) technology.release();
        if (foundation.releasable(block.timestamp) > 0) foundation.release();
        tech = token.balanceOf(techTeam);
        fdn = token.balanceOf(foundationTreasury);
        assertEq(technology.released(), tech);
        assertEq(foundation.released(), fdn);
        assertEq(token.balanceOf(ido), IDO_SHARE, "IDO fully unlocked from launch");
        assertEq(token.balanceOf(address(operations)), OPS_SHARE, "operations only by governance");
        assertEq(token.balanceOf(address(pool)), MINING_SHARE, "mining pool untouched without claims");
        assertEq(token.totalSupply(), SUPPLY);
    }

    function test_exactFigures_timeline() public {
        uint256 tech;
        uint256 fdn;
        (tech, fdn) = releasedAt(0);
        assertEq(tech, 0, "launch: technology");
        assertEq(fdn, 0, "launch: foundation");

        (tech, fdn) = releasedAt(3 * YEAR - 1);
        assertEq(tech, 0, "3y-1s: technology still locked");
        assertEq(fdn, 0, "3y-1s: foundation");

        (tech, fdn) = releasedAt(3 * YEAR);
        assertEq(tech, 0, "3y: technology lock just ended, nothing accrued yet");

        (tech, fdn) = releasedAt(3 * YEAR + 1);
        assertEq(tech, 190_258_751_902_587_519, "3y+1s: 6,000,000e18 / 31,536,000 rounded down");

        (tech, fdn) = releasedAt(4 * YEAR);
        assertEq(tech, 6_000_000e18, "4y: one year at 2 %");
        assertEq(fdn, 0, "4y: foundation");

        (tech, fdn) = releasedAt(5 * YEAR);
        assertEq(tech, 12_000_000e18, "5y: two years at 2 %");
        assertEq(fdn, 0, "5y: foundation lock just ended, first step at the quarter's end");

        (tech, fdn) = releasedAt(5 * YEAR + QUARTER - 1);
        assertEq(fdn, 0, "5y+1q-1s: no step yet");

        (tech, fdn) = releasedAt(5 * YEAR + QUARTER);
        assertEq(tech, 13_500_000e18, "5y+1q: 2.25 years at 2 %");
        assertEq(fdn, 3_000_000e18, "5y+1q: first 1 % step");

        (tech, fdn) = releasedAt(5 * YEAR + 2 * QUARTER);
        assertEq(fdn, 6_000_000e18, "5y+2q: two steps");

        (tech, fdn) = releasedAt(FOUNDATION_FULL - 1);
        assertEq(fdn, 42_000_000e18, "8.75y-1s: 14 steps");

        (tech, fdn) = releasedAt(FOUNDATION_FULL);
        assertEq(fdn, FOUNDATION_SHARE, "8.75y: foundation fully vested, 15 steps");
        assertEq(token.balanceOf(address(foundation)), 0);

        (tech, fdn) = releasedAt(TECH_FULL - 1);
        assertEq(tech, 37_499_999_809_741_248_097_412_480, "9.25y-1s: one second short");

        (tech, fdn) = releasedAt(TECH_FULL);
        assertEq(tech, TECH_SHARE, "9.25y: technology fully vested");
        assertEq(token.balanceOf(address(technology)), 0);

        (tech, fdn) = releasedAt(100 * YEAR);
        assertEq(tech, TECH_SHARE, "never more than the allocation");
        assertEq(fdn, FOUNDATION_SHARE, "never more than the allocation");
    }

    function test_vested_viewsAnswerAnyDate() public view {
        // Queried at launch, for dates far in the future: the schedule is a pure function of time.
        assertEq(technology.vested(T0 + 4 * YEAR), 6_000_000e18);
        assertEq(technology.vested(T0 + 5 * YEAR + QUARTER), 13_500_000e18);
        assertEq(foundation.vested(T0 + 5 * YEAR + QUARTER), 3_000_000e18);
        assertEq(foundation.vested(T0 + 7 * YEAR), 24_000_000e18, "7y = 5y + 8 quarters");
        assertEq(technology.vested(0), 0);
        assertEq(technology.vested(type(uint256).max), TECH_SHARE);
        assertEq(foundation.vested(type(uint256).max), FOUNDATION_SHARE);
        assertEq(technology.releasable(T0 + 4 * YEAR), 6_000_000e18);
    }

    function test_schedule_isTheWhitepapers() public view {
        IAllocationVesting.Schedule memory t = technology.schedule();
        assertEq(uint256(t.start), T0);
        assertEq(uint256(t.cliff), 3 * YEAR);
        assertEq(uint256(t.period), YEAR);
        assertEq(uint256(t.duration), 197_100_000, "6.25 years");
        assertEq(t.amountPerPeriod, 6_000_000e18);
        assertEq(t.total, TECH_SHARE);
        assertFalse(t.stepped);
        IAllocationVesting.Schedule memory f = foundation.schedule();
        assertEq(uint256(f.cliff), 5 * YEAR);
        assertEq(uint256(f.period), QUARTER);
        assertEq(uint256(f.duration), 15 * QUARTER);
        assertEq(f.amountPerPeriod, 3_000_000e18);
        assertEq(f.total, FOUNDATION_SHARE);
        assertTrue(f.stepped);
    }

    // ------------------------------------------------------------ release

    function test_release_revertsWhenNothingVested() public {
        vm.warp(T0 + 3 * YEAR);
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationVesting.AllocationVestingNothingToRelease.selector, block.timestamp)
        );
        technology.release();
    }

    function test_release_paysBeneficiaryWhoeverCalls() public {
        vm.warp(T0 + 4 * YEAR);
        vm.expectEmit(address(technology));
        emit IAllocationVesting.Released(techTeam, 6_000_000e18, 6_000_000e18);
        vm.prank(carol);
        assertEq(technology.release(), 6_000_000e18);
        assertEq(token.balanceOf(techTeam), 6_000_000e18);
        assertEq(token.balanceOf(carol), 0);
        // Nothing more in the same second.
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationVesting.AllocationVestingNothingToRelease.selector, block.timestamp)
        );
        technology.release();
        assertEq(technology.releasable(T0 + 4 * YEAR - 1 days), 0, "a past date before the releases: nothing");
    }

    function test_initialize_guards() public {
        AllocationVesting fresh = new AllocationVesting(deployer);
        vm.expectRevert(abi.encodeWithSelector(IAllocationVesting.AllocationVestingNotInitializer.selector, alice));
        vm.prank(alice);
        fresh.initialize(token, techTeam, T0, IAllocationVesting.Kind.Technology);
        vm.startPrank(deployer);
        vm.expectRevert(IAllocationVesting.AllocationVestingInvalidInitParams.selector);
        fresh.initialize(token, techTeam, 0, IAllocationVesting.Kind.Technology);
        vm.expectRevert(IAllocationVesting.AllocationVestingInvalidInitParams.selector);
        fresh.initialize(token, address(0), T0, IAllocationVesting.Kind.Technology);
        vm.expectRevert(IAllocationVesting.AllocationVestingInvalidInitParams.selector);
        fresh.initialize(IERC20(address(0)), techTeam, T0, IAllocationVesting.Kind.Technology);
        vm.expectEmit(address(fresh));
        emit IAllocationVesting.Initialized(token, techTeam, IAllocationVesting.Kind.Foundation, T0);
        fresh.initialize(token, techTeam, T0, IAllocationVesting.Kind.Foundation);
        vm.expectRevert(IAllocationVesting.AllocationVestingAlreadyInitialized.selector);
        fresh.initialize(token, techTeam, T0, IAllocationVesting.Kind.Technology);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ fuzz

    /// @dev The schedules as the whitepaper states them, computed here independently.
    function techSchedule(uint256 offset) internal pure returns (uint256) {
        if (offset <= 3 * YEAR) return 0;
        if (offset >= TECH_FULL) return TECH_SHARE;
        uint256 v = 6_000_000e18 * (offset - 3 * YEAR) / YEAR;
        return v > TECH_SHARE ? TECH_SHARE : v;
    }

    function foundationSchedule(uint256 offset) internal pure returns (uint256) {
        if (offset <= 5 * YEAR) return 0;
        if (offset >= FOUNDATION_FULL) return FOUNDATION_SHARE;
        uint256 v = 3_000_000e18 * ((offset - 5 * YEAR) / QUARTER);
        return v > FOUNDATION_SHARE ? FOUNDATION_SHARE : v;
    }

    function testFuzz_release_neverExceedsSchedule(uint256 first, uint256 second) public {
        first = bound(first, 0, 12 * YEAR);
        second = bound(second, first, 12 * YEAR);
        uint256[2] memory offsets = [first, second];
        for (uint256 i; i < 2; ++i) {
            vm.warp(T0 + offsets[i]);
            if (technology.releasable(block.timestamp) > 0) technology.release();
            if (foundation.releasable(block.timestamp) > 0) foundation.release();
            assertEq(token.balanceOf(techTeam), techSchedule(offsets[i]), "technology released = schedule");
            assertEq(token.balanceOf(foundationTreasury), foundationSchedule(offsets[i]), "foundation = schedule");
            assertEq(technology.released() + token.balanceOf(address(technology)), TECH_SHARE, "tech conserved");
            assertEq(
                foundation.released() + token.balanceOf(address(foundation)), FOUNDATION_SHARE, "foundation conserved"
            );
        }
    }

    function testFuzz_vested_monotonicAndBounded(uint256 a, uint256 b) public view {
        if (a > b) (a, b) = (b, a);
        assertLe(technology.vested(a), technology.vested(b), "technology never decreases");
        assertLe(foundation.vested(a), foundation.vested(b), "foundation never decreases");
        assertLe(technology.vested(b), TECH_SHARE);
        assertLe(foundation.vested(b), FOUNDATION_SHARE);
        if (b >= T0) {
            assertEq(technology.vested(b), techSchedule(b - T0));
            assertEq(foundation.vested(b), foundationSchedule(b - T0));
        }
    }
}
