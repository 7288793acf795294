// Bulk verification of IEEE 1609.2 signed data on worker threads: an RSU or a back end that receives thousands of
// SPDUs a second spreads verifySignedData (verify.ts) over N workers, each holding its own copy of the trust store.
//
// - The trust store is sent once, as COER certificates (`addCertificates`, broadcast to every worker); each worker
//   decodes them and keeps them, and verifySignedData keeps their KeyObjects in its per-store cache. A worker that
//   replaces a crashed one starts with the whole current store.
// - Messages go in batches: a batch is split into one chunk per worker (more for very large batches), each chunk
//   packed into one ArrayBuffer with an offset table and transferred, not cloned, so a chunk costs one
//   postMessage each way. Single `verify` calls made in the same tick are gathered into one batch.
// - Results are plain serialisable values (VerifyResult), in input order, with the reasons of verifySignedData.
// - A worker that crashes rejects the batches it was working on with a VerifyPoolError and is replaced.
//
// Workers run the TypeScript sources through tsx: pool.worker.mjs registers tsx's ESM hooks and then imports
// pool.worker.ts. (On Node 20 `execArgv: ["--import", "tsx/esm"]` does not make a worker's entry point loadable as
// TypeScript, while `register()` from tsx/esm/api inside the worker does, under tsx and under vitest alike.)
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BaseError, errorMessage } from "@amc/utils";
import { CertificateCodec } from "./codec.js";
import { certificateDigest, toHex } from "./hash.js";
import type { Certificate, HashedId8 } from "./types.js";
import type { VerifiedSignedData, VerifyFailure } from "./verify.js";

/** The verdict on one message, as a plain value that crosses threads: verifySignedData's result, summarised. */
export type VerifyResult =
  | {
      ok: true;
      psid: number;
      /** HashedId8 of the signer certificate, lower-case hex. */
      signerDigest: string;
      /** Time64 (TAI microseconds since 2004) in decimal. */
      generationTime: string;
      /** The header's generationLocation (1e-7 degrees), when the message carries one. */
      location?: { latitude: number; longitude: number } | undefined;
      /** With `messageHashes`: keccak256 of the message bytes, 0x-hex (the RSU's message identity). */
      messageHash?: `0x${string}` | undefined;
      /** With `messageHashes`: its OpenZeppelin standard-tree leaf, keccak256(keccak256(messageHash)), 0x-hex. */
      leaf?: `0x${string}` | undefined;
    }
  | VerifyFailure;

/** The VerifyResult of an in-thread verifySignedData result (what the workers send back). */
export function toVerifyResult(result: VerifiedSignedData | VerifyFailure): VerifyResult {
  if (!result.ok) return { ok: false, reason: result.reason, detail: result.detail };
  return {
    ok: true,
    psid: result.psid,
    signerDigest: toHex(result.signerDigest),
    generationTime: result.generationTime.toString(),
    ...(result.signedData.tbsData.headerInfo.generationLocation
      ? {
          location: {
            latitude: result.signedData.tbsData.headerInfo.generationLocation.latitude,
            longitude: result.signedData.tbsData.headerInfo.generationLocation.longitude,
          },
        }
      : {}),
  };
}

/** A worker crashed (its batches are rejected with this), failed to start, or the pool was closed. */
export class VerifyPoolError extends BaseError {
  override name = "VerifyPoolError";
}

export type VerifyPoolOptions = {
  /** Number of worker threads (default os.availableParallelism()). */
  threads?: number | undefined;
  /** The clock for messages verified without an explicit `now` (default Date.now). */
  now?: (() => Date | number) | undefined;
  /** As in verifySignedData: oldest accepted generationTime relative to now (default 30 s). */
  maxAgeMs?: number | undefined;
  /** As in verifySignedData: tolerated clock skew ahead of now (default 2 s). */
  maxFutureMs?: number | undefined;
  /** As in verifySignedData: accept only these PSIDs. */
  psids?: readonly number[] | undefined;
  /**
   * Also compute, for each accepted message, keccak256 of its bytes and its Merkle leaf (an RSU's message hash and
   * batch leaf), on the worker threads instead of the caller's.
   */
  messageHashes?: boolean | undefined;
};

/** What the pool has done, per worker slot (a replaced worker keeps its slot's figures). */
export type VerifyPoolStats = {
  /** Worker threads started and not yet exited (0 once close() has resolved). */
  running: number;
  /** Workers replaced after a crash. */
  restarts: number;
  workers: { index: number; verified: number; pending: number }[];
};

