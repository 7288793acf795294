// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ValidatorSetLib
/// @notice The one rule for a well-formed validator set, shared by MultisigIsm (which enforces it on every chain)
///         and Consortium (which checks it before dispatching, so no update is sent that a remote ISM would refuse
///         and leave stuck in the relayer). Each contract maps the result to its own custom errors.
library ValidatorSetLib {
    /// @notice Most validators a set may hold: bounds the cost of `verify` and of an update.
    uint256 internal constant MAX_VALIDATORS = 32;

    /// @notice Sentinel for `badIndex` when the problem is the size or the threshold, not one address.
    uint256 internal constant SIZE_OR_THRESHOLD = type(uint256).max;

    /// @notice Checks that `validators` is non-empty, holds at most MAX_VALIDATORS distinct non-zero addresses, and
    ///         that 1 <= threshold <= validators.length.
    /// @return ok True when the set is well formed.
    /// @return badIndex Index of the first zero or repeated address, or SIZE_OR_THRESHOLD.
    function check(address[] memory validators, uint8 threshold) internal pure returns (bool ok, uint256 badIndex) {
        uint256 n = validators.length;
        if (n == 0 || n > MAX_VALIDATORS || threshold == 0 || threshold > n) return (false, SIZE_OR_THRESHOLD);
        for (uint256 i; i < n; ++i) {
            address v = validators[i];
            if (v == address(0)) return (false, i);
            // n <= 32, so the quadratic scan costs less than a storage-backed seen-set would.
            for (uint256 j; j < i; ++j) {
                if (validators[j] == v) return (false, i);
            }
        }
        return (true, 0);
    }
}
