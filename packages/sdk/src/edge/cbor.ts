// Deterministic CBOR (RFC 8949 section 4.2.1, through cborg) for the edge protocol's control frames and the
// ADMISSION: one value, one byte form, so what one side signed or hashed is byte for byte what the other decodes.
// The decoder refuses bytes that are valid CBOR but not the deterministic encoding of the value they carry.
import { decode, encode, rfc8949EncodeOptions } from "cborg";

export const encodeDeterministic = (value: unknown): Uint8Array => encode(value, rfc8949EncodeOptions);

export type DecodeCborResult =
  | { ok: true; value: unknown }
  | { ok: false; code: "cbor" | "non_deterministic"; detail: string; cause?: unknown };

/** Decodes one CBOR item (strict: no duplicate keys, no undefined, plain objects) and checks it is deterministic. */
export function decodeDeterministic(bytes: Uint8Array): DecodeCborResult {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, allowUndefined: false, useMaps: false });
  } catch (cause) {
    return { ok: false, code: "cbor", detail: cause instanceof Error ? cause.message : String(cause), cause };
  }
  if (!bytesEqual(encodeDeterministic(value), bytes))
    return {
      ok: false,
      code: "non_deterministic",
      detail: "map keys must be sorted bytewise, integers and lengths shortest, no indefinite lengths (RFC 8949 4.2.1)",
    };
  return { ok: true, value };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