export type VerifyCallOptions = {
  /** Verify as of this instant instead of the pool's clock. */
  now?: Date | number | undefined;
};

// ---------------------------------------------------------------------------------------------------------------
// Protocol between the pool and its workers (pool.worker.ts)

export type WorkerSetup = {
  messageHashes: boolean | undefined;
  maxAgeMs: number | undefined;
  maxFutureMs: number | undefined;
  psids: number[] | undefined;
  /** The trust store at the time the worker starts, as COER certificates. */
  certificates: Uint8Array[];
};

export type WorkerRequest =
  | { type: "add"; id: number; certificates: Uint8Array[] }
  | { type: "remove"; id: number; digests: string[] }
  /** Messages i is bytes[offsets[i], offsets[i + 1]) of `bytes`; `now` in milliseconds since 1970. */
  | { type: "verify"; id: number; now: number; bytes: Uint8Array; offsets: Uint32Array }
  /** Fault injection for tests: the worker throws an uncaught error. */
  | { type: "crash" };

export type WorkerResponse =
  | { type: "ready" }
  | { type: "done"; id: number }
  | { type: "results"; id: number; results: VerifyResult[] };

// ---------------------------------------------------------------------------------------------------------------
// The pool

/** Chunks larger than this are split further, to bound the memory and latency of one postMessage. */
const MAX_CHUNK = 4096;
/** Single `verify` calls gathered in one tick travel (and resolve) in slices of at most this many. */
const STREAM_SLICE = 256;
/** Batches smaller than this per worker are not split: the postMessage round trip would cost more. */
const MIN_CHUNK = 16;

type Pending = {
  /** Messages in the request (0 for trust store updates). */
  count: number;
  resolve(value: VerifyResult[] | undefined): void;
  /** Called when the worker dies before answering. */
  lost(error: VerifyPoolError): void;
};

type Slot = {
  index: number;
  worker: Worker;
  pending: Map<number, Pending>;
  /** Messages sent and not yet answered. */
  load: number;
  ready: boolean;
  dead: boolean;
  /** The uncaught error that ended the worker, reported before its exit. */
  error: unknown;
  /** Messages verified in this slot, by this worker and the ones it replaced. */
  verified: number;
};

type Queued = { bytes: Uint8Array; now: number; resolve(result: VerifyResult): void; reject(error: unknown): void };

const WORKER_URL = new URL("./pool.worker.mjs", import.meta.url);

const millis = (now: Date | number): number => (typeof now === "number" ? now : now.getTime());

/**
 * A pool of worker threads verifying IEEE 1609.2 signed data against a trust store of their own.
 *
 * @example
 * const pool = new VerifyPool({ threads: 4, maxAgeMs: 5_000 });
 * await pool.addCertificates([root, aa, ...tickets]);
 * const results = await pool.verifyBatch(spdus); // results[i] is the verdict on spdus[i]
 * await pool.close();
 */
export class VerifyPool {
  readonly threads: number;
  readonly #setup: Omit<WorkerSetup, "certificates">;
  readonly #clock: () => Date | number;
  /** The trust store as the workers hold it: COER certificates by HashedId8 hex. */
  readonly #certificates = new Map<string, Uint8Array>();
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #queue: Queued[] = [];
  #closed = false;
  /** Set when a worker fails before it is ready: the pool cannot run at all. */
  #failure: VerifyPoolError | undefined;
  #readyWaiters: { resolve(): void; reject(error: unknown): void }[] = [];
  #running = 0;
  #restarts = 0;

