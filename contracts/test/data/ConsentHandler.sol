// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {ConsentRegistry} from "../../src/data/ConsentRegistry.sol";
import {IConsentRegistry} from "../../src/data/IConsentRegistry.sol";
import {DIDRegistry} from "../../src/identity/DIDRegistry.sol";
import {VehicleLifecycle} from "../../src/identity/VehicleLifecycle.sol";

/// @notice Drives the ConsentRegistry as owners, a gateway and buyers would, over a few vehicles: grants signed by
///         the controller or by someone else (and replays of granted terms), direct and signed revocations by the
///         granter, the current controller or a stranger, sales between owners (which void earlier consents and,
///         on a buy-back, revive unrevoked ones), scrapping, and time passing.
/// @dev Predicts before each call whether it must succeed from the registry's rules and the DID registry's state;
///      `ghostMispredictions` counts calls whose outcome differed. Remembers every id it revoked.
contract ConsentHandler is Base {
    ConsentRegistry public immutable consents;
    DIDRegistry public immutable registry;
    VehicleLifecycle public immutable lifecycle;
    address public immutable regulator;

    bytes32 public constant GRANTEE = keccak256("did:amc:dev:grantee");
    bytes32 public constant PURPOSE = keccak256("research");

    address[] internal _owners;
    uint256[] internal _keys;
    bytes32[] internal _vehicles;

    bytes32[] internal _granted;
    bytes32[] internal _revoked;
    mapping(bytes32 id => bool) public ghostRevoked;
    mapping(bytes32 id => address) public ghostGranter;
    mapping(bytes32 id => bytes32) public ghostSubject;

    uint256 public ghostMispredictions;
    mapping(bytes32 op => uint256) public ghostSuccesses;
    mapping(bytes32 op => uint256) public ghostRefusals;

    constructor(
        ConsentRegistry consents_,
        DIDRegistry registry_,
        VehicleLifecycle lifecycle_,
        address regulator_,
        address[] memory owners,
        uint256[] memory keys,
        bytes32[] memory vehicles
    ) {
        consents = consents_;
        registry = registry_;
        lifecycle = lifecycle_;
        regulator = regulator_;
        _owners = owners;
        _keys = keys;
        _vehicles = vehicles;
    }

    function grantedCount() external view returns (uint256) {
        return _granted.length;
    }

    function grantedAt(uint256 i) external view returns (bytes32) {
        return _granted[i];
    }

    function revokedCount() external view returns (uint256) {
        return _revoked.length;
    }

    function revokedAt(uint256 i) external view returns (bytes32) {
        return _revoked[i];
    }

    // ------------------------------------------------------------ actions

    /// @dev A consent for a vehicle, signed by one of the owners (the controller or not), over a window around now.
    function grant(
        uint256 vehicleSeed,
        uint256 signerSeed,
        uint256 fromOffset,
        uint256 length,
        uint256 salt,
        uint8 scopes
    ) external {
        bytes32 subject = _vehicles[bound(vehicleSeed, 0, _vehicles.length - 1)];
        uint256 s = bound(signerSeed, 0, _owners.length - 1);
        IConsentRegistry.Consent memory c;
        c.subject = subject;
        c.grantee = GRANTEE;
        c.scopes = uint256(scopes);
        c.purpose = PURPOSE;
        // From up to a day ago to a day ahead, for 0 seconds to a week (some windows empty or already over).
        c.validFrom = uint64(block.timestamp - 1 days + bound(fromOffset, 0, 2 days));
        c.validUntil = c.validFrom + uint64(bound(length, 0, 7 days));
        c.salt = bytes32(bound(salt, 0, 7)); // few salts, so terms repeat
        bytes32 id = keccak256(
            abi.encode(
                consents.CONSENT_TYPEHASH(),
                c.subject,
                c.grantee,
                c.scopes,
                c.purpose,
                c.validFrom,
                c.validUntil,
                c.salt
            )
        );
        bytes memory signature = signPacked(_keys[s], _digest(id));

        address controller = registry.controllerOf(subject);
        bool expected = c.scopes != 0 && c.validUntil > c.validFrom && c.validUntil > block.timestamp
            && ghostGranter[id] == address(0) && !registry.isDeactivated(subject) && _owners[s] == controller;
        try consents.grant(c, signature) returns (bytes32 got) {
            if (!expected || got != id) ++ghostMispredictions;
            ghostGranter[id] = controller;
            ghostSubject[id] = subject;
            _granted.push(id);
            ++ghostSuccesses["grant"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["grant"];
        }
    }

    /// @dev A direct revocation by an owner (granter, current controller or neither) of a granted id, or of a fresh one.
    function revoke(uint256 idSeed, uint256 actorSeed) external {
        bytes32 id = _pick(idSeed);
        address actor = _owners[bound(actorSeed, 0, _owners.length - 1)];
        bool expected = _revocableBy(id, actor);
        vm.prank(actor);
        try consents.revoke(id) {
            if (!expected) ++ghostMispredictions;
            _markRevoked(id);
            ++ghostSuccesses["revoke"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["revoke"];
        }
    }

    /// @dev A signed revocation, submitted by the handler, signed by any owner, with a deadline that may have passed.
    function revokeSigned(uint256 idSeed, uint256 signerSeed, uint256 deadlineOffset) external {
        bytes32 id = _pick(idSeed);
        uint256 s = bound(signerSeed, 0, _owners.length - 1);
        uint256 deadline = block.timestamp - 1 hours + bound(deadlineOffset, 0, 4 hours);
        bytes32 structHash = keccak256(abi.encode(consents.REVOCATION_TYPEHASH(), id, deadline));
        bytes memory signature = signPacked(_keys[s], _digest(structHash));
        bool expected = deadline >= block.timestamp && _revocableBy(id, _owners[s]);
        try consents.revokeSigned(id, deadline, signature) {
            if (!expected) ++ghostMispredictions;
            _markRevoked(id);
            ++ghostSuccesses["revokeSigned"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["revokeSigned"];
        }
    }

    /// @dev The current owner sells the vehicle to another owner (or back); refused once scrapped.
    function sell(uint256 vehicleSeed, uint256 buyerSeed) external {
        bytes32 vehicle = _vehicles[bound(vehicleSeed, 0, _vehicles.length - 1)];
        address buyer = _owners[bound(buyerSeed, 0, _owners.length - 1)];
        address seller = registry.controllerOf(vehicle);
        bool expected = !registry.isDeactivated(vehicle);
        vm.prank(seller);
        try lifecycle.transfer(vehicle, buyer) {
            if (!expected) ++ghostMispredictions;
            ++ghostSuccesses["sell"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["sell"];
        }
    }

    /// @dev A regulator scraps a vehicle (rarely: one call in 8 goes through).
    function scrap(uint256 vehicleSeed, uint256 chance) external {
        if (chance % 8 != 0) return;
        bytes32 vehicle = _vehicles[bound(vehicleSeed, 0, _vehicles.length - 1)];
        if (registry.isDeactivated(vehicle)) return;
        vm.prank(regulator);
        lifecycle.scrap(vehicle);
        ++ghostSuccesses["scrap"];
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 3 days));
    }

    // ------------------------------------------------------------ model

    function _revocableBy(bytes32 id, address actor) internal view returns (bool) {
        address granter = ghostGranter[id];
        if (granter == address(0) || ghostRevoked[id]) return false;
        return actor == granter || actor == registry.controllerOf(ghostSubject[id]);
    }

    function _markRevoked(bytes32 id) internal {
        if (ghostRevoked[id]) ++ghostMispredictions; // revoked twice
        ghostRevoked[id] = true;
        _revoked.push(id);
    }

    /// @dev A granted id most of the time, otherwise one that was never granted.
    function _pick(uint256 seed) internal view returns (bytes32) {
        if (_granted.length == 0 || seed % 5 == 0) return keccak256(abi.encode("never granted", seed % 3));
        return _granted[bound(seed, 0, _granted.length - 1)];
    }

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", consents.domainSeparator(), structHash));
    }
}
