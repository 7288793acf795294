// The write-ahead log keeps every acknowledged record and only those: replay gives back exactly what was appended,
// a torn or damaged last record is cut off alone, damage to acknowledged data throws, group commit really shares
// fsyncs, and a process SIGKILLed mid-stream loses nothing it acknowledged.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AssertionError, EnvironmentError, InvalidInputError, waitFor } from "@amc/utils";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CRASH_RECORD_BYTES, crashRecord } from "./testing/wal-crash-child.js";
import { expectSameRecords, openCollecting, readAll, scratchDir, segmentFiles } from "./testing/wal-fixtures.js";
import { WAL_RECORD_HEADER_BYTES, WAL_SEGMENT_HEADER_BYTES, WalCorruptionError, WriteAheadLog } from "./wal.js";

const record = fc.uint8Array({ maxLength: 300 });
const framed = (payload: Uint8Array) => WAL_RECORD_HEADER_BYTES + payload.length;

/** Writes `records` concurrently into a fresh log and closes it; returns the directory. */
async function logOf(records: readonly Uint8Array[], segmentBytes?: number): Promise<string> {
  const dir = await scratchDir();
  const { log } = await WriteAheadLog.open(dir, { segmentBytes });
  await Promise.all(records.map((r) => log.append(r)));
  await log.close();
  return dir;
}

async function flipBit(path: string, bit: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  await writeFile(path, bytes);
}

async function sizes(paths: readonly string[]): Promise<number[]> {
  return Promise.all(paths.map(async (p) => (await stat(p)).size));
}

describe("WriteAheadLog replay", () => {
  it("gives back exactly the appended records, in call order, across appends, appendMany and segments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { maxLength: 25 }),
        fc.integer({ min: 64, max: 2048 }),
        async (groups, segmentBytes) => {
          const dir = await scratchDir();
          const { log } = await WriteAheadLog.open(dir, { segmentBytes });
          // All at once: single records through append, groups through appendMany, interleaved in one burst.
          await Promise.all(groups.map((g) => (g.length === 1 ? log.append(g[0]!) : log.appendMany(g))));
          const stats = log.stats();
          await log.close();
          const expected = groups.flat();
          const { recovery, records } = await readAll(dir, { segmentBytes });
          expect(records).toEqual(expected);
          expect(recovery).toMatchObject({ records: expected.length, truncatedBytes: 0, segments: stats.segments });
          expect(stats.records).toBe(expected.length);
          expect(stats.pendingBytes).toBe(0);
          const files = await segmentFiles(dir);
          expect(files).toHaveLength(stats.segments);
          const fileBytes = (await sizes(files)).reduce((a, b) => a + b, 0);
          expect(stats.bytes).toBe(fileBytes);
          expect(fileBytes).toBe(files.length * WAL_SEGMENT_HEADER_BYTES + expected.reduce((a, r) => a + framed(r), 0));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("continues after the last record when opened again", async () => {
    const dir = await logOf([Uint8Array.of(1), Uint8Array.of(2)]);
    const { log, records } = await openCollecting(dir);
    expect(records).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
    await log.append(Uint8Array.of(3));
    await log.close();
    expect((await readAll(dir)).records).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
  });

  it("keeps empty records, which zero-filled space never imitates", async () => {
    const dir = await logOf([new Uint8Array(0), Uint8Array.of(9), new Uint8Array(0)]);
    const [file] = await segmentFiles(dir);
    // What a crash can leave after the end of a file: zeros. A zero header must not read as an empty record.
    await writeFile(file!, new Uint8Array(64), { flag: "a" });
    const { records, recovery } = await readAll(dir);
    expect(records).toEqual([new Uint8Array(0), Uint8Array.of(9), new Uint8Array(0)]);
    expect(recovery.truncatedBytes).toBe(64);
    expect(recovery.truncatedReason).toBe("CRC mismatch at offset 33 of 0000000000000000.wal");
  });
});

describe("WriteAheadLog torn tail", () => {
  it("recovers every complete record and drops only the torn last one, wherever the file was cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.integer({ min: 64, max: 1024 }),
        async (records, cutSeed, segmentBytes) => {
          const dir = await logOf(records, segmentBytes);
          const last = (await segmentFiles(dir)).at(-1)!;
          const size = (await stat(last)).size;
          const lastRecord = records.at(-1)!;
          const lastStart = size - framed(lastRecord);
          const cut = lastStart + (cutSeed % framed(lastRecord));
          await truncate(last, cut);

          const { log, recovery, records: recovered } = await openCollecting(dir, { segmentBytes });
          expect(recovered).toEqual(records.slice(0, -1));
          expect(recovery.truncatedBytes).toBe(cut - lastStart);
          expect(recovery.truncatedReason === undefined).toBe(cut === lastStart);
          expect((await stat(last)).size).toBe(lastStart);
          // The log goes on after the cut.
          await log.append(Uint8Array.of(7, 7));
          await log.close();
          expect((await readAll(dir)).records).toEqual([...records.slice(0, -1), Uint8Array.of(7, 7)]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("drops only the last record at every single cut point of it", async () => {
    const records = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 40 }, (_, i) => i)];
    const dir = await logOf(records);
    const [file] = await segmentFiles(dir);
    const original = await readFile(file!);
    const lastStart = original.length - framed(records[2]!);
    for (let cut = lastStart; cut < original.length; cut++) {
      await writeFile(file!, original.subarray(0, cut));
      const { records: recovered, recovery } = await readAll(dir);
      expect(recovered, `cut at ${cut}`).toEqual(records.slice(0, 2));
      expect(recovery.truncatedBytes, `cut at ${cut}`).toBe(cut - lastStart);
    }
  });

  it("drops just the last record when one of its bits flipped", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 8 }), fc.nat(), async (records, bitSeed) => {
        const dir = await logOf(records);
        const [file] = await segmentFiles(dir);
        const size = (await stat(file!)).size;
        const lastBytes = framed(records.at(-1)!);
        await flipBit(file!, (size - lastBytes) * 8 + (bitSeed % (lastBytes * 8)));
        const { records: recovered, recovery } = await readAll(dir);
        expect(recovered).toEqual(records.slice(0, -1));
        expect(recovery.truncatedBytes).toBe(lastBytes);
      }),
      { numRuns: 40 },
    );
  });

  it("writes the header of a last segment again when a crash cut it short, and keeps the records before", async () => {
    for (const kept of [0, 3, 7]) {
      const dir = await logOf([Uint8Array.of(1), Uint8Array.of(2)]);
      const next = join(dir, "0000000000000001.wal");
      await writeFile(next, Buffer.from("AMCWAL\0\x01", "latin1").subarray(0, kept));
      const { log, recovery, records } = await openCollecting(dir);
      expect(records).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
      expect(recovery).toMatchObject({ segments: 2, truncatedBytes: kept });
      expect(recovery.truncatedReason).toBe(`segment header of 0000000000000001.wal cut short at ${kept} bytes`);
      await log.append(Uint8Array.of(3));
      await log.close();
      expect((await readAll(dir)).records).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
      expect((await stat(next)).size).toBe(WAL_SEGMENT_HEADER_BYTES + framed(Uint8Array.of(3)));
    }
  });
});

