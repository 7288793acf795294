// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {FLRegistry} from "../../src/fl/FLRegistry.sol";
import {IFLRegistry} from "../../src/fl/IFLRegistry.sol";

/// @notice Drives the FLRegistry as task owners and RSUs would, with a non-owner member and an outsider among the
///         callers: rounds opened with the right number and base or a wrong one, cell aggregates committed over a
///         small pool of cells (so cells repeat) with contributor counts around m, and publications that accept and
///         drop random subsets of the pool (overlapping, uncommitted, below m, bad codes included), on two tasks.
/// @dev Keeps its own model and predicts before each call whether it must succeed; `ghostMispredictions` counts
///      calls whose outcome differed.
contract FLRegistryHandler is Base {
    FLRegistry public immutable fl;

    uint256 public constant TASKS = 2;
    uint256 public constant CELLS = 4;

    /// @dev actors[0], actors[1]: the owners of tasks 0 and 1; actors[2]: the RSU operator; actors[3]: an outsider.
    address[4] internal _actors;
    bytes32[TASKS] public taskIds;
    uint32[TASKS] public minContributors;

    mapping(uint256 task => uint64) public ghostRoundCount;
    mapping(uint256 task => bool) public ghostOpen;
    mapping(uint256 task => mapping(uint64 round => bytes32)) public ghostModel;
    mapping(uint256 task => mapping(uint64 round => uint64)) public ghostContributors;
    /// @dev Contributors of each committed cell of the task's current round (0: not committed).
    mapping(uint256 task => mapping(uint64 round => mapping(uint256 cell => uint32))) internal _committed;

    uint256 public ghostMispredictions;
    mapping(bytes32 op => uint256) public ghostSuccesses;
    mapping(bytes32 op => uint256) public ghostRefusals;

    constructor(FLRegistry fl_, address[4] memory actors, bytes32[TASKS] memory taskIds_, uint32[TASKS] memory m) {
        fl = fl_;
        _actors = actors;
        taskIds = taskIds_;
        minContributors = m;
    }

    function cellAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("handler-cell", i));
    }

    // ------------------------------------------------------------ actions

    /// @dev Mostly the owner with the right number and base; else a wrong caller, number or base.
    function open(uint256 taskSeed, uint256 actorSeed, uint256 mode) external {
        uint256 t = taskSeed % TASKS;
        uint64 count = ghostRoundCount[t];
        uint64 r = count;
        bytes32 base = count == 0 ? keccak256(abi.encode("initial", t)) : ghostModel[t][count - 1];
        address by = _actors[t];
        uint256 rule = mode % 8;
        if (rule == 1) by = _actors[bound(actorSeed, 0, 3)];
        else if (rule == 2) r = count + 1;
        else if (rule == 3 && count > 0) r = count - 1;
        else if (rule == 4) base = keccak256(abi.encode("wrong", mode));
        else if (rule == 5 && count == 0) base = bytes32(0);
        bool expected = by == _actors[t] && r == count && !ghostOpen[t] && base != bytes32(0)
            && (count == 0 || base == ghostModel[t][count - 1]);
        vm.prank(by);
        try fl.openRound(taskIds[t], r, base) {
            if (!expected) ++ghostMispredictions;
            ghostRoundCount[t] = count + 1;
            ghostOpen[t] = true;
            ++ghostSuccesses["open"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["open"];
        }
    }

    /// @dev Mostly the RSU operator on the current round; contributors 1..m+2.
    function commit(uint256 taskSeed, uint256 actorSeed, uint256 cellSeed, uint256 contributors) external {
        uint256 t = taskSeed % TASKS;
        uint64 r = ghostRoundCount[t] == 0 ? 0 : ghostRoundCount[t] - 1;
        if (actorSeed % 5 == 4) r += 1; // a round that is not open
        address by = actorSeed % 3 == 0 ? _actors[bound(actorSeed, 0, 3)] : _actors[2];
        uint256 cell = cellSeed % CELLS;
        uint32 n = uint32(bound(contributors, 1, minContributors[t] + 2));
        bool isOpen = ghostOpen[t] && r + 1 == ghostRoundCount[t];
        bool expected = by == _actors[2] && isOpen && _committed[t][r][cell] == 0;
        bytes32 cellId = cellAt(cell);
        vm.prank(by);
        try fl.commitCellAggregate(taskIds[t], r, cellId, keccak256(abi.encode(r, cellId)), cellId, n, 0) {
            if (!expected) ++ghostMispredictions;
            _committed[t][r][cell] = n;
            ++ghostSuccesses["commit"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["commit"];
        }
    }

    /// @dev Three calls in four publish as an honest owner would (accept every usable cell, drop the others as below m);
    ///      the others accept the pool cells of `acceptedMask` and drop those of `droppedMask`, each with `code`.
    function publish(uint256 taskSeed, uint256 actorSeed, uint8 acceptedMask, uint8 droppedMask, uint8 code) external {
        uint256 t = taskSeed % TASKS;
        uint64 r = ghostRoundCount[t] == 0 ? 0 : ghostRoundCount[t] - 1;
        address by = actorSeed % 4 == 0 ? _actors[bound(actorSeed, 0, 3)] : _actors[t];
        code = uint8(bound(code, 0, 6)); // 6 is invalid
        uint32 m = minContributors[t];
        if ((actorSeed >> 8) % 4 != 0) {
            (acceptedMask, droppedMask, code) = (0, 0, 0);
            for (uint256 c; c < CELLS; ++c) {
                uint32 n = _committed[t][r][c];
                if (n >= m) acceptedMask |= uint8(1 << c);
                else if (n > 0) droppedMask |= uint8(1 << c);
            }
        }
        bool expected = by == _actors[t] && ghostOpen[t] && acceptedMask % 16 != 0;
        uint64 sum;
        (bytes32[] memory accepted, IFLRegistry.Dropped[] memory dropped) =
            (_list(acceptedMask), _drops(droppedMask, code));
        for (uint256 c; c < CELLS; ++c) {
            uint32 n = _committed[t][r][c];
            bool isAccepted = (acceptedMask >> c) & 1 == 1;
            bool isDropped = (droppedMask >> c) & 1 == 1;
            if (isAccepted) {
                if (n < m) expected = false; // uncommitted (0) or below m
                sum += n;
            }
            if (isDropped && (n == 0 || isAccepted || code > 5 || (code == 0 && n >= m))) expected = false;
        }
        bytes32 model = keccak256(abi.encode("model", t, r, acceptedMask));
        vm.prank(by);
        try fl.publishRound(taskIds[t], r, model, accepted, dropped, IFLRegistry.Metrics(8000, 8000, 8000, 10), "") {
            if (!expected) ++ghostMispredictions;
            ghostOpen[t] = false;
            ghostModel[t][r] = model;
            ghostContributors[t][r] = sum;
            ++ghostSuccesses["publish"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["publish"];
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 7 days));
    }

    // ------------------------------------------------------------ helpers

    function _list(uint8 mask) private pure returns (bytes32[] memory list) {
        list = new bytes32[](_popcount(mask));
        uint256 k;
        for (uint256 c; c < CELLS; ++c) {
            if ((mask >> c) & 1 == 1) list[k++] = cellAt(c);
        }
    }

    function _drops(uint8 mask, uint8 code) private pure returns (IFLRegistry.Dropped[] memory list) {
        list = new IFLRegistry.Dropped[](_popcount(mask));
        uint256 k;
        for (uint256 c; c < CELLS; ++c) {
            if ((mask >> c) & 1 == 1) list[k++] = IFLRegistry.Dropped(cellAt(c), code, bytes32(c));
        }
    }

    function _popcount(uint8 mask) private pure returns (uint256 n) {
        for (uint256 c; c < CELLS; ++c) {
            n += (mask >> c) & 1;
        }
    }
}
