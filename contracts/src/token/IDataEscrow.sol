// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IDataEscrow
/// @notice Pays data requests in AMCT. A requester deposits an amount for a request id (by allowance, or by an
///         EIP-2612 permit in the same call) with a delivery deadline; as each participant delivers, the platform's
///         operator releases a part of it to that participant (`release`, any number of times, each under a payment
///         id of its own); what is left goes back to the requester by `refund` (by the operator at any time, e.g. the
///         request was declined or is complete, or by anyone once the deadline has passed).
/// @dev The contract's balance equals `totalEscrowed()`, the sum of open escrows' remaining amounts, for every token
///      movement it makes; tokens sent to it by a plain transfer (not through `deposit`) are outside any escrow and
///      stay there. Request ids and payment ids are never reused: a payment id names one release across the whole
///      contract, so an operator that crashed after sending a release can retry it and get `DataEscrowAlreadyPaid`
///      instead of paying twice. Release is possible up to and including the deadline, public refund only after it,
///      so the two never race. Amounts fit 96 bits (the whole supply is below 2^89).
interface IDataEscrow {
    /// @notice Where an escrow stands.
    enum Status {
        None,
        Open,
        Released,
        Refunded
    }

    /// @notice An escrow (two storage slots).
    /// @param requester Who deposited (and gets the refund of what is left).
    /// @param amount What remains escrowed: the deposit less the releases so far (and 0 once refunded).
    /// @param deadline Unix time after which anyone may refund it.
    /// @param status None (unknown id), Open, Released (all of it was released) or Refunded (the rest was refunded).
    /// @param released The sum released to participants so far.
    struct Escrow {
        address requester;
        uint96 amount;
        uint64 deadline;
        Status status;
        uint96 released;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error DataEscrowNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error DataEscrowAlreadyInitialized();
    /// @notice The zero address was given where an account is required.
    error DataEscrowZeroAddress();
    /// @notice A governance-only function was called by another account than governance.
    error DataEscrowOnlyGovernance(address caller);
    /// @notice An operator-only function was called by another account than the operator.
    error DataEscrowNotOperator(address caller);
    /// @notice The amount is zero.
    error DataEscrowZeroAmount();
    /// @notice The amount does not fit 96 bits.
    error DataEscrowAmountTooLarge(uint256 amount);
    /// @notice The deadline is not after the current block time `now`.
    error DataEscrowDeadlineInPast(uint64 deadline, uint256 now);
    /// @notice An escrow with this request id already exists (ids are never reused).
    error DataEscrowExists(bytes32 requestId);
    /// @notice The escrow is not open (unknown, released or refunded).
    error DataEscrowNotOpen(bytes32 requestId, Status status);
    /// @notice The deadline has passed: the escrow can only be refunded.
    error DataEscrowDeadlinePassed(bytes32 requestId, uint64 deadline);
    /// @notice The deadline has not passed: only the operator may refund now.
    error DataEscrowDeadlineNotReached(bytes32 requestId, uint64 deadline);
    /// @notice A release with this payment id was already made (payment ids are never reused).
    error DataEscrowAlreadyPaid(bytes32 paymentId);
    /// @notice The release asks for more than the escrow has left.
    error DataEscrowExceedsRemaining(bytes32 requestId, uint256 amount, uint256 remaining);

    /// @notice Emitted once, by `initialize`.
    event Initialized(IERC20 indexed token, address indexed governance);
    /// @notice The operator changed.
    event OperatorChanged(address indexed operator);
    /// @notice `requester` deposited `amount` for `requestId`, refundable after `deadline`.
    event Deposited(bytes32 indexed requestId, address indexed requester, uint256 amount, uint64 deadline);
    /// @notice `amount` of the escrow of `requestId` was paid to `recipient` on delivery, as payment `paymentId`.
    event Released(bytes32 indexed requestId, bytes32 indexed paymentId, address indexed recipient, uint256 amount);
    /// @notice What was left of the escrow of `requestId`, `amount`, was refunded to `requester`.
    event Refunded(bytes32 indexed requestId, address indexed requester, uint256 amount);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the token, the operator and governance. Once, by the initializer.
    /// @param token_ AMCT.
    /// @param operator_ The platform account that releases on delivery.
    /// @param governance_ The Consortium, which may replace the operator.
    function initialize(IERC20 token_, address operator_, address governance_) external;

    /// @notice Escrows `amount` from the caller (who must have approved it) for `requestId` until `deadline`.
    function deposit(bytes32 requestId, uint256 amount, uint64 deadline) external;

    /// @notice `deposit` with an EIP-2612 permit of the caller for this contract, in one call. A permit that fails
    ///         (e.g. already used by someone who front-ran it) is ignored if the allowance suffices anyway.
    function depositWithPermit(
        bytes32 requestId,
        uint256 amount,
        uint64 deadline,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Pays `amount` of the open escrow of `requestId` to `recipient` (a participant delivered its data).
    ///         Operator only, up to the deadline; `amount` must be positive and at most what the escrow has left.
    ///         When nothing is left, the escrow is Released.
    /// @param paymentId The operator's id of this payment, unique across the contract (reverts with
    ///        `DataEscrowAlreadyPaid` if used before), so retrying a release after a crash is safe.
    function release(bytes32 requestId, bytes32 paymentId, address recipient, uint256 amount) external;

    /// @notice Refunds what is left of the open escrow of `requestId` to its requester and closes it (Refunded): by
    ///         the operator at any time, by anyone after the deadline.
    function refund(bytes32 requestId) external;

    /// @notice Replaces the operator. Governance only.
    function setOperator(address operator_) external;

    /// @notice The token escrowed.
    function token() external view returns (IERC20);

    /// @notice The platform account that releases on delivery.
    function operator() external view returns (address);

    /// @notice The Consortium.
    function governance() external view returns (address);

    /// @notice The escrow of `requestId` (all zero if unknown).
    function escrows(bytes32 requestId) external view returns (Escrow memory);

    /// @notice Whether a release with `paymentId` was made.
    function isPaid(bytes32 paymentId) external view returns (bool);

    /// @notice Sum of the open escrows' remaining amounts.
    function totalEscrowed() external view returns (uint256);
}
