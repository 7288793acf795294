// One set of text-format type parsers for both engines, so a row reads the same from embedded PGlite and from a
// PostgreSQL server. Without this the two disagree: pg returns int8 as a string and bytea as a Buffer, PGlite
// returns int8 as a number (or a bigint past 2^53) and parses `timestamp` and `date` in the local time zone.
//
// The rules (both engines; sessions run with TimeZone=UTC and DateStyle=ISO, see SESSION_SETTINGS):
//   int8                          -> bigint
//   int2, int4, oid, float4/8     -> number (NaN and ±Infinity included)
//   numeric, money                -> string (exact decimal, never rounded through a double)
//   bool                          -> boolean
//   bytea                         -> Uint8Array (a plain one, never a Buffer)
//   json, jsonb                   -> the parsed value
//   timestamptz, timestamp        -> Date (timestamp without time zone is read as UTC); ±infinity -> ±Infinity
//   date, time, timetz, interval  -> string as PostgreSQL prints it ('2024-01-31', '01:02:03', '1 day 02:00:00')
//   text, varchar, uuid, ...      -> string
//   arrays of the above           -> arrays of the element's JS type
import { types as pgliteTypes } from "@electric-sql/pglite";

export type TypeParser = (text: string) => unknown;

/** Statements run at the start of every session so that the text formats parsed here are the ones we get. */
export const SESSION_SETTINGS = { TimeZone: "UTC", DateStyle: "ISO,YMD", IntervalStyle: "postgres" } as const;

const identity: TypeParser = (text) => text;
const toNumber: TypeParser = (text) => Number(text);

const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/** Parses `timestamptz`/`timestamp` text in ISO DateStyle; a value without an offset is UTC. */
export function parseTimestamp(text: string): Date | number {
  if (text === "infinity") return Number.POSITIVE_INFINITY;
  if (text === "-infinity") return Number.NEGATIVE_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (!m) return new Date(Number.NaN);
  const [, year, month, day, hour, minute, second, fraction, sign, offH, offM, offS, bc] = m;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  date.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), fraction ? Math.floor(Number(fraction) * 1000) : 0);
  if (sign) {
    const offsetMs = ((Number(offH) * 60 + Number(offM ?? 0)) * 60 + Number(offS ?? 0)) * 1000;
    return new Date(date.getTime() - (sign === "+" ? offsetMs : -offsetMs));
  }
  return date;
}

/** Parses bytea text: hex format (`\x0102`, the default) or the legacy escape format. */
export function parseBytea(text: string): Uint8Array {
  if (text.startsWith("\\x")) {
    const hex = text.slice(2);
    // allocUnsafeSlow: an unpooled buffer, so the Uint8Array view below owns all of its ArrayBuffer.
    const buffer = Buffer.allocUnsafeSlow(hex.length / 2);
    const written = buffer.write(hex, "hex");
    return new Uint8Array(buffer.buffer, 0, written);
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") out.push(text.charCodeAt(i));
    else if (text[i + 1] === "\\") {
      out.push(0x5c);
      i++;
    } else {
      out.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    }
  }
  return Uint8Array.from(out);
}

/** Scalar parsers by type OID. Types not listed stay strings on both engines. */
export const scalarParsers: Readonly<Record<number, TypeParser>> = {
  16: (text) => text === "t", // bool
  17: parseBytea, // bytea
  20: (text) => BigInt(text), // int8
  21: toNumber, // int2
  23: toNumber, // int4
  25: identity, // text
  26: toNumber, // oid
  114: (text) => JSON.parse(text), // json
  700: toNumber, // float4
  701: toNumber, // float8
  790: identity, // money
  1042: identity, // bpchar
  1043: identity, // varchar
  1082: identity, // date
  1083: identity, // time
  1114: parseTimestamp, // timestamp
  1184: parseTimestamp, // timestamptz
  1186: identity, // interval
  1266: identity, // timetz
  1700: identity, // numeric
  2950: identity, // uuid
  3802: (text) => JSON.parse(text), // jsonb
};

/**
 * Array type OID -> element type OID, for the arrays of the scalars above. PGlite builds its array parsers from
 * pg_type by itself; node-postgres needs them listed.
 */
const arrayElements: Readonly<Record<number, number>> = {
  1000: 16,
  1001: 17,
  1016: 20,
  1005: 21,
  1007: 23,
  1009: 25,
  1028: 26,
  199: 114,
  1021: 700,
  1022: 701,
  791: 790,
  1014: 1042,
  1015: 1043,
  1182: 1082,
  1183: 1083,
  1115: 1114,
  1185: 1184,
  1187: 1186,
  1270: 1266,
  1231: 1700,
  2951: 2950,
  3807: 3802,
};

/** The parser node-postgres should use for a column of type `oid` (text format; we never ask for binary). */
export function postgresTypeParser(oid: number): TypeParser {
  const scalar = scalarParsers[oid];
  if (scalar) return scalar;
  const element = arrayElements[oid];
  if (element !== undefined) {
    const parseElement = scalarParsers[element] ?? identity;
    return (text) => pgliteTypes.arrayParser(text, parseElement, oid);
  }
  return identity;
}
