// Validator agents and a relayer in one process, wired directly (no HTTP between them): what tests and
// benchmarks use to exercise cross-chain delivery on a LocalNet without spawning services.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contractAddress, type DeploymentManifest, relayerKey, type Topology, validatorKeys } from "@amc/chain";
import { createLogger } from "@amc/utils";
import { Relayer } from "./relayer.js";
import { ValidatorAgent } from "./validator.js";

export type LocalAgents = { agents: ValidatorAgent[]; relayer: Relayer; stop(): Promise<void> };

export function startLocalAgents(
  topology: Topology,
  manifest: DeploymentManifest,
  options: { batchSize?: number; pollIntervalMs?: number } = {},
): LocalAgents {
  const logger = createLogger({}, { level: "error" });
  const store = mkdtempSync(join(tmpdir(), "amc-agents-"));
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  const agents = topology.chains.flatMap((chain) =>
    [...validatorKeys(topology, chain.validators)].map(
      ([address, key]) =>
        new ValidatorAgent({
          chain,
          mailbox: contractAddress(manifest, chain.name, "Mailbox"),
          privateKey: key,
          storeDir: join(store, chain.name, address),
          pollIntervalMs,
          logger,
        }),
    ),
  );
  const byAddress = new Map(agents.map((a) => [a.address.toLowerCase(), a]));
  const relayer = new Relayer({
    chains: topology.chains.map((c) => ({ ...c, mailbox: contractAddress(manifest, c.name, "Mailbox") })),
    privateKey: relayerKey(topology),
    statePath: join(store, "relayer.json"),
    batchSize: options.batchSize ?? 20,
    pollIntervalMs,
    signatures: async (validator, id) => byAddress.get(validator.toLowerCase())?.signature(id)?.signature,
    logger,
  });
  for (const agent of agents) agent.start();
  relayer.start();
  return {
    agents,
    relayer,
    async stop() {
      await relayer.stop();
      await Promise.all(agents.map((a) => a.stop()));
      rmSync(store, { recursive: true, force: true });
    },
  };
}
