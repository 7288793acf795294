// Strict base64url and JSON helpers. Node's Buffer decoders skip characters they do not understand, which would let
// two different strings decode to the same bytes; every token we read goes through these checks first.
import { CredentialError } from "./errors.js";

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function base64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(typeof data === "string" ? Buffer.from(data, "utf8") : data).toString("base64url");
}

/** Decodes unpadded base64url, refusing any other character and impossible lengths. */
export function base64urlDecode(text: string, what: string): Buffer {
  if (!BASE64URL.test(text) || text.length % 4 === 1)
    throw new CredentialError("malformed", `${what} is not base64url`);
  return Buffer.from(text, "base64url");
}

/** Decodes standard base64 (padding optional), as COSE credentials are carried in text. */
export function base64Decode(text: string, what: string): Buffer {
  const trimmed = text.trim();
  if (!BASE64.test(trimmed) || trimmed.replace(/=+$/, "").length % 4 === 1)
    throw new CredentialError("malformed", `${what} is not base64`);
  return Buffer.from(trimmed, "base64");
}

export type JsonObject = { [key: string]: unknown };

/** Whether `value` is one of `list` (a const tuple), narrowing it to the tuple's element type. */
export function isOneOf<T>(list: readonly T[], value: unknown): value is T {
  return list.some((item) => item === value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses JSON that must be an object, throwing `malformed` with `what` in the message otherwise. */
export function parseJsonObject(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CredentialError("malformed", `${what} is not JSON`, { cause: error });
  }
  if (!isJsonObject(value)) throw new CredentialError("malformed", `${what} is not a JSON object`);
  return value;
}

/** base64url(JSON) of a JWS part, decoded and parsed. */
export function decodeJsonPart(part: string, what: string): JsonObject {
  return parseJsonObject(base64urlDecode(part, what).toString("utf8"), what);
}
