// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IAllocationVesting
/// @notice Holds one locked AMCT allocation and releases it to its beneficiary on the whitepaper's schedule:
///         technology (12.5 %, nothing for 3 years, then 6,000,000 AMCT a year accruing every second until the
///         37,500,000 are out, at 9.25 years) or foundation (15 %, nothing for 5 years, then 3,000,000 AMCT at the
///         end of each quarter, 15 steps, all out at 8.75 years).
/// @dev The schedule is fixed by its kind (AMCTAllocations) and the start given at initialisation; only the start and
///      beneficiary are chosen at deployment, so a deployment cannot get the figures wrong. A year is 365 days and a
///      quarter 7,884,000 s (a fourth of it). `vested(at)` answers for any time, past or future, so any schedule can
///      be queried at any date; `release` is open to anyone and always pays the beneficiary. Linear amounts round
///      down to the token unit.
interface IAllocationVesting {
    /// @notice Which whitepaper allocation the contract holds.
    enum Kind {
        Technology,
        Foundation
    }

    /// @notice A release schedule: nothing until `start + cliff`; then `amountPerPeriod` per `period`, either
    ///         accruing every second (`stepped` false) or all at once at the end of each period (`stepped` true),
    ///         until `total` is vested, `duration` seconds after the cliff.
    struct Schedule {
        Kind kind;
        bool stepped;
        uint64 start;
        uint64 cliff;
        uint64 period;
        uint64 duration;
        uint256 amountPerPeriod;
        uint256 total;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error AllocationVestingNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error AllocationVestingAlreadyInitialized();
    /// @notice `initialize` got the zero address for the token or beneficiary, or a zero start.
    error AllocationVestingInvalidInitParams();
    /// @notice Nothing is releasable at block time `at`.
    error AllocationVestingNothingToRelease(uint256 at);

    /// @notice Emitted once, by `initialize`.
    event Initialized(IERC20 indexed token, address indexed beneficiary, Kind kind, uint64 start);
    /// @notice `amount` was paid to the beneficiary; `totalReleased` is the sum paid so far.
    event Released(address indexed beneficiary, uint256 amount, uint256 totalReleased);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the token, the beneficiary, the launch time and the schedule kind. Once, by the initializer.
    /// @param token_ AMCT.
    /// @param beneficiary_ Who receives the releases.
    /// @param start_ Launch time (Unix seconds) from which the lock counts; the same for every allocation.
    /// @param kind_ Technology or foundation.
    function initialize(IERC20 token_, address beneficiary_, uint64 start_, Kind kind_) external;

    /// @notice The token held (zero before `initialize`).
    function token() external view returns (IERC20);

    /// @notice Who receives the releases.
    function beneficiary() external view returns (address);

    /// @notice The schedule (all zero before `initialize`).
    function schedule() external view returns (Schedule memory);

    /// @notice Total vested at Unix time `at` (0 before the cliff, `total` from `start + cliff + duration` on).
    function vested(uint256 at) external view returns (uint256);

    /// @notice What `release` would pay at Unix time `at`: vested then, minus what was already released (0 if
    ///         `at` is before the releases already made).
    function releasable(uint256 at) external view returns (uint256);

    /// @notice Total paid to the beneficiary so far.
    function released() external view returns (uint256);

    /// @notice Pays everything vested and not yet released to the beneficiary. Anyone may call.
    /// @return amount What was paid.
    function release() external returns (uint256 amount);
}
