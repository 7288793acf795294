// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IAMCT
/// @notice AutoMobile Chain Token (AMCT): an ERC-20 with EIP-2612 permit and a fixed supply of 300,000,000 tokens,
///         minted once, by `initialize`, into the whitepaper's allocations (see AMCTAllocations); nothing can mint
///         afterwards. The ERC-20 and permit functions are OpenZeppelin 5's.
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code, so the allocation
///      contracts (which are deployed the same way and know the token's address in advance) can be initialised
///      before the token mints into them.
interface IAMCT {
    /// @notice Where the supply goes.
    /// @param miningPool The MiningPool (43 %).
    /// @param ido The IDO / treasury account (20 %, unlocked).
    /// @param technology The technology AllocationVesting (12.5 %).
    /// @param operations The OperationsReserve (9.5 %).
    /// @param foundation The foundation AllocationVesting (15 %).
    struct Recipients {
        address miningPool;
        address ido;
        address technology;
        address operations;
        address foundation;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error AMCTNotInitializer(address caller);
    /// @notice `initialize` was already called (the supply is minted once).
    error AMCTAlreadyInitialized();
    /// @notice A recipient is the zero address.
    error AMCTZeroAddress();

    /// @notice Emitted once, by `initialize`, after the whole supply was minted.
    event Initialized(
        address indexed miningPool, address indexed ido, address technology, address operations, address foundation
    );

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Mints the whole supply into the allocations: 129,000,000 to the mining pool, 60,000,000 to the IDO
    ///         account, 37,500,000 to technology, 28,500,000 to operations, 45,000,000 to the foundation. Once, by
    ///         the initializer.
    function initialize(Recipients calldata recipients_) external;

    /// @notice The recipients given to `initialize` (all zero before).
    function recipients() external view returns (Recipients memory);
}
