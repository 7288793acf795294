// Secure aggregation by masking, in the style of SecAgg+ (Bell, Bonawitz, Gascón, Lepoint, Raykova, "Secure
// Single-Server Aggregation with (Poly)Logarithmic Overhead", CCS 2020) on top of SecAgg (Bonawitz, Ivanov,
// Kreuter, Marcedone, McMahan, Patel, Ramage, Segal, Seth, "Practical Secure Aggregation for Privacy-Preserving
// Machine Learning", CCS 2017, §4, semi-honest variant). An RSU (the server) learns the sum modulo R = 2^32 of the
// quantised updates of the vehicles of its cell (the clients), and nothing else about any one update, even when
// clients drop out mid-round; below is the protocol, with U1 ⊇ U2 ⊇ U3 ⊇ U4 the clients alive at each round.
//
// (0) AdvertiseKeys: client i sends two X25519 public keys, c_i^PK (channel) and s_i^PK (masks). The server
//     broadcasts the roster U1; everyone computes the same k-regular neighbour graph N(·) over U1 from the public
//     `graphSeed` (graph.ts; k ≥ n − 1 is the original SecAgg's complete graph).
// (1) ShareKeys: i draws a self-mask seed b_i (32 bytes) and Shamir-shares b_i and s_i^SK t-of-|N(i)| among N(i)
//     over GF(2^521 − 1) (shamir.ts), the share for j at x = j. The two shares for j are sealed with AES-256-GCM
//     under HKDF-SHA256(X25519(c_i^SK, c_j^PK), info = label ‖ round ‖ min(i, j) ‖ max(i, j)), a random 96-bit
//     nonce and associated data label ‖ round ‖ i ‖ j, and routed by the server. Senders form U2.
// (2) MaskedInputCollection: i decrypts the shares it received (from N(i) ∩ U2), derives for each such j the seed
//     s_ij = HKDF-SHA256(X25519(s_i^SK, s_j^PK), label ‖ round ‖ min ‖ max) and sends
//     y_i = x_i + PRG(b_i) + Σ_{j > i} PRG(s_ij) − Σ_{j < i} PRG(s_ij) (mod 2^32), PRG = AES-256-CTR (prg.ts).
//     Senders form U3, the survivors whose inputs are summed.
// (3) Unmasking: each i ∈ U3 reveals, for each j ∈ N(i) ∩ U2, its share of b_j if j ∈ U3, else its share of
//     s_j^SK, never both for one j (a client remembers what it revealed and refuses the other). From t shares
//     the server rebuilds b_j for j ∈ U3 and s_j^SK for j ∈ U2 \ U3 (checked against s_j^PK), recomputes the
//     dropped clients' pairwise masks with their surviving neighbours, and outputs
//     Σ_{i∈U3} y_i − Σ_{i∈U3} PRG(b_i) ± Σ_{j∈U2\U3, i∈N(j)∩U3} PRG(s_ij) = Σ_{i∈U3} x_i (mod 2^32).
//
// Threat model: honest-but-curious server and clients (SecAgg's semi-honest protocol). Not implemented: the
// signatures of the malicious variant (a PKI binding keys to vehicles) and its ConsistencyCheck round, so a
// malicious server could tell different clients different survivor sets; SecAgg+'s random graph sampling is
// replaced by a deterministic seeded ring (graph.ts). Failures are typed: InvalidInputError for a malformed,
// unexpected or forged message (including a share failing authentication) and for a refused request;
// SecAggAbortError when too few clients remain for some secret to be reconstructed (fewer than t).
//
// The classes are transport-agnostic: every round is one method call on each side, taking and returning plain
// objects (bytes, Uint32Arrays, bigints); `simulateSecAgg` runs a whole round in memory.

import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { BaseError, InvalidInputError } from "@amc/utils";
import { neighbourGraph } from "./graph.js";
import { addInto, applyMask, expandMask, subtractInto } from "./prg.js";
import { type RandomSource, seededRandom, systemRandom } from "./random.js";
import {
  combineWith,
  FIELD_ELEMENT_BYTES,
  fieldElementFromBytes,
  fieldElementToBytes,
  fieldElementToSecret,
  lagrangeAtZero,
  type ShamirShare,
  secretToFieldElement,
  shamirSplit,
} from "./shamir.js";
import {
  generateX25519KeyPair,
  hkdf32,
  importX25519PublicKey,
  type X25519KeyPair,
  x25519,
  x25519KeyPairFrom,
} from "./x25519.js";

/** The protocol cannot finish: fewer than `threshold` clients hold shares of some secret it needs. */
export class SecAggAbortError extends BaseError {
  override name = "SecAggAbortError";
}

