import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bitsForRange,
  UperDecodeError,
  UperEncodeError,
  UperReader,
  type UperWriter,
  uperDecode,
  uperEncode,
} from "./uper.js";

const hex = (write: (w: UperWriter) => void) => Buffer.from(uperEncode(write)).toString("hex");
const reader = (h: string) => new UperReader(Buffer.from(h, "hex"));

describe("UPER primitives (X.691 UNALIGNED), pinned encodings", () => {
  it("constrained whole numbers use the minimum bits of the range, nothing for a single value", () => {
    expect(bitsForRange(1)).toBe(0);
    expect(bitsForRange(2)).toBe(1);
    expect(bitsForRange(3601 + 1)).toBe(12);
    expect(bitsForRange(4398046511104)).toBe(42);
    expect(hex((w) => w.constrainedInt(3, 0, 7, "x"))).toBe("60");
    expect(hex((w) => w.constrainedInt(5, 5, 5, "x"))).toBe("00"); // empty encoding is one zero octet
    expect(hex((w) => w.constrainedInt(-900000000, -900000000, 900000001, "lat"))).toBe("00000000");
    expect(hex((w) => w.constrainedInt(4398046511103, 0, 4398046511103, "t"))).toBe("ffffffffffc0");
  });

  it("length determinants: constrained below 64K, else 8 or 16 bits", () => {
    expect(hex((w) => w.length(5, 0, 40, "x"))).toBe("14"); // 6 bits 000101
    expect(hex((w) => w.length(127, 0, undefined, "x"))).toBe("7f");
    expect(hex((w) => w.length(200, 0, undefined, "x"))).toBe("80c8");
    expect(() => hex((w) => w.length(16384, 0, undefined, "x"))).toThrow("needs fragmentation");
  });

  it("semi-constrained and unconstrained integers: length then minimal octets", () => {
    expect(hex((w) => w.unconstrainedInt(-1n, "x"))).toBe("01ff");
    expect(hex((w) => w.unconstrainedInt(128n, "x"))).toBe("020080");
    expect(hex((w) => w.unconstrainedInt(-129n, "x"))).toBe("02ff7f");
    expect(hex((w) => w.semiConstrainedInt(256n, 0n, "x"))).toBe("020100");
    expect(hex((w) => w.unconstrainedInt(2n ** 70n, "x"))).toBe(`0940${"00".repeat(8)}`);
  });

  it("an extensible constraint (1..65535, ...) adds one bit and leaves the root for unconstrained", () => {
    expect(hex((w) => w.extensibleConstrainedInt(1, 1, 65535, "x"))).toBe("000000");
    // 70000 = 0x011170: extension bit 1, length 3, three octets, shifted by one bit.
    expect(hex((w) => w.extensibleConstrainedInt(70000, 1, 65535, "x"))).toBe("818088b800");
    expect(reader("818088b800").extensibleConstrainedInt(1, 65535, "x")).toBe(70000);
  });

  it("normally small numbers, enumerations and CHOICE indices with extension markers", () => {
    expect(hex((w) => w.normallySmall(5, "x"))).toBe("0a");
    expect(hex((w) => w.normallySmall(64, "x"))).toBe("80a000");
    expect(hex((w) => w.enumerated(2, 3, false, "x"))).toBe("80");
    expect(hex((w) => w.enumerated(2, 3, true, "x"))).toBe("40"); // 0 + 10
    expect(hex((w) => w.enumerated(3, 3, true, "x"))).toBe("80"); // 1 + 0 000000
    expect(reader("80").enumerated(3, true, "x")).toBe(3);
    expect(() => hex((w) => w.enumerated(3, 3, false, "x"))).toThrow("not one of the 3 values");
  });

  it("strings and bit strings", () => {
    expect(hex((w) => w.ia5String("AB", 1, 3, "x"))).toBe("60c2");
    expect(reader("60c2").ia5String(1, 3, "x")).toBe("AB");
    expect(hex((w) => w.utf8String("é", "x"))).toBe("02c3a9");
    expect(reader("02c3a9").utf8String("x")).toBe("é");
    expect(() => reader("01ff").utf8String("name")).toThrow("name is not valid UTF-8");
    expect(hex((w) => w.bitString([true, false, true], 1, 13, "x"))).toBe("2a"); // length 3 in 4 bits: 0010, 101
    expect(reader("2a").bitString(1, 13, "x")).toEqual([true, false, true]);
    expect(hex((w) => w.octetString(Uint8Array.of(1, 2), 1, 20, "x"))).toBe("080810"); // 5-bit length 2-1, then the octets
  });

  it("skips unknown SEQUENCE extension additions by their open type lengths", () => {
    // Two additions, the first present (2 octets) and the second absent; then a 4-bit root value follows.
    const bytes = uperEncode((w) => {
      w.normallySmall(1, "count");
      w.bit(true);
      w.bit(false);
      w.openType(Uint8Array.of(0xde, 0xad), "addition");
      w.bits(0xa, 4);
    });
    const r = new UperReader(bytes);
    expect(r.extensionAdditions("x")).toEqual([{ index: 0, encoded: Uint8Array.of(0xde, 0xad) }]);
    expect(r.bits(4, "after")).toBe(0xa);
  });
});

