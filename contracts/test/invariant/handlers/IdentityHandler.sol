// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../../utils/Test.sol";
import {Vm} from "../../utils/Vm.sol";
import {DIDLogs} from "../../identity/DIDLogs.sol";
import {DIDRegistry} from "../../../src/identity/DIDRegistry.sol";
import {IDIDRegistry} from "../../../src/identity/IDIDRegistry.sol";
import {VehicleLifecycle} from "../../../src/identity/VehicleLifecycle.sol";
import {IVehicleLifecycle} from "../../../src/identity/IVehicleLifecycle.sol";

/// @notice Drives the DIDRegistry and VehicleLifecycle with random actors (OEM, regulator, insurer, owners) over a
///         small pool of ids: vehicle ids (VIN HMACs, the only ids `produce` is given) followed by every id `create`
///         can derive from an actor and a salt of the salt pool. Lifecycle steps, direct and signed registry
///         changes, and attempts that must fail (direct controller changes of vehicles, lifecycle-only calls, Vehicle
///         DIDs created outside the lifecycle, a front-runner taking a vehicle id with `createVehicle`).
///         Blocks advance by 0-2 between calls, so some changes share a block.
/// @dev After every successful call it reads the call's logs as a resolver would: each registry event's
///      `previousChange` must be the block of the id's previous event (ghost), and a DIDControllerChanged of a
///      Vehicle DID must come with a VehicleTransferred to the same account in the same call. Reverted calls' logs are
///      drained and ignored.
contract IdentityHandler is Base {
    DIDRegistry public immutable registry;
    VehicleLifecycle public immutable lifecycle;

    address[] internal _actors;
    uint256[] internal _keys;
    bytes32[] internal _salts;
    /// @dev The vehicle ids first (`vehicleIdCount` of them), then keccak256(abi.encode(actor, salt)) for each actor
    ///      and salt.
    bytes32[] internal _ids;
    uint256 public immutable vehicleIdCount;

    /// @dev Ghost: block of the latest registry event seen for an id.
    mapping(bytes32 id => uint256) public ghostLastEventBlock;
    /// @dev Ghost: the controller a vehicle must have, moved only by successful produce and transfers.
    mapping(bytes32 id => address) public ghostVehicleController;
    /// @dev Registry events whose previousChange was not the block of the id's previous event.
    uint256 public ghostBrokenLinks;
    /// @dev Controller changes of Vehicle DIDs not matched by a lifecycle transfer in the same call.
    uint256 public ghostUntrackedControllerChanges;
    /// @dev Successful `create` calls whose id was not keccak256(abi.encode(caller, salt)), or that made a Vehicle DID.
    uint256 public ghostBadCreates;
    /// @dev Successful calls per operation, to see that the run reached the interesting paths.
    mapping(bytes32 op => uint256) public ghostSuccesses;

    constructor(
        DIDRegistry registry_,
        VehicleLifecycle lifecycle_,
        address[] memory actors,
        uint256[] memory keys,
        bytes32[] memory vehicleIds,
        bytes32[] memory salts
    ) {
        registry = registry_;
        lifecycle = lifecycle_;
        _actors = actors;
        _keys = keys;
        _salts = salts;
        _ids = vehicleIds;
        vehicleIdCount = vehicleIds.length;
        for (uint256 a; a < actors.length; ++a) {
            for (uint256 s; s < salts.length; ++s) {
                _ids.push(keccak256(abi.encode(actors[a], salts[s])));
            }
        }
    }

    function idCount() external view returns (uint256) {
        return _ids.length;
    }

    function idAt(uint256 i) external view returns (bytes32) {
        return _ids[i];
    }

    // ------------------------------------------------------------ lifecycle

    function produce(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _ids[idSeed % vehicleIdCount];
        address actor = _actorOr(actorSeed, _actors[0]);
        _start(blockSeed);
        vm.prank(actor);
        try lifecycle.produce(id, keccak256(abi.encode(idSeed))) {
            ghostVehicleController[id] = actor;
            _finish("produce");
        } catch {
            _discard();
        }
    }

    function register(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, _actors[1]);
        _start(blockSeed);
        vm.prank(actor);
        try lifecycle.register(id, keccak256(abi.encode(idSeed))) {
            _finish("register");
        } catch {
            _discard();
        }
    }

    function transfer(uint256 actorSeed, uint256 idSeed, uint256 toSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, registry.controllerOf(id));
        address to = _actor(toSeed);
        _start(blockSeed);
        vm.prank(actor);
        try lifecycle.transfer(id, to) {
            ghostVehicleController[id] = to;
            _finish("transfer");
        } catch {
            _discard();
        }
    }

    function transferSigned(uint256 signerSeed, uint256 idSeed, uint256 toSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        uint256 key = _keyOr(signerSeed, registry.controllerOf(id));
        address to = _actor(toSeed);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash =
            keccak256(abi.encode(lifecycle.TRANSFER_TYPEHASH(), id, to, lifecycle.nonce(vm.addr(key)), deadline));
        bytes memory sig = signPacked(key, _digest(lifecycle.domainSeparator(), structHash));
        _start(blockSeed);
        try lifecycle.transferSigned(id, to, deadline, sig) {
            ghostVehicleController[id] = to;
            _finish("transferSigned");
        } catch {
            _discard();
        }
    }

    function recordAccident(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, _actors[2]);
        _start(blockSeed);
        vm.prank(actor);
        try lifecycle.recordAccident(id, keccak256(abi.encode(blockSeed))) {
            _finish("recordAccident");
        } catch {
            _discard();
        }
    }

    function scrap(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        // Scrapping ends a vehicle's story; keep it rarer than the other steps so transfers get exercised.
        if (actorSeed % 4 != 0) return;
        address actor = _actorOr(actorSeed >> 2, registry.controllerOf(id));
        _start(blockSeed);
        vm.prank(actor);
        try lifecycle.scrap(id) {
            _finish("scrap");
        } catch {
            _discard();
        }
    }

    // ------------------------------------------------------------ registry, direct

    function create(uint256 actorSeed, uint256 saltSeed, uint256 typeSeed, uint256 blockSeed) external {
        bytes32 salt = _salts[saltSeed % _salts.length];
        address actor = _actor(actorSeed);
        // Vehicle included: it must always fail.
        IDIDRegistry.SubjectType t = IDIDRegistry.SubjectType(bound(typeSeed, 1, 4));
        _start(blockSeed);
        vm.prank(actor);
        try registry.create(salt, actor, t) returns (bytes32 id) {
            if (id != keccak256(abi.encode(actor, salt)) || t == IDIDRegistry.SubjectType.Vehicle) ++ghostBadCreates;
            _finish("create");
        } catch {
            _discard();
        }
    }

    /// @dev Always reverts: the front-runner's move, a DID with a chosen id (a pending vehicle's) through the
    ///      lifecycle-only `createVehicle`.
    function createVehicle(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actor(actorSeed);
        _start(blockSeed);
        vm.prank(actor);
        try registry.createVehicle(id, actor) {
            _finish("createVehicle");
        } catch {
            _discard();
        }
    }

    function changeController(uint256 actorSeed, uint256 idSeed, uint256 toSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, registry.controllerOf(id));
        address to = _actor(toSeed);
        _start(blockSeed);
        vm.prank(actor);
        try registry.changeController(id, to) {
            _finish("changeController");
        } catch {
            _discard();
        }
    }

    function changeControllerSigned(uint256 signerSeed, uint256 idSeed, uint256 toSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        uint256 key = _keyOr(signerSeed, registry.controllerOf(id));
        address to = _actor(toSeed);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(registry.CHANGE_CONTROLLER_TYPEHASH(), id, to, registry.nonce(vm.addr(key)), deadline)
        );
        bytes memory sig = signPacked(key, _digest(registry.domainSeparator(), structHash));
        _start(blockSeed);
        try registry.changeControllerSigned(id, to, deadline, sig) {
            _finish("changeControllerSigned");
        } catch {
            _discard();
        }
    }

    /// @dev Always reverts: only the lifecycle contract may call it.
    function lifecycleSetController(uint256 actorSeed, uint256 idSeed, uint256 toSeed) external {
        bytes32 id = _id(idSeed);
        _start(0);
        vm.prank(_actor(actorSeed));
        try registry.lifecycleSetController(id, _actor(toSeed)) {
            _finish("lifecycleSetController");
        } catch {
            _discard();
        }
    }

    function setAttribute(uint256 actorSeed, uint256 idSeed, bool revoke, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, registry.controllerOf(id));
        bytes memory value = abi.encode(blockSeed);
        _start(blockSeed);
        vm.prank(actor);
        if (revoke) {
            try registry.revokeAttribute(id, "amc/vm/P256/assertionMethod", value) {
                _finish("revokeAttribute");
            } catch {
                _discard();
            }
        } else {
            try registry.setAttribute(id, "amc/vm/P256/assertionMethod", value, 1 days) {
                _finish("setAttribute");
            } catch {
                _discard();
            }
        }
    }

    function delegate(uint256 actorSeed, uint256 idSeed, uint256 delegateSeed, bool revoke, uint256 blockSeed)
        external
    {
        bytes32 id = _id(idSeed);
        address actor = _actorOr(actorSeed, registry.controllerOf(id));
        address d = _actor(delegateSeed);
        _start(blockSeed);
        vm.prank(actor);
        if (revoke) {
            try registry.revokeDelegate(id, "amc/delegate/sigAuth", d) {
                _finish("revokeDelegate");
            } catch {
                _discard();
            }
        } else {
            try registry.addDelegate(id, "amc/delegate/sigAuth", d, 1 days) {
                _finish("addDelegate");
            } catch {
                _discard();
            }
        }
    }

    function deactivate(uint256 actorSeed, uint256 idSeed, uint256 blockSeed) external {
        bytes32 id = _id(idSeed);
        if (actorSeed % 4 != 0) return;
        address actor = _actorOr(actorSeed >> 2, registry.controllerOf(id));
        _start(blockSeed);
        vm.prank(actor);
        try registry.deactivate(id) {
            _finish("deactivate");
        } catch {
            _discard();
        }
    }

    // ------------------------------------------------------------ internals

    function _id(uint256 seed) internal view returns (bytes32) {
        return _ids[seed % _ids.length];
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev Two times in three the preferred account (so calls mostly succeed), else a random actor.
    function _actorOr(uint256 seed, address preferred) internal view returns (address) {
        if (seed % 3 != 0 && preferred != address(0)) return preferred;
        return _actor(seed / 3);
    }

    /// @dev The key of the preferred signer when it is an actor, two times in three; else a random actor's key.
    function _keyOr(uint256 seed, address preferred) internal view returns (uint256) {
        if (seed % 3 != 0) {
            for (uint256 i; i < _actors.length; ++i) {
                if (_actors[i] == preferred) return _keys[i];
            }
        }
        return _keys[(seed / 3) % _keys.length];
    }

    function _digest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _start(uint256 blockSeed) internal {
        vm.roll(block.number + blockSeed % 3);
        vm.recordLogs();
    }

    function _discard() internal {
        vm.getRecordedLogs();
    }

    /// @dev Checks the successful call's logs against the ghosts and advances them.
    function _finish(bytes32 op) internal {
        ++ghostSuccesses[op];
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            (bool isChange, bytes32 id, uint256 previousChange) = DIDLogs.parse(logs[i], address(registry));
            if (!isChange) continue;
            if (previousChange != ghostLastEventBlock[id]) ++ghostBrokenLinks;
            ghostLastEventBlock[id] = block.number;
            if (
                logs[i].topics[0] == IDIDRegistry.DIDControllerChanged.selector
                    && registry.subjectTypeOf(id) == IDIDRegistry.SubjectType.Vehicle
            ) {
                (address newController,) = abi.decode(logs[i].data, (address, uint256));
                if (!_transferredTo(logs, id, newController)) ++ghostUntrackedControllerChanges;
            }
        }
    }

    function _transferredTo(Vm.Log[] memory logs, bytes32 id, address to) internal view returns (bool) {
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(lifecycle)
                    && logs[i].topics[0] == IVehicleLifecycle.VehicleTransferred.selector && logs[i].topics[1] == id
                    && logs[i].topics[3] == bytes32(uint256(uint160(to)))
            ) return true;
        }
        return false;
    }
}
