// The RSU's write-ahead log: an append-only, segmented file log whose `append` resolves only once the record is on
// disk (written and fdatasync'ed), so that an ACK with status 0 ("durably logged") is never a lie. Group commit
// makes that affordable: appends that arrive while a write+fdatasync is in flight are gathered and written with one
// write and one fdatasync, so thousands of appends per second cost a few dozen fsyncs.
//
// On-disk format (all integers big-endian, as on the wire):
// - the directory holds segments `0000000000000000.wal`, `0000000000000001.wal`, … (16 decimal digits, consecutive)
//   and a `LOCK` file naming the process that has the log open;
// - a segment starts with the 8-byte header "AMCWAL" 0x00 0x01 (magic, format version 1), then records;
// - a record is [u32 payload length][u32 CRC-32 of (the 4 length bytes ‖ payload)][payload]. The CRC covers the
//   length so that a damaged length cannot frame a different payload, and so that zero-filled space (what a crash
//   can leave after the end of a file) never reads as a valid empty record.
//
// Recovery trusts only what can have been acknowledged: a crash can tear only the last write, which went to the
// last segment and is at most max(maxBatchBytes, one record) long, so a bad record there is a torn tail, cut off and
// reported. Anything else (a bad record in an earlier segment, a missing segment, a bad tail longer than one write)
// is damage to acknowledged data and throws WalCorruptionError: never silently drop what was acknowledged.

