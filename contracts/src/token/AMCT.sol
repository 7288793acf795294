// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IAMCT} from "./IAMCT.sol";
import {AMCTAllocations as A} from "./AMCTAllocations.sol";

/// @title AMCT
/// @notice AutoMobile Chain Token: fixed supply, minted once into the whitepaper's allocations (see IAMCT).
/// @dev `_mint` is reached only from `initialize`, which runs once: there is no other mint path and no burn, so the
///      total supply is 300,000,000e18 from initialisation on.
contract AMCT is ERC20, ERC20Permit, IAMCT {
    /// @inheritdoc IAMCT
    address public immutable initializer;

    Recipients private _recipients;

    /// @param initializer_ The only account allowed to call `initialize` (the deployer; the same on every chain).
    constructor(address initializer_) ERC20("AutoMobile Chain Token", "AMCT") ERC20Permit("AutoMobile Chain Token") {
        initializer = initializer_;
    }

    /// @inheritdoc IAMCT
    function initialize(Recipients calldata r) external {
        if (msg.sender != initializer) revert AMCTNotInitializer(msg.sender);
        if (totalSupply() != 0) revert AMCTAlreadyInitialized();
        if (
            r.miningPool == address(0) || r.ido == address(0) || r.technology == address(0)
                || r.operations == address(0) || r.foundation == address(0)
        ) revert AMCTZeroAddress();
        _recipients = r;
        _mint(r.miningPool, A.MINING);
        _mint(r.ido, A.IDO);
        _mint(r.technology, A.TECHNOLOGY);
        _mint(r.operations, A.OPERATIONS);
        _mint(r.foundation, A.FOUNDATION);
        emit Initialized(r.miningPool, r.ido, r.technology, r.operations, r.foundation);
    }

    /// @inheritdoc IAMCT
    function recipients() external view returns (Recipients memory) {
        return _recipients;
    }
}
