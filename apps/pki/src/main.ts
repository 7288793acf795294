// The PKI service's process (started by `amc up`): `--config <topology> --home <state dir> --port <n>`, defaults
// amc.config.json, the platform home next to it, and the topology's services.pki.port (8092 unless set). Listens
// on the topology's services host; stops on SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { defaultHome, defaultTopologyFile, loadTopology, platformPaths, readManifest } from "@amc/chain";
import { createLogger, errorMessage, InvalidInputError } from "@amc/utils";
import { createPkiService } from "./service.js";

const logger = createLogger({ service: "pki" });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: defaultTopologyFile },
      home: { type: "string" },
      port: { type: "string" },
    },
    strict: true,
  });
  const config = values.config ?? defaultTopologyFile;
  const topology = loadTopology(config);
  const port = values.port === undefined ? topology.services.pki.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidInputError(`--port ${values.port} is not a TCP port`);
  const paths = platformPaths(values.home ?? defaultHome(config));
  const service = await createPkiService({
    topology,
    manifest: readManifest(paths.manifest),
    home: paths.home,
    logger,
  });
  const url = await service.listen(port, topology.services.host);
  logger.info("pki ready", { url, adminToken: `${paths.home}/pki/admin.token` });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("pki failed to stop cleanly", { error: errorMessage(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  logger.error("pki failed to start", { error: errorMessage(error) });
  process.exit(1);
});
