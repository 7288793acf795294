// W3C Verifiable Credentials Data Model 2.0 as the platform uses it: the generic credential and presentation shapes
// (zod schemas, loose so that members we do not understand pass through, as the model requires), and the platform's
// six credential types, each with its subject schema and the rule for who may issue it.
import { z } from "zod";
import { isOneOf } from "./encoding.js";

export const VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";

/** Consortium roles as the Consortium contract names them (keccak256 of the name on chain). */
export const consortiumRoles = [
  "OEM",
  "SUPPLIER",
  "RSU_OPERATOR",
  "REGULATOR",
  "INSURER",
  "BANK",
  "ENERGY",
  "CERTIFICATE_AUTHORITY",
  "VALIDATOR_OPERATOR",
  "MOBILITY_PROVIDER",
] as const;
export type ConsortiumRole = (typeof consortiumRoles)[number];

export const powertrains = ["ICE", "HEV", "PHEV", "BEV", "FCEV"] as const;
export type Powertrain = (typeof powertrains)[number];

/** A DID (any method; the platform's own are did:amc). */
export const didSchema = z.string().regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/, "not a DID");
/** An XML Schema dateTimeStamp as VCDM 2.0 requires: date, time and a zone. */
export const dateTimeSchema = z.iso.datetime({ offset: true });

const contextSchema = z
  .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
  .min(1)
  .refine((context) => context[0] === VC_CONTEXT_V2, { message: `the first @context must be ${VC_CONTEXT_V2}` });

const typeSchema = (required: string) =>
  z
    .union([z.string(), z.array(z.string()).min(1)])
    .refine((type) => (Array.isArray(type) ? type.includes(required) : type === required), {
      message: `type must include ${required}`,
    });

export const issuerSchema = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]);

export const statusPurposes = ["revocation", "suspension"] as const;
export type StatusPurpose = (typeof statusPurposes)[number];

/** A `credentialStatus` entry pointing into a Bitstring Status List. */
export const bitstringStatusListEntrySchema = z.looseObject({
  id: z.string().optional(),
  type: z.literal("BitstringStatusListEntry"),
  statusPurpose: z.enum(statusPurposes),
  statusListIndex: z.string().regex(/^(0|[1-9][0-9]{0,9})$/, "a non-negative integer as a string"),
  statusListCredential: z.string().min(1),
});
export type BitstringStatusListEntry = z.infer<typeof bitstringStatusListEntrySchema>;

/** Any status entry: ours are checked, other types are kept (and reported as unverifiable if a check is asked). */
const statusEntrySchema = z.looseObject({ type: z.string() });

const jwkSchema = z.looseObject({ kty: z.string(), crv: z.string().optional(), x: z.string().optional() });

export const credentialSubjectSchema = z.looseObject({ id: z.string().optional() });

export const verifiableCredentialSchema = z.looseObject({
  "@context": contextSchema,
  id: z.string().optional(),
  type: typeSchema("VerifiableCredential"),
  issuer: issuerSchema,
  validFrom: dateTimeSchema.optional(),
  validUntil: dateTimeSchema.optional(),
  credentialSubject: z.union([credentialSubjectSchema, z.array(credentialSubjectSchema).min(1)]),
  credentialStatus: z.union([statusEntrySchema, z.array(statusEntrySchema)]).optional(),
  /** Holder binding (RFC 7800): the key whose holder may present the credential. */
  cnf: z.looseObject({ jwk: jwkSchema }).optional(),
});
export type VerifiableCredential = z.infer<typeof verifiableCredentialSchema>;

/** How a secured credential travels inside a presentation: a `data:` URL naming its media type. */
export const envelopedCredentialSchema = z.looseObject({
  "@context": z.union([z.string(), z.array(z.unknown())]).optional(),
  type: z.literal("EnvelopedVerifiableCredential"),
  id: z.string(),
});
export type EnvelopedVerifiableCredential = z.infer<typeof envelopedCredentialSchema>;

export const verifiablePresentationSchema = z.looseObject({
  "@context": contextSchema,
  id: z.string().optional(),
  type: typeSchema("VerifiablePresentation"),
  holder: z.union([z.string(), z.looseObject({ id: z.string() })]).optional(),
  verifiableCredential: z.union([z.unknown(), z.array(z.unknown())]).optional(),
});
export type VerifiablePresentation = z.infer<typeof verifiablePresentationSchema>;

// ---- the platform's credential types ----

const vin = z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/, "a VIN is 17 characters of A-Z (no I, O, Q) and 0-9");

export const vehicleIdentitySubjectSchema = z.object({
  id: didSchema,
  vin,
  make: z.string().min(1),
  model: z.string().min(1),
  year: z.number().int().min(1886).max(2100),
  powertrain: z.enum(powertrains),
  battery: z.object({ chemistry: z.string().min(1), capacityKWh: z.number().positive() }).optional(),
});

export const vehicleOwnershipSubjectSchema = z.object({
  /** The owner, who holds the credential. */
  id: didSchema,
  vehicle: didSchema,
  since: dateTimeSchema,
});

