// Secure cell aggregation of clipped model updates: the RSU of a cell learns only the sum of its vehicles' updates,
// in one of two modes chosen by configuration, behind one API (encode on the vehicle, aggregate on the RSU, open
// at the model owner):
//
// - "paillier": each vehicle packs its clipped, fixed-point update into Paillier plaintexts (Paillier 1999, g = n+1,
//   packing with headroom for `maxSummands` contributions, @amc/crypto `paillier`) under the model owner's public
//   key; the RSU multiplies ciphertexts (adds plaintexts) without being able to decrypt; the model owner decrypts
//   the cell aggregate (only if the ledger shows at least m contributors) and any slot overflow is detected.
// - "masking": SecAgg+ (Bell et al., CCS 2020; @amc/crypto `secagg`): vehicles quantise to Z_{2^32} with an offset,
//   mask with pairwise and self masks; the RSU removes the masks (recovering dropped vehicles' masks from Shamir
//   shares) and obtains the sum — here the cell's clients and server run in one process (`simulateSecAgg`), the
//   arithmetic and the dropout recovery being the protocol's.
//
// Both modes give the same sum up to the fixed-point rounding (at most 1/(2·scale) per coordinate per vehicle).
import { buildMerkleTree, paillier, secagg } from "@amc/crypto";
import { InvalidInputError } from "@amc/utils";
import { type Hex, keccak256, stringToHex } from "viem";

export type SecureMode = "paillier" | "masking";

export type SecureConfig = {
  mode: SecureMode;
  /** Fixed-point factor (e.g. 2^16). */
  scale: number;
  /** Largest |coordinate| accepted: the client clip norm bounds every coordinate. */
  maxAbs: number;
  /** Most vehicles a cell aggregate may sum. */
  maxSummands: number;
  /** Masking: neighbours per vehicle (default all) and Shamir threshold as a fraction of them (default 0.6). */
  neighbours?: number;
  thresholdFraction?: number;
};

export type SecureKeys = {
  publicKey?: paillier.PaillierPublicKey;
  privateKey?: paillier.PaillierPrivateKey;
  pool?: paillier.RandomnessPool;
};

/** What a vehicle hands to its RSU. */
export type EncodedUpdate =
  | { mode: "paillier"; vehicle: string; ciphertexts: bigint[] }
  | { mode: "masking"; vehicle: string; input: Uint32Array };

/** What the RSU commits and forwards: the cell's aggregate and who is in it. */
export type CellAggregate = {
  mode: SecureMode;
  cellId: string;
  length: number;
  contributors: string[];
  /** Merkle root (OpenZeppelin-style sorted pairs) of keccak256(vehicle id) over the contributors. */
  contributorsRoot: Hex;
  /** keccak256 of the aggregate payload (what FLRegistry records). */
  commitment: Hex;
  ciphertexts?: bigint[];
  sum?: Uint32Array;
};

/** keccak256 of the ciphertexts, each as a fixed-width big-endian integer mod n² (what FLRegistry records). */
function paillierCommitment(publicKey: paillier.PaillierPublicKey, ciphertexts: readonly bigint[]): Hex {
  const width = Math.ceil((publicKey.bits * 2) / 8) * 2;
  return keccak256(Buffer.concat(ciphertexts.map((c) => Buffer.from(c.toString(16).padStart(width, "0"), "hex"))));
}

function checkConfig(config: SecureConfig): void {
  if (!(config.scale > 0 && config.maxAbs > 0 && Number.isInteger(config.maxSummands) && config.maxSummands > 0))
    throw new InvalidInputError("secure aggregation needs scale > 0, maxAbs > 0 and an integer maxSummands > 0");
  if (config.mode === "masking" && 2 * config.maxAbs * config.scale * config.maxSummands >= 2 ** 32)
    throw new InvalidInputError(
      `masking sums in Z_2^32: 2·maxAbs·scale·maxSummands = ${2 * config.maxAbs * config.scale * config.maxSummands} does not fit`,
      { fix: "lower the scale or maxSummands" },
    );
}

/** The vehicle's side: encode (encrypt or quantise) one clipped update. */
export function encodeUpdate(
  config: SecureConfig,
  keys: SecureKeys,
  vehicle: string,
  update: Float64Array,
): EncodedUpdate {
  checkConfig(config);
  for (const v of update)
    if (!Number.isFinite(v) || Math.abs(v) > config.maxAbs)
      throw new InvalidInputError(`update coordinate ${v} is outside ±${config.maxAbs}: clip the update first`);
  if (config.mode === "paillier") {
    if (!keys.publicKey || !keys.pool) throw new InvalidInputError("paillier mode needs the model owner's public key");
    const packing = { scale: config.scale, maxAbs: config.maxAbs, maxSummands: config.maxSummands };
    return {
      mode: "paillier",
      vehicle,
      ciphertexts: paillier.encryptVector(keys.publicKey, packing, update, keys.pool),
    };
  }
  const input = new Uint32Array(update.length);
  for (let j = 0; j < update.length; j++) input[j] = Math.round((update[j]! + config.maxAbs) * config.scale);
  return { mode: "masking", vehicle, input };
}

