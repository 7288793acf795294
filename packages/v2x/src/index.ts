// @amc/v2x: IEEE 1609.2 / ETSI TS 103 097 secured messages and certificates (COER), ETSI CAM and DENM (UPER),
// platform messages (CBOR), and the pseudonym PKI (enrolment, linkage, tickets, revocation, tracing).
// See docs/v2x-formats.md and docs/v2x-pki.md.
export * from "./ieee1609/codec.js";
export * from "./ieee1609/coer.js";
export * from "./ieee1609/hash.js";
export * from "./ieee1609/keys.js";
export * from "./ieee1609/permissions.js";
export * from "./ieee1609/pool.js";
export * from "./ieee1609/region.js";
export * from "./ieee1609/sign.js";
export * from "./ieee1609/time.js";
export * from "./ieee1609/types.js";
export * from "./ieee1609/verify.js";
export * from "./its/index.js";
export * from "./pki/authorities.js";
export * from "./pki/client.js";
export * from "./pki/linkage.js";
export * from "./pki/rsu.js";
export * from "./pki/sealed.js";
export * from "./pki/ticketing.js";
