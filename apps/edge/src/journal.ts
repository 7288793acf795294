// The RSU's journal: typed records over the write-ahead log, and the state they add up to. Every message the RSU
// acknowledges, every batch it seals before anchoring, every anchor transaction and every confirmed event is a
// record here first; after a crash, replaying the log rebuilds exactly the state the RSU had (the same function
// folds records into state live and on replay), including the index that refuses replayed messages.
//
// Records are binary: byte 0 the format version (1), byte 1 the type, then fixed big-endian fields; integers that
// are JS numbers (seq, times, batch ids, block numbers) take 8 bytes and must be safe integers (u53).
//   message  (1): seq, receivedAt, messageHash (32), ticket (HashedId8, 8), u32 spdu length, spdu
//   sealed   (2): batchId, firstSeq, lastSeq, root (32), u32 count, fromTime, toTime
//   anchored (3): batchId, txHash (32), blockNumber
//   event    (4): eventId (32), u32 length, UTF-8 JSON
// Memory per message is its hash, seq, receivedAt (until sealed) and batch position; SPDUs stay on disk only.

import { buildMerkleTree, type MerkleTree, standardLeafHash } from "@amc/crypto";
import { AssertionError, InvalidInputError } from "@amc/utils";
import { type Hex, keccak256 } from "viem";
import {
  WalCorruptionError,
  type WalRecovery,
  type WalStats,
  WriteAheadLog,
  type WriteAheadLogOptions,
} from "./wal.js";

/** Format version written in byte 0 of every journal record. */
export const JOURNAL_FORMAT_VERSION = 1;
const TYPE_CODE = { message: 1, sealed: 2, anchored: 3, event: 4 } as const;

/** A message the RSU accepted: the exact SPDU bytes and who sent them. */
export type MessageRecord = {
  type: "message";
  seq: number;
  /** Unix milliseconds. */
  receivedAt: number;
  /** keccak256(spdu), lower-case. */
  messageHash: Hex;
  spdu: Uint8Array;
  /** HashedId8 of the sender's ticket: 16 hex digits, lower-case, no 0x. */
  ticket: string;
};

/** A batch of consecutive messages, written before the RSU tries to anchor its root. */
export type SealedRecord = {
  type: "sealed";
  batchId: number;
  firstSeq: number;
  lastSeq: number;
  root: Hex;
  count: number;
  /** Earliest and latest receivedAt of the batch's messages (Unix ms), as DataAnchor stores them. */
  fromTime: number;
  toTime: number;
};

/** The transaction that anchored a batch on the cell chain. */
export type AnchoredRecord = { type: "anchored"; batchId: number; txHash: Hex; blockNumber: number };

/** A confirmed event; the JSON is opaque to the journal. */
export type EventRecord = { type: "event"; eventId: Hex; json: string };

export type JournalRecord = MessageRecord | SealedRecord | AnchoredRecord | EventRecord;

// ---------------------------------------------------------------------------------------------------------------
// encoding

const HEADER = 2;
const U53 = 8;
const HASH = 32;
const TICKET = 8;
const MESSAGE_FIXED = HEADER + U53 + U53 + HASH + TICKET + 4;
const SEALED_BYTES = HEADER + U53 + U53 + U53 + HASH + 4 + U53 + U53;
const ANCHORED_BYTES = HEADER + U53 + HASH + U53;
const EVENT_FIXED = HEADER + HASH + 4;
const MAX_U32 = 0xffff_ffff;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const TICKET_HEX = /^[0-9a-fA-F]{16}$/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(message: string, fix: string): InvalidInputError {
  return new InvalidInputError(message, { fix });
}

function checkU53(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(`${what} must be a non-negative safe integer, got ${String(value)}`, `pass ${what} as an integer`);
  return value;
}

function checkHash(what: string, value: string): Hex {
  if (typeof value !== "string" || !HEX32.test(value))
    throw invalid(`${what} is not a 32-byte hash: ${String(value).slice(0, 80)}`, "pass 0x followed by 64 hex digits");
  return lowerHex(value);
}

