// Data sharing and compliance (docs/data-sharing.md): the vault envelope, consents relayed to the chain, consented
// reads through Umbral proxy re-encryption, the disclosure log, erasure and retention, breach notices, data
// requests and anonymised releases.
export { canonicalJson } from "./canonical.js";
export { ChainWriter, revertName } from "./chainWriter.js";
export { type DatasetService, openDatasets } from "./datasets.js";
export {
  fromUpload,
  type KeyEncapsulation,
  metaDigest,
  type ObjectMeta,
  objectIdOf,
  objectMetaSchema,
  openObject,
  type SealedObject,
  sealObject,
  toUpload,
  type Upload,
  uploadDigest,
  uploadSchema,
} from "./envelope.js";
export { DataError, type DataErrorCode, dataErrorCodes } from "./errors.js";
export { didId, didOf, isDid } from "./ids.js";
export {
  createOwnerToken,
  type OwnerAuthResult,
  ownerAuthDomain,
  ownerAuthTypes,
  ownerAuthVerifier,
} from "./ownerAuth.js";
export {
  admit,
  countryOf,
  type DataClass,
  dataClasses,
  dataClassSchema,
  defaultMaxRetentionSeconds,
  type RetentionPolicy,
  regionSchema,
} from "./policy.js";
export {
  generateUmbralKey,
  makeKFrags,
  openAsOwner,
  openReencrypted,
  preOps,
  umbralJwkOf,
  umbralKem,
  umbralKeyFromJwk,
  umbralPublicKey,
} from "./pre.js";
export { DATA_COMPONENT, dataMigrations } from "./schema.js";
export {
  type ConsentTermsInput,
  type ConsentView,
  consentView,
  DataService,
  type DataServiceOptions,
  disclosureLeaf,
  type EraseReason,
  type EscrowStatus,
  type EscrowView,
  eraseReasons,
  escrowStatuses,
  type GrantInput,
  grantSchema,
  type IdentityOps,
  incidentSchema,
  type ObjectView,
  objectView,
  onchainTerms,
  type PaymentStatus,
  type PaymentView,
  type PreOps,
  paymentIdOf,
  readSchema,
  requestSchema,
  revokeSchema,
} from "./service.js";
export { type ConsentTemplate, consentTemplate, consentTemplates } from "./templates.js";
