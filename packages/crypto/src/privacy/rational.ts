// Exact rational numbers over bigint, for the privacy parameters of the differential-privacy samplers and the
// budget accountant. Sampling must not touch floating point (Canonne, Kamath & Steinke 2020, on sampling: a float
// sampler leaks through its rounding pattern, as Mironov 2012 showed for the Laplace mechanism), and budgets must
// compose exactly: 0.1 + 0.2 of a 0.3 budget is the whole budget, not 0.30000000000000004 of it.
// A number given by a caller is read as the decimal it prints as (`String(0.1)` is "0.1", so 1/10), which is what
// the caller wrote; the binary value nearest to it is an artefact of the float, not the caller's intent.

import { InvalidInputError } from "@amc/utils";

/** A rational num/den in lowest terms with den > 0. Build it with `toRational`. */
export type Rational = { readonly num: bigint; readonly den: bigint };

/**
 * What `toRational` accepts: a Rational, an integer (bigint), a finite number (read as its shortest decimal form:
 * 0.1 is 1/10), or a string: an integer, a decimal ("0.25", "1e-6", "-3.5E2") or a fraction ("1/3").
 */
export type RationalLike = Rational | bigint | number | string;

// 10^400 is far beyond any privacy parameter; a larger exponent in a string would only make huge bigints.
const MAX_DECIMAL_EXPONENT = 400;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const FRACTION = /^([+-]?\d+)\s*\/\s*(\d+)$/;

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

export function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** num/den reduced to lowest terms with a positive denominator; den must not be 0. */
export function makeRational(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new InvalidInputError("A rational number cannot have denominator 0.");
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den);
  if (g === 0n) return { num: 0n, den: 1n };
  return { num: (sign * num) / g, den: (sign * den) / g };
}

function parseDecimal(text: string, name: string): Rational {
  const fraction = FRACTION.exec(text);
  if (fraction) {
    const den = BigInt(fraction[2] ?? "1");
    if (den === 0n) throw new InvalidInputError(`${name} "${text}" has denominator 0.`);
    return makeRational(BigInt(fraction[1] ?? "0"), den);
  }
  const match = DECIMAL.exec(text);
  const intPart = match?.[2] ?? "";
  const fracPart = match?.[3] ?? "";
  if (!match || intPart.length + fracPart.length === 0) {
    throw new InvalidInputError(`${name} "${text}" is not a number.`, {
      fix: 'write an integer, a decimal such as "0.5" or "1e-6", or a fraction such as "1/3"',
    });
  }
  const exponent = Number(match[4] ?? "0") - fracPart.length;
  if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) {
    throw new InvalidInputError(`${name} "${text}" has an exponent beyond ±${MAX_DECIMAL_EXPONENT}.`);
  }
  const digits = BigInt(`${match[1] ?? ""}${intPart}${fracPart}`);
  return exponent >= 0
    ? makeRational(digits * 10n ** BigInt(exponent), 1n)
    : makeRational(digits, 10n ** BigInt(-exponent));
}

/**
 * Reads `value` as an exact rational. Numbers must be finite and are read as the decimal they print as, so 0.1
 * is exactly 1/10; `name` is used in error messages.
 *
 * @example
 * toRational(0.1) // { num: 1n, den: 10n }
 * toRational("1/3") // { num: 1n, den: 3n }
 */
export function toRational(value: RationalLike, name = "value"): Rational {
  if (typeof value === "bigint") return { num: value, den: 1n };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidInputError(`${name} must be a finite number, got ${value}.`);
    return parseDecimal(String(value), name);
  }
  if (typeof value === "string") return parseDecimal(value.trim(), name);
  if (typeof value.num !== "bigint" || typeof value.den !== "bigint") {
    throw new InvalidInputError(`${name} must have bigint num and den.`);
  }
  return makeRational(value.num, value.den);
}

