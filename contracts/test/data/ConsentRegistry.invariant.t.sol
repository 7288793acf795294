// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {DataFixture} from "./DataFixture.sol";
import {ConsentHandler} from "./ConsentHandler.sol";
import {IConsentRegistry} from "../../src/data/IConsentRegistry.sol";

/// @notice Invariants of consents under random grants, revocations, sales, scrapping and time: a revoked consent
///         never becomes valid again (whatever happens to the vehicle or the clock); `isValid` is exactly the rule
///         of the interface for every consent ever granted; grants and revocations succeed exactly when the rules
///         allow.
contract ConsentRegistryInvariantTest is DataFixture {
    ConsentHandler internal handler;

    uint256 internal constant VEHICLES = 3;

    function setUp() public {
        setUpData();
        (address owner3, uint256 owner3Key) = makeAddrAndKey("owner3");
        address[] memory owners = new address[](3);
        uint256[] memory keys = new uint256[](3);
        (owners[0], owners[1], owners[2]) = (owner1, owner2, owner3);
        (keys[0], keys[1], keys[2]) = (owner1Key, owner2Key, owner3Key);
        bytes32[] memory vehicles = new bytes32[](VEHICLES);
        for (uint256 i; i < VEHICLES; ++i) {
            vehicles[i] = keccak256(abi.encode("vehicle", i));
            produceSellRegister(vehicles[i]); // owned by owner1
        }
        handler = new ConsentHandler(consents, registry, lifecycle, bob, owners, keys, vehicles);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = ConsentHandler.grant.selector;
        selectors[1] = ConsentHandler.grant.selector; // grants are the point
        selectors[2] = ConsentHandler.revoke.selector;
        selectors[3] = ConsentHandler.revokeSigned.selector;
        selectors[4] = ConsentHandler.sell.selector;
        selectors[5] = ConsentHandler.sell.selector;
        selectors[6] = ConsentHandler.scrap.selector;
        selectors[7] = ConsentHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_callsSucceedExactlyWhenTheRulesAllow() public view {
        assertEq(handler.ghostMispredictions(), 0, "a grant, revocation or sale succeeded or failed unexpectedly");
    }

    function invariant_revokedConsentNeverValidAgain() public view {
        for (uint256 i; i < handler.revokedCount(); ++i) {
            bytes32 id = handler.revokedAt(i);
            IConsentRegistry.ConsentRecord memory r = consents.consent(id);
            assertEq(uint256(r.status), uint256(IConsentRegistry.Status.Revoked), "a revocation is final");
            assertFalse(consents.isValid(id), "a revoked consent is valid again");
            assertFalse(consents.covers(id, r.grantee, 0), "a revoked consent covers something");
        }
    }

    function invariant_isValidIsTheDocumentedRule() public view {
        for (uint256 i; i < handler.grantedCount(); ++i) {
            bytes32 id = handler.grantedAt(i);
            IConsentRegistry.ConsentRecord memory r = consents.consent(id);
            assertEq(r.granter, handler.ghostGranter(id), "the granter never changes");
            bool rule = r.status == IConsentRegistry.Status.Active && r.validFrom <= block.timestamp
                && block.timestamp < r.validUntil && !registry.isDeactivated(r.subject)
                && registry.controllerOf(r.subject) == r.granter;
            assertEq(consents.isValid(id), rule, "isValid differs from the documented rule");
            assertEq(consents.covers(id, r.grantee, r.scopes), rule, "covers of exactly the granted terms");
        }
    }

    /// @dev The handler reaches the paths the invariants are about: a grant, a sale voiding it, a buy-back reviving
    ///      it, a revocation, and a refused re-grant and re-revocation.
    function test_handler_exercisesEveryPath() public {
        handler.grant(0, 0, 1 days, 1 days, 0, 3); // owner1 grants for vehicle 0: ok
        handler.grant(0, 0, 1 days, 1 days, 0, 3); // the same terms again: refused
        handler.grant(0, 1, 1 days, 1 days, 1, 3); // owner2 is not the controller: refused
        handler.grant(0, 0, 1 days, 1 days, 2, 0); // no scopes: refused
        bytes32 id = handler.grantedAt(0);
        assertTrue(consents.isValid(id));
        handler.sell(0, 1); // to owner2
        assertFalse(consents.isValid(id), "voided by the sale");
        handler.revoke(1, 2); // owner3: neither granter nor controller: refused
        handler.sell(0, 0); // back to owner1
        assertTrue(consents.isValid(id), "revived by the buy-back");
        handler.revokeSigned(1, 0, 2 hours); // owner1 signs: ok
        handler.revoke(1, 0); // again: refused
        handler.sell(0, 1);
        handler.sell(0, 0);
        handler.warp(1 hours);
        assertFalse(consents.isValid(id), "revoked stays revoked");
        handler.scrap(0, 0);
        handler.sell(0, 1); // scrapped: refused
        assertEq(handler.ghostSuccesses("grant"), 1);
        assertEq(handler.ghostRefusals("grant"), 3);
        assertEq(handler.ghostSuccesses("revokeSigned"), 1);
        assertEq(handler.ghostRefusals("revoke"), 2);
        assertEq(handler.ghostSuccesses("sell"), 4);
        assertEq(handler.ghostRefusals("sell"), 1);
        invariant_callsSucceedExactlyWhenTheRulesAllow();
        invariant_revokedConsentNeverValidAgain();
        invariant_isValidIsTheDocumentedRule();
    }
}
