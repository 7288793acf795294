// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ConsortiumFixture} from "../governance/ConsortiumFixture.sol";
import {FLRegistry} from "../../src/fl/FLRegistry.sol";
import {IFLRegistry} from "../../src/fl/IFLRegistry.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";

/// @notice The FLRegistry on MAIN over the real Consortium of ConsortiumFixture (alice OEM, bob REGULATOR, carol
///         INSURER), plus two RSU operators joined through governance, erin and frank; stranger belongs to nobody.
///         alice owns TASK (m = 3) once `createDefaultTask` runs.
abstract contract FLFixture is ConsortiumFixture {
    bytes32 internal constant RSU_OPERATOR = keccak256("RSU_OPERATOR");

    bytes32 internal constant TASK = keccak256("task:abnormal-driving-v1");
    bytes32 internal constant CONFIG = keccak256("config:lstm-64,krum,f=1");
    uint32 internal constant M = 3;
    bytes32 internal constant MODEL_0 = keccak256("model:initial");

    bytes32 internal constant CELL_A = bytes32("wtw3s");
    bytes32 internal constant CELL_B = bytes32("wtw3t");
    bytes32 internal constant CELL_C = bytes32("wtw3u");

    uint8 internal constant PAILLIER = 0;
    uint8 internal constant MASKING = 1;

    /// @dev A block time in June 2025, where the tests start.
    uint64 internal constant T0 = 1_750_000_000;

    FLRegistry internal fl;
    address internal erin;
    address internal frank;
    address internal stranger;

    function setUpFL() internal {
        setUpConsortium();
        erin = makeAddr("erin");
        frank = makeAddr("frank");
        stranger = makeAddr("stranger");
        address[] memory t = new address[](4);
        uint256[] memory v = new uint256[](4);
        bytes[] memory c = new bytes[](4);
        for (uint256 i; i < 4; ++i) {
            t[i] = address(consortium);
        }
        c[0] = abi.encodeCall(IConsortium.addMember, (erin, "Erin Roads", "ipfs://erin"));
        c[1] = abi.encodeCall(IConsortium.addMember, (frank, "Frank Tolls", "ipfs://frank"));
        c[2] = abi.encodeCall(IConsortium.grantRole, (RSU_OPERATOR, erin));
        c[3] = abi.encodeCall(IConsortium.grantRole, (RSU_OPERATOR, frank));
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "fl members");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
        consortium.execute(id);

        fl = new FLRegistry(deployer);
        vm.prank(deployer);
        fl.initialize(address(consortium));
        vm.warp(T0);
    }

    function createDefaultTask() internal {
        vm.prank(alice);
        fl.createTask(TASK, CONFIG, M, "Abnormal driving v1");
    }

    function modelOf(uint64 r) internal pure returns (bytes32) {
        return keccak256(abi.encode("model", r));
    }

    function aggregateOf(uint64 r, bytes32 cellId) internal pure returns (bytes32) {
        return keccak256(abi.encode("aggregate", r, cellId));
    }

    function rootOf(uint64 r, bytes32 cellId) internal pure returns (bytes32) {
        return keccak256(abi.encode("contributors", r, cellId));
    }

    /// @dev erin commits `cellId`'s aggregate of `contributors` vehicles for round `r` of TASK (Paillier).
    function commit(uint64 r, bytes32 cellId, uint32 contributors) internal {
        vm.prank(erin);
        fl.commitCellAggregate(TASK, r, cellId, aggregateOf(r, cellId), rootOf(r, cellId), contributors, PAILLIER);
    }

    function openAs(address by, uint64 r, bytes32 base) internal {
        vm.prank(by);
        fl.openRound(TASK, r, base);
    }

    function metricsOf(uint32 f1) internal pure returns (IFLRegistry.Metrics memory) {
        return IFLRegistry.Metrics({f1Bps: f1, precisionBps: 9000, recallBps: 8000, evalWindows: 5000});
    }

    function cells(bytes32 a) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](1);
        list[0] = a;
    }

    function cells(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](2);
        (list[0], list[1]) = (a, b);
    }

    function noDrops() internal pure returns (IFLRegistry.Dropped[] memory) {
        return new IFLRegistry.Dropped[](0);
    }

    function drop(bytes32 cellId, uint8 code) internal pure returns (IFLRegistry.Dropped[] memory d) {
        d = new IFLRegistry.Dropped[](1);
        d[0] = IFLRegistry.Dropped({cellId: cellId, code: code, reasonHash: keccak256(abi.encode("reason", cellId))});
    }

    /// @dev alice publishes round `r` of TASK as `modelOf(r)` from `accepted`, dropping `dropped`.
    function publish(uint64 r, bytes32[] memory accepted, IFLRegistry.Dropped[] memory dropped) internal {
        vm.prank(alice);
        fl.publishRound(TASK, r, modelOf(r), accepted, dropped, metricsOf(8500), "ipfs://model");
    }
}
