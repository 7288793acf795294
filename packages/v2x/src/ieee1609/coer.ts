// Canonical Octet Encoding Rules (COER, ITU-T X.696 / ISO/IEC 8825-7) primitives: the encoding that IEEE 1609.2
// (clause 6.1) and ETSI TS 103 097 v2.1.1 use on the wire. A bounds-checked reader and a growable
// writer; every other file in this folder builds its structures from these calls.
//
// Clauses of X.696 used here: 8.3 length determinant, 10 integer (fixed-size when the range fits 1/2/4/8 octets,
// else length-prefixed), 11 enumerated, 12 bit string, 17 octet string, 16 sequence (preamble: extension bit,
// then one bit per OPTIONAL/DEFAULT component; extension additions as a bit string bitmap and open types),
// 18 sequence-of (quantity as a length-prefixed unsigned integer), 20 choice (tag class and number), 30 open type.
//
// The decoder is strict about canonical form (minimal lengths and integers, zero padding bits), so that bytes
// which decode are the canonical encoding of what they decode to: a signature over the received bytes is then a
// signature over the COER encoding that IEEE 1609.2 clause 5.3.1 asks for. Every length is checked against the
// bytes that remain, so random input can neither read out of range nor make us allocate more than its own size.
import { BaseError } from "@amc/utils";

/** Bytes that are not a valid COER encoding of the expected type; `offset` is where the decoder stopped. */
export class CoerDecodeError extends BaseError {
  override name = "CoerDecodeError";
  readonly offset: number;

  constructor(message: string, offset: number, details?: string) {
    super(`${message} at byte ${offset}`, {
      details,
      fix: "check that the bytes are a complete COER encoding of the expected IEEE 1609.2 type",
    });
    this.offset = offset;
  }
}

/** Valid COER that uses a choice or form this implementation does not handle (e.g. encryptedData). */
export class CoerUnsupportedError extends CoerDecodeError {
  override name = "CoerUnsupportedError";
}

/** A value handed to an encoder is outside what its ASN.1 type allows. */
export class CoerEncodeError extends BaseError {
  override name = "CoerEncodeError";
}

/** A CHOICE tag: ASN.1 class (0 universal, 1 application, 2 context, 3 private) and number. */
export type ChoiceTag = { tagClass: number; tagNumber: number };

/** Extension additions of an extensible SEQUENCE, kept as open-type contents by position (null: absent). */
export type ExtensionAdditions = ReadonlyArray<Uint8Array | null>;

/** Nesting allowed for recursive structures (Ieee1609Dot2Data inside SignedDataPayload). */
export const MAX_NESTING = 8;

export class CoerReader {
  private position: number;
  readonly bytes: Uint8Array;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.position = start;
    this.end = end;
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  fail(message: string, details?: string): never {
    throw new CoerDecodeError(message, this.position, details);
  }

