// Starts and stops local anvil chains (development and tests only; production runs Hyperledger Besu QBFT).
// State persists through anvil's --state file: loaded at start, dumped on a clean stop and every few seconds,
// so the next `amc up` resumes the same chain instead of starting over.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EnvironmentError, sleep, waitFor } from "@amc/utils";
import { DEV_FUNDED_ACCOUNTS, DEV_MNEMONIC_TEST_ONLY } from "./devKeys.js";
import { isPortFree } from "./ports.js";

const require = createRequire(import.meta.url);

/** Path of the anvil binary shipped by the npm package @foundry-rs/anvil (or AMC_ANVIL_BIN). */
export function anvilBinary(): string {
  const override = process.env.AMC_ANVIL_BIN;
  if (override) {
    if (!existsSync(override))
      throw new EnvironmentError(`AMC_ANVIL_BIN points to ${override}, which does not exist`, {
        fix: "unset AMC_ANVIL_BIN or point it at an anvil binary",
      });
    return override;
  }
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const name = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const binary = join(dirname(require.resolve(`${name}/package.json`)), "bin", "anvil");
    if (existsSync(binary)) return binary;
  } catch {
    // fall through to the error below: the platform package is not installed
  }
  throw new EnvironmentError(`anvil binary not found (npm package ${name})`, { fix: "run `npm install`" });
}

export type StartAnvilOptions = {
  name: string;
  chainId: number;
  port: number;
  host?: string;
  /** Load from and dump to this file; omit for a throwaway chain. */
  stateFile?: string;
  /** Seconds between blocks; 0 mines one block per transaction. */
  blockTimeSeconds?: number;
  /** Write anvil's own output here (otherwise discarded). */
  logFile?: string;
};

export type AnvilInstance = {
  name: string;
  rpcUrl: string;
  process: ChildProcess;
  /** Stops anvil with SIGINT so that it dumps its state, and waits for it to exit. */
  stop(): Promise<void>;
};

export async function startAnvil(options: StartAnvilOptions): Promise<AnvilInstance> {
  const host = options.host ?? "127.0.0.1";
  const binary = anvilBinary();
  if (!(await isPortFree(options.port, host)))
    throw new EnvironmentError(`port ${options.port} for chain ${options.name} is already in use`, {
      fix: "stop what holds it (`npx amc down` if it is an earlier platform) or change its rpcUrl in amc.config.json",
    });
  const args = [
    "--host",
    host,
    "--port",
    String(options.port),
    "--chain-id",
    String(options.chainId),
    "--mnemonic",
    DEV_MNEMONIC_TEST_ONLY,
    "--accounts",
    String(DEV_FUNDED_ACCOUNTS),
    "--silent",
  ];
  if (options.blockTimeSeconds && options.blockTimeSeconds > 0)
    args.push("--block-time", String(options.blockTimeSeconds));
  if (options.stateFile) {
    mkdirSync(dirname(options.stateFile), { recursive: true });
    args.push("--state", options.stateFile, "--state-interval", "5");
  }
  let stdio: ("ignore" | number)[] = ["ignore", "ignore", "ignore"];
  if (options.logFile) {
    const { openSync } = await import("node:fs");
    mkdirSync(dirname(options.logFile), { recursive: true });
    const fd = openSync(options.logFile, "a");
    stdio = ["ignore", fd, fd];
  }
  const child = spawn(binary, args, { stdio, detached: false });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code;
      resolve();
    }),
  );
  const rpcUrl = `http://${host}:${options.port}`;
  await waitFor(
    async () => {
      if (exited !== undefined)
        throw new EnvironmentError(`anvil for chain ${options.name} exited with code ${exited} at start`, {
          fix: options.stateFile
            ? `see ${options.logFile ?? "its output"}; a corrupt state file can be removed with \`npx amc reset\``
            : "see its output",
        });
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      return response.ok ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `chain ${options.name} to answer at ${rpcUrl}` },
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    name: options.name,
    rpcUrl,
    process: child,
    async stop() {
      if (exited !== undefined) return;
      child.kill("SIGINT");
      const timedOut = await Promise.race([exit.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut) {
        child.kill("SIGKILL");
        await exit;
      }
    },
  };
}
