// Unaligned Packed Encoding Rules (UPER, ITU-T X.691 (02/2021), the UNALIGNED variant of BASIC-PER): a bit-level
// writer and a bounds-checked reader, enough for the ETSI ITS messages (CAM, DENM) and their common data
// dictionary. ETSI CAM and DENM are UPER on the air (EN 302 637-2 and EN 302 637-3, Annex A), so this is
// the primitive layer under `cam.ts` and `denm.ts`; it knows nothing about ITS types.
//
// Clauses used (X.691 numbering of the 2008 and later editions):
//   10.5 constrained whole number (minimum bits for the range, no alignment in UNALIGNED);
//   10.6 normally small non-negative whole number (CHOICE and ENUMERATED extension indices);
//   10.7 semi-constrained and 10.8 unconstrained whole numbers (length determinant + octets);
//   10.9 length determinants (constrained when ub < 64K, else 8 or 16 bits; fragmentation is refused);
//   11 open type fields (length + octets; used for extension additions, which a decoder skips if unknown);
//   12 BOOLEAN; 13 INTEGER (extensible constraints); 14 ENUMERATED; 16 BIT STRING; 17 OCTET STRING;
//   19 SEQUENCE (extension bit, optional bitmap, extension additions); 20 SEQUENCE OF; 23 CHOICE;
//   30 known-multiplier character strings (IA5String: 7 bits a character in UNALIGNED); UTF8String is an
//   octet string with an unconstrained length (its size constraint is not PER-visible).
//
// The reader never reads past the end: every read checks the remaining bits first, and every length is checked
// against the remaining input before anything is allocated, so hostile input costs at most its own size.
import { BaseError } from "@amc/utils";

/** Bytes did not decode as the expected UPER type; `bitOffset` is where the reader stood. */
export class UperDecodeError extends BaseError {
  override name = "UperDecodeError";
  readonly bitOffset: number;
  constructor(message: string, bitOffset: number, parameters: { details?: string; cause?: unknown } = {}) {
    super(`UPER decode failed at bit ${bitOffset}: ${message}`, {
      ...parameters,
      fix: "check that the bytes are a complete UPER encoding of the expected message type",
    });
    this.bitOffset = bitOffset;
  }
}

/** A value given to the encoder is outside its ASN.1 constraint (the encoder never clamps or wraps). */
export class UperEncodeError extends BaseError {
  override name = "UperEncodeError";
  readonly field: string;
  constructor(field: string, message: string) {
    super(`cannot encode ${field}: ${message}`, { fix: "pass a value within the ASN.1 constraint of the field" });
    this.field = field;
  }
}

/** Lengths at or above 16K need fragmentation (X.691 10.9.3.8); no ITS message field comes near that. */
const FRAGMENT_LIMIT = 16384;

/** Number of bits of a constrained whole number with `range` values (X.691 10.5.7 in UNALIGNED). */
export function bitsForRange(range: number): number {
  if (range <= 1) return 0;
  let max = range - 1;
  let bits = 0;
  if (max > 0xffffffff) {
    bits = 32;
    max = Math.floor(max / 0x100000000);
  }
  return bits + 32 - Math.clz32(max);
}

/** Octets needed for a non-negative integer (at least one, X.691 10.3 minimal octets). */
function octetsOfNonNegative(value: bigint): number {
  let n = 1;
  while (value >= 1n << BigInt(8 * n)) n++;
  return n;
}

/** Octets of the minimal two's complement form (X.691 10.4). */
function octetsOfTwosComplement(value: bigint): number {
  let n = 1;
  while (value < -(1n << BigInt(8 * n - 1)) || value >= 1n << BigInt(8 * n - 1)) n++;
  return n;
}

export class UperWriter {
  private buffer = new Uint8Array(64);
  private bitLength = 0;

  /** Number of bits written so far. */
  get bitCount(): number {
    return this.bitLength;
  }

