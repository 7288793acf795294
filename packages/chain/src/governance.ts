// Client side of consortium governance: members propose actions (calls the Consortium makes on itself or on
// other contracts once a quorum of members voted yes), vote, and anyone executes a proposal that passed.
import { consortiumAbi } from "@amc/abi";
import { type Address, encodeFunctionData, type Hex, parseEventLogs } from "viem";
import type { ChainPublicClient, ChainWalletClient } from "./clients.js";

export type ProposalAction = { target: Address; value?: bigint; data: Hex };

type Write = { wallet: ChainWalletClient; client: ChainPublicClient; consortium: Address };

async function mined(parameters: Write, hash: Hex) {
  const receipt = await parameters.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== "success") throw new Error(`governance tx ${hash} reverted`);
  return receipt;
}

/**
 * Creates a proposal and returns its id.
 * @example
 * const id = await propose({ wallet, client, consortium, actions: [setValidatorSetAction(consortium, 71000, vs, 2)], description: "rotate main validators" });
 */
export async function propose(parameters: Write & { actions: ProposalAction[]; description: string }): Promise<bigint> {
  const { request } = await parameters.client.simulateContract({
    account: parameters.wallet.account,
    address: parameters.consortium,
    abi: consortiumAbi,
    functionName: "propose",
    args: [
      parameters.actions.map((a) => a.target),
      parameters.actions.map((a) => a.value ?? 0n),
      parameters.actions.map((a) => a.data),
      parameters.description,
    ],
  });
  const receipt = await mined(parameters, await parameters.wallet.writeContract(request));
  const [created] = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ProposalCreated" });
  if (!created) throw new Error(`propose tx ${receipt.transactionHash} emitted no ProposalCreated event`);
  return created.args.id;
}

/** Casts a member's vote; simulation first, so a refused vote throws the contract's custom error. */
export async function vote(parameters: Write & { id: bigint; support: boolean }) {
  const { request } = await parameters.client.simulateContract({
    account: parameters.wallet.account,
    address: parameters.consortium,
    abi: consortiumAbi,
    functionName: "vote",
    args: [parameters.id, parameters.support],
  });
  return mined(parameters, await parameters.wallet.writeContract(request));
}

/** Executes a proposal that reached its quorum. */
export async function execute(parameters: Write & { id: bigint }) {
  const { request } = await parameters.client.simulateContract({
    account: parameters.wallet.account,
    address: parameters.consortium,
    abi: consortiumAbi,
    functionName: "execute",
    args: [parameters.id],
  });
  return mined(parameters, await parameters.wallet.writeContract(request));
}

/** The action that sets `domain`'s validator set; governance then propagates it to every chain's module. */
export function setValidatorSetAction(
  consortium: Address,
  domain: number,
  validators: readonly Address[],
  threshold: number,
): ProposalAction {
  return {
    target: consortium,
    data: encodeFunctionData({
      abi: consortiumAbi,
      functionName: "setValidatorSet",
      args: [domain, validators, threshold],
    }),
  };
}
