import { parseArgs } from "node:util";
import {
  type DeploymentManifest,
  defaultHome,
  defaultTopologyFile,
  loadTopology,
  type PlatformPaths,
  platformPaths,
  readManifest,
  type Topology,
} from "@amc/chain";

export type ServiceContext = { topology: Topology; manifest: DeploymentManifest; paths: PlatformPaths };

/** Services are started by `amc up` with --config and --home; both default like the CLI's. */
export function serviceContext(argv = process.argv.slice(2)): ServiceContext {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string", default: defaultTopologyFile }, home: { type: "string" } },
    strict: true,
  });
  const topology = loadTopology(values.config);
  const paths = platformPaths(values.home ?? defaultHome(values.config ?? defaultTopologyFile));
  return { topology, manifest: readManifest(paths.manifest), paths };
}

/** Runs `stop` on SIGINT/SIGTERM and exits when it is done. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