import { type FileHandle, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import * as zlib from "node:zlib";
import { AssertionError, BaseError, EnvironmentError, InvalidInputError } from "@amc/utils";

/** Bytes of a segment header: "AMCWAL", a zero byte, the format version. */
export const WAL_SEGMENT_HEADER_BYTES = 8;
/** Bytes of a record header: payload length and CRC. */
export const WAL_RECORD_HEADER_BYTES = 8;
const SEGMENT_HEADER = Buffer.from([0x41, 0x4d, 0x43, 0x57, 0x41, 0x4c, 0x00, 0x01]); // "AMCWAL" 0 1
const SEGMENT_NAME = /^(\d{16})\.wal$/;
const READ_CHUNK_BYTES = 1 << 20;
const MiB = 1 << 20;

export type WriteAheadLogOptions = {
  /** A segment is closed and a new one started before it would grow past this size (default 64 MiB). */
  segmentBytes?: number;
  /**
   * Most bytes one group commit writes (default 1 MiB; a single bigger record is written alone). With
   * maxRecordBytes it bounds the tail that recovery may cut off as torn, max(maxBatchBytes, 8 + maxRecordBytes):
   * a bad tail longer than that held acknowledged records and throws. Open a log with at least the values it was
   * written with; smaller values catch more damage.
   */
  maxBatchBytes?: number;
  /** Largest payload accepted (default 1 MiB); a longer length field on disk is damage. */
  maxRecordBytes?: number;
  /**
   * Called with every record found on disk, oldest first, while the log opens: replay without holding the log in
   * memory. The payload is a view into a reused read buffer, valid only during the call: copy what you keep. An
   * exception aborts the open (the log is closed and unlocked again) and is rethrown.
   */
  onRecord?: (payload: Uint8Array) => void;
};

/** What opening found on disk. */
export type WalRecovery = {
  /** Records replayed (passed to onRecord). */
  records: number;
  /** Bytes of the segment files after recovery, headers included. */
  bytes: number;
  segments: number;
  /** Bytes cut off the end of the last segment: a record torn by a crash, never acknowledged. 0 after a clean close. */
  truncatedBytes: number;
  /** Why the tail was cut, e.g. "CRC mismatch at offset 4711 of 0000000000000003.wal"; undefined when nothing was. */
  truncatedReason: string | undefined;
};

export type WalStats = {
  /** Records in the log that are durable: recovered ones and acknowledged appends. */
  records: number;
  /** Bytes of the segment files that are durable, headers included. */
  bytes: number;
  /** fsync/fdatasync calls made by this instance (data, new segments, directory). */
  fsyncs: number;
  segments: number;
  /** Framed bytes appended but not yet durable (queued or in flight). */
  pendingBytes: number;
};

export type OpenWriteAheadLogReturnType = { log: WriteAheadLog; recovery: WalRecovery };

/** The log on disk is damaged where acknowledged data lives (or is not a log at all): nothing was truncated. */
export class WalCorruptionError extends BaseError {
  override name = "WalCorruptionError";
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };
/** A framed record waiting to be written; the waiter of an append rides on its last frame. */
type Pending = { frame: Buffer; waiter: Waiter | undefined };

const segmentName = (index: number): string => `${String(index).padStart(16, "0")}.wal`;

function checkSize(what: string, value: number | undefined, fallback: number, minimum: number): number {
  const size = value ?? fallback;
  if (!Number.isSafeInteger(size) || size < minimum)
    throw new InvalidInputError(`${what} must be an integer of at least ${minimum}, got ${String(value)}`, {
      fix: `pass ${what} in bytes, or leave it out for the default (${fallback})`,
    });
  return size;
}

type Crc = (data: Uint8Array, initial?: number) => number;

function nativeCrc32(): Crc {
  // zlib.crc32 is native (Node >= 20.15, 22.2); the format needs exactly this CRC (IEEE 802.3, as gzip's).
  if (typeof zlib.crc32 !== "function")
    throw new EnvironmentError(`this Node (${process.version}) has no zlib.crc32`, { fix: "run Node 20.15 or later" });
  return zlib.crc32;
}

/** CRC of the record framed at `start` of `frame`: over its 4 length bytes, then its payload. */
function recordCrc(crc: Crc, frame: Buffer, start: number): number {
  const payloadStart = start + WAL_RECORD_HEADER_BYTES;
  const payloadEnd = payloadStart + frame.readUInt32BE(start);
  return crc(frame.subarray(payloadStart, payloadEnd), crc(frame.subarray(start, start + 4)));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const errorCode = (error: unknown): unknown => (error instanceof Error && "code" in error ? error.code : undefined);

// Directories this process has open, so that a second open in the same process fails even though the lock file
// names our own pid (which a restarted container, where the RSU is pid 1 again, must treat as stale).
const openHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Takes the directory's LOCK file; a lock whose process is gone (killed, crashed) is taken over. Advisory. */
async function lockDirectory(dir: string): Promise<string> {
  if (openHere.has(dir))
    throw new EnvironmentError(`write-ahead log ${dir} is already open in this process`, {
      fix: "close the other WriteAheadLog (or Journal) on this directory first, or share it",
    });
  const path = join(dir, "LOCK");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      openHere.add(dir);
      return path;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder))
      throw new EnvironmentError(`write-ahead log ${dir} is in use by process ${holder}`, {
        fix: `stop that process, or give this one its own directory; if process ${holder} does not use the log, delete ${path}`,
      });
    await unlink(path).catch((error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error;
    });
  }
  throw new EnvironmentError(`could not lock write-ahead log ${dir}: another process keeps taking ${path}`, {
    fix: "make sure only one process opens this directory",
  });
}

async function unlockDirectory(dir: string, lockPath: string): Promise<void> {
  openHere.delete(dir);
  await unlink(lockPath).catch((error: unknown) => {
    if (errorCode(error) !== "ENOENT") throw error;
  });
}

type ScanResult = {
  /** Offset just after the last good record. */
  end: number;
  records: number;
  /** Why scanning stopped before the end of the file, with the offset of the bad record. */
  problem: string | undefined;
};

/**
 * Reads the records of one segment, from the end of its header, in chunks: memory stays at one chunk (or one
 * record, when a record is bigger) however big the segment.
 */
