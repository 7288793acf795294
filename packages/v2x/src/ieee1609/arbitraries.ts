// fast-check arbitraries for every IEEE 1609.2 structure in types.ts, for round-trip and fuzz tests. They stay
// inside each ASN.1 type's constraints (sizes, ranges, "at least one of" rules) so that every generated value
// encodes, and decodes back to an equal value.
import fc from "fast-check";
import type {
  Certificate,
  CertificateId,
  EccP256CurvePoint,
  EncryptionKey,
  GeographicRegion,
  HashAlgorithm,
  HeaderInfo,
  IdentifiedRegion,
  Ieee1609Dot2Data,
  IssuerIdentifier,
  PsidGroupPermissions,
  PsidSsp,
  PsidSspRange,
  PublicEncryptionKey,
  PublicVerificationKey,
  ServiceSpecificPermissions,
  Signature,
  SignedData,
  SignerIdentifier,
  SspRange,
  SubjectPermissions,
  ThreeDLocation,
  ToBeSignedCertificate,
  TwoDLocation,
  UnknownAlternative,
} from "./types.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const varBytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 65535 });
const psid = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }));

/** An extension alternative of a CHOICE with `firstUnknown` known alternatives. */
export const unknownAlternative = (firstUnknown: number): fc.Arbitrary<UnknownAlternative> =>
  fc.record({
    type: fc.constant("unknown" as const),
    tag: fc.oneof(fc.integer({ min: firstUnknown, max: 62 }), fc.integer({ min: 63, max: 300 })),
    encoded: varBytes(0, 20),
  });

/** Extension additions: a bitmap with at least one present addition (optional keys are left out instead). */
export const extensions = fc
  .array(fc.option(varBytes(0, 12), { nil: null }), { minLength: 1, maxLength: 10 })
  .filter((a) => a.some((x) => x !== null));

export const hashAlgorithm: fc.Arbitrary<HashAlgorithm> = fc.constantFrom("sha256", "sha384", "sm3");

export const eccPoint: fc.Arbitrary<EccP256CurvePoint> = fc.oneof(
  fc.record({ type: fc.constant("x-only" as const), x: bytes(32) }),
  fc.constant({ type: "fill" as const }),
  fc.record({ type: fc.constant("compressed-y-0" as const), x: bytes(32) }),
  fc.record({ type: fc.constant("compressed-y-1" as const), x: bytes(32) }),
  fc.record({ type: fc.constant("uncompressedP256" as const), x: bytes(32), y: bytes(32) }),
);

export const signature: fc.Arbitrary<Signature> = fc.oneof(
  fc.record({
    type: fc.constantFrom("ecdsaNistP256Signature" as const, "ecdsaBrainpoolP256r1Signature" as const),
    rSig: eccPoint,
    sSig: bytes(32),
  }),
  unknownAlternative(2),
);

export const twoD: fc.Arbitrary<TwoDLocation> = fc.record({
  latitude: fc.integer({ min: -900_000_000, max: 900_000_001 }),
  longitude: fc.integer({ min: -1_799_999_999, max: 1_800_000_001 }),
});

export const threeD: fc.Arbitrary<ThreeDLocation> = fc.record({
  latitude: fc.integer({ min: -900_000_000, max: 900_000_001 }),
  longitude: fc.integer({ min: -1_799_999_999, max: 1_800_000_001 }),
  elevation: u16,
});

const identifiedRegion: fc.Arbitrary<IdentifiedRegion> = fc.oneof(
  fc.record({ type: fc.constant("countryOnly" as const), country: u16 }),
  fc.record({ type: fc.constant("countryAndRegions" as const), country: u16, regions: fc.array(u8, { maxLength: 5 }) }),
  fc.record({
    type: fc.constant("countryAndSubregions" as const),
    country: u16,
    regionAndSubregions: fc.array(fc.record({ region: u8, subregions: fc.array(u16, { maxLength: 4 }) }), {
      maxLength: 3,
    }),
  }),
  unknownAlternative(3),
);

