// The validator agents service: one agent per (chain, validator key held here), and an HTTP endpoint from which
// relayers fetch signatures. In development one process runs every dev validator; in production each
// organisation runs this with only its own key (AMC_VALIDATOR_KEYS).
import type { Server } from "node:http";
import { contractAddress, validatorKeys } from "@amc/chain";
import { createLogger, errorMessage } from "@amc/utils";
import { getAddress, isAddress, isHex } from "viem";
import { onShutdown, serviceContext } from "./args.js";
import { Metrics, startHttpServer } from "./http.js";
import { ValidatorAgent } from "./validator.js";

const logger = createLogger({ service: "validators" });

async function main(): Promise<void> {
  const { topology, manifest, paths } = serviceContext();
  const agents: ValidatorAgent[] = [];
  for (const chain of topology.chains) {
    const mailbox = contractAddress(manifest, chain.name, "Mailbox");
    for (const [address, key] of validatorKeys(topology, chain.validators)) {
      agents.push(
        new ValidatorAgent({
          chain,
          mailbox,
          privateKey: key,
          storeDir: paths.validatorStore(chain.name, address),
          pollIntervalMs: topology.services.validators.pollIntervalMs,
          logger: logger.child({ chain: chain.name, validator: address }),
        }),
      );
    }
  }
  const byAddress = new Map(agents.map((a) => [a.address.toLowerCase(), a]));
  const metrics = new Metrics();
  metrics.define("amc_validator_signed", "gauge", "Messages signed, by validator");
  metrics.define("amc_validator_next_block", "gauge", "Next block to scan, by validator");
  const { host, validators } = topology.services;
  const server: Server = await startHttpServer(host, validators.port, [
    [
      "GET",
      /^\/health$/,
      async () => ({ status: 200, body: { status: "ok", validators: agents.map((a) => a.status) } }),
    ],
    [
      "GET",
      /^\/v1\/validators\/([^/]+)\/signatures\/([^/]+)$/,
      async (match) => {
        const [, address = "", id = ""] = match;
        if (!isAddress(address) || !isHex(id) || id.length !== 66)
          return { status: 400, body: { error: "expected /v1/validators/<address>/signatures/<32-byte message id>" } };
        const agent = byAddress.get(getAddress(address).toLowerCase());
        if (!agent) return { status: 404, body: { error: `validator ${address} does not run here` } };
        const attestation = agent.signature(id);
        return attestation ? { status: 200, body: attestation } : { status: 404, body: { error: "not signed (yet)" } };
      },
    ],
    [
      "GET",
      /^\/metrics$/,
      async () => {
        for (const agent of agents) {
          metrics.set(
            "amc_validator_signed",
            { validator: agent.address, chain: agent.chainName },
            agent.status.signed,
          );
          metrics.set(
            "amc_validator_next_block",
            { validator: agent.address, chain: agent.chainName },
            Number(agent.status.nextBlock),
          );
        }
        return { status: 200, body: metrics.render(), contentType: "text/plain; version=0.0.4" };
      },
    ],
  ]);
  for (const agent of agents) agent.start();
  logger.info("validators ready", { url: `http://${host}:${validators.port}`, agents: agents.length });
  onShutdown(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await new Promise((resolve) => server.close(resolve));
  });
}

main().catch((error) => {
  logger.error("validators failed to start", { error: errorMessage(error) });
  process.exit(1);
});
