// Test support: a throwaway consortium of real anvil chains on free loopback ports, with every module deployed
// exactly as `amc up` deploys it. Tests use it so that nothing about chains is mocked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, stringify, writeFileAtomic } from "@amc/utils";
import { type AnvilInstance, startAnvil } from "../anvil.js";
import { deployTopology } from "../deploy.js";
import { devAccount, devKeyIndex, devPrivateKey } from "../devKeys.js";
import { type DeploymentManifest, writeManifest } from "../manifest.js";
import { type PlatformPaths, platformPaths } from "../paths.js";
import { freePort, freePortRange } from "../ports.js";
import { type ChainRole, parseTopology, type Topology } from "../topology.js";

export type LocalNetChain = { name: string; role: ChainRole; h3Cell?: string };

export type LocalNet = {
  topology: Topology;
  manifest: DeploymentManifest;
  paths: PlatformPaths;
  /** The topology written to disk, for child processes (`--config`). */
  configPath: string;
  anvils: AnvilInstance[];
  stop(): Promise<void>;
};

export const defaultLocalNetChains: LocalNetChain[] = [
  { name: "main", role: "main" },
  { name: "cell-a", role: "edge", h3Cell: "871f18803ffffff" },
];

/** Builds a topology like the default one on free ports; chain ids start at 72000 to stay clear of dev chains. */
export async function localTopology(
  chains: LocalNetChain[] = defaultLocalNetChains,
  options: { blockTimeSeconds?: number; batchSize?: number; epochSeconds?: number } = {},
): Promise<Topology> {
  // The services' ports (and the RSUs') from one block below Linux's ephemeral range: they bind late (after the
  // deployment), and a port the OS handed out as free can meanwhile be taken by some outgoing connection's local
  // end. Chains bind at once and keep OS-assigned ports.
  const rsus = 2 * chains.filter((c) => c.role === "edge").length;
  let next = await freePortRange(5 + rsus);
  const take = () => next++;
  const [gateway, relayer, validators, pki, sim] = [take(), take(), take(), take(), take()];
  const raw = {
    network: "test",
    keys: "dev",
    chains: await Promise.all(
      chains.map(async (chain, i) => ({
        name: chain.name,
        role: chain.role,
        ...(chain.h3Cell ? { h3Cell: chain.h3Cell } : {}),
        chainId: 72000 + i,
        rpcUrl: `http://127.0.0.1:${await freePort()}`,
        blockTimeSeconds: options.blockTimeSeconds ?? 0,
        modules:
          chain.role === "main"
            ? ["xchain", "governance", "identity", "edge", "data", "token", "fl"]
            : chain.role === "edge"
              ? ["xchain", "identity", "edge", "token"]
              : ["xchain", "identity", "token"],
        validators: [0, 1, 2].map((v) => devAccount(devKeyIndex.firstValidator + 3 * i + v).address),
        threshold: 2,
      })),
    ),
    governance: {
      quorumBps: 5001,
      votingPeriodSeconds: 3600,
      members: [0, 1, 2].map((m) => ({
        address: devAccount(devKeyIndex.firstMember + m).address,
        name: `Member ${m}`,
        roles: m === 0 ? ["OEM"] : m === 1 ? ["REGULATOR", "CERTIFICATE_AUTHORITY"] : ["REGULATOR", "RSU_OPERATOR"],
      })),
    },
    token: { epochSeconds: options.epochSeconds ?? 7 * 86_400, halvingEpochs: 104 },
    services: {
      host: "127.0.0.1",
      gateway: { port: gateway },
      relayer: { port: relayer, batchSize: options.batchSize ?? 20, pollIntervalMs: 100 },
      validators: { port: validators, pollIntervalMs: 100 },
      pki: { port: pki },
      // RSUs take basePort, basePort + 1, ...: below the ephemeral range, so a restart finds them free again.
      edge: {
        basePort: next,
        rsusPerCell: 2,
        batchMaxDelayMs: 500,
        checkpointIntervalMs: 5_000,
      },
      sim: { port: sim },
    },
  };
  return parseTopology(raw, "test topology");
}

export async function startLocalNet(
  chains: LocalNetChain[] = defaultLocalNetChains,
  options: { blockTimeSeconds?: number; batchSize?: number; epochSeconds?: number } = {},
): Promise<LocalNet> {
  const topology = await localTopology(chains, options);
  const home = mkdtempSync(join(tmpdir(), "amc-test-"));
  const paths = platformPaths(home);
  const configPath = join(home, "amc.config.json");
  writeFileAtomic(configPath, stringify(topology, 2));
  const anvils = await Promise.all(
    topology.chains.map((chain) =>
      startAnvil({
        name: chain.name,
        chainId: chain.chainId,
        port: Number(new URL(chain.rpcUrl).port),
        blockTimeSeconds: chain.blockTimeSeconds,
      }),
    ),
  );
  try {
    const manifest = await deployTopology(
      topology,
      devPrivateKey(devKeyIndex.deployer),
      createLogger({}, { level: "warn" }),
    );
    writeManifest(paths.manifest, manifest);
    return {
      topology,
      manifest,
      paths,
      configPath,
      anvils,
      async stop() {
        await Promise.all(anvils.map((a) => a.stop()));
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(anvils.map((a) => a.stop()));
    throw error;
  }
}