describe("WriteAheadLog damage to acknowledged data", () => {
  // 40-byte records in 256-byte segments: 5 records a segment.
  const records = Array.from({ length: 23 }, (_, i) => new Uint8Array(40).fill(i));

  it("throws, and changes nothing, when a record of an earlier segment is damaged", async () => {
    const dir = await logOf(records, 256);
    const files = await segmentFiles(dir);
    expect(files).toHaveLength(5);
    await flipBit(files[1]!, (WAL_SEGMENT_HEADER_BYTES + 48 + 20) * 8);
    const before = await sizes(files);
    const opening = WriteAheadLog.open(dir, { segmentBytes: 256 });
    await expect(opening).rejects.toThrow(WalCorruptionError);
    await expect(opening).rejects.toThrow(
      `write-ahead log segment ${files[1]} is damaged: CRC mismatch at offset 56\nDetails: the damage is in a segment that was complete and synced before the next one began, so it held acknowledged records`,
    );
    expect(await sizes(files)).toEqual(before);
    // The failed open let go of the directory.
    await expect(WriteAheadLog.open(dir, { segmentBytes: 256 })).rejects.toThrow(WalCorruptionError);
  });

  it("throws when an earlier segment lost its tail", async () => {
    const dir = await logOf(records, 256);
    const files = await segmentFiles(dir);
    await truncate(files[0]!, (await stat(files[0]!)).size - 1);
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(/0000000000000000\.wal is damaged: record of 40 bytes/);
  });

  it("throws when a segment is missing", async () => {
    const dir = await logOf(records, 256);
    const files = await segmentFiles(dir);
    await unlink(files[2]!);
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(
      `write-ahead log ${dir} lacks segment 0000000000000002.wal between 0000000000000001.wal and 0000000000000003.wal`,
    );
  });

  it("throws when the bad tail of the last segment is longer than one write could tear", async () => {
    const dir = await scratchDir();
    const options = { maxBatchBytes: 64, maxRecordBytes: 64 };
    const { log } = await WriteAheadLog.open(dir, options);
    for (const r of records) await log.append(r);
    await log.close();
    const [file] = await segmentFiles(dir);
    await flipBit(file!, (WAL_SEGMENT_HEADER_BYTES + 2 * 48 + 8) * 8);
    await expect(WriteAheadLog.open(dir, options)).rejects.toThrow(
      "is damaged: CRC mismatch at offset 104\nDetails: 1008 bytes follow the last good record, more than one write (72 bytes) can tear",
    );
    // Opened with the defaults (bigger writes), the same tail could be torn: it is cut off, and reported.
    const { recovery, records: recovered } = await readAll(dir);
    expect(recovered).toEqual(records.slice(0, 2));
    expect(recovery.truncatedBytes).toBe(1008);
  });

  it("refuses a file that is not a segment", async () => {
    const dir = await scratchDir();
    await writeFile(join(dir, "0000000000000000.wal"), "not a write-ahead log");
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(
      `${join(dir, "0000000000000000.wal")} is not a write-ahead log segment of format version 1\nDetails: its first bytes are 6e6f742061207772`,
    );
  });
});

