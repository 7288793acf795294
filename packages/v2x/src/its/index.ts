// Public surface of the ETSI ITS part of @amc/v2x: UPER primitives, the CDD types shared by CAM and DENM, the
// CAM and DENM codecs, the ITS message dispatcher and the platform messages with their PSIDs.
export * from "./cam.js";
export * from "./cdd.js";
export * from "./denm.js";
export * from "./message.js";
export * from "./platform.js";
export * from "./uper.js";
