// The RSUs a topology runs: `services.edge.rsusPerCell` roadside units on every edge chain's H3 cell, each with
// its own port (from `services.edge.basePort`), data directory, DID and transaction key. `amc up` starts them
// and the RSU service reads its own entry; both derive it from here so they cannot disagree.
import { InvalidInputError } from "@amc/utils";
import type { Hex } from "viem";
import { devPrivateKey } from "./devKeys.js";
import type { ChainConfig, Topology } from "./topology.js";

/** Dev key index of the first RSU's transaction key (TEST ONLY mnemonic; see devKeys.ts). */
export const FIRST_RSU_DEV_KEY = 40;

export type RsuSpec = {
  /** e.g. "rsu-871f18803ffffff-0" */
  name: string;
  chain: ChainConfig;
  cell: string;
  /** Position of the RSU within its cell (0-based) and across the topology. */
  index: number;
  ordinal: number;
  port: number;
  url: string;
};

export function rsuSpecs(topology: Topology): RsuSpec[] {
  const edge = topology.services.edge;
  if (!edge || edge.rsusPerCell === 0) return [];
  const specs: RsuSpec[] = [];
  let ordinal = 0;
  for (const chain of topology.chains) {
    if (chain.role !== "edge" || !chain.h3Cell) continue;
    for (let index = 0; index < edge.rsusPerCell; index++) {
      const port = edge.basePort + ordinal;
      specs.push({
        name: `rsu-${chain.h3Cell}-${index}`,
        chain,
        cell: chain.h3Cell,
        index,
        ordinal,
        port,
        url: `http://${topology.services.host}:${port}`,
      });
      ordinal++;
    }
  }
  return specs;
}

export function rsuSpec(topology: Topology, name: string): RsuSpec {
  const spec = rsuSpecs(topology).find((s) => s.name === name);
  if (!spec)
    throw new InvalidInputError(`no RSU named "${name}" in the topology`, {
      fix: `use one of: ${
        rsuSpecs(topology)
          .map((s) => s.name)
          .join(", ") || "(none: set services.edge.rsusPerCell)"
      }`,
    });
  return spec;
}

/** The RSU's transaction key on its cell chain: a dev key (TEST ONLY) or AMC_RSU_KEYS (comma-separated, in order). */
export function rsuKey(topology: Topology, spec: RsuSpec): Hex {
  if (topology.keys === "dev") return devPrivateKey(FIRST_RSU_DEV_KEY + spec.ordinal);
  const keys = (process.env.AMC_RSU_KEYS ?? "").split(",").filter(Boolean);
  const key = keys[spec.ordinal];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new InvalidInputError(`AMC_RSU_KEYS has no key for ${spec.name} (position ${spec.ordinal})`, {
      fix: "export AMC_RSU_KEYS=0x...,0x... with one key per RSU in topology order",
    });
  return key as Hex;
}
