// The only file access in @amc/fl: read the KIT OBD-II recordings from a directory given by the caller.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ObdTrace, parseObdCsv } from "./obd.js";

/** Situation tag encoded in a KIT file name (last `_`-separated token before `.csv`). */
export function situationOf(name: string): string {
  const m = /_([A-Za-z]+)\.csv$/.exec(name);
  return m ? m[1]! : "unknown";
}

/** Read every `kit_obd2_*.csv` under `dir` (sorted by name) and parse it. The data are never copied. */
export function loadKitRecordings(dir: string): ObdTrace[] {
  const files = readdirSync(dir)
    .filter((f) => /^kit_obd2_.*\.csv$/.test(f))
    .sort();
  return files.map((f) => parseObdCsv(readFileSync(join(dir, f), "latin1"), f));
}
