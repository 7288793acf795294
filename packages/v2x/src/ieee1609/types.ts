// Plain TypeScript shapes of the IEEE 1609.2 structures this package reads and writes, as profiled by
// ETSI TS 103 097 v2.1.1 (clauses 5 and 6). Names follow the ASN.1 modules Ieee1609Dot2 and Ieee1609Dot2BaseTypes
// of IEEE 1609.2-2016 (with its 2017 amendment) and 1609.2-2022: SPDUs in clause 6.3, certificates in clause 6.4
// (CertificateBase 6.4.3), base types in the Ieee1609Dot2BaseTypes module.
//
// Conventions: CHOICEs are unions tagged by `type` (the ASN.1 alternative name); OCTET STRINGs are Uint8Array;
// Time64 is a bigint of microseconds; an unknown alternative of an extensible CHOICE is kept as `UnknownAlternative`
// and the extension additions of an extensible SEQUENCE as raw open types in `extensions`, so that anything we
// decode re-encodes to the same bytes even when it carries fields from a newer version of the standard.
import type { ExtensionAdditions } from "./coer.js";

/** HashedId3: the low-order 3 octets of a SHA-256 hash. */
export type HashedId3 = Uint8Array;
/** HashedId8: the low-order 8 octets of a SHA-256 hash; identifies certificates. */
export type HashedId8 = Uint8Array;
/** Provider Service Identifier, INTEGER (0..MAX); values are IEEE 1609.12 allocations. */
export type Psid = number;
/** Time32: TAI seconds since 2004-01-01T00:00:00Z; see time.ts for the leap-second handling. */
export type Time32 = number;
/** Time64: TAI microseconds since 2004-01-01T00:00:00Z. */
export type Time64 = bigint;

/** HashAlgorithm ::= ENUMERATED { sha256, ..., sha384, sm3 }. */
export type HashAlgorithm = "sha256" | "sha384" | "sm3";

/** An alternative of an extensible CHOICE that this implementation does not model, kept as its open type. */
export type UnknownAlternative = { type: "unknown"; tag: number; encoded: Uint8Array };

/** EccP256CurvePoint: a point on NIST P-256 or brainpoolP256r1, or only its x-coordinate. */
export type EccP256CurvePoint =
  | { type: "x-only"; x: Uint8Array }
  | { type: "fill" }
  | { type: "compressed-y-0"; x: Uint8Array }
  | { type: "compressed-y-1"; x: Uint8Array }
  | { type: "uncompressedP256"; x: Uint8Array; y: Uint8Array };

/** Signature with EcdsaP256Signature: rSig is R (or its x), sSig is s. */
export type Signature =
  | { type: "ecdsaNistP256Signature"; rSig: EccP256CurvePoint; sSig: Uint8Array }
  | { type: "ecdsaBrainpoolP256r1Signature"; rSig: EccP256CurvePoint; sSig: Uint8Array }
  | UnknownAlternative;

/** TwoDLocation: latitude and longitude in 1/10 microdegree. */
export type TwoDLocation = { latitude: number; longitude: number };
/** ThreeDLocation: TwoDLocation plus Elevation (Uint16, decimetres offset by 4096). */
export type ThreeDLocation = { latitude: number; longitude: number; elevation: number };

/** RectangularRegion. */
export type RectangularRegion = { northWest: TwoDLocation; southEast: TwoDLocation };

/** IdentifiedRegion: UN country/area codes, optionally with regions. */
export type IdentifiedRegion =
  | { type: "countryOnly"; country: number }
  | { type: "countryAndRegions"; country: number; regions: number[] }
  | {
      type: "countryAndSubregions";
      country: number;
      regionAndSubregions: Array<{ region: number; subregions: number[] }>;
    }
  | UnknownAlternative;

/** GeographicRegion. */
export type GeographicRegion =
  | { type: "circularRegion"; center: TwoDLocation; radius: number }
  | { type: "rectangularRegion"; rectangles: RectangularRegion[] }
  | { type: "polygonalRegion"; points: TwoDLocation[] }
  | { type: "identifiedRegion"; regions: IdentifiedRegion[] }
  | UnknownAlternative;

