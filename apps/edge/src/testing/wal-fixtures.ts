// Test fixtures for the write-ahead log and the journal: scratch directories that are removed after each test,
// and a way to open a log and collect its records (copied: onRecord's payload views are reused).
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { type WalRecovery, WriteAheadLog, type WriteAheadLogOptions } from "../wal.js";

const made: string[] = [];

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh empty directory, removed after the current test. */
export async function scratchDir(prefix = "amc-wal-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The segment files of the log in `dir`, oldest first, as full paths. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => name.endsWith(".wal"))
    .sort()
    .map((name) => join(dir, name));
}

export type CollectedLog = { log: WriteAheadLog; recovery: WalRecovery; records: Uint8Array[] };

/** Opens the log in `dir` and keeps a copy of every record it replays. */
export async function openCollecting(
  dir: string,
  options: Omit<WriteAheadLogOptions, "onRecord"> = {},
): Promise<CollectedLog> {
  const records: Uint8Array[] = [];
  const { log, recovery } = await WriteAheadLog.open(dir, {
    ...options,
    onRecord: (p) => records.push(new Uint8Array(p)),
  });
  return { log, recovery, records };
}

/** Opens the log, collects its records and closes it again. */
export async function readAll(
  dir: string,
  options: Omit<WriteAheadLogOptions, "onRecord"> = {},
): Promise<{ recovery: WalRecovery; records: Uint8Array[] }> {
  const { log, recovery, records } = await openCollecting(dir, options);
  await log.close();
  return { recovery, records };
}

/**
 * Asserts that `actual` holds the same records as `expected`, in order. Compares bytes directly: vitest's deep
 * equality takes seconds on ten thousand byte arrays. On a difference, says the first record that differs.
 */
export function expectSameRecords(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  const differs = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
    a === undefined || b === undefined || !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
  const first = Array.from({ length: Math.max(actual.length, expected.length) }, (_, i) => i).find((i) =>
    differs(actual[i], expected[i]),
  );
  expect(
    first === undefined ? "same records" : `record ${first} differs`,
    `${actual.length} records, expected ${expected.length}`,
  ).toBe("same records");
}
