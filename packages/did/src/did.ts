// Syntax of the did:amc method (docs/did-method-amc.md): did:amc:<network>:<id>, where <network> names a
// consortium deployment and <id> is 32 bytes as 64 lowercase hex digits (the key of the DIDRegistry).
import type { Hex } from "viem";

export const DID_METHOD = "amc";
const NETWORK = /^[a-z][a-z0-9-]{0,31}$/;
const ID = /^[0-9a-f]{64}$/;

export type ParsedDid = { did: string; network: string; id: Hex; fragment?: string | undefined };

export type ParseDidResult =
  | { ok: true; value: ParsedDid }
  | { ok: false; error: "invalidDid" | "methodNotSupported"; message: string };

/** Parses a did:amc DID or DID URL (fragment kept). Never throws: bad input is a value. */
export function parseDid(input: string): ParseDidResult {
  if (typeof input !== "string" || input.length > 256) return { ok: false, error: "invalidDid", message: "not a DID" };
  const [withoutFragment = "", fragment] = input.split("#", 2);
  const parts = withoutFragment.split(":");
  if (parts[0] !== "did" || parts.length < 3)
    return { ok: false, error: "invalidDid", message: `"${input}" is not a DID` };
  if (parts[1] !== DID_METHOD)
    return { ok: false, error: "methodNotSupported", message: `method "${parts[1]}" is not did:${DID_METHOD}` };
  if (parts.length !== 4) return { ok: false, error: "invalidDid", message: "expected did:amc:<network>:<id>" };
  const [, , network = "", id = ""] = parts;
  if (!NETWORK.test(network)) return { ok: false, error: "invalidDid", message: `network "${network}" is malformed` };
  if (!ID.test(id)) return { ok: false, error: "invalidDid", message: "the id must be 64 lowercase hex digits" };
  return { ok: true, value: { did: withoutFragment, network, id: `0x${id}`, fragment } };
}

/** Formats a DID from its network and 32-byte id. */
export function formatDid(network: string, id: Hex): string {
  const hex = id.slice(2).toLowerCase();
  if (!NETWORK.test(network) || !ID.test(hex))
    throw new Error(`cannot format a did:amc from network "${network}" and id ${id}`);
  return `did:${DID_METHOD}:${network}:${hex}`;
}
