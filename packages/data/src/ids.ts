// did:amc ↔ bytes32 ids, as the contracts store subjects and grantees (DIDRegistry ids).
import type { Hex } from "viem";
import { DataError } from "./errors.js";

const DID = /^did:amc:([a-z0-9-]+):([0-9a-f]{64})$/;

export function didId(did: string): Hex {
  const match = DID.exec(did);
  if (!match) throw new DataError("invalid", `not a did:amc DID with a 32-byte id: ${did}`);
  return `0x${match[2]}` as Hex;
}

export const didOf = (network: string, id: Hex): string => `did:amc:${network}:${id.slice(2).toLowerCase()}`;

export const isDid = (value: string): boolean => DID.test(value);
