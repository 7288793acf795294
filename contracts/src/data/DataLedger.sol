// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IDataLedger} from "./IDataLedger.sol";
import {IConsortium} from "../governance/IConsortium.sol";

/// @title DataLedger
/// @notice Salted hashes of vault objects, their erasure, disclosure-log roots and breach incidents, written by
///         consortium members (see IDataLedger).
/// @dev Deployed through the CREATE2 factory with only the initializer in its init code. Registration is the hot path
///      (a vault registers every object it stores), so an object costs four fresh slots and nothing more: subject,
///      salted hash, region, and one packed slot (custodian, class, registration and retention times); its erasure
///      lives in a separate mapping written only when it happens. A batch checks membership once.
contract DataLedger is IDataLedger {
    /// @dev An object's bookkeeping; the first four fields share one slot.
    struct StoredObject {
        address custodian;
        uint8 dataClass;
        uint40 registeredAt;
        uint40 retainUntil;
        bytes32 subject;
        bytes32 saltedHash;
        bytes32 region;
    }

    /// @dev An erasure; `at > 0` marks an erased object.
    struct Erasure {
        uint40 at;
        uint8 reason;
    }

    /// @dev A custodian's position in its disclosure log; one slot.
    struct Cursor {
        uint64 nextSeq;
        uint64 count;
    }

    /// @dev A disclosure anchor: the root, then the range and time sharing one slot.
    struct StoredDisclosure {
        bytes32 root;
        uint64 fromSeq;
        uint64 toSeq;
        uint40 anchoredAt;
    }

    /// @dev An incident: reporter, count and detection time share one slot (`detectedAt <= now` fits 40 bits).
    struct StoredIncident {
        address reporter;
        uint32 affectedCount;
        uint40 detectedAt;
        bytes32 detailsHash;
        bytes32 affectedRoot;
    }

    /// @dev Highest data class: 0 general, 1 personal, 2 sensitive personal, 3 important.
    uint8 private constant MAX_DATA_CLASS = 3;
    /// @dev Highest erasure reason: 0 owner request, 1 retention expiry, 2 legal order.
    uint8 private constant MAX_ERASURE_REASON = 2;

    /// @inheritdoc IDataLedger
    address public immutable initializer;

    /// @inheritdoc IDataLedger
    address public consortium;

    mapping(bytes32 objectId => StoredObject) private _objects;
    mapping(bytes32 objectId => Erasure) private _erasures;
    mapping(address custodian => Cursor) private _cursors;
    mapping(address custodian => mapping(uint256 index => StoredDisclosure)) private _disclosures;
    mapping(bytes32 incidentId => StoredIncident) private _incidents;

    modifier onlyMember() {
        _onlyMember();
        _;
    }

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) {
        initializer = initializer_;
    }

    /// @inheritdoc IDataLedger
    function initialize(address consortium_) external {
        if (msg.sender != initializer) revert DataLedgerNotInitializer(msg.sender);
        if (consortium != address(0)) revert DataLedgerAlreadyInitialized();
        if (consortium_ == address(0)) revert DataLedgerZeroAddress();
        consortium = consortium_;
        emit Initialized(consortium_);
    }

    // ---------------------------------------------------------------- objects

    /// @inheritdoc IDataLedger
    function registerObject(
        bytes32 objectId,
        bytes32 subject,
        bytes32 saltedHash,
        uint8 dataClass,
        bytes32 region,
        uint64 retainUntil
    ) external onlyMember {
        _register(objectId, subject, saltedHash, dataClass, region, retainUntil, _now());
    }

    /// @inheritdoc IDataLedger
    function registerObjects(ObjectInput[] calldata objects) external onlyMember {
        uint256 n = objects.length;
        if (n == 0) revert DataLedgerEmptyBatch();
        uint40 now_ = _now();
        for (uint256 i; i < n; ++i) {
            ObjectInput calldata o = objects[i];
            _register(o.objectId, o.subject, o.saltedHash, o.dataClass, o.region, o.retainUntil, now_);
        }
    }

    /// @inheritdoc IDataLedger
    function markErased(bytes32 objectId, uint8 reason) external {
        if (reason > MAX_ERASURE_REASON) revert DataLedgerInvalidErasureReason(reason);
        address custodian = _objects[objectId].custodian;
        if (custodian == address(0)) revert DataLedgerUnknownObject(objectId);
        // The custodian alone answers for its erasures, member or not any more (the duty outlives membership).
        if (msg.sender != custodian) revert DataLedgerNotCustodian(objectId, msg.sender);
        Erasure storage e = _erasures[objectId];
        if (e.at != 0) revert DataLedgerAlreadyErased(objectId, e.at);
        uint40 at = _now();
        e.at = at;
        e.reason = reason;
        emit ObjectErased(objectId, reason, at);
    }

    // ---------------------------------------------------------------- disclosures and incidents

    /// @inheritdoc IDataLedger
    function anchorDisclosures(bytes32 root, uint64 fromSeq, uint64 toSeq) external onlyMember returns (uint256 index) {
        if (root == bytes32(0)) revert DataLedgerZeroRoot();
        if (toSeq < fromSeq || toSeq == type(uint64).max) revert DataLedgerInvalidRange(fromSeq, toSeq);
        Cursor memory cursor = _cursors[msg.sender];
        if (fromSeq != cursor.nextSeq) revert DataLedgerSequenceGap(msg.sender, cursor.nextSeq, fromSeq);
        index = cursor.count;
        _disclosures[msg.sender][index] =
            StoredDisclosure({root: root, fromSeq: fromSeq, toSeq: toSeq, anchoredAt: _now()});
        // toSeq < 2^64 - 1 (checked above) and one anchor per call: neither field can overflow.
        _cursors[msg.sender] = Cursor({nextSeq: toSeq + 1, count: cursor.count + 1});
        emit DisclosureRootAnchored(msg.sender, index, root, fromSeq, toSeq);
    }

    /// @inheritdoc IDataLedger
    function recordIncident(
        bytes32 incidentId,
        bytes32 detailsHash,
        bytes32 affectedRoot,
        uint32 affectedCount,
        uint64 detectedAt
    ) external onlyMember {
        // Detection times are days to minutes before recording; a few seconds of leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (detectedAt > block.timestamp) revert DataLedgerDetectedInFuture(detectedAt, block.timestamp);
        StoredIncident storage s = _incidents[incidentId];
        if (s.reporter != address(0)) revert DataLedgerIncidentExists(incidentId);
        s.reporter = msg.sender;
        s.affectedCount = affectedCount;
        // forge-lint: disable-next-line(unsafe-typecast) detectedAt <= block.timestamp < 2^40 (checked above)
        s.detectedAt = uint40(detectedAt);
        s.detailsHash = detailsHash;
        s.affectedRoot = affectedRoot;
        emit IncidentRecorded(incidentId, msg.sender, detailsHash, affectedRoot, affectedCount, detectedAt);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDataLedger
    function object(bytes32 objectId) external view returns (DataObject memory o) {
        StoredObject storage s = _objects[objectId];
        Erasure storage e = _erasures[objectId];
        o.custodian = s.custodian;
        o.dataClass = s.dataClass;
        o.registeredAt = s.registeredAt;
        o.retainUntil = s.retainUntil;
        o.erasedAt = e.at;
        o.erasureReason = e.reason;
        o.subject = s.subject;
        o.saltedHash = s.saltedHash;
        o.region = s.region;
    }

    /// @inheritdoc IDataLedger
    function disclosureAnchor(address custodian, uint256 index) external view returns (DisclosureAnchor memory a) {
        StoredDisclosure storage s = _disclosures[custodian][index];
        a.root = s.root;
        a.fromSeq = s.fromSeq;
        a.toSeq = s.toSeq;
        a.anchoredAt = s.anchoredAt;
    }

    /// @inheritdoc IDataLedger
    function nextDisclosureSeq(address custodian) external view returns (uint64) {
        return _cursors[custodian].nextSeq;
    }

    /// @inheritdoc IDataLedger
    function disclosureAnchorCount(address custodian) external view returns (uint256) {
        return _cursors[custodian].count;
    }

    /// @inheritdoc IDataLedger
    function incident(bytes32 incidentId) external view returns (Incident memory i) {
        StoredIncident storage s = _incidents[incidentId];
        i.reporter = s.reporter;
        i.affectedCount = s.affectedCount;
        i.detectedAt = s.detectedAt;
        i.detailsHash = s.detailsHash;
        i.affectedRoot = s.affectedRoot;
    }

    // ---------------------------------------------------------------- internals

    function _onlyMember() private view {
        address c = consortium;
        if (c == address(0)) revert DataLedgerNotInitialized();
        if (!IConsortium(c).isMember(msg.sender)) revert DataLedgerNotMember(msg.sender);
    }

    function _register(
        bytes32 objectId,
        bytes32 subject,
        bytes32 saltedHash,
        uint8 dataClass,
        bytes32 region,
        uint64 retainUntil,
        uint40 now_
    ) private {
        if (dataClass > MAX_DATA_CLASS) revert DataLedgerInvalidDataClass(objectId, dataClass);
        if (saltedHash == bytes32(0)) revert DataLedgerZeroHash(objectId);
        StoredObject storage s = _objects[objectId];
        if (s.custodian != address(0)) revert DataLedgerObjectExists(objectId);
        _objects[objectId] = StoredObject({
            custodian: msg.sender,
            dataClass: dataClass,
            registeredAt: now_,
            // forge-lint: disable-next-line(unsafe-typecast) saturated on the same line
            retainUntil: retainUntil > type(uint40).max ? type(uint40).max : uint40(retainUntil),
            subject: subject,
            saltedHash: saltedHash,
            region: region
        });
        emit ObjectRegistered(objectId, subject, saltedHash, dataClass, region, retainUntil, msg.sender);
    }

    /// @dev The block time in 40 bits: enough until the year 36812.
    function _now() private view returns (uint40) {
        // forge-lint: disable-next-line(unsafe-typecast) block times stay far below 2^40
        return uint40(block.timestamp);
    }
}
