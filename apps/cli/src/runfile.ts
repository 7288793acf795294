// run.json records what `amc up` started (its own pid and its children's), so `amc down` and `amc status` can
// find them from another terminal.
import { rmSync } from "node:fs";
import { readJsonIfExists, stringify, writeFileAtomic } from "@amc/utils";
import { z } from "zod";

const runSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  children: z.array(z.object({ name: z.string(), pid: z.number().int() })),
});
export type RunFile = z.infer<typeof runSchema>;

export function readRunFile(path: string): RunFile | undefined {
  const raw = readJsonIfExists(path);
  if (raw === undefined) return undefined;
  const parsed = runSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export const writeRunFile = (path: string, run: RunFile) => writeFileAtomic(path, stringify(run, 2));
export const removeRunFile = (path: string) => rmSync(path, { force: true });

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
