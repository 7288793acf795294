// The relayer service: delivers every chain's messages to their destinations, fetching validator signatures from
// the validators' signature endpoints.
import type { Server } from "node:http";
import { contractAddress, relayerKey } from "@amc/chain";
import { createLogger, errorMessage } from "@amc/utils";
import { isHex } from "viem";
import { onShutdown, serviceContext } from "./args.js";
import { startHttpServer } from "./http.js";
import { Relayer } from "./relayer.js";
import { httpSignatureSource } from "./signatures.js";

const logger = createLogger({ service: "relayer" });

async function main(): Promise<void> {
  const { topology, manifest, paths } = serviceContext();
  const { host, relayer: config, validators } = topology.services;
  const relayer = new Relayer({
    chains: topology.chains.map((chain) => ({ ...chain, mailbox: contractAddress(manifest, chain.name, "Mailbox") })),
    privateKey: relayerKey(topology),
    statePath: paths.relayerState,
    batchSize: config.batchSize,
    pollIntervalMs: config.pollIntervalMs,
    signatures: httpSignatureSource(`http://${host}:${validators.port}`),
    logger,
  });
  const server: Server = await startHttpServer(host, config.port, [
    [
      "GET",
      /^\/health$/,
      async () => ({ status: 200, body: { status: "ok", pending: relayer.pendingCount, address: relayer.address } }),
    ],
    [
      "GET",
      /^\/metrics$/,
      async () => ({ status: 200, body: relayer.metrics.render(), contentType: "text/plain; version=0.0.4" }),
    ],
    [
      "GET",
      /^\/v1\/messages\/([^/]+)$/,
      async (match) => {
        const id = match[1] ?? "";
        if (!isHex(id) || id.length !== 66) return { status: 400, body: { error: "expected a 32-byte message id" } };
        const status = relayer.status(id);
        return status ? { status: 200, body: status } : { status: 404, body: { error: "unknown message" } };
      },
    ],
  ]);
  relayer.start();
  logger.info("relayer ready", { url: `http://${host}:${config.port}`, address: relayer.address });
  onShutdown(async () => {
    await relayer.stop();
    await new Promise((resolve) => server.close(resolve));
  });
}

main().catch((error) => {
  logger.error("relayer failed to start", { error: errorMessage(error) });
  process.exit(1);
});
