// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IRewardEligibility
/// @notice Decides who may claim mining rewards: on the platform, accounts of DIDs that hold a valid vehicle or member
///         credential. The MiningPool asks it at every claim (local or cross-chain) when one is configured.
interface IRewardEligibility {
    /// @notice Whether `account` may claim rewards now.
    function isEligible(address account) external view returns (bool);
}
