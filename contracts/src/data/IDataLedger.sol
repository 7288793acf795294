// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IDataLedger
/// @notice The main chain's compliance ledger of the data vaults that consortium members ("custodians") run: one
///         record per stored object (its salted hash, whose data it is, its class, where it is kept and until when),
///         the erasure of objects, the Merkle roots of each custodian's disclosure log, and data breach incidents.
///         The chain holds no data and no plain hash of data: `saltedHash` is `hash(salt ‖ object)` with a secret
///         salt per object, so nobody can confirm a guess of the content, yet the custodian can later prove that the
///         object it shows is the one registered (by revealing the salt).
/// @dev Writers are consortium members (`IConsortium.isMember`) at the time of writing. Records are never deleted:
///      an erased object keeps its record (the chain still proves it existed and when it was erased), an erasure is
///      final, and a custodian's disclosure log is anchored as a gapless sequence of entry numbers 0, 1, 2, ...
///      Times are Unix seconds. Stored times take 40 bits (so an object's bookkeeping shares one slot); `retainUntil`
///      saturates at 2^40 - 1 (year 36812), which changes nothing for any block time below that.
///      Views return an all-zero record for an unknown key (custodian, root or reporter zero).
interface IDataLedger {
    /// @notice An object to register (`registerObjects`); the fields are those of `registerObject`.
    struct ObjectInput {
        bytes32 objectId;
        bytes32 subject;
        bytes32 saltedHash;
        uint8 dataClass;
        bytes32 region;
        uint64 retainUntil;
    }

    /// @notice What the ledger keeps of an object.
    /// @param custodian The member that registered it and keeps it (zero: unknown object).
    /// @param dataClass 0 general, 1 personal, 2 sensitive personal, 3 important data.
    /// @param registeredAt Block time of registration.
    /// @param retainUntil Unix seconds until which the custodian may keep it (saturated at 2^40 - 1; 0: not set).
    /// @param erasedAt Block time of the erasure (0: not erased).
    /// @param erasureReason 0 owner request, 1 retention expiry, 2 legal order (meaningful only when erased).
    /// @param subject DID id of whose data it is (zero if it concerns nobody in particular).
    /// @param saltedHash Hash of the object with its secret salt.
    /// @param region Where the object is stored, a short region code left-aligned (e.g. "CN-31").
    struct DataObject {
        address custodian;
        uint8 dataClass;
        uint64 registeredAt;
        uint64 retainUntil;
        uint64 erasedAt;
        uint8 erasureReason;
        bytes32 subject;
        bytes32 saltedHash;
        bytes32 region;
    }

    /// @notice An anchored stretch of a custodian's disclosure log.
    /// @param root Merkle root of the log entries `fromSeq..toSeq` (zero: no such anchor).
    /// @param fromSeq Number of the first entry covered.
    /// @param toSeq Number of the last entry covered (inclusive).
    /// @param anchoredAt Block time of anchoring.
    struct DisclosureAnchor {
        bytes32 root;
        uint64 fromSeq;
        uint64 toSeq;
        uint64 anchoredAt;
    }

    /// @notice A recorded data breach.
    /// @param reporter The member that recorded it (zero: unknown incident).
    /// @param affectedCount How many objects are affected.
    /// @param detectedAt Unix seconds of detection (not after the recording).
    /// @param detailsHash Hash of the incident report kept off chain.
    /// @param affectedRoot Merkle root of the affected object ids (zero if not given).
    struct Incident {
        address reporter;
        uint32 affectedCount;
        uint64 detectedAt;
        bytes32 detailsHash;
        bytes32 affectedRoot;
    }

