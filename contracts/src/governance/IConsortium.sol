// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../xchain/interfaces/IMultisigIsm.sol";

/// @title IConsortium
/// @notice Governance of AutoMobile Chain on the main chain: the member organisations, their roles (read by other
///         contracts through `hasRole`), simple proposals voted one member one vote, the list of consortium chains
///         and the validator set of every chain, pushed to every chain's MultisigIsm.
interface IConsortium {
    /// @notice A member organisation.
    struct Member {
        string name;
        string metadataURI;
        uint64 joinedAt;
        bool active;
    }

    /// @notice Lifecycle of a proposal. `Active`: open, quorum not reached. `Succeeded`: quorum of yes votes reached
    ///         before the deadline, executable. `Expired`: deadline passed without execution.
    enum ProposalState {
        None,
        Active,
        Succeeded,
        Executed,
        Expired
    }

    /// @notice A proposal without its actions (see `proposalActions`).
    struct ProposalInfo {
        address proposer;
        uint64 createdAt;
        uint64 deadline;
        uint32 quorum;
        uint32 yesVotes;
        uint32 noVotes;
        bool executed;
        bytes32 descriptionHash;
    }

    /// @notice A member given to `initialize`.
    struct InitialMember {
        address account;
        string name;
        string metadataURI;
        bytes32[] roles;
    }

    /// @notice Arguments of `initialize`.
    struct InitParams {
        InitialMember[] members;
        uint16 quorumBps;
        uint64 votingPeriod;
        IMailbox mailbox;
        IMultisigIsm ism;
        uint32[] domains;
        IMultisigIsm.ValidatorSetInit[] validatorSets;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error ConsortiumNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error ConsortiumAlreadyInitialized();
    /// @notice `initialize` got no members, or the zero address for the mailbox or ISM.
    error ConsortiumInvalidInitParams();
    /// @notice A governance-only function was called by another account than the Consortium itself.
    error ConsortiumOnlyGovernance(address caller);
    /// @notice The account is not a member.
    error ConsortiumNotMember(address account);
    /// @notice The account is already a member.
    error ConsortiumAlreadyMember(address account);
    /// @notice The zero address cannot be a member.
    error ConsortiumZeroAddress();
    /// @notice Removing the account would leave the consortium without members.
    error ConsortiumLastMember(address account);
    /// @notice A proposal needs at least one action, and as many values and calldatas as targets.
    error ConsortiumInvalidProposal(uint256 targets, uint256 values, uint256 calldatas);
    /// @notice The proposal does not accept votes in its current state.
    error ConsortiumProposalNotActive(uint256 id, ProposalState state);
    /// @notice The member already voted on the proposal.
    error ConsortiumAlreadyVoted(uint256 id, address voter);
    /// @notice The proposal cannot be executed in its current state.
    error ConsortiumProposalNotSucceeded(uint256 id, ProposalState state);
    /// @notice Action `index` of proposal `id` reverted with `returndata`.
    error ConsortiumExecutionFailed(uint256 id, uint256 index, bytes returndata);
    /// @notice The quorum must be between 1 and 10000 basis points.
    error ConsortiumInvalidQuorum(uint16 quorumBps);
    /// @notice The voting period must be positive.
    error ConsortiumInvalidVotingPeriod(uint64 votingPeriod);
    /// @notice The domain is zero or already a consortium domain.
    error ConsortiumInvalidDomain(uint32 domain);
    /// @notice The domain is not a consortium domain.
    error ConsortiumUnknownDomain(uint32 domain);
    /// @notice A validator set is empty, larger than 32, or its threshold is 0 or above its size.
    error ConsortiumInvalidValidatorSet(uint256 validatorCount, uint8 threshold);
    /// @notice Validator `index` of a new set is the zero address or repeats an earlier one.
    error ConsortiumInvalidValidator(uint256 index, address validator);

    /// @notice Emitted once, by `initialize`.
    event Initialized(IMailbox indexed mailbox, IMultisigIsm indexed ism);
    /// @notice A member joined.
    event MemberAdded(address indexed account, string name, string metadataURI);
    /// @notice A member left; all its roles were revoked before.
    event MemberRemoved(address indexed account);
    /// @notice A member's name or metadata URI changed.
    event MemberUpdated(address indexed account, string name, string metadataURI);
    /// @notice A member got a role.
    event RoleGranted(bytes32 indexed role, address indexed account);
    /// @notice A member lost a role.
    event RoleRevoked(bytes32 indexed role, address indexed account);
    /// @notice The quorum changed (applies to proposals created afterwards).
    event QuorumBpsChanged(uint16 quorumBps);
    /// @notice The voting period changed (applies to proposals created afterwards).
    event VotingPeriodChanged(uint64 votingPeriod);
    /// @notice A chain joined the consortium.
    event DomainAdded(uint32 indexed domain);
    /// @notice The validator set of `domain` changed; the update was applied locally and dispatched to every other
    ///         domain.
    event ValidatorSetChanged(uint32 indexed domain, uint64 version, address[] validators, uint8 threshold);
    /// @notice A proposal was created.
    event ProposalCreated(
        uint256 indexed id,
        address indexed proposer,
        address[] targets,
        uint256[] values,
        bytes[] calldatas,
        string description,
        uint64 deadline
    );
    /// @notice A member voted; `yes` and `no` are the totals after this vote.
    event VoteCast(uint256 indexed id, address indexed voter, bool support, uint32 yes, uint32 no);
    /// @notice A proposal was executed.
    event ProposalExecuted(uint256 indexed id);

