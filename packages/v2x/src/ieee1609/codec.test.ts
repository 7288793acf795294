import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as arb from "./arbitraries.js";
import {
  CertificateCodec,
  type Codec,
  decodeIeee1609Dot2Data,
  decodeWithTbsSpan,
  EccP256CurvePointCodec,
  encodeIeee1609Dot2Data,
  GeographicRegionCodec,
  HeaderInfoCodec,
  Ieee1609Dot2DataCodec,
  PsidGroupPermissionsCodec,
  SignatureCodec,
  ToBeSignedCertificateCodec,
  ToBeSignedDataCodec,
} from "./codec.js";
import { CoerDecodeError, CoerUnsupportedError } from "./coer.js";
import { toHex } from "./hash.js";
import { time64ToDate } from "./time.js";

// Vectors live outside the repository (../shared/vectors relative to the project root); never copied in.
const VECTORS = resolve(import.meta.dirname, "../../../../../shared/vectors/ieee1609dot2");
const vector = (name: string) => new Uint8Array(readFileSync(resolve(VECTORS, name)));
const hexOf = (text: string) => Uint8Array.from(Buffer.from(text.replace(/[^0-9a-fA-F]/g, ""), "hex"));

describe("real IEEE 1609.2 sample (usdot-jpo-ode/asn1_codec)", () => {
  const xml = readFileSync(resolve(VECTORS, "Ieee1609Dot2Data.unsecuredData.Bsm.xml"), "utf8");
  const xmlBsm = hexOf(/<unsecuredData>([\s\S]*?)<\/unsecuredData>/.exec(xml)?.[1] ?? "");

  it("decodes the .coer.hex sample to the values of its .xml and re-encodes it byte for byte", () => {
    const bytes = hexOf(readFileSync(resolve(VECTORS, "Ieee1609Dot2Data.unsecuredData.Bsm.coer.hex"), "utf8"));
    const data = decodeIeee1609Dot2Data(bytes);
    expect(/<protocolVersion>(\d+)<\/protocolVersion>/.exec(xml)?.[1]).toBe("3");
    expect(data.protocolVersion).toBe(3);
    expect(data.content.type).toBe("unsecuredData");
    expect(xmlBsm.length).toBe(177);
    if (data.content.type === "unsecuredData") expect(toHex(data.content.data)).toBe(toHex(xmlBsm));
    expect(toHex(encodeIeee1609Dot2Data(data))).toBe(toHex(bytes));
  });

  it("decodes the binary .coer sample (a signed BSM, digest signer) and re-encodes it byte for byte", () => {
    // The binary file of this set is not the XML's message: it is a signedData wrapping a different BSM. We pin
    // what Wireshark's dissector reads in it (see tshark.test.ts) and check that the XML's BSM is absent.
    const bytes = vector("Ieee1609Dot2Data.unsecuredData.Bsm.coer");
    const data = decodeIeee1609Dot2Data(bytes);
    expect(data.protocolVersion).toBe(3);
    if (data.content.type !== "signedData") throw new Error(`expected signedData, got ${data.content.type}`);
    const { hashId, tbsData, signer, signature } = data.content.signedData;
    expect(hashId).toBe("sha256");
    expect(tbsData.headerInfo).toEqual({ psid: 32, generationTime: 429483745800140n });
    expect(time64ToDate(429483745800140n).toISOString()).toBe("2017-08-10T21:02:20.800Z");
    expect(signer).toEqual({ type: "digest", digest: hexOf("85c3ceeda2191f14") });
    expect(signature.type).toBe("ecdsaNistP256Signature");
    if (signature.type === "ecdsaNistP256Signature") {
      expect(signature.rSig).toEqual({
        type: "compressed-y-0",
        x: hexOf("277b36e4a8422ae4f9a99fc740b6e844f7d33624695b5acd0bca0ad4e5afaaeb"),
      });
      expect(toHex(signature.sSig)).toBe("9dba201fc105e2002e4fb87086adb96dfa3cf29a5f907b6fadb1697ba3eeb262");
    }
    const inner = tbsData.payload.data?.content;
    expect(inner?.type).toBe("unsecuredData");
    if (inner?.type === "unsecuredData") {
      expect(inner.data.length).toBe(134);
      expect(toHex(inner.data).startsWith("0014")).toBe(true); // J2735 MessageFrame, messageId 20 (BSM)
      expect(toHex(inner.data)).not.toBe(toHex(xmlBsm));
    }
    expect(toHex(encodeIeee1609Dot2Data(data))).toBe(toHex(bytes));
    const { tbs } = decodeWithTbsSpan(bytes);
    expect(toHex(bytes.subarray(tbs?.start, tbs?.end))).toBe(toHex(ToBeSignedDataCodec.encode(tbsData)));
  });
});

