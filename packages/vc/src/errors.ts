// Why a credential or presentation failed, as a value a caller can branch on. Verification never throws for a bad
// token: `verifyCredential` and `verifyPresentation` return `{ verified: false, errors: [{ code, message }] }` with a
// code from `verificationErrorCodes`. Inside the package, parsers throw `CredentialError` (carrying that code) and
// the two entry points turn it into a value; any other exception is a bug and propagates.
import { BaseError, type BaseErrorParameters } from "@amc/utils";

export const verificationErrorCodes = [
  /** Not a JWS / SD-JWT / COSE_Sign1, bad base64, bad JSON or CBOR, or a document that is not a credential. */
  "malformed",
  /** `typ` / `cty` (JOSE) or content type / `typ` (COSE) is not the media type of what was expected. */
  "bad_media_type",
  /** An algorithm, status type or hash the verifier does not implement or allow. */
  "unsupported",
  /** No `kid`, the resolver does not know it, or the key cannot be used with the header's algorithm. */
  "unknown_key",
  "invalid_signature",
  /** An SD-JWT disclosure does not match a digest exactly once, or conflicts with a claim. */
  "invalid_disclosure",
  /** Claims that contradict each other or the rules of the format (`iss` ≠ issuer, `vc`/`vp` claims, subject schema). */
  "invalid_claims",
  "not_yet_valid",
  "expired",
  "revoked",
  "suspended",
  /** The status list could not be fetched, verified, matched to its anchor, or does not cover the index. */
  "status_unverifiable",
  /** The issuer lacks the consortium role (or control of the vehicle) that the credential type requires. */
  "issuer_not_authorised",
  /** Key-binding JWT missing or wrong (key, nonce, audience, sd_hash, age), or the presenter is not the holder. */
  "holder_binding_failed",
  /** A presentation embeds a credential that is not a secured credential or does not verify. */
  "credential_invalid",
] as const;
export type VerificationErrorCode = (typeof verificationErrorCodes)[number];

export type VerificationError = { code: VerificationErrorCode; message: string };

/** Thrown inside the package by parsers and checks; the public verifiers turn it into a `VerificationError`. */
export class CredentialError extends BaseError {
  override name = "CredentialError";
  readonly code: VerificationErrorCode;

  constructor(code: VerificationErrorCode, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters);
    this.code = code;
  }

  toValue(): VerificationError {
    return { code: this.code, message: this.shortMessage };
  }
}
