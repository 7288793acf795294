// The journal's records encode and decode exactly (and garbage never decodes quietly), its state follows the
// invariants the anchoring depends on (consecutive batch ids, contiguous seq ranges, each message in at most one
// batch, replays refused), a reopened journal has exactly the live state, and its proofs verify against the roots.
import { buildMerkleTree, verifyMerkleProof } from "@amc/crypto";
import { AssertionError, InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { bytesToHex, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  decodeJournalRecord,
  encodeJournalRecord,
  Journal,
  type JournalRecord,
  type JournalState,
  type MessageRecord,
  messageLeaf,
} from "./journal.js";
import { scratchDir } from "./testing/wal-fixtures.js";
import { WalCorruptionError, WriteAheadLog } from "./wal.js";

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const ticket = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString("hex"));
const u53 = fc.maxSafeNat();
const messageRecord = fc.record({
  type: fc.constant("message" as const),
  seq: u53,
  receivedAt: u53,
  messageHash: hash,
  spdu: fc.uint8Array({ maxLength: 300 }),
  ticket,
});
const sealedRecord = fc
  .tuple(u53, fc.nat({ max: 2 ** 52 }), fc.integer({ min: 1, max: 0xffff_ffff }), hash, u53, u53)
  .map(([batchId, firstSeq, count, root, a, b]) => ({
    type: "sealed" as const,
    batchId,
    firstSeq,
    lastSeq: firstSeq + count - 1,
    root,
    count,
    fromTime: Math.min(a, b),
    toTime: Math.max(a, b),
  }));
const anchoredRecord = fc.record({
  type: fc.constant("anchored" as const),
  batchId: u53,
  txHash: hash,
  blockNumber: u53,
});
const eventRecord = fc.record({ type: fc.constant("event" as const), eventId: hash, json: fc.json() });
const journalRecord: fc.Arbitrary<JournalRecord> = fc.oneof(messageRecord, sealedRecord, anchoredRecord, eventRecord);

const TICKET = "00112233aabbccdd";
const spduOf = (i: number) => new TextEncoder().encode(`spdu ${i}`);
const TX: Hex = `0x${"ab".repeat(32)}`;
const upperHex = (hex: Hex): Hex => `0x${hex.slice(2).toUpperCase()}`;

/** The leaf computed independently of the code under test: keccak256(keccak256(abi.encode(bytes32))). */
const oracleLeaf = (messageHash: Hex): Hex => keccak256(keccak256(messageHash));

/** Every invariant the RSU relies on, checked on a state from scratch. */
function checkInvariants(state: JournalState): void {
  let expectedSeq = 0;
  state.batches.forEach((batch, id) => {
    expect(batch.batchId).toBe(id);
    expect(batch.firstSeq).toBe(expectedSeq);
    expect(batch.lastSeq - batch.firstSeq + 1).toBe(batch.count);
    expect(batch.messageHashes).toHaveLength(batch.count);
    batch.messageHashes.forEach((messageHash, index) => {
      expect(state.index.get(messageHash)).toEqual({ seq: batch.firstSeq + index, batchId: id, index });
    });
    expectedSeq = batch.lastSeq + 1;
  });
  state.unbatched.forEach((message) => {
    expect(message.seq).toBe(expectedSeq++);
    expect(state.index.get(message.messageHash)).toEqual({ seq: message.seq, batchId: undefined, index: undefined });
  });
  expect(state.nextSeq).toBe(expectedSeq);
  expect(state.index.size).toBe(state.nextSeq);
  expect(state.unanchoredBatchIds).toEqual(state.batches.filter((b) => b.anchor === undefined).map((b) => b.batchId));
}

