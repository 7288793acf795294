// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRemoteRewardClaims} from "./IRemoteRewardClaims.sol";
import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {Message} from "../xchain/libs/Message.sol";

/// @title RemoteRewardClaims
/// @notice Mining-reward claims of an edge or side chain, proven here and paid by the MiningPool on main through the
///         Mailbox (see IRemoteRewardClaims). Holds no tokens.
/// @dev The sent flag is keyed by the leaf hash, like the pool's claimed flag, so a leaf leaves this chain once; the
///      pool's own flag stops a leaf that was also claimed on main or from another chain.
contract RemoteRewardClaims is IRemoteRewardClaims {
    /// @inheritdoc IRemoteRewardClaims
    address public immutable initializer;

    /// @inheritdoc IRemoteRewardClaims
    address public mailbox;
    /// @inheritdoc IRemoteRewardClaims
    uint32 public mainDomain;
    /// @inheritdoc IRemoteRewardClaims
    address public miningPool;
    /// @inheritdoc IRemoteRewardClaims
    address public distributor;

    mapping(uint64 epoch => bytes32) private _roots;
    mapping(bytes32 leaf => bool) private _sent;

    modifier onlyDistributor() {
        if (msg.sender != distributor) revert RemoteRewardClaimsNotDistributor(msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IRemoteRewardClaims
    function initialize(address mailbox_, uint32 mainDomain_, address miningPool_, address distributor_) external {
        if (msg.sender != initializer) revert RemoteRewardClaimsNotInitializer(msg.sender);
        if (mailbox != address(0)) revert RemoteRewardClaimsAlreadyInitialized();
        if (mailbox_ == address(0) || mainDomain_ == 0 || miningPool_ == address(0) || distributor_ == address(0)) {
            revert RemoteRewardClaimsInvalidInitParams();
        }
        mailbox = mailbox_;
        mainDomain = mainDomain_;
        miningPool = miningPool_;
        distributor = distributor_;
        emit Initialized(mailbox_, mainDomain_, miningPool_);
        emit DistributorChanged(distributor_);
    }

    /// @inheritdoc IRemoteRewardClaims
    function commitRoot(uint64 epoch, bytes32 root_) external onlyDistributor {
        if (root_ == bytes32(0)) revert RemoteRewardClaimsZeroRoot();
        if (_roots[epoch] != bytes32(0)) revert RemoteRewardClaimsEpochAlreadyCommitted(epoch);
        _roots[epoch] = root_;
        emit RootCommitted(epoch, root_);
    }

    /// @inheritdoc IRemoteRewardClaims
    function claim(uint64 epoch, address account, uint256 amount, bytes32[] calldata proof)
        external
        payable
        returns (bytes32 messageId)
    {
        bytes32 root_ = _roots[epoch];
        if (root_ == bytes32(0)) revert RemoteRewardClaimsEpochNotCommitted(epoch);
        bytes32 node = leaf(epoch, account, amount);
        if (!MerkleProof.verifyCalldata(proof, root_, node)) {
            revert RemoteRewardClaimsInvalidProof(epoch, account, amount);
        }
        if (_sent[node]) revert RemoteRewardClaimsAlreadySent(epoch, account, amount);
        _sent[node] = true;
        // The pool has the same address on main as `miningPool` names here; its `handle` decodes exactly this body.
        messageId = IMailbox(mailbox).dispatch{value: msg.value}(
            mainDomain, Message.toBytes32(miningPool), abi.encode(epoch, account, amount)
        );
        emit ClaimSent(epoch, account, amount, messageId);
    }

    /// @inheritdoc IRemoteRewardClaims
    function setDistributor(address distributor_) external onlyDistributor {
        if (distributor_ == address(0)) revert RemoteRewardClaimsZeroAddress();
        distributor = distributor_;
        emit DistributorChanged(distributor_);
    }

    /// @inheritdoc IRemoteRewardClaims
    function root(uint64 epoch) external view returns (bytes32) {
        return _roots[epoch];
    }

    /// @inheritdoc IRemoteRewardClaims
    function isSent(uint64 epoch, address account, uint256 amount) external view returns (bool) {
        return _sent[leaf(epoch, account, amount)];
    }

    /// @inheritdoc IRemoteRewardClaims
    function leaf(uint64 epoch, address account, uint256 amount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(epoch, account, amount))));
    }
}