const lowerHex = (hex: string): Hex => `0x${hex.slice(2).toLowerCase()}`;

function checkTicket(value: string): string {
  if (typeof value !== "string" || !TICKET_HEX.test(value))
    throw invalid(
      `ticket is not a HashedId8: ${String(value).slice(0, 40)}`,
      "pass the ticket's HashedId8 as 16 hex digits without 0x",
    );
  return value.toLowerCase();
}

const writeU53 = (view: DataView, at: number, value: number): void => {
  view.setUint32(at, Math.floor(value / 2 ** 32));
  view.setUint32(at + 4, value >>> 0);
};

/**
 * Encodes a journal record. Throws InvalidInputError when a field does not fit its format (a negative or unsafe
 * integer, a malformed hash or ticket, a count that is not lastSeq − firstSeq + 1, fromTime after toTime).
 */
export function encodeJournalRecord(record: JournalRecord): Uint8Array {
  let at = HEADER;
  const u53 = (what: string, value: number) => {
    writeU53(view, at, checkU53(what, value));
    at += U53;
  };
  const u32 = (what: string, value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > MAX_U32)
      throw invalid(`${what} must fit in 32 bits, got ${value}`, `pass ${what} from 0 to ${MAX_U32}`);
    view.setUint32(at, value);
    at += 4;
  };
  const hash = (what: string, hex: Hex) => {
    bytes.set(Buffer.from(checkHash(what, hex).slice(2), "hex"), at);
    at += HASH;
  };
  // The variable-length tail (SPDU or JSON) is known first, so that the record is allocated once.
  const tail = record.type === "message" ? record.spdu : record.type === "event" ? utf8.encode(record.json) : undefined;
  const fixed = { message: MESSAGE_FIXED, sealed: SEALED_BYTES, anchored: ANCHORED_BYTES, event: EVENT_FIXED };
  const bytes = new Uint8Array(fixed[record.type] + (tail?.length ?? 0));
  const view = new DataView(bytes.buffer);
  bytes[0] = JOURNAL_FORMAT_VERSION;
  bytes[1] = TYPE_CODE[record.type];
  switch (record.type) {
    case "message": {
      u53("seq", record.seq);
      u53("receivedAt", record.receivedAt);
      hash("messageHash", record.messageHash);
      bytes.set(Buffer.from(checkTicket(record.ticket), "hex"), at);
      at += TICKET;
      u32("spdu length", record.spdu.length);
      bytes.set(record.spdu, at);
      break;
    }
    case "sealed": {
      checkSealedShape(record);
      u53("batchId", record.batchId);
      u53("firstSeq", record.firstSeq);
      u53("lastSeq", record.lastSeq);
      hash("root", record.root);
      u32("count", record.count);
      u53("fromTime", record.fromTime);
      u53("toTime", record.toTime);
      break;
    }
    case "anchored": {
      u53("batchId", record.batchId);
      hash("txHash", record.txHash);
      u53("blockNumber", record.blockNumber);
      break;
    }
    case "event": {
      hash("eventId", record.eventId);
      const json = tail ?? new Uint8Array(0);
      u32("json length", json.length);
      bytes.set(json, at);
      break;
    }
  }
  return bytes;
}

const LEAVES_PER_SLICE = 256;
const SEALED_FIELDS = ["batchId", "firstSeq", "lastSeq", "root", "count", "fromTime", "toTime"] as const;

function checkSealedShape(record: SealedRecord): void {
  if (record.count < 1 || record.lastSeq - record.firstSeq + 1 !== record.count)
    throw invalid(
      `sealed batch ${record.batchId} covers seq ${record.firstSeq}..${record.lastSeq} but counts ${record.count}`,
      "a batch holds the consecutive messages firstSeq..lastSeq, count = lastSeq − firstSeq + 1 ≥ 1",
    );
  if (record.fromTime > record.toTime)
    throw invalid(
      `sealed batch ${record.batchId} has fromTime ${record.fromTime} after toTime ${record.toTime}`,
      "fromTime is the earliest receivedAt of the batch, toTime the latest",
    );
}

