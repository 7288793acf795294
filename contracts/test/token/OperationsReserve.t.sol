// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TokenFixture} from "./TokenFixture.sol";
import {OperationsReserve} from "../../src/token/OperationsReserve.sol";
import {IOperationsReserve} from "../../src/token/IOperationsReserve.sol";
import {IConsortium} from "../../src/governance/IConsortium.sol";

/// @notice The operations reserve releases only through an executed Consortium proposal, each with a public reason.
contract OperationsReserveTest is TokenFixture {
    address internal grantee;

    function setUp() public {
        setUpToken();
        grantee = makeAddr("community-grant");
    }

    function releaseCall(address to, uint256 amount, string memory reason) internal pure returns (bytes memory) {
        return abi.encodeCall(IOperationsReserve.release, (to, amount, reason));
    }

    function test_release_byGovernanceProposal() public {
        uint256 id = proposeVoted(address(operations), releaseCall(grantee, 1_000_000e18, "Q3 developer grants"));
        vm.expectEmit(address(operations));
        emit IOperationsReserve.Released(grantee, 1_000_000e18, "Q3 developer grants", 1_000_000e18);
        consortium.execute(id);
        assertEq(token.balanceOf(grantee), 1_000_000e18);
        assertEq(operations.released(), 1_000_000e18);
        assertEq(token.balanceOf(address(operations)), OPS_SHARE - 1_000_000e18);
    }

    function test_release_revertsForMembersAndOthers() public {
        address[4] memory callers = [alice, bob, deployer, grantee];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IOperationsReserve.OperationsReserveOnlyGovernance.selector, callers[i])
            );
            operations.release(grantee, 1, "no");
        }
        assertEq(operations.released(), 0);
    }

    function test_release_failedProposalReleasesNothing() public {
        // One yes of three is below the 50 % quorum: the proposal cannot execute.
        address[] memory t = new address[](1);
        t[0] = address(operations);
        uint256[] memory v = new uint256[](1);
        bytes[] memory c = new bytes[](1);
        c[0] = releaseCall(grantee, 1e18, "lonely");
        vm.prank(alice);
        uint256 id = consortium.propose(t, v, c, "lonely");
        vm.prank(alice);
        consortium.vote(id, true);
        vm.expectPartialRevert(IConsortium.ConsortiumProposalNotSucceeded.selector);
        consortium.execute(id);
        assertEq(token.balanceOf(grantee), 0);
    }

    function test_release_validatesArguments() public {
        vm.startPrank(address(consortium));
        vm.expectRevert(IOperationsReserve.OperationsReserveZeroAmount.selector);
        operations.release(grantee, 0, "zero");
        vm.expectRevert(IOperationsReserve.OperationsReserveEmptyReason.selector);
        operations.release(grantee, 1, "");
        vm.expectRevert(IOperationsReserve.OperationsReserveZeroAddress.selector);
        operations.release(address(0), 1, "nobody");
        vm.expectRevert(
            abi.encodeWithSelector(
                IOperationsReserve.OperationsReserveInsufficientBalance.selector, OPS_SHARE + 1, OPS_SHARE
            )
        );
        operations.release(grantee, OPS_SHARE + 1, "too much");
        operations.release(grantee, OPS_SHARE, "everything");
        vm.stopPrank();
        assertEq(operations.released(), OPS_SHARE, "the whole 9.5 %, never more");
    }

    function test_initialize_guards() public {
        OperationsReserve fresh = new OperationsReserve(deployer);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOperationsReserve.OperationsReserveNotInitializer.selector, alice));
        fresh.initialize(token, address(consortium));
        vm.startPrank(deployer);
        vm.expectRevert(IOperationsReserve.OperationsReserveZeroAddress.selector);
        fresh.initialize(IERC20(address(0)), address(consortium));
        fresh.initialize(token, address(consortium));
        vm.expectRevert(IOperationsReserve.OperationsReserveAlreadyInitialized.selector);
        fresh.initialize(token, address(consortium));
        vm.stopPrank();
    }
}
