// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {V2xTrustStore} from "../../src/v2x/V2xTrustStore.sol";
import {IV2xTrustStore} from "../../src/v2x/IV2xTrustStore.sol";

/// @notice Drives the V2xTrustStore's certificate functions, as its certificate authority, over a small pool of
///         certificates: adding roots, adding certificates under any pool member (valid or not) and revoking.
/// @dev Keeps its own model of the PKI (issuer, depth, revoked per certificate) and predicts, before each call,
///      whether the store must accept it; `ghostMispredictions` counts calls whose outcome differed. The invariants
///      then compare the store's `isTrusted` and `roots` with the model.
contract V2xTrustStoreHandler is Base {
    V2xTrustStore public immutable store;
    address public immutable ca;

    uint256 public constant POOL = 12;

    /// @dev Model: the pool slot of a certificate's issuer, its depth (0: not added) and whether it is revoked.
    mapping(uint256 slot => uint256) public ghostIssuer;
    mapping(uint256 slot => uint256) public ghostDepth;
    mapping(uint256 slot => bool) public ghostRevoked;
    /// @dev Calls whose success or failure the model did not predict.
    uint256 public ghostMispredictions;
    /// @dev Successful calls per operation, to see that the run reached the interesting paths.
    mapping(bytes32 op => uint256) public ghostSuccesses;

    constructor(V2xTrustStore store_, address ca_) {
        store = store_;
        ca = ca_;
    }

    /// @dev The stand-in certificate of pool slot `slot`.
    function certOf(uint256 slot) public pure returns (bytes memory) {
        return abi.encodePacked(hex"80030081", slot);
    }

    /// @dev Its HashedId8 (SHA-256, last 8 bytes).
    function idOf(uint256 slot) public pure returns (bytes8) {
        return bytes8(sha256(certOf(slot)) << 192);
    }

    /// @dev The model's answer to `isTrusted`: added, and nothing revoked from it up to its root.
    function modelTrusted(uint256 slot) public view returns (bool) {
        while (true) {
            if (ghostDepth[slot] == 0 || ghostRevoked[slot]) return false;
            if (ghostDepth[slot] == 1) return true;
            slot = ghostIssuer[slot];
        }
        return false; // unreachable; depths strictly decrease up the chain
    }

    function addRoot(uint256 slot) external {
        slot = bound(slot, 0, POOL - 1);
        bool expected = ghostDepth[slot] == 0;
        bytes8 id = idOf(slot);
        vm.prank(ca);
        try store.addCertificate(id, certOf(slot), IV2xTrustStore.CertRole.Root, id) {
            ghostDepth[slot] = 1;
            ghostIssuer[slot] = slot;
            ++ghostSuccesses["addRoot"];
            if (!expected) ++ghostMispredictions;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    function addIssued(uint256 slot, uint256 issuerSlot, uint256 role) external {
        slot = bound(slot, 0, POOL - 1);
        issuerSlot = bound(issuerSlot, 0, POOL - 1);
        IV2xTrustStore.CertRole r = IV2xTrustStore.CertRole(bound(role, 2, 5));
        bool expected = ghostDepth[slot] == 0 && slot != issuerSlot && modelTrusted(issuerSlot)
            && ghostDepth[issuerSlot] < store.MAX_CHAIN_DEPTH();
        bytes8 id = idOf(slot);
        bytes8 issuer = idOf(issuerSlot);
        vm.prank(ca);
        try store.addCertificate(id, certOf(slot), r, issuer) {
            ghostDepth[slot] = ghostDepth[issuerSlot] + 1;
            ghostIssuer[slot] = issuerSlot;
            ++ghostSuccesses["addIssued"];
            if (!expected) ++ghostMispredictions;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }

    function revoke(uint256 slot) external {
        slot = bound(slot, 0, POOL - 1);
        bool expected = ghostDepth[slot] != 0 && !ghostRevoked[slot];
        bytes8 id = idOf(slot);
        vm.prank(ca);
        try store.revokeCertificate(id) {
            ghostRevoked[slot] = true;
            ++ghostSuccesses["revoke"];
            if (!expected) ++ghostMispredictions;
        } catch {
            if (expected) ++ghostMispredictions;
        }
    }
}