/**
 * Decodes a journal record, checking every length and field. `spdu` of a message is a view into `bytes` (copy it
 * to keep it beyond `bytes`). Throws InvalidInputError on anything that is not a well-formed version-1 record.
 */
export function decodeJournalRecord(bytes: Uint8Array): JournalRecord {
  const fix = "decode only bytes that encodeJournalRecord produced";
  if (bytes.length < HEADER) throw invalid(`journal record of ${bytes.length} bytes is too short`, fix);
  if (bytes[0] !== JOURNAL_FORMAT_VERSION)
    throw invalid(`journal record has format version ${bytes[0]}, this code reads ${JOURNAL_FORMAT_VERSION}`, fix);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = HEADER;
  const expectLength = (what: string, length: number) => {
    if (bytes.length !== length)
      throw invalid(`${what} record is ${bytes.length} bytes long, its fields make ${length}`, fix);
  };
  const u53 = (what: string): number => {
    const high = view.getUint32(at);
    if (high > 0x1f_ffff) throw invalid(`${what} at byte ${at} exceeds 2^53 − 1`, fix);
    const value = high * 2 ** 32 + view.getUint32(at + 4);
    at += U53;
    return value;
  };
  const u32 = (): number => {
    const value = view.getUint32(at);
    at += 4;
    return value;
  };
  const hash = (): Hex => {
    const hex: Hex = `0x${buffer.toString("hex", at, at + HASH)}`;
    at += HASH;
    return hex;
  };
  switch (bytes[1]) {
    case TYPE_CODE.message: {
      if (bytes.length < MESSAGE_FIXED) expectLength("message", MESSAGE_FIXED);
      const seq = u53("seq");
      const receivedAt = u53("receivedAt");
      const messageHash = hash();
      const ticket = buffer.toString("hex", at, at + TICKET);
      at += TICKET;
      const length = u32();
      expectLength("message", MESSAGE_FIXED + length);
      return { type: "message", seq, receivedAt, messageHash, spdu: bytes.subarray(at, at + length), ticket };
    }
    case TYPE_CODE.sealed: {
      expectLength("sealed", SEALED_BYTES);
      const record: SealedRecord = {
        type: "sealed",
        batchId: u53("batchId"),
        firstSeq: u53("firstSeq"),
        lastSeq: u53("lastSeq"),
        root: hash(),
        count: u32(),
        fromTime: u53("fromTime"),
        toTime: u53("toTime"),
      };
      checkSealedShape(record);
      return record;
    }
    case TYPE_CODE.anchored: {
      expectLength("anchored", ANCHORED_BYTES);
      return { type: "anchored", batchId: u53("batchId"), txHash: hash(), blockNumber: u53("blockNumber") };
    }
    case TYPE_CODE.event: {
      if (bytes.length < EVENT_FIXED) expectLength("event", EVENT_FIXED);
      const eventId = hash();
      const length = u32();
      expectLength("event", EVENT_FIXED + length);
      let json: string;
      try {
        json = strictUtf8.decode(bytes.subarray(at, at + length));
      } catch (error) {
        throw new InvalidInputError(`event ${eventId} holds invalid UTF-8`, { fix, cause: error });
      }
      return { type: "event", eventId, json };
    }
    default:
      throw invalid(`journal record has unknown type ${bytes[1]}`, fix);
  }
}

/** The Merkle leaf of a message: OpenZeppelin's standard leaf of (bytes32 messageHash), as docs/edge.md fixes. */
export function messageLeaf(messageHash: Hex): Hex {
  return standardLeafHash(["bytes32"], [messageHash]);
}

// ---------------------------------------------------------------------------------------------------------------
// state

/** A logged message that is in no sealed batch yet. */
export type UnbatchedMessage = {
  readonly seq: number;
  readonly messageHash: Hex;
  readonly receivedAt: number;
  /** Its Merkle leaf when the caller computed it (see NewMessage); else computed when the batch is sealed. */
  readonly leaf?: Hex | undefined;
};

