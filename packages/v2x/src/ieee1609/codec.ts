// COER encoders and decoders of the IEEE 1609.2 structures in types.ts (IEEE 1609.2-2016 clause 6 and
// 1609.2-2022 clause 6, whose clause 6.1 prescribes COER; ETSI TS 103 097 v2.1.1 mandates COER too).
// Written from the ASN.1 modules Ieee1609Dot2 and Ieee1609Dot2BaseTypes; each reader mirrors its writer.
//
// What is not modelled is either kept as bytes (extension additions, unknown alternatives of extensible CHOICEs:
// both are open types in COER, so their length is known) or refused with CoerUnsupportedError when its length
// cannot be known without decoding it (encryptedData, the root alternative of Ieee1609Dot2Content).
import { CoerDecodeError, CoerReader, CoerUnsupportedError, CoerWriter, MAX_NESTING } from "./coer.js";
import type {
  BasePublicEncryptionKey,
  Certificate,
  CertificateId,
  CertificateType,
  Duration,
  DurationUnit,
  EccP256CurvePoint,
  EncryptionKey,
  GeographicRegion,
  HashAlgorithm,
  HashedData,
  HeaderInfo,
  IdentifiedRegion,
  Ieee1609Dot2Content,
  Ieee1609Dot2Data,
  IssuerIdentifier,
  LinkageData,
  MissingCrlIdentifier,
  PsidGroupPermissions,
  PsidSsp,
  PsidSspRange,
  PublicEncryptionKey,
  PublicVerificationKey,
  RectangularRegion,
  ServiceSpecificPermissions,
  Signature,
  SignedData,
  SignedDataPayload,
  SignerIdentifier,
  SspRange,
  SubjectPermissions,
  SymmAlgorithm,
  SymmetricEncryptionKey,
  ThreeDLocation,
  ToBeSignedCertificate,
  ToBeSignedData,
  TwoDLocation,
  UnknownAlternative,
  ValidityPeriod,
  VerificationKeyIndicator,
} from "./types.js";

/** A reader and writer pair for one ASN.1 type, with whole-buffer encode and decode. */
export type Codec<T> = {
  readonly name: string;
  read(r: CoerReader): T;
  write(w: CoerWriter, value: T): void;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
};