async function scanSegment(
  handle: FileHandle,
  size: number,
  maxRecordBytes: number,
  crc: Crc,
  onRecord: ((payload: Uint8Array) => void) | undefined,
): Promise<ScanResult> {
  let buffer = Buffer.allocUnsafe(Math.max(0, Math.min(READ_CHUNK_BYTES, size - WAL_SEGMENT_HEADER_BYTES)));
  let bufferStart = WAL_SEGMENT_HEADER_BYTES; // file offset of buffer[0]
  let filled = 0;
  let offset = WAL_SEGMENT_HEADER_BYTES;
  let records = 0;

  /** Makes bytes [offset, offset + n) of the file available in the buffer; false when the file ends before. */
  const ensure = async (n: number): Promise<boolean> => {
    if (offset + n > size) return false;
    const have = bufferStart + filled - offset;
    if (have >= n) return true;
    const keepFrom = offset - bufferStart;
    if (n > buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.min(Math.max(n, READ_CHUNK_BYTES), size - offset));
      buffer.copy(bigger, 0, keepFrom, keepFrom + have);
      buffer = bigger;
    } else {
      buffer.copyWithin(0, keepFrom, keepFrom + have);
    }
    bufferStart = offset;
    filled = have;
    while (filled < n) {
      const want = Math.min(buffer.length - filled, size - (bufferStart + filled));
      const { bytesRead } = await handle.read(buffer, filled, want, bufferStart + filled);
      if (bytesRead === 0) return false; // the file shrank under us
      filled += bytesRead;
    }
    return true;
  };

  while (offset < size) {
    if (!(await ensure(WAL_RECORD_HEADER_BYTES)))
      return { end: offset, records, problem: `record header cut short at offset ${offset}` };
    const at = offset - bufferStart;
    const length = buffer.readUInt32BE(at);
    const stored = buffer.readUInt32BE(at + 4);
    if (length > maxRecordBytes)
      return {
        end: offset,
        records,
        problem: `record length ${length} exceeds maxRecordBytes ${maxRecordBytes} at offset ${offset}`,
      };
    if (!(await ensure(WAL_RECORD_HEADER_BYTES + length)))
      return { end: offset, records, problem: `record of ${length} bytes at offset ${offset} runs past the end` };
    const start = offset - bufferStart;
    if (recordCrc(crc, buffer, start) !== stored)
      return { end: offset, records, problem: `CRC mismatch at offset ${offset}` };
    onRecord?.(buffer.subarray(start + WAL_RECORD_HEADER_BYTES, start + WAL_RECORD_HEADER_BYTES + length));
    records++;
    offset += WAL_RECORD_HEADER_BYTES + length;
  }
  return { end: offset, records, problem: undefined };
}

/**
 * An append-only segmented log with group commit. Open it with `WriteAheadLog.open`; every `append` resolves once
 * its record is durable, and records are on disk in the order of the `append` calls.
 *
 * After a failed write or fdatasync the log refuses all further appends (a failed fsync leaves the file's state
 * unknown): close it and open it again, which recovers exactly what is on disk.
 *
 * @example
 * const { log, recovery } = await WriteAheadLog.open("/var/lib/amc/rsu/wal", { onRecord: (p) => replay(p) });
 * await log.append(record); // durable now: acknowledge it
 * await log.close();
 */
