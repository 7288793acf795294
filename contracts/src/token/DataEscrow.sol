// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDataEscrow} from "./IDataEscrow.sol";

/// @title DataEscrow
/// @notice AMCT payment of data requests, held until delivery (see IDataEscrow).
/// @dev An escrow is one slot (requester and remaining amount) plus one (deadline, status and released sum). Every
///      state change is written before the token moves, and a failed pull reverts the whole deposit, so no record
///      exists without its tokens.
contract DataEscrow is IDataEscrow {
    using SafeERC20 for IERC20;

    /// @inheritdoc IDataEscrow
    address public immutable initializer;

    /// @inheritdoc IDataEscrow
    IERC20 public token;
    /// @inheritdoc IDataEscrow
    address public operator;
    /// @inheritdoc IDataEscrow
    address public governance;
    /// @inheritdoc IDataEscrow
    uint256 public totalEscrowed;

    mapping(bytes32 requestId => Escrow) private _escrows;
    mapping(bytes32 paymentId => bool) private _paid;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IDataEscrow
    function initialize(IERC20 token_, address operator_, address governance_) external {
        if (msg.sender != initializer) revert DataEscrowNotInitializer(msg.sender);
        if (address(token) != address(0)) revert DataEscrowAlreadyInitialized();
        if (address(token_) == address(0) || operator_ == address(0) || governance_ == address(0)) {
            revert DataEscrowZeroAddress();
        }
        token = token_;
        operator = operator_;
        governance = governance_;
        emit Initialized(token_, governance_);
        emit OperatorChanged(operator_);
    }

    /// @inheritdoc IDataEscrow
    function deposit(bytes32 requestId, uint256 amount, uint64 deadline) external {
        _deposit(requestId, amount, deadline);
    }

    /// @inheritdoc IDataEscrow
    function depositWithPermit(
        bytes32 requestId,
        uint256 amount,
        uint64 deadline,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        // A front-run permit makes ours revert though the allowance is there: go on and let transferFrom decide.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {} catch {}
        _deposit(requestId, amount, deadline);
    }

    /// @inheritdoc IDataEscrow
    function release(bytes32 requestId, bytes32 paymentId, address recipient, uint256 amount) external {
        if (msg.sender != operator) revert DataEscrowNotOperator(msg.sender);
        // Checked first: a retried payment reports itself as such, even when it emptied the escrow.
        if (_paid[paymentId]) revert DataEscrowAlreadyPaid(paymentId);
        if (recipient == address(0)) revert DataEscrowZeroAddress();
        if (amount == 0) revert DataEscrowZeroAmount();
        Escrow storage e = _escrows[requestId];
        if (e.status != Status.Open) revert DataEscrowNotOpen(requestId, e.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > e.deadline) revert DataEscrowDeadlinePassed(requestId, e.deadline);
        uint256 remaining = e.amount;
        if (amount > remaining) revert DataEscrowExceedsRemaining(requestId, amount, remaining);
        _paid[paymentId] = true;
        // forge-lint: disable-next-line(unsafe-typecast) at most the remaining amount, a uint96
        e.amount = uint96(remaining - amount);
        // forge-lint: disable-next-line(unsafe-typecast) released + remaining is the deposit, a uint96
        e.released += uint96(amount);
        if (remaining == amount) e.status = Status.Released;
        totalEscrowed -= amount;
        emit Released(requestId, paymentId, recipient, amount);
        token.safeTransfer(recipient, amount);
    }

    /// @inheritdoc IDataEscrow
    function refund(bytes32 requestId) external {
        Escrow storage e = _escrows[requestId];
        if (e.status != Status.Open) revert DataEscrowNotOpen(requestId, e.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (msg.sender != operator && block.timestamp <= e.deadline) {
            revert DataEscrowDeadlineNotReached(requestId, e.deadline);
        }
        address requester = e.requester;
        uint256 amount = e.amount;
        e.amount = 0;
        e.status = Status.Refunded;
        totalEscrowed -= amount;
        emit Refunded(requestId, requester, amount);
        token.safeTransfer(requester, amount);
    }

    /// @inheritdoc IDataEscrow
    function setOperator(address operator_) external {
        if (msg.sender != governance) revert DataEscrowOnlyGovernance(msg.sender);
        if (operator_ == address(0)) revert DataEscrowZeroAddress();
        operator = operator_;
        emit OperatorChanged(operator_);
    }

    /// @inheritdoc IDataEscrow
    function isPaid(bytes32 paymentId) external view returns (bool) {
        return _paid[paymentId];
    }

    /// @inheritdoc IDataEscrow
    function escrows(bytes32 requestId) external view returns (Escrow memory) {
        return _escrows[requestId];
    }

    function _deposit(bytes32 requestId, uint256 amount, uint64 deadline) private {
        if (amount == 0) revert DataEscrowZeroAmount();
        if (amount > type(uint96).max) revert DataEscrowAmountTooLarge(amount);
        // forge-lint: disable-next-line(block-timestamp)
        if (deadline <= block.timestamp) revert DataEscrowDeadlineInPast(deadline, block.timestamp);
        Escrow storage e = _escrows[requestId];
        if (e.status != Status.None) revert DataEscrowExists(requestId);
        e.requester = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast) range checked above
        e.amount = uint96(amount);
        e.deadline = deadline;
        e.status = Status.Open;
        totalEscrowed += amount;
        emit Deposited(requestId, msg.sender, amount, deadline);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }
}
