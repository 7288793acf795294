// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IEventLedger
/// @notice On every edge chain, the road events (hazards, accidents) that an RSU confirmed from the reports of several
///         vehicles: ETSI cause and sub-cause codes, position, when the event was first seen and when it was
///         confirmed, how many vehicles reported it and the Merkle root of their reports. Spec: docs/edge.md, section
///         "EventLedger".
/// @dev Latitude and longitude are in 1e-7 degrees (ETSI ITS), times in Unix milliseconds. Anyone may record; the
///      record keeps `msg.sender` as its submitter and the RSU's DID, so readers judge an event by who confirmed it.
///      An event id is recorded at most once.
interface IEventLedger {
    /// @notice A confirmed event.
    /// @param causeCode ETSI DENM cause code.
    /// @param subCauseCode ETSI DENM sub-cause code.
    /// @param latitude Latitude in 1e-7 degrees.
    /// @param longitude Longitude in 1e-7 degrees.
    /// @param firstSeen Time of the first report (Unix ms).
    /// @param confirmedAt Time the RSU confirmed the event (Unix ms).
    /// @param reporters Number of distinct vehicles that reported it (>= minReporters()).
    /// @param reportsRoot Merkle root of the reports behind the confirmation.
    /// @param rsuDid The confirming RSU's DID (32-byte id).
    /// @param submitter The account that recorded the event (set by the contract: `msg.sender` of `record`).
    struct ConfirmedEvent {
        uint16 causeCode;
        uint16 subCauseCode;
        int32 latitude;
        int32 longitude;
        uint64 firstSeen;
        uint64 confirmedAt;
        uint16 reporters;
        bytes32 reportsRoot;
        bytes32 rsuDid;
        address submitter;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error EventLedgerNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error EventLedgerAlreadyInitialized();
    /// @notice `initialize` got a minimum below 2: an event needs corroboration.
    error EventLedgerInvalidMinReporters(uint16 minReporters);
    /// @notice `record` was called before `initialize`.
    error EventLedgerNotInitialized();
    /// @notice An event with this id is already recorded.
    error EventLedgerAlreadyRecorded(bytes32 eventId);
    /// @notice The event has fewer reporters than the minimum.
    error EventLedgerTooFewReporters(uint16 reporters, uint16 minimum);
    /// @notice No event with this id is recorded.
    error EventLedgerUnknownEvent(bytes32 eventId);

    /// @notice Emitted once, by `initialize`.
    event Initialized(uint16 minReporters);
    /// @notice Event `eventId` was recorded by `submitter`.
    event EventConfirmed(
        bytes32 indexed eventId,
        uint16 causeCode,
        uint16 subCauseCode,
        int32 latitude,
        int32 longitude,
        uint64 firstSeen,
        uint64 confirmedAt,
        uint16 reporters,
        bytes32 reportsRoot,
        bytes32 rsuDid,
        address indexed submitter
    );

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param minReporters The fewest reporters a confirmed event may have (at least 2).
    function initialize(uint16 minReporters) external;

    /// @notice Records a confirmed event under `eventId`.
    /// @dev Reverts with EventLedgerAlreadyRecorded for a known id and EventLedgerTooFewReporters below the minimum.
    /// @param eventId The event's id (chosen by the RSU; unique).
    /// @param e The event; `e.submitter` is ignored and `msg.sender` stored instead.
    function record(bytes32 eventId, ConfirmedEvent calldata e) external;

    /// @notice The event recorded under `eventId` (reverts with EventLedgerUnknownEvent when there is none).
    function eventOf(bytes32 eventId) external view returns (ConfirmedEvent memory);

    /// @notice Whether an event is recorded under `eventId`.
    function isRecorded(bytes32 eventId) external view returns (bool);

    /// @notice Number of events recorded.
    function eventCount() external view returns (uint256);

    /// @notice The fewest reporters a confirmed event may have; set by `initialize`, at least 2 (0 before).
    function minReporters() external view returns (uint16);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);
}
