// The platform's services as `amc up` starts them: each one a separate Node.js process (so one can crash or be
// killed without taking the others down), running its TypeScript entry through tsx, logging to .amc/logs.
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rsuSpecs, type Topology } from "@amc/chain";

const require = createRequire(import.meta.url);

export type ServiceSpec = {
  name: string;
  entry: string;
  url: string;
  healthUrl: string;
  description: string;
  /** Extra command-line arguments after --config and --home. */
  args?: string[];
  /** Started after the services without `after` are healthy (RSUs need the PKI's CA). */
  after?: boolean;
  /** Started last, once every other service is healthy (the simulator needs the RSUs). */
  last?: boolean;
  /** How long `amc up` waits for it to become healthy (default 60 s). */
  startupTimeoutMs?: number;
};

const appEntry = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

export function serviceSpecs(topology: Topology, options: { sim?: boolean } = {}): ServiceSpec[] {
  const { host, gateway, relayer, validators, pki, sim } = topology.services;
  const base = (port: number) => `http://${host}:${port}`;
  return [
    {
      name: "validators",
      entry: appEntry("relayer/src/validators-main.ts"),
      url: base(validators.port),
      healthUrl: `${base(validators.port)}/health`,
      description: "validator agents: sign each chain's dispatched messages",
    },
    {
      name: "relayer",
      entry: appEntry("relayer/src/relayer-main.ts"),
      url: base(relayer.port),
      healthUrl: `${base(relayer.port)}/health`,
      description: "relayer: delivers cross-chain messages (/metrics)",
    },
    {
      name: "gateway",
      entry: appEntry("gateway/src/main.ts"),
      url: base(gateway.port),
      healthUrl: `${base(gateway.port)}/health`,
      description: "cloud API and the dashboard (/ for the dashboard, /docs for OpenAPI)",
    },
    {
      name: "pki",
      entry: appEntry("pki/src/main.ts"),
      url: base(pki.port),
      healthUrl: `${base(pki.port)}/health`,
      description: "V2X PKI (dev): root CA, pseudonym CA, enrolment, linkage and misbehaviour authorities",
      args: ["--port", String(pki.port)],
    },
    ...rsuSpecs(topology).map((rsu) => ({
      name: rsu.name,
      entry: appEntry("edge/src/main.ts"),
      url: rsu.url,
      healthUrl: `${rsu.url}/health`,
      description: `RSU of cell ${rsu.cell}: OBUs at ${rsu.url.replace(/^http/, "ws")}/v2x, /proofs/{hash}, /metrics`,
      args: ["--rsu", rsu.name],
      after: true,
    })),
    ...(options.sim && rsuSpecs(topology).length > 0
      ? [
          {
            name: "sim",
            entry: appEntry("sim/src/main.ts"),
            url: base(sim.port),
            healthUrl: `${base(sim.port)}/health`,
            description: `city and fleet simulator: ${sim.vehicles} vehicles on ${sim.network} (${sim.engine})`,
            last: true,
            // Producing, enrolling and ticketing the fleet on first start takes a while.
            startupTimeoutMs: 240_000,
          },
        ]
      : []),
  ];
}

/** Node arguments that run a TypeScript entry file. */
export function nodeArgsFor(entry: string): string[] {
  return ["--import", pathToFileURL(require.resolve("tsx/esm")).href, entry];
}

export async function isHealthy(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}
