// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IRemoteRewardClaims
/// @notice The mining-reward claim point of an edge or side chain. AMCT is never minted there: rewards earned on the
///         chain are proven here, against the same epoch root the distributor commits to the MiningPool on main, and
///         sent to the pool through the Mailbox, which pays them on main from its balance (see IMiningPool,
///         "Cross-chain").
///
///         Deployed through the CREATE2 factory with only the initializer in its init code, so it has the same
///         address on every chain and the pool allows one sender value on every origin.
///
///         Leaves are the MiningPool's: `keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))))`
///         (OpenZeppelin `StandardMerkleTree.of(values, ["uint64", "address", "uint256"])`). A leaf is sent once from
///         this chain; the body `abi.encode(uint64 epoch, address account, uint256 amount)` (96 bytes) goes to
///         `(mainDomain, miningPool)`.
/// @dev This contract does not know main's state: the pool keeps the one claimed flag per leaf shared by local and
///      remote claims, its per-epoch cap and the eligibility check. A message the pool refuses (e.g. the leaf was
///      claimed on main first, the account is not eligible yet, or the epoch is not committed on main yet) stays
///      undelivered in main's Mailbox and can be processed again later; the leaf stays sent here.
interface IRemoteRewardClaims {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error RemoteRewardClaimsNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error RemoteRewardClaimsAlreadyInitialized();
    /// @notice `initialize` got the zero address or domain 0.
    error RemoteRewardClaimsInvalidInitParams();
    /// @notice `commitRoot` or `setDistributor` was called by another account than the distributor.
    error RemoteRewardClaimsNotDistributor(address caller);
    /// @notice `setDistributor` got the zero address.
    error RemoteRewardClaimsZeroAddress();
    /// @notice `commitRoot` got a zero root.
    error RemoteRewardClaimsZeroRoot();
    /// @notice The epoch already has a root.
    error RemoteRewardClaimsEpochAlreadyCommitted(uint64 epoch);
    /// @notice The epoch has no root yet.
    error RemoteRewardClaimsEpochNotCommitted(uint64 epoch);
    /// @notice The proof does not lead from the leaf to the epoch's root.
    error RemoteRewardClaimsInvalidProof(uint64 epoch, address account, uint256 amount);
    /// @notice This leaf was already sent to main from this chain.
    error RemoteRewardClaimsAlreadySent(uint64 epoch, address account, uint256 amount);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed mailbox, uint32 mainDomain, address indexed miningPool);
    /// @notice The distributor changed.
    event DistributorChanged(address indexed distributor);
    /// @notice The distributor committed the root of `epoch` (the root committed to the MiningPool on main).
    event RootCommitted(uint64 indexed epoch, bytes32 root);
    /// @notice The leaf `(epoch, account, amount)` was proven and sent to the MiningPool on main as `messageId`.
    event ClaimSent(uint64 indexed epoch, address indexed account, uint256 amount, bytes32 messageId);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the addresses. Once, by the initializer.
    /// @param mailbox_ This chain's Mailbox.
    /// @param mainDomain_ The main chain's domain.
    /// @param miningPool_ The MiningPool on main (recipient of claims).
    /// @param distributor_ The epoch committer, the only account that commits roots here.
    function initialize(address mailbox_, uint32 mainDomain_, address miningPool_, address distributor_) external;

    /// @notice Commits the root of `epoch` (non-zero, once per epoch). Distributor only.
    function commitRoot(uint64 epoch, bytes32 root) external;

    /// @notice Proves the leaf `(epoch, account, amount)` against the epoch's root, marks it sent and dispatches
    ///         `abi.encode(epoch, account, amount)` to the MiningPool on main, forwarding `msg.value` to the Mailbox
    ///         (a fee, if the Mailbox takes one). Anyone may submit (the tokens always go to `account` on main).
    /// @return messageId The Mailbox message id, to relay.
    function claim(uint64 epoch, address account, uint256 amount, bytes32[] calldata proof)
        external
        payable
        returns (bytes32 messageId);

    /// @notice Hands the distributor role to `distributor_`. Distributor only.
    function setDistributor(address distributor_) external;

    /// @notice The root of `epoch` (zero: not committed).
    function root(uint64 epoch) external view returns (bytes32);

    /// @notice Whether the leaf `(epoch, account, amount)` was sent from this chain.
    function isSent(uint64 epoch, address account, uint256 amount) external view returns (bool);

    /// @notice This chain's Mailbox.
    function mailbox() external view returns (address);

    /// @notice The main chain's domain.
    function mainDomain() external view returns (uint32);

    /// @notice The MiningPool on main.
    function miningPool() external view returns (address);

    /// @notice The epoch committer.
    function distributor() external view returns (address);

    /// @notice The leaf of `(epoch, account, amount)`, as the MiningPool computes it.
    function leaf(uint64 epoch, address account, uint256 amount) external pure returns (bytes32);
}