    /// @notice One-shot setup, callable only by the initializer fixed at deployment. Initial validator sets get
    ///         version 1 and are not dispatched: the deployer initialises every chain's ISM with the same sets.
    function initialize(InitParams calldata p) external;

    // ---------------------------------------------------------------- proposals

    /// @notice Creates a proposal (members only). Its quorum is fixed now: ceil(memberCount * quorumBps / 10000),
    ///         at least 1; its deadline is now + votingPeriod.
    /// @param targets Contracts to call (the Consortium itself for governance-only functions).
    /// @param values Native value of each call.
    /// @param calldatas Calldata of each call.
    /// @param description Human-readable description (only its hash is stored).
    /// @return id Sequential id, starting at 1.
    function propose(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description
    ) external returns (uint256 id);

    /// @notice Votes on an open proposal (current members only, once each).
    function vote(uint256 id, bool support) external;

    /// @notice Executes a succeeded proposal (anyone may call); each action runs in order and any revert aborts all
    ///         with `ConsortiumExecutionFailed`. `msg.value` adds to the Consortium's balance for the calls' values.
    function execute(uint256 id) external payable;

    /// @notice The state of a proposal.
    function state(uint256 id) external view returns (ProposalState);

    /// @notice A proposal's proposer, times, quorum, tallies and description hash.
    function proposal(uint256 id) external view returns (ProposalInfo memory);

    /// @notice A proposal's actions.
    function proposalActions(uint256 id)
        external
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas);

    /// @notice Whether `account` voted on proposal `id`.
    function hasVoted(uint256 id, address account) external view returns (bool);

    /// @notice Number of proposals created (the id of the last one).
    function proposalCount() external view returns (uint256);

    // ---------------------------------------------------------------- governance-only

    /// @notice Adds a member organisation (governance only).
    function addMember(address account, string calldata name, string calldata metadataURI) external;

    /// @notice Removes a member and revokes all its roles (governance only); the last member cannot be removed.
    function removeMember(address account) external;

    /// @notice Changes a member's name and metadata URI (governance only).
    function updateMemberMetadata(address account, string calldata name, string calldata metadataURI) external;

    /// @notice Grants `role` to a member (governance only); no-op if it already has it.
    function grantRole(bytes32 role, address account) external;

    /// @notice Revokes `role` from an account (governance only); no-op if it does not have it.
    function revokeRole(bytes32 role, address account) external;

    /// @notice Sets the quorum in basis points of the member count, 1..10000 (governance only).
    function setQuorumBps(uint16 quorumBps) external;

    /// @notice Sets the voting period in seconds, > 0 (governance only).
    function setVotingPeriod(uint64 votingPeriod) external;

    /// @notice Adds a chain to the consortium (governance only). Its validator set is then set with
    ///         `setValidatorSet`, which also informs the other chains.
    function addDomain(uint32 domain) external;

    /// @notice Replaces the validator set of `domain` (governance only): bumps its version, applies it to the local
    ///         ISM and dispatches `abi.encode(domain, validators, threshold, version)` to the ISM of every other
    ///         consortium domain.
    function setValidatorSet(uint32 domain, address[] calldata validators, uint8 threshold) external;

    // ---------------------------------------------------------------- views

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Whether `account` holds `role`; what other contracts of AutoMobile Chain call.
    function hasRole(bytes32 role, address account) external view returns (bool);

    /// @notice The roles of `account`.
    function rolesOf(address account) external view returns (bytes32[] memory);

    /// @notice Whether `account` is a current member.
    function isMember(address account) external view returns (bool);

    /// @notice The record of `account` (kept with `active = false` after removal).
    function member(address account) external view returns (Member memory);

    /// @notice The current members.
    function members() external view returns (address[] memory);

    /// @notice Number of current members.
    function memberCount() external view returns (uint256);

    /// @notice Quorum in basis points of the member count.
    function quorumBps() external view returns (uint16);

    /// @notice Voting period in seconds.
    function votingPeriod() external view returns (uint64);

    /// @notice The local Mailbox, used to send validator set updates.
    function mailbox() external view returns (IMailbox);

    /// @notice The local MultisigIsm (same address on every chain).
    function ism() external view returns (IMultisigIsm);

    /// @notice The consortium's chains.
    function domains() external view returns (uint32[] memory);

    /// @notice Whether `domain` is a consortium chain.
    function isDomain(uint32 domain) external view returns (bool);

    /// @notice The validator set of `domain` and its version (empty, 0, 0 when unknown).
    function validatorSet(uint32 domain)
        external
        view
        returns (address[] memory validators, uint8 threshold, uint64 version);

    /// @notice Role of vehicle manufacturers: keccak256("OEM").
    function OEM() external view returns (bytes32);
    /// @notice keccak256("SUPPLIER").
    function SUPPLIER() external view returns (bytes32);
    /// @notice keccak256("RSU_OPERATOR").
    function RSU_OPERATOR() external view returns (bytes32);
    /// @notice keccak256("REGULATOR").
    function REGULATOR() external view returns (bytes32);
    /// @notice keccak256("INSURER").
    function INSURER() external view returns (bytes32);
    /// @notice keccak256("BANK").
    function BANK() external view returns (bytes32);
    /// @notice keccak256("ENERGY").
    function ENERGY() external view returns (bytes32);
    /// @notice keccak256("CERTIFICATE_AUTHORITY").
    function CERTIFICATE_AUTHORITY() external view returns (bytes32);
    /// @notice keccak256("VALIDATOR_OPERATOR").
    function VALIDATOR_OPERATOR() external view returns (bytes32);
    /// @notice keccak256("MOBILITY_PROVIDER").
    function MOBILITY_PROVIDER() external view returns (bytes32);
}
