// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Base} from "../utils/Test.sol";
import {DataAnchor} from "../../src/edge/DataAnchor.sol";
import {AnchorCheckpoints} from "../../src/edge/AnchorCheckpoints.sol";
import {Mailbox} from "../../src/xchain/Mailbox.sol";
import {MultisigIsm} from "../../src/xchain/MultisigIsm.sol";
import {Message} from "../../src/xchain/libs/Message.sol";

/// @notice Drives DataAnchor on the edge domain and AnchorCheckpoints on the main domain as a set of RSUs and a
///         relayer would: anchors by three submitters over a small pool of roots (so roots repeat), with wrong batch
///         ids, empty batches and inverted time ranges now and then; checkpoints; and deliveries of pending
///         checkpoint messages through the real Mailbox and MultisigIsm in any order.
/// @dev Keeps its own model (each submitter's roots in order, the hash chain, which roots were used) and predicts
///      before each call whether it must succeed; `ghostMispredictions` counts calls whose outcome differed.
contract DataAnchorHandler is Base {
    DataAnchor public immutable dataAnchor;
    AnchorCheckpoints public immutable checkpoints;
    Mailbox public immutable mailbox;
    MultisigIsm public immutable ism;
    uint32 public immutable edge;
    uint32 public immutable main;

    uint256 public constant ROOTS = 16;
    uint256 public constant ACTORS = 3;
    bytes32 public constant RSU_DID = keccak256("did:amc:dev:rsu-handler");

    uint256[] internal _validatorKeys;

    /// @dev Model of the anchors: each actor's roots in batch order, the hash chain and the count.
    mapping(uint256 actor => bytes32[]) internal _rootsOf;
    mapping(bytes32 root => uint256) public ghostTimesAnchored;
    bytes32 public ghostHash;
    uint256 public ghostCount;
    /// @dev The hash chain at each count a checkpoint was sent for.
    mapping(uint256 count => bytes32) public ghostHashAt;
    uint256 public ghostCheckpointed;

    /// @dev Checkpoint messages dispatched and not yet delivered, with their metadata.
    bytes[] internal _pending;
    bytes[] internal _pendingMetadata;
    /// @dev The main side's latest count as last observed, and how often it was seen to go down.
    uint256 public ghostLatestSeen;
    uint256 public ghostDecreases;

    uint256 public ghostMispredictions;
    mapping(bytes32 op => uint256) public ghostSuccesses;
    mapping(bytes32 op => uint256) public ghostRefusals;

    constructor(
        DataAnchor dataAnchor_,
        AnchorCheckpoints checkpoints_,
        Mailbox mailbox_,
        MultisigIsm ism_,
        uint32 edge_,
        uint32 main_,
        uint256[] memory validatorKeys
    ) {
        dataAnchor = dataAnchor_;
        checkpoints = checkpoints_;
        mailbox = mailbox_;
        ism = ism_;
        edge = edge_;
        main = main_;
        _validatorKeys = validatorKeys;
    }

    function actor(uint256 i) public pure returns (address) {
        return address(uint160(0xA000 + i));
    }

    function rootAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("handler-root", i));
    }

    function rootsOf(uint256 a) external view returns (bytes32[] memory) {
        return _rootsOf[a];
    }

    function pendingCount() external view returns (uint256) {
        return _pending.length;
    }

    // ------------------------------------------------------------ actions

    function anchor(uint256 actorSeed, uint256 rootSeed, uint256 mode, uint32 count, uint64 fromTime, uint64 span)
        external
    {
        uint256 a = bound(actorSeed, 0, ACTORS - 1);
        bytes32 root = rootAt(bound(rootSeed, 0, ROOTS - 1));
        uint64 batchId = uint64(_rootsOf[a].length);
        count = uint32(bound(count, 1, 10_000));
        fromTime = uint64(bound(fromTime, 0, 1e13));
        uint64 toTime = fromTime + uint64(bound(span, 0, 600_000));
        // Half the calls follow the rules; the others break one: a batch id ahead or behind, an empty batch, an
        // inverted time range (roots repeat on their own).
        uint256 rule = mode % 8;
        if (rule == 1) batchId += 1 + uint64((mode >> 3) % 3);
        else if (rule == 2 && batchId > 0) batchId -= 1;
        else if (rule == 3) count = 0;
        else if (rule == 4 && toTime > fromTime) (fromTime, toTime) = (toTime, fromTime);

        bool expected =
            count > 0 && fromTime <= toTime && batchId == _rootsOf[a].length && ghostTimesAnchored[root] == 0;
        vm.chainId(edge);
        vm.prank(actor(a));
        try dataAnchor.anchor(batchId, root, count, fromTime, toTime, RSU_DID, new bytes(64)) returns (uint256 index) {
            if (!expected || index != ghostCount) ++ghostMispredictions;
            ghostHash = keccak256(abi.encode(ghostHash, actor(a), batchId, root, count, fromTime, toTime, RSU_DID));
            _rootsOf[a].push(root);
            ++ghostTimesAnchored[root];
            ++ghostCount;
            ++ghostSuccesses["anchor"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["anchor"];
        }
    }

    function checkpoint() external {
        bool expected = ghostCount != ghostCheckpointed;
        vm.chainId(edge);
        uint32 nonce = mailbox.nonce();
        try dataAnchor.checkpoint() returns (bytes32 id) {
            bytes memory message = Message.formatMessage(
                Message.VERSION,
                nonce,
                edge,
                Message.toBytes32(address(dataAnchor)),
                main,
                Message.toBytes32(address(checkpoints)),
                abi.encode(ghostCount, ghostHash)
            );
            if (!expected || id != keccak256(message)) ++ghostMispredictions;
            ghostHashAt[ghostCount] = ghostHash;
            ghostCheckpointed = ghostCount;
            _pending.push(message);
            _pendingMetadata.push(_sign(message));
            ++ghostSuccesses["checkpoint"];
        } catch {
            if (expected) ++ghostMispredictions;
            ++ghostRefusals["checkpoint"];
        }
    }

    /// @dev Delivers any pending checkpoint message (so out of order as often as not).
    function deliver(uint256 seed) external {
        uint256 n = _pending.length;
        if (n == 0) return;
        uint256 i = bound(seed, 0, n - 1);
        bytes memory message = _pending[i];
        bytes memory metadata = _pendingMetadata[i];
        _pending[i] = _pending[n - 1];
        _pendingMetadata[i] = _pendingMetadata[n - 1];
        _pending.pop();
        _pendingMetadata.pop();

        vm.chainId(main);
        try mailbox.process(metadata, message) {
            ++ghostSuccesses["deliver"];
        } catch {
            // Every pending message is authentic and new: it must be delivered (ignored or stored, never refused).
            ++ghostMispredictions;
        }
        (uint256 latest,,) = checkpoints.latestCheckpoint(edge);
        if (latest < ghostLatestSeen) ++ghostDecreases;
        if (latest == ghostLatestSeen) ++ghostRefusals["deliver-ignored"];
        ghostLatestSeen = latest;
    }

    function _sign(bytes memory message) internal view returns (bytes memory metadata) {
        bytes32 digest = ism.signingDigest(edge, keccak256(message));
        for (uint256 i; i < _validatorKeys.length; ++i) {
            metadata = bytes.concat(metadata, signPacked(_validatorKeys[i], digest));
        }
    }
}
