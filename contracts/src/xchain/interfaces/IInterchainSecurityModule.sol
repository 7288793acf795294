// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IInterchainSecurityModule
/// @notice Decides whether a message from another chain is authentic before the Mailbox delivers it.
interface IInterchainSecurityModule {
    /// @notice Verifies `message` with the proof carried in `metadata`.
    /// @dev Implementations should revert with their own custom errors to say why a proof is rejected; the Mailbox
    ///      lets such reverts bubble up unchanged. Returning false is also a rejection.
    /// @param metadata Proof of authenticity (for MultisigIsm: concatenated validator signatures).
    /// @param message The serialised message (see library Message).
    /// @return True when the message is authentic.
    function verify(bytes calldata metadata, bytes calldata message) external returns (bool);
}

/// @title ISpecifiesInterchainSecurityModule
/// @notice Optional for a message recipient: names the security module the Mailbox must use for it.
interface ISpecifiesInterchainSecurityModule {
    /// @notice The security module for messages to this recipient; the zero address means the Mailbox default.
    function interchainSecurityModule() external view returns (IInterchainSecurityModule);
}
