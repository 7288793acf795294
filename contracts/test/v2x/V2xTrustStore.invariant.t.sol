// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {V2xFixture} from "./V2xFixture.sol";
import {V2xTrustStoreHandler} from "./V2xTrustStoreHandler.sol";
import {IV2xTrustStore} from "../../src/v2x/IV2xTrustStore.sol";

/// @notice Invariants of the V2X trust store's certificate tree under random adds and revocations: the store accepts
///         exactly what the PKI rules allow, `isTrusted` is "added and nothing revoked up to the root", `roots()` is
///         exactly the unrevoked roots, and every chain is at most MAX_CHAIN_DEPTH long.
contract V2xTrustStoreInvariantTest is V2xFixture {
    V2xTrustStoreHandler internal handler;

    function setUp() public {
        setUpV2x();
        handler = new V2xTrustStoreHandler(trustStore, dave);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = V2xTrustStoreHandler.addRoot.selector;
        selectors[1] = V2xTrustStoreHandler.addIssued.selector;
        selectors[2] = V2xTrustStoreHandler.addIssued.selector; // twice: chains are the point
        selectors[3] = V2xTrustStoreHandler.addIssued.selector;
        selectors[4] = V2xTrustStoreHandler.revoke.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_acceptsExactlyWhatTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "an add or revoke succeeded or failed against the PKI rules");
    }

    function invariant_trustedIffChainUnrevoked() public view {
        for (uint256 i; i < handler.POOL(); ++i) {
            assertEq(
                trustStore.isTrusted(handler.idOf(i)),
                handler.modelTrusted(i),
                "isTrusted = added and nothing revoked up to the root"
            );
        }
    }

    function invariant_rootsAreTheUnrevokedRoots() public view {
        bytes8[] memory r = trustStore.roots();
        uint256 expected;
        for (uint256 i; i < handler.POOL(); ++i) {
            if (handler.ghostDepth(i) == 1 && !handler.ghostRevoked(i)) ++expected;
        }
        assertEq(r.length, expected, "as many roots as unrevoked roots");
        for (uint256 j; j < r.length; ++j) {
            IV2xTrustStore.CertInfo memory c = trustStore.certificate(r[j]);
            assertTrue(c.role == IV2xTrustStore.CertRole.Root && !c.revoked, "a listed root is an unrevoked root");
            for (uint256 k; k < j; ++k) {
                assertTrue(r[k] != r[j], "no root listed twice");
            }
        }
    }

    function invariant_chainsAreBounded() public view {
        for (uint256 i; i < handler.POOL(); ++i) {
            IV2xTrustStore.CertInfo memory c = trustStore.certificate(handler.idOf(i));
            assertEq(c.depth, handler.ghostDepth(i), "depth as modelled");
            assertLe(c.depth, trustStore.MAX_CHAIN_DEPTH(), "chain within MAX_CHAIN_DEPTH");
            if (c.depth > 1) {
                assertEq(trustStore.certificate(c.issuer).depth + 1, c.depth, "one deeper than its issuer");
            }
        }
    }

    /// @dev The handler reaches the paths the invariants are about: deep chains, revocations above descendants, and
    ///      refused adds under revoked or too-deep issuers.
    function test_handler_exercisesChainsAndRevocations() public {
        handler.addRoot(0);
        for (uint256 i = 1; i < 8; ++i) {
            handler.addIssued(i, i - 1, i); // a chain of 8: slots 0 (root) to 7
        }
        handler.addIssued(8, 7, 3); // a ninth: too deep, refused
        handler.addIssued(10, 2, 4);
        handler.revoke(1);
        handler.addIssued(11, 5, 2); // under a revoked ancestor: refused
        handler.addRoot(11);
        handler.revoke(11);
        assertEq(handler.ghostSuccesses("addRoot"), 2);
        assertEq(handler.ghostSuccesses("addIssued"), 8);
        assertEq(handler.ghostSuccesses("revoke"), 2);
        assertFalse(handler.modelTrusted(7), "below a revoked certificate");
        assertTrue(handler.modelTrusted(0));
        invariant_acceptsExactlyWhatTheRulesAllow();
        invariant_trustedIffChainUnrevoked();
        invariant_rootsAreTheUnrevokedRoots();
        invariant_chainsAreBounded();
    }
}
