import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, fromRlp, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { besuGenesis, qbftExtraData } from "./besu.js";
import { CREATE2_FACTORY } from "./deploy.js";
import { loadTopology } from "./topology.js";

const root = join(import.meta.dirname, "../../..");
type Vector = {
  qbft_extra_data: {
    vanityData: Hex;
    seals: Hex[];
    vote?: { recipient: Address; voteType: Hex } | null;
    round: number;
    validators: Address[];
  };
  rlp: Hex;
};
const vectors = JSON.parse(
  readFileSync(join(root, "../shared/vectors/besu-qbft/consensys_qbft-tests_bft_extra_data.json"), "utf8"),
) as Record<string, Vector>;

describe("Besu QBFT configuration", () => {
  for (const [name, vector] of Object.entries(vectors)) {
    it(`encodes QBFT extraData like the Consensys qbft-tests vector ${name}`, () => {
      const data = vector.qbft_extra_data;
      expect(
        qbftExtraData({
          vanity: data.vanityData,
          validators: data.validators,
          vote: data.vote
            ? { recipient: data.vote.recipient, voteType: data.vote.voteType === "0xff" ? "add" : "drop" }
            : undefined,
          round: data.round,
          seals: data.seals,
        }),
      ).toBe(vector.rlp.toLowerCase());
    });
  }

  it("writes a genesis whose extraData names the chain's validators and whose alloc holds the CREATE2 factory", () => {
    const topology = loadTopology(join(root, "amc.config.json"));
    const main = topology.chains[0]!;
    const genesis = besuGenesis(main, { funded: { [topology.governance.members[0]!.address]: 10n ** 24n } });
    expect(genesis.config.chainId).toBe(main.chainId);
    expect(genesis.config.qbft.blockperiodseconds).toBe(2);
    const [vanity, validators, vote, round, seals] = fromRlp(genesis.extraData, "hex") as [
      Hex,
      Hex[],
      Hex[],
      Hex,
      Hex[],
    ];
    expect(vanity).toBe(`0x${"00".repeat(32)}`);
    expect(validators).toEqual(main.validators.map((v) => v.toLowerCase()));
    expect([vote, round, seals]).toEqual(["0x", "0x00000000", []]);
    expect(genesis.alloc[CREATE2_FACTORY.toLowerCase()]?.code).toMatch(/^0x7fff/);
  });
});
