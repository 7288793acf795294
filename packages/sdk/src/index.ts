// @amc/sdk: what applications outside the chains use. The edge part is the OBU client of the RSU protocol, the
// batch header and message proofs that make an anchored V2X message verifiable by anyone (docs/edge.md).

export {
  DataClient,
  type DataConfig,
  type DataRequestView,
  type DidActor,
  GatewayError,
  type ReadResult,
} from "./data/client.js";
export * from "./edge/index.js";
