// @amc/fl: federated learning of abnormal driving behaviour (docs/federated-learning.md).
export * from "./attacks.js";
export * from "./evaluate.js";
export * from "./generator.js";
export * from "./loader.js";
export * from "./models.js";
export * from "./obd.js";
export * from "./rng.js";
export * from "./robust.js";
export * from "./round.js";
export * from "./secure.js";
