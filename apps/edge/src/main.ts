// The RSU process, as `amc up` starts it: `--config amc.config.json --home .amc --rsu rsu-<cell>-<i>`.
// It provisions what it needs (setup.ts), then runs an RsuNode until SIGINT/SIGTERM.
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  contractAddress,
  defaultHome,
  defaultTopologyFile,
  loadTopology,
  mainChain,
  platformPaths,
  readManifest,
  rsuKey,
  rsuSpec,
  rsuSpecs,
} from "@amc/chain";
import { createLogger, errorMessage } from "@amc/utils";
import { certificateDigest, slotsPerPeriod } from "@amc/v2x";
import { gridDisk } from "h3-js";
import { RsuNode } from "./rsu.js";
import { ensureFunded, ensureRsuIdentity, fetchPkiCa, rootIsTrusted, rsuKeyResolver } from "./setup.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: "string", default: defaultTopologyFile },
      home: { type: "string" },
      rsu: { type: "string" },
    },
    strict: true,
  });
  const topology = loadTopology(values.config);
  const paths = platformPaths(values.home ?? defaultHome(values.config ?? defaultTopologyFile));
  const manifest = readManifest(paths.manifest);
  const spec = rsuSpec(topology, values.rsu ?? "");
  const logger = createLogger({ service: "edge", rsu: spec.name });
  const edge = topology.services.edge;
  if (!edge) throw new Error("services.edge is missing from the topology");
  const dir = join(paths.home, "edge", spec.name);
  const key = rsuKey(topology, spec);
  // Several RSUs provision at once with the same operator and deployer accounts: a clash of nonces is retried.
  const identity = await retry(() => ensureRsuIdentity(topology, manifest, join(dir, "identity.json")));
  await retry(() => ensureFunded(topology, spec.chain, key));
  const pkiUrl = `http://${topology.services.host}:${topology.services.pki.port}`;
  const ca = await fetchPkiCa(pkiUrl);
  const { root } = ca;
  const caChain = [ca.pca, root];
  if (!(await rootIsTrusted(topology, manifest, root)))
    throw new Error(`the PKI's root certificate is not trusted in main's V2xTrustStore`);
  const ring = new Set(gridDisk(spec.cell, 1));
  const peers = rsuSpecs(topology)
    .filter((s) => s.name !== spec.name && ring.has(s.cell))
    .map((s) => ({ name: s.name, cell: s.cell, url: s.url }));
  const node = new RsuNode({
    name: spec.name,
    cell: spec.cell,
    host: topology.services.host,
    port: spec.port,
    dataDir: join(dir, "journal"),
    chain: spec.chain,
    contracts: {
      dataAnchor: contractAddress(manifest, spec.chain.name, "DataAnchor"),
      eventLedger: contractAddress(manifest, spec.chain.name, "EventLedger"),
      identityMirror: contractAddress(manifest, spec.chain.name, "IdentityMirror"),
    },
    privateKey: key,
    identity,
    trust: {
      caChain,
      // Only the root main's V2xTrustStore vouched for (checked above).
      isTrustedRoot: (digest) => Buffer.from(digest).equals(Buffer.from(certificateDigest(root))),
    },
    batch: { maxCount: edge.batchMaxCount, maxDelayMs: edge.batchMaxDelayMs },
    consensus: { k: edge.k, radiusMeters: edge.radiusMeters, windowMs: edge.windowMs },
    limits: {
      ratePerSecond: edge.ratePerSecond,
      burst: edge.burst,
      maxInFlight: edge.maxInFlight,
      maxAgeMs: edge.maxAgeMs,
    },
    revocation: {
      pollIntervalMs: edge.revocationPollMs,
      slotsPerPeriod: slotsPerPeriod(ca.schedule),
    },
    checkpointIntervalMs: edge.checkpointIntervalMs,
    admissionTtlMs: edge.admissionTtlMs,
    peers: () => peers,
    resolveRsuKey: rsuKeyResolver(topology, manifest),
    logger,
  });
  await node.start();
  logger.info("RSU serving", { ws: node.wsUrl, main: mainChain(topology).name, cellChain: spec.chain.name });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

async function retry<T>(attempt: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1500 * i));
    }
  }
}

main().catch((error) => {
  createLogger({ service: "edge" }).error("RSU failed to start", { error: errorMessage(error) });
  process.exit(1);
});
