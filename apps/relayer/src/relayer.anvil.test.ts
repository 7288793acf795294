import { mailboxAbi, messageInboxAbi } from "@amc/abi";
import {
  contractAddress,
  devKeyIndex,
  devPrivateKey,
  dispatch,
  publicClientFor,
  waitForDelivery,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { waitFor } from "@amc/utils";
import { type Hex, hexToString, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAgents, startLocalAgents } from "./local.js";
import type { Relayer } from "./relayer.js";

let net: LocalNet;
let local: LocalAgents;
let relayer: Relayer;

beforeAll(async () => {
  net = await startLocalNet();
  local = startLocalAgents(net.topology, net.manifest, { batchSize: 10 });
  relayer = local.relayer;
});

afterAll(async () => {
  await local?.stop();
  await net?.stop();
});

async function send(fromName: string, toName: string, text: string) {
  const from = net.topology.chains.find((c) => c.name === fromName)!;
  const to = net.topology.chains.find((c) => c.name === toName)!;
  const sent = await dispatch({
    wallet: walletClientFor(from, devPrivateKey(devKeyIndex.firstMember)),
    client: publicClientFor(from),
    mailbox: contractAddress(net.manifest, from.name, "Mailbox"),
    destination: to.chainId,
    recipient: contractAddress(net.manifest, to.name, "MessageInbox"),
    body: stringToHex(text),
  });
  const delivery = await waitForDelivery(
    publicClientFor(to),
    contractAddress(net.manifest, to.name, "Mailbox"),
    sent.messageId,
    {
      timeoutMs: 30_000,
      intervalMs: 50,
    },
  );
  const received = await publicClientFor(to).getContractEvents({
    address: contractAddress(net.manifest, to.name, "MessageInbox"),
    abi: messageInboxAbi,
    eventName: "MessageReceived",
    fromBlock: delivery.blockNumber,
    toBlock: delivery.blockNumber,
  });
  return { sent, delivery, received, from, to };
}

describe("cross-chain delivery (real anvil)", () => {
  it("delivers main -> edge cell to the recipient with origin and sender", async () => {
    const { sent, received, from } = await send("main", "cell-a", "revocation list v1");
    expect(received).toHaveLength(1);
    expect(received[0]?.args.origin).toBe(from.chainId);
    expect(hexToString(received[0]?.args.body as Hex)).toBe("revocation list v1");
    expect(sent.messageId).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("delivers edge cell -> main", async () => {
    const { received, from } = await send("cell-a", "main", "checkpoint root");
    expect(received[0]?.args.origin).toBe(from.chainId);
    expect(hexToString(received[0]?.args.body as Hex)).toBe("checkpoint root");
  });

  it("delivers a burst in order of arrival, each message exactly once", async () => {
    const main = net.topology.chains[0]!;
    const cell = net.topology.chains[1]!;
    const inbox = contractAddress(net.manifest, cell.name, "MessageInbox");
    const before = await publicClientFor(cell).readContract({
      address: inbox,
      abi: messageInboxAbi,
      functionName: "received",
    });
    const wallet = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 1));
    const client = publicClientFor(main);
    const ids: Hex[] = [];
    for (let i = 0; i < 15; i++) {
      const sent = await dispatch({
        wallet,
        client,
        mailbox: contractAddress(net.manifest, main.name, "Mailbox"),
        destination: cell.chainId,
        recipient: inbox,
        body: stringToHex(`burst ${i}`),
      });
      ids.push(sent.messageId);
    }
    for (const id of ids)
      await waitForDelivery(publicClientFor(cell), contractAddress(net.manifest, cell.name, "Mailbox"), id, {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
    const after = await publicClientFor(cell).readContract({
      address: inbox,
      abi: messageInboxAbi,
      functionName: "received",
    });
    expect(after - before).toBe(15n);
    expect(relayer.metrics.get("amc_relayer_failures_total", { reason: "reverted" })).toBe(0);
  });

  it("the relayer's mailbox view matches: processed messages report delivered", async () => {
    const { sent, to } = await send("main", "cell-a", "status check");
    const delivered = await publicClientFor(to).readContract({
      address: contractAddress(net.manifest, to.name, "Mailbox"),
      abi: mailboxAbi,
      functionName: "delivered",
      args: [sent.messageId],
    });
    expect(delivered).toBe(true);
    // The chain may show the delivery a moment before the relayer has read its own receipt.
    await waitFor(async () => (relayer.status(sent.messageId)?.state === "delivered" ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: "the relayer to record the delivery",
    });
    expect(relayer.status(sent.messageId)).toMatchObject({ state: "delivered", txHash: expect.stringMatching(/^0x/) });
  });
});