function codec<T>(name: string, read: (r: CoerReader) => T, write: (w: CoerWriter, value: T) => void): Codec<T> {
  return {
    name,
    read,
    write,
    encode(value) {
      const w = new CoerWriter();
      write(w, value);
      return w.finish();
    },
    decode(bytes) {
      const r = new CoerReader(bytes);
      const value = read(r);
      r.finish(name);
      return value;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers for CHOICE alternatives and SEQUENCE OF

/** Reads an extension alternative (tag >= rootCount) of an extensible CHOICE as an opaque open type. */
function readUnknown(r: CoerReader, tag: number): UnknownAlternative {
  return { type: "unknown", tag, encoded: r.openTypeBytes(`extension alternative ${tag}`) };
}

function writeUnknown(w: CoerWriter, value: UnknownAlternative): void {
  w.choiceTag(value.tag).openTypeBytes(value.encoded);
}

/** Reads a known extension alternative whose contents are one open type, checking it is fully consumed. */
function readExtensionAlternative<T>(r: CoerReader, what: string, read: (inner: CoerReader) => T): T {
  const inner = r.openType(what);
  const value = read(inner);
  inner.finish(what);
  return value;
}

function readSequenceOf<T>(r: CoerReader, what: string, minElementOctets: number, read: (r: CoerReader) => T): T[] {
  const count = r.quantity(what, minElementOctets);
  const items: T[] = [];
  for (let i = 0; i < count; i++) items.push(read(r));
  return items;
}

function writeSequenceOf<T>(w: CoerWriter, items: readonly T[], write: (w: CoerWriter, item: T) => void): void {
  w.quantity(items.length);
  for (const item of items) write(w, item);
}

const hasExtensions = (extensions: readonly (Uint8Array | null)[] | undefined): boolean =>
  extensions?.some((a) => a !== null) === true;

// ---------------------------------------------------------------------------------------------------------------
// Base types (Ieee1609Dot2BaseTypes)

const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["sha256", "sha384", "sm3"];

export function readHashAlgorithm(r: CoerReader): HashAlgorithm {
  const value = r.enumerated("HashAlgorithm");
  const name = HASH_ALGORITHMS[value];
  if (name === undefined) r.unsupported(`HashAlgorithm value ${value} is unknown`);
  return name;
}

export function writeHashAlgorithm(w: CoerWriter, value: HashAlgorithm): void {
  w.enumerated(HASH_ALGORITHMS.indexOf(value), "HashAlgorithm");
}

const Latitude = { min: -900_000_000, max: 900_000_001 };
const Longitude = { min: -1_799_999_999, max: 1_800_000_001 };

function readTwoD(r: CoerReader): TwoDLocation {
  return {
    latitude: r.constrainedInt(4, Latitude.min, Latitude.max, "Latitude"),
    longitude: r.constrainedInt(4, Longitude.min, Longitude.max, "Longitude"),
  };
}

function writeTwoD(w: CoerWriter, v: TwoDLocation): void {
  w.constrainedInt(4, v.latitude, Latitude.min, Latitude.max, "Latitude");
  w.constrainedInt(4, v.longitude, Longitude.min, Longitude.max, "Longitude");
}

function readThreeD(r: CoerReader): ThreeDLocation {
  const { latitude, longitude } = readTwoD(r);
  return { latitude, longitude, elevation: r.uint(2, "Elevation") };
}

function writeThreeD(w: CoerWriter, v: ThreeDLocation): void {
  writeTwoD(w, v);
  w.uint(2, v.elevation, "Elevation");
}

export function readEccP256CurvePoint(r: CoerReader): EccP256CurvePoint {
  // EccP256CurvePoint has no extension marker: five root alternatives.
  const index = r.choiceIndex("EccP256CurvePoint", 5, false);
  switch (index) {
    case 0:
      return { type: "x-only", x: r.fixedOctets(32, "x-only") };
    case 1:
      return { type: "fill" };
    case 2:
      return { type: "compressed-y-0", x: r.fixedOctets(32, "compressed-y-0") };
    case 3:
      return { type: "compressed-y-1", x: r.fixedOctets(32, "compressed-y-1") };
    default:
      return {
        type: "uncompressedP256",
        x: r.fixedOctets(32, "uncompressedP256.x"),
        y: r.fixedOctets(32, "uncompressedP256.y"),
      };
  }
}

export function writeEccP256CurvePoint(w: CoerWriter, v: EccP256CurvePoint): void {
  switch (v.type) {
    case "x-only":
      w.choiceTag(0).fixedOctets(v.x, 32, "x-only");
      return;
    case "fill":
      w.choiceTag(1);
      return;
    case "compressed-y-0":
      w.choiceTag(2).fixedOctets(v.x, 32, "compressed-y-0");
      return;
    case "compressed-y-1":
      w.choiceTag(3).fixedOctets(v.x, 32, "compressed-y-1");
      return;
    case "uncompressedP256":
      w.choiceTag(4).fixedOctets(v.x, 32, "uncompressedP256.x").fixedOctets(v.y, 32, "uncompressedP256.y");
      return;
  }
}

export function readSignature(r: CoerReader): Signature {
  const index = r.choiceIndex("Signature", 2, true);
  if (index >= 2) return readUnknown(r, index);
  const rSig = readEccP256CurvePoint(r);
  const sSig = r.fixedOctets(32, "sSig");
  return { type: index === 0 ? "ecdsaNistP256Signature" : "ecdsaBrainpoolP256r1Signature", rSig, sSig };
}

export function writeSignature(w: CoerWriter, v: Signature): void {
  if (v.type === "unknown") {
    writeUnknown(w, v);
    return;
  }
  w.choiceTag(v.type === "ecdsaNistP256Signature" ? 0 : 1);
  writeEccP256CurvePoint(w, v.rSig);
  w.fixedOctets(v.sSig, 32, "sSig");
}

const DURATION_UNITS: readonly DurationUnit[] = [
  "microseconds",
  "milliseconds",
  "seconds",
  "minutes",
  "hours",
  "sixtyHours",
  "years",
];

function readValidityPeriod(r: CoerReader): ValidityPeriod {
  const start = r.uint(4, "Time32");
  const index = r.choiceIndex("Duration", DURATION_UNITS.length, false);
  const duration: Duration = { unit: DURATION_UNITS[index]!, value: r.uint(2, "Duration") };
  return { start, duration };
}

function writeValidityPeriod(w: CoerWriter, v: ValidityPeriod): void {
  w.uint(4, v.start, "Time32");
  const index = DURATION_UNITS.indexOf(v.duration.unit);
  w.choiceTag(index).uint(2, v.duration.value, "Duration");
}

function readRectangle(r: CoerReader): RectangularRegion {
  return { northWest: readTwoD(r), southEast: readTwoD(r) };
}

function writeRectangle(w: CoerWriter, v: RectangularRegion): void {
  writeTwoD(w, v.northWest);
  writeTwoD(w, v.southEast);
}

function readIdentifiedRegion(r: CoerReader): IdentifiedRegion {
  const index = r.choiceIndex("IdentifiedRegion", 3, true);
  switch (index) {
    case 0:
      return { type: "countryOnly", country: r.uint(2, "UnCountryId") };
    case 1: {
      const country = r.uint(2, "UnCountryId");
      return { type: "countryAndRegions", country, regions: readSequenceOf(r, "regions", 1, (x) => x.uint(1)) };
    }
    case 2: {
      const country = r.uint(2, "UnCountryId");
      const regionAndSubregions = readSequenceOf(r, "regionAndSubregions", 2, (x) => ({
        region: x.uint(1, "region"),
        subregions: readSequenceOf(x, "subregions", 2, (y) => y.uint(2, "subregion")),
      }));
      return { type: "countryAndSubregions", country, regionAndSubregions };
    }
    default:
      return readUnknown(r, index);
  }
}

function writeIdentifiedRegion(w: CoerWriter, v: IdentifiedRegion): void {
  switch (v.type) {
    case "countryOnly":
      w.choiceTag(0).uint(2, v.country, "UnCountryId");
      return;
    case "countryAndRegions":
      w.choiceTag(1).uint(2, v.country, "UnCountryId");
      writeSequenceOf(w, v.regions, (x, region) => x.uint(1, region, "region"));
      return;
    case "countryAndSubregions":
      w.choiceTag(2).uint(2, v.country, "UnCountryId");
      writeSequenceOf(w, v.regionAndSubregions, (x, item) => {
        x.uint(1, item.region, "region");
        writeSequenceOf(x, item.subregions, (y, s) => y.uint(2, s, "subregion"));
      });
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

export function readGeographicRegion(r: CoerReader): GeographicRegion {
  const index = r.choiceIndex("GeographicRegion", 4, true);
  switch (index) {
    case 0: {
      const center = readTwoD(r);
      return { type: "circularRegion", center, radius: r.uint(2, "radius") };
    }
    case 1:
      return {
        type: "rectangularRegion",
        rectangles: readSequenceOf(r, "SequenceOfRectangularRegion", 16, readRectangle),
      };
    case 2: {
      const start = r.offset;
      const points = readSequenceOf(r, "PolygonalRegion", 8, readTwoD);
      if (points.length < 3) r.fail(`PolygonalRegion at ${start} has ${points.length} points, SIZE(3..MAX)`);
      return { type: "polygonalRegion", points };
    }
    case 3:
      return {
        type: "identifiedRegion",
        regions: readSequenceOf(r, "SequenceOfIdentifiedRegion", 1, readIdentifiedRegion),
      };
    default:
      return readUnknown(r, index);
  }
}

export function writeGeographicRegion(w: CoerWriter, v: GeographicRegion): void {
  switch (v.type) {
    case "circularRegion":
      w.choiceTag(0);
      writeTwoD(w, v.center);
      w.uint(2, v.radius, "radius");
      return;
    case "rectangularRegion":
      w.choiceTag(1);
      writeSequenceOf(w, v.rectangles, writeRectangle);
      return;
    case "polygonalRegion":
      w.choiceTag(2);
      writeSequenceOf(w, v.points, writeTwoD);
      return;
    case "identifiedRegion":
      w.choiceTag(3);
      writeSequenceOf(w, v.regions, writeIdentifiedRegion);
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

function readSsp(r: CoerReader): ServiceSpecificPermissions {
  const index = r.choiceIndex("ServiceSpecificPermissions", 1, true);
  if (index === 0) return { type: "opaque", bytes: r.octetString("opaque SSP") };
  if (index === 1) {
    return {
      type: "bitmapSsp",
      bytes: readExtensionAlternative(r, "bitmapSsp", (x) => x.octetString("BitmapSsp", 0, 31)),
    };
  }
  return readUnknown(r, index);
}

function writeSsp(w: CoerWriter, v: ServiceSpecificPermissions): void {
  switch (v.type) {
    case "opaque":
      w.choiceTag(0).octetString(v.bytes);
      return;
    case "bitmapSsp":
      w.choiceTag(1).openType((x) => x.octetString(v.bytes, "BitmapSsp", 0, 31));
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

export function readPsidSsp(r: CoerReader): PsidSsp {
  const { present } = r.preamble(1, false, "PsidSsp");
  const psid = r.unconstrainedUint("Psid");
  return present[0] ? { psid, ssp: readSsp(r) } : { psid };
}

export function writePsidSsp(w: CoerWriter, v: PsidSsp): void {
  w.preamble([v.ssp !== undefined], false).unconstrainedUint(v.psid, "Psid");
  if (v.ssp !== undefined) writeSsp(w, v.ssp);
}

function readSspRange(r: CoerReader): SspRange {
  const index = r.choiceIndex("SspRange", 2, true);
  if (index === 0) {
    return { type: "opaque", values: readSequenceOf(r, "SequenceOfOctetString", 1, (x) => x.octetString()) };
  }
  if (index === 1) return { type: "all" };
  if (index === 2) {
    return readExtensionAlternative(r, "bitmapSspRange", (x) => ({
      type: "bitmapSspRange" as const,
      sspValue: x.octetString("sspValue", 1, 32),
      sspBitmask: x.octetString("sspBitmask", 1, 32),
    }));
  }
  return readUnknown(r, index);
}

function writeSspRange(w: CoerWriter, v: SspRange): void {
  switch (v.type) {
    case "opaque":
      w.choiceTag(0);
      writeSequenceOf(w, v.values, (x, value) => x.octetString(value));
      return;
    case "all":
      w.choiceTag(1);
      return;
    case "bitmapSspRange":
      w.choiceTag(2).openType((x) => {
        x.octetString(v.sspValue, "sspValue", 1, 32).octetString(v.sspBitmask, "sspBitmask", 1, 32);
      });
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

function readPsidSspRange(r: CoerReader): PsidSspRange {
  const { present } = r.preamble(1, false, "PsidSspRange");
  const psid = r.unconstrainedUint("Psid");
  return present[0] ? { psid, sspRange: readSspRange(r) } : { psid };
}

function writePsidSspRange(w: CoerWriter, v: PsidSspRange): void {
  w.preamble([v.sspRange !== undefined], false).unconstrainedUint(v.psid, "Psid");
  if (v.sspRange !== undefined) writeSspRange(w, v.sspRange);
}

function readSubjectPermissions(r: CoerReader): SubjectPermissions {
  const index = r.choiceIndex("SubjectPermissions", 2, true);
  if (index === 0)
    return { type: "explicit", ranges: readSequenceOf(r, "SequenceOfPsidSspRange", 3, readPsidSspRange) };
  if (index === 1) return { type: "all" };
  return readUnknown(r, index);
}

function writeSubjectPermissions(w: CoerWriter, v: SubjectPermissions): void {
  switch (v.type) {
    case "explicit":
      w.choiceTag(0);
      writeSequenceOf(w, v.ranges, writePsidSspRange);
      return;
    case "all":
      w.choiceTag(1);
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

export function readPsidGroupPermissions(r: CoerReader): PsidGroupPermissions {
  // No extension marker; three DEFAULT components, each with a presence bit.
  const { present } = r.preamble(3, false, "PsidGroupPermissions");
  const value: PsidGroupPermissions = { subjectPermissions: readSubjectPermissions(r) };
  if (present[0]) value.minChainLength = r.unconstrainedInt("minChainLength");
  if (present[1]) value.chainLengthRange = r.unconstrainedInt("chainLengthRange");
  if (present[2]) value.eeType = r.fixedBits(8, "EndEntityType")[0]!;
  return value;
}

export function writePsidGroupPermissions(w: CoerWriter, v: PsidGroupPermissions): void {
  w.preamble([v.minChainLength !== undefined, v.chainLengthRange !== undefined, v.eeType !== undefined], false);
  writeSubjectPermissions(w, v.subjectPermissions);
  if (v.minChainLength !== undefined) w.unconstrainedInt(v.minChainLength, "minChainLength");
  if (v.chainLengthRange !== undefined) w.unconstrainedInt(v.chainLengthRange, "chainLengthRange");
  if (v.eeType !== undefined) w.uint(1, v.eeType, "EndEntityType");
}

export function readPublicVerificationKey(r: CoerReader): PublicVerificationKey {
  const index = r.choiceIndex("PublicVerificationKey", 2, true);
  if (index >= 2) return readUnknown(r, index);
  return { type: index === 0 ? "ecdsaNistP256" : "ecdsaBrainpoolP256r1", point: readEccP256CurvePoint(r) };
}

export function writePublicVerificationKey(w: CoerWriter, v: PublicVerificationKey): void {
  if (v.type === "unknown") {
    writeUnknown(w, v);
    return;
  }
  w.choiceTag(v.type === "ecdsaNistP256" ? 0 : 1);
  writeEccP256CurvePoint(w, v.point);
}

const SYMM_ALGORITHMS: readonly SymmAlgorithm[] = ["aes128Ccm", "sm4Ccm"];

function readPublicEncryptionKey(r: CoerReader): PublicEncryptionKey {
  const value = r.enumerated("SymmAlgorithm");
  const supportedSymmAlg = SYMM_ALGORITHMS[value];
  if (supportedSymmAlg === undefined) r.unsupported(`SymmAlgorithm value ${value} is unknown`);
  const index = r.choiceIndex("BasePublicEncryptionKey", 2, true);
  const publicKey: BasePublicEncryptionKey =
    index >= 2
      ? readUnknown(r, index)
      : { type: index === 0 ? "eciesNistP256" : "eciesBrainpoolP256r1", point: readEccP256CurvePoint(r) };
  return { supportedSymmAlg, publicKey };
}

function writePublicEncryptionKey(w: CoerWriter, v: PublicEncryptionKey): void {
  w.enumerated(SYMM_ALGORITHMS.indexOf(v.supportedSymmAlg), "SymmAlgorithm");
  const key = v.publicKey;
  if (key.type === "unknown") {
    writeUnknown(w, key);
    return;
  }
  w.choiceTag(key.type === "eciesNistP256" ? 0 : 1);
  writeEccP256CurvePoint(w, key.point);
}

function readSymmetricEncryptionKey(r: CoerReader): SymmetricEncryptionKey {
  const index = r.choiceIndex("SymmetricEncryptionKey", 1, true);
  if (index === 0) return { type: "aes128Ccm", key: r.fixedOctets(16, "aes128Ccm") };
  return readUnknown(r, index);
}

function writeSymmetricEncryptionKey(w: CoerWriter, v: SymmetricEncryptionKey): void {
  if (v.type === "unknown") {
    writeUnknown(w, v);
    return;
  }
  w.choiceTag(0).fixedOctets(v.key, 16, "aes128Ccm");
}

function readEncryptionKey(r: CoerReader): EncryptionKey {
  const index = r.choiceIndex("EncryptionKey", 2, false);
  if (index === 0) return { type: "public", key: readPublicEncryptionKey(r) };
  return { type: "symmetric", key: readSymmetricEncryptionKey(r) };
}

function writeEncryptionKey(w: CoerWriter, v: EncryptionKey): void {
  if (v.type === "public") {
    w.choiceTag(0);
    writePublicEncryptionKey(w, v.key);
  } else {
    w.choiceTag(1);
    writeSymmetricEncryptionKey(w, v.key);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates (IEEE 1609.2 clause 6.4, ETSI TS 103 097 v2.1.1 clause 6)

function readLinkageData(r: CoerReader): LinkageData {
  const { present } = r.preamble(1, false, "LinkageData");
  const iCert = r.uint(2, "IValue");
  const linkageValue = r.fixedOctets(9, "LinkageValue");
  if (!present[0]) return { iCert, linkageValue };
  return {
    iCert,
    linkageValue,
    groupLinkageValue: { jValue: r.fixedOctets(4, "jValue"), value: r.fixedOctets(9, "value") },
  };
}

function writeLinkageData(w: CoerWriter, v: LinkageData): void {
  w.preamble([v.groupLinkageValue !== undefined], false).uint(2, v.iCert, "IValue");
  w.fixedOctets(v.linkageValue, 9, "LinkageValue");
  if (v.groupLinkageValue !== undefined) {
    w.fixedOctets(v.groupLinkageValue.jValue, 4, "jValue").fixedOctets(v.groupLinkageValue.value, 9, "value");
  }
}

function readCertificateId(r: CoerReader): CertificateId {
  const index = r.choiceIndex("CertificateId", 4, true);
  switch (index) {
    case 0:
      return { type: "linkageData", linkageData: readLinkageData(r) };
    case 1:
      return { type: "name", name: r.utf8String("Hostname", 255) };
    case 2:
      return { type: "binaryId", id: r.octetString("binaryId", 1, 64) };
    case 3:
      return { type: "none" };
    default:
      return readUnknown(r, index);
  }
}

function writeCertificateId(w: CoerWriter, v: CertificateId): void {
  switch (v.type) {
    case "linkageData":
      w.choiceTag(0);
      writeLinkageData(w, v.linkageData);
      return;
    case "name":
      w.choiceTag(1).utf8String(v.name, "Hostname", 255);
      return;
    case "binaryId":
      w.choiceTag(2).octetString(v.id, "binaryId", 1, 64);
      return;
    case "none":
      w.choiceTag(3);
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

function readIssuerIdentifier(r: CoerReader): IssuerIdentifier {
  const index = r.choiceIndex("IssuerIdentifier", 2, true);
  switch (index) {
    case 0:
      return { type: "sha256AndDigest", digest: r.fixedOctets(8, "HashedId8") };
    case 1:
      return { type: "self", hashAlgorithm: readHashAlgorithm(r) };
    case 2:
      return {
        type: "sha384AndDigest",
        digest: readExtensionAlternative(r, "sha384AndDigest", (x) => x.fixedOctets(8)),
      };
    case 3:
      return { type: "sm3AndDigest", digest: readExtensionAlternative(r, "sm3AndDigest", (x) => x.fixedOctets(8)) };
    default:
      return readUnknown(r, index);
  }
}

function writeIssuerIdentifier(w: CoerWriter, v: IssuerIdentifier): void {
  switch (v.type) {
    case "sha256AndDigest":
      w.choiceTag(0).fixedOctets(v.digest, 8, "HashedId8");
      return;
    case "self":
      w.choiceTag(1);
      writeHashAlgorithm(w, v.hashAlgorithm);
      return;
    case "sha384AndDigest":
      w.choiceTag(2).openType((x) => x.fixedOctets(v.digest, 8, "HashedId8"));
      return;
    case "sm3AndDigest":
      w.choiceTag(3).openType((x) => x.fixedOctets(v.digest, 8, "HashedId8"));
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

function readVerificationKeyIndicator(r: CoerReader): VerificationKeyIndicator {
  const index = r.choiceIndex("VerificationKeyIndicator", 2, true);
  if (index === 0) return { type: "verificationKey", key: readPublicVerificationKey(r) };
  if (index === 1) return { type: "reconstructionValue", point: readEccP256CurvePoint(r) };
  return readUnknown(r, index);
}

function writeVerificationKeyIndicator(w: CoerWriter, v: VerificationKeyIndicator): void {
  switch (v.type) {
    case "verificationKey":
      w.choiceTag(0);
      writePublicVerificationKey(w, v.key);
      return;
    case "reconstructionValue":
      w.choiceTag(1);
      writeEccP256CurvePoint(w, v.point);
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

export function readToBeSignedCertificate(r: CoerReader): ToBeSignedCertificate {
  const start = r.offset;
  const { extended, present } = r.preamble(7, true, "ToBeSignedCertificate");
  const id = readCertificateId(r);
  const cracaId = r.fixedOctets(3, "cracaId");
  const crlSeries = r.uint(2, "CrlSeries");
  const validityPeriod = readValidityPeriod(r);
  const region = present[0] ? readGeographicRegion(r) : undefined;
  const assuranceLevel = present[1] ? r.fixedOctets(1, "SubjectAssurance")[0]! : undefined;
  const appPermissions = present[2] ? readSequenceOf(r, "SequenceOfPsidSsp", 2, readPsidSsp) : undefined;
  const certIssuePermissions = present[3]
    ? readSequenceOf(r, "certIssuePermissions", 2, readPsidGroupPermissions)
    : undefined;
  const certRequestPermissions = present[4]
    ? readSequenceOf(r, "certRequestPermissions", 2, readPsidGroupPermissions)
    : undefined;
  const encryptionKey = present[6] ? readPublicEncryptionKey(r) : undefined;
  const verifyKeyIndicator = readVerificationKeyIndicator(r);
  const tbs: ToBeSignedCertificate = { id, cracaId, crlSeries, validityPeriod, verifyKeyIndicator };
  if (region !== undefined) tbs.region = region;
  if (assuranceLevel !== undefined) tbs.assuranceLevel = assuranceLevel;
  if (appPermissions !== undefined) tbs.appPermissions = appPermissions;
  if (certIssuePermissions !== undefined) tbs.certIssuePermissions = certIssuePermissions;
  if (certRequestPermissions !== undefined) tbs.certRequestPermissions = certRequestPermissions;
  if (present[5]) tbs.canRequestRollover = true;
  if (encryptionKey !== undefined) tbs.encryptionKey = encryptionKey;
  if (extended) tbs.extensions = r.extensionAdditions("ToBeSignedCertificate");
  if (appPermissions === undefined && certIssuePermissions === undefined && certRequestPermissions === undefined) {
    throw new CoerDecodeError(
      "ToBeSignedCertificate has none of appPermissions, certIssuePermissions, certRequestPermissions",
      start,
    );
  }
  return tbs;
}

export function writeToBeSignedCertificate(w: CoerWriter, v: ToBeSignedCertificate): void {
  const extended = hasExtensions(v.extensions);
  w.preamble(
    [
      v.region !== undefined,
      v.assuranceLevel !== undefined,
      v.appPermissions !== undefined,
      v.certIssuePermissions !== undefined,
      v.certRequestPermissions !== undefined,
      v.canRequestRollover === true,
      v.encryptionKey !== undefined,
    ],
    true,
    extended,
  );
  writeCertificateId(w, v.id);
  w.fixedOctets(v.cracaId, 3, "cracaId").uint(2, v.crlSeries, "CrlSeries");
  writeValidityPeriod(w, v.validityPeriod);
  if (v.region !== undefined) writeGeographicRegion(w, v.region);
  if (v.assuranceLevel !== undefined) w.uint(1, v.assuranceLevel, "SubjectAssurance");
  if (v.appPermissions !== undefined) writeSequenceOf(w, v.appPermissions, writePsidSsp);
  if (v.certIssuePermissions !== undefined) writeSequenceOf(w, v.certIssuePermissions, writePsidGroupPermissions);
  if (v.certRequestPermissions !== undefined) writeSequenceOf(w, v.certRequestPermissions, writePsidGroupPermissions);
  if (v.encryptionKey !== undefined) writePublicEncryptionKey(w, v.encryptionKey);
  writeVerificationKeyIndicator(w, v.verifyKeyIndicator);
  if (extended && v.extensions !== undefined) w.extensionAdditions(v.extensions, "ToBeSignedCertificate");
}

const CERTIFICATE_TYPES: readonly CertificateType[] = ["explicit", "implicit"];

export function readCertificate(r: CoerReader): Certificate {
  const start = r.offset;
  const { present } = r.preamble(1, false, "CertificateBase");
  const version = r.u8("version");
  if (version !== 3) throw new CoerUnsupportedError(`certificate version ${version} is not 3`, start);
  const typeValue = r.enumerated("CertificateType");
  const type = CERTIFICATE_TYPES[typeValue];
  if (type === undefined) r.unsupported(`CertificateType value ${typeValue} is unknown`);
  const issuer = readIssuerIdentifier(r);
  const toBeSigned = readToBeSignedCertificate(r);
  if (!present[0]) return { version, type, issuer, toBeSigned };
  return { version, type, issuer, toBeSigned, signature: readSignature(r) };
}

export function writeCertificate(w: CoerWriter, v: Certificate): void {
  w.preamble([v.signature !== undefined], false).uint(1, v.version, "version");
  w.enumerated(CERTIFICATE_TYPES.indexOf(v.type), "CertificateType");
  writeIssuerIdentifier(w, v.issuer);
  writeToBeSignedCertificate(w, v.toBeSigned);
  if (v.signature !== undefined) writeSignature(w, v.signature);
}

// ---------------------------------------------------------------------------------------------------------------
// Secured data (IEEE 1609.2 clause 6.3, ETSI TS 103 097 v2.1.1 clause 5)

function readHashedData(r: CoerReader): HashedData {
  const index = r.choiceIndex("HashedData", 1, true);
  if (index === 0) return { type: "sha256HashedData", hash: r.fixedOctets(32, "sha256HashedData") };
  return readUnknown(r, index);
}

function writeHashedData(w: CoerWriter, v: HashedData): void {
  if (v.type === "unknown") {
    writeUnknown(w, v);
    return;
  }
  w.choiceTag(0).fixedOctets(v.hash, 32, "sha256HashedData");
}

function readMissingCrlIdentifier(r: CoerReader): MissingCrlIdentifier {
  const { extended } = r.preamble(0, true, "MissingCrlIdentifier");
  const value: MissingCrlIdentifier = { cracaId: r.fixedOctets(3, "cracaId"), crlSeries: r.uint(2, "CrlSeries") };
  if (extended) value.extensions = r.extensionAdditions("MissingCrlIdentifier");
  return value;
}

function writeMissingCrlIdentifier(w: CoerWriter, v: MissingCrlIdentifier): void {
  const extended = hasExtensions(v.extensions);
  w.preamble([], true, extended).fixedOctets(v.cracaId, 3, "cracaId").uint(2, v.crlSeries, "CrlSeries");
  if (extended && v.extensions !== undefined) w.extensionAdditions(v.extensions, "MissingCrlIdentifier");
}

export function readHeaderInfo(r: CoerReader): HeaderInfo {
  const { extended, present } = r.preamble(6, true, "HeaderInfo");
  const header: HeaderInfo = { psid: r.unconstrainedUint("Psid") };
  if (present[0]) header.generationTime = r.uint64("generationTime");
  if (present[1]) header.expiryTime = r.uint64("expiryTime");
  if (present[2]) header.generationLocation = readThreeD(r);
  if (present[3]) header.p2pcdLearningRequest = r.fixedOctets(3, "p2pcdLearningRequest");
  if (present[4]) header.missingCrlIdentifier = readMissingCrlIdentifier(r);
  if (present[5]) header.encryptionKey = readEncryptionKey(r);
  if (extended) header.extensions = r.extensionAdditions("HeaderInfo");
  return header;
}

export function writeHeaderInfo(w: CoerWriter, v: HeaderInfo): void {
  const extended = hasExtensions(v.extensions);
  w.preamble(
    [
      v.generationTime !== undefined,
      v.expiryTime !== undefined,
      v.generationLocation !== undefined,
      v.p2pcdLearningRequest !== undefined,
      v.missingCrlIdentifier !== undefined,
      v.encryptionKey !== undefined,
    ],
    true,
    extended,
  );
  w.unconstrainedUint(v.psid, "Psid");
  if (v.generationTime !== undefined) w.uint64(v.generationTime, "generationTime");
  if (v.expiryTime !== undefined) w.uint64(v.expiryTime, "expiryTime");
  if (v.generationLocation !== undefined) writeThreeD(w, v.generationLocation);
  if (v.p2pcdLearningRequest !== undefined) w.fixedOctets(v.p2pcdLearningRequest, 3, "p2pcdLearningRequest");
  if (v.missingCrlIdentifier !== undefined) writeMissingCrlIdentifier(w, v.missingCrlIdentifier);
  if (v.encryptionKey !== undefined) writeEncryptionKey(w, v.encryptionKey);
  if (extended && v.extensions !== undefined) w.extensionAdditions(v.extensions, "HeaderInfo");
}

/** Where the outermost tbsData lies in the input: the bytes that the signature covers (IEEE 1609.2 5.3.1). */
export type TbsSpan = { start: number; end: number };

function readSignedDataPayload(r: CoerReader, depth: number): SignedDataPayload {
  const start = r.offset;
  const { extended, present } = r.preamble(2, true, "SignedDataPayload");
  const payload: SignedDataPayload = {};
  if (present[0]) payload.data = readData(r, depth + 1);
  if (present[1]) payload.extDataHash = readHashedData(r);
  if (extended) payload.extensions = r.extensionAdditions("SignedDataPayload");
  if (payload.data === undefined && payload.extDataHash === undefined && payload.extensions === undefined) {
    r.fail(`SignedDataPayload at ${start} has neither data, extDataHash nor omitted`);
  }
  return payload;
}

function writeSignedDataPayload(w: CoerWriter, v: SignedDataPayload): void {
  const extended = hasExtensions(v.extensions);
  w.preamble([v.data !== undefined, v.extDataHash !== undefined], true, extended);
  if (v.data !== undefined) writeIeee1609Dot2Data(w, v.data);
  if (v.extDataHash !== undefined) writeHashedData(w, v.extDataHash);
  if (extended && v.extensions !== undefined) w.extensionAdditions(v.extensions, "SignedDataPayload");
}

function readToBeSignedDataAt(r: CoerReader, depth: number): ToBeSignedData {
  const payload = readSignedDataPayload(r, depth);
  return { payload, headerInfo: readHeaderInfo(r) };
}

export function readToBeSignedData(r: CoerReader): ToBeSignedData {
  return readToBeSignedDataAt(r, 0);
}

export function writeToBeSignedData(w: CoerWriter, v: ToBeSignedData): void {
  writeSignedDataPayload(w, v.payload);
  writeHeaderInfo(w, v.headerInfo);
}

function readSignerIdentifier(r: CoerReader): SignerIdentifier {
  const index = r.choiceIndex("SignerIdentifier", 3, true);
  if (index === 0) return { type: "digest", digest: r.fixedOctets(8, "HashedId8") };
  if (index === 1)
    return { type: "certificate", certificates: readSequenceOf(r, "SequenceOfCertificate", 16, readCertificate) };
  if (index === 2) return { type: "self" };
  return readUnknown(r, index);
}

function writeSignerIdentifier(w: CoerWriter, v: SignerIdentifier): void {
  switch (v.type) {
    case "digest":
      w.choiceTag(0).fixedOctets(v.digest, 8, "HashedId8");
      return;
    case "certificate":
      w.choiceTag(1);
      writeSequenceOf(w, v.certificates, writeCertificate);
      return;
    case "self":
      w.choiceTag(2);
      return;
    case "unknown":
      writeUnknown(w, v);
      return;
  }
}

function readSignedDataAt(r: CoerReader, depth: number, span?: TbsSpan): SignedData {
  const hashId = readHashAlgorithm(r);
  const start = r.offset;
  const tbsData = readToBeSignedDataAt(r, depth);
  if (span !== undefined) {
    span.start = start;
    span.end = r.offset;
  }
  const signer = readSignerIdentifier(r);
  return { hashId, tbsData, signer, signature: readSignature(r) };
}

export function readSignedData(r: CoerReader): SignedData {
  return readSignedDataAt(r, 0);
}

export function writeSignedData(w: CoerWriter, v: SignedData): void {
  writeHashAlgorithm(w, v.hashId);
  writeToBeSignedData(w, v.tbsData);
  writeSignerIdentifier(w, v.signer);
  writeSignature(w, v.signature);
}

function readData(r: CoerReader, depth: number, span?: TbsSpan): Ieee1609Dot2Data {
  if (depth > MAX_NESTING) r.fail(`Ieee1609Dot2Data nested more than ${MAX_NESTING} deep`);
  const start = r.offset;
  const version = r.u8("protocolVersion");
  if (version !== 3) throw new CoerUnsupportedError(`protocolVersion ${version} is not 3`, start);
  const index = r.choiceIndex("Ieee1609Dot2Content", 4, true);
  let content: Ieee1609Dot2Content;
  switch (index) {
    case 0:
      content = { type: "unsecuredData", data: r.octetString("unsecuredData") };
      break;
    case 1:
      content = { type: "signedData", signedData: readSignedDataAt(r, depth, span) };
      break;
    case 2:
      r.unsupported("encryptedData is not supported by this implementation");
      break;
    case 3:
      content = { type: "signedCertificateRequest", data: r.octetString("signedCertificateRequest") };
      break;
    default:
      content = readUnknown(r, index);
  }
  return { protocolVersion: 3, content };
}

function readIeee1609Dot2Data(r: CoerReader): Ieee1609Dot2Data {
  return readData(r, 0);
}

export function writeIeee1609Dot2Data(w: CoerWriter, v: Ieee1609Dot2Data): void {
  w.uint(1, v.protocolVersion, "protocolVersion");
  const content = v.content;
  switch (content.type) {
    case "unsecuredData":
      w.choiceTag(0).octetString(content.data);
      return;
    case "signedData":
      w.choiceTag(1);
      writeSignedData(w, content.signedData);
      return;
    case "signedCertificateRequest":
      w.choiceTag(3).octetString(content.data);
      return;
    case "unknown":
      writeUnknown(w, content);
      return;
  }
}

/**
 * Decodes an Ieee1609Dot2Data and reports where its outermost tbsData lies, so a verifier hashes the received
 * bytes instead of re-encoding them (they are equal: the decoder accepts canonical encodings only).
 */
export function decodeWithTbsSpan(bytes: Uint8Array): { data: Ieee1609Dot2Data; tbs: TbsSpan | undefined } {
  const r = new CoerReader(bytes);
  const span: TbsSpan = { start: -1, end: -1 };
  const data = readData(r, 0, span);
  r.finish("Ieee1609Dot2Data");
  return { data, tbs: span.start >= 0 ? span : undefined };
}

// ---------------------------------------------------------------------------------------------------------------
// Public codecs

export const Ieee1609Dot2DataCodec: Codec<Ieee1609Dot2Data> = codec(
  "Ieee1609Dot2Data",
  readIeee1609Dot2Data,
  writeIeee1609Dot2Data,
);
export const SignedDataCodec: Codec<SignedData> = codec("SignedData", readSignedData, writeSignedData);
export const ToBeSignedDataCodec: Codec<ToBeSignedData> = codec(
  "ToBeSignedData",
  readToBeSignedData,
  writeToBeSignedData,
);
export const HeaderInfoCodec: Codec<HeaderInfo> = codec("HeaderInfo", readHeaderInfo, writeHeaderInfo);
export const CertificateCodec: Codec<Certificate> = codec("Certificate", readCertificate, writeCertificate);
export const ToBeSignedCertificateCodec: Codec<ToBeSignedCertificate> = codec(
  "ToBeSignedCertificate",
  readToBeSignedCertificate,
  writeToBeSignedCertificate,
);
export const SignatureCodec: Codec<Signature> = codec("Signature", readSignature, writeSignature);
export const EccP256CurvePointCodec: Codec<EccP256CurvePoint> = codec(
  "EccP256CurvePoint",
  readEccP256CurvePoint,
  writeEccP256CurvePoint,
);
export const GeographicRegionCodec: Codec<GeographicRegion> = codec(
  "GeographicRegion",
  readGeographicRegion,
  writeGeographicRegion,
);
export const PsidGroupPermissionsCodec: Codec<PsidGroupPermissions> = codec(
  "PsidGroupPermissions",
  readPsidGroupPermissions,
  writePsidGroupPermissions,
);

/** Decodes a whole buffer as Ieee1609Dot2Data; throws CoerDecodeError (or its subclass CoerUnsupportedError). */
export const decodeIeee1609Dot2Data = (bytes: Uint8Array): Ieee1609Dot2Data => Ieee1609Dot2DataCodec.decode(bytes);
/** Encodes Ieee1609Dot2Data as COER; throws CoerEncodeError for values outside their ASN.1 type. */
export const encodeIeee1609Dot2Data = (value: Ieee1609Dot2Data): Uint8Array => Ieee1609Dot2DataCodec.encode(value);
export const decodeCertificate = (bytes: Uint8Array): Certificate => CertificateCodec.decode(bytes);
export const encodeCertificate = (value: Certificate): Uint8Array => CertificateCodec.encode(value);