describe("WriteAheadLog group commit", () => {
  it("writes 10,000 concurrent appends with a handful of fsyncs", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    const before = log.stats().fsyncs;
    const payloads = Array.from({ length: 10_000 }, (_, i) => crashRecord(i));
    const pending = Promise.all(payloads.map((p) => log.append(p)));
    expect(log.stats().pendingBytes).toBe(10_000 * (CRASH_RECORD_BYTES + WAL_RECORD_HEADER_BYTES));
    await pending;
    expect(log.stats().fsyncs - before).toBeLessThanOrEqual(5);
    expect(log.stats()).toMatchObject({ records: 10_000, pendingBytes: 0 });
    await log.close();
    expectSameRecords((await readAll(dir)).records, payloads);
  });

  it("gathers appends that arrive while a write is in flight: 1,000 writers, 10 appends each", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    const before = log.stats().fsyncs;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, async (_, writer) => {
        for (let k = 0; k < 10; k++) {
          const seq = writer * 10 + k;
          const appended = log.append(crashRecord(seq));
          order.push(seq);
          await appended;
        }
      }),
    );
    const fsyncs = log.stats().fsyncs - before;
    expect(fsyncs).toBeGreaterThanOrEqual(10); // a writer's next append waits for its previous one
    expect(fsyncs).toBeLessThan(10_000 / 50);
    await log.close();
    // On disk in the order of the append calls.
    expectSameRecords((await readAll(dir)).records, order.map(crashRecord));
  });

  it("splits a burst into writes of at most maxBatchBytes", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir, { maxBatchBytes: 10 * 308 });
    const before = log.stats().fsyncs;
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(crashRecord(i))));
    expect(log.stats().fsyncs - before).toBe(10);
    await log.close();
  });
});

describe("WriteAheadLog segments", () => {
  it("rolls over before a segment would exceed segmentBytes, and gives an oversized record its own segment", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 1024 });
    const small = Array.from({ length: 100 }, (_, i) => new Uint8Array(100).fill(i));
    await Promise.all(small.map((r) => log.append(r)));
    const big = new Uint8Array(2000).fill(0xee);
    await log.append(big);
    await log.append(Uint8Array.of(1));
    // 9 framed records of 108 bytes fit a 1024-byte segment after its 8-byte header.
    expect(log.stats().segments).toBe(12 + 1 + 1);
    await log.close();
    const files = await segmentFiles(dir);
    expect(files).toHaveLength(14);
    const fileSizes = await sizes(files);
    expect(fileSizes.slice(0, 11)).toEqual(Array(11).fill(8 + 9 * 108));
    expect(fileSizes.slice(11)).toEqual([8 + 108, 8 + 2008, 8 + 9]);
    expect((await readAll(dir)).records).toEqual([...small, big, Uint8Array.of(1)]);
  });
});

