// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ICredentialEligibility} from "./ICredentialEligibility.sol";
import {IRewardEligibility} from "./IRewardEligibility.sol";
import {IConsortium} from "../governance/IConsortium.sol";
import {IDIDRegistry} from "../identity/IDIDRegistry.sol";
import {IVehicleLifecycle} from "../identity/IVehicleLifecycle.sol";

/// @title CredentialEligibility
/// @notice Who may claim mining rewards on main: consortium members and owners of active vehicles they bound (see
///         ICredentialEligibility).
/// @dev Only the list of bound ids is stored; ownership, deactivation and lifecycle state are read live from the
///      identity contracts at every check, so a sale or scrapping needs no update here. The list is capped at
///      `MAX_VEHICLES` so `isEligible`, which the MiningPool calls at every claim, stays bounded (at most 3 reads per
///      vehicle).
contract CredentialEligibility is ICredentialEligibility {
    /// @inheritdoc ICredentialEligibility
    uint256 public constant MAX_VEHICLES = 8;

    /// @inheritdoc ICredentialEligibility
    address public immutable initializer;

    /// @inheritdoc ICredentialEligibility
    address public consortium;
    /// @inheritdoc ICredentialEligibility
    address public registry;
    /// @inheritdoc ICredentialEligibility
    address public lifecycle;

    mapping(address account => bytes32[]) private _vehicles;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc ICredentialEligibility
    function initialize(address consortium_, address registry_, address lifecycle_) external {
        if (msg.sender != initializer) revert CredentialEligibilityNotInitializer(msg.sender);
        if (consortium != address(0)) revert CredentialEligibilityAlreadyInitialized();
        if (consortium_ == address(0) || registry_ == address(0) || lifecycle_ == address(0)) {
            revert CredentialEligibilityZeroAddress();
        }
        consortium = consortium_;
        registry = registry_;
        lifecycle = lifecycle_;
        emit Initialized(consortium_, registry_, lifecycle_);
    }

    /// @inheritdoc ICredentialEligibility
    function bindVehicle(bytes32 id) external {
        address registry_ = registry;
        if (registry_ == address(0)) revert CredentialEligibilityNotInitialized();
        IDIDRegistry r = IDIDRegistry(registry_);
        if (r.subjectTypeOf(id) != IDIDRegistry.SubjectType.Vehicle) revert CredentialEligibilityNotVehicle(id);
        if (r.controllerOf(id) != msg.sender) revert CredentialEligibilityNotController(id, msg.sender);
        if (!_active(r, id)) revert CredentialEligibilityVehicleInactive(id);
        bytes32[] storage list = _vehicles[msg.sender];
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            if (list[i] == id) revert CredentialEligibilityAlreadyBound(msg.sender, id);
        }
        if (n == MAX_VEHICLES) revert CredentialEligibilityTooManyVehicles(msg.sender, MAX_VEHICLES);
        list.push(id);
        emit VehicleBound(msg.sender, id);
    }

    /// @inheritdoc ICredentialEligibility
    function unbindVehicle(bytes32 id) external {
        bytes32[] storage list = _vehicles[msg.sender];
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            if (list[i] == id) {
                list[i] = list[n - 1];
                list.pop();
                emit VehicleUnbound(msg.sender, id);
                return;
            }
        }
        revert CredentialEligibilityNotBound(msg.sender, id);
    }

    /// @inheritdoc IRewardEligibility
    function isEligible(address account) external view returns (bool) {
        address consortium_ = consortium;
        if (consortium_ == address(0)) return false;
        if (IConsortium(consortium_).isMember(account)) return true;
        IDIDRegistry r = IDIDRegistry(registry);
        bytes32[] storage list = _vehicles[account];
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            bytes32 id = list[i];
            if (r.controllerOf(id) == account && _active(r, id)) return true;
        }
        return false;
    }

    /// @inheritdoc ICredentialEligibility
    function vehiclesOf(address account) external view returns (bytes32[] memory) {
        return _vehicles[account];
    }

    /// @dev Not deactivated, and Produced or Registered (a scrapped vehicle is also deactivated; both are checked so
    ///      neither contract alone has to be right).
    function _active(IDIDRegistry r, bytes32 id) private view returns (bool) {
        if (r.isDeactivated(id)) return false;
        IVehicleLifecycle.VehicleState s = IVehicleLifecycle(lifecycle).stateOf(id);
        return s == IVehicleLifecycle.VehicleState.Produced || s == IVehicleLifecycle.VehicleState.Registered;
    }
}
