// Issuing the platform's credentials: build the VCDM 2.0 document for one of the six types (its subject checked
// against the type's schema), then secure it as vc+jwt or SD-JWT. The issuer's key is its DID's verification
// method; `kid` must be a DID URL of the issuer so that a verifier can tie the signature to the issuer.
import type { JsonWebKey, KeyObject } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import {
  type BitstringStatusListEntry,
  type CredentialSubjectOf,
  credentialTypes,
  describeZodError,
  type PlatformCredentialType,
  type StatusPurpose,
  VC_CONTEXT_V2,
  type VerifiableCredential,
  verifiableCredentialSchema,
} from "./credential.js";
import { issueVcJwt } from "./jose.js";
import { publicJwk } from "./keys.js";
import { issueSdJwt } from "./sdjwt.js";
import { isoSeconds } from "./statusList.js";

export type CredentialStatusInput = {
  /** URL of the BitstringStatusListCredential. */
  statusListCredential: string;
  statusListIndex: number;
  statusPurpose: StatusPurpose;
};

export type BuildCredentialParameters<T extends PlatformCredentialType> = {
  type: T;
  /** The issuer's DID. */
  issuer: string;
  subject: CredentialSubjectOf<T>;
  /** Optional credential id (a URL or `urn:uuid:`). */
  id?: string;
  /** Default: now. */
  validFrom?: Date;
  validUntil?: Date;
  /** One entry, or both a revocation and a suspension entry. */
  status?: CredentialStatusInput | readonly CredentialStatusInput[];
  /** The holder's public key, bound as `cnf.jwk`. */
  holderJwk?: JsonWebKey;
};

/**
 * The unsigned credential. Throws `InvalidInputError` when the subject does not fit the type's schema or the
 * validity window is empty.
 */
export function buildCredential<T extends PlatformCredentialType>(
  parameters: BuildCredentialParameters<T>,
): VerifiableCredential {
  const subjectResult = credentialTypes[parameters.type].subject.safeParse(parameters.subject);
  if (!subjectResult.success)
    throw new InvalidInputError(`invalid ${parameters.type} subject`, {
      details: describeZodError(subjectResult.error, "credentialSubject"),
    });
  const validFrom = parameters.validFrom ?? new Date();
  if (parameters.validUntil && parameters.validUntil.getTime() <= validFrom.getTime())
    throw new InvalidInputError("validUntil must be after validFrom", {
      details: `${isoSeconds(validFrom)} .. ${isoSeconds(parameters.validUntil)}`,
    });
  const document: Record<string, unknown> = {
    "@context": [VC_CONTEXT_V2],
    ...(parameters.id === undefined ? {} : { id: parameters.id }),
    type: ["VerifiableCredential", parameters.type],
    issuer: parameters.issuer,
    validFrom: isoSeconds(validFrom),
    ...(parameters.validUntil ? { validUntil: isoSeconds(parameters.validUntil) } : {}),
    credentialSubject: subjectResult.data,
  };
  if (parameters.status !== undefined) {
    const entries = (Array.isArray(parameters.status) ? parameters.status : [parameters.status]).map(statusEntry);
    document.credentialStatus = entries.length === 1 ? entries[0] : entries;
  }
  if (parameters.holderJwk) document.cnf = { jwk: publicJwk(parameters.holderJwk) };
  const parsed = verifiableCredentialSchema.safeParse(document);
  if (!parsed.success) throw new InvalidInputError(`invalid credential: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function statusEntry(input: CredentialStatusInput): BitstringStatusListEntry {
  if (!Number.isInteger(input.statusListIndex) || input.statusListIndex < 0)
    throw new InvalidInputError(`status index ${input.statusListIndex} is not a non-negative integer`);
  return {
    id: `${input.statusListCredential}#${input.statusListIndex}`,
    type: "BitstringStatusListEntry",
    statusPurpose: input.statusPurpose,
    statusListIndex: String(input.statusListIndex),
    statusListCredential: input.statusListCredential,
  };
}

export type IssueCredentialParameters<T extends PlatformCredentialType> = BuildCredentialParameters<T> & {
  /** DID URL of the issuer's verification method: `<issuer>#<fragment>`. */
  kid: string;
  privateKey: JsonWebKey | KeyObject;
  format: "vc+jwt" | "sd-jwt";
  /** SD-JWT only: claim paths the holder may choose to reveal, e.g. `credentialSubject.vin`. */
  disclosable?: readonly string[];
  /** SD-JWT only: decoy digests per `_sd` array. */
  decoys?: number;
};

/**
 * Builds and secures a platform credential.
 * @example
 * const jwt = issueCredential({
 *   type: "VehicleIdentityCredential", issuer: oemDid, kid: `${oemDid}#key-1`, privateKey: oemKey,
 *   subject: { id: vehicleDid, vin: "WVWZZZ1JZXW000001", make: "VW", model: "Golf", year: 2024, powertrain: "BEV" },
 *   format: "sd-jwt", disclosable: ["credentialSubject.vin"], holderJwk: vehiclePublicJwk,
 * })
 */
export function issueCredential<T extends PlatformCredentialType>(parameters: IssueCredentialParameters<T>): string {
  if (!parameters.kid.startsWith(`${parameters.issuer}#`))
    throw new InvalidInputError(
      `kid ${parameters.kid} is not a verification method of the issuer ${parameters.issuer}`,
      {
        fix: `use "${parameters.issuer}#<key fragment>"`,
      },
    );
  if (parameters.format === "vc+jwt" && (parameters.disclosable?.length ?? 0) > 0)
    throw new InvalidInputError("disclosable claims need format sd-jwt", { fix: 'pass format: "sd-jwt"' });
  const { holderJwk, ...unbound } = parameters;
  const credential = buildCredential(parameters.format === "sd-jwt" ? unbound : parameters);
  if (parameters.format === "vc+jwt")
    return issueVcJwt({ credential, kid: parameters.kid, privateKey: parameters.privateKey });
  return issueSdJwt({
    payload: credential,
    disclosable: parameters.disclosable ?? [],
    kid: parameters.kid,
    privateKey: parameters.privateKey,
    ...(holderJwk ? { holderJwk } : {}),
    ...(parameters.decoys === undefined ? {} : { decoys: parameters.decoys }),
  });
}
