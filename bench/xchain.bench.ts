// Cross-chain benchmarks, each beside its reference measured in the same run on the same chains:
// - latency: dispatch on main -> handled on an edge cell, in ms and in origin/destination blocks, against a
//   direct same-chain call (MessageInbox.record on the destination: submit -> receipt);
// - throughput: messages per second through one relayer, against the raw eth_sendRawTransaction rate of anvil.
import { mailboxAbi, messageInboxAbi } from "@amc/abi";
import {
  addressToBytes32,
  contractAddress,
  devKeyIndex,
  devPrivateKey,
  dispatch,
  publicClientFor,
  waitForDelivery,
  walletClientFor,
} from "@amc/chain";
import { startLocalNet } from "@amc/chain/testing";
import { encodeFunctionData, type Hex, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startLocalAgents } from "../apps/relayer/src/local.js";

export type BenchRow = { name: string; ours: string; reference: string; ratio: string; note: string };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function latency(blockTimeSeconds: number, samples: number): Promise<BenchRow> {
  const net = await startLocalNet(undefined, { blockTimeSeconds });
  const local = startLocalAgents(net.topology, net.manifest, { pollIntervalMs: 50 });
  try {
    const [main, cell] = net.topology.chains as [(typeof net.topology.chains)[0], (typeof net.topology.chains)[0]];
    const mainClient = publicClientFor(main);
    const cellClient = publicClientFor(cell);
    const inbox = contractAddress(net.manifest, cell.name, "MessageInbox");
    const sender = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember));
    const direct = walletClientFor(cell, devPrivateKey(devKeyIndex.firstMember));
    const ms: number[] = [];
    const originBlocks: number[] = [];
    const destinationBlocks: number[] = [];
    const refMs: number[] = [];
    const refBlocks: number[] = [];
    for (let i = 0; i < samples; i++) {
      const destStart = await cellClient.getBlockNumber({ cacheTime: 0 });
      const started = performance.now();
      const sent = await dispatch({
        wallet: sender,
        client: mainClient,
        mailbox: contractAddress(net.manifest, main.name, "Mailbox"),
        destination: cell.chainId,
        recipient: inbox,
        body: stringToHex(`latency ${i}`),
      });
      const delivery = await waitForDelivery(
        cellClient,
        contractAddress(net.manifest, cell.name, "Mailbox"),
        sent.messageId,
        {
          intervalMs: 20,
        },
      );
      ms.push(performance.now() - started);
      const originNow = await mainClient.getBlockNumber({ cacheTime: 0 });
      originBlocks.push(Number(originNow - sent.blockNumber));
      destinationBlocks.push(Number(delivery.blockNumber - destStart));

      const refStart = performance.now();
      const refFrom = await cellClient.getBlockNumber({ cacheTime: 0 });
      const hash = await direct.writeContract({
        address: inbox,
        abi: messageInboxAbi,
        functionName: "record",
        args: [stringToHex(`direct ${i}`)],
      });
      const receipt = await cellClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      refMs.push(performance.now() - refStart);
      refBlocks.push(Number(receipt.blockNumber - refFrom));
    }
    const ours = median(ms);
    const reference = median(refMs);
    return {
      name: `xchain latency main->edge (block time ${blockTimeSeconds === 0 ? "automine" : `${blockTimeSeconds}s`}, median of ${samples})`,
      ours: `${ours.toFixed(0)} ms; ${median(originBlocks)} origin + ${median(destinationBlocks)} destination blocks`,
      reference: `${reference.toFixed(0)} ms; ${median(refBlocks)} block (direct same-chain call)`,
      ratio: `${(ours / reference).toFixed(2)}x`,
      note: "lower is better",
    };
  } finally {
    await local.stop();
    await net.stop();
  }
}

export async function throughput(messages: number): Promise<BenchRow[]> {
  const net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  try {
    const [main, cell] = net.topology.chains as [(typeof net.topology.chains)[0], (typeof net.topology.chains)[0]];
    const mainClient = publicClientFor(main);
    const cellClient = publicClientFor(cell);
    const inbox = contractAddress(net.manifest, cell.name, "MessageInbox");

    // Reference: raw eth_sendRawTransaction rate of anvil (pre-signed transfers, sent one after another).
    const account = privateKeyToAccount(devPrivateKey(devKeyIndex.firstMember + 2));
    const gasPrice = await cellClient.getGasPrice();
    let nonce = await cellClient.getTransactionCount({ address: account.address });
    const raws: Hex[] = [];
    for (let i = 0; i < messages; i++)
      raws.push(
        await account.signTransaction({
          chainId: cell.chainId,
          type: "legacy",
          to: account.address,
          value: parseEther("0.000001"),
          gas: 21_000n,
          gasPrice: gasPrice * 2n,
          nonce: nonce++,
        }),
      );
    const rawStart = performance.now();
    for (const raw of raws) await cellClient.request({ method: "eth_sendRawTransaction", params: [raw] });
    const rawPerSecond = messages / ((performance.now() - rawStart) / 1000);

    // Ours: a backlog of dispatched messages, then one relayer (with the validator agents) delivers them all.
    const sender = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember));
    let senderNonce = await mainClient.getTransactionCount({ address: sender.account.address });
    const hashes: Hex[] = [];
    for (let i = 0; i < messages; i++)
      hashes.push(
        await sender.sendTransaction({
          to: contractAddress(net.manifest, main.name, "Mailbox"),
          data: encodeFunctionData({
            abi: mailboxAbi,
            functionName: "dispatch",
            args: [cell.chainId, addressToBytes32(inbox), stringToHex(`t${i}`)],
          }),
          gas: 200_000n,
          nonce: senderNonce++,
        }),
      );
    await mainClient.waitForTransactionReceipt({ hash: hashes.at(-1)! });
    const before = await cellClient.readContract({ address: inbox, abi: messageInboxAbi, functionName: "received" });
    const started = performance.now();
    const local = startLocalAgents(net.topology, net.manifest, { batchSize: 50, pollIntervalMs: 20 });
    try {
      for (;;) {
        const received = await cellClient.readContract({
          address: inbox,
          abi: messageInboxAbi,
          functionName: "received",
        });
        if (received - before >= BigInt(messages)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await local.stop();
    }
    const oursPerSecond = messages / ((performance.now() - started) / 1000);
    return [
      {
        name: `xchain throughput, one relayer, ${messages} messages (automine)`,
        ours: `${oursPerSecond.toFixed(0)} msg/s delivered`,
        reference: `${rawPerSecond.toFixed(0)} tx/s raw eth_sendRawTransaction`,
        ratio: `${(oursPerSecond / rawPerSecond).toFixed(3)}x`,
        note: "higher is better; each message costs a signature per validator, reads and a process() tx",
      },
    ];
  } finally {
    await net.stop();
  }
}
