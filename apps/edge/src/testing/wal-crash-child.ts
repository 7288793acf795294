// Child process of the WAL crash test: opens the log in argv[2], then appends numbered 300-byte records from many
// concurrent writers (group commit) forever, printing each record's seq on stdout once its append has resolved.
// The parent SIGKILLs it at a random moment and checks that every printed (acknowledged) seq survived.
// stdout to a pipe is synchronous on Linux, so a printed line was written by the time the kill can land.
import { pathToFileURL } from "node:url";
import { WriteAheadLog } from "../wal.js";

export const CRASH_RECORD_BYTES = 300;

/** The record numbered `seq`: its seq (u32 BE), then filler derived from it. */
export function crashRecord(seq: number): Uint8Array {
  const record = new Uint8Array(CRASH_RECORD_BYTES).fill(seq & 0xff);
  new DataView(record.buffer).setUint32(0, seq);
  return record;
}

async function main(dir: string, writers: number): Promise<void> {
  let next = 0;
  const { log } = await WriteAheadLog.open(dir, {
    segmentBytes: 256 * 1024,
    onRecord: (payload) => {
      if (new DataView(payload.buffer, payload.byteOffset).getUint32(0) !== next)
        throw new Error(`record ${next} holds another seq`);
      next++;
    },
  });
  process.stdout.write(`ready ${next}\n`);
  const writer = async (): Promise<void> => {
    for (;;) {
      const seq = next++;
      await log.append(crashRecord(seq));
      process.stdout.write(`${seq}\n`);
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error("usage: wal-crash-child.ts <dir> [writers]");
  await main(dir, Number(process.argv[3] ?? 200));
}