/** Where a logged message is: batchId and index (its position in the batch) once it is in a sealed batch. */
export type MessageLocation = { seq: number; batchId: number | undefined; index: number | undefined };

export type Batch = {
  readonly batchId: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly count: number;
  readonly root: Hex;
  readonly fromTime: number;
  readonly toTime: number;
  /** The batch's message hashes in seq order; leaf i of the tree is messageLeaf(messageHashes[i]). */
  readonly messageHashes: readonly Hex[];
  /** Set by the `anchored` record. */
  anchor: { readonly txHash: Hex; readonly blockNumber: number } | undefined;
};

/** What the journal's durable records add up to; replaying the log gives a state equal to the live one. */
export type JournalState = {
  /** The seq of the next message: messages are numbered 0, 1, 2, … in log order. */
  readonly nextSeq: number;
  /** Logged messages in no sealed batch, in seq order (the oldest first). */
  readonly unbatched: readonly UnbatchedMessage[];
  /** Every sealed batch; batches[i].batchId === i. */
  readonly batches: readonly Readonly<Batch>[];
  /** Ids of sealed batches without an `anchored` record, ascending. */
  readonly unanchoredBatchIds: readonly number[];
  /** Every logged message by its hash (lower-case): refuses replays, also after a restart. */
  readonly index: ReadonlyMap<Hex, Readonly<MessageLocation>>;
  /** Confirmed events by id, the JSON of the latest record for each. */
  readonly events: ReadonlyMap<Hex, string>;
};

type MutableState = {
  nextSeq: number;
  unbatched: UnbatchedMessage[];
  batches: Batch[];
  unanchoredBatchIds: number[];
  index: Map<Hex, MessageLocation>;
  events: Map<Hex, string>;
};

const emptyState = (): MutableState => ({
  nextSeq: 0,
  unbatched: [],
  batches: [],
  unanchoredBatchIds: [],
  index: new Map(),
  events: new Map(),
});