/** The RSU's side: aggregates its vehicles' encoded updates; it never sees one in the clear. */
export function aggregateCell(
  config: SecureConfig,
  keys: SecureKeys,
  cellId: string,
  updates: readonly EncodedUpdate[],
  options: { roundId: string; dropAfterMask?: number[]; seed?: string } = { roundId: "round" },
): CellAggregate {
  checkConfig(config);
  if (updates.length === 0) throw new InvalidInputError(`cell ${cellId} has no contributions`);
  if (updates.length > config.maxSummands)
    throw new InvalidInputError(`cell ${cellId} has ${updates.length} contributions, more than ${config.maxSummands}`);
  const contributors = updates.map((u) => u.vehicle);
  if (new Set(contributors).size !== contributors.length)
    throw new InvalidInputError(`cell ${cellId}: a vehicle contributed twice`);
  const contributorsRoot = buildMerkleTree(contributors.map((v) => keccak256(stringToHex(v)))).root as Hex;
  if (config.mode === "paillier") {
    if (!keys.publicKey) throw new InvalidInputError("paillier mode needs the model owner's public key");
    const vectors = updates.map((u) => {
      if (u.mode !== "paillier") throw new InvalidInputError("a masking contribution in a paillier cell");
      return u.ciphertexts;
    });
    const ciphertexts = paillier.addVectors(keys.publicKey, vectors);
    const commitment = paillierCommitment(keys.publicKey, ciphertexts);
    return { mode: "paillier", cellId, length: -1, contributors, contributorsRoot, commitment, ciphertexts };
  }
  const inputs = updates.map((u) => {
    if (u.mode !== "masking") throw new InvalidInputError("a paillier contribution in a masking cell");
    return u.input;
  });
  const n = inputs.length;
  const neighbours = Math.min(config.neighbours ?? n - 1, n - 1);
  const threshold = Math.max(2, Math.min(neighbours, Math.ceil((config.thresholdFraction ?? 0.6) * neighbours)));
  if (n < 3)
    throw new InvalidInputError(`masking needs at least 3 vehicles in cell ${cellId} (has ${n})`, {
      fix: "use more vehicles per cell or the paillier mode",
    });
  const result = secagg.simulateSecAgg({
    inputs,
    threshold,
    neighbours,
    roundId: options.roundId,
    ...(options.dropAfterMask ? { dropAfterMask: options.dropAfterMask } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
  });
  const commitment = keccak256(new Uint8Array(result.sum.buffer, result.sum.byteOffset, result.sum.byteLength));
  return {
    mode: "masking",
    cellId,
    length: result.sum.length,
    contributors,
    contributorsRoot,
    commitment,
    sum: result.sum,
  };
}

/** The model owner's side: the sum of the cell's updates as floats (Paillier: decrypts; checks overflow). */
export function openCellAggregate(
  config: SecureConfig,
  keys: SecureKeys,
  aggregate: CellAggregate,
  length: number,
): Float64Array {
  const count = aggregate.contributors.length;
  if (aggregate.mode === "paillier") {
    if (!keys.privateKey || !aggregate.ciphertexts)
      throw new InvalidInputError("opening a paillier aggregate needs the model owner's private key");
    const packing = { scale: config.scale, maxAbs: config.maxAbs, maxSummands: config.maxSummands };
    return paillier.decryptVector(keys.privateKey, packing, aggregate.ciphertexts, count, length);
  }
  if (!aggregate.sum) throw new InvalidInputError("a masking aggregate without its sum");
  const out = new Float64Array(length);
  for (let j = 0; j < length; j++) out[j] = aggregate.sum[j]! / config.scale - count * config.maxAbs;
  return out;
}

// ---------------------------------------------------------------------------------------------- wire forms (JSON)

export type EncodedUpdateJson =
  | { mode: "paillier"; vehicle: string; ciphertexts: string[] }
  | { mode: "masking"; vehicle: string; input: string };

export type CellAggregateJson = {
  mode: SecureMode;
  cellId: string;
  length: number;
  contributors: string[];
  contributorsRoot: Hex;
  commitment: Hex;
  ciphertexts?: string[];
  sum?: string;
};

const hexInt = (value: unknown, what: string): bigint => {
  if (typeof value !== "string" || !/^0x[0-9a-f]{1,2048}$/i.test(value))
    throw new InvalidInputError(`${what} must be a 0x-prefixed hex integer`);
  return BigInt(value);
};
const uint32FromBase64 = (value: unknown, what: string): Uint32Array => {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw new InvalidInputError(`${what} must be base64`);
  const bytes = Buffer.from(value, "base64");
  if (bytes.length % 4 !== 0) throw new InvalidInputError(`${what} is not a whole number of uint32 values`);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
};
const uint32ToBase64 = (values: Uint32Array): string => {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeUInt32LE(values[i]!, i * 4);
  return bytes.toString("base64");
};
const vehicleId = (value: unknown): string => {
  if (typeof value !== "string" || value.length === 0 || value.length > 200)
    throw new InvalidInputError("vehicle must be a non-empty string of at most 200 characters");
  return value;
};

export function encodedToJson(update: EncodedUpdate): EncodedUpdateJson {
  return update.mode === "paillier"
    ? { mode: "paillier", vehicle: update.vehicle, ciphertexts: update.ciphertexts.map((c) => `0x${c.toString(16)}`) }
    : { mode: "masking", vehicle: update.vehicle, input: uint32ToBase64(update.input) };
}

/** Validates a contribution decoded from outside. */
export function encodedFromJson(json: unknown): EncodedUpdate {
  if (!json || typeof json !== "object") throw new InvalidInputError("a contribution is a JSON object");
  const o = json as Record<string, unknown>;
  const vehicle = vehicleId(o.vehicle);
  if (o.mode === "paillier") {
    if (!Array.isArray(o.ciphertexts) || o.ciphertexts.length === 0 || o.ciphertexts.length > 100_000)
      throw new InvalidInputError("ciphertexts must be a non-empty array (at most 100,000)");
    return { mode: "paillier", vehicle, ciphertexts: o.ciphertexts.map((c, i) => hexInt(c, `ciphertexts[${i}]`)) };
  }
  if (o.mode === "masking") return { mode: "masking", vehicle, input: uint32FromBase64(o.input, "input") };
  throw new InvalidInputError('mode must be "paillier" or "masking"');
}

export function aggregateToJson(aggregate: CellAggregate): CellAggregateJson {
  return {
    mode: aggregate.mode,
    cellId: aggregate.cellId,
    length: aggregate.length,
    contributors: aggregate.contributors,
    contributorsRoot: aggregate.contributorsRoot,
    commitment: aggregate.commitment,
    ...(aggregate.ciphertexts ? { ciphertexts: aggregate.ciphertexts.map((c) => `0x${c.toString(16)}`) } : {}),
    ...(aggregate.sum ? { sum: uint32ToBase64(aggregate.sum) } : {}),
  };
}

/**
 * Validates a cell aggregate decoded from outside and recomputes its commitment and contributors root: an
 * aggregate whose payload does not match what it claims is refused.
 */
export function aggregateFromJson(json: unknown, keys: SecureKeys): CellAggregate {
  if (!json || typeof json !== "object") throw new InvalidInputError("a cell aggregate is a JSON object");
  const o = json as Record<string, unknown>;
  if (o.mode !== "paillier" && o.mode !== "masking")
    throw new InvalidInputError('mode must be "paillier" or "masking"');
  if (typeof o.cellId !== "string" || o.cellId.length === 0 || o.cellId.length > 100)
    throw new InvalidInputError("cellId must be a short string");
  if (!Array.isArray(o.contributors) || o.contributors.length === 0 || o.contributors.length > 100_000)
    throw new InvalidInputError("contributors must be a non-empty array");
  const contributors = o.contributors.map(vehicleId);
  if (new Set(contributors).size !== contributors.length) throw new InvalidInputError("a contributor is listed twice");
  const contributorsRoot = buildMerkleTree(contributors.map((v) => keccak256(stringToHex(v)))).root as Hex;
  if (o.contributorsRoot !== contributorsRoot) throw new InvalidInputError("contributorsRoot does not match the list");
  let aggregate: CellAggregate;
  if (o.mode === "paillier") {
    if (!keys.publicKey) throw new InvalidInputError("checking a paillier aggregate needs the public key");
    if (!Array.isArray(o.ciphertexts) || o.ciphertexts.length === 0)
      throw new InvalidInputError("a paillier aggregate carries ciphertexts");
    const ciphertexts = o.ciphertexts.map((c, i) => hexInt(c, `ciphertexts[${i}]`));
    const commitment = paillierCommitment(keys.publicKey, ciphertexts);
    aggregate = {
      mode: "paillier",
      cellId: o.cellId,
      length: -1,
      contributors,
      contributorsRoot,
      commitment,
      ciphertexts,
    };
  } else {
    const sum = uint32FromBase64(o.sum, "sum");
    const commitment = keccak256(new Uint8Array(sum.buffer, sum.byteOffset, sum.byteLength));
    aggregate = {
      mode: "masking",
      cellId: o.cellId,
      length: sum.length,
      contributors,
      contributorsRoot,
      commitment,
      sum,
    };
  }
  if (o.commitment !== aggregate.commitment) throw new InvalidInputError("commitment does not match the payload");
  return aggregate;
}