describe("journal records", () => {
  it("decode to exactly what was encoded", () => {
    fc.assert(
      fc.property(journalRecord, (record) => {
        expect(decodeJournalRecord(encodeJournalRecord(record))).toEqual(record);
      }),
      { numRuns: 300 },
    );
  });

  it("refuse every truncation and every extension", () => {
    fc.assert(
      fc.property(journalRecord, fc.uint8Array({ minLength: 1, maxLength: 4 }), (record, extra) => {
        const bytes = encodeJournalRecord(record);
        for (let length = 0; length < bytes.length; length++)
          expect(() => decodeJournalRecord(bytes.subarray(0, length))).toThrow(InvalidInputError);
        expect(() => decodeJournalRecord(Buffer.concat([bytes, extra]))).toThrow(InvalidInputError);
      }),
      { numRuns: 100 },
    );
  });

  it("turn garbage into InvalidInputError, or into a record that encodes back to the same bytes", () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      // Mostly well-formed headers, so that the field checks get exercised and not only the version byte.
      fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 120 }))
        .map(([type, rest]) => Uint8Array.from([1, type, ...rest])),
    );
    fc.assert(
      fc.property(garbage, (bytes) => {
        let decoded: JournalRecord;
        try {
          decoded = decodeJournalRecord(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          return;
        }
        expect(encodeJournalRecord(decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it("say what is wrong with bytes that are not a record", () => {
    const event = encodeJournalRecord({ type: "event", eventId: TX, json: "{}" });
    expect(() => decodeJournalRecord(Uint8Array.of(2, 1))).toThrow(
      "journal record has format version 2, this code reads 1",
    );
    expect(() => decodeJournalRecord(Uint8Array.of(1, 9))).toThrow("journal record has unknown type 9");
    expect(() => decodeJournalRecord(event.subarray(0, 37))).toThrow(
      "event record is 37 bytes long, its fields make 38",
    );
    const badUtf8 = Uint8Array.from([...event.subarray(0, 34), 0, 0, 0, 1, 0xff]);
    expect(() => decodeJournalRecord(badUtf8)).toThrow(`event ${TX} holds invalid UTF-8`);
    const anchored = encodeJournalRecord({ type: "anchored", batchId: 1, txHash: TX, blockNumber: 2 });
    anchored[2] = 0x00;
    anchored[3] = 0x20; // high word 0x00200000: 2^53
    expect(() => decodeJournalRecord(anchored)).toThrow("batchId at byte 2 exceeds 2^53 − 1");
    const sealed = encodeJournalRecord({
      type: "sealed",
      batchId: 0,
      firstSeq: 0,
      lastSeq: 1,
      root: TX,
      count: 2,
      fromTime: 1,
      toTime: 1,
    });
    sealed[61] = 3; // count
    expect(() => decodeJournalRecord(sealed)).toThrow("sealed batch 0 covers seq 0..1 but counts 3");
  });

  it("refuse fields that do not fit when encoding", () => {
    const message: MessageRecord = {
      type: "message",
      seq: 0,
      receivedAt: 0,
      messageHash: TX,
      spdu: Uint8Array.of(1),
      ticket: TICKET,
    };
    const encode = (changes: Partial<MessageRecord>) => () => encodeJournalRecord({ ...message, ...changes });
    expect(encode({ seq: -1 })).toThrow("seq must be a non-negative safe integer, got -1");
    expect(encode({ receivedAt: 2 ** 53 })).toThrow(InvalidInputError);
    expect(encode({ messageHash: "0x1234" })).toThrow("messageHash is not a 32-byte hash: 0x1234");
    expect(encode({ ticket: "0x00112233aabbccdd" })).toThrow("ticket is not a HashedId8: 0x00112233aabbccdd");
    expect(() =>
      encodeJournalRecord({
        type: "sealed",
        batchId: 0,
        firstSeq: 5,
        lastSeq: 4,
        root: TX,
        count: 0,
        fromTime: 0,
        toTime: 0,
      }),
    ).toThrow("sealed batch 0 covers seq 5..4 but counts 0");
  });

  it("take the leaf of docs/edge.md: keccak256(keccak256(abi.encode(bytes32 messageHash)))", () => {
    fc.assert(
      fc.property(hash, (messageHash) => {
        expect(messageLeaf(messageHash)).toBe(oracleLeaf(messageHash));
      }),
    );
  });
});

describe("Journal messages", () => {
  it("numbers messages in call order, refuses replays (also in flight and after a restart) and checks hashes", async () => {
    const dir = await scratchDir();
    const journal = await Journal.open(dir);
    const results = await Promise.all([
      journal.appendMessage({ spdu: spduOf(0), ticket: TICKET, receivedAt: 10 }),
      journal.appendMessage({ spdu: spduOf(1), ticket: TICKET.toUpperCase(), receivedAt: 11 }),
      journal.appendMessage({ spdu: spduOf(0), ticket: TICKET, receivedAt: 12 }), // the same SPDU, in flight
      journal.appendMessage({ spdu: spduOf(2), ticket: TICKET, receivedAt: 13, messageHash: keccak256(spduOf(2)) }),
    ]);
    expect(results).toEqual([
      { status: "logged", seq: 0, messageHash: keccak256(spduOf(0)) },
      { status: "logged", seq: 1, messageHash: keccak256(spduOf(1)) },
      { status: "replayed", seq: 0, messageHash: keccak256(spduOf(0)) },
      { status: "logged", seq: 2, messageHash: keccak256(spduOf(2)) },
    ]);
    expect(journal.stats().records).toBe(3);
    expect(journal.has(upperHex(keccak256(spduOf(1))))).toBe(true);
    expect(journal.has(keccak256(spduOf(3)))).toBe(false);

    await expect(
      journal.appendMessage({ spdu: spduOf(3), ticket: TICKET, receivedAt: 1, messageHash: keccak256(spduOf(4)) }),
    ).rejects.toThrow(`messageHash ${keccak256(spduOf(4))} is not keccak256 of the SPDU (${keccak256(spduOf(3))})`);
    await expect(journal.appendMessage({ spdu: spduOf(3), ticket: "nope", receivedAt: 1 })).rejects.toThrow(
      "ticket is not a HashedId8: nope",
    );
    await expect(journal.appendMessage({ spdu: spduOf(3), ticket: TICKET, receivedAt: -5 })).rejects.toThrow(
      "receivedAt must be a non-negative safe integer, got -5",
    );
    // Refused messages took no seq.
    expect(await journal.appendMessage({ spdu: spduOf(3), ticket: TICKET, receivedAt: 14 })).toMatchObject({ seq: 3 });
    const live = structuredClone(journal.state);
    await journal.close();

    const reopened = await Journal.open(dir);
    expect(reopened.state).toEqual(live);
    expect(reopened.recovery).toMatchObject({ records: 4, truncatedBytes: 0 });
    expect(await reopened.appendMessage({ spdu: spduOf(1), ticket: TICKET, receivedAt: 20 })).toEqual({
      status: "replayed",
      seq: 1,
      messageHash: keccak256(spduOf(1)),
    });
    expect(await reopened.appendMessage({ spdu: spduOf(9), ticket: TICKET, receivedAt: 20 })).toMatchObject({
      status: "logged",
      seq: 4,
    });
    await reopened.close();
  });

  it("keeps no SPDU bytes in memory", async () => {
    const journal = await Journal.open(await scratchDir());
    for (let i = 0; i < 5; i++) await journal.appendMessage({ spdu: spduOf(i), ticket: TICKET, receivedAt: i });
    await journal.sealNext(3);
    const bytesIn = (value: unknown): number => {
      if (value instanceof Uint8Array) return 1;
      if (value instanceof Map) return [...value.entries()].reduce((n, entry) => n + bytesIn(entry), 0);
      if (typeof value === "object" && value !== null)
        return Object.values(value).reduce((n: number, v) => n + bytesIn(v), 0);
      return 0;
    };
    expect(bytesIn(journal.state)).toBe(0);
    await journal.close();
  });
});

describe("Journal batches", () => {
  async function journalWith(count: number, dir?: string): Promise<Journal> {
    const journal = await Journal.open(dir ?? (await scratchDir()));
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        journal.appendMessage({ spdu: spduOf(i), ticket: TICKET, receivedAt: 1000 + ((i * 7) % 5) }),
      ),
    );
    return journal;
  }

  it("seals the oldest messages under the next batch id, with the root of their standard leaves", async () => {
    const journal = await journalWith(7);
    expect(await journal.sealNext(0).catch((e: unknown) => e)).toBeInstanceOf(InvalidInputError);
    const first = await journal.sealNext(4);
    const hashes = Array.from({ length: 7 }, (_, i) => keccak256(spduOf(i)));
    expect(first).toEqual({
      batchId: 0,
      firstSeq: 0,
      lastSeq: 3,
      count: 4,
      root: buildMerkleTree(hashes.slice(0, 4).map(oracleLeaf)).root,
      fromTime: 1000,
      toTime: 1004,
      messageHashes: hashes.slice(0, 4),
      anchor: undefined,
    });
    const second = await journal.sealNext(100);
    expect(second).toMatchObject({ batchId: 1, firstSeq: 4, lastSeq: 6, count: 3, fromTime: 1000, toTime: 1003 });
    expect(await journal.sealNext(100)).toBeUndefined();
    checkInvariants(journal.state);
    await journal.close();
  });

  it("leaves messages still being logged for the next batch, and gives concurrent seals disjoint ranges", async () => {
    const journal = await Journal.open(await scratchDir());
    const logging = [0, 1, 2].map((i) => journal.appendMessage({ spdu: spduOf(i), ticket: TICKET, receivedAt: i }));
    expect(await journal.sealNext(10)).toBeUndefined();
    await Promise.all(logging);
    const [a, b, c] = await Promise.all([journal.sealNext(2), journal.sealNext(2), journal.sealNext(2)]);
    expect([a?.batchId, a?.firstSeq, a?.lastSeq]).toEqual([0, 0, 1]);
    expect([b?.batchId, b?.firstSeq, b?.lastSeq]).toEqual([1, 2, 2]);
    expect(c).toBeUndefined();
    checkInvariants(journal.state);
    await journal.close();
  });

  it("logs messages while a big batch is being sealed, and replays to the same state", async () => {
    const dir = await scratchDir();
    const journal = await journalWith(1000, dir);
    const finished: string[] = [];
    const sealing = journal.sealNext(1000).then((batch) => finished.push(`seal ${batch?.count}`));
    const logging = journal
      .appendMessage({ spdu: spduOf(1000), ticket: TICKET, receivedAt: 1 })
      .then((result) => finished.push(`message ${result.seq}`));
    await Promise.all([sealing, logging]);
    // The message was acknowledged while the seal was still hashing leaves, and is left for the next batch.
    expect(finished).toEqual(["message 1000", "seal 1000"]);
    expect(journal.state.unbatched.map((m) => m.seq)).toEqual([1000]);
    const live = structuredClone(journal.state);
    await journal.close();
    const reopened = await Journal.open(dir);
    expect(reopened.state).toEqual(live);
    await reopened.close();
  });

  it("takes a caller's sealed record only when it is exactly the next batch", async () => {
    const journal = await journalWith(3);
    const hashes = [0, 1, 2].map((i) => keccak256(spduOf(i)));
    const right = {
      batchId: 0,
      firstSeq: 0,
      lastSeq: 1,
      count: 2,
      root: buildMerkleTree(hashes.slice(0, 2).map(oracleLeaf)).root,
      fromTime: 1000,
      toTime: 1002,
    };
    await expect(journal.appendSealed({ ...right, root: TX })).rejects.toThrow(
      `sealed batch 0 is not the next batch: root ${TX}, expected ${right.root}`,
    );
    await expect(journal.appendSealed({ ...right, batchId: 1 })).rejects.toThrow("batchId 1, expected 0");
    await expect(journal.appendSealed({ ...right, count: 4, lastSeq: 3 })).rejects.toThrow(
      "sealed batch 0 counts 4 messages but 3 are logged and free to seal",
    );
    expect(journal.stats().records).toBe(3);
    expect(await journal.appendSealed(right)).toMatchObject(right);
    checkInvariants(journal.state);
    await journal.close();
  });

  it("records anchors once, lists the unanchored batches in order, and survives a restart", async () => {
    const dir = await scratchDir();
    const journal = await journalWith(6, dir);
    for (let i = 0; i < 3; i++) await journal.sealNext(2);
    await expect(journal.appendAnchored({ batchId: 3, txHash: TX, blockNumber: 1 })).rejects.toThrow(
      "batch 3 is not sealed (3 batches are)",
    );
    await journal.markAnchored(1, TX, 42);
    const records = journal.stats().records;
    await journal.markAnchored(1, upperHex(TX), 42); // the same anchor: a no-op
    expect(journal.stats().records).toBe(records);
    await expect(journal.markAnchored(1, TX, 43)).rejects.toThrow(`batch 1 is already anchored by ${TX} in block 42`);
    expect(journal.unanchored().map((b) => b.batchId)).toEqual([0, 2]);
    expect(journal.state.batches[1]?.anchor).toEqual({ txHash: TX, blockNumber: 42 });
    await journal.appendEvent({ eventId: TX, json: '{"a":1}' });
    await journal.appendEvent({ eventId: TX, json: '{"a":2}' });
    expect(journal.state.events).toEqual(new Map([[TX, '{"a":2}']]));
    const live = structuredClone(journal.state);
    await journal.close();
    const reopened = await Journal.open(dir);
    expect(reopened.state).toEqual(live);
    expect(reopened.unanchored().map((b) => b.batchId)).toEqual([0, 2]);
    await reopened.close();
  });
});

describe("Journal replay", () => {
  type Op =
    | { kind: "messages"; count: number; concurrent: boolean }
    | { kind: "seal"; maxCount: number }
    | { kind: "anchor"; pick: number }
    | { kind: "event"; id: number }
    | { kind: "replay"; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("messages" as const),
      count: fc.integer({ min: 1, max: 6 }),
      concurrent: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("seal" as const), maxCount: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant("anchor" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("event" as const), id: fc.nat({ max: 3 }) }),
    fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }),
  );

  it("rebuilds exactly the live state from the log, after any interleaving of appends, seals and anchors", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.boolean(), async (ops, overlap) => {
        const dir = await scratchDir();
        const journal = await Journal.open(dir, { proofCacheBatches: 2 });
        let spdus = 0;
        const inFlight: Promise<unknown>[] = [];
        for (const o of ops) {
          let step: Promise<unknown>;
          switch (o.kind) {
            case "messages": {
              const appends = Array.from({ length: o.count }, () => {
                const i = spdus++;
                return () => journal.appendMessage({ spdu: spduOf(i), ticket: TICKET, receivedAt: 5000 - (i % 7) });
              });
              step = o.concurrent
                ? Promise.all(appends.map((append) => append()))
                : appends.reduce<Promise<unknown>>((chain, append) => chain.then(append), Promise.resolve());
              break;
            }
            case "seal":
              step = journal.sealNext(o.maxCount);
              break;
            case "anchor": {
              const unanchored = journal.unanchored();
              const batch = unanchored[o.pick % Math.max(1, unanchored.length)];
              step = batch
                ? journal.markAnchored(batch.batchId, keccak256(Uint8Array.of(batch.batchId)), o.pick)
                : Promise.resolve();
              break;
            }
            case "event":
              step = journal.appendEvent({ eventId: keccak256(Uint8Array.of(o.id)), json: JSON.stringify({ o }) });
              break;
            case "replay":
              step =
                spdus > 0
                  ? journal.appendMessage({ spdu: spduOf(o.pick % spdus), ticket: TICKET, receivedAt: 1 })
                  : Promise.resolve();
              break;
          }
          // Either one operation at a time, or everything in flight at once (anchors see only durable seals).
          if (overlap) inFlight.push(step);
          else await step;
        }
        await Promise.all(inFlight);
        checkInvariants(journal.state);
        expect(journal.state.nextSeq).toBe(spdus);
        const live = structuredClone(journal.state);
        const stats = journal.stats();
        await journal.close();

        const reopened = await Journal.open(dir, { proofCacheBatches: 2 });
        expect(reopened.state).toEqual(live);
        expect(reopened.recovery.records).toBe(stats.records);
        for (const batch of reopened.state.batches) {
          expect(batch.root).toBe(buildMerkleTree(batch.messageHashes.map(oracleLeaf)).root);
          for (const messageHash of [batch.messageHashes[0]!, batch.messageHashes.at(-1)!]) {
            const proof = reopened.proof(messageHash);
            expect(proof).toMatchObject({ messageHash, batchId: batch.batchId, root: batch.root });
            expect(verifyMerkleProof(batch.root, oracleLeaf(messageHash), proof?.proof ?? [])).toBe(true);
          }
        }
        for (const message of reopened.state.unbatched) expect(reopened.proof(message.messageHash)).toBeUndefined();
        await reopened.close();
      }),
      { numRuns: 20 },
    );
  });

  it("proves every message of a big batch, with a cache of one tree", async () => {
    const journal = await Journal.open(await scratchDir(), { proofCacheBatches: 1 });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => journal.appendMessage({ spdu: spduOf(i), ticket: TICKET, receivedAt: i })),
    );
    const batches = [await journal.sealNext(200), await journal.sealNext(200)];
    // Alternate between the batches, so that the one cached tree keeps being replaced.
    for (let i = 0; i < 300; i += 7) {
      const messageHash = keccak256(spduOf(i));
      const proof = journal.proof(messageHash);
      const batch = batches[i < 200 ? 0 : 1]!;
      expect(proof).toMatchObject({ batchId: batch.batchId, index: i - batch.firstSeq, leaf: oracleLeaf(messageHash) });
      expect(verifyMerkleProof(batch.root, oracleLeaf(messageHash), proof!.proof)).toBe(true);
    }
    expect(journal.proof(keccak256(spduOf(1000)))).toBeUndefined();
    await journal.close();
  });

  it("refuses a log whose records contradict each other, saying which record", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    const message = (seq: number) =>
      encodeJournalRecord({
        type: "message",
        seq,
        receivedAt: 1,
        messageHash: keccak256(spduOf(seq)),
        spdu: spduOf(seq),
        ticket: TICKET,
      });
    await log.appendMany([message(0), message(2)]);
    await log.close();
    const opening = Journal.open(dir);
    await expect(opening).rejects.toThrow(WalCorruptionError);
    await expect(opening).rejects.toThrow(
      `journal record 1 in ${dir} is invalid\nDetails: message seq 2 follows seq 0`,
    );
    // The failed open released the directory: it can be opened (and repaired) again.
    const again = await WriteAheadLog.open(dir);
    await again.log.close();
  });

  it("refuses a record that is not a journal record", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    await log.append(Uint8Array.of(1, 77));
    await log.close();
    await expect(Journal.open(dir)).rejects.toThrow(
      `journal record 0 in ${dir} is invalid\nDetails: journal record has unknown type 77`,
    );
  });

  it("notices a sealed root that its messages do not give when it proves", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    await log.appendMany([
      encodeJournalRecord({
        type: "message",
        seq: 0,
        receivedAt: 1,
        messageHash: keccak256(spduOf(0)),
        spdu: spduOf(0),
        ticket: TICKET,
      }),
      encodeJournalRecord({
        type: "sealed",
        batchId: 0,
        firstSeq: 0,
        lastSeq: 0,
        root: TX,
        count: 1,
        fromTime: 1,
        toTime: 1,
      }),
    ]);
    await log.close();
    const journal = await Journal.open(dir);
    expect(() => journal.proof(keccak256(spduOf(0)))).toThrow(AssertionError);
    expect(() => journal.proof(keccak256(spduOf(0)))).toThrow(`but its sealed record says ${TX}`);
    await journal.close();
  });
});
