// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MerkleTestLib} from "./MerkleTestLib.sol";
import {ConsortiumFixture} from "../governance/ConsortiumFixture.sol";
import {AMCT} from "../../src/token/AMCT.sol";
import {IAMCT} from "../../src/token/IAMCT.sol";
import {AllocationVesting} from "../../src/token/AllocationVesting.sol";
import {IAllocationVesting} from "../../src/token/IAllocationVesting.sol";
import {OperationsReserve} from "../../src/token/OperationsReserve.sol";
import {MiningPool} from "../../src/token/MiningPool.sol";
import {IMiningPool} from "../../src/token/IMiningPool.sol";
import {DataEscrow} from "../../src/token/DataEscrow.sol";
import {RemoteRewardClaims} from "../../src/token/RemoteRewardClaims.sol";
import {Message} from "../../src/xchain/libs/Message.sol";
import {IRewardEligibility} from "../../src/token/IRewardEligibility.sol";

/// @notice A credential check standing in for the identity module: an allow list the test sets.
contract MockEligibility is IRewardEligibility {
    mapping(address account => bool) public eligible;

    function set(address account, bool ok) external {
        eligible[account] = ok;
    }

    function isEligible(address account) external view returns (bool) {
        return eligible[account];
    }
}

/// @notice The token module on MAIN over ConsortiumFixture (alice, bob, carol are the consortium; the Mailbox and ISM
///         of XchainFixture): AMCT, the technology and foundation vestings, the operations reserve, the mining pool
///         and the data escrow, deployed with the deployer as initializer and initialised the way the deployer will
///         (allocation contracts first, the token last, since it mints into them); and the RemoteRewardClaims of the
///         edge chain (the same address on every chain), which the pool allows on EDGE from `initialize`. Launch at
///         T0.
/// @dev The whitepaper's figures are written here as literals, independently of AMCTAllocations, so a wrong constant
///      there fails the tests instead of being copied into them.
abstract contract TokenFixture is ConsortiumFixture {
    AMCT internal token;
    AllocationVesting internal technology;
    AllocationVesting internal foundation;
    OperationsReserve internal operations;
    MiningPool internal pool;
    DataEscrow internal escrow;
    /// @dev The edge chain's claim point (EDGE; the same address on every chain), allowed by the pool from the start.
    RemoteRewardClaims internal remoteClaims;

    address internal ido;
    address internal techTeam;
    address internal foundationTreasury;
    address internal distributor;
    address internal operator;

    /// @dev Launch: a block time in June 2025.
    uint64 internal constant T0 = 1_750_000_000;
    uint64 internal constant WEEK = 7 days;
    uint64 internal constant HALVING_EPOCHS = 104;

    uint256 internal constant SUPPLY = 300_000_000e18;
    uint256 internal constant MINING_SHARE = 129_000_000e18;
    uint256 internal constant IDO_SHARE = 60_000_000e18;
    uint256 internal constant TECH_SHARE = 37_500_000e18;
    uint256 internal constant OPS_SHARE = 28_500_000e18;
    uint256 internal constant FOUNDATION_SHARE = 45_000_000e18;
    uint256 internal constant YEAR = 31_536_000;
    uint256 internal constant QUARTER = 7_884_000;

    function setUpToken() internal {
        setUpConsortium();
        vm.warp(T0);
        ido = makeAddr("ido-treasury");
        techTeam = makeAddr("tech-team");
        foundationTreasury = makeAddr("foundation-treasury");
        distributor = makeAddr("epoch-committer");
        operator = makeAddr("platform-operator");

        token = new AMCT(deployer);
        technology = new AllocationVesting(deployer);
        foundation = new AllocationVesting(deployer);
        operations = new OperationsReserve(deployer);
        pool = new MiningPool(deployer);
        escrow = new DataEscrow(deployer);
        remoteClaims = new RemoteRewardClaims(deployer);

        vm.startPrank(deployer);
        technology.initialize(token, techTeam, T0, IAllocationVesting.Kind.Technology);
        foundation.initialize(token, foundationTreasury, T0, IAllocationVesting.Kind.Foundation);
        operations.initialize(token, address(consortium));
        pool.initialize(poolParams());
        escrow.initialize(token, operator, address(consortium));
        token.initialize(recipients());
        remoteClaims.initialize(address(mailbox), MAIN, address(pool), distributor);
        vm.stopPrank();
    }

    function poolParams() internal view returns (IMiningPool.InitParams memory p) {
        p.token = IERC20(address(token));
        p.governance = address(consortium);
        p.distributor = distributor;
        p.mailbox = address(mailbox);
        p.eligibility = address(0);
        p.genesis = T0;
        p.epochDuration = WEEK;
        p.halvingEpochs = HALVING_EPOCHS;
        p.remoteSender = Message.toBytes32(address(remoteClaims));
        p.remoteOrigins = new uint32[](1);
        p.remoteOrigins[0] = EDGE;
    }

    function recipients() internal view returns (IAMCT.Recipients memory r) {
        r.miningPool = address(pool);
        r.ido = ido;
        r.technology = address(technology);
        r.operations = address(operations);
        r.foundation = address(foundation);
    }

    /// @dev Has the consortium call `target` with `data` through a proposal voted by alice and bob.
    function governCall(address target, bytes memory data) internal returns (uint256 id) {
        id = proposeVoted(target, data);
        consortium.execute(id);
    }

    /// @dev A proposal to call `target` with `data`, voted yes by alice and bob, ready to execute.
    function proposeVoted(address target, bytes memory data) internal returns (uint256 id) {
        address[] memory t = new address[](1);
        t[0] = target;
        uint256[] memory v = new uint256[](1);
        bytes[] memory c = new bytes[](1);
        c[0] = data;
        vm.prank(alice);
        id = consortium.propose(t, v, c, "token");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.prank(bob);
        consortium.vote(id, true);
    }

    // ------------------------------------------------------------ Merkle trees

    function leafOf(uint64 epoch, address account, uint256 amount) internal pure returns (bytes32) {
        return MerkleTestLib.leafOf(epoch, account, amount);
    }

    function merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        return MerkleTestLib.root(leaves);
    }

    function merkleProof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory) {
        return MerkleTestLib.proof(leaves, index);
    }
}
