// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title AMCTAllocations
/// @notice The whitepaper's token figures (section 五): 300,000,000 AMCT, split mining 43 %, IDO 20 %, technology
///         12.5 %, operations 9.5 %, foundation 15 %, and the technology and foundation release rules.
/// @dev All amounts in token units (18 decimals). Calendar units are fixed lengths so every figure is exact and the
///      same on every chain: a year is 365 days (31,536,000 s) and a quarter a fourth of that, 91.25 days
///      (7,884,000 s). Each share is a whole number of tokens, so no rounding enters the split.
library AMCTAllocations {
    /// @notice Total and fixed supply: 300,000,000 AMCT.
    uint256 internal constant TOTAL_SUPPLY = 300_000_000e18;
    /// @notice Mining 43 %: the data-mining pool (129,000,000 AMCT).
    uint256 internal constant MINING = TOTAL_SUPPLY * 43 / 100;
    /// @notice IDO 20 %: unlocked at launch (60,000,000 AMCT).
    uint256 internal constant IDO = TOTAL_SUPPLY * 20 / 100;
    /// @notice Technology 12.5 %: locked 3 years, then 2 % of the supply a year, linearly (37,500,000 AMCT).
    uint256 internal constant TECHNOLOGY = TOTAL_SUPPLY * 125 / 1000;
    /// @notice Operations 9.5 %: released by governance decision, each release public (28,500,000 AMCT).
    uint256 internal constant OPERATIONS = TOTAL_SUPPLY * 95 / 1000;
    /// @notice Foundation 15 %: locked 5 years, then 1 % of the supply a quarter, in steps (45,000,000 AMCT).
    uint256 internal constant FOUNDATION = TOTAL_SUPPLY * 15 / 100;

    /// @notice A year: 365 days.
    uint64 internal constant YEAR = 365 days;
    /// @notice A quarter: a fourth of a 365-day year (91.25 days).
    uint64 internal constant QUARTER = YEAR / 4;

    /// @notice Technology lock: 3 years after launch.
    uint64 internal constant TECHNOLOGY_CLIFF = 3 * YEAR;
    /// @notice Technology release rate: 2 % of the supply (6,000,000 AMCT) per year, accruing every second.
    uint256 internal constant TECHNOLOGY_PER_YEAR = TOTAL_SUPPLY * 2 / 100;
    /// @notice Foundation lock: 5 years after launch.
    uint64 internal constant FOUNDATION_CLIFF = 5 * YEAR;
    /// @notice Foundation release: 1 % of the supply (3,000,000 AMCT) at the end of each quarter after the lock.
    uint256 internal constant FOUNDATION_PER_QUARTER = TOTAL_SUPPLY / 100;
}
