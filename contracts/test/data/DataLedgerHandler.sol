// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {DataLedger} from "../../src/data/DataLedger.sol";
import {IDataLedger} from "../../src/data/IDataLedger.sol";

/// @notice Drives the DataLedger as vault custodians would, with an outsider among them: single and batched
///         registrations over a small pool of object ids (so ids repeat), erasures by the custodian or by someone
///         else with any reason, disclosure anchors that follow the sequence or leave a gap or overlap, and time
///         passing.
/// @dev Keeps its own model (custodian and erasure time of every object, each actor's anchored ranges) and predicts
///      before each call whether it must succeed; `ghostMispredictions` counts calls whose outcome differed.
contract DataLedgerHandler is Base {
    DataLedger public immutable ledger;

    uint256 public constant OBJECTS = 24;

    /// @dev The first `memberCount` actors are consortium members, the rest are not.
    address[] internal _actors;
    uint256 public immutable memberCount;

    mapping(bytes32 objectId => address) public ghostCustodian;
    mapping(bytes32 objectId => uint64) public ghostErasedAt;
    mapping(bytes32 objectId => uint8) public ghostErasureReason;
    mapping(uint256 actor => uint64) public ghostNextSeq;
    mapping(uint256 actor => uint256) public ghostAnchorCount;

    uint256 public ghostMispredictions;
    mapping(bytes32 op => uint256) public ghostSuccesses;
    mapping(bytes32 op => uint256) public ghostRefusals;

    constructor(DataLedger ledger_, address[] memory members, address[] memory outsiders) {
        ledger = ledger_;
        memberCount = members.length;
        for (uint256 i; i < members.length; ++i) {
            _actors.push(members[i]);
        }
        for (uint256 i; i < outsiders.length; ++i) {
            _actors.push(outsiders[i]);
        }
    }

    function actorCount() external view returns (uint256) {
        return _actors.length;
    }

    function actor(uint256 i) external view returns (address) {
        return _actors[i];
    }

    function objectAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("handler-object", i));
    }

    // ------------------------------------------------------------ actions

    function register(uint256 actorSeed, uint256 objectSeed, uint8 dataClass) external {
        uint256 a = bound(actorSeed, 0, _actors.length - 1);
        bytes32 id = objectAt(bound(objectSeed, 0, OBJECTS - 1));
        dataClass = uint8(bound(dataClass, 0, 4)); // 4 is invalid
        bool expected = a < memberCount && dataClass <= 3 && ghostCustodian[id] == address(0);
        vm.prank(_actors[a]);
        try ledger.registerObject(id, bytes32(a), keccak256(abi.encode(id)), dataClass, "CN-31", 0) {
            if (!expected) ++ghostMispredictions;
            ghostCustodian[id] = _actors[a];
            ++ghostSuccesses["register"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["register"];
        }
    }

    /// @dev Up to four consecutive ids of the pool (wrapping), all or none.
    function registerBatch(uint256 actorSeed, uint256 objectSeed, uint256 count) external {
        uint256 a = bound(actorSeed, 0, _actors.length - 1);
        uint256 first = bound(objectSeed, 0, OBJECTS - 1);
        count = bound(count, 0, 4);
        IDataLedger.ObjectInput[] memory objects = new IDataLedger.ObjectInput[](count);
        bool expected = a < memberCount && count > 0;
        for (uint256 i; i < count; ++i) {
            bytes32 id = objectAt((first + i) % OBJECTS);
            objects[i] = IDataLedger.ObjectInput({
                objectId: id,
                subject: bytes32(0),
                saltedHash: keccak256(abi.encode(id)),
                dataClass: 1,
                region: "CN-31",
                retainUntil: 0
            });
            // A batch wraps onto its own first id only when count > OBJECTS, which cannot happen here.
            if (ghostCustodian[id] != address(0)) expected = false;
        }
        vm.prank(_actors[a]);
        try ledger.registerObjects(objects) {
            if (!expected) ++ghostMispredictions;
            for (uint256 i; i < count; ++i) {
                ghostCustodian[objects[i].objectId] = _actors[a];
            }
            ++ghostSuccesses["registerBatch"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["registerBatch"];
        }
    }

    function markErased(uint256 actorSeed, uint256 objectSeed, uint8 reason) external {
        bytes32 id = objectAt(bound(objectSeed, 0, OBJECTS - 1));
        // Mostly the custodian, when there is one.
        address by = ghostCustodian[id] != address(0) && actorSeed % 4 != 0
            ? ghostCustodian[id]
            : _actors[bound(actorSeed, 0, _actors.length - 1)];
        reason = uint8(bound(reason, 0, 3)); // 3 is invalid
        bool expected =
            reason <= 2 && ghostCustodian[id] != address(0) && by == ghostCustodian[id] && ghostErasedAt[id] == 0;
        vm.prank(by);
        try ledger.markErased(id, reason) {
            if (!expected) ++ghostMispredictions;
            ghostErasedAt[id] = uint64(block.timestamp);
            ghostErasureReason[id] = reason;
            ++ghostSuccesses["markErased"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["markErased"];
        }
    }

    /// @dev Half the calls start at the expected entry; the others leave a gap or overlap, or invert the range.
    function anchor(uint256 actorSeed, uint256 mode, uint64 length) external {
        uint256 a = bound(actorSeed, 0, _actors.length - 1);
        uint64 fromSeq = ghostNextSeq[a];
        uint64 toSeq = fromSeq + uint64(bound(length, 0, 1000));
        uint256 rule = mode % 6;
        if (rule == 1) fromSeq += 1 + uint64((mode >> 3) % 5);
        else if (rule == 2 && fromSeq > 0) fromSeq -= 1;
        else if (rule == 3 && toSeq > 0) (fromSeq, toSeq) = (toSeq, toSeq - 1);
        bool expected = a < memberCount && fromSeq == ghostNextSeq[a] && toSeq >= fromSeq;
        bytes32 root = keccak256(abi.encode("root", a, fromSeq, toSeq));
        vm.prank(_actors[a]);
        try ledger.anchorDisclosures(root, fromSeq, toSeq) returns (uint256 index) {
            if (!expected || index != ghostAnchorCount[a]) ++ghostMispredictions;
            ghostNextSeq[a] = toSeq + 1;
            ++ghostAnchorCount[a];
            ++ghostSuccesses["anchor"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["anchor"];
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 30 days));
    }
}