    /// @notice The caller of `initialize` is not the initializer fixed at deployment.
    error DataLedgerNotInitializer(address caller);
    /// @notice `initialize` was already called.
    error DataLedgerAlreadyInitialized();
    /// @notice `initialize` got the zero address.
    error DataLedgerZeroAddress();
    /// @notice A member-only function was called before `initialize`.
    error DataLedgerNotInitialized();
    /// @notice The caller is not a consortium member.
    error DataLedgerNotMember(address account);
    /// @notice `dataClass` is not 0..3.
    error DataLedgerInvalidDataClass(bytes32 objectId, uint8 dataClass);
    /// @notice The salted hash is zero (it proves nothing).
    error DataLedgerZeroHash(bytes32 objectId);
    /// @notice An object with this id is already registered (possibly erased: ids are never reused).
    error DataLedgerObjectExists(bytes32 objectId);
    /// @notice `registerObjects` got an empty list.
    error DataLedgerEmptyBatch();
    /// @notice No object with this id is registered.
    error DataLedgerUnknownObject(bytes32 objectId);
    /// @notice The caller is not the object's custodian.
    error DataLedgerNotCustodian(bytes32 objectId, address caller);
    /// @notice The object was already erased, at `erasedAt`.
    error DataLedgerAlreadyErased(bytes32 objectId, uint64 erasedAt);
    /// @notice The erasure reason is not 0..2.
    error DataLedgerInvalidErasureReason(uint8 reason);
    /// @notice The disclosure root is zero.
    error DataLedgerZeroRoot();
    /// @notice `fromSeq` is not the custodian's next expected entry number `expected` (a gap or an overlap).
    error DataLedgerSequenceGap(address custodian, uint64 expected, uint64 fromSeq);
    /// @notice `toSeq` is below `fromSeq`, or is the largest uint64 (no entry could follow it).
    error DataLedgerInvalidRange(uint64 fromSeq, uint64 toSeq);
    /// @notice An incident with this id was already recorded.
    error DataLedgerIncidentExists(bytes32 incidentId);
    /// @notice `detectedAt` is after the block time `now`.
    error DataLedgerDetectedInFuture(uint64 detectedAt, uint256 now);

    /// @notice Emitted once, by `initialize`.
    event Initialized(address indexed consortium);
    /// @notice A custodian registered an object.
    /// @param objectId The vault's id of the object.
    /// @param subject DID id of whose data it is (zero if nobody in particular).
    /// @param saltedHash Hash of the object with its secret salt.
    /// @param dataClass 0 general, 1 personal, 2 sensitive personal, 3 important data.
    /// @param region Where it is stored (short region code, left-aligned).
    /// @param retainUntil Unix seconds until which it may be kept, as given (not saturated; 0: not set).
    /// @param custodian The member that registered it.
    event ObjectRegistered(
        bytes32 indexed objectId,
        bytes32 indexed subject,
        bytes32 saltedHash,
        uint8 dataClass,
        bytes32 region,
        uint64 retainUntil,
        address custodian
    );
    /// @notice The custodian erased the object's data; the record stays.
    /// @param objectId The erased object.
    /// @param reason 0 owner request, 1 retention expiry, 2 legal order.
    /// @param at Block time of the erasure (`erasedAt`).
    event ObjectErased(bytes32 indexed objectId, uint8 reason, uint64 at);
    /// @notice A custodian anchored a stretch of its disclosure log.
    /// @param custodian The member whose log it is.
    /// @param index The anchor's position among the custodian's anchors (0-based).
    /// @param root Merkle root of the entries `fromSeq..toSeq`.
    /// @param fromSeq Number of the first entry covered.
    /// @param toSeq Number of the last entry covered (inclusive).
    event DisclosureRootAnchored(
        address indexed custodian, uint256 indexed index, bytes32 root, uint64 fromSeq, uint64 toSeq
    );
    /// @notice A member recorded a data breach.
    /// @param incidentId The incident's id.
    /// @param reporter The member that recorded it.
    /// @param detailsHash Hash of the incident report kept off chain.
    /// @param affectedRoot Merkle root of the affected object ids (zero if not given).
    /// @param affectedCount How many objects are affected.
    /// @param detectedAt Unix seconds of detection.
    event IncidentRecorded(
        bytes32 indexed incidentId,
        address indexed reporter,
        bytes32 detailsHash,
        bytes32 affectedRoot,
        uint32 affectedCount,
        uint64 detectedAt
    );

    /// @notice One-shot setup, callable only by the initializer fixed at deployment.
    /// @param consortium The Consortium whose members are the custodians.
    function initialize(address consortium) external;