  unsupported(message: string): never {
    throw new CoerUnsupportedError(message, this.position);
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.position) {
      this.fail(`${what} needs ${n} bytes but only ${this.end - this.position} remain`);
    }
  }

  u8(what = "octet"): number {
    this.need(1, what);
    const value = this.bytes[this.position]!;
    this.position += 1;
    return value;
  }

  /** Fixed-size unsigned integer of 1, 2 or 4 octets (X.696 10.3). */
  uint(octets: 1 | 2 | 4, what = "integer"): number {
    this.need(octets, what);
    let value = 0;
    for (let i = 0; i < octets; i++) value = value * 256 + this.bytes[this.position + i]!;
    this.position += octets;
    return value;
  }

  /** Fixed-size 8-octet unsigned integer (Uint64, Time64). */
  uint64(what = "Uint64"): bigint {
    const high = this.uint(4, what);
    const low = this.uint(4, what);
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** Fixed-size two's complement integer of 1, 2 or 4 octets (X.696 10.4). */
  int(octets: 1 | 2 | 4, what = "integer"): number {
    const value = this.uint(octets, what);
    const bound = 2 ** (8 * octets - 1);
    return value >= bound ? value - 2 * bound : value;
  }

  /** Constrained integer whose range fits a fixed size: reads and range-checks. */
  constrainedUint(octets: 1 | 2 | 4, min: number, max: number, what: string): number {
    const start = this.position;
    const value = this.uint(octets, what);
    if (value < min || value > max) throw new CoerDecodeError(`${what} ${value} outside ${min}..${max}`, start);
    return value;
  }

  constrainedInt(octets: 1 | 2 | 4, min: number, max: number, what: string): number {
    const start = this.position;
    const value = this.int(octets, what);
    if (value < min || value > max) throw new CoerDecodeError(`${what} ${value} outside ${min}..${max}`, start);
    return value;
  }

  /** Length determinant (X.696 8.3): short form below 128, else 0x80|n and n big-endian octets, minimal. */
  length(what = "length"): number {
    const start = this.position;
    const first = this.u8(what);
    if (first < 0x80) {
      if (first > this.remaining) {
        throw new CoerDecodeError(`${what} ${first} exceeds the ${this.remaining} bytes that remain`, start);
      }
      return first;
    }
    const count = first & 0x7f;
    if (count === 0) throw new CoerDecodeError(`${what}: indefinite or empty long-form length`, start);
    if (count > 4) throw new CoerDecodeError(`${what}: long-form length of ${count} octets is too large`, start);
    this.need(count, what);
    if (this.bytes[this.position] === 0)
      throw new CoerDecodeError(`${what}: long-form length has a leading zero`, start);
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 256 + this.bytes[this.position + i]!;
    this.position += count;
    if (value < 0x80) throw new CoerDecodeError(`${what}: long form used for a length below 128`, start);
    if (value > this.remaining) {
      throw new CoerDecodeError(`${what} ${value} exceeds the ${this.remaining} bytes that remain`, start);
    }
    return value;
  }

  /** Raw octets, copied out so that decoded values never alias the input buffer. */
  octets(n: number, what = "octets"): Uint8Array {
    this.need(n, what);
    const out = new Uint8Array(this.bytes.subarray(this.position, this.position + n));
    this.position += n;
    return out;
  }

  /** Fixed-size OCTET STRING (X.696 17.2): the octets with no length. */
  fixedOctets(n: number, what = "OCTET STRING"): Uint8Array {
    return this.octets(n, what);
  }

  /** Variable-size OCTET STRING (X.696 17.3): length determinant then the octets, checked against SIZE bounds. */
  octetString(what = "OCTET STRING", min = 0, max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const start = this.position;
    const n = this.length(what);
    if (n < min || n > max) throw new CoerDecodeError(`${what} of ${n} octets outside SIZE(${min}..${max})`, start);
    return this.octets(n, what);
  }

  /** UTF8String: length-prefixed octets that must be valid UTF-8. */
  utf8String(what = "UTF8String", max = Number.MAX_SAFE_INTEGER): string {
    const start = this.position;
    const raw = this.octetString(what, 0, max);
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
    } catch (error) {
      throw new CoerDecodeError(`${what} is not valid UTF-8`, start, String(error));
    }
  }

  /** Non-negative integer without upper bound (X.696 10.6): length then minimal big-endian octets. */
  unconstrainedUint(what = "integer"): number {
    const start = this.position;
    const n = this.length(what);
    if (n === 0) throw new CoerDecodeError(`${what}: integer with zero octets`, start);
    this.need(n, what);
    if (n > 1 && this.bytes[this.position] === 0) {
      throw new CoerDecodeError(`${what}: integer is not minimal (leading zero octet)`, start);
    }
    if (n > 7)
      throw new CoerUnsupportedError(`${what} of ${n} octets is larger than this implementation handles`, start);
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + this.bytes[this.position + i]!;
    this.position += n;
    if (!Number.isSafeInteger(value)) throw new CoerUnsupportedError(`${what} exceeds 2^53 - 1`, start);
    return value;
  }

  /** Signed integer without bounds (X.696 10.8): length then minimal two's complement octets. */
  unconstrainedInt(what = "integer"): number {
    const start = this.position;
    const n = this.length(what);
    if (n === 0) throw new CoerDecodeError(`${what}: integer with zero octets`, start);
    this.need(n, what);
    if (n > 1) {
      const a = this.bytes[this.position]!;
      const b = this.bytes[this.position + 1]!;
      if ((a === 0 && b < 0x80) || (a === 0xff && b >= 0x80)) {
        throw new CoerDecodeError(`${what}: integer is not minimal`, start);
      }
    }
    if (n > 6)
      throw new CoerUnsupportedError(`${what} of ${n} octets is larger than this implementation handles`, start);
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + this.bytes[this.position + i]!;
    if (this.bytes[this.position]! >= 0x80) value -= 2 ** (8 * n);
    this.position += n;
    return value;
  }

  /** ENUMERATED (X.696 11): one octet for 0..127, else long form (not used by the types here). */
  enumerated(what = "ENUMERATED"): number {
    const start = this.position;
    const first = this.u8(what);
    if (first < 0x80) return first;
    throw new CoerUnsupportedError(`${what}: long-form enumerated value`, start);
  }

  /** Fixed-size BIT STRING of `bits` (a multiple of 8 here): the octets, no length. */
  fixedBits(bits: number, what = "BIT STRING"): Uint8Array {
    return this.octets(Math.ceil(bits / 8), what);
  }

  /**
   * SEQUENCE preamble (X.696 16.2): an extension bit when `extensible`, then one presence bit per
   * OPTIONAL/DEFAULT component, padded with zero bits to whole octets.
   */
  preamble(optionalCount: number, extensible: boolean, what = "SEQUENCE"): { extended: boolean; present: boolean[] } {
    const bits = optionalCount + (extensible ? 1 : 0);
    if (bits === 0) return { extended: false, present: [] };
    const start = this.position;
    const raw = this.octets(Math.ceil(bits / 8), `${what} preamble`);
    const bit = (i: number) => ((raw[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
    for (let i = bits; i < raw.length * 8; i++) {
      if (bit(i)) throw new CoerDecodeError(`${what} preamble has a non-zero padding bit`, start);
    }
    const offset = extensible ? 1 : 0;
    const present: boolean[] = [];
    for (let i = 0; i < optionalCount; i++) present.push(bit(i + offset));
    return { extended: extensible && bit(0), present };
  }

  /** CHOICE tag (X.696 8.7): class in the top two bits, number in six bits or in following base-128 octets. */
  choiceTag(what = "CHOICE"): ChoiceTag {
    const start = this.position;
    const first = this.u8(`${what} tag`);
    const tagClass = first >> 6;
    let tagNumber = first & 0x3f;
    if (tagNumber === 0x3f) {
      tagNumber = 0;
      for (let i = 0; ; i++) {
        const octet = this.u8(`${what} tag`);
        if (i === 0 && octet === 0x80) throw new CoerDecodeError(`${what} tag is not minimal`, start);
        tagNumber = tagNumber * 128 + (octet & 0x7f);
        if (tagNumber > 0xffff) throw new CoerDecodeError(`${what} tag number is too large`, start);
        if ((octet & 0x80) === 0) break;
      }
      if (tagNumber < 63) throw new CoerDecodeError(`${what} tag uses the long form for a number below 63`, start);
    }
    return { tagClass, tagNumber };
  }

  /**
   * Context-specific CHOICE index: returns the alternative number, or fails for a non-context tag.
   * `rootCount` is the number of root alternatives; extensible CHOICEs may carry higher numbers (as open types).
   */
  choiceIndex(what: string, rootCount: number, extensible: boolean): number {
    const start = this.position;
    const tag = this.choiceTag(what);
    if (tag.tagClass !== 2)
      throw new CoerDecodeError(`${what}: tag class ${tag.tagClass} is not context-specific`, start);
    if (tag.tagNumber >= rootCount && !extensible) {
      throw new CoerDecodeError(`${what}: alternative ${tag.tagNumber} does not exist`, start);
    }
    return tag.tagNumber;
  }

  /** SEQUENCE OF quantity (X.696 18.2), bounded by the bytes left at `minElementOctets` per element. */
  quantity(what = "SEQUENCE OF", minElementOctets = 1): number {
    const start = this.position;
    const count = this.unconstrainedUint(`${what} quantity`);
    if (count * Math.max(1, minElementOctets) > this.remaining) {
      throw new CoerDecodeError(`${what} claims ${count} elements but only ${this.remaining} bytes remain`, start);
    }
    return count;
  }

  /** Open type (X.696 30): a length-prefixed encoding; returns a reader limited to it. */
  openType(what = "open type"): CoerReader {
    const n = this.length(what); // bounded by remaining, so the sub-reader never extends past this one
    const sub = new CoerReader(this.bytes, this.position, this.position + n);
    this.position += n;
    return sub;
  }

  /** Open type kept as raw contents. */
  openTypeBytes(what = "open type"): Uint8Array {
    const n = this.length(what);
    return this.octets(n, what);
  }

  /**
   * Extension additions of a SEQUENCE whose extension bit is set (X.696 16.4): a bitmap encoded as a BIT STRING
   * with length, then one open type per present addition. At least one addition must be present.
   */
  extensionAdditions(what = "SEQUENCE"): Array<Uint8Array | null> {
    const start = this.position;
    const n = this.length(`${what} extension bitmap`);
    if (n < 2) throw new CoerDecodeError(`${what} extension bitmap is empty`, start);
    const unused = this.u8(`${what} extension bitmap`);
    if (unused > 7) throw new CoerDecodeError(`${what} extension bitmap has ${unused} unused bits`, start);
    const raw = this.octets(n - 1, `${what} extension bitmap`);
    const bits = raw.length * 8 - unused;
    if ((raw[raw.length - 1]! & ((1 << unused) - 1)) !== 0) {
      throw new CoerDecodeError(`${what} extension bitmap has non-zero unused bits`, start);
    }
    const additions: Array<Uint8Array | null> = [];
    let any = false;
    for (let i = 0; i < bits; i++) {
      if (((raw[i >> 3]! >> (7 - (i & 7))) & 1) === 1) {
        additions.push(this.openTypeBytes(`${what} extension addition ${i}`));
        any = true;
      } else {
        additions.push(null);
      }
    }
    if (!any) throw new CoerDecodeError(`${what} extension bit set but no addition present`, start);
    return additions;
  }

  /** Fails unless every byte up to `end` was consumed. */
  finish(what = "value"): void {
    if (this.position !== this.end) this.fail(`${this.end - this.position} trailing bytes after ${what}`);
  }
}

export class CoerWriter {
  private buffer: Uint8Array;
  private size = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  get written(): number {
    return this.size;
  }

  private reserve(n: number): void {
    if (this.size + n <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.size + n) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.size));
    this.buffer = next;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.size++] = value & 0xff;
    return this;
  }

  uint(octets: 1 | 2 | 4, value: number, what = "integer"): this {
    const max = 2 ** (8 * octets) - 1;
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new CoerEncodeError(`${what} ${value} does not fit ${octets} unsigned octets`);
    }
    this.reserve(octets);
    for (let i = octets - 1; i >= 0; i--) {
      this.buffer[this.size + i] = value % 256;
      value = Math.floor(value / 256);
    }
    this.size += octets;
    return this;
  }

  uint64(value: bigint, what = "Uint64"): this {
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn)
      throw new CoerEncodeError(`${what} ${value} does not fit 8 octets`);
    this.uint(4, Number(value >> 32n), what);
    return this.uint(4, Number(value & 0xffff_ffffn), what);
  }

  int(octets: 1 | 2 | 4, value: number, what = "integer"): this {
    const bound = 2 ** (8 * octets - 1);
    if (!Number.isInteger(value) || value < -bound || value >= bound) {
      throw new CoerEncodeError(`${what} ${value} does not fit ${octets} signed octets`);
    }
    return this.uint(octets, value < 0 ? value + 2 * bound : value, what);
  }

  constrainedUint(octets: 1 | 2 | 4, value: number, min: number, max: number, what: string): this {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CoerEncodeError(`${what} ${value} outside ${min}..${max}`);
    }
    return this.uint(octets, value, what);
  }

  constrainedInt(octets: 1 | 2 | 4, value: number, min: number, max: number, what: string): this {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CoerEncodeError(`${what} ${value} outside ${min}..${max}`);
    }
    return this.int(octets, value, what);
  }

  length(n: number): this {
    if (n < 0x80) return this.u8(n);
    const octets: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
    this.u8(0x80 | octets.length);
    for (const o of octets) this.u8(o);
    return this;
  }

  octets(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.size);
    this.size += bytes.length;
    return this;
  }

  fixedOctets(bytes: Uint8Array, n: number, what = "OCTET STRING"): this {
    if (bytes.length !== n) throw new CoerEncodeError(`${what} must be ${n} octets, got ${bytes.length}`);
    return this.octets(bytes);
  }

  octetString(bytes: Uint8Array, what = "OCTET STRING", min = 0, max = Number.MAX_SAFE_INTEGER): this {
    if (bytes.length < min || bytes.length > max) {
      throw new CoerEncodeError(`${what} of ${bytes.length} octets outside SIZE(${min}..${max})`);
    }
    return this.length(bytes.length).octets(bytes);
  }

  utf8String(value: string, what = "UTF8String", max = Number.MAX_SAFE_INTEGER): this {
    return this.octetString(new TextEncoder().encode(value), what, 0, max);
  }

  unconstrainedUint(value: number, what = "integer"): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new CoerEncodeError(`${what} ${value} is not a safe non-negative integer`);
    const octets: number[] = [];
    let v = value;
    do {
      octets.unshift(v % 256);
      v = Math.floor(v / 256);
    } while (v > 0);
    this.length(octets.length);
    for (const o of octets) this.u8(o);
    return this;
  }

  unconstrainedInt(value: number, what = "integer"): this {
    if (!Number.isSafeInteger(value)) throw new CoerEncodeError(`${what} ${value} is not a safe integer`);
    let n = 1;
    while (value < -(2 ** (8 * n - 1)) || value >= 2 ** (8 * n - 1)) n++;
    const unsigned = value < 0 ? value + 2 ** (8 * n) : value;
    this.length(n);
    let v = unsigned;
    const octets: number[] = [];
    for (let i = 0; i < n; i++) {
      octets.unshift(v % 256);
      v = Math.floor(v / 256);
    }
    for (const o of octets) this.u8(o);
    return this;
  }

  enumerated(value: number, what = "ENUMERATED"): this {
    if (!Number.isInteger(value) || value < 0 || value > 127)
      throw new CoerEncodeError(`${what} ${value} outside 0..127`);
    return this.u8(value);
  }

  preamble(present: readonly boolean[], extensible: boolean, extended = false): this {
    const bits = [...(extensible ? [extended] : []), ...present];
    if (bits.length === 0) return this;
    const raw = new Uint8Array(Math.ceil(bits.length / 8));
    bits.forEach((bit, i) => {
      if (bit) raw[i >> 3]! |= 0x80 >> (i & 7);
    });
    return this.octets(raw);
  }

  choiceTag(tagNumber: number, tagClass = 2): this {
    if (tagNumber < 63) return this.u8((tagClass << 6) | tagNumber);
    this.u8((tagClass << 6) | 0x3f);
    const groups: number[] = [];
    for (let v = tagNumber; v > 0; v = Math.floor(v / 128)) groups.unshift(v % 128);
    groups.forEach((g, i) => {
      this.u8(i < groups.length - 1 ? g | 0x80 : g);
    });
    return this;
  }

  quantity(count: number): this {
    return this.unconstrainedUint(count, "SEQUENCE OF quantity");
  }

  /** Writes `body` into a nested writer and emits it as an open type (length then contents). */
  openType(body: (w: CoerWriter) => void): this {
    const inner = new CoerWriter(64);
    body(inner);
    return this.openTypeBytes(inner.finish());
  }

  openTypeBytes(bytes: Uint8Array): this {
    return this.length(bytes.length).octets(bytes);
  }

  extensionAdditions(additions: ExtensionAdditions, what = "SEQUENCE"): this {
    if (!additions.some((a) => a !== null))
      throw new CoerEncodeError(`${what}: extension additions list is all absent`);
    const bits = additions.length;
    const raw = new Uint8Array(Math.ceil(bits / 8));
    additions.forEach((a, i) => {
      if (a !== null) raw[i >> 3]! |= 0x80 >> (i & 7);
    });
    this.length(raw.length + 1)
      .u8(raw.length * 8 - bits)
      .octets(raw);
    for (const a of additions) if (a !== null) this.openTypeBytes(a);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.size);
  }
}