/** Public parameters of one aggregation round, the same at the server and every client. */
export type SecAggConfig = {
  /** Identifies the round; bound into every derived key and every ciphertext (≤ 255 bytes of UTF-8). */
  readonly roundId: string;
  /** Length of every input vector. */
  readonly vectorLength: number;
  /** Shamir threshold t: shares needed to rebuild a secret; 1 ≤ t ≤ k (t > k/2 recommended). */
  readonly threshold: number;
  /** Neighbours per client k (SecAgg+: O(log n); k ≥ n − 1 is the original SecAgg). */
  readonly neighbours: number;
  /** Public seed of the neighbour graph (graph.ts). */
  readonly graphSeed: Uint8Array;
};

/** Round 0, client → server → all: a client's two public keys. */
export type KeyAdvertisement = {
  readonly id: number;
  /** c_i^PK: X25519 public key of the share channel (32 bytes). */
  readonly encryptionPk: Uint8Array;
  /** s_i^PK: X25519 public key of the pairwise masks (32 bytes). */
  readonly maskPk: Uint8Array;
};

/** Round 1, client → server → client: i's shares of b_i and s_i^SK for j, sealed for j. */
export type EncryptedShare = {
  readonly from: number;
  readonly to: number;
  /** nonce (12) ‖ AES-256-GCM ciphertext of the two 66-byte shares (132) ‖ tag (16). */
  readonly ciphertext: Uint8Array;
};

/** Round 2, client → server: the masked input y_i. */
export type MaskedInput = { readonly id: number; readonly masked: Uint32Array };

/** A revealed share of the secret of client `of`. */
export type RevealedShare = { readonly of: number; readonly share: ShamirShare };

/** Round 3, client → server: shares of b_j for surviving neighbours and of s_j^SK for dropped ones. */
export type UnmaskShares = {
  readonly id: number;
  readonly selfMaskShares: readonly RevealedShare[];
  readonly maskKeyShares: readonly RevealedShare[];
};

/** The server's output: the sum of the survivors' inputs. */
export type SecAggOutcome = {
  /** Σ_{i ∈ survivors} x_i mod 2^32. */
  readonly sum: Uint32Array;
  /** U3: the clients whose inputs are in the sum, by id. */
  readonly survivors: number[];
  /** U1 \ U3: the advertised clients whose inputs are not, by id. */
  readonly dropped: number[];
};

const CIPHERTEXT_BYTES = 12 + 2 * FIELD_ELEMENT_BYTES + 16;
const LABEL_SHARE_KEY = "amc/secagg/v1/share-key";
const LABEL_SHARE_AAD = "amc/secagg/v1/share";
const LABEL_MASK_SEED = "amc/secagg/v1/mask-seed";

function checkId(id: unknown, what: string): asserts id is number {
  if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > 0xffffffff) {
    throw new InvalidInputError(`SecAgg: ${what} must be an integer id in [1, 2^32 − 1], got ${String(id)}`);
  }
}

/** Checks a configuration; every constructor calls it. */
export function validateSecAggConfig(config: SecAggConfig): void {
  const roundBytes = new TextEncoder().encode(config.roundId);
  if (typeof config.roundId !== "string" || roundBytes.length > 255) {
    throw new InvalidInputError("SecAgg: roundId must be a string of at most 255 UTF-8 bytes");
  }
  if (!Number.isSafeInteger(config.vectorLength) || config.vectorLength < 0) {
    throw new InvalidInputError(`SecAgg: vectorLength must be an integer ≥ 0, got ${config.vectorLength}`);
  }
  if (!Number.isSafeInteger(config.neighbours) || config.neighbours < 1) {
    throw new InvalidInputError(`SecAgg: neighbours (k) must be an integer ≥ 1, got ${config.neighbours}`);
  }
  if (!Number.isSafeInteger(config.threshold) || config.threshold < 1 || config.threshold > config.neighbours) {
    throw new InvalidInputError(
      `SecAgg: threshold must be an integer in [1, k = ${config.neighbours}], got ${config.threshold}`,
    );
  }
  if (!(config.graphSeed instanceof Uint8Array)) throw new InvalidInputError("SecAgg: graphSeed must be bytes");
}

/** label ‖ 0x00 ‖ len(round) ‖ round ‖ a (u32 BE) ‖ b (u32 BE): the info / AAD strings. */
function context(label: string, roundId: string, a: number, b: number): Uint8Array {
  const round = Buffer.from(roundId, "utf8");
  const ids = Buffer.alloc(8);
  ids.writeUInt32BE(a, 0);
  ids.writeUInt32BE(b, 4);
  return Buffer.concat([Buffer.from(label, "utf8"), Buffer.from([0, round.length]), round, ids]);
}

