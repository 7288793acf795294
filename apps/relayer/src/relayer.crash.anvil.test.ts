// The relayer is killed with SIGKILL while a batch of its transactions is in flight, then restarted: every
// message must be delivered exactly once, and the restarted relayer must not waste a single transaction on a
// message that its dead predecessor already delivered. Chains, validators and relayer are real processes.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { mailboxAbi, messageInboxAbi } from "@amc/abi";
import {
  addressToBytes32,
  contractAddress,
  devKeyIndex,
  devPrivateKey,
  publicClientFor,
  relayerKey,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { waitFor } from "@amc/utils";
import { type Hex, hexToString, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve("tsx/esm")).href;
const children: ChildProcess[] = [];
let net: LocalNet;

function startService(entry: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      "--import",
      tsx,
      fileURLToPath(new URL(entry, import.meta.url)),
      "--config",
      net.configPath,
      "--home",
      net.paths.home,
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, AMC_LOG_LEVEL: "warn" },
    },
  );
  children.push(child);
  return child;
}

async function healthy(port: number): Promise<true | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
  return response?.ok ? true : undefined;
}

beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 1, batchSize: 6 });
  startService("./validators-main.ts");
  await waitFor(() => healthy(net.topology.services.validators.port), { timeoutMs: 30_000, what: "validators" });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await net?.stop();
});

it("delivers every message exactly once across a SIGKILL mid-batch", async () => {
  const TOTAL = 30;
  const [main, cell] = net.topology.chains as [
    LocalNet["topology"]["chains"][number],
    LocalNet["topology"]["chains"][number],
  ];
  const mainClient = publicClientFor(main);
  const cellClient = publicClientFor(cell);
  const inbox = contractAddress(net.manifest, cell.name, "MessageInbox");
  const relayerAddress = privateKeyToAccount(relayerKey(net.topology)).address;

  // Dispatch a burst, pipelined, so the relayer has several batches of work.
  const sender = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember));
  let nonce = await mainClient.getTransactionCount({ address: sender.account.address, blockTag: "pending" });
  const hashes: Hex[] = [];
  for (let i = 0; i < TOTAL; i++)
    hashes.push(
      await sender.writeContract({
        address: contractAddress(net.manifest, main.name, "Mailbox"),
        abi: mailboxAbi,
        functionName: "dispatch",
        args: [cell.chainId, addressToBytes32(inbox), stringToHex(`message ${i}`)],
        gas: 300_000n,
        nonce: nonce++,
      }),
    );
  for (const hash of hashes) expect((await mainClient.waitForTransactionReceipt({ hash })).status).toBe("success");

  const received = () => cellClient.readContract({ address: inbox, abi: messageInboxAbi, functionName: "received" });
  const inFlight = async () => {
    const [pending, latest] = await Promise.all([
      cellClient.getTransactionCount({ address: relayerAddress, blockTag: "pending" }),
      cellClient.getTransactionCount({ address: relayerAddress, blockTag: "latest" }),
    ]);
    return pending - latest;
  };

  let relayer = startService("./relayer-main.ts");
  // Kill it while it has transactions in flight and after at least one batch landed: the middle of the work.
  await waitFor(async () => ((await received()) > 0n && (await inFlight()) > 0 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 20,
    what: "the relayer to have a batch in flight",
  });
  relayer.kill("SIGKILL");
  await new Promise((resolve) => relayer.once("exit", resolve));
  const atKill = await received();
  expect(atKill).toBeLessThan(BigInt(TOTAL));

  relayer = startService("./relayer-main.ts");
  await waitFor(async () => ((await received()) === BigInt(TOTAL) ? true : undefined), {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: `all ${TOTAL} messages to be delivered`,
  });

  const events = await cellClient.getContractEvents({
    address: inbox,
    abi: messageInboxAbi,
    eventName: "MessageReceived",
    fromBlock: 0n,
  });
  const bodies = events.map((e) => hexToString(e.args.body as Hex)).sort();
  expect(bodies).toEqual(Array.from({ length: TOTAL }, (_, i) => `message ${i}`).sort());
  // One process() transaction per message across both lives of the relayer: nothing was sent twice.
  await waitFor(async () => ((await inFlight()) === 0 ? true : undefined), {
    timeoutMs: 10_000,
    what: "mempool to drain",
  });
  expect(await cellClient.getTransactionCount({ address: relayerAddress })).toBe(TOTAL);
}, 180_000);
