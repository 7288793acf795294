// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAllocationVesting} from "./IAllocationVesting.sol";
import {AMCTAllocations as A} from "./AMCTAllocations.sol";

/// @title AllocationVesting
/// @notice The technology or foundation allocation of AMCT, released on the whitepaper's schedule (see
///         IAllocationVesting).
/// @dev `vested` caps the elapsed time at the schedule's duration before multiplying, so no input overflows and the
///      result never exceeds the total: released <= vested(now) <= total holds by construction.
contract AllocationVesting is IAllocationVesting {
    using SafeERC20 for IERC20;

    /// @inheritdoc IAllocationVesting
    address public immutable initializer;

    /// @inheritdoc IAllocationVesting
    IERC20 public token;

    /// @inheritdoc IAllocationVesting
    address public beneficiary;

    /// @inheritdoc IAllocationVesting
    uint256 public released;

    Schedule private _schedule;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IAllocationVesting
    function initialize(IERC20 token_, address beneficiary_, uint64 start_, Kind kind_) external {
        if (msg.sender != initializer) revert AllocationVestingNotInitializer(msg.sender);
        if (address(token) != address(0)) revert AllocationVestingAlreadyInitialized();
        if (address(token_) == address(0) || beneficiary_ == address(0) || start_ == 0) {
            revert AllocationVestingInvalidInitParams();
        }
        token = token_;
        beneficiary = beneficiary_;
        _schedule = kind_ == Kind.Technology
            // 37,500,000 at 6,000,000 a year: 6.25 years = 197,100,000 s after the 3-year lock.
            ? Schedule({
                kind: kind_,
                stepped: false,
                start: start_,
                cliff: A.TECHNOLOGY_CLIFF,
                period: A.YEAR,
                duration: uint64(A.TECHNOLOGY * A.YEAR / A.TECHNOLOGY_PER_YEAR),
                amountPerPeriod: A.TECHNOLOGY_PER_YEAR,
                total: A.TECHNOLOGY
            })
            // 45,000,000 at 3,000,000 a quarter: 15 quarters = 118,260,000 s after the 5-year lock.
            : Schedule({
                kind: kind_,
                stepped: true,
                start: start_,
                cliff: A.FOUNDATION_CLIFF,
                period: A.QUARTER,
                duration: uint64(A.FOUNDATION / A.FOUNDATION_PER_QUARTER * A.QUARTER),
                amountPerPeriod: A.FOUNDATION_PER_QUARTER,
                total: A.FOUNDATION
            });
        emit Initialized(token_, beneficiary_, kind_, start_);
    }

    /// @inheritdoc IAllocationVesting
    function schedule() external view returns (Schedule memory) {
        return _schedule;
    }

    /// @inheritdoc IAllocationVesting
    function vested(uint256 at) public view returns (uint256) {
        Schedule memory s = _schedule;
        uint256 unlock = uint256(s.start) + s.cliff;
        if (s.total == 0 || at <= unlock) return 0;
        uint256 elapsed = at - unlock;
        if (elapsed >= s.duration) return s.total;
        uint256 amount = s.stepped ? s.amountPerPeriod * (elapsed / s.period) : s.amountPerPeriod * elapsed / s.period;
        return amount < s.total ? amount : s.total;
    }

    /// @inheritdoc IAllocationVesting
    function releasable(uint256 at) public view returns (uint256) {
        uint256 v = vested(at);
        uint256 r = released;
        return v > r ? v - r : 0;
    }

    /// @inheritdoc IAllocationVesting
    function release() external returns (uint256 amount) {
        amount = releasable(block.timestamp);
        if (amount == 0) revert AllocationVestingNothingToRelease(block.timestamp);
        uint256 total = released + amount;
        released = total;
        address to = beneficiary;
        emit Released(to, amount, total);
        token.safeTransfer(to, amount);
    }
}