export const accessGrantSubjectSchema = z.object({
  /** The grantee, who holds the credential. */
  id: didSchema,
  vehicle: didSchema,
  scopes: z
    .array(z.string().regex(/^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$/, "scopes look like telemetry:read"))
    .min(1),
  purpose: z.string().min(1),
  expiry: dateTimeSchema,
  /** The ConsentRegistry id of the on-chain consent with the same terms (data sharing, docs/data-sharing.md). */
  consent: z
    .string()
    .regex(/^0x[0-9a-f]{64}$/, "a consent id is a 0x-prefixed lowercase 32-byte hex value")
    .optional(),
});

export const consortiumMembershipSubjectSchema = z.object({
  id: didSchema,
  roles: z.array(z.enum(consortiumRoles)).min(1),
});

export const rsuAuthorisationSubjectSchema = z.object({
  id: didSchema,
  /** The H3 cell (as 15 hex digits) the RSU may serve. */
  h3Cell: z.string().regex(/^[0-9a-f]{15}$/, "an H3 index is 15 lowercase hex digits"),
  operator: didSchema,
});

export const inspectionResults = ["pass", "fail", "advisory"] as const;
export const inspectionSubjectSchema = z.object({
  /** The vehicle inspected. */
  id: didSchema,
  result: z.enum(inspectionResults),
  /** SHA-256 of the full inspection report, kept off-chain. */
  reportHash: z.string().regex(/^0x[0-9a-f]{64}$/, "a 0x-prefixed lowercase 32-byte hex hash"),
  inspectedAt: dateTimeSchema,
});

/**
 * Who may issue a type. `role`: the issuer's DID must hold one of the consortium roles. `controller`: the issuer
 * must control the DID named by `subjectField` of the subject (the vehicle's owner grants access to it).
 */
export type IssuerRule =
  | { kind: "role"; anyOf: readonly ConsortiumRole[] }
  | { kind: "controller"; subjectField: "vehicle" };

export const platformCredentialTypes = [
  "VehicleIdentityCredential",
  "VehicleOwnershipCredential",
  "AccessGrantCredential",
  "ConsortiumMembershipCredential",
  "RsuAuthorisationCredential",
  "InspectionCredential",
] as const;
export type PlatformCredentialType = (typeof platformCredentialTypes)[number];

export const credentialTypes = {
  VehicleIdentityCredential: {
    subject: vehicleIdentitySubjectSchema,
    issuer: { kind: "role", anyOf: ["OEM"] },
  },
  VehicleOwnershipCredential: {
    subject: vehicleOwnershipSubjectSchema,
    // The OEM records the first owner at sale; a registration authority (REGULATOR) records later transfers.
    issuer: { kind: "role", anyOf: ["OEM", "REGULATOR"] },
  },
  AccessGrantCredential: {
    subject: accessGrantSubjectSchema,
    issuer: { kind: "controller", subjectField: "vehicle" },
  },
  ConsortiumMembershipCredential: {
    subject: consortiumMembershipSubjectSchema,
    // Governance admits members by vote; the credential that states it is issued by a REGULATOR member.
    issuer: { kind: "role", anyOf: ["REGULATOR"] },
  },
  RsuAuthorisationCredential: {
    subject: rsuAuthorisationSubjectSchema,
    issuer: { kind: "role", anyOf: ["RSU_OPERATOR"] },
  },
  InspectionCredential: {
    subject: inspectionSubjectSchema,
    issuer: { kind: "role", anyOf: ["REGULATOR"] },
  },
} as const satisfies Record<PlatformCredentialType, { subject: z.ZodObject; issuer: IssuerRule }>;

export type CredentialSubjectOf<T extends PlatformCredentialType> = z.infer<(typeof credentialTypes)[T]["subject"]>;

export function isPlatformCredentialType(type: string): type is PlatformCredentialType {
  return isOneOf(platformCredentialTypes, type);
}

/** The platform type a credential's `type` names, if any (the first that is one of ours). */
export function platformTypeOf(credential: Pick<VerifiableCredential, "type">): PlatformCredentialType | undefined {
  const types = Array.isArray(credential.type) ? credential.type : [credential.type];
  return types.find(isPlatformCredentialType);
}

/** The issuer's identifier, whether `issuer` is a string or an object with `id`. */
export function issuerId(issuer: VerifiableCredential["issuer"]): string {
  return typeof issuer === "string" ? issuer : issuer.id;
}

/** Subject ids, whether `credentialSubject` is one object or several. */
export function subjectIds(credential: Pick<VerifiableCredential, "credentialSubject">): string[] {
  const subjects = Array.isArray(credential.credentialSubject)
    ? credential.credentialSubject
    : [credential.credentialSubject];
  return subjects.flatMap((subject) => (typeof subject.id === "string" ? [subject.id] : []));
}

/** The status entries of a credential, as a list. */
export function statusEntries(credential: Pick<VerifiableCredential, "credentialStatus">): { type: string }[] {
  const status = credential.credentialStatus;
  return status === undefined ? [] : Array.isArray(status) ? status : [status];
}

/** One zod issue as a line: `credentialSubject.vin: a VIN is 17 characters ...`. */
export function describeZodError(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
