export {
  createDidAuthToken,
  type DidAuthResult,
  type DidAuthVerifier,
  didAuthVerifier,
  type PrivateJwk,
} from "./auth.js";
export { DID_METHOD, formatDid, type ParseDidResult, type ParsedDid, parseDid } from "./did.js";
export {
  attributeName,
  type BuiltDocument,
  buildDocument,
  type DocumentMetadata,
  jwkThumbprint,
  type RegistryEvent,
  type Relationship,
  relationships,
  type SubjectType,
  subjectTypes,
} from "./document.js";
export {
  addKey,
  createDid,
  deactivateDid,
  didIdFor,
  type PublicJwk,
  produceVehicle,
  randomSalt,
  registerVehicle,
  revokeKey,
  scrapVehicle,
  specHash,
  transferVehicle,
  vehicleInfo,
  vehicleStates,
  type Writer,
} from "./identity.js";
export { generateP256, Keystore, type KeystoreEntry, kidFor, publicOf, type StoredKey } from "./keystore.js";
export {
  chainHistory,
  getResolver,
  type HistorySource,
  RegistryIndex,
  type ResolverConfig,
  resolveAmc,
  toRegistryEvents,
} from "./resolver.js";
export { normaliseVin, type VinKey, vehicleIdFromVin, vinCheckDigit, vinKeyFromEnvironment } from "./vin.js";