export const geographicRegion: fc.Arbitrary<GeographicRegion> = fc.oneof(
  fc.record({ type: fc.constant("circularRegion" as const), center: twoD, radius: u16 }),
  fc.record({
    type: fc.constant("rectangularRegion" as const),
    rectangles: fc.array(fc.record({ northWest: twoD, southEast: twoD }), { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant("polygonalRegion" as const), points: fc.array(twoD, { minLength: 3, maxLength: 6 }) }),
  fc.record({ type: fc.constant("identifiedRegion" as const), regions: fc.array(identifiedRegion, { maxLength: 4 }) }),
  unknownAlternative(4),
);

const ssp: fc.Arbitrary<ServiceSpecificPermissions> = fc.oneof(
  fc.record({ type: fc.constant("opaque" as const), bytes: varBytes(0, 40) }),
  fc.record({ type: fc.constant("bitmapSsp" as const), bytes: varBytes(0, 31) }),
  unknownAlternative(2),
);

export const psidSsp: fc.Arbitrary<PsidSsp> = fc.record({ psid, ssp }, { requiredKeys: ["psid"] });

const sspRange: fc.Arbitrary<SspRange> = fc.oneof(
  fc.record({ type: fc.constant("opaque" as const), values: fc.array(varBytes(0, 10), { maxLength: 3 }) }),
  fc.constant({ type: "all" as const }),
  fc.record({ type: fc.constant("bitmapSspRange" as const), sspValue: varBytes(1, 32), sspBitmask: varBytes(1, 32) }),
  unknownAlternative(3),
);

const psidSspRange: fc.Arbitrary<PsidSspRange> = fc.record({ psid, sspRange }, { requiredKeys: ["psid"] });

const subjectPermissions: fc.Arbitrary<SubjectPermissions> = fc.oneof(
  fc.record({ type: fc.constant("explicit" as const), ranges: fc.array(psidSspRange, { maxLength: 4 }) }),
  fc.constant({ type: "all" as const }),
  unknownAlternative(2),
);

export const psidGroupPermissions: fc.Arbitrary<PsidGroupPermissions> = fc.record(
  {
    subjectPermissions,
    minChainLength: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    chainLengthRange: fc.integer({ min: -1, max: 1000 }),
    eeType: u8,
  },
  { requiredKeys: ["subjectPermissions"] },
);

const publicVerificationKey: fc.Arbitrary<PublicVerificationKey> = fc.oneof(
  fc.record({ type: fc.constantFrom("ecdsaNistP256" as const, "ecdsaBrainpoolP256r1" as const), point: eccPoint }),
  unknownAlternative(2),
);

const publicEncryptionKey: fc.Arbitrary<PublicEncryptionKey> = fc.record({
  supportedSymmAlg: fc.constantFrom("aes128Ccm" as const, "sm4Ccm" as const),
  publicKey: fc.oneof(
    fc.record({ type: fc.constantFrom("eciesNistP256" as const, "eciesBrainpoolP256r1" as const), point: eccPoint }),
    unknownAlternative(2),
  ),
});

const encryptionKey: fc.Arbitrary<EncryptionKey> = fc.oneof(
  fc.record({ type: fc.constant("public" as const), key: publicEncryptionKey }),
  fc.record({
    type: fc.constant("symmetric" as const),
    key: fc.oneof(fc.record({ type: fc.constant("aes128Ccm" as const), key: bytes(16) }), unknownAlternative(1)),
  }),
);

const certificateId: fc.Arbitrary<CertificateId> = fc.oneof(
  fc.record({
    type: fc.constant("linkageData" as const),
    linkageData: fc.record(
      { iCert: u16, linkageValue: bytes(9), groupLinkageValue: fc.record({ jValue: bytes(4), value: bytes(9) }) },
      { requiredKeys: ["iCert", "linkageValue"] },
    ),
  }),
  fc.record({ type: fc.constant("name" as const), name: fc.string({ unit: "grapheme", maxLength: 30 }) }),
  fc.record({ type: fc.constant("binaryId" as const), id: varBytes(1, 64) }),
  fc.constant({ type: "none" as const }),
  unknownAlternative(4),
);

const issuerIdentifier: fc.Arbitrary<IssuerIdentifier> = fc.oneof(
  fc.record({ type: fc.constant("sha256AndDigest" as const), digest: bytes(8) }),
  fc.record({ type: fc.constant("self" as const), hashAlgorithm }),
  fc.record({ type: fc.constantFrom("sha384AndDigest" as const, "sm3AndDigest" as const), digest: bytes(8) }),
  unknownAlternative(4),
);

export const toBeSignedCertificate: fc.Arbitrary<ToBeSignedCertificate> = fc
  .record(
    {
      id: certificateId,
      cracaId: bytes(3),
      crlSeries: u16,
      validityPeriod: fc.record({
        start: fc.integer({ min: 0, max: 0xffffffff }),
        duration: fc.record({
          unit: fc.constantFrom(
            "microseconds" as const,
            "milliseconds" as const,
            "seconds" as const,
            "minutes" as const,
            "hours" as const,
            "sixtyHours" as const,
            "years" as const,
          ),
          value: u16,
        }),
      }),
      region: geographicRegion,
      assuranceLevel: u8,
      appPermissions: fc.array(psidSsp, { maxLength: 4 }),
      certIssuePermissions: fc.array(psidGroupPermissions, { maxLength: 3 }),
      certRequestPermissions: fc.array(psidGroupPermissions, { maxLength: 2 }),
      canRequestRollover: fc.constant(true as const),
      encryptionKey: publicEncryptionKey,
      verifyKeyIndicator: fc.oneof(
        fc.record({ type: fc.constant("verificationKey" as const), key: publicVerificationKey }),
        fc.record({ type: fc.constant("reconstructionValue" as const), point: eccPoint }),
        unknownAlternative(2),
      ),
      extensions,
    },
    { requiredKeys: ["id", "cracaId", "crlSeries", "validityPeriod", "verifyKeyIndicator"] },
  )
  .filter(
    (t) =>
      t.appPermissions !== undefined || t.certIssuePermissions !== undefined || t.certRequestPermissions !== undefined,
  );

export const certificate: fc.Arbitrary<Certificate> = fc.record(
  {
    version: fc.constant(3 as const),
    type: fc.constantFrom("explicit" as const, "implicit" as const),
    issuer: issuerIdentifier,
    toBeSigned: toBeSignedCertificate,
    signature,
  },
  { requiredKeys: ["version", "type", "issuer", "toBeSigned"] },
);

export const headerInfo: fc.Arbitrary<HeaderInfo> = fc.record(
  {
    psid,
    generationTime: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    expiryTime: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    generationLocation: threeD,
    p2pcdLearningRequest: bytes(3),
    missingCrlIdentifier: fc.record(
      { cracaId: bytes(3), crlSeries: u16, extensions },
      { requiredKeys: ["cracaId", "crlSeries"] },
    ),
    encryptionKey,
    extensions,
  },
  { requiredKeys: ["psid"] },
);

const signerIdentifier: fc.Arbitrary<SignerIdentifier> = fc.oneof(
  fc.record({ type: fc.constant("digest" as const), digest: bytes(8) }),
  fc.record({ type: fc.constant("certificate" as const), certificates: fc.array(certificate, { maxLength: 2 }) }),
  fc.constant({ type: "self" as const }),
  unknownAlternative(3),
);

const { data: ieee1609Dot2DataArb, signed: signedDataArb } = fc.letrec<{ data: Ieee1609Dot2Data; signed: SignedData }>(
  (tie) => ({
    data: fc.record({
      protocolVersion: fc.constant(3 as const),
      content: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ type: fc.constant("unsecuredData" as const), data: varBytes(0, 200) }),
        fc.record({ type: fc.constant("signedData" as const), signedData: tie("signed") }),
        fc.record({ type: fc.constant("signedCertificateRequest" as const), data: varBytes(0, 40) }),
        unknownAlternative(4),
      ),
    }),
    signed: fc.record({
      hashId: hashAlgorithm,
      tbsData: fc.record({
        payload: fc
          .record(
            {
              data: tie("data"),
              extDataHash: fc.oneof(
                fc.record({ type: fc.constant("sha256HashedData" as const), hash: bytes(32) }),
                unknownAlternative(1),
              ),
              extensions,
            },
            { requiredKeys: [] },
          )
          .filter((p) => p.data !== undefined || p.extDataHash !== undefined || p.extensions !== undefined),
        headerInfo,
      }),
      signer: signerIdentifier,
      signature,
    }),
  }),
);

export const ieee1609Dot2Data: fc.Arbitrary<Ieee1609Dot2Data> = ieee1609Dot2DataArb;

export const signedData: fc.Arbitrary<SignedData> = signedDataArb;