  constructor(options: VerifyPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new VerifyPoolError(`threads must be >= 1, not ${threads}`);
    this.threads = threads;
    this.#clock = options.now ?? Date.now;
    this.#setup = {
      messageHashes: options.messageHashes,
      maxAgeMs: options.maxAgeMs,
      maxFutureMs: options.maxFutureMs,
      psids: options.psids?.slice(),
    };
    for (let i = 0; i < threads; i++) this.#slots.push(this.#spawn(i));
  }

  /** Resolves once every worker has loaded (verification requests may be sent before; they wait in line). */
  ready(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#slots.every((slot) => slot.ready)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /**
   * Adds certificates to every worker's trust store (certificates already verified up to a trusted root, as for
   * verifySignedData's `certificateByDigest`). Requests sent after this call see them; the promise resolves when
   * every worker has them.
   */
  async addCertificates(certificates: readonly Certificate[]): Promise<void> {
    const encoded: Uint8Array[] = [];
    for (const certificate of certificates) {
      const bytes = CertificateCodec.encode(certificate);
      this.#certificates.set(toHex(certificateDigest(certificate)), bytes);
      encoded.push(bytes);
    }
    await this.#broadcast((id) => ({ type: "add", id, certificates: encoded }));
  }

  /** Removes certificates (or HashedId8 digests) from every trust store: their messages become unknown_signer. */
  async removeCertificates(certificates: readonly (Certificate | HashedId8)[]): Promise<void> {
    const digests = certificates.map((c) => toHex(c instanceof Uint8Array ? c : certificateDigest(c)));
    for (const digest of digests) this.#certificates.delete(digest);
    await this.#broadcast((id) => ({ type: "remove", id, digests }));
  }

  /** Verifies one message. Calls made in the same tick travel to the workers together, as one batch. */
  verify(bytes: Uint8Array, options: VerifyCallOptions = {}): Promise<VerifyResult> {
    const unusable = this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    const now = millis(options.now ?? this.#clock());
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) queueMicrotask(() => this.#flush());
      this.#queue.push({ bytes, now, resolve, reject });
    });
  }

  /** Verifies messages on all workers; results[i] is the verdict on messages[i]. */
  async verifyBatch(messages: readonly Uint8Array[], options: VerifyCallOptions = {}): Promise<VerifyResult[]> {
    const unusable = this.#unusable();
    if (unusable !== undefined) throw unusable;
    if (messages.length === 0) return [];
    const now = millis(options.now ?? this.#clock());
    const perWorker = Math.max(MIN_CHUNK, Math.ceil(messages.length / this.#slots.length));
    const size = Math.min(MAX_CHUNK, perWorker);
    const chunks: Promise<VerifyResult[]>[] = [];
    for (let start = 0; start < messages.length; start += size) {
      chunks.push(this.#send(messages.slice(start, start + size), now));
    }
    const results = await Promise.all(chunks);
    return results.length === 1 ? results[0]! : results.flat();
  }

  /** Terminates the workers; pending requests are rejected. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new VerifyPoolError("the verify pool was closed");
    for (const queued of this.#queue.splice(0)) queued.reject(error);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    const slots = this.#slots.splice(0);
    for (const slot of slots) this.#abandon(slot, error);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  stats(): VerifyPoolStats {
    return {
      running: this.#running,
      restarts: this.#restarts,
      workers: this.#slots.map((slot) => ({ index: slot.index, verified: slot.verified, pending: slot.load })),
    };
  }

  /** Fault injection for tests: makes one worker throw an uncaught error, as a bug or a native fault would. */
  simulateCrash(index = 0): void {
    this.#slots[index]?.worker.postMessage({ type: "crash" } satisfies WorkerRequest);
  }

  // -------------------------------------------------------------------------------------------------------------

  #unusable(): VerifyPoolError | undefined {
    if (this.#closed) return new VerifyPoolError("the verify pool is closed");
    return this.#failure;
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    const unusable = this.#unusable();
    if (unusable !== undefined) {
      for (const queued of queue) queued.reject(unusable);
      return;
    }
    // One batch per distinct `now` (normally one: the clock is read once per call, in the same millisecond).
    const byNow = new Map<number, Queued[]>();
    for (const queued of queue) {
      const group = byNow.get(queued.now);
      if (group === undefined) byNow.set(queued.now, [queued]);
      else group.push(queued);
    }
    // Gathered calls go out in slices of STREAM_SLICE: each slice's callers hear back as soon as it is done, so a
    // flood does not come back as one long burst of continuations (with ACKs and socket reads stalled meanwhile).
    for (const [now, all] of byNow) {
      for (let start = 0; start < all.length; start += STREAM_SLICE) {
        const group = all.slice(start, start + STREAM_SLICE);
        this.verifyBatch(
          group.map((queued) => queued.bytes),
          { now },
        ).then(
          (results) => {
            for (let i = 0; i < group.length; i++) group[i]!.resolve(results[i]!);
          },
          (error: unknown) => {
            for (const queued of group) queued.reject(error);
          },
        );
      }
    }
  }

  /** Packs messages into one transferred buffer and sends them to the least loaded worker. */
  #send(messages: readonly Uint8Array[], now: number): Promise<VerifyResult[]> {
    const offsets = new Uint32Array(messages.length + 1);
    let total = 0;
    for (let i = 0; i < messages.length; i++) {
      total += messages[i]!.length;
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let i = 0; i < messages.length; i++) bytes.set(messages[i]!, offsets[i]!);

    let slot = this.#slots[0]!;
    for (const candidate of this.#slots) if (candidate.load < slot.load) slot = candidate;
    const id = this.#nextId++;
    const target = slot;
    return new Promise<VerifyResult[]>((resolve, reject) => {
      this.#track(target, id, {
        count: messages.length,
        resolve: (results) =>
          results === undefined
            ? reject(new VerifyPoolError("protocol error: the worker answered a verify request without results"))
            : resolve(results),
        lost: reject,
      });
      const request: WorkerRequest = { type: "verify", id, now, bytes, offsets };
      target.worker.postMessage(request, [bytes.buffer, offsets.buffer]);
    });
  }

  /** Sends a trust store update to every worker; resolves when all have applied it. */
  #broadcast(request: (id: number) => WorkerRequest): Promise<void> {
    const unusable = this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    const acks = this.#slots.map((slot) => {
      const id = this.#nextId++;
      return new Promise<void>((resolve) => {
        // A worker that dies first is replaced by one started with the updated store: nothing is lost.
        this.#track(slot, id, { count: 0, resolve: () => resolve(), lost: () => resolve() });
        slot.worker.postMessage(request(id));
      });
    });
    return Promise.all(acks).then(() => undefined);
  }

  #track(slot: Slot, id: number, pending: Pending): void {
    slot.pending.set(id, pending);
    slot.load += pending.count;
    this.#keepAlive(slot);
  }

  /** A worker keeps the process alive while it starts or has requests in flight; an idle one does not. */
  #keepAlive(slot: Slot): void {
    if (!slot.ready || slot.pending.size > 0) slot.worker.ref();
    else slot.worker.unref();
  }

  #spawn(index: number, verified = 0): Slot {
    const setup: WorkerSetup = { ...this.#setup, certificates: [...this.#certificates.values()] };
    // execArgv: [] so that the parent's loader flags (tsx's, vitest's) are not applied twice; the worker entry
    // registers tsx itself.
    const worker = new Worker(WORKER_URL, { workerData: setup, execArgv: [] });
    this.#running++;
    const slot: Slot = {
      index,
      worker,
      pending: new Map(),
      load: 0,
      ready: false,
      dead: false,
      error: undefined,
      verified,
    };
    worker.on("message", (message: WorkerResponse) => this.#onMessage(slot, message));
    worker.on("error", (error) => {
      slot.error = error;
      this.#onDeath(slot);
    });
    worker.on("exit", () => {
      this.#running--;
      this.#onDeath(slot);
    });
    return slot;
  }

  #onMessage(slot: Slot, message: WorkerResponse): void {
    if (message.type === "ready") {
      slot.ready = true;
      this.#keepAlive(slot);
      if (this.#slots.every((s) => s.ready)) for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
      return;
    }
    const pending = slot.pending.get(message.id);
    if (pending === undefined) return;
    slot.pending.delete(message.id);
    slot.load -= pending.count;
    slot.verified += pending.count;
    this.#keepAlive(slot);
    pending.resolve(message.type === "results" ? message.results : undefined);
  }

  #onDeath(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    if (this.#closed || this.#failure !== undefined) return;
    const cause = slot.error;
    const why = cause === undefined ? "exited" : `crashed: ${errorMessage(cause)}`;
    if (!slot.ready) {
      // Failing before it is ready (tsx missing, a syntax error): a replacement would fail the same way.
      this.#failure = new VerifyPoolError(`verify pool worker ${slot.index} failed to start`, {
        details: why,
        cause,
      });
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(this.#failure);
      for (const s of this.#slots) this.#abandon(s, this.#failure);
      for (const s of this.#slots) if (s !== slot) void s.worker.terminate();
      return;
    }
    const lost = new VerifyPoolError(
      `verify pool worker ${slot.index} ${why}; its ${slot.load} pending message(s) were not verified`,
      { cause, fix: "retry the batch: the worker has been replaced" },
    );
    this.#abandon(slot, lost);
    const position = this.#slots.indexOf(slot);
    if (position >= 0) {
      this.#restarts++;
      this.#slots[position] = this.#spawn(slot.index, slot.verified);
    }
  }

  /** Rejects (or, for trust store updates, settles) everything a worker had pending. */
  #abandon(slot: Slot, error: VerifyPoolError): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    slot.load = 0;
    for (const p of pending) p.lost(error);
  }
}
