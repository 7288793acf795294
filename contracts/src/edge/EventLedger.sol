// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IEventLedger} from "./IEventLedger.sol";

/// @title EventLedger
/// @notice The confirmed road events of an edge chain (see IEventLedger and docs/edge.md).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code (same address on every
///      chain). An event takes four slots, the least its 114 bytes allow; the reporter minimum and the event count
///      share one slot, so `record` reads and writes it once.
contract EventLedger is IEventLedger {
    /// @inheritdoc IEventLedger
    address public immutable initializer;

    /// @inheritdoc IEventLedger
    uint16 public minReporters;
    /// @dev Behind `eventCount()`; one event per call, so 64 bits never run out.
    uint64 private _eventCount;

    /// @dev `reporters != 0` marks a recorded event (the minimum is at least 2).
    mapping(bytes32 eventId => ConfirmedEvent) private _events;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IEventLedger
    function initialize(uint16 minReporters_) external {
        if (msg.sender != initializer) revert EventLedgerNotInitializer(msg.sender);
        if (minReporters != 0) revert EventLedgerAlreadyInitialized();
        // One vehicle's say-so is not a confirmation.
        if (minReporters_ < 2) revert EventLedgerInvalidMinReporters(minReporters_);
        minReporters = minReporters_;
        emit Initialized(minReporters_);
    }

    /// @inheritdoc IEventLedger
    function record(bytes32 eventId, ConfirmedEvent calldata e) external {
        uint16 minimum = minReporters;
        if (minimum == 0) revert EventLedgerNotInitialized();
        ConfirmedEvent storage stored = _events[eventId];
        if (stored.reporters != 0) revert EventLedgerAlreadyRecorded(eventId);
        if (e.reporters < minimum) revert EventLedgerTooFewReporters(e.reporters, minimum);

        stored.causeCode = e.causeCode;
        stored.subCauseCode = e.subCauseCode;
        stored.latitude = e.latitude;
        stored.longitude = e.longitude;
        stored.firstSeen = e.firstSeen;
        stored.confirmedAt = e.confirmedAt;
        stored.reporters = e.reporters;
        stored.reportsRoot = e.reportsRoot;
        stored.rsuDid = e.rsuDid;
        stored.submitter = msg.sender;
        ++_eventCount;
        emit EventConfirmed(
            eventId,
            e.causeCode,
            e.subCauseCode,
            e.latitude,
            e.longitude,
            e.firstSeen,
            e.confirmedAt,
            e.reporters,
            e.reportsRoot,
            e.rsuDid,
            msg.sender
        );
    }

    /// @inheritdoc IEventLedger
    function eventOf(bytes32 eventId) external view returns (ConfirmedEvent memory) {
        ConfirmedEvent storage stored = _events[eventId];
        if (stored.reporters == 0) revert EventLedgerUnknownEvent(eventId);
        return stored;
    }

    /// @inheritdoc IEventLedger
    function isRecorded(bytes32 eventId) external view returns (bool) {
        return _events[eventId].reporters != 0;
    }

    /// @inheritdoc IEventLedger
    function eventCount() external view returns (uint256) {
        return _eventCount;
    }
}
