// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {KeyRing} from "./KeyRing.sol";
import {Vm} from "../../utils/Vm.sol";
import {IConsortium} from "../../../src/governance/IConsortium.sol";
import {IMailbox} from "../../../src/xchain/interfaces/IMailbox.sol";
import {IMultisigIsm} from "../../../src/xchain/interfaces/IMultisigIsm.sol";
import {Message} from "../../../src/xchain/libs/Message.sol";

/// @notice Exercises every way to change a validator set. MAIN and EDGE each have their Mailbox and ISM here, at
///         different addresses (one EVM cannot hold two contracts at one address as CREATE2 gives on real chains). Legitimate path: a proposal passed by the members executes
///         Consortium.setValidatorSet on MAIN (local ISM `ismMain` via applyLocal); the dispatched update for EDGE is
///         relayed, possibly out of order, to EDGE's ISM `ismEdge`. Attacks: setValidatorSet, applyLocal and handle
///         from random senders and chains, forged update messages validly signed by an origin's validators but from
///         the wrong origin or sender, and proposals without quorum. Ghost models follow the legitimate path only.
contract GovernanceHandler is KeyRing {
    struct GhostSet {
        address[] validators;
        uint8 threshold;
        uint64 version;
    }

    uint32 public constant MAIN = 1000;
    uint32 public constant EDGE = 2000;
    uint32 public constant OTHER = 3000;
    uint256 public constant RING = 8;

    IConsortium public immutable consortium;
    IMailbox public immutable mailbox;
    IMailbox public immutable mailboxEdge;
    IMultisigIsm public immutable ismMain;
    IMultisigIsm public immutable ismEdge;
    address[] internal _members;

    mapping(uint32 => GhostSet) internal _ghostMain;
    mapping(uint32 => GhostSet) internal _ghostEdge;
    bytes[] internal _pendingToEdge;

    uint256 public attacksSucceeded;
    uint256 public legitimateUpdates;
    uint256 public relayed;

    constructor(
        IConsortium consortium_,
        IMailbox mailbox_,
        IMailbox mailboxEdge_,
        IMultisigIsm ismMain_,
        IMultisigIsm ismEdge_,
        address[] memory members_
    ) {
        consortium = consortium_;
        mailbox = mailbox_;
        mailboxEdge = mailboxEdge_;
        ismMain = ismMain_;
        ismEdge = ismEdge_;
        _members = members_;
        _makeRing("gov-ring-", RING);
    }

    /// @dev Records the initial sets (version 1) installed on both chains by the deployer.
    function setInitial(uint32 domain, uint256 mask, uint8 threshold) external {
        (, address[] memory addrs) = _subset(mask);
        _ghostMain[domain] = GhostSet(addrs, threshold, 1);
        _ghostEdge[domain] = GhostSet(addrs, threshold, 1);
    }

    // ------------------------------------------------------------ legitimate path

    function governUpdate(uint256 domainSeed, uint256 mask, uint8 threshold) external {
        uint32 domain = _domain(domainSeed);
        mask = bound(mask, 1, (1 << RING) - 1);
        (, address[] memory addrs) = _subset(mask);
        threshold = uint8(bound(threshold, 1, addrs.length));

        vm.chainId(MAIN);
        uint256 id = _propose(abi.encodeCall(IConsortium.setValidatorSet, (domain, addrs, threshold)));
        vm.prank(_members[0]);
        consortium.vote(id, true);
        vm.prank(_members[1]);
        consortium.vote(id, true);
        vm.recordLogs();
        consortium.execute(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        GhostSet storage g = _ghostMain[domain];
        g.validators = addrs;
        g.threshold = threshold;
        g.version += 1;
        ++legitimateUpdates;

        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(mailbox) && logs[i].topics[0] == IMailbox.Dispatched.selector
                    && uint256(logs[i].topics[2]) == EDGE
            ) {
                (,, bytes memory message) = abi.decode(logs[i].data, (bytes32, uint32, bytes));
                _pendingToEdge.push(_readdress(message, address(ismEdge)));
            }
        }
    }

    /// @dev Relays one pending update to EDGE, picked at random, so updates may arrive out of order.
    function relay(uint256 seed) external {
        if (_pendingToEdge.length == 0) return;
        uint256 i = bound(seed, 0, _pendingToEdge.length - 1);
        bytes memory message = _pendingToEdge[i];
        _pendingToEdge[i] = _pendingToEdge[_pendingToEdge.length - 1];
        _pendingToEdge.pop();

        // Signed by MAIN's validators as EDGE currently knows them.
        GhostSet storage signers = _ghostEdge[MAIN];
        bytes memory metadata = _sign(ismEdge, MAIN, message, _keysOf(signers.validators, signers.threshold));
        vm.chainId(EDGE);
        mailboxEdge.process(metadata, message);
        ++relayed;

        (uint32 domain, address[] memory v, uint8 t, uint64 version) =
            abi.decode(_body(message), (uint32, address[], uint8, uint64));
        GhostSet storage g = _ghostEdge[domain];
        if (version > g.version) {
            g.validators = v;
            g.threshold = t;
            g.version = version;
        }
    }

    // ------------------------------------------------------------ attacks (must all fail)

    function attackSetValidatorSet(uint256 senderSeed, uint256 domainSeed, uint256 mask) external {
        (, address[] memory addrs) = _subset(bound(mask, 1, (1 << RING) - 1));
        vm.chainId(MAIN);
        vm.prank(_attacker(senderSeed));
        try consortium.setValidatorSet(_domain(domainSeed), addrs, 1) {
            ++attacksSucceeded;
        } catch {}
    }

    function attackApplyLocal(uint256 senderSeed, bool onMain, uint256 domainSeed, uint256 mask, uint64 version)
        external
    {
        (, address[] memory addrs) = _subset(bound(mask, 1, (1 << RING) - 1));
        version = uint64(bound(version, 2, type(uint64).max));
        IMultisigIsm target = onMain ? ismMain : ismEdge;
        vm.chainId(onMain ? MAIN : EDGE);
        vm.prank(_attacker(senderSeed));
        try target.applyLocal(_domain(domainSeed), addrs, 1, version) {
            ++attacksSucceeded;
        } catch {}
    }

    function attackHandle(uint256 senderSeed, bool onMain, uint256 domainSeed, uint256 mask, uint64 version) external {
        (, address[] memory addrs) = _subset(bound(mask, 1, (1 << RING) - 1));
        version = uint64(bound(version, 2, type(uint64).max));
        IMultisigIsm target = onMain ? ismMain : ismEdge;
        address caller = _attacker(senderSeed);
        // The Mailbox calls `handle` only after verification: that is the relayed path, not an attack.
        if (caller == address(mailbox) || caller == address(mailboxEdge)) caller = address(0xbad);
        vm.chainId(onMain ? MAIN : EDGE);
        vm.prank(caller);
        // Claims to come from governance on the governance chain; only the Mailbox may say so.
        try target.handle(
            MAIN, Message.toBytes32(address(consortium)), abi.encode(_domain(domainSeed), addrs, 1, version)
        ) {
            ++attacksSucceeded;
        } catch {}
    }

    /// @dev A well-signed update message to EDGE's ISM that is not from governance on MAIN.
    function attackForgedMessage(uint256 senderSeed, bool fromEdge, uint256 domainSeed, uint256 mask, uint32 nonce)
        external
    {
        (, address[] memory addrs) = _subset(bound(mask, 1, (1 << RING) - 1));
        uint32 origin = fromEdge ? EDGE : MAIN;
        // From EDGE any sender, even the Consortium's address, is unauthorised; from MAIN any sender but it.
        address sender = fromEdge && senderSeed % 2 == 0 ? address(consortium) : _attacker(senderSeed);
        bytes memory message = Message.formatMessage(
            Message.VERSION,
            nonce,
            origin,
            Message.toBytes32(sender),
            EDGE,
            Message.toBytes32(address(ismEdge)),
            abi.encode(_domain(domainSeed), addrs, uint8(1), type(uint64).max)
        );
        GhostSet storage signers = _ghostEdge[origin];
        bytes memory metadata = _sign(ismEdge, origin, message, _keysOf(signers.validators, signers.threshold));
        vm.chainId(EDGE);
        try mailboxEdge.process(metadata, message) {
            ++attacksSucceeded;
        } catch {}
    }

    /// @dev A proposal with a single yes vote (quorum is 2) cannot be executed.
    function attackWithoutQuorum(uint256 domainSeed, uint256 mask) external {
        (, address[] memory addrs) = _subset(bound(mask, 1, (1 << RING) - 1));
        vm.chainId(MAIN);
        uint256 id = _propose(abi.encodeCall(IConsortium.setValidatorSet, (_domain(domainSeed), addrs, 1)));
        vm.prank(_members[2]);
        consortium.vote(id, true);
        try consortium.execute(id) {
            ++attacksSucceeded;
        } catch {}
    }

    // ------------------------------------------------------------ views for the invariants

    function ghostMain(uint32 domain) external view returns (address[] memory, uint8, uint64) {
        GhostSet storage g = _ghostMain[domain];
        return (g.validators, g.threshold, g.version);
    }

    function ghostEdge(uint32 domain) external view returns (address[] memory, uint8, uint64) {
        GhostSet storage g = _ghostEdge[domain];
        return (g.validators, g.threshold, g.version);
    }

    // ------------------------------------------------------------ helpers

    function _propose(bytes memory data) internal returns (uint256 id) {
        address[] memory t = new address[](1);
        t[0] = address(consortium);
        bytes[] memory c = new bytes[](1);
        c[0] = data;
        vm.prank(_members[0]);
        id = consortium.propose(t, new uint256[](1), c, "");
    }

    function _domain(uint256 seed) internal pure returns (uint32) {
        uint256 i = seed % 3;
        return i == 0 ? MAIN : i == 1 ? EDGE : OTHER;
    }

    /// @dev Anyone but the Consortium: members, validators, the Mailbox, this handler or a random address.
    function _attacker(uint256 seed) internal view returns (address a) {
        uint256 kind = seed % 5;
        if (kind == 0) a = _members[(seed >> 8) % _members.length];
        else if (kind == 1) a = ringAddrs[(seed >> 8) % RING];
        else if (kind == 2) a = address(mailbox);
        else if (kind == 3) a = address(this);
        else a = address(uint160(uint256(keccak256(abi.encode(seed)))));
        if (a == address(consortium)) a = address(0xdead);
    }

    /// @dev Keys of the first `n` of `validators` (all drawn from the ring), ascending like `validators`.
    function _keysOf(address[] memory validators, uint256 n) internal view returns (uint256[] memory keys) {
        keys = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            for (uint256 j; j < RING; ++j) {
                if (ringAddrs[j] == validators[i]) keys[i] = ringKeys[j];
            }
        }
    }

    /// @dev The same message with EDGE's ISM as recipient: on real chains it has the address of MAIN's ISM.
    function _readdress(bytes memory message, address recipient) internal pure returns (bytes memory out) {
        out = bytes.concat(message);
        bytes32 r = Message.toBytes32(recipient);
        assembly {
            mstore(add(add(out, 32), 45), r)
        }
    }

    function _body(bytes memory message) internal pure returns (bytes memory body) {
        body = new bytes(message.length - Message.HEADER_LENGTH);
        for (uint256 i; i < body.length; ++i) {
            body[i] = message[Message.HEADER_LENGTH + i];
        }
    }
}