/** s_ij = HKDF(X25519(s_i^SK, s_j^PK), mask-seed label ‖ round ‖ min ‖ max): the same at i, j and the server. */
function maskSeed(
  roundId: string,
  mine: X25519KeyPair,
  theirs: ReturnType<typeof importX25519PublicKey>,
  i: number,
  j: number,
) {
  return hkdf32(x25519(mine.privateKey, theirs), context(LABEL_MASK_SEED, roundId, Math.min(i, j), Math.max(i, j)));
}

function copyAdvertisement(ad: KeyAdvertisement): KeyAdvertisement {
  checkId(ad.id, "a client id");
  if (!(ad.encryptionPk instanceof Uint8Array) || ad.encryptionPk.length !== 32) {
    throw new InvalidInputError(`SecAgg: client ${ad.id}'s encryption key is not 32 bytes`);
  }
  if (!(ad.maskPk instanceof Uint8Array) || ad.maskPk.length !== 32) {
    throw new InvalidInputError(`SecAgg: client ${ad.id}'s mask key is not 32 bytes`);
  }
  return { id: ad.id, encryptionPk: new Uint8Array(ad.encryptionPk), maskPk: new Uint8Array(ad.maskPk) };
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

type ClientPhase = "advertise" | "share" | "mask" | "unmask";

/**
 * One client of a SecAgg(+) round: call `advertiseKeys`, `shareKeys`, `maskInput` and `unmask` in order with what
 * the server relays. Holds its secrets (the two private keys, b_i) and the shares it received; a client serves one
 * round only.
 */
export class SecAggClient {
  readonly id: number;
  readonly #config: SecAggConfig;
  readonly #random: RandomSource;
  readonly #channelKeys: X25519KeyPair;
  readonly #maskKeys: X25519KeyPair;
  readonly #selfMaskSeed: Uint8Array;
  #phase: ClientPhase = "advertise";
  #neighbours: number[] = [];
  readonly #roster = new Map<number, KeyAdvertisement>();
  /** AES-GCM keys of the channels with each neighbour (derived once, used to seal and to open). */
  readonly #channelKeyCache = new Map<number, Uint8Array>();
  /** Shares of neighbours' secrets held by this client, by the neighbour's id (N(i) ∩ U2). */
  readonly #held = new Map<number, { selfMask: bigint; maskKey: bigint }>();
  /** What this client revealed about each neighbour in round 3. */
  readonly #revealed = new Map<number, "selfMask" | "maskKey">();

  /** `random` defaults to the OS CSPRNG; inject `seededRandom(…)` for reproducible runs. */
  constructor(options: { id: number; config: SecAggConfig; random?: RandomSource }) {
    checkId(options.id, "the client id");
    validateSecAggConfig(options.config);
    this.id = options.id;
    this.#config = options.config;
    this.#random = options.random ?? systemRandom;
    this.#channelKeys = generateX25519KeyPair(this.#random);
    this.#maskKeys = generateX25519KeyPair(this.#random);
    this.#selfMaskSeed = this.#random(32);
  }

  /** Round 0: this client's public keys, for the server to broadcast. */
  advertiseKeys(): KeyAdvertisement {
    if (this.#phase !== "advertise" && this.#phase !== "share") {
      throw new InvalidInputError(`SecAgg client ${this.id}: keys are advertised before sharing`);
    }
    this.#phase = "share";
    return { id: this.id, encryptionPk: this.#channelKeys.publicRaw, maskPk: this.#maskKeys.publicRaw };
  }

  /** The neighbours N(i) of this client in the round's graph (known after `shareKeys`). */
  get neighbours(): readonly number[] {
    return this.#neighbours;
  }

  /**
   * Round 1: from the roster U1 the server broadcast, Shamir-shares b_i and s_i^SK among this client's neighbours
   * and returns one sealed share per neighbour, for the server to route.
   */
  shareKeys(roster: readonly KeyAdvertisement[]): EncryptedShare[] {
    if (this.#phase !== "share") throw new InvalidInputError(`SecAgg client ${this.id}: shareKeys out of order`);
    for (const entry of roster) {
      const ad = copyAdvertisement(entry);
      if (this.#roster.has(ad.id)) throw new InvalidInputError(`SecAgg: client ${ad.id} appears twice in the roster`);
      this.#roster.set(ad.id, ad);
    }
    const me = this.#roster.get(this.id);
    if (
      !me ||
      !equalBytes(me.encryptionPk, this.#channelKeys.publicRaw) ||
      !equalBytes(me.maskPk, this.#maskKeys.publicRaw)
    ) {
      throw new InvalidInputError(`SecAgg client ${this.id}: the roster does not carry this client's keys`);
    }
    const { threshold, neighbours: k, graphSeed, roundId } = this.#config;
    this.#neighbours = neighbourGraph([...this.#roster.keys()], k, graphSeed).get(this.id) ?? [];
    if (this.#neighbours.length < threshold) {
      throw new SecAggAbortError(
        `SecAgg client ${this.id}: ${this.#neighbours.length} neighbours cannot hold a ${threshold}-of-n sharing`,
        { fix: "wait for more clients or lower the threshold" },
      );
    }
    const xs = this.#neighbours.map(BigInt);
    const selfMaskShares = shamirSplit(secretToFieldElement(this.#selfMaskSeed), threshold, xs, this.#random);
    const maskKeyShares = shamirSplit(secretToFieldElement(this.#maskKeys.privateRaw), threshold, xs, this.#random);
    this.#phase = "mask";
    return this.#neighbours.map((j, index) => {
      const peer = this.#roster.get(j) as KeyAdvertisement;
      const key = this.#channelKey(peer);
      const nonce = this.#random(12);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(context(LABEL_SHARE_AAD, roundId, this.id, j));
      const body = Buffer.concat([
        cipher.update(fieldElementToBytes((selfMaskShares[index] as ShamirShare).y)),
        cipher.update(fieldElementToBytes((maskKeyShares[index] as ShamirShare).y)),
        cipher.final(),
      ]);
      return { from: this.id, to: j, ciphertext: new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()])) };
    });
  }

  #channelKey(peer: KeyAdvertisement): Uint8Array {
    let key = this.#channelKeyCache.get(peer.id);
    if (!key) {
      const shared = x25519(this.#channelKeys.privateKey, importX25519PublicKey(peer.encryptionPk));
      const [a, b] = [Math.min(this.id, peer.id), Math.max(this.id, peer.id)];
      key = hkdf32(shared, context(LABEL_SHARE_KEY, this.#config.roundId, a, b));
      this.#channelKeyCache.set(peer.id, key);
    }
    return key;
  }

  /**
   * Round 2: opens the shares routed to this client (their senders are its live neighbours N(i) ∩ U2) and returns
   * the masked input y_i. Fails with InvalidInputError if a share does not authenticate or is not addressed from a
   * neighbour to this client.
   */
  maskInput(input: Uint32Array, received: readonly EncryptedShare[]): MaskedInput {
    if (this.#phase !== "mask") throw new InvalidInputError(`SecAgg client ${this.id}: maskInput out of order`);
    if (!(input instanceof Uint32Array) || input.length !== this.#config.vectorLength) {
      throw new InvalidInputError(
        `SecAgg client ${this.id}: the input must be a Uint32Array of length ${this.#config.vectorLength}`,
      );
    }
    const neighbourSet = new Set(this.#neighbours);
    const held = new Map<number, { selfMask: bigint; maskKey: bigint }>();
    for (const message of received) {
      const { from, to, ciphertext } = message;
      if (to !== this.id || !neighbourSet.has(from) || held.has(from)) {
        throw new InvalidInputError(`SecAgg client ${this.id}: unexpected share from ${from} to ${to}`);
      }
      if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== CIPHERTEXT_BYTES) {
        throw new InvalidInputError(
          `SecAgg client ${this.id}: the share from ${from} is not ${CIPHERTEXT_BYTES} bytes`,
        );
      }
      const decipher = createDecipheriv(
        "aes-256-gcm",
        this.#channelKey(this.#roster.get(from) as KeyAdvertisement),
        ciphertext.subarray(0, 12),
      );
      decipher.setAAD(context(LABEL_SHARE_AAD, this.#config.roundId, from, this.id));
      decipher.setAuthTag(ciphertext.subarray(CIPHERTEXT_BYTES - 16));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(ciphertext.subarray(12, CIPHERTEXT_BYTES - 16)), decipher.final()]);
      } catch (cause) {
        throw new InvalidInputError(
          `SecAgg client ${this.id}: the share from client ${from} failed authentication (tampered or misrouted)`,
          { cause },
        );
      }
      held.set(from, {
        selfMask: fieldElementFromBytes(plain.subarray(0, FIELD_ELEMENT_BYTES)),
        maskKey: fieldElementFromBytes(plain.subarray(FIELD_ELEMENT_BYTES)),
      });
    }
    if (held.size < this.#config.threshold) {
      throw new SecAggAbortError(
        `SecAgg client ${this.id}: only ${held.size} of its neighbours shared keys, fewer than the threshold ${this.#config.threshold}`,
      );
    }
    const masked = new Uint32Array(input);
    applyMask(masked, this.#selfMaskSeed, 1);
    for (const j of [...held.keys()].sort((a, b) => a - b)) {
      const peer = this.#roster.get(j) as KeyAdvertisement;
      const seed = maskSeed(this.#config.roundId, this.#maskKeys, importX25519PublicKey(peer.maskPk), this.id, j);
      applyMask(masked, seed, j > this.id ? 1 : -1);
    }
    for (const [j, shares] of held) this.#held.set(j, shares);
    this.#phase = "unmask";
    return { id: this.id, masked };
  }

  /**
   * Round 3: given the survivors U3 the server announced, reveals for each live neighbour j its share of b_j if j
   * survived, else of s_j^SK. Refuses (InvalidInputError) to reveal the other share of a neighbour it already
   * revealed one of, a survivor set without this client or naming a neighbour that never shared keys, and
   * (SecAggAbortError) a survivor set smaller than the threshold.
   */
  unmask(survivors: readonly number[]): UnmaskShares {
    if (this.#phase !== "unmask") throw new InvalidInputError(`SecAgg client ${this.id}: unmask out of order`);
    const alive = new Set(survivors);
    if (!alive.has(this.id)) {
      throw new InvalidInputError(`SecAgg client ${this.id}: the survivor set does not include this client`);
    }
    if (alive.size < this.#config.threshold) {
      throw new SecAggAbortError(
        `SecAgg client ${this.id}: ${alive.size} survivors are fewer than the threshold ${this.#config.threshold}`,
      );
    }
    for (const j of this.#neighbours) {
      if (alive.has(j) && !this.#held.has(j)) {
        throw new InvalidInputError(`SecAgg client ${this.id}: survivor ${j} never shared its keys with this client`);
      }
    }
    const x = BigInt(this.id);
    const selfMaskShares: RevealedShare[] = [];
    const maskKeyShares: RevealedShare[] = [];
    const decided: [number, "selfMask" | "maskKey"][] = [];
    for (const j of [...this.#held.keys()].sort((a, b) => a - b)) {
      const kind = alive.has(j) ? "selfMask" : "maskKey";
      const before = this.#revealed.get(j);
      if (before !== undefined && before !== kind) {
        throw new InvalidInputError(
          `SecAgg client ${this.id}: refusing to reveal the ${kind === "selfMask" ? "self-mask" : "mask-key"} share of client ${j}: its ${before === "selfMask" ? "self-mask" : "mask-key"} share was already revealed`,
          { details: "revealing both would let the server unmask client j's input" },
        );
      }
      decided.push([j, kind]);
      const shares = this.#held.get(j) as { selfMask: bigint; maskKey: bigint };
      (kind === "selfMask" ? selfMaskShares : maskKeyShares).push({ of: j, share: { x, y: shares[kind] } });
    }
    for (const [j, kind] of decided) this.#revealed.set(j, kind);
    return { id: this.id, selfMaskShares, maskKeyShares };
  }
}

type ServerPhase = "advertise" | "share" | "mask" | "unmask" | "done";

/**
 * The server (the RSU) of a SecAgg(+) round: feed it each round's client messages with `receive…`, then close the
 * round with `close…`, which returns what to relay; `finish` outputs the sum. It never sees an unmasked input.
 */
export class SecAggServer {
  readonly #config: SecAggConfig;
  #phase: ServerPhase = "advertise";
  readonly #ads = new Map<number, KeyAdvertisement>();
  #graph = new Map<number, number[]>();
  readonly #shares = new Map<number, readonly EncryptedShare[]>();
  #u2 = new Set<number>();
  readonly #masked = new Map<number, Uint32Array>();
  #u3 = new Set<number>();
  readonly #unmask = new Map<number, UnmaskShares>();

  constructor(config: SecAggConfig) {
    validateSecAggConfig(config);
    this.#config = config;
  }

  #expect(phase: ServerPhase, what: string): void {
    if (this.#phase !== phase) throw new InvalidInputError(`SecAgg server: ${what} during the ${this.#phase} phase`);
  }

  /** The neighbours of `id` in the round's graph (after `closeAdvertisements`). */
  neighboursOf(id: number): readonly number[] {
    return this.#graph.get(id) ?? [];
  }

  /** Round 0: a client's keys. */
  receiveAdvertisement(advertisement: KeyAdvertisement): void {
    this.#expect("advertise", "an advertisement arrived");
    const ad = copyAdvertisement(advertisement);
    if (this.#ads.has(ad.id)) throw new InvalidInputError(`SecAgg server: client ${ad.id} advertised twice`);
    this.#ads.set(ad.id, ad);
  }

  /** Ends round 0: fixes U1 and the graph; returns the roster to broadcast (sorted by id). */
  closeAdvertisements(): KeyAdvertisement[] {
    this.#expect("advertise", "closeAdvertisements was called");
    const ids = [...this.#ads.keys()].sort((a, b) => a - b);
    this.#graph = neighbourGraph(ids, this.#config.neighbours, this.#config.graphSeed);
    for (const id of ids) {
      const degree = this.#graph.get(id)?.length ?? 0;
      if (degree < this.#config.threshold) {
        throw new SecAggAbortError(
          `SecAgg server: ${ids.length} clients advertised; client ${id} has ${degree} neighbours, fewer than the threshold ${this.#config.threshold}`,
          { fix: "wait for more clients or lower the threshold" },
        );
      }
    }
    this.#phase = "share";
    return ids.map((id) => this.#ads.get(id) as KeyAdvertisement);
  }

  /** Round 1: the sealed shares of client `from`, one per neighbour. */
  receiveShares(from: number, shares: readonly EncryptedShare[]): void {
    this.#expect("share", "shares arrived");
    if (!this.#ads.has(from)) throw new InvalidInputError(`SecAgg server: shares from unknown client ${from}`);
    if (this.#shares.has(from)) throw new InvalidInputError(`SecAgg server: client ${from} sent shares twice`);
    const expected = new Set(this.#graph.get(from));
    for (const share of shares) {
      if (share.from !== from || !expected.delete(share.to)) {
        throw new InvalidInputError(
          `SecAgg server: client ${from} sent an unexpected share (${share.from} → ${share.to})`,
        );
      }
      if (!(share.ciphertext instanceof Uint8Array) || share.ciphertext.length !== CIPHERTEXT_BYTES) {
        throw new InvalidInputError(`SecAgg server: a share of client ${from} is not ${CIPHERTEXT_BYTES} bytes`);
      }
    }
    if (expected.size > 0) {
      throw new InvalidInputError(`SecAgg server: client ${from} sent no share for ${[...expected].join(", ")}`);
    }
    this.#shares.set(
      from,
      shares.map((share) => ({ ...share, ciphertext: new Uint8Array(share.ciphertext) })),
    );
  }

  /** Ends round 1: fixes U2; returns, for each client of U2, the shares to relay to it (from senders in U2). */
  closeShares(): Map<number, EncryptedShare[]> {
    this.#expect("share", "closeShares was called");
    this.#u2 = new Set([...this.#shares.keys()].sort((a, b) => a - b));
    this.#requireHolders(this.#u2, this.#u2, "shared keys");
    const routed = new Map<number, EncryptedShare[]>();
    for (const id of this.#u2) routed.set(id, []);
    for (const shares of this.#shares.values()) {
      for (const share of shares) routed.get(share.to)?.push(share);
    }
    this.#phase = "mask";
    return routed;
  }

  /** Fails unless every client of `owners` has ≥ t neighbours in `holders`. */
  #requireHolders(owners: Iterable<number>, holders: ReadonlySet<number>, stage: string): void {
    for (const j of owners) {
      const count = (this.#graph.get(j) ?? []).filter((i) => holders.has(i)).length;
      if (count < this.#config.threshold) {
        throw new SecAggAbortError(
          `SecAgg server: only ${count} neighbours of client ${j} ${stage}, fewer than the threshold ${this.#config.threshold}: too many dropouts`,
          { details: `client ${j}'s secrets could not be reconstructed, so the masks could not be removed` },
        );
      }
    }
  }

  /** Round 2: a client's masked input. */
  receiveMaskedInput(message: MaskedInput): void {
    this.#expect("mask", "a masked input arrived");
    if (!this.#u2.has(message.id))
      throw new InvalidInputError(`SecAgg server: masked input from ${message.id}, not in U2`);
    if (this.#masked.has(message.id)) throw new InvalidInputError(`SecAgg server: client ${message.id} sent twice`);
    if (!(message.masked instanceof Uint32Array) || message.masked.length !== this.#config.vectorLength) {
      throw new InvalidInputError(`SecAgg server: client ${message.id}'s masked input has the wrong length`);
    }
    this.#masked.set(message.id, new Uint32Array(message.masked));
  }

  /** Ends round 2: fixes the survivors U3 and returns them (sorted), to send to each survivor. */
  closeMaskedInputs(): number[] {
    this.#expect("mask", "closeMaskedInputs was called");
    const survivors = [...this.#masked.keys()].sort((a, b) => a - b);
    this.#u3 = new Set(survivors);
    if (this.#u3.size < this.#config.threshold) {
      throw new SecAggAbortError(
        `SecAgg server: ${this.#u3.size} masked inputs, fewer than the threshold ${this.#config.threshold}: too many dropouts`,
      );
    }
    this.#requireHolders(this.#u2, this.#u3, "sent masked inputs");
    this.#phase = "unmask";
    return survivors;
  }

  /** Round 3: a survivor's revealed shares; checked to be exactly the expected ones. */
  receiveUnmaskShares(message: UnmaskShares): void {
    this.#expect("unmask", "unmasking shares arrived");
    const { id } = message;
    if (!this.#u3.has(id)) throw new InvalidInputError(`SecAgg server: unmasking shares from ${id}, not a survivor`);
    if (this.#unmask.has(id)) throw new InvalidInputError(`SecAgg server: client ${id} sent unmasking shares twice`);
    const live = (this.#graph.get(id) ?? []).filter((j) => this.#u2.has(j));
    const wantSelf = live.filter((j) => this.#u3.has(j));
    const wantKey = live.filter((j) => !this.#u3.has(j));
    const check = (got: readonly RevealedShare[], want: number[], what: string) => {
      const ofs = got.map((r) => r.of).sort((a, b) => a - b);
      if (ofs.length !== want.length || ofs.some((of, index) => of !== want[index])) {
        throw new InvalidInputError(`SecAgg server: client ${id} revealed ${what} shares of the wrong clients`);
      }
      if (got.some((r) => r.share.x !== BigInt(id))) {
        throw new InvalidInputError(`SecAgg server: client ${id} revealed a share that is not its own`);
      }
    };
    check(message.selfMaskShares, wantSelf, "self-mask");
    check(message.maskKeyShares, wantKey, "mask-key");
    this.#unmask.set(id, message);
  }

  /**
   * Ends round 3: rebuilds b_j for every survivor and s_j^SK for every client that dropped after sharing keys,
   * removes all masks and returns the sum of the survivors' inputs. SecAggAbortError if fewer than t shares of some
   * needed secret arrived; InvalidInputError if a rebuilt mask key does not match its advertised public key.
   */
  finish(): SecAggOutcome {
    this.#expect("unmask", "finish was called");
    const { threshold, roundId, vectorLength } = this.#config;
    const selfMask = new Map<number, ShamirShare[]>();
    const maskKey = new Map<number, ShamirShare[]>();
    for (const id of [...this.#unmask.keys()].sort((a, b) => a - b)) {
      const message = this.#unmask.get(id) as UnmaskShares;
      for (const { of, share } of message.selfMaskShares) selfMask.set(of, [...(selfMask.get(of) ?? []), share]);
      for (const { of, share } of message.maskKeyShares) maskKey.set(of, [...(maskKey.get(of) ?? []), share]);
    }
    const lagrange = new Map<string, bigint[]>();
    const rebuild = (owner: number, shares: ShamirShare[] | undefined, what: string): Uint8Array => {
      if (!shares || shares.length < threshold) {
        throw new SecAggAbortError(
          `SecAgg server: ${shares?.length ?? 0} shares of the ${what} of client ${owner} arrived, ${threshold} needed: too many dropouts`,
        );
      }
      const used = shares.slice(0, threshold);
      const key = used.map((share) => share.x).join(",");
      let coefficients = lagrange.get(key);
      if (!coefficients) {
        coefficients = lagrangeAtZero(used.map((share) => share.x));
        lagrange.set(key, coefficients);
      }
      return fieldElementToSecret(combineWith(used, coefficients));
    };

    const sum = new Uint32Array(vectorLength);
    for (const id of this.#u3) addInto(sum, this.#masked.get(id) as Uint32Array);
    for (const id of this.#u3)
      subtractInto(sum, expandMask(rebuild(id, selfMask.get(id), "self-mask seed"), vectorLength));
    for (const j of this.#u2) {
      if (this.#u3.has(j)) continue;
      const keys = x25519KeyPairFrom(rebuild(j, maskKey.get(j), "mask key"));
      const ad = this.#ads.get(j) as KeyAdvertisement;
      if (!equalBytes(keys.publicRaw, ad.maskPk)) {
        throw new InvalidInputError(
          `SecAgg server: the rebuilt mask key of client ${j} does not match its public key`,
          {
            details: "some revealed share was wrong",
          },
        );
      }
      for (const i of this.#graph.get(j) ?? []) {
        if (!this.#u3.has(i)) continue;
        const theirs = importX25519PublicKey((this.#ads.get(i) as KeyAdvertisement).maskPk);
        // i added +PRG(s_ij) if j > i and −PRG(s_ij) if j < i: take it back out.
        applyMask(sum, maskSeed(roundId, keys, theirs, i, j), j > i ? -1 : 1);
      }
    }
    this.#phase = "done";
    const survivors = [...this.#u3].sort((a, b) => a - b);
    const dropped = [...this.#ads.keys()].filter((id) => !this.#u3.has(id)).sort((a, b) => a - b);
    return { sum, survivors, dropped };
  }
}

/** Options of `simulateSecAgg`; clients are the indices of `inputs` (client id = index + 1). */
export type SimulateSecAggOptions = {
  /** One vector per client, all of one length. */
  readonly inputs: readonly Uint32Array[];
  /** Shamir threshold t. */
  readonly threshold: number;
  /** Neighbours per client k (≥ inputs.length − 1: original SecAgg). */
  readonly neighbours: number;
  /** Indices of clients that advertise keys and then vanish (not in U2, not in the sum). */
  readonly dropAfterAdvertise?: readonly number[];
  /** Indices of clients that share keys and vanish before masking (their pairwise masks are rebuilt). */
  readonly dropAfterShare?: readonly number[];
  /** Indices of clients that send a masked input and vanish before unmasking (their input is in the sum). */
  readonly dropAfterMask?: readonly number[];
  readonly roundId: string;
  /** Seed of every client's randomness and of the graph, for reproducible runs; default: the OS CSPRNG. */
  readonly seed?: Uint8Array | string;
};

/** Wall-clock milliseconds per phase of a simulation; client phases are summed over the clients. */
export type SecAggTimings = {
  readonly keyGenerationMs: number;
  readonly shareKeysMs: number;
  readonly maskInputMs: number;
  readonly clientUnmaskMs: number;
  readonly serverFinishMs: number;
  /** Clients that ran `maskInput` (to turn `maskInputMs` into a per-client figure). */
  readonly maskingClients: number;
};

/** The sum of the survivors' inputs, with survivors and dropped clients as indices into `inputs`. */
export type SimulateSecAggResult = {
  readonly sum: Uint32Array;
  readonly survivors: number[];
  readonly dropped: number[];
  readonly timings: SecAggTimings;
};

/**
 * Runs one SecAgg(+) round in memory: n clients with `inputs`, a server, and the given dropouts, and returns the
 * server's output. Throws what the protocol throws (SecAggAbortError on too many dropouts).
 */
export function simulateSecAgg(options: SimulateSecAggOptions): SimulateSecAggResult {
  const { inputs, threshold, neighbours, roundId, seed } = options;
  const n = inputs.length;
  if (n === 0) throw new InvalidInputError("simulateSecAgg: no inputs");
  const vectorLength = inputs[0]?.length ?? 0;
  const dropSets = [options.dropAfterAdvertise ?? [], options.dropAfterShare ?? [], options.dropAfterMask ?? []];
  const dropStage = new Map<number, number>();
  dropSets.forEach((set, stage) => {
    for (const index of set) {
      if (!Number.isInteger(index) || index < 0 || index >= n || dropStage.has(index)) {
        throw new InvalidInputError(`simulateSecAgg: dropout index ${index} is out of range or listed twice`);
      }
      dropStage.set(index, stage);
    }
  });
  const seedBytes =
    seed === undefined ? undefined : typeof seed === "string" ? Buffer.from(seed, "utf8") : Buffer.from(seed);
  const graphSeed = seedBytes
    ? new Uint8Array(
        createHash("sha256").update("amc/secagg/v1/sim-graph\0").update(seedBytes).update(roundId).digest(),
      )
    : systemRandom(32);
  const config: SecAggConfig = { roundId, vectorLength, threshold, neighbours, graphSeed };
  const now = () => performance.now();

  let started = now();
  const clients = inputs.map((input, index) => {
    if (!(input instanceof Uint32Array) || input.length !== vectorLength) {
      throw new InvalidInputError(`simulateSecAgg: input ${index} is not a Uint32Array of length ${vectorLength}`);
    }
    const random = seedBytes
      ? seededRandom(Buffer.concat([seedBytes, Buffer.from(`\0client\0${index}`, "utf8")]))
      : systemRandom;
    return new SecAggClient({ id: index + 1, config, random });
  });
  const server = new SecAggServer(config);
  for (const client of clients) server.receiveAdvertisement(client.advertiseKeys());
  const roster = server.closeAdvertisements();
  const keyGenerationMs = now() - started;
  const alive = (stage: number) => clients.filter((_, index) => (dropStage.get(index) ?? 3) > stage);

  started = now();
  for (const client of alive(0)) server.receiveShares(client.id, client.shareKeys(roster));
  const routed = server.closeShares();
  const shareKeysMs = now() - started;

  let maskInputMs = 0;
  const masking = alive(1);
  for (const client of masking) {
    const t0 = now();
    const message = client.maskInput(inputs[client.id - 1] as Uint32Array, routed.get(client.id) ?? []);
    maskInputMs += now() - t0;
    server.receiveMaskedInput(message);
  }
  const survivors = server.closeMaskedInputs();

  started = now();
  for (const client of alive(2)) server.receiveUnmaskShares(client.unmask(survivors));
  const clientUnmaskMs = now() - started;

  started = now();
  const outcome = server.finish();
  const serverFinishMs = now() - started;
  return {
    sum: outcome.sum,
    survivors: outcome.survivors.map((id) => id - 1),
    dropped: outcome.dropped.map((id) => id - 1),
    timings: {
      keyGenerationMs,
      shareKeysMs,
      maskInputMs,
      clientUnmaskMs,
      serverFinishMs,
      maskingClients: masking.length,
    },
  };
}
