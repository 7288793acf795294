// @amc/vc: the platform's verifiable credentials (VC Data Model 2.0) secured as vc+jwt, SD-JWT and (for reading)
// VC-COSE; Bitstring Status Lists with a main-chain anchor; the six platform credential types; and verification
// that returns values, with keys, roles, status lists and the clock injected. See docs/credentials.md.
export * from "./cose.js";
export * from "./credential.js";
export type { JsonObject } from "./encoding.js";
export * from "./errors.js";
export * from "./issue.js";
export * from "./jose.js";
export * from "./keys.js";
export * from "./sdjwt.js";
export * from "./statusList.js";
export * from "./verify.js";