/** Duration: the units of a certificate's validity. */
export type DurationUnit = "microseconds" | "milliseconds" | "seconds" | "minutes" | "hours" | "sixtyHours" | "years";
export type Duration = { unit: DurationUnit; value: number };
/** ValidityPeriod. */
export type ValidityPeriod = { start: Time32; duration: Duration };

/** ServiceSpecificPermissions. */
export type ServiceSpecificPermissions =
  | { type: "opaque"; bytes: Uint8Array }
  | { type: "bitmapSsp"; bytes: Uint8Array }
  | UnknownAlternative;
/** PsidSsp: one application permission. */
export type PsidSsp = { psid: Psid; ssp?: ServiceSpecificPermissions | undefined };

/** SspRange. */
export type SspRange =
  | { type: "opaque"; values: Uint8Array[] }
  | { type: "all" }
  | { type: "bitmapSspRange"; sspValue: Uint8Array; sspBitmask: Uint8Array }
  | UnknownAlternative;
/** PsidSspRange. */
export type PsidSspRange = { psid: Psid; sspRange?: SspRange | undefined };
/** SubjectPermissions. */
export type SubjectPermissions = { type: "explicit"; ranges: PsidSspRange[] } | { type: "all" } | UnknownAlternative;

/** EndEntityType bits: BIT STRING {app (0), enrol (1)} (SIZE (8)), as its one octet. */
export const END_ENTITY_APP = 0x80;
export const END_ENTITY_ENROL = 0x40;

/**
 * PsidGroupPermissions. DEFAULT components are optional here: `undefined` means "absent, take the
 * default" (minChainLength 1, chainLengthRange 0, eeType app), and a present value is encoded even when it equals
 * the default, so that decoding then encoding gives back the same bytes.
 */
export type PsidGroupPermissions = {
  subjectPermissions: SubjectPermissions;
  minChainLength?: number | undefined;
  chainLengthRange?: number | undefined;
  eeType?: number | undefined;
};

/** PublicVerificationKey. */
export type PublicVerificationKey =
  | { type: "ecdsaNistP256"; point: EccP256CurvePoint }
  | { type: "ecdsaBrainpoolP256r1"; point: EccP256CurvePoint }
  | UnknownAlternative;

/** VerificationKeyIndicator: explicit certificates carry a key, implicit ones a reconstruction value. */
export type VerificationKeyIndicator =
  | { type: "verificationKey"; key: PublicVerificationKey }
  | { type: "reconstructionValue"; point: EccP256CurvePoint }
  | UnknownAlternative;

/** SymmAlgorithm ::= ENUMERATED { aes128Ccm, ..., sm4Ccm }. */
export type SymmAlgorithm = "aes128Ccm" | "sm4Ccm";
/** BasePublicEncryptionKey. */
export type BasePublicEncryptionKey =
  | { type: "eciesNistP256"; point: EccP256CurvePoint }
  | { type: "eciesBrainpoolP256r1"; point: EccP256CurvePoint }
  | UnknownAlternative;
/** PublicEncryptionKey. */
export type PublicEncryptionKey = { supportedSymmAlg: SymmAlgorithm; publicKey: BasePublicEncryptionKey };
/** SymmetricEncryptionKey. */
export type SymmetricEncryptionKey = { type: "aes128Ccm"; key: Uint8Array } | UnknownAlternative;
/** EncryptionKey. */
export type EncryptionKey =
  | { type: "public"; key: PublicEncryptionKey }
  | { type: "symmetric"; key: SymmetricEncryptionKey };

/** GroupLinkageValue. */
export type GroupLinkageValue = { jValue: Uint8Array; value: Uint8Array };
/** LinkageData: IEEE 1609.2 SCMS pseudonym linkage (ETSI TS 103 097 does not profile it; we accept it). */
export type LinkageData = {
  iCert: number;
  linkageValue: Uint8Array;
  groupLinkageValue?: GroupLinkageValue | undefined;
};

/** CertificateId. */
export type CertificateId =
  | { type: "linkageData"; linkageData: LinkageData }
  | { type: "name"; name: string }
  | { type: "binaryId"; id: Uint8Array }
  | { type: "none" }
  | UnknownAlternative;