/** Folds one durable record into the state: the one place that does, live and on replay. */
function applyRecord(state: MutableState, record: JournalRecord, leaf?: Hex): void {
  switch (record.type) {
    case "message": {
      if (record.seq !== state.nextSeq)
        throw new AssertionError(`message seq ${record.seq} follows seq ${state.nextSeq - 1}`);
      if (state.index.has(record.messageHash))
        throw new AssertionError(`message ${record.messageHash} (seq ${record.seq}) is logged twice`);
      state.unbatched.push({ seq: record.seq, messageHash: record.messageHash, receivedAt: record.receivedAt, leaf });
      state.index.set(record.messageHash, { seq: record.seq, batchId: undefined, index: undefined });
      state.nextSeq++;
      return;
    }
    case "sealed": {
      if (record.batchId !== state.batches.length)
        throw new AssertionError(`sealed batch ${record.batchId} follows batch ${state.batches.length - 1}`);
      const first = state.unbatched[0];
      if (first?.seq !== record.firstSeq || record.count > state.unbatched.length)
        throw new AssertionError(
          `sealed batch ${record.batchId} covers seq ${record.firstSeq}..${record.lastSeq} but the unbatched messages are seq ${first?.seq ?? "(none)"}..${state.nextSeq - 1}`,
        );
      const taken = state.unbatched.splice(0, record.count);
      let fromTime = Number.POSITIVE_INFINITY;
      let toTime = 0;
      const messageHashes = taken.map((message, index) => {
        fromTime = Math.min(fromTime, message.receivedAt);
        toTime = Math.max(toTime, message.receivedAt);
        const location = state.index.get(message.messageHash);
        if (location === undefined) throw new AssertionError(`message ${message.messageHash} is not indexed`);
        location.batchId = record.batchId;
        location.index = index;
        return message.messageHash;
      });
      if (fromTime !== record.fromTime || toTime !== record.toTime)
        throw new AssertionError(
          `sealed batch ${record.batchId} says ${record.fromTime}..${record.toTime} but its messages span ${fromTime}..${toTime}`,
        );
      state.batches.push({
        batchId: record.batchId,
        firstSeq: record.firstSeq,
        lastSeq: record.lastSeq,
        count: record.count,
        root: record.root,
        fromTime: record.fromTime,
        toTime: record.toTime,
        messageHashes,
        anchor: undefined,
      });
      state.unanchoredBatchIds.push(record.batchId);
      return;
    }
    case "anchored": {
      const batch = state.batches[record.batchId];
      if (batch === undefined) throw new AssertionError(`anchored batch ${record.batchId} was never sealed`);
      if (batch.anchor !== undefined) throw new AssertionError(`batch ${record.batchId} is anchored twice`);
      batch.anchor = { txHash: record.txHash, blockNumber: record.blockNumber };
      state.unanchoredBatchIds.splice(state.unanchoredBatchIds.indexOf(record.batchId), 1);
      return;
    }
    case "event": {
      state.events.set(record.eventId, record.json);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the journal

export type JournalOptions = Omit<WriteAheadLogOptions, "onRecord"> & {
  /** Merkle trees of this many recently used batches are kept for proofs (default 8). */
  proofCacheBatches?: number;
};

/**
 * A message to log. Leave `messageHash` out: the journal hashes the SPDU once and returns the hash. When given,
 * it must be keccak256(spdu): it is checked (one more hash), not trusted.
 */
export type NewMessage = {
  spdu: Uint8Array;
  ticket: string;
  receivedAt: number;
  messageHash?: Hex;
  /**
   * messageLeaf(messageHash), computed by the caller (the RSU's verify workers compute both off the main thread).
   * Given together with messageHash, both are trusted and nothing is hashed here.
   */
  leaf?: Hex;
};

/**
 * What logging a message did: `logged` (durable now, with its new seq) or `replayed` (the same SPDU was logged
 * before, or is being logged right now; seq is the first one's, nothing was written).
 */
export type AppendMessageResult = { status: "logged" | "replayed"; seq: number; messageHash: Hex };

/** An inclusion proof: `verifyMerkleProof(root, leaf, proof)`, leaf = messageLeaf(messageHash). */
export type MessageProof = {
  messageHash: Hex;
  batchId: number;
  /** Position of the message in its batch (seq − firstSeq). */
  index: number;
  leaf: Hex;
  proof: Hex[];
  root: Hex;
};

/**
 * The RSU's journal. `state` is what the durable records add up to and changes only when a record becomes
 * durable; concurrent appends are logged in call order. Seqs and batch ids are assigned by the journal; seals run
 * one at a time. A failed write leaves the journal refusing all appends (see WriteAheadLog): close and reopen it.
 * Journal fits the anchorer's AnchorSource (`unanchored()`, `markAnchored()`).
 *
 * @example
 * const journal = await Journal.open("/var/lib/amc/rsu/journal");
 * const { status, seq } = await journal.appendMessage({ spdu, ticket, receivedAt: Date.now() });
 * if (status === "logged") ack(seq, 0); else ack(seq, 9); // 9 = replayed
 * const batch = await journal.sealNext(10_000); // then anchor batch.root, then journal.appendAnchored(…)
 */
export class Journal {
  readonly #wal: WriteAheadLog;
  readonly #state: MutableState;
  readonly #cacheSize: number;
  readonly #trees = new Map<number, MerkleTree>();
  /** The seq of the next message to log: state.nextSeq plus the messages being logged. */
  #reservedSeq: number;
  /** The seal in progress, if any: seals run one at a time. */
  #seals: Promise<unknown> = Promise.resolve();
  readonly #loggingHashes = new Map<Hex, number>();
  readonly #anchoring = new Map<number, AnchoredRecord>();
  /** What opening the log found: records replayed, a torn tail cut off. */
  readonly recovery: WalRecovery;

  private constructor(wal: WriteAheadLog, state: MutableState, recovery: WalRecovery, cacheSize: number) {
    this.#wal = wal;
    this.#state = state;
    this.recovery = recovery;
    this.#cacheSize = cacheSize;
    this.#reservedSeq = state.nextSeq;
  }

  /**
   * Opens the journal in `dir` and replays it. Throws WalCorruptionError when the log is damaged or a record does
   * not decode or contradicts the records before it.
   */
  static async open(dir: string, options: JournalOptions = {}): Promise<Journal> {
    const cacheSize = options.proofCacheBatches ?? 8;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0)
      throw invalid(`proofCacheBatches must be a non-negative integer, got ${cacheSize}`, "pass a count of batches");
    const state = emptyState();
    let position = 0;
    const { log, recovery } = await WriteAheadLog.open(dir, {
      ...options,
      onRecord: (payload) => {
        try {
          applyRecord(state, decodeJournalRecord(payload));
        } catch (error) {
          throw new WalCorruptionError(`journal record ${position} in ${dir} is invalid`, {
            details: error instanceof Error ? error.message.split("\n")[0] : String(error),
            fix: "restore the journal from a backup; the records after this one cannot be trusted to replay",
            cause: error,
          });
        }
        position++;
      },
    });
    return new Journal(log, state, recovery, cacheSize);
  }

  get state(): JournalState {
    return this.#state;
  }

  /** Whether a message with this hash is logged or being logged (the RSU's replay check). */
  has(messageHash: Hex): boolean {
    const key = lowerHex(messageHash);
    return this.#state.index.has(key) || this.#loggingHashes.has(key);
  }

  /**
   * Logs a message: assigns the next seq, writes the record, resolves once it is durable (acknowledge then). A
   * message whose SPDU was logged before resolves as `replayed` without writing. Rejects with InvalidInputError
   * on a malformed ticket or time, or a messageHash that is not keccak256(spdu).
   */
  async appendMessage(message: NewMessage): Promise<AppendMessageResult> {
    const trusted = message.messageHash !== undefined && message.leaf !== undefined;
    const messageHash = trusted ? lowerHex(message.messageHash as Hex) : keccak256(message.spdu);
    if (!trusted && message.messageHash !== undefined && message.messageHash.toLowerCase() !== messageHash)
      throw invalid(
        `messageHash ${message.messageHash} is not keccak256 of the SPDU (${messageHash})`,
        "pass keccak256(spdu), or leave messageHash out",
      );
    const known = this.#state.index.get(messageHash)?.seq ?? this.#loggingHashes.get(messageHash);
    if (known !== undefined) return { status: "replayed", seq: known, messageHash };
    const record: MessageRecord = {
      type: "message",
      seq: this.#reservedSeq,
      receivedAt: message.receivedAt,
      messageHash,
      spdu: message.spdu,
      ticket: checkTicket(message.ticket),
    };
    const bytes = encodeJournalRecord(record);
    this.#reservedSeq++;
    this.#loggingHashes.set(messageHash, record.seq);
    await this.#wal.append(bytes);
    this.#loggingHashes.delete(messageHash);
    applyRecord(this.#state, record, trusted ? lowerHex(message.leaf as Hex) : undefined);
    return { status: "logged", seq: record.seq, messageHash };
  }

  /**
   * Seals the oldest logged messages in no batch (at most `maxCount`) into the next batch: computes its Merkle
   * root, writes the `sealed` record and resolves with the batch once that is durable; undefined when there is
   * nothing to seal. Messages still being logged are left for the next batch.
   */
  async sealNext(maxCount: number): Promise<Readonly<Batch> | undefined> {
    if (!Number.isSafeInteger(maxCount) || maxCount < 1)
      throw invalid(`maxCount must be a positive integer, got ${maxCount}`, "pass the largest batch to seal");
    return this.#oneSealAtATime(async () => {
      const count = Math.min(maxCount, MAX_U32, this.#state.unbatched.length);
      if (count === 0) return undefined;
      const { record, tree } = await this.#nextSeal(count);
      return this.#commitSeal(record, tree);
    });
  }

  /**
   * Writes a `sealed` record the caller computed. It must be exactly the batch `sealNext(record.count)` would seal
   * (next batch id, the oldest free messages, their root and time range); rejects with InvalidInputError otherwise.
   */
  async appendSealed(batch: Omit<SealedRecord, "type">): Promise<Readonly<Batch>> {
    const given: SealedRecord = { type: "sealed", ...batch, root: checkHash("root", batch.root) };
    checkU53("count", given.count);
    return this.#oneSealAtATime(async () => {
      const free = this.#state.unbatched.length;
      if (given.count < 1 || given.count > free)
        throw invalid(
          `sealed batch ${given.batchId} counts ${given.count} messages but ${free} are logged and free to seal`,
          "seal only logged messages that are in no batch, at least one",
        );
      const { record, tree } = await this.#nextSeal(given.count);
      const differs = SEALED_FIELDS.filter((key) => record[key] !== given[key]);
      if (differs.length > 0)
        throw invalid(
          `sealed batch ${given.batchId} is not the next batch: ${differs.map((k) => `${k} ${String(given[k])}, expected ${String(record[k])}`).join("; ")}`,
          "seal the oldest free messages under the next batch id, or call sealNext",
        );
      return this.#commitSeal(record, tree);
    });
  }

  /**
   * Records the transaction that anchored a sealed batch. Recording the same anchor again is a no-op; a different
   * anchor for an anchored batch, or an unknown batch, rejects with InvalidInputError.
   */
  async appendAnchored(anchor: Omit<AnchoredRecord, "type">): Promise<void> {
    const record: AnchoredRecord = {
      type: "anchored",
      batchId: checkU53("batchId", anchor.batchId),
      txHash: checkHash("txHash", anchor.txHash),
      blockNumber: checkU53("blockNumber", anchor.blockNumber),
    };
    const batch = this.#state.batches[record.batchId];
    if (batch === undefined)
      throw invalid(
        `batch ${record.batchId} is not sealed (${this.#state.batches.length} batches are)`,
        "anchor only batches whose seal resolved",
      );
    const existing = batch.anchor ?? this.#anchoring.get(record.batchId);
    if (existing !== undefined) {
      if (existing.txHash === record.txHash && existing.blockNumber === record.blockNumber) return;
      throw invalid(
        `batch ${record.batchId} is already anchored by ${existing.txHash} in block ${existing.blockNumber}`,
        "a batch is anchored once; check which transaction the chain holds",
      );
    }
    this.#anchoring.set(record.batchId, record);
    await this.#wal.append(encodeJournalRecord(record));
    this.#anchoring.delete(record.batchId);
    applyRecord(this.#state, record);
  }

  /** `appendAnchored` in the shape of the anchorer's AnchorSource. */
  markAnchored(batchId: number, txHash: Hex, blockNumber: number): Promise<void> {
    return this.appendAnchored({ batchId, txHash, blockNumber });
  }

  /** Sealed batches without an `anchored` record, in batch-id order. */
  unanchored(): Readonly<Batch>[] {
    return this.#state.unanchoredBatchIds.map((id) => this.#batch(id));
  }

  /** Logs a confirmed event; a later record with the same id replaces its JSON. */
  async appendEvent(event: Omit<EventRecord, "type">): Promise<void> {
    const record: EventRecord = { type: "event", eventId: checkHash("eventId", event.eventId), json: event.json };
    await this.#wal.append(encodeJournalRecord(record));
    applyRecord(this.#state, record);
  }

  /**
   * The inclusion proof of a message in its sealed batch, or undefined when no logged message has this hash or
   * its batch is not sealed yet. Builds the batch's tree on first use (about 50 µs per leaf) and keeps the trees
   * of the most recently used batches.
   */
  proof(messageHash: Hex): MessageProof | undefined {
    const key = lowerHex(messageHash);
    const location = this.#state.index.get(key);
    if (location?.batchId === undefined || location.index === undefined) return undefined;
    const tree = this.#tree(location.batchId);
    const leaf = tree.leaves[location.index];
    if (leaf === undefined)
      throw new AssertionError(`batch ${location.batchId} has no leaf ${location.index} for message ${key}`);
    return {
      messageHash: key,
      batchId: location.batchId,
      index: location.index,
      leaf,
      proof: tree.getProof(location.index),
      root: tree.root,
    };
  }

  stats(): WalStats {
    return this.#wal.stats();
  }

  /** Waits for appends in flight, then closes the log. */
  close(): Promise<void> {
    return this.#wal.close();
  }

  #batch(batchId: number): Readonly<Batch> {
    const batch = this.#state.batches[batchId];
    if (batch === undefined) throw new AssertionError(`batch ${batchId} is listed but not stored`);
    return batch;
  }

  /**
   * Runs seals one after the other, so that each sees the state its predecessor left and their records reach the
   * log in batch-id order (a seal yields to the event loop while it hashes leaves).
   */
  #oneSealAtATime<T>(seal: () => Promise<T>): Promise<T> {
    const run = this.#seals.then(seal);
    this.#seals = run.catch(() => undefined);
    return run;
  }

  /**
   * The record and tree of a batch of the oldest `count` unbatched messages. Leaves are hashed in slices with a
   * turn of the event loop between them: a batch of 10,000 takes a few hundred ms of hashing, which must not hold
   * up the acknowledgements of the messages arriving meanwhile. Only the tree itself is built in one go.
   */
  async #nextSeal(count: number): Promise<{ record: SealedRecord; tree: MerkleTree }> {
    const messages = this.#state.unbatched.slice(0, count);
    const first = messages[0];
    const last = messages[messages.length - 1];
    if (first === undefined || last === undefined || messages.length !== count)
      throw new AssertionError(`cannot take ${count} free messages`);
    let fromTime = Number.POSITIVE_INFINITY;
    let toTime = 0;
    for (const message of messages) {
      fromTime = Math.min(fromTime, message.receivedAt);
      toTime = Math.max(toTime, message.receivedAt);
    }
    const leaves: Hex[] = [];
    for (let start = 0; start < count; start += LEAVES_PER_SLICE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const message of messages.slice(start, start + LEAVES_PER_SLICE))
        leaves.push(message.leaf ?? messageLeaf(message.messageHash));
    }
    const tree = buildMerkleTree(leaves);
    const record: SealedRecord = {
      type: "sealed",
      batchId: this.#state.batches.length,
      firstSeq: first.seq,
      lastSeq: last.seq,
      root: tree.root,
      count,
      fromTime,
      toTime,
    };
    return { record, tree };
  }

  async #commitSeal(record: SealedRecord, tree: MerkleTree): Promise<Readonly<Batch>> {
    await this.#wal.append(encodeJournalRecord(record));
    applyRecord(this.#state, record);
    this.#remember(record.batchId, tree);
    return this.#batch(record.batchId);
  }

  #tree(batchId: number): MerkleTree {
    const cached = this.#trees.get(batchId);
    if (cached !== undefined) {
      this.#trees.delete(batchId);
      this.#trees.set(batchId, cached);
      return cached;
    }
    const batch = this.#batch(batchId);
    const tree = buildMerkleTree(batch.messageHashes.map(messageLeaf));
    if (tree.root !== batch.root)
      throw new AssertionError(
        `the messages of batch ${batchId} give root ${tree.root} but its sealed record says ${batch.root}`,
      );
    this.#remember(batchId, tree);
    return tree;
  }

  #remember(batchId: number, tree: MerkleTree): void {
    if (this.#cacheSize === 0) return;
    this.#trees.delete(batchId);
    this.#trees.set(batchId, tree);
    for (const oldest of this.#trees.keys()) {
      if (this.#trees.size <= this.#cacheSize) break;
      this.#trees.delete(oldest);
    }
  }
}