describe("UPER primitives, properties", () => {
  it("any constrained integer round-trips in exactly bitsForRange bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.nat({ max: 2 ** 42 }), fc.nat(), (lb, span, k) => {
        const value = lb + (span === 0 ? 0 : k % (span + 1));
        const w = uperEncode((writer) => writer.constrainedInt(value, lb, lb + span, "v"));
        const r = new UperReader(w);
        expect(r.constrainedInt(lb, lb + span, "v")).toBe(value);
        expect(r.offset).toBe(bitsForRange(span + 1));
      }),
    );
  });

  it("any bigint round-trips as unconstrained and, when non-negative, semi-constrained", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
        fc.bigInt({ min: -1000n, max: 1000n }),
        (v, lb) => {
          expect(
            uperDecode(
              uperEncode((w) => w.unconstrainedInt(v, "v")),
              (r) => r.unconstrainedInt("v"),
              "v",
            ),
          ).toBe(v);
          const s = v < 0n ? -v : v;
          const bytes = uperEncode((w) => w.semiConstrainedInt(s + lb, lb, "v"));
          expect(uperDecode(bytes, (r) => r.semiConstrainedInt(lb, "v"), "v")).toBe(s + lb);
        },
      ),
    );
  });

  it("mixed unaligned fields read back in order", () => {
    const field = fc.oneof(
      fc.record({
        kind: fc.constant("bits" as const),
        n: fc.integer({ min: 0, max: 53 }),
        seed: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      fc.record({ kind: fc.constant("octets" as const), bytes: fc.uint8Array({ maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 30 }), (fields) => {
        const values = fields.map((f) => (f.kind === "bits" ? Math.floor(f.seed * 2 ** f.n) % 2 ** f.n : f.bytes));
        const bytes = uperEncode((w) =>
          fields.forEach((f, i) => {
            const v = values[i];
            if (f.kind === "bits" && typeof v === "number") w.bits(v, f.n);
            else if (v instanceof Uint8Array) w.octets(v);
          }),
        );
        const r = new UperReader(bytes);
        fields.forEach((f, i) => {
          expect(f.kind === "bits" ? r.bits(f.n, "b") : r.octets(f.bytes.length, "o")).toEqual(values[i]);
        });
      }),
    );
  });
});

describe("UPER decoding errors", () => {
  it("never reads past the end and says where it stopped", () => {
    const r = reader("ff");
    r.bits(5, "head");
    const error = (() => {
      try {
        r.bits(4, "speedValue");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UperDecodeError);
    expect(error).toMatchObject({ bitOffset: 5, name: "UperDecodeError" });
    expect(String(error)).toContain("UPER decode failed at bit 5: speedValue needs 4 bits but only 3 remain");
  });

  it("refuses a length larger than the remaining input before allocating", () => {
    expect(() => reader("7f00").octetString(0, undefined, "payload")).toThrow(
      "payload needs 1016 bits but only 8 remain",
    );
    expect(() => reader("c1").length(0, undefined, "x")).toThrow("fragmented length");
  });

  it("refuses values outside a non-power-of-two range and trailing garbage", () => {
    expect(() => reader("c0").constrainedInt(0, 2, "driveDirection")).toThrow("driveDirection 3 is outside 0..2");
    expect(() => uperDecode(Uint8Array.of(0x60, 0x00), (r) => r.constrainedInt(0, 7, "x"), "X")).toThrow(
      "13 bits follow the end of the X",
    );
    expect(() => uperDecode(Uint8Array.of(0x61), (r) => r.constrainedInt(0, 7, "x"), "X")).toThrow("non-zero padding");
  });

  it("the encoder refuses out-of-constraint values instead of wrapping", () => {
    expect(() => uperEncode((w) => w.constrainedInt(16384, 0, 16383, "speedValue"))).toThrow(UperEncodeError);
    expect(() => uperEncode((w) => w.constrainedInt(1.5, 0, 16383, "speedValue"))).toThrow(
      "cannot encode speedValue: 1.5 is outside 0..16383",
    );
    expect(() => uperEncode((w) => w.ia5String("é", 0, 5, "name"))).toThrow("character 0 is not IA5");
  });
});
