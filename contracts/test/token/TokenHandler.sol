// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {MerkleTestLib} from "./MerkleTestLib.sol";
import {AMCT} from "../../src/token/AMCT.sol";
import {AllocationVesting} from "../../src/token/AllocationVesting.sol";
import {OperationsReserve} from "../../src/token/OperationsReserve.sol";
import {MiningPool} from "../../src/token/MiningPool.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {DataEscrow} from "../../src/token/DataEscrow.sol";
import {IDataEscrow} from "../../src/token/IDataEscrow.sol";

/// @notice Drives the whole token module at random: time passing (up to 400 days a step, so a run crosses the
///         3- and 5-year locks), vesting releases, operations releases by governance or by anyone else, epoch
///         commits whose total may be below their leaves' sum, local claims with right or tampered proofs,
///         cross-chain claims from the Mailbox, escrow deposits, partial releases (with fresh or reused payment ids)
///         and refunds of the rest, and plain transfers.
/// @dev Predicts before each call whether it must succeed; `ghostMispredictions` counts surprises. Keeps the sum of
///      open escrows and the committed epochs with their leaves.
contract TokenHandler is Base {
    struct Deployment {
        AMCT token;
        AllocationVesting technology;
        AllocationVesting foundation;
        OperationsReserve operations;
        MiningPool pool;
        DataEscrow escrow;
        address governance;
        address distributor;
        address operator;
        address mailbox;
        uint32 remoteOrigin;
        bytes32 remoteSender;
    }

    uint256 public constant ACTORS = 4;
    uint256 public constant REQUESTS = 12;

    AMCT public immutable token;
    AllocationVesting public immutable technology;
    AllocationVesting public immutable foundation;
    OperationsReserve public immutable operations;
    MiningPool public immutable pool;
    DataEscrow public immutable escrow;
    address internal immutable governance;
    address internal immutable distributor;
    address internal immutable operator;
    address internal immutable mailbox;
    uint32 internal immutable remoteOrigin;
    bytes32 internal immutable remoteSender;

    address[ACTORS] internal _actors;

    uint64[] public committedEpochs;
    mapping(uint64 epoch => uint256[ACTORS]) internal _amounts;

    uint256 public ghostMispredictions;
    uint256 public ghostOpenEscrowSum;
    uint256 public ghostVestingReleases;
    uint256 public ghostClaims;
    uint256 public ghostCrossClaims;
    uint256 public ghostSettlements;
    uint256 public ghostPartialReleases;

    /// @dev The next fresh payment id (payment ids 0 .. _nextPayment - 1 are used).
    uint256 internal _nextPayment;

    constructor(Deployment memory d, address[ACTORS] memory actors_) {
        token = d.token;
        technology = d.technology;
        foundation = d.foundation;
        operations = d.operations;
        pool = d.pool;
        escrow = d.escrow;
        governance = d.governance;
        distributor = d.distributor;
        operator = d.operator;
        mailbox = d.mailbox;
        remoteOrigin = d.remoteOrigin;
        remoteSender = d.remoteSender;
        _actors = actors_;
    }

    function committedCount() external view returns (uint256) {
        return committedEpochs.length;
    }

    // ------------------------------------------------------------ time and allocations

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 400 days));
    }

    function releaseVesting(bool foundationSide) external {
        AllocationVesting v = foundationSide ? foundation : technology;
        bool expected = v.vested(block.timestamp) > v.released();
        try v.release() {
            if (!expected) ++ghostMispredictions;
            ++ghostVestingReleases;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    function releaseOperations(uint256 amount, uint256 callerSeed) external {
        uint256 available = token.balanceOf(address(operations));
        amount = bound(amount, 0, available + 1);
        uint256 c = bound(callerSeed, 0, ACTORS); // ACTORS: governance
        address caller = c == ACTORS ? governance : _actors[c];
        bool expected = caller == governance && amount > 0 && amount <= available;
        vm.prank(caller);
        try operations.release(_actors[0], amount, "handler") {
            if (!expected) ++ghostMispredictions;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    // ------------------------------------------------------------ mining

    function commitEpoch(uint256 epochSeed, uint256 a0, uint256 a1, uint256 a2, uint256 totalSeed) external {
        uint64 current = pool.currentEpoch();
        if (current == 0) return;
        uint64 epoch = uint64(bound(epochSeed, 0, current - 1));
        uint256 cap = pool.emission(epoch);
        if (cap < 8) return;
        uint256[ACTORS] memory amounts =
            [bound(a0, 1, cap / 4), bound(a1, 1, cap / 4), bound(a2, 1, cap / 4), bound(a0 ^ a1, 1, cap / 4)];
        // Usually the leaves' sum; sometimes less (a faulty committer), never more than the emission.
        uint256 sum = amounts[0] + amounts[1] + amounts[2] + amounts[3];
        uint256 total = totalSeed % 3 == 0 ? bound(totalSeed, 0, sum) : sum;
        bool expected = pool.epochs(epoch).root == bytes32(0);
        vm.prank(distributor);
        try pool.commitEpoch(epoch, MerkleTestLib.root(_leaves(epoch, amounts)), total) {
            if (!expected) ++ghostMispredictions;
            committedEpochs.push(epoch);
            _amounts[epoch] = amounts;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    function claim(uint256 epochSeed, uint256 actorSeed, bool tamper) external {
        if (committedEpochs.length == 0) return;
        uint64 epoch = committedEpochs[bound(epochSeed, 0, committedEpochs.length - 1)];
        uint256 i = bound(actorSeed, 0, ACTORS - 1);
        uint256[ACTORS] memory amounts = _amounts[epoch];
        bytes32[] memory proof = MerkleTestLib.proof(_leaves(epoch, amounts), i);
        uint256 amount = amounts[i] + (tamper ? 1 : 0);
        bool expected = !tamper && _payable(epoch, _actors[i], amount);
        try pool.claim(epoch, _actors[i], amount, proof) {
            if (!expected) ++ghostMispredictions;
            ++ghostClaims;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    function crossClaim(uint256 epochSeed, uint256 actorSeed, bool foreign) external {
        if (committedEpochs.length == 0) return;
        uint64 epoch = committedEpochs[bound(epochSeed, 0, committedEpochs.length - 1)];
        uint256 i = bound(actorSeed, 0, ACTORS - 1);
        uint256 amount = _amounts[epoch][i];
        bytes32 sender = foreign ? bytes32(uint256(remoteSender) ^ 1) : remoteSender;
        bool expected = !foreign && _payable(epoch, _actors[i], amount);
        vm.prank(mailbox);
        try pool.handle(remoteOrigin, sender, abi.encode(epoch, _actors[i], amount)) {
            if (!expected) ++ghostMispredictions;
            ++ghostCrossClaims;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    // ------------------------------------------------------------ escrow

    function deposit(uint256 actorSeed, uint256 requestSeed, uint256 amount, uint256 ttl) external {
        address who = _actors[bound(actorSeed, 0, ACTORS - 1)];
        bytes32 id = bytes32(bound(requestSeed, 0, REQUESTS - 1));
        uint256 balance = token.balanceOf(who);
        amount = bound(amount, 0, balance + 1);
        uint64 deadline = uint64(block.timestamp + bound(ttl, 0, 30 days));
        bool expected = amount > 0 && amount <= balance && deadline > block.timestamp
            && escrow.escrows(id).status == IDataEscrow.Status.None;
        vm.startPrank(who);
        token.approve(address(escrow), amount);
        try escrow.deposit(id, amount, deadline) {
            if (!expected) ++ghostMispredictions;
            ghostOpenEscrowSum += amount;
        } catch {
            if (expected) ++ghostMispredictions;
        }
        vm.stopPrank();
    }

    /// @dev A release pays a random part of what is left (sometimes more than left, or zero), under a fresh payment id
    ///      or, sometimes, one already used.
    function settle(uint256 requestSeed, uint256 callerSeed, bool refund, uint256 amount, bool reusePayment) external {
        bytes32 id = bytes32(bound(requestSeed, 0, REQUESTS - 1));
        uint256 c = bound(callerSeed, 0, ACTORS); // ACTORS: the operator
        address caller = c == ACTORS ? operator : _actors[c];
        IDataEscrow.Escrow memory e = escrow.escrows(id);
        bool open = e.status == IDataEscrow.Status.Open;
        amount = bound(amount, 0, uint256(e.amount) + 1);
        bytes32 paymentId = reusePayment && _nextPayment > 0 ? bytes32(_nextPayment - 1) : bytes32(_nextPayment);
        bool expected = refund
            ? open && (caller == operator || block.timestamp > e.deadline)
            : open && caller == operator && block.timestamp <= e.deadline && amount > 0 && amount <= e.amount
                && !escrow.isPaid(paymentId);
        bytes memory call = refund
            ? abi.encodeCall(IDataEscrow.refund, (id))
            : abi.encodeCall(IDataEscrow.release, (id, paymentId, _actors[3], amount));
        vm.prank(caller);
        (bool ok,) = address(escrow).call(call);
        if (ok != expected) ++ghostMispredictions;
        if (ok) {
            ghostOpenEscrowSum -= refund ? e.amount : amount;
            if (refund || amount == e.amount) ++ghostSettlements;
            else ++ghostPartialReleases;
            if (!refund) ++_nextPayment;
        }
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actors[bound(fromSeed, 0, ACTORS - 1)];
        address to = _actors[bound(toSeed, 0, ACTORS - 1)];
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(to, amount);
    }

    // ------------------------------------------------------------ helpers

    function _leaves(uint64 epoch, uint256[ACTORS] memory amounts) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](ACTORS);
        for (uint256 i; i < ACTORS; ++i) {
            leaves[i] = MerkleTestLib.leafOf(epoch, _actors[i], amounts[i]);
        }
    }

    function _payable(uint64 epoch, address account, uint256 amount) internal view returns (bool) {
        IMiningPool.Epoch memory e = pool.epochs(epoch);
        return !pool.isClaimed(epoch, account, amount) && uint256(e.claimed) + amount <= e.total;
    }
}
