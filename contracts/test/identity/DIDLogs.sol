// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Vm} from "../utils/Vm.sol";
import {IDIDRegistry} from "../../src/identity/IDIDRegistry.sol";

/// @notice Reads DIDRegistry logs the way a resolver does: which id an event is about and its `previousChange`.
library DIDLogs {
    /// @dev Whether `log` is a DIDRegistry change event of `registry`, and if so its id and previousChange. The word
    ///      that holds previousChange depends on the event's non-indexed parameters.
    function parse(Vm.Log memory log, address registry)
        internal
        pure
        returns (bool isChange, bytes32 id, uint256 previousChange)
    {
        if (log.emitter != registry || log.topics.length < 2) return (false, 0, 0);
        bytes32 sig = log.topics[0];
        uint256 word;
        if (sig == IDIDRegistry.DIDCreated.selector || sig == IDIDRegistry.DIDControllerChanged.selector) {
            word = 1;
        } else if (sig == IDIDRegistry.DIDAttributeChanged.selector || sig == IDIDRegistry.DIDDelegateChanged.selector)
        {
            word = 3;
        } else if (sig == IDIDRegistry.DIDDeactivated.selector) {
            word = 0;
        } else {
            return (false, 0, 0);
        }
        bytes memory data = log.data;
        assembly {
            previousChange := mload(add(add(data, 32), mul(word, 32)))
        }
        return (true, log.topics[1], previousChange);
    }
}
