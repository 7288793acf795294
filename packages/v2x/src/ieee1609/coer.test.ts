import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoerDecodeError, CoerEncodeError, CoerReader, CoerUnsupportedError, CoerWriter } from "./coer.js";
import { toHex } from "./hash.js";

const written = (write: (w: CoerWriter) => void) => {
  const w = new CoerWriter(1);
  write(w);
  return toHex(w.finish());
};
const reader = (hex: string) => new CoerReader(Uint8Array.from(Buffer.from(hex, "hex")));

describe("COER primitives (ITU-T X.696)", () => {
  it("writes length determinants in short and minimal long form", () => {
    expect(written((w) => w.length(0))).toBe("00");
    expect(written((w) => w.length(127))).toBe("7f");
    expect(written((w) => w.length(128))).toBe("8180");
    expect(written((w) => w.length(256))).toBe("820100");
  });

  it("refuses non-canonical and oversized lengths with the offset", () => {
    expect(() => reader("817f").length()).toThrow("length: long form used for a length below 128 at byte 0");
    expect(() => reader("820080").length()).toThrow("length: long-form length has a leading zero at byte 0");
    expect(() => reader("80").length()).toThrow("length: indefinite or empty long-form length at byte 0");
    expect(() => reader("85ffffffffff").length()).toThrow("long-form length of 5 octets is too large");
    expect(() => reader("8180").length()).toThrow("length 128 exceeds the 0 bytes that remain at byte 0");
    expect(() => reader("03aa").length()).toThrow(CoerDecodeError);
  });

  it("encodes integers: fixed-size, signed fixed-size, unconstrained unsigned and signed", () => {
    expect(written((w) => w.uint(2, 0x1234))).toBe("1234");
    expect(written((w) => w.int(4, -1))).toBe("ffffffff");
    expect(written((w) => w.uint64(429483745800140n))).toBe("0001869cfa1aefcc");
    expect(written((w) => w.unconstrainedUint(0))).toBe("0100");
    expect(written((w) => w.unconstrainedUint(0x8007))).toBe("028007");
    expect(written((w) => w.unconstrainedInt(-1))).toBe("01ff");
    expect(written((w) => w.unconstrainedInt(128))).toBe("020080");
    expect(written((w) => w.unconstrainedInt(-129))).toBe("02ff7f");
    expect(() => written((w) => w.uint(1, 256))).toThrow(CoerEncodeError);
    expect(() => reader("020001").unconstrainedUint()).toThrow("integer is not minimal");
    expect(() => reader("02ff80").unconstrainedInt()).toThrow("integer is not minimal");
    expect(() => reader(`08${"01".repeat(8)}`).unconstrainedUint()).toThrow(CoerUnsupportedError);
  });

  it("round-trips unconstrained integers", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }), (u, s) => {
        const w = new CoerWriter();
        w.unconstrainedUint(u).unconstrainedInt(s);
        const r = new CoerReader(w.finish());
        expect(r.unconstrainedUint()).toBe(u);
        expect(r.unconstrainedInt()).toBe(s);
        r.finish();
      }),
    );
  });

  it("writes and reads SEQUENCE preambles, refusing non-zero padding", () => {
    expect(written((w) => w.preamble([true, false, true], true, false))).toBe("50");
    expect(reader("50").preamble(3, true)).toEqual({ extended: false, present: [true, false, true] });
    expect(reader("c0").preamble(1, true)).toEqual({ extended: true, present: [true] });
    expect(() => reader("41").preamble(3, true)).toThrow("SEQUENCE preamble has a non-zero padding bit");
  });

  it("writes CHOICE tags in short and long form", () => {
    expect(written((w) => w.choiceTag(2))).toBe("82");
    expect(written((w) => w.choiceTag(63))).toBe("bf3f");
    expect(written((w) => w.choiceTag(200))).toBe("bf8148");
    expect(reader("bf8148").choiceTag()).toEqual({ tagClass: 2, tagNumber: 200 });
    expect(() => reader("bf05").choiceTag()).toThrow("long form for a number below 63");
    expect(() => reader("02").choiceIndex("X", 2, true)).toThrow("tag class 0 is not context-specific");
    expect(() => reader("85").choiceIndex("X", 2, false)).toThrow("X: alternative 5 does not exist");
  });

  it("encodes extension additions as a bitmap and open types", () => {
    const hex = written((w) => w.extensionAdditions([null, Uint8Array.of(0xaa), null]));
    expect(hex).toBe("02054001aa"); // 2 octets: 5 unused bits, bitmap 010, then one open type
    expect(reader(hex).extensionAdditions()).toEqual([null, Uint8Array.of(0xaa), null]);
    expect(() => reader("020500").extensionAdditions()).toThrow("extension bit set but no addition present");
    expect(() => reader("020541").extensionAdditions()).toThrow("non-zero unused bits");
  });

  it("bounds SEQUENCE OF quantities by the bytes that remain", () => {
    expect(() => reader(`0105${"00".repeat(4)}`).quantity("items", 1)).toThrow(
      "items claims 5 elements but only 4 bytes remain at byte 0",
    );
    expect(reader(`0102${"00".repeat(4)}`).quantity("items", 2)).toBe(2);
  });

  it("requires UTF-8 strings to be valid and keeps a leading BOM", () => {
    expect(() => reader("01ff").utf8String()).toThrow("UTF8String is not valid UTF-8 at byte 0");
    expect(reader("03efbbbf").utf8String()).toBe("\ufeff");
  });
});