export class WriteAheadLog {
  readonly dir: string;
  readonly #lockPath: string;
  readonly #segmentBytes: number;
  readonly #maxBatchBytes: number;
  readonly #maxRecordBytes: number;
  readonly #crc: Crc;
  #handle: FileHandle;
  #segmentIndex: number;
  #segmentSize: number;
  #segments: number;
  #records: number;
  #bytes: number;
  #fsyncs: number;
  #pendingBytes = 0;
  #queue: Pending[] = [];
  #running = false;
  #idle: (() => void)[] = [];
  #failure: EnvironmentError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(state: {
    dir: string;
    lockPath: string;
    segmentBytes: number;
    maxBatchBytes: number;
    maxRecordBytes: number;
    crc: Crc;
    handle: FileHandle;
    segmentIndex: number;
    segmentSize: number;
    segments: number;
    records: number;
    bytes: number;
    fsyncs: number;
  }) {
    this.dir = state.dir;
    this.#lockPath = state.lockPath;
    this.#segmentBytes = state.segmentBytes;
    this.#maxBatchBytes = state.maxBatchBytes;
    this.#maxRecordBytes = state.maxRecordBytes;
    this.#crc = state.crc;
    this.#handle = state.handle;
    this.#segmentIndex = state.segmentIndex;
    this.#segmentSize = state.segmentSize;
    this.#segments = state.segments;
    this.#records = state.records;
    this.#bytes = state.bytes;
    this.#fsyncs = state.fsyncs;
  }

  /**
   * Opens (creating when needed) the log in `dir`, replays every record to `options.onRecord`, cuts off a torn
   * tail of the last segment, and returns the log ready to append after the last good record.
   *
   * Throws WalCorruptionError when acknowledged data is damaged: a bad record in an earlier segment, a missing
   * segment, a segment that is not a log segment, or a bad tail longer than one group-commit write. Throws
   * EnvironmentError when another live process holds the directory.
   */
  static async open(dir: string, options: WriteAheadLogOptions = {}): Promise<OpenWriteAheadLogReturnType> {
    const segmentBytes = checkSize("segmentBytes", options.segmentBytes, 64 * MiB, 64);
    const maxBatchBytes = checkSize("maxBatchBytes", options.maxBatchBytes, MiB, 1);
    const maxRecordBytes = checkSize("maxRecordBytes", options.maxRecordBytes, MiB, 0);
    if (maxRecordBytes > 0xffff_ffff)
      throw new InvalidInputError(`maxRecordBytes ${maxRecordBytes} does not fit the u32 length field`, {
        fix: "pass at most 4294967295",
      });
    const crc = nativeCrc32();
    const path = resolve(dir);
    // A new directory's own entry must be durable too, or a crash could lose the whole log.
    if ((await mkdir(path, { recursive: true })) !== undefined) await syncDirectory(dirname(path));
    const lockPath = await lockDirectory(path);
    let handle: FileHandle | undefined;
    try {
      let fsyncs = 0;
      const indices = (await readdir(path))
        .map((name) => SEGMENT_NAME.exec(name)?.[1])
        .filter((digits): digits is string => digits !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      indices.forEach((index, i) => {
        const previous = indices[i - 1];
        if (previous !== undefined && index !== previous + 1)
          throw new WalCorruptionError(
            `write-ahead log ${path} lacks segment ${segmentName(previous + 1)} between ${segmentName(previous)} and ${segmentName(index)}`,
            { fix: "restore the missing segment from a backup; the log cannot be replayed with a hole in it" },
          );
      });
      if (indices.length === 0) {
        handle = await WriteAheadLog.#createSegment(path, 0);
        fsyncs += 2;
        indices.push(0);
      }

      const recovery: WalRecovery = {
        records: 0,
        bytes: 0,
        segments: indices.length,
        truncatedBytes: 0,
        truncatedReason: undefined,
      };
      let lastSize = WAL_SEGMENT_HEADER_BYTES;
      for (const [i, index] of indices.entries()) {
        const last = i === indices.length - 1;
        const name = segmentName(index);
        handle ??= await open(join(path, name), last ? "r+" : "r");
        let size = (await handle.stat()).size;
        const header = Buffer.alloc(WAL_SEGMENT_HEADER_BYTES);
        await handle.read(header, 0, Math.min(size, WAL_SEGMENT_HEADER_BYTES), 0);
        const headerOk = size >= WAL_SEGMENT_HEADER_BYTES && header.equals(SEGMENT_HEADER);
        const tornCreation =
          last && size < WAL_SEGMENT_HEADER_BYTES && header.subarray(0, size).equals(SEGMENT_HEADER.subarray(0, size));
        if (tornCreation) {
          // A crash while the segment was being created: nothing was ever written to it. Write its header again.
          await handle.truncate(0);
          await handle.write(SEGMENT_HEADER, 0, SEGMENT_HEADER.length, 0);
          await handle.datasync();
          fsyncs++;
          recovery.truncatedBytes += size;
          recovery.truncatedReason = `segment header of ${name} cut short at ${size} bytes`;
          size = WAL_SEGMENT_HEADER_BYTES;
        } else if (!headerOk) {
          throw new WalCorruptionError(`${join(path, name)} is not a write-ahead log segment of format version 1`, {
            details: `its first bytes are ${header.subarray(0, Math.min(size, 8)).toString("hex") || "(empty)"}`,
            fix: "point the log at its own directory; restore the segment from a backup if it was damaged",
          });
        }
        const scan = await scanSegment(handle, size, maxRecordBytes, crc, options.onRecord);
        recovery.records += scan.records;
        if (scan.problem !== undefined) {
          const tail = size - scan.end;
          const tornLimit = Math.max(maxBatchBytes, WAL_RECORD_HEADER_BYTES + maxRecordBytes);
          if (!last || tail > tornLimit)
            throw new WalCorruptionError(`write-ahead log segment ${join(path, name)} is damaged: ${scan.problem}`, {
              details: last
                ? `${tail} bytes follow the last good record, more than one write (${tornLimit} bytes) can tear, so they held acknowledged records`
                : "the damage is in a segment that was complete and synced before the next one began, so it held acknowledged records",
              fix: "restore the log from a backup; if it was written with a larger maxBatchBytes or maxRecordBytes, open it with those",
            });
          await handle.truncate(scan.end);
          await handle.datasync();
          fsyncs++;
          recovery.truncatedBytes += tail;
          recovery.truncatedReason = `${scan.problem} of ${name}`;
          size = scan.end;
        }
        recovery.bytes += size;
        if (last) lastSize = size;
        else {
          await handle.close();
          handle = undefined;
        }
      }
      if (handle === undefined) throw new AssertionError("the last segment was not left open");
      const log = new WriteAheadLog({
        dir: path,
        lockPath,
        segmentBytes,
        maxBatchBytes,
        maxRecordBytes,
        crc,
        handle,
        segmentIndex: indices[indices.length - 1] ?? 0,
        segmentSize: lastSize,
        segments: indices.length,
        records: recovery.records,
        bytes: recovery.bytes,
        fsyncs,
      });
      return { log, recovery };
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlockDirectory(path, lockPath);
      throw error;
    }
  }

  /** Creates segment `index` with its header, durably: file data first, then the directory entry. */
  static async #createSegment(dir: string, index: number): Promise<FileHandle> {
    const handle = await open(join(dir, segmentName(index)), "wx+");
    try {
      await handle.write(SEGMENT_HEADER, 0, SEGMENT_HEADER.length, 0);
      await handle.datasync();
      await syncDirectory(dir);
      return handle;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends one record; resolves once it is written and fdatasync'ed. Records are on disk in the order of the
   * calls, also across concurrent calls. `payload` is copied before this returns.
   */
  append(payload: Uint8Array): Promise<void> {
    return this.appendMany([payload]);
  }

  /** Appends several records, contiguous and in order; resolves once all of them are durable. */
  appendMany(payloads: readonly Uint8Array[]): Promise<void> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    for (const payload of payloads)
      if (payload.length > this.#maxRecordBytes)
        return Promise.reject(
          new InvalidInputError(`record of ${payload.length} bytes exceeds maxRecordBytes ${this.#maxRecordBytes}`, {
            fix: "split the record, or open the log with a larger maxRecordBytes",
          }),
        );
    if (payloads.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      payloads.forEach((payload, i) => {
        const frame = Buffer.allocUnsafe(WAL_RECORD_HEADER_BYTES + payload.length);
        frame.writeUInt32BE(payload.length, 0);
        frame.set(payload, WAL_RECORD_HEADER_BYTES);
        frame.writeUInt32BE(recordCrc(this.#crc, frame, 0), 4);
        this.#queue.push({ frame, waiter: i === payloads.length - 1 ? { resolve, reject } : undefined });
        this.#pendingBytes += frame.length;
      });
      if (!this.#running) {
        this.#running = true;
        // Start on a microtask, so that appends made in the same synchronous burst share the first write.
        queueMicrotask(() => void this.#commitLoop());
      }
    });
  }

  /** Waits for every append made so far to settle, then closes the file and releases the directory. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#running) await new Promise<void>((resolve) => this.#idle.push(resolve));
      await this.#handle.close();
      await unlockDirectory(this.dir, this.#lockPath);
    })();
    return this.#closing;
  }

  stats(): WalStats {
    return {
      records: this.#records,
      bytes: this.#bytes,
      fsyncs: this.#fsyncs,
      segments: this.#segments,
      pendingBytes: this.#pendingBytes,
    };
  }

  #refusal(): Error | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (this.#closing !== undefined)
      return new AssertionError(`append to write-ahead log ${this.dir} after close()`, {
        fix: "stop producing records before closing the log",
      });
    return undefined;
  }

  /** Writes queued records, one group commit at a time, until the queue is empty. Never rejects. */
  async #commitLoop(): Promise<void> {
    while (this.#queue.length > 0 && this.#failure === undefined) {
      let batch: Pending[] = [];
      let batchBytes = 0;
      try {
        const first = this.#queue[0]!;
        const hasRecords = this.#segmentSize > WAL_SEGMENT_HEADER_BYTES;
        if (hasRecords && this.#segmentSize + first.frame.length > this.#segmentBytes) await this.#rollOver();
        const room = this.#segmentBytes - this.#segmentSize;
        const limit = Math.min(this.#maxBatchBytes, room);
        let count = 0;
        for (const next of this.#queue) {
          if (count > 0 && batchBytes + next.frame.length > limit) break;
          batchBytes += next.frame.length;
          count++;
        }
        // Take the batch off the queue now: what arrives during the write waits in a fresh queue.
        batch = count === this.#queue.length ? this.#queue : this.#queue.slice(0, count);
        this.#queue = count === this.#queue.length ? [] : this.#queue.slice(count);
        const data =
          batch.length === 1
            ? batch[0]!.frame
            : Buffer.concat(
                batch.map((p) => p.frame),
                batchBytes,
              );
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await this.#handle.write(
            data,
            written,
            data.length - written,
            this.#segmentSize + written,
          );
          written += bytesWritten;
        }
        await this.#handle.datasync();
        this.#fsyncs++;
      } catch (error) {
        this.#fail(error, batch);
        break;
      }
      this.#segmentSize += batchBytes;
      this.#bytes += batchBytes;
      this.#records += batch.length;
      this.#pendingBytes -= batchBytes;
      for (const pending of batch) pending.waiter?.resolve();
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Closes the full segment (already synced) and continues in a new one. */
  async #rollOver(): Promise<void> {
    const next = await WriteAheadLog.#createSegment(this.dir, this.#segmentIndex + 1);
    this.#fsyncs += 2;
    const previous = this.#handle;
    this.#handle = next;
    this.#segmentIndex++;
    this.#segmentSize = WAL_SEGMENT_HEADER_BYTES;
    this.#segments++;
    this.#bytes += WAL_SEGMENT_HEADER_BYTES;
    await previous.close();
  }

  #fail(error: unknown, batch: Pending[]): void {
    this.#failure = new EnvironmentError(
      `write-ahead log ${this.dir} failed to write or sync; it takes no more records`,
      {
        details: error instanceof Error ? error.message : String(error),
        fix: "fix the disk (space, permissions, hardware), then restart: opening the log again recovers every acknowledged record",
        cause: error,
      },
    );
    const failed = batch.concat(this.#queue);
    this.#queue = [];
    this.#pendingBytes = 0;
    for (const pending of failed) pending.waiter?.reject(this.#failure);
  }
}