    /// @notice Registers an object kept by the caller (a member), once per id.
    /// @dev Checks, in this order: membership (DataLedgerNotMember), `dataClass <= 3` (DataLedgerInvalidDataClass),
    ///      a non-zero salted hash (DataLedgerZeroHash), an unused id (DataLedgerObjectExists).
    /// @param objectId The vault's id of the object (its content address, say); never reused.
    /// @param subject DID id of whose data it is (zero if it concerns nobody in particular).
    /// @param saltedHash Hash of the object with its secret salt, not zero.
    /// @param dataClass 0 general, 1 personal, 2 sensitive personal, 3 important data.
    /// @param region Where it is stored, a short region code left-aligned in 32 bytes (e.g. "CN-31").
    /// @param retainUntil Unix seconds until which it may be kept (0: not set).
    function registerObject(
        bytes32 objectId,
        bytes32 subject,
        bytes32 saltedHash,
        uint8 dataClass,
        bytes32 region,
        uint64 retainUntil
    ) external;

    /// @notice Registers several objects at once (one membership check for all): all or none, the first invalid
    ///         object reverts the call with the error `registerObject` would give (an id twice in the list included:
    ///         DataLedgerObjectExists). Reverts with DataLedgerEmptyBatch for an empty list.
    /// @param objects The objects, in the order their events are emitted.
    function registerObjects(ObjectInput[] calldata objects) external;

    /// @notice Records that the caller, the object's custodian, erased the object's data; final. The record and its
    ///         salted hash stay. A former member may still record erasures of the objects it registered.
    /// @dev Checks, in this order: the reason (DataLedgerInvalidErasureReason), the object exists
    ///      (DataLedgerUnknownObject), the caller is its custodian (DataLedgerNotCustodian), not yet erased
    ///      (DataLedgerAlreadyErased).
    /// @param objectId The erased object.
    /// @param reason 0 owner request, 1 retention expiry, 2 legal order.
    function markErased(bytes32 objectId, uint8 reason) external;

    /// @notice Anchors the Merkle root of the caller's (a member's) disclosure log entries `fromSeq..toSeq`. Each
    ///         custodian's anchors cover its entries 0, 1, 2, ... without gap or overlap: `fromSeq` must be
    ///         `nextDisclosureSeq(msg.sender)`, which becomes `toSeq + 1`.
    /// @dev Checks, in this order: membership (DataLedgerNotMember), a non-zero root (DataLedgerZeroRoot),
    ///      `fromSeq <= toSeq < 2^64 - 1` (DataLedgerInvalidRange), `fromSeq` the next entry (DataLedgerSequenceGap).
    /// @param root Merkle root of the log entries `fromSeq..toSeq` (not zero); the leaf format is the custodian's
    ///        (docs/data-sharing.md, "Disclosure log").
    /// @param fromSeq Number of the first entry covered: `nextDisclosureSeq(msg.sender)`.
    /// @param toSeq Number of the last entry covered (inclusive).
    /// @return index The anchor's position among the caller's anchors (0-based).
    function anchorDisclosures(bytes32 root, uint64 fromSeq, uint64 toSeq) external returns (uint256 index);

    /// @notice Records a data breach (a member only), once per id.
    /// @dev Checks, in this order: membership (DataLedgerNotMember), `detectedAt <= now` (DataLedgerDetectedInFuture),
    ///      an unused id (DataLedgerIncidentExists).
    /// @param incidentId The incident's id (e.g. the hash of the custodian's internal reference).
    /// @param detailsHash Hash of the incident report kept off chain.
    /// @param affectedRoot Merkle root of the affected object ids (zero if not given).
    /// @param affectedCount How many objects are affected.
    /// @param detectedAt Unix seconds of detection.
    function recordIncident(
        bytes32 incidentId,
        bytes32 detailsHash,
        bytes32 affectedRoot,
        uint32 affectedCount,
        uint64 detectedAt
    ) external;

    /// @notice What the ledger keeps of an object (custodian zero if unknown).
    function object(bytes32 objectId) external view returns (DataObject memory);

    /// @notice The anchor `index` of `custodian`'s disclosure log (root zero if there is none).
    function disclosureAnchor(address custodian, uint256 index) external view returns (DisclosureAnchor memory);

    /// @notice The entry number `custodian`'s next disclosure anchor must start at (0 before its first).
    function nextDisclosureSeq(address custodian) external view returns (uint64);

    /// @notice How many disclosure anchors `custodian` made.
    function disclosureAnchorCount(address custodian) external view returns (uint256);

    /// @notice A recorded incident (reporter zero if unknown).
    function incident(bytes32 incidentId) external view returns (Incident memory);

    /// @notice The account allowed to call `initialize`, fixed at deployment.
    function initializer() external view returns (address);

    /// @notice The Consortium given to `initialize`.
    function consortium() external view returns (address);
}