describe("WriteAheadLog lifecycle", () => {
  it("lets close() finish appends in flight, and refuses appends after it", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    const appended = log.append(Uint8Array.of(5));
    const closed = log.close();
    await expect(log.append(Uint8Array.of(6))).rejects.toThrow(AssertionError);
    await appended;
    await closed;
    await log.close(); // idempotent
    expect((await readAll(dir)).records).toEqual([Uint8Array.of(5)]);
  });

  it("refuses a record longer than maxRecordBytes, and takes the next one", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir, { maxRecordBytes: 16 });
    await expect(log.append(new Uint8Array(17))).rejects.toThrow(InvalidInputError);
    await expect(log.append(new Uint8Array(17))).rejects.toThrow(
      "record of 17 bytes exceeds maxRecordBytes 16\nFix: split the record, or open the log with a larger maxRecordBytes",
    );
    await expect(log.appendMany([Uint8Array.of(1), new Uint8Array(17)])).rejects.toThrow(InvalidInputError);
    await log.append(new Uint8Array(16));
    await log.close();
    expect((await readAll(dir)).records).toEqual([new Uint8Array(16)]);
  });

  it("fails every pending and later append once a write fails, and recovers what was acknowledged", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 64 });
    await log.append(new Uint8Array(40).fill(1));
    // The next segment's name is taken, so the rollover that the next append needs fails.
    await writeFile(join(dir, "0000000000000001.wal"), "");
    const failing = [log.append(new Uint8Array(40).fill(2)), log.append(new Uint8Array(40).fill(3))];
    for (const append of failing) {
      await expect(append).rejects.toThrow(EnvironmentError);
      await expect(append).rejects.toThrow(`write-ahead log ${dir} failed to write or sync; it takes no more records`);
    }
    await expect(log.append(Uint8Array.of(4))).rejects.toThrow(/EEXIST/);
    expect(log.stats()).toMatchObject({ records: 1, pendingBytes: 0 });
    await log.close();
    const { records, recovery } = await readAll(dir, { segmentBytes: 64 });
    expect(records).toEqual([new Uint8Array(40).fill(1)]);
    expect(recovery.truncatedReason).toBe("segment header of 0000000000000001.wal cut short at 0 bytes");
  });

  it("refuses bad sizes", async () => {
    await expect(WriteAheadLog.open(await scratchDir(), { segmentBytes: 10 })).rejects.toThrow(
      "segmentBytes must be an integer of at least 64, got 10",
    );
    await expect(WriteAheadLog.open(await scratchDir(), { maxBatchBytes: 1.5 })).rejects.toThrow(InvalidInputError);
  });

  it("locks the directory against a second open, in this process or a live other one, not a dead one", async () => {
    const dir = await scratchDir();
    const { log } = await WriteAheadLog.open(dir);
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(`write-ahead log ${dir} is already open in this process`);
    await log.close();

    const lock = join(dir, "LOCK");
    await writeFile(lock, `${process.ppid}\n`); // the test runner: alive
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(EnvironmentError);
    await expect(WriteAheadLog.open(dir)).rejects.toThrow(
      `write-ahead log ${dir} is in use by process ${process.ppid}`,
    );

    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.once("exit", resolve));
    for (const holder of [String(dead.pid), String(process.pid), ""]) {
      // A killed process, this process before a restart (pid 1 in a container), a crash before the pid was written.
      await writeFile(lock, holder);
      const reopened = await WriteAheadLog.open(dir);
      expect((await readFile(lock, "utf8")).trim()).toBe(String(process.pid));
      await reopened.log.close();
    }
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });
});

describe("WriteAheadLog crash", () => {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx/esm")).href;
  const childScript = fileURLToPath(new URL("./testing/wal-crash-child.ts", import.meta.url));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  it("keeps every acknowledged record when the writer is SIGKILLed at a random moment", async () => {
    const dir = await scratchDir();
    let logged = 0;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["--import", tsx, childScript, dir, "200"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        err += chunk;
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_, signal) => resolve(signal)),
      );
      await waitFor(async () => (out.includes("\n") ? true : err ? Promise.reject(new Error(err)) : undefined), {
        timeoutMs: 30_000,
        intervalMs: 5,
        what: "the crash child to open its log",
      });
      // A random moment: after some number of acknowledgements, from none to a few thousand.
      const acks = Math.floor(Math.random() * 4000);
      await waitFor(async () => (out.split("\n").length - 2 >= acks ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 1,
        what: `${acks} acknowledgements`,
      });
      child.kill("SIGKILL");
      expect(await exited, err).toBe("SIGKILL");

      const lines = out.split("\n").slice(0, -1); // the last piece may be a torn line
      expect(lines[0], `round ${round}`).toBe(`ready ${logged}`);
      const acknowledged = lines.slice(1).map(Number);
      const { records } = await readAll(dir, { segmentBytes: 256 * 1024 });
      // The log is exactly records 0..n-1 in order, and holds every acknowledged one.
      records.forEach((r, i) => {
        if (r.length !== CRASH_RECORD_BYTES || new DataView(r.buffer).getUint32(0) !== i)
          expect.fail(`record ${i} is not record ${i} (round ${round})`);
      });
      const missing = acknowledged.filter((seq) => seq >= records.length);
      expect(missing, `round ${round}: killed after ${acks} acks, ${records.length} in the log`).toEqual([]);
      expect(records.length).toBeGreaterThanOrEqual(logged + acknowledged.length);
      logged = records.length;
    }
  }, 90_000);
});