  private reserve(bits: number): void {
    const needed = (this.bitLength + bits + 7) >> 3;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer);
    this.buffer = grown;
  }

  bit(value: boolean): void {
    this.reserve(1);
    if (value) this.buffer[this.bitLength >> 3]! |= 0x80 >> (this.bitLength & 7);
    this.bitLength++;
  }

  /** Writes `value` (a non-negative integer below 2^count, count <= 53) as `count` bits, most significant first. */
  bits(value: number, count: number): void {
    if (count === 0) return;
    if (count > 24) {
      const low = value % 0x1000000;
      this.bits((value - low) / 0x1000000, count - 24);
      this.bits(low, 24);
      return;
    }
    this.reserve(count);
    let remaining = count;
    while (remaining > 0) {
      const used = this.bitLength & 7;
      const free = 8 - used;
      const take = Math.min(free, remaining);
      const chunk = (value >>> (remaining - take)) & ((1 << take) - 1);
      this.buffer[this.bitLength >> 3]! |= chunk << (free - take);
      this.bitLength += take;
      remaining -= take;
    }
  }

  /** Octets at the current bit position (UNALIGNED: no padding before them). */
  octets(bytes: Uint8Array): void {
    if ((this.bitLength & 7) === 0) {
      this.reserve(bytes.length * 8);
      this.buffer.set(bytes, this.bitLength >> 3);
      this.bitLength += bytes.length * 8;
      return;
    }
    for (const byte of bytes) this.bits(byte, 8);
  }

  /** X.691 12: one bit. */
  boolean(value: boolean): void {
    this.bit(value);
  }

  /** X.691 10.5: `value` in lb..ub as value - lb in the minimum number of bits; nothing when lb = ub. */
  constrainedInt(value: number, lb: number, ub: number, field: string): void {
    if (!Number.isSafeInteger(value) || value < lb || value > ub) {
      throw new UperEncodeError(field, `${value} is outside ${lb}..${ub}`);
    }
    this.bits(value - lb, bitsForRange(ub - lb + 1));
  }

  /** X.691 13.1/13.2.6: an extensible constraint `(lb..ub, ...)`: a bit, then the root value or an unconstrained one. */
  extensibleConstrainedInt(value: number, lb: number, ub: number, field: string): void {
    if (!Number.isSafeInteger(value)) throw new UperEncodeError(field, `${value} is not a safe integer`);
    const inRoot = value >= lb && value <= ub;
    this.bit(!inRoot);
    if (inRoot) this.bits(value - lb, bitsForRange(ub - lb + 1));
    else this.unconstrainedInt(BigInt(value), field);
  }

  /** X.691 10.7: `value` >= lb as a length determinant and the octets of value - lb. */
  semiConstrainedInt(value: bigint, lb: bigint, field: string): void {
    if (value < lb) throw new UperEncodeError(field, `${value} is below its lower bound ${lb}`);
    const offset = value - lb;
    const n = octetsOfNonNegative(offset);
    this.length(n, 0, undefined, field);
    for (let i = n - 1; i >= 0; i--) this.bits(Number((offset >> BigInt(8 * i)) & 0xffn), 8);
  }

  /** X.691 10.8: a length determinant and the minimal two's complement octets. */
  unconstrainedInt(value: bigint, field: string): void {
    const n = octetsOfTwosComplement(value);
    const unsigned = BigInt.asUintN(8 * n, value);
    this.length(n, 0, undefined, field);
    for (let i = n - 1; i >= 0; i--) this.bits(Number((unsigned >> BigInt(8 * i)) & 0xffn), 8);
  }

  /** X.691 10.6: a normally small non-negative whole number (extension indices and counts). */
  normallySmall(value: number, field: string): void {
    if (value < 64) {
      this.bit(false);
      this.bits(value, 6);
    } else {
      this.bit(true);
      this.semiConstrainedInt(BigInt(value), 0n, field);
    }
  }

  /**
   * X.691 10.9: a length determinant. With an upper bound below 64K it is a constrained whole number of lb..ub
   * (nothing if lb = ub); otherwise 8 bits below 128 and 16 bits below 16K.
   */
  length(n: number, lb: number, ub: number | undefined, field: string): void {
    if (ub !== undefined && ub < 65536) {
      this.constrainedInt(n, lb, ub, `${field} length`);
      return;
    }
    if (!Number.isSafeInteger(n) || n < lb) throw new UperEncodeError(field, `length ${n} is below ${lb}`);
    if (n < 128) this.bits(n, 8);
    else if (n < FRAGMENT_LIMIT) this.bits(0x8000 | n, 16);
    else throw new UperEncodeError(field, `length ${n} needs fragmentation, which this codec does not produce`);
  }

  /**
   * X.691 14: ENUMERATED as the index of the value. Root values 0..rootCount-1 are a constrained whole number;
   * with an extension marker a leading bit says whether the value is an extension (then normally small).
   */
  enumerated(index: number, rootCount: number, extensible: boolean, field: string): void {
    if (!Number.isSafeInteger(index) || index < 0) throw new UperEncodeError(field, `${index} is not an index`);
    if (extensible) {
      const inRoot = index < rootCount;
      this.bit(!inRoot);
      if (!inRoot) {
        this.normallySmall(index - rootCount, field);
        return;
      }
    } else if (index >= rootCount) {
      throw new UperEncodeError(field, `${index} is not one of the ${rootCount} values`);
    }
    this.bits(index, bitsForRange(rootCount));
  }

  /** X.691 23: the index of a CHOICE alternative; extension alternatives are followed by an open type. */
  choiceIndex(index: number, rootCount: number, extensible: boolean, field: string): void {
    this.enumerated(index, rootCount, extensible, field);
  }

  /** X.691 16: a BIT STRING of SIZE(lb..ub) (no length when lb = ub), bit 0 first. */
  bitString(value: readonly boolean[], lb: number, ub: number | undefined, field: string): void {
    if (lb !== ub) this.length(value.length, lb, ub, field);
    else if (value.length !== lb) throw new UperEncodeError(field, `has ${value.length} bits, needs ${lb}`);
    for (const b of value) this.bit(b);
  }

  /** X.691 17: an OCTET STRING of SIZE(lb..ub) (no length when lb = ub). */
  octetString(value: Uint8Array, lb: number, ub: number | undefined, field: string): void {
    if (lb !== ub) this.length(value.length, lb, ub, field);
    else if (value.length !== lb) throw new UperEncodeError(field, `has ${value.length} octets, needs ${lb}`);
    this.octets(value);
  }

  /** X.691 30: IA5String, 7 bits a character in UNALIGNED (no PermittedAlphabet constraint). */
  ia5String(value: string, lb: number, ub: number | undefined, field: string): void {
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0x7f) throw new UperEncodeError(field, `character ${i} is not IA5 (7-bit)`);
    }
    if (lb !== ub) this.length(value.length, lb, ub, field);
    else if (value.length !== lb) throw new UperEncodeError(field, `has ${value.length} characters, needs ${lb}`);
    for (let i = 0; i < value.length; i++) this.bits(value.charCodeAt(i), 7);
  }

  /** UTF8String: not a known-multiplier type, so an unconstrained length in octets and the UTF-8 octets. */
  utf8String(value: string, field: string): void {
    const bytes = new TextEncoder().encode(value);
    this.length(bytes.length, 0, undefined, field);
    this.octets(bytes);
  }

  /** X.691 11: an open type: the complete encoding of a value, as octets, behind an unconstrained length. */
  openType(encoded: Uint8Array, field: string): void {
    this.length(encoded.length, 0, undefined, field);
    this.octets(encoded);
  }

  /**
   * The complete encoding (X.691 11.1): padded with zero bits to an octet; an empty encoding becomes one zero
   * octet, as the standard requires for a PDU or an open type.
   */
  toBytes(): Uint8Array {
    if (this.bitLength === 0) return new Uint8Array(1);
    return this.buffer.slice(0, (this.bitLength + 7) >> 3);
  }
}

