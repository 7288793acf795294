// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {XchainFixture} from "../xchain/XchainFixture.sol";
import {DataAnchor} from "../../src/edge/DataAnchor.sol";
import {EventLedger} from "../../src/edge/EventLedger.sol";
import {AnchorCheckpoints} from "../../src/edge/AnchorCheckpoints.sol";
import {IEventLedger} from "../../src/edge/IEventLedger.sol";

/// @notice The edge contracts over XchainFixture's Mailbox and MultisigIsm, deployed and initialised the way the
///         deployer does it (constructor(initializer), then one-shot initialize): DataAnchor and EventLedger for the
///         edge chain EDGE, AnchorCheckpoints for MAIN. One Mailbox stands for every chain's, so `vm.chainId` says
///         which chain we are on; the tests start on EDGE. Also computes the anchors hash chain independently.
abstract contract EdgeFixture is XchainFixture {
    DataAnchor internal dataAnchor;
    EventLedger internal ledger;
    AnchorCheckpoints internal checkpoints;

    address internal rsu1;
    address internal rsu2;
    address internal stranger;

    bytes32 internal constant RSU_DID = keccak256("did:amc:dev:rsu-1");
    uint16 internal constant MIN_REPORTERS = 2;

    function setUpEdge() internal {
        setUpXchain(EDGE, makeAddr("governance"));
        rsu1 = makeAddr("rsu1");
        rsu2 = makeAddr("rsu2");
        stranger = makeAddr("stranger");
        dataAnchor = new DataAnchor(deployer);
        ledger = new EventLedger(deployer);
        checkpoints = new AnchorCheckpoints(deployer);
        vm.startPrank(deployer);
        dataAnchor.initialize(address(mailbox), MAIN, address(checkpoints));
        ledger.initialize(MIN_REPORTERS);
        checkpoints.initialize(address(mailbox), address(dataAnchor));
        vm.stopPrank();
    }

    /// @dev A 64-byte stand-in for a P-256 `r ‖ s` signature.
    function sig(uint256 n) internal pure returns (bytes memory) {
        return abi.encodePacked(keccak256(abi.encode("r", n)), keccak256(abi.encode("s", n)));
    }

    /// @dev A distinct stand-in for a batch's Merkle root.
    function rootOf(uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode("root", n));
    }

    /// @dev One step of the anchors hash chain of docs/edge.md, written out word by word.
    function chainHash(
        bytes32 previous,
        address submitter,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        uint64 fromTime,
        uint64 toTime,
        bytes32 rsuDid
    ) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                previous,
                bytes32(uint256(uint160(submitter))),
                bytes32(uint256(batchId)),
                root,
                bytes32(uint256(count)),
                bytes32(uint256(fromTime)),
                bytes32(uint256(toTime)),
                rsuDid
            )
        );
    }

    /// @dev `submitter` anchors its next batch with root `rootOf(n)`, 10 messages, over one second from `n` s.
    function anchorNext(address submitter, uint256 n) internal returns (uint256 index) {
        uint64 batchId = dataAnchor.nextBatchId(submitter);
        vm.prank(submitter);
        index = dataAnchor.anchor(batchId, rootOf(n), 10, uint64(n) * 1000, uint64(n) * 1000 + 999, RSU_DID, sig(n));
    }

    /// @dev The checkpoint message DataAnchor on EDGE dispatches with Mailbox nonce `nonce`.
    function checkpointMessage(uint32 nonce, uint256 count, bytes32 hash) internal view returns (bytes memory) {
        return buildMessage(nonce, EDGE, address(dataAnchor), MAIN, address(checkpoints), abi.encode(count, hash));
    }

    /// @dev A sample confirmed event (an accident, ETSI cause 2) near Werder (Havel).
    function sampleEvent(uint16 reporters) internal pure returns (IEventLedger.ConfirmedEvent memory e) {
        e.causeCode = 2;
        e.subCauseCode = 1;
        e.latitude = 523_812_345;
        e.longitude = 129_345_678;
        e.firstSeen = 1_750_000_000_000;
        e.confirmedAt = 1_750_000_004_500;
        e.reporters = reporters;
        e.reportsRoot = keccak256("reports");
        e.rsuDid = RSU_DID;
    }
}
