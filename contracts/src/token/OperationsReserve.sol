// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IOperationsReserve} from "./IOperationsReserve.sol";

/// @title OperationsReserve
/// @notice The operations allocation of AMCT, released only by governance with a public reason (see
///         IOperationsReserve).
contract OperationsReserve is IOperationsReserve {
    using SafeERC20 for IERC20;

    /// @inheritdoc IOperationsReserve
    address public immutable initializer;

    /// @inheritdoc IOperationsReserve
    IERC20 public token;

    /// @inheritdoc IOperationsReserve
    address public governance;

    /// @inheritdoc IOperationsReserve
    uint256 public released;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IOperationsReserve
    function initialize(IERC20 token_, address governance_) external {
        if (msg.sender != initializer) revert OperationsReserveNotInitializer(msg.sender);
        if (address(token) != address(0)) revert OperationsReserveAlreadyInitialized();
        if (address(token_) == address(0) || governance_ == address(0)) revert OperationsReserveZeroAddress();
        token = token_;
        governance = governance_;
        emit Initialized(token_, governance_);
    }

    /// @inheritdoc IOperationsReserve
    function release(address to, uint256 amount, string calldata reason) external {
        if (msg.sender != governance) revert OperationsReserveOnlyGovernance(msg.sender);
        if (to == address(0)) revert OperationsReserveZeroAddress();
        if (amount == 0) revert OperationsReserveZeroAmount();
        if (bytes(reason).length == 0) revert OperationsReserveEmptyReason();
        uint256 available = token.balanceOf(address(this));
        if (amount > available) revert OperationsReserveInsufficientBalance(amount, available);
        uint256 total = released + amount;
        released = total;
        emit Released(to, amount, reason, total);
        token.safeTransfer(to, amount);
    }
}
