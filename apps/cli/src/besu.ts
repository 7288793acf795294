// `amc besu genesis <chain> --out <dir>`: a Besu QBFT genesis and one config per validator node for a chain of the
// topology (production runs each chain as a Besu QBFT network; docs/operations.md).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { besuGenesis, besuNodeConfig, chainByName, loadTopology } from "@amc/chain";
import { InvalidInputError, stringify } from "@amc/utils";
import { type Address, getAddress, isAddress } from "viem";
import type { Common } from "./commands.js";

export function besuGenesisCommand(
  options: Common & { chain?: string | undefined; out?: string | undefined; fund?: string | undefined },
): void {
  if (!options.chain || !options.out) throw new InvalidInputError("besu genesis needs <chain> --out <dir>");
  const topology = loadTopology(options.config);
  const chain = chainByName(topology, options.chain);
  const funded: Record<Address, bigint> = {};
  for (const member of topology.governance.members) funded[member.address] = 10n ** 24n;
  for (const account of (options.fund ?? "").split(",").filter(Boolean)) {
    if (!isAddress(account)) throw new InvalidInputError(`--fund: ${account} is not an address`);
    funded[getAddress(account)] = 10n ** 24n;
  }
  const genesis = besuGenesis(chain, { funded });
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, "genesis.json"), `${stringify(genesis, 2)}\n`);
  chain.validators.forEach((validator, i) => {
    const dir = join(options.out ?? ".", `validator-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "config.toml"),
      besuNodeConfig(chain, { dataPath: "data", p2pPort: 30303 + i, rpcPort: 8545 + i, bootnodes: [] }).replace(
        'genesis-file="genesis.json"',
        'genesis-file="../genesis.json"',
      ),
    );
    writeFileSync(join(dir, "VALIDATOR"), `${validator}\n`);
  });
  const out = { chain: chain.name, chainId: chain.chainId, validators: chain.validators.length, out: options.out };
  console.log(
    options.json
      ? stringify(out)
      : `wrote ${options.out}/genesis.json and ${chain.validators.length} validator configs for chain ${chain.name}`,
  );
}