/** Encodes one value with `write` into a complete encoding (for a PDU or an open type). */
export function uperEncode(write: (writer: UperWriter) => void): Uint8Array {
  const writer = new UperWriter();
  write(writer);
  return writer.toBytes();
}

export class UperReader {
  private readonly bytes: Uint8Array;
  private position = 0;
  private readonly bitLength: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.bitLength = bytes.length * 8;
  }

  /** Bit offset of the next read. */
  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bitLength - this.position;
  }

  fail(message: string, at = this.position): never {
    throw new UperDecodeError(message, at);
  }

  private need(bits: number, what: string): void {
    if (bits > this.bitLength - this.position) {
      this.fail(`${what} needs ${bits} bits but only ${this.bitLength - this.position} remain`);
    }
  }

  bit(what: string): boolean {
    this.need(1, what);
    const value = (this.bytes[this.position >> 3]! >> (7 - (this.position & 7))) & 1;
    this.position++;
    return value === 1;
  }

  /** Reads `count` (<= 53) bits as a non-negative integer. */
  bits(count: number, what: string): number {
    if (count === 0) return 0;
    this.need(count, what);
    if (count > 24) {
      const high = this.bits(count - 24, what);
      return high * 0x1000000 + this.bits(24, what);
    }
    let value = 0;
    let remaining = count;
    while (remaining > 0) {
      const used = this.position & 7;
      const available = 8 - used;
      const take = Math.min(available, remaining);
      const chunk = (this.bytes[this.position >> 3]! >> (available - take)) & ((1 << take) - 1);
      value = (value << take) | chunk;
      this.position += take;
      remaining -= take;
    }
    return value >>> 0;
  }

  octets(count: number, what: string): Uint8Array {
    this.need(count * 8, what);
    if ((this.position & 7) === 0) {
      const start = this.position >> 3;
      this.position += count * 8;
      return this.bytes.slice(start, start + count);
    }
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.bits(8, what);
    return out;
  }

  boolean(what: string): boolean {
    return this.bit(what);
  }

  constrainedInt(lb: number, ub: number, what: string): number {
    const at = this.position;
    const offset = this.bits(bitsForRange(ub - lb + 1), what);
    if (offset > ub - lb) this.fail(`${what} ${lb + offset} is outside ${lb}..${ub}`, at);
    return lb + offset;
  }

  extensibleConstrainedInt(lb: number, ub: number, what: string): number {
    if (!this.bit(`${what} extension bit`)) return this.constrainedInt(lb, ub, what);
    const at = this.position;
    const value = this.unconstrainedInt(what);
    if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`${what} ${value} is not a safe integer`, at);
    }
    return Number(value);
  }

  semiConstrainedInt(lb: bigint, what: string): bigint {
    const n = this.length(0, undefined, what);
    if (n === 0) this.fail(`${what} has a zero-length integer`);
    this.need(n * 8, what);
    let value = 0n;
    for (let i = 0; i < n; i++) value = (value << 8n) | BigInt(this.bits(8, what));
    return lb + value;
  }

  unconstrainedInt(what: string): bigint {
    const n = this.length(0, undefined, what);
    if (n === 0) this.fail(`${what} has a zero-length integer`);
    this.need(n * 8, what);
    let value = 0n;
    for (let i = 0; i < n; i++) value = (value << 8n) | BigInt(this.bits(8, what));
    return BigInt.asIntN(8 * n, value);
  }

  normallySmall(what: string): number {
    if (!this.bit(what)) return this.bits(6, what);
    const at = this.position;
    const value = this.semiConstrainedInt(0n, what);
    if (value > 0xffffn) this.fail(`${what} ${value} is implausibly large`, at);
    return Number(value);
  }

  length(lb: number, ub: number | undefined, what: string): number {
    if (ub !== undefined && ub < 65536) return this.constrainedInt(lb, ub, `${what} length`);
    const at = this.position;
    let n: number;
    if (!this.bit(`${what} length`)) {
      n = this.bits(7, `${what} length`);
    } else {
      const fragmented = this.bit(`${what} length`);
      if (fragmented) this.fail(`${what} uses a fragmented length (16K or more), which is not supported`, at);
      n = this.bits(14, `${what} length`);
    }
    if (n < lb) this.fail(`${what} length ${n} is below ${lb}`, at);
    return n;
  }

  enumerated(rootCount: number, extensible: boolean, what: string): number {
    if (extensible && this.bit(`${what} extension bit`)) return rootCount + this.normallySmall(what);
    return this.constrainedInt(0, rootCount - 1, what);
  }

  choiceIndex(rootCount: number, extensible: boolean, what: string): number {
    return this.enumerated(rootCount, extensible, what);
  }

  bitString(lb: number, ub: number | undefined, what: string): boolean[] {
    const n = lb === ub ? lb : this.length(lb, ub, what);
    this.need(n, what);
    const out: boolean[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bit(what);
    return out;
  }

  octetString(lb: number, ub: number | undefined, what: string): Uint8Array {
    const n = lb === ub ? lb : this.length(lb, ub, what);
    return this.octets(n, what);
  }

  ia5String(lb: number, ub: number | undefined, what: string): string {
    const n = lb === ub ? lb : this.length(lb, ub, what);
    this.need(n * 7, what);
    let out = "";
    for (let i = 0; i < n; i++) out += String.fromCharCode(this.bits(7, what));
    return out;
  }

  utf8String(what: string): string {
    const at = this.position;
    const bytes = this.octets(this.length(0, undefined, what), what);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      throw new UperDecodeError(`${what} is not valid UTF-8`, at, { cause: error });
    }
  }

  /** X.691 11: the octets of an open type (the caller decodes them, or keeps them if the type is unknown). */
  openType(what: string): Uint8Array {
    return this.octets(this.length(0, undefined, what), what);
  }

  /**
   * X.691 19.7-19.9: after the root components of an extensible SEQUENCE whose extension bit was set, reads the
   * extension additions' presence bitmap and returns each present addition's open type, in order, so a caller
   * can decode those it knows and skip the rest.
   */
  extensionAdditions(what: string): Array<{ index: number; encoded: Uint8Array }> {
    const count = this.normallySmall(`${what} extension count`) + 1;
    this.need(count, `${what} extension bitmap`);
    const present: number[] = [];
    for (let i = 0; i < count; i++) if (this.bit(`${what} extension bitmap`)) present.push(i);
    return present.map((index) => ({ index, encoded: this.openType(`${what} extension ${index}`) }));
  }

  /** Reads the optional-field bitmap of a SEQUENCE (X.691 19.2), one flag per OPTIONAL or DEFAULT component. */
  presence(count: number, what: string): boolean[] {
    this.need(count, `${what} presence bitmap`);
    const out: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.bit(what);
    return out;
  }
}

/**
 * Decodes a complete encoding with `read`. Trailing bits must be padding: more than 7 spare bits, or a non-zero
 * pad bit, means the bytes are not the encoding of this type.
 */
export function uperDecode<T>(bytes: Uint8Array, read: (reader: UperReader) => T, what: string): T {
  const reader = new UperReader(bytes);
  const value = read(reader);
  if (reader.remaining >= 8) {
    // X.691 11.1: an empty encoding is one zero octet, so a single spare octet is fine when nothing was read.
    if (!(reader.offset === 0 && bytes.length === 1 && bytes[0] === 0)) {
      reader.fail(`${reader.remaining} bits follow the end of the ${what}`);
    }
  }
  while (reader.remaining > 0) if (reader.bit("padding")) reader.fail(`non-zero padding after the ${what}`);
  return value;
}
