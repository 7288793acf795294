// Chain writes of the data service, one at a time from its custodian account: each simulates first (a refusal
// surfaces as the contract's custom error before gas is spent), then waits for its receipt. Serialising keeps the
// account's nonces in order without a nonce manager; the service batches what it anchors, so one writer suffices.
import type { ChainPublicClient, ChainWalletClient } from "@amc/chain";
import { BaseError } from "@amc/utils";
import type { Abi, Address, Hex, TransactionReceipt } from "viem";
import { DataError } from "./errors.js";

export class ChainWriter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly client: ChainPublicClient,
    readonly wallet: ChainWalletClient,
  ) {}

  get account(): Address {
    return this.wallet.account.address;
  }

  write(call: {
    address: Address;
    abi: Abi;
    functionName: string;
    args: readonly unknown[];
  }): Promise<TransactionReceipt> {
    const run = async () => {
      // Simulated against the pending block: its timestamp is the one the transaction will see (the latest block
      // can be minutes old on a quiet dev chain).
      let request: unknown;
      try {
        ({ request } = await this.client.simulateContract({
          ...call,
          account: this.wallet.account,
          blockTag: "pending",
        } as never));
      } catch (error) {
        const name = revertName(error);
        if (name)
          throw new DataError("conflict", `${call.functionName} was refused by the contract: ${name}`, {
            cause: error,
          });
        throw new DataError("unavailable", `the chain did not answer ${call.functionName}`, {
          details: error instanceof Error ? error.message.split("\n")[0] : String(error),
          cause: error,
        });
      }
      const hash: Hex = await this.wallet.writeContract(request as never);
      const receipt = await this.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
      if (receipt.status !== "success") throw new BaseError(`${call.functionName} reverted in ${hash}`);
      return receipt;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** The custom error name of a reverted simulation (e.g. "ConsentRegistryAlreadyGranted"), if any. */
export function revertName(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    const data = (current as { data?: { errorName?: string } }).data;
    if (data?.errorName) return data.errorName;
    current = current.cause;
  }
  return undefined;
}
