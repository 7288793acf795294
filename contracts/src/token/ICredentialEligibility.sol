// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRewardEligibility} from "./IRewardEligibility.sol";

/// @title ICredentialEligibility
/// @notice The MiningPool's eligibility hook on main: an account may claim mining rewards if, as far as the chain
///         knows, it holds a valid member or vehicle credential.
///         - Member credentials are issued to consortium members and end with membership: every member
///           (`IConsortium.isMember`) is eligible.
///         - Vehicle credentials belong to a vehicle's current owner: an account binds the Vehicle DIDs it controls
///           (`bindVehicle`, at most `MAX_VEHICLES`), and is eligible while at least one of them is still controlled
///           by it, not deactivated, and Produced or Registered in the VehicleLifecycle. This is checked live at
///           every `isEligible`, so a vehicle sold, scrapped or deactivated stops counting without any update here;
///           the new owner binds it again.
///         `isEligible(account)` (from IRewardEligibility) is true for a member, or for the live owner of an active
///         bound vehicle.
/// @dev Bindings are per account: a sold vehicle stays in the seller's list (counting for nothing) until the seller
///      unbinds it, and the buyer's binding is independent of it.
interface ICredentialEligibility is IRewardEligibility {
    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error CredentialEligibilityNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error CredentialEligibilityAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error CredentialEligibilityZeroAddress();
    /// @notice `bindVehicle` was called before `initialize`.
    error CredentialEligibilityNotInitialized();
    /// @notice The DID is not a Vehicle DID (or does not exist).
    error CredentialEligibilityNotVehicle(bytes32 id);
    /// @notice The caller is not the current controller of the vehicle's DID.
    error CredentialEligibilityNotController(bytes32 id, address caller);
    /// @notice The vehicle's DID is deactivated, or its lifecycle state is neither Produced nor Registered.
    error CredentialEligibilityVehicleInactive(bytes32 id);
    /// @notice The account already bound this vehicle.
    error CredentialEligibilityAlreadyBound(address account, bytes32 id);
    /// @notice The account already bound `max` vehicles: unbind one first.
    error CredentialEligibilityTooManyVehicles(address account, uint256 max);
    /// @notice The account has not bound this vehicle.
    error CredentialEligibilityNotBound(address account, bytes32 id);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium, address indexed registry, address indexed lifecycle);
    /// @notice `account` bound the vehicle DID `id`.
    event VehicleBound(address indexed account, bytes32 indexed id);
    /// @notice `account` unbound the vehicle DID `id`.
    event VehicleUnbound(address indexed account, bytes32 indexed id);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice Sets the Consortium, the DIDRegistry and the VehicleLifecycle. Once, by the initializer.
    function initialize(address consortium_, address registry_, address lifecycle_) external;

    /// @notice Binds the vehicle DID `id` to the caller, who must be its current controller; the DID must be a
    ///         Vehicle DID, not deactivated, in state Produced or Registered, not yet bound by the caller, and the
    ///         caller must have fewer than `MAX_VEHICLES` bound.
    function bindVehicle(bytes32 id) external;

    /// @notice Removes `id` from the caller's bound vehicles (whatever has become of the vehicle).
    function unbindVehicle(bytes32 id) external;

    /// @notice The vehicle DIDs bound by `account` (including ones that no longer count), in no particular order.
    function vehiclesOf(address account) external view returns (bytes32[] memory);

    /// @notice The most vehicles one account may bind (8).
    function MAX_VEHICLES() external view returns (uint256);

    /// @notice The Consortium (members).
    function consortium() external view returns (address);

    /// @notice The DIDRegistry (controllers, subject types, deactivation).
    function registry() external view returns (address);

    /// @notice The VehicleLifecycle (vehicle states).
    function lifecycle() external view returns (address);
}
