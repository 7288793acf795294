// Secure aggregation by masking in the style of SecAgg+ (Bell, Bonawitz, Gascón, Lepoint, Raykova, CCS 2020) over
// SecAgg (Bonawitz et al., CCS 2017): an RSU sums its cell's quantised model updates modulo 2^32 without seeing
// any one of them, tolerating dropouts (see secagg.ts for the protocol and its threat model).
//
// Building blocks: Shamir sharing over GF(2^521 − 1) (shamir.ts), the AES-256-CTR mask generator and mod-2^32
// vector arithmetic (prg.ts), the seeded k-regular neighbour graph (graph.ts), X25519 + HKDF (x25519.ts) and
// seeded randomness (random.ts). Run a round with `SecAggClient` / `SecAggServer` over any transport, or in memory
// with `simulateSecAgg`.

export { neighbourGraph } from "./graph.js";
export { addInto, applyMask, expandMask, subtractInto, sumMod32 } from "./prg.js";
export { type RandomSource, seededRandom, systemRandom, uniformBelow } from "./random.js";
export {
  type EncryptedShare,
  type KeyAdvertisement,
  type MaskedInput,
  type RevealedShare,
  SecAggAbortError,
  SecAggClient,
  type SecAggConfig,
  type SecAggOutcome,
  SecAggServer,
  type SecAggTimings,
  type SimulateSecAggOptions,
  type SimulateSecAggResult,
  simulateSecAgg,
  type UnmaskShares,
  validateSecAggConfig,
} from "./secagg.js";
export {
  combineWith,
  FIELD_ELEMENT_BYTES,
  fieldElementFromBytes,
  fieldElementToBytes,
  fieldElementToSecret,
  lagrangeAtZero,
  randomFieldElement,
  SHAMIR_PRIME,
  type ShamirShare,
  secretToFieldElement,
  shamirCombine,
  shamirSplit,
} from "./shamir.js";
export {
  generateX25519KeyPair,
  hkdf32,
  importX25519PublicKey,
  type X25519KeyPair,
  x25519,
  x25519KeyPairFrom,
} from "./x25519.js";
