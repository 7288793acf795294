// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ConsortiumFixture} from "../governance/ConsortiumFixture.sol";
import {DIDRegistry} from "../../src/identity/DIDRegistry.sol";
import {VehicleLifecycle} from "../../src/identity/VehicleLifecycle.sol";
import {IdentityMirror} from "../../src/identity/IdentityMirror.sol";
import {StatusListRegistry} from "../../src/identity/StatusListRegistry.sol";
import {V2xTrustStore} from "../../src/v2x/V2xTrustStore.sol";

/// @notice The identity layer on MAIN over ConsortiumFixture's Consortium (alice OEM, bob REGULATOR, carol INSURER;
///         domains MAIN, EDGE, OTHER): DIDRegistry, VehicleLifecycle, IdentityMirror, StatusListRegistry and the
///         V2xTrustStore (the mirror's second sender), deployed and initialised the way the deployer does it
///         (constructor(initializer), then one-shot initialize).
abstract contract IdentityFixture is ConsortiumFixture {
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    DIDRegistry internal registry;
    VehicleLifecycle internal lifecycle;
    IdentityMirror internal mirror;
    StatusListRegistry internal statusLists;
    V2xTrustStore internal trustStore;

    uint256 internal aliceKey;
    address internal owner1;
    uint256 internal owner1Key;
    address internal owner2;
    uint256 internal owner2Key;
    address internal relayer;
    address internal stranger;

    bytes32 internal constant VIN_ID = keccak256("vehicle:WVWZZZ1JZXW000001");
    bytes32 internal constant SPEC = keccak256("spec");

    function setUpIdentity() internal {
        setUpConsortium();
        (, aliceKey) = makeAddrAndKey("alice");
        (owner1, owner1Key) = makeAddrAndKey("owner1");
        (owner2, owner2Key) = makeAddrAndKey("owner2");
        relayer = makeAddr("relayer");
        stranger = makeAddr("stranger");

        registry = new DIDRegistry(deployer);
        lifecycle = new VehicleLifecycle(deployer);
        mirror = new IdentityMirror(deployer);
        statusLists = new StatusListRegistry(deployer);
        trustStore = new V2xTrustStore(deployer);
        vm.startPrank(deployer);
        registry.initialize(address(consortium), address(lifecycle));
        lifecycle.initialize(address(consortium), address(registry), address(mailbox), address(mirror));
        mirror.initialize(address(mailbox), MAIN, address(lifecycle), address(trustStore));
        statusLists.initialize(address(registry));
        trustStore.initialize(address(consortium), address(mailbox), address(mirror));
        vm.stopPrank();
    }

    /// @dev The EIP-712 domain separator computed here, independently of OpenZeppelin's EIP712.
    function domainSeparatorOf(string memory name, address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(EIP712_DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256("1"), block.chainid, verifyingContract)
        );
    }

    function typedDigest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    /// @dev alice (OEM) produces `id`.
    function produce(bytes32 id) internal {
        vm.prank(alice);
        lifecycle.produce(id, SPEC);
    }

    /// @dev alice produces `id`, sells it to owner1, bob registers it.
    function produceSellRegister(bytes32 id) internal {
        produce(id);
        vm.prank(alice);
        lifecycle.transfer(id, owner1);
        vm.prank(bob);
        lifecycle.register(id, keccak256("registration"));
    }

    /// @dev The signature of `signerKey` over a VehicleLifecycle transfer.
    function signTransfer(uint256 signerKey, bytes32 id, address to, uint256 nonce_, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Transfer(bytes32 id,address newController,uint256 nonce,uint256 deadline)"),
                id,
                to,
                nonce_,
                deadline
            )
        );
        return
            signPacked(
                signerKey, typedDigest(domainSeparatorOf("AMC VehicleLifecycle", address(lifecycle)), structHash)
            );
    }
}
