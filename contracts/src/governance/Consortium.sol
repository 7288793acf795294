// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IConsortium} from "./IConsortium.sol";
import {IMailbox} from "../xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../xchain/interfaces/IMultisigIsm.sol";
import {Message} from "../xchain/libs/Message.sol";
import {ValidatorSetLib} from "../xchain/libs/ValidatorSetLib.sol";

/// @title Consortium
/// @notice Governance of AutoMobile Chain, on the main chain. Members (organisations) hold roles that other contracts
///         check with `hasRole`; any change to members, roles, parameters, chains or validator sets goes through a
///         proposal that a quorum of members approved, executed by this contract on itself.
/// @dev Deliberately simpler than OpenZeppelin Governor: one member one vote, quorum of yes votes snapshotted at
///      creation, no timelock, no delegation; the consortium is a few dozen known organisations, not token holders.
contract Consortium is IConsortium {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using EnumerableSet for EnumerableSet.UintSet;

    /// @inheritdoc IConsortium
    bytes32 public constant OEM = keccak256("OEM");
    /// @inheritdoc IConsortium
    bytes32 public constant SUPPLIER = keccak256("SUPPLIER");
    /// @inheritdoc IConsortium
    bytes32 public constant RSU_OPERATOR = keccak256("RSU_OPERATOR");
    /// @inheritdoc IConsortium
    bytes32 public constant REGULATOR = keccak256("REGULATOR");
    /// @inheritdoc IConsortium
    bytes32 public constant INSURER = keccak256("INSURER");
    /// @inheritdoc IConsortium
    bytes32 public constant BANK = keccak256("BANK");
    /// @inheritdoc IConsortium
    bytes32 public constant ENERGY = keccak256("ENERGY");
    /// @inheritdoc IConsortium
    bytes32 public constant CERTIFICATE_AUTHORITY = keccak256("CERTIFICATE_AUTHORITY");
    /// @inheritdoc IConsortium
    bytes32 public constant VALIDATOR_OPERATOR = keccak256("VALIDATOR_OPERATOR");
    /// @inheritdoc IConsortium
    bytes32 public constant MOBILITY_PROVIDER = keccak256("MOBILITY_PROVIDER");

    uint16 private constant MAX_BPS = 10_000;

    struct StoredValidatorSet {
        address[] validators;
        uint8 threshold;
        uint64 version;
    }

    struct Proposal {
        ProposalInfo info;
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
    }

    /// @inheritdoc IConsortium
    address public immutable initializer;

    /// @inheritdoc IConsortium
    IMailbox public mailbox;
    /// @inheritdoc IConsortium
    IMultisigIsm public ism;
    /// @inheritdoc IConsortium
    uint16 public quorumBps;
    /// @inheritdoc IConsortium
    uint64 public votingPeriod;
    /// @inheritdoc IConsortium
    uint256 public proposalCount;

    EnumerableSet.AddressSet private _memberSet;
    mapping(address account => Member) private _members;
    mapping(address account => EnumerableSet.Bytes32Set) private _roles;
    EnumerableSet.UintSet private _domains;
    mapping(uint32 domain => StoredValidatorSet) private _validatorSets;
    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => mapping(address account => bool)) private _voted;

    modifier onlyGovernance() {
        if (msg.sender != address(this)) revert ConsortiumOnlyGovernance(msg.sender);
        _;
    }

    modifier onlyMember() {
        if (!_memberSet.contains(msg.sender)) revert ConsortiumNotMember(msg.sender);
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IConsortium
    function initialize(InitParams calldata p) external {
        if (msg.sender != initializer) revert ConsortiumNotInitializer(msg.sender);
        if (address(mailbox) != address(0)) revert ConsortiumAlreadyInitialized();
        if (p.members.length == 0 || address(p.mailbox) == address(0) || address(p.ism) == address(0)) {
            revert ConsortiumInvalidInitParams();
        }
        mailbox = p.mailbox;
        ism = p.ism;
        emit Initialized(p.mailbox, p.ism);
        for (uint256 i; i < p.members.length; ++i) {
            InitialMember calldata m = p.members[i];
            _addMember(m.account, m.name, m.metadataURI);
            for (uint256 j; j < m.roles.length; ++j) {
                _grantRole(m.roles[j], m.account);
            }
        }
        _setQuorumBps(p.quorumBps);
        _setVotingPeriod(p.votingPeriod);
        for (uint256 i; i < p.domains.length; ++i) {
            _addDomain(p.domains[i]);
        }
        for (uint256 i; i < p.validatorSets.length; ++i) {
            IMultisigIsm.ValidatorSetInit calldata s = p.validatorSets[i];
            if (_validatorSets[s.domain].version != 0) revert ConsortiumInvalidDomain(s.domain);
            _storeValidatorSet(s.domain, s.validators, s.threshold);
        }
    }

    // ---------------------------------------------------------------- proposals

    /// @inheritdoc IConsortium
    function propose(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description
    ) external onlyMember returns (uint256 id) {
        if (targets.length == 0 || targets.length != values.length || targets.length != calldatas.length) {
            revert ConsortiumInvalidProposal(targets.length, values.length, calldatas.length);
        }
        id = ++proposalCount;
        uint256 quorum = (_memberSet.length() * quorumBps + MAX_BPS - 1) / MAX_BPS;
        uint64 deadline = uint64(block.timestamp) + votingPeriod;
        Proposal storage p = _proposals[id];
        p.info = ProposalInfo({
            proposer: msg.sender,
            createdAt: uint64(block.timestamp),
            deadline: deadline,
            quorum: uint32(quorum == 0 ? 1 : quorum),
            yesVotes: 0,
            noVotes: 0,
            executed: false,
            descriptionHash: keccak256(bytes(description))
        });
        p.targets = targets;
        p.values = values;
        for (uint256 i; i < calldatas.length; ++i) {
            p.calldatas.push(calldatas[i]);
        }
        emit ProposalCreated(id, msg.sender, targets, values, calldatas, description, deadline);
    }

    /// @inheritdoc IConsortium
    function vote(uint256 id, bool support) external onlyMember {
        ProposalState s = state(id);
        if (s != ProposalState.Active && s != ProposalState.Succeeded) revert ConsortiumProposalNotActive(id, s);
        if (_voted[id][msg.sender]) revert ConsortiumAlreadyVoted(id, msg.sender);
        _voted[id][msg.sender] = true;
        ProposalInfo storage info = _proposals[id].info;
        if (support) ++info.yesVotes;
        else ++info.noVotes;
        emit VoteCast(id, msg.sender, support, info.yesVotes, info.noVotes);
    }

    /// @inheritdoc IConsortium
    function execute(uint256 id) external payable {
        ProposalState s = state(id);
        if (s != ProposalState.Succeeded) revert ConsortiumProposalNotSucceeded(id, s);
        Proposal storage p = _proposals[id];
        // Marked before the calls, so an action cannot re-execute its own proposal; a failed action reverts this too.
        p.info.executed = true;
        emit ProposalExecuted(id);
        for (uint256 i; i < p.targets.length; ++i) {
            (bool ok, bytes memory ret) = p.targets[i].call{value: p.values[i]}(p.calldatas[i]);
            if (!ok) revert ConsortiumExecutionFailed(id, i, ret);
        }
    }

    /// @inheritdoc IConsortium
    function state(uint256 id) public view returns (ProposalState) {
        if (id == 0 || id > proposalCount) return ProposalState.None;
        ProposalInfo storage info = _proposals[id].info;
        if (info.executed) return ProposalState.Executed;
        // Voting periods are days long; a validator's few seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= info.deadline) return ProposalState.Expired;
        if (info.yesVotes >= info.quorum) return ProposalState.Succeeded;
        return ProposalState.Active;
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 id) external view returns (ProposalInfo memory) {
        return _proposals[id].info;
    }

    /// @inheritdoc IConsortium
    function proposalActions(uint256 id)
        external
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        Proposal storage p = _proposals[id];
        return (p.targets, p.values, p.calldatas);
    }

    /// @inheritdoc IConsortium
    function hasVoted(uint256 id, address account) external view returns (bool) {
        return _voted[id][account];
    }

    // ---------------------------------------------------------------- governance-only

    /// @inheritdoc IConsortium
    function addMember(address account, string calldata name, string calldata metadataURI) external onlyGovernance {
        _addMember(account, name, metadataURI);
    }

    /// @inheritdoc IConsortium
    function removeMember(address account) external onlyGovernance {
        if (!_memberSet.contains(account)) revert ConsortiumNotMember(account);
        if (_memberSet.length() == 1) revert ConsortiumLastMember(account);
        EnumerableSet.Bytes32Set storage roles = _roles[account];
        // Remove from the end: EnumerableSet swaps the last element into a removed slot.
        for (uint256 i = roles.length(); i > 0; --i) {
            bytes32 role = roles.at(i - 1);
            roles.remove(role);
            emit RoleRevoked(role, account);
        }
        _memberSet.remove(account);
        _members[account].active = false;
        emit MemberRemoved(account);
    }

    /// @inheritdoc IConsortium
    function updateMemberMetadata(address account, string calldata name, string calldata metadataURI)
        external
        onlyGovernance
    {
        if (!_memberSet.contains(account)) revert ConsortiumNotMember(account);
        Member storage m = _members[account];
        m.name = name;
        m.metadataURI = metadataURI;
        emit MemberUpdated(account, name, metadataURI);
    }

    /// @inheritdoc IConsortium
    function grantRole(bytes32 role, address account) external onlyGovernance {
        _grantRole(role, account);
    }

    /// @inheritdoc IConsortium
    function revokeRole(bytes32 role, address account) external onlyGovernance {
        if (_roles[account].remove(role)) emit RoleRevoked(role, account);
    }

    /// @inheritdoc IConsortium
    function setQuorumBps(uint16 quorumBps_) external onlyGovernance {
        _setQuorumBps(quorumBps_);
    }

    /// @inheritdoc IConsortium
    function setVotingPeriod(uint64 votingPeriod_) external onlyGovernance {
        _setVotingPeriod(votingPeriod_);
    }

    /// @inheritdoc IConsortium
    function addDomain(uint32 domain) external onlyGovernance {
        _addDomain(domain);
    }

    /// @inheritdoc IConsortium
    function setValidatorSet(uint32 domain, address[] calldata validators, uint8 threshold) external onlyGovernance {
        uint64 version = _storeValidatorSet(domain, validators, threshold);
        IMultisigIsm ism_ = ism;
        ism_.applyLocal(domain, validators, threshold, version);
        // The ISM has the same address on every chain (CREATE2), so one recipient value serves all domains.
        bytes32 recipient = Message.toBytes32(address(ism_));
        bytes memory body = abi.encode(domain, validators, threshold, version);
        uint256 local = block.chainid;
        uint256 n = _domains.length();
        for (uint256 i; i < n; ++i) {
            uint256 d = _domains.at(i);
            // forge-lint: disable-next-line(unsafe-typecast) only uint32 values are ever added to the set
            if (d != local) mailbox.dispatch(uint32(d), recipient, body);
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsortium
    function hasRole(bytes32 role, address account) external view returns (bool) {
        return _roles[account].contains(role);
    }

    /// @inheritdoc IConsortium
    function rolesOf(address account) external view returns (bytes32[] memory) {
        return _roles[account].values();
    }

    /// @inheritdoc IConsortium
    function isMember(address account) external view returns (bool) {
        return _memberSet.contains(account);
    }

    /// @inheritdoc IConsortium
    function member(address account) external view returns (Member memory) {
        return _members[account];
    }

    /// @inheritdoc IConsortium
    function members() external view returns (address[] memory) {
        return _memberSet.values();
    }

    /// @inheritdoc IConsortium
    function memberCount() external view returns (uint256) {
        return _memberSet.length();
    }

    /// @inheritdoc IConsortium
    function domains() external view returns (uint32[] memory out) {
        uint256 n = _domains.length();
        out = new uint32[](n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) only uint32 values are ever added to the set
            out[i] = uint32(_domains.at(i));
        }
    }

    /// @inheritdoc IConsortium
    function isDomain(uint32 domain) external view returns (bool) {
        return _domains.contains(domain);
    }

    /// @inheritdoc IConsortium
    function validatorSet(uint32 domain)
        external
        view
        returns (address[] memory validators, uint8 threshold, uint64 version)
    {
        StoredValidatorSet storage s = _validatorSets[domain];
        return (s.validators, s.threshold, s.version);
    }

    // ---------------------------------------------------------------- internals

    function _addMember(address account, string calldata name, string calldata metadataURI) private {
        if (account == address(0)) revert ConsortiumZeroAddress();
        if (!_memberSet.add(account)) revert ConsortiumAlreadyMember(account);
        _members[account] =
            Member({name: name, metadataURI: metadataURI, joinedAt: uint64(block.timestamp), active: true});
        emit MemberAdded(account, name, metadataURI);
    }

    function _grantRole(bytes32 role, address account) private {
        if (!_memberSet.contains(account)) revert ConsortiumNotMember(account);
        if (_roles[account].add(role)) emit RoleGranted(role, account);
    }

    function _setQuorumBps(uint16 quorumBps_) private {
        if (quorumBps_ == 0 || quorumBps_ > MAX_BPS) revert ConsortiumInvalidQuorum(quorumBps_);
        quorumBps = quorumBps_;
        emit QuorumBpsChanged(quorumBps_);
    }

    function _setVotingPeriod(uint64 votingPeriod_) private {
        if (votingPeriod_ == 0) revert ConsortiumInvalidVotingPeriod(votingPeriod_);
        votingPeriod = votingPeriod_;
        emit VotingPeriodChanged(votingPeriod_);
    }

    function _addDomain(uint32 domain) private {
        if (domain == 0 || !_domains.add(domain)) revert ConsortiumInvalidDomain(domain);
        emit DomainAdded(domain);
    }

    /// @dev Validates and stores a new set of a consortium domain with the next version, which it returns.
    function _storeValidatorSet(uint32 domain, address[] calldata validators, uint8 threshold)
        private
        returns (uint64 version)
    {
        if (!_domains.contains(domain)) revert ConsortiumUnknownDomain(domain);
        (bool ok, uint256 badIndex) = ValidatorSetLib.check(validators, threshold);
        if (!ok) {
            if (badIndex == ValidatorSetLib.SIZE_OR_THRESHOLD) {
                revert ConsortiumInvalidValidatorSet(validators.length, threshold);
            }
            revert ConsortiumInvalidValidator(badIndex, validators[badIndex]);
        }
        StoredValidatorSet storage s = _validatorSets[domain];
        version = s.version + 1;
        s.validators = validators;
        s.threshold = threshold;
        s.version = version;
        emit ValidatorSetChanged(domain, version, validators, threshold);
    }
}