/** Like `toRational`, and throws InvalidInputError unless the value is > 0. */
export function toPositiveRational(value: RationalLike, name: string): Rational {
  const r = toRational(value, name);
  if (r.num <= 0n) throw new InvalidInputError(`${name} must be greater than 0, got ${formatRational(r)}.`);
  return r;
}

/** Like `toRational`, and throws InvalidInputError unless the value is ≥ 0. */
export function toNonNegativeRational(value: RationalLike, name: string): Rational {
  const r = toRational(value, name);
  if (r.num < 0n) throw new InvalidInputError(`${name} must not be negative, got ${formatRational(r)}.`);
  return r;
}

/** "num/den", or "num" for an integer: the form `toRational` reads back and the accountant's JSON stores. */
export function formatRational(r: Rational): string {
  return r.den === 1n ? r.num.toString() : `${r.num}/${r.den}`;
}

/** The nearest double (within an ulp); for display and for float-valued accounting, never for sampling. */
export function rationalToNumber(r: Rational): number {
  if (r.num === 0n) return 0;
  const magnitude = abs(r.num);
  // q = ⌊|num|·2^shift / den⌋ has about 64 significant bits; |r| ≈ q·2^−shift. Exact when r is a double.
  const shift = 64 - (magnitude.toString(2).length - r.den.toString(2).length);
  const q = shift >= 0 ? (magnitude << BigInt(shift)) / r.den : magnitude / (r.den << BigInt(-shift));
  let x = Number(q);
  // Scale by 2^−shift in steps that stay within the exponent range until the last one.
  let s = shift;
  for (; s > 1000; s -= 1000) x *= 2 ** -1000;
  for (; s < -1000; s += 1000) x *= 2 ** 1000;
  x *= 2 ** -s;
  return r.num < 0n ? -x : x;
}

/**
 * The exact value of a finite double as a rational (every double is a dyadic rational), for carrying a float
 * bound into exact comparisons without rounding it.
 */
export function rationalFromDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new InvalidInputError(`Expected a finite number, got ${x}.`);
  if (x === 0) return { num: 0n, den: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fractionBits = bits & ((1n << 52n) - 1n);
  const mantissa = exponentBits === 0 ? fractionBits : fractionBits | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  const signed = negative ? -mantissa : mantissa;
  return exponent >= 0 ? makeRational(signed << BigInt(exponent), 1n) : makeRational(signed, 1n << BigInt(-exponent));
}

/**
 * The smallest rational with at most `digits` significant decimal digits that is ≥ x (x > 0): a short, exact,
 * upward-rounded form of a float, for noise parameters where rounding up is the private direction.
 */
export function ceilToSignificantDigits(x: number, digits: number): Rational {
  const exact = rationalFromDouble(x);
  if (exact.num <= 0n) throw new InvalidInputError(`Expected a positive number, got ${x}.`);
  // 10^(digits − 1 − e) scales x into [10^(digits−1), 10^digits) where e = floor(log10 x).
  const e = Math.floor(Math.log10(x));
  const shift = digits - 1 - e;
  const [num, den] =
    shift >= 0 ? [exact.num * 10n ** BigInt(shift), exact.den] : [exact.num, exact.den * 10n ** BigInt(-shift)];
  const ceil = (num + den - 1n) / den;
  return shift >= 0 ? makeRational(ceil, 10n ** BigInt(shift)) : makeRational(ceil * 10n ** BigInt(-shift), 1n);
}

export const ratAdd = (a: Rational, b: Rational): Rational =>
  makeRational(a.num * b.den + b.num * a.den, a.den * b.den);
export const ratSub = (a: Rational, b: Rational): Rational =>
  makeRational(a.num * b.den - b.num * a.den, a.den * b.den);
export const ratMul = (a: Rational, b: Rational): Rational => makeRational(a.num * b.num, a.den * b.den);
export const ratDiv = (a: Rational, b: Rational): Rational => makeRational(a.num * b.den, a.den * b.num);
/** −1, 0 or 1 as a <, =, > b. */
export const ratCompare = (a: Rational, b: Rational): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };
