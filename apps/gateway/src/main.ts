import { parseArgs } from "node:util";
import { defaultHome, defaultTopologyFile, loadTopology, platformPaths, readManifest } from "@amc/chain";
import { createLogger, errorMessage } from "@amc/utils";
import { buildGateway } from "./app.js";

const logger = createLogger({ service: "gateway" });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: "string", default: defaultTopologyFile }, home: { type: "string" } },
  });
  const config = values.config ?? defaultTopologyFile;
  const topology = loadTopology(config);
  const paths = platformPaths(values.home ?? defaultHome(config));
  const app = await buildGateway(topology, readManifest(paths.manifest), { home: paths.home });
  await app.listen({ host: topology.services.host, port: topology.services.gateway.port });
  logger.info("gateway ready", { url: `http://${topology.services.host}:${topology.services.gateway.port}` });
  const stop = () => void app.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  logger.error("gateway failed to start", { error: errorMessage(error) });
  process.exit(1);
});
