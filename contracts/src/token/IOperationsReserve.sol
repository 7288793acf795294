// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IOperationsReserve
/// @notice Holds the operations allocation of AMCT (9.5 %, 28,500,000 AMCT). The whitepaper releases it "by foundation
///         decision, from time to time, the proportion published to the community": here only governance (the
///         Consortium, through an executed proposal) can release, and every release carries its public reason.
/// @dev There is no schedule: what is releasable at any date is the balance held. The history of releases is the
///      `Released` log; `released()` is their running sum.
interface IOperationsReserve {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error OperationsReserveNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error OperationsReserveAlreadyInitialized();
    /// @notice `initialize` got the zero address, or `release` a zero recipient.
    error OperationsReserveZeroAddress();
    /// @notice `release` was called by another account than governance.
    error OperationsReserveOnlyGovernance(address caller);
    /// @notice `release` got a zero amount.
    error OperationsReserveZeroAmount();
    /// @notice `release` got an empty reason (every release must say why).
    error OperationsReserveEmptyReason();
    /// @notice `release` asked for more than the reserve holds.
    error OperationsReserveInsufficientBalance(uint256 requested, uint256 available);

    /// @notice Emitted once, by `initialize`.
    event Initialized(IERC20 indexed token, address indexed governance);
    /// @notice Governance released `amount` to `to` for `reason`; `totalReleased` is the sum released so far.
    event Released(address indexed to, uint256 amount, string reason, uint256 totalReleased);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the token and governance. Once, by the initializer.
    /// @param token_ AMCT.
    /// @param governance_ The Consortium: the only account that may release.
    function initialize(IERC20 token_, address governance_) external;

    /// @notice The token held (zero before `initialize`).
    function token() external view returns (IERC20);

    /// @notice The only account that may release (the Consortium).
    function governance() external view returns (address);

    /// @notice Total released so far.
    function released() external view returns (uint256);

    /// @notice Pays `amount` to `to`, publicly stating `reason`. Governance only.
    function release(address to, uint256 amount, string calldata reason) external;
}