/** IssuerIdentifier. */
export type IssuerIdentifier =
  | { type: "sha256AndDigest"; digest: HashedId8 }
  | { type: "self"; hashAlgorithm: HashAlgorithm }
  | { type: "sha384AndDigest"; digest: HashedId8 }
  | { type: "sm3AndDigest"; digest: HashedId8 }
  | UnknownAlternative;

/** ToBeSignedCertificate. */
export type ToBeSignedCertificate = {
  id: CertificateId;
  cracaId: HashedId3;
  crlSeries: number;
  validityPeriod: ValidityPeriod;
  region?: GeographicRegion | undefined;
  /** SubjectAssurance: one octet (assurance level in bits 7-5, confidence in bits 1-0). */
  assuranceLevel?: number | undefined;
  appPermissions?: PsidSsp[] | undefined;
  certIssuePermissions?: PsidGroupPermissions[] | undefined;
  certRequestPermissions?: PsidGroupPermissions[] | undefined;
  canRequestRollover?: true | undefined;
  encryptionKey?: PublicEncryptionKey | undefined;
  verifyKeyIndicator: VerificationKeyIndicator;
  /** Extension additions (1609.2-2022: flags, appExtensions, certIssueExtensions, certRequestExtension). */
  extensions?: ExtensionAdditions | undefined;
};

/** CertificateType ::= ENUMERATED { explicit, implicit, ... }. */
export type CertificateType = "explicit" | "implicit";

/** CertificateBase; ETSI TS 103 097 clause 6 profiles it as an explicit certificate. */
export type Certificate = {
  version: 3;
  type: CertificateType;
  issuer: IssuerIdentifier;
  toBeSigned: ToBeSignedCertificate;
  signature?: Signature | undefined;
};

/** HashedData. */
export type HashedData = { type: "sha256HashedData"; hash: Uint8Array } | UnknownAlternative;

/** SignedDataPayload; the 2022 addition `omitted` stays in `extensions`. */
export type SignedDataPayload = {
  data?: Ieee1609Dot2Data | undefined;
  extDataHash?: HashedData | undefined;
  extensions?: ExtensionAdditions | undefined;
};

/** MissingCrlIdentifier. */
export type MissingCrlIdentifier = {
  cracaId: HashedId3;
  crlSeries: number;
  extensions?: ExtensionAdditions | undefined;
};

/** HeaderInfo; additions after the extension marker (inlineP2pcdRequest, ...) stay in `extensions`. */
export type HeaderInfo = {
  psid: Psid;
  generationTime?: Time64 | undefined;
  expiryTime?: Time64 | undefined;
  generationLocation?: ThreeDLocation | undefined;
  p2pcdLearningRequest?: HashedId3 | undefined;
  missingCrlIdentifier?: MissingCrlIdentifier | undefined;
  encryptionKey?: EncryptionKey | undefined;
  extensions?: ExtensionAdditions | undefined;
};

/** ToBeSignedData. */
export type ToBeSignedData = { payload: SignedDataPayload; headerInfo: HeaderInfo };

/** SignerIdentifier. */
export type SignerIdentifier =
  | { type: "digest"; digest: HashedId8 }
  | { type: "certificate"; certificates: Certificate[] }
  | { type: "self" }
  | UnknownAlternative;

/** SignedData. */
export type SignedData = {
  hashId: HashAlgorithm;
  tbsData: ToBeSignedData;
  signer: SignerIdentifier;
  signature: Signature;
};

/** Ieee1609Dot2Content. encryptedData is not supported (decoding it fails with CoerUnsupportedError). */
export type Ieee1609Dot2Content =
  | { type: "unsecuredData"; data: Uint8Array }
  | { type: "signedData"; signedData: SignedData }
  | { type: "signedCertificateRequest"; data: Uint8Array }
  | UnknownAlternative;

/** Ieee1609Dot2Data: protocolVersion is always 3. */
export type Ieee1609Dot2Data = { protocolVersion: 3; content: Ieee1609Dot2Content };