describe("COER codecs round-trip every generated structure", () => {
  const add = <T>(codec: Codec<T>, arbitrary: fc.Arbitrary<T>) => {
    it(`${codec.name}: decode(encode(x)) = x and encode(decode(bytes)) = bytes`, () => {
      fc.assert(
        fc.property(arbitrary, (value) => {
          const bytes = codec.encode(value);
          const decoded = codec.decode(bytes);
          expect(decoded).toEqual(value);
          expect(toHex(codec.encode(decoded))).toBe(toHex(bytes));
        }),
        { numRuns: 300 },
      );
    });
  };
  add(EccP256CurvePointCodec, arb.eccPoint);
  add(SignatureCodec, arb.signature);
  add(GeographicRegionCodec, arb.geographicRegion);
  add(PsidGroupPermissionsCodec, arb.psidGroupPermissions);
  add(HeaderInfoCodec, arb.headerInfo);
  add(ToBeSignedCertificateCodec, arb.toBeSignedCertificate);
  add(CertificateCodec, arb.certificate);
  add(Ieee1609Dot2DataCodec, arb.ieee1609Dot2Data);
});

describe("COER codecs: pinned encodings and errors", () => {
  it("encodes a HeaderInfo with psid 32 and generationTime as the sample does", () => {
    expect(toHex(HeaderInfoCodec.encode({ psid: 32, generationTime: 429483745800140n }))).toBe(
      "4001200001869cfa1aefcc",
    );
  });

  it("encodes a large PSID and a location with a two's complement longitude", () => {
    const bytes = HeaderInfoCodec.encode({
      psid: 0x20_40_97,
      generationLocation: { latitude: 312_304_000, longitude: -1_214_737_000, elevation: 4096 },
    });
    expect(toHex(bytes)).toBe("1003204097129d6180b79895981000");
  });

  it("refuses encryptedData with CoerUnsupportedError and a non-3 protocol version", () => {
    expect(() => decodeIeee1609Dot2Data(Uint8Array.of(3, 0x82, 0))).toThrow(CoerUnsupportedError);
    expect(() => decodeIeee1609Dot2Data(Uint8Array.of(3, 0x82, 0))).toThrow("encryptedData is not supported");
    expect(() => decodeIeee1609Dot2Data(Uint8Array.of(2, 0x80, 0))).toThrow("protocolVersion 2 is not 3 at byte 0");
  });

  it("keeps an unknown extension alternative of Ieee1609Dot2Content as its open type", () => {
    const bytes = Uint8Array.of(3, 0x84, 2, 0xab, 0xcd);
    const data = decodeIeee1609Dot2Data(bytes);
    expect(data.content).toEqual({ type: "unknown", tag: 4, encoded: Uint8Array.of(0xab, 0xcd) });
    expect(encodeIeee1609Dot2Data(data)).toEqual(bytes);
  });

  it("reports truncation with the offset where the input ran out", () => {
    const bytes = vector("Ieee1609Dot2Data.unsecuredData.Bsm.coer");
    const error = (() => {
      try {
        decodeIeee1609Dot2Data(bytes.subarray(0, 200));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CoerDecodeError);
    // The signature's sSig starts at byte 196 and needs 32 bytes; the error names the field and where it began.
    expect(error instanceof CoerDecodeError && error.offset).toBe(196);
    expect(error instanceof CoerDecodeError && error.shortMessage).toBe(
      "sSig needs 32 bytes but only 4 remain at byte 196",
    );
    expect(() => decodeIeee1609Dot2Data(Uint8Array.of(3, 0x80, 0x05, 1))).toThrow(
      "unsecuredData 5 exceeds the 1 bytes that remain at byte 2",
    );
  });

  it("rejects nesting deeper than the limit instead of recursing without bound", () => {
    // signedData { payload { data: signedData { ... } } } repeated: 3, 0x81, 0x00 (sha256), 0x40 (data present)
    const prefix = Uint8Array.of(3, 0x81, 0x00, 0x40);
    const deep = new Uint8Array(prefix.length * 1000);
    for (let i = 0; i < 1000; i++) deep.set(prefix, i * prefix.length);
    expect(() => decodeIeee1609Dot2Data(deep)).toThrow("nested more than 8 deep");
  });
});
