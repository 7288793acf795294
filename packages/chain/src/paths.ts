// Where a local platform keeps its state. Everything lives under one home folder (AMC_HOME, default `.amc` next
// to the topology file), so `amc reset` is one delete and two platforms never share files.
import { dirname, join, resolve } from "node:path";

export type PlatformPaths = {
  home: string;
  manifest: string;
  run: string;
  chainState(chain: string): string;
  log(name: string): string;
  relayerState: string;
  validatorStore(chain: string, validator: string): string;
};

export function platformPaths(home: string): PlatformPaths {
  const root = resolve(home);
  return {
    home: root,
    manifest: join(root, "deployment.json"),
    run: join(root, "run.json"),
    chainState: (chain) => join(root, "chains", `${chain}.json`),
    log: (name) => join(root, "logs", `${name}.log`),
    relayerState: join(root, "relayer", "state.json"),
    validatorStore: (chain, validator) => join(root, "validators", chain, validator.toLowerCase()),
  };
}

export function defaultHome(configPath: string): string {
  return process.env.AMC_HOME ?? join(dirname(resolve(configPath)), ".amc");
}
