// An RSU in a process of its own, for tests that kill it (tests/edge.crash.anvil.test.ts): reads a JSON config
// (argv[2]) holding everything RsuConfig needs in serialisable form, runs an RsuNode on it (no peers, no other
// RSUs' keys), prints `READY <url>` on stdout once it serves, and stops cleanly on SIGTERM or SIGINT (exit 0).
// Logs go to stderr as JSON lines (level from the config, default warn).
//
// With `--hold` it loads its code, prints `LOADED` and waits for a line on stdin before it touches the data dir: a
// test can start the next RSU while the current one runs and, once it has killed that one, have a restart that
// costs the RSU's own start (journal replay, worker thread, reconciliation) rather than loading TypeScript.
// A held child whose stdin closes exits without starting.
//
// `rsuConfigOf` builds the RsuConfig from the same serialisable form, so that in-process tests construct their
// RsuNode exactly as this process does.
import { createPrivateKey, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { ChainRef } from "@amc/chain";
import { createLogger, errorMessage, type Logger, type LogLevel } from "@amc/utils";
import { CertificateCodec } from "@amc/v2x";
import type { Address, Hex } from "viem";
import { type RsuConfig, RsuNode } from "../rsu.js";

/** RsuConfig as JSON: keys as a JWK, certificates as COER hex, the trusted root as its digest. */
export type RsuChildConfig = {
  name: string;
  cell: string;
  host: string;
  /** Fixed, so that OBUs reconnect to the same address after a restart (0 picks one: in-process use only). */
  port: number;
  dataDir: string;
  chain: ChainRef;
  contracts: { dataAnchor: Address; eventLedger: Address; identityMirror: Address };
  privateKey: Hex;
  /** jwk: the private P-256 JWK of the RSU DID's assertion key. */
  identity: { did: string; didId: Hex; kid: string; jwk: JsonWebKey };
  /** COER hex (no 0x) of the CA chain, leaf CA first, e.g. [PCA, root]. */
  caChain: string[];
  /** Hex (no 0x) of the HashedId8 digest of the one trusted root certificate. */
  trustedRoot: string;
  batch: RsuConfig["batch"];
  consensus: RsuConfig["consensus"];
  limits: RsuConfig["limits"];
  revocation: RsuConfig["revocation"];
  checkpointIntervalMs: number;
  admissionTtlMs: number;
  threads: number;
  logLevel?: LogLevel;
};

const bytesOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));

/** The RsuConfig of a serialisable config: no peers, and no other RSU's key is known. */
export function rsuConfigOf(config: RsuChildConfig, logger?: Logger): RsuConfig {
  const trustedRoot = Buffer.from(bytesOf(config.trustedRoot));
  return {
    name: config.name,
    cell: config.cell,
    host: config.host,
    port: config.port,
    dataDir: config.dataDir,
    chain: config.chain,
    contracts: config.contracts,
    privateKey: config.privateKey,
    identity: {
      did: config.identity.did,
      didId: config.identity.didId,
      kid: config.identity.kid,
      signingKey: createPrivateKey({ key: config.identity.jwk, format: "jwk" }),
    },
    trust: {
      caChain: config.caChain.map((hex) => CertificateCodec.decode(bytesOf(hex))),
      isTrustedRoot: (digest) => Buffer.from(digest).equals(trustedRoot),
    },
    batch: config.batch,
    consensus: config.consensus,
    limits: config.limits,
    revocation: config.revocation,
    checkpointIntervalMs: config.checkpointIntervalMs,
    admissionTtlMs: config.admissionTtlMs,
    peers: () => [],
    resolveRsuKey: async () => undefined,
    threads: config.threads,
    ...(logger ? { logger } : {}),
  };
}

async function main(file: string): Promise<void> {
  const config = JSON.parse(readFileSync(file, "utf8")) as RsuChildConfig;
  const logger = createLogger(
    { service: "edge", rsu: config.name, pid: process.pid },
    { level: config.logLevel ?? "warn" },
  );
  const node = new RsuNode(rsuConfigOf(config, logger));
  await node.start();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("RSU failed to stop", { error: errorMessage(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // stdout to a pipe is synchronous on Linux: the parent sees the line as soon as the RSU serves.
  process.stdout.write(`READY ${node.url}\n`);
}

/** Resolves at the first line on stdin; exits the process if stdin closes first. */
function released(): Promise<void> {
  return new Promise((resolve) => {
    let input = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      input += chunk;
      if (input.includes("\n")) {
        process.stdin.pause();
        resolve();
      }
    });
    process.stdin.on("end", () => {
      if (!input.includes("\n")) process.exit(0);
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: rsu-child.ts <config.json> [--hold]");
  const hold = process.argv.includes("--hold");
  if (hold) process.stdout.write("LOADED\n");
  (hold ? released() : Promise.resolve())
    .then(() => main(file))
    .catch((error: unknown) => {
      process.stderr.write(
        `RSU child failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
}
