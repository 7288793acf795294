// Client side of the Mailbox: dispatch a message and wait for it to be processed on its destination.
import { mailboxAbi } from "@amc/abi";
import { sleep, TimeoutError } from "@amc/utils";
import { type Address, type Hex, parseEventLogs } from "viem";
import type { ChainPublicClient, ChainWalletClient } from "./clients.js";
import { addressToBytes32 } from "./message.js";

export type DispatchParameters = {
  wallet: ChainWalletClient;
  client: ChainPublicClient;
  mailbox: Address;
  destination: number;
  recipient: Address;
  body: Hex;
};

export type DispatchResult = { messageId: Hex; message: Hex; nonce: number; txHash: Hex; blockNumber: bigint };

/**
 * Sends `body` to `recipient` on chain `destination` and returns the message id once the dispatch is mined.
 * @example
 * const { messageId } = await dispatch({ wallet, client, mailbox, destination: 71101, recipient: inbox, body: "0x01" });
 */
export async function dispatch(parameters: DispatchParameters): Promise<DispatchResult> {
  const { wallet, client, mailbox } = parameters;
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: mailbox,
    abi: mailboxAbi,
    functionName: "dispatch",
    args: [parameters.destination, addressToBytes32(parameters.recipient), parameters.body],
  });
  const txHash = await wallet.writeContract(request);
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 60_000 });
  const [event] = parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: "Dispatched" });
  if (!event) throw new Error(`dispatch tx ${txHash} emitted no Dispatched event`);
  return {
    messageId: event.args.messageId,
    message: event.args.message,
    nonce: Number(event.args.nonce),
    txHash,
    blockNumber: receipt.blockNumber,
  };
}

export type Delivery = { messageId: Hex; blockNumber: bigint; txHash: Hex };

/** Looks up whether and where `messageId` was processed on the destination chain. */
export async function findDelivery(
  client: ChainPublicClient,
  mailbox: Address,
  messageId: Hex,
): Promise<Delivery | undefined> {
  const delivered = await client.readContract({
    address: mailbox,
    abi: mailboxAbi,
    functionName: "delivered",
    args: [messageId],
  });
  if (!delivered) return undefined;
  const blockNumber = await client.readContract({
    address: mailbox,
    abi: mailboxAbi,
    functionName: "processedAt",
    args: [messageId],
  });
  const logs = await client.getContractEvents({
    address: mailbox,
    abi: mailboxAbi,
    eventName: "Processed",
    fromBlock: BigInt(blockNumber),
    toBlock: BigInt(blockNumber),
  });
  const log = logs.find((l) => l.args.messageId === messageId);
  if (!log) throw new Error(`message ${messageId} is delivered but no Processed event is in block ${blockNumber}`);
  return { messageId, blockNumber: BigInt(blockNumber), txHash: log.transactionHash };
}

/** Polls the destination until `messageId` is processed; throws TimeoutError after `timeoutMs`. */
export async function waitForDelivery(
  client: ChainPublicClient,
  mailbox: Address,
  messageId: Hex,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Delivery> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const delivery = await findDelivery(client, mailbox, messageId);
    if (delivery) return delivery;
    if (Date.now() > deadline)
      throw new TimeoutError(`message ${messageId} was not delivered within ${options.timeoutMs ?? 60_000} ms`, {
        fix: "check that the relayer and validators are running (`npx amc status`)",
      });
    await sleep(options.intervalMs ?? 200);
  }
}
