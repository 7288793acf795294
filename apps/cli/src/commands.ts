// `amc down`, `amc status`, `amc xchain send`, `amc reset`.
import { rmSync } from "node:fs";
import {
  chainByName,
  contractAddress,
  devKeyIndex,
  devPrivateKey,
  dispatch,
  loadTopology,
  platformPaths,
  publicClientFor,
  readManifest,
  waitForDelivery,
  walletClientFor,
} from "@amc/chain";
import { EnvironmentError, InvalidInputError, sleep, stringify, TimeoutError } from "@amc/utils";
import { type Hex, isHex, stringToHex } from "viem";
import { isAlive, readRunFile, removeRunFile } from "./runfile.js";
import { isHealthy, serviceSpecs } from "./services.js";

export type Common = { config: string; home: string; json: boolean };

export async function down(options: Common): Promise<void> {
  const paths = platformPaths(options.home);
  const run = readRunFile(paths.run);
  if (!run) {
    console.log("nothing is running (no run file)");
    return;
  }
  if (isAlive(run.pid)) {
    process.kill(run.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (isAlive(run.pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(run.pid))
      throw new TimeoutError(`amc up (pid ${run.pid}) did not stop within 30 s`, { fix: `kill ${run.pid}` });
  }
  // If `amc up` died without cleaning up, stop what it left behind.
  for (const child of run.children)
    if (child.pid > 0 && isAlive(child.pid))
      process.kill(child.pid, child.name.startsWith("chain:") ? "SIGINT" : "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (run.children.some((c) => c.pid > 0 && isAlive(c.pid)) && Date.now() < deadline) await sleep(100);
  removeRunFile(paths.run);
  console.log("stopped");
}

export type StatusReport = {
  chains: { name: string; role: string; chainId: number; rpcUrl: string; blockNumber: number | null }[];
  services: { name: string; url: string; healthy: boolean }[];
};

export async function status(options: Common): Promise<StatusReport> {
  const topology = loadTopology(options.config);
  const chains = await Promise.all(
    topology.chains.map(async (chain) => {
      let blockNumber: number | null = null;
      try {
        blockNumber = Number(await publicClientFor(chain).getBlockNumber({ cacheTime: 0 }));
      } catch {
        blockNumber = null;
      }
      return { name: chain.name, role: chain.role, chainId: chain.chainId, rpcUrl: chain.rpcUrl, blockNumber };
    }),
  );
  // The simulator is listed when `amc up` started it (it is optional: --no-sim, or it could not start).
  const started = readRunFile(platformPaths(options.home).run)?.children.map((c) => c.name) ?? [];
  const services = await Promise.all(
    serviceSpecs(topology, { sim: started.includes("sim") }).map(async (s) => ({
      name: s.name,
      url: s.url,
      healthy: await isHealthy(s.healthUrl),
    })),
  );
  const report = { chains, services };
  if (options.json) console.log(stringify(report));
  else {
    for (const c of chains)
      console.log(
        `${c.name.padEnd(22)} ${c.role.padEnd(5)} ${c.rpcUrl.padEnd(24)} ${c.blockNumber === null ? "DOWN" : `block ${c.blockNumber}`}`,
      );
    for (const s of services) console.log(`${s.name.padEnd(22)} ${s.url.padEnd(24)} ${s.healthy ? "healthy" : "DOWN"}`);
  }
  return report;
}

export type SendOptions = Common & { from: string; to: string; body: string; wait: boolean; timeoutMs: number };

export async function xchainSend(options: SendOptions): Promise<void> {
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);
  const manifest = readManifest(paths.manifest);
  const from = chainByName(topology, options.from);
  const to = chainByName(topology, options.to);
  const body: Hex = isHex(options.body, { strict: true }) ? options.body : stringToHex(options.body);
  const senderKey = topology.keys === "dev" ? devPrivateKey(devKeyIndex.firstMember) : process.env.AMC_SENDER_KEY;
  if (!senderKey || !isHex(senderKey))
    throw new InvalidInputError("AMC_SENDER_KEY is not set", { fix: "export AMC_SENDER_KEY=0x..." });
  const origin = publicClientFor(from);
  const started = Date.now();
  const sent = await dispatch({
    wallet: walletClientFor(from, senderKey),
    client: origin,
    mailbox: contractAddress(manifest, from.name, "Mailbox"),
    destination: to.chainId,
    recipient: contractAddress(manifest, to.name, "MessageInbox"),
    body,
  }).catch((error) => {
    throw new EnvironmentError(`could not dispatch on chain ${from.name}`, {
      fix: "is the platform running? `npx amc status`",
      cause: error,
    });
  });
  if (!options.wait) {
    const out = { messageId: sent.messageId, delivered: false, originTx: sent.txHash };
    console.log(options.json ? stringify(out) : `dispatched ${sent.messageId} (tx ${sent.txHash})`);
    return;
  }
  const delivery = await waitForDelivery(
    publicClientFor(to),
    contractAddress(manifest, to.name, "Mailbox"),
    sent.messageId,
    {
      timeoutMs: options.timeoutMs,
    },
  );
  const out = {
    messageId: sent.messageId,
    delivered: true,
    destinationTx: delivery.txHash,
    originTx: sent.txHash,
    originBlock: Number(sent.blockNumber),
    destinationBlock: Number(delivery.blockNumber),
    latencyMs: Date.now() - started,
  };
  console.log(
    options.json
      ? stringify(out)
      : `delivered ${out.messageId} from ${from.name} to ${to.name} in ${out.latencyMs} ms (destination tx ${out.destinationTx})`,
  );
}

export async function reset(options: Common): Promise<void> {
  const paths = platformPaths(options.home);
  const run = readRunFile(paths.run);
  if (run && isAlive(run.pid))
    throw new EnvironmentError("the platform is running", { fix: "`npx amc down` first, then `npx amc reset`" });
  rmSync(paths.home, { recursive: true, force: true });
  removeRunFile(paths.run);
  console.log(`removed ${paths.home}: the next start begins with new chains`);
}
