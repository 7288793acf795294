// The edge part of @amc/sdk (docs/edge.md): the wire protocol between OBUs and RSUs, admission to a cell, batch
// headers and message identity, verifiable message proofs, and the OBU client.
export * from "./admission.js";
export * from "./batch.js";
export * from "./obu.js";
export * from "./proof.js";
export * from "./protocol.js";
