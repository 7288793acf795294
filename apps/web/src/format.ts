// Number, amount, hash and age formatting for the dashboard: pure functions (tested under node) so every page shows
// the same figures the same way. Token amounts arrive as decimal strings of the smallest unit (18 decimals).

/** `0x1234…cdef`: the first `head` and last `tail` hex digits of a hash or address. */
export function shortHex(value: string, head = 6, tail = 4): string {
  if (value.length <= 2 + head + tail + 1) return value;
  return `${value.slice(0, 2 + head)}…${value.slice(-tail)}`;
}

/** A DID shortened in the middle of its method-specific id: did:amc:net:0x1234…cdef. */
export function shortDid(did: string): string {
  const i = did.lastIndexOf(":");
  if (i < 0) return did;
  const id = did.slice(i + 1);
  return `${did.slice(0, i + 1)}${id.startsWith("0x") ? shortHex(id) : id.length > 16 ? `${id.slice(0, 12)}…` : id}`;
}

/**
 * A decimal string of base units (e.g. wei) as whole tokens with at most `fraction` decimals, grouped for `locale`.
 * Exact: works on bigints, so 300,000,000 × 10^18 prints without float rounding.
 */
export function formatUnits18(units: string | bigint, locale = "en", fraction = 2, decimals = 18): string {
  let value: bigint;
  try {
    value = typeof units === "bigint" ? units : BigInt(units);
  } catch {
    throw new RangeError(`not a decimal integer amount: ${String(units)}`);
  }
  const negative = value < 0n;
  if (negative) value = -value;
  const base = 10n ** BigInt(decimals);
  const scale = 10n ** BigInt(fraction);
  // Round half up to `fraction` decimals.
  const scaled = (value * scale + base / 2n) / base;
  const whole = scaled / scale;
  const part = scaled % scale;
  const grouped = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(whole);
  const digits = fraction > 0 && part > 0n ? `.${part.toString().padStart(fraction, "0").replace(/0+$/, "")}` : "";
  return `${negative ? "-" : ""}${grouped}${digits}`;
}

/** Base units as a float number of whole tokens (for charts, where float precision is plenty). */
export function unitsToNumber(units: string | bigint, decimals = 18): number {
  const value = typeof units === "bigint" ? units : BigInt(units);
  const base = 10n ** BigInt(decimals);
  return Number(value / base) + Number(value % base) / Number(base);
}

export type AgeUnit = "s" | "min" | "h" | "d";

/** An age in seconds as a count of its largest sensible unit (negative ages, from clock skew, count as 0 s). */
export function ageParts(seconds: number): { n: number; unit: AgeUnit } {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 90) return { n: s, unit: "s" };
  if (s < 90 * 60) return { n: Math.round(s / 60), unit: "min" };
  if (s < 36 * 3600) return { n: Math.round(s / 3600), unit: "h" };
  return { n: Math.round(s / 86_400), unit: "d" };
}

/** Unix seconds as a local date-time string. */
export function formatTime(unixSeconds: number, locale = "en"): string {
  return new Date(unixSeconds * 1000).toLocaleString(locale, { hour12: false });
}

/** A count grouped for `locale`; fractions rounded to `digits`. */
export function formatNumber(value: number, locale = "en", digits = 0): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}
