// Resolves the keys a process needs from the topology's key source: the public dev mnemonic (TEST ONLY) or
// the environment (AMC_DEPLOYER_KEY, AMC_RELAYER_KEY, AMC_VALIDATOR_KEYS=comma-separated private keys).
import { InvalidInputError } from "@amc/utils";
import type { Address, Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { devKeyIndex, devPrivateKey, devPrivateKeyOf } from "./devKeys.js";
import type { Topology } from "./topology.js";

function envKey(name: string): Hex {
  const value = process.env[name];
  if (!value || !/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new InvalidInputError(`${name} is not set to a 32-byte hex private key`, {
      fix: `export ${name}=0x... (topology keys: "env")`,
    });
  return value as Hex;
}

export function deployerKey(topology: Topology): Hex {
  return topology.keys === "dev" ? devPrivateKey(devKeyIndex.deployer) : envKey("AMC_DEPLOYER_KEY");
}

export function relayerKey(topology: Topology): Hex {
  return topology.keys === "dev" ? devPrivateKey(devKeyIndex.relayer) : envKey("AMC_RELAYER_KEY");
}

/** Keys of the given validator addresses that this machine holds. */
export function validatorKeys(topology: Topology, validators: readonly Address[]): Map<Address, Hex> {
  const held = new Map<Address, Hex>();
  if (topology.keys === "dev") {
    for (const validator of validators) {
      const key = devPrivateKeyOf(validator);
      if (key) held.set(validator, key);
    }
    return held;
  }
  const wanted = new Set(validators.map((v) => v.toLowerCase()));
  for (const raw of (process.env.AMC_VALIDATOR_KEYS ?? "").split(",").filter(Boolean)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new InvalidInputError("AMC_VALIDATOR_KEYS holds a malformed key");
    const address = privateKeyToAddress(raw as Hex);
    if (wanted.has(address.toLowerCase())) held.set(address, raw as Hex);
  }
  return held;
}

/** A member's key, for CLI actions taken as that member (dev keys only). */
export function memberKey(topology: Topology, member: Address): Hex {
  if (topology.keys === "dev") {
    const key = devPrivateKeyOf(member);
    if (key) return key;
  }
  return envKey("AMC_MEMBER_KEY");
}
