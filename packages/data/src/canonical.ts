// Canonical JSON (RFC 8785 style for the values this package signs: objects with sorted keys, no whitespace,
// strings and finite numbers as JSON.stringify writes them). Signed digests are computed over these bytes, so the
// vehicle and the vault agree on them whatever key order a JSON body arrived in.
import { InvalidInputError } from "@amc/utils";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidInputError("canonical JSON has no NaN or Infinity");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new InvalidInputError(`canonical JSON cannot encode a ${typeof value}`);
}
