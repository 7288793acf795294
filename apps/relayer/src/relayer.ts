// The relayer carries messages from each chain's Mailbox to their destination. It is untrusted by design: it
// cannot forge a message (the destination's security module checks the origin validators' signatures), only
// delay one. It persists what it has seen (per-chain cursors and the pending queue) atomically, and after a
// crash it first waits for its own in-flight transactions to be mined, then re-checks `delivered` on chain before
// sending anything, so a restart never submits a message twice.
import { join } from "node:path";
import { mailboxAbi, multisigIsmAbi } from "@amc/abi";
import {
  attestationDigest,
  bytes32ToAddress,
  type ChainPublicClient,
  type ChainRef,
  type ChainWalletClient,
  decodeMessage,
  messageId,
  publicClientFor,
  walletClientFor,
} from "@amc/chain";
import { backoffMs, errorMessage, type Logger, readJsonIfExists, sleep, stringify, writeFileAtomic } from "@amc/utils";
import {
  type Address,
  ContractFunctionRevertedError,
  concatHex,
  encodeFunctionData,
  type Hex,
  hexToBigInt,
  recoverMessageAddress,
  BaseError as ViemBaseError,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { Metrics } from "./http.js";

type RoundCache = Map<string, Promise<readonly [readonly Address[], number]>>;

const processAbi = [...mailboxAbi, ...multisigIsmAbi] as const;

export type RelayerChain = ChainRef & { mailbox: Address };

export type SignatureSource = (validator: Address, id: Hex) => Promise<Hex | undefined>;

export type RelayerOptions = {
  chains: RelayerChain[];
  privateKey: Hex;
  /** File holding cursors and the pending queue. */
  statePath: string;
  batchSize: number;
  pollIntervalMs: number;
  signatures: SignatureSource;
  logger: Logger;
  metrics?: Metrics;
};

type Pending = {
  id: Hex;
  message: Hex;
  origin: number;
  destination: number;
  seenAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string | undefined;
};

const stateSchema = z.object({
  cursors: z.record(z.string(), z.string()),
  pending: z.array(
    z.object({
      id: z.string(),
      message: z.string(),
      origin: z.number(),
      destination: z.number(),
      seenAt: z.number(),
      attempts: z.number(),
      nextAttemptAt: z.number(),
      lastError: z.string().optional(),
    }),
  ),
});

export type DeliveredRecord = {
  id: Hex;
  origin: number;
  destination: number;
  txHash: Hex;
  blockNumber: bigint;
  latencyMs: number;
};

export class Relayer {
  readonly metrics: Metrics;
  private readonly signer: PrivateKeyAccount;
  private readonly clients = new Map<number, ChainPublicClient>();
  private readonly wallets = new Map<number, ChainWalletClient>();
  private readonly chains = new Map<number, RelayerChain>();
  private cursors = new Map<number, bigint>();
  private pending = new Map<Hex, Pending>();
  private readonly recent = new Map<Hex, DeliveredRecord>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: RelayerOptions) {
    this.signer = privateKeyToAccount(options.privateKey);
    this.metrics = options.metrics ?? new Metrics();
    this.metrics.define("amc_relayer_delivered_total", "counter", "Messages delivered by this relayer");
    this.metrics.define("amc_relayer_failures_total", "counter", "Delivery attempts that failed, by reason");
    this.metrics.define("amc_relayer_pending", "gauge", "Messages waiting for delivery, by destination");
    this.metrics.define("amc_relayer_transactions_total", "counter", "process() transactions sent, by destination");
    for (const chain of options.chains) {
      this.chains.set(chain.chainId, chain);
      this.clients.set(chain.chainId, publicClientFor(chain));
      this.wallets.set(chain.chainId, walletClientFor(chain, options.privateKey));
    }
    this.load();
  }

  get address(): Address {
    const wallet = this.wallets.values().next().value;
    if (!wallet) throw new Error("relayer has no chains");
    return wallet.account.address;
  }

  status(
    id: Hex,
  ):
    | { state: "pending"; attempts: number; lastError?: string | undefined }
    | ({ state: "delivered" } & DeliveredRecord)
    | undefined {
    const pending = this.pending.get(id);
    if (pending) return { state: "pending", attempts: pending.attempts, lastError: pending.lastError };
    const delivered = this.recent.get(id);
    return delivered ? { state: "delivered", ...delivered } : undefined;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private load(): void {
    const raw = readJsonIfExists(this.options.statePath);
    if (raw === undefined) return;
    const state = stateSchema.parse(raw);
    for (const [chainId, block] of Object.entries(state.cursors)) this.cursors.set(Number(chainId), BigInt(block));
    for (const p of state.pending)
      this.pending.set(p.id as Hex, { ...p, id: p.id as Hex, message: p.message as Hex, nextAttemptAt: 0 });
  }

  private save(): void {
    writeFileAtomic(
      this.options.statePath,
      stringify({
        cursors: Object.fromEntries([...this.cursors].map(([k, v]) => [String(k), v.toString()])),
        pending: [...this.pending.values()],
      }),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** After a restart, wait until transactions this relayer sent before dying are mined (or dropped). */
  async settleInFlight(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const [chainId, client] of this.clients) {
      for (;;) {
        const [pending, latest] = await Promise.all([
          client.getTransactionCount({ address: this.address, blockTag: "pending" }),
          client.getTransactionCount({ address: this.address, blockTag: "latest" }),
        ]);
        if (pending === latest || Date.now() > deadline) {
          if (pending !== latest)
            this.options.logger.warn("in-flight transactions did not settle", { chainId, pending, latest });
          break;
        }
        await sleep(100, this.abort.signal);
      }
    }
  }

  /** Reads new Dispatched events of every chain into the pending queue. */
  async scan(): Promise<number> {
    let found = 0;
    await Promise.all(
      [...this.chains.values()].map(async (chain) => {
        const client = this.clients.get(chain.chainId)!;
        const head = await client.getBlockNumber();
        let from = this.cursors.get(chain.chainId) ?? 0n;
        while (from <= head) {
          const to = from + 1999n < head ? from + 1999n : head;
          const logs = await client.getContractEvents({
            address: chain.mailbox,
            abi: mailboxAbi,
            eventName: "Dispatched",
            fromBlock: from,
            toBlock: to,
          });
          for (const log of logs) {
            const message = log.args.message;
            if (!message) continue;
            const id = messageId(message);
            let decoded: ReturnType<typeof decodeMessage>;
            try {
              decoded = decodeMessage(message);
            } catch (error) {
              this.options.logger.warn("skipping malformed message", { id, error: errorMessage(error) });
              continue;
            }
            if (!this.chains.has(decoded.destination)) {
              this.metrics.inc("amc_relayer_failures_total", { reason: "unknown_destination" });
              this.options.logger.warn("no route to destination", { id, destination: decoded.destination });
              continue;
            }
            if (this.pending.has(id) || this.recent.has(id)) continue;
            this.pending.set(id, {
              id,
              message,
              origin: decoded.origin,
              destination: decoded.destination,
              seenAt: Date.now(),
              attempts: 0,
              nextAttemptAt: 0,
            });
            found++;
          }
          from = to + 1n;
          this.cursors.set(chain.chainId, from);
        }
      }),
    );
    this.save();
    return found;
  }

  /** The validator set the destination's module will check for `origin`, cached for one round. */
  private validatorSet(
    cache: RoundCache,
    destination: ChainPublicClient,
    mailbox: Address,
    recipient: Address,
    origin: number,
  ): Promise<readonly [readonly Address[], number]> {
    const key = `${recipient}:${origin}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = destination
        .readContract({ address: mailbox, abi: mailboxAbi, functionName: "recipientIsm", args: [recipient] })
        .then((ism) =>
          destination.readContract({
            address: ism,
            abi: multisigIsmAbi,
            functionName: "validatorsAndThreshold",
            args: [origin],
          }),
        );
      cache.set(key, entry);
    }
    return entry;
  }

  private async metadataFor(
    item: Pending,
    destination: ChainPublicClient,
    mailbox: Address,
    cache: RoundCache,
  ): Promise<Hex | string> {
    const recipient = bytes32ToAddress(decodeMessage(item.message).recipient);
    const [validators, threshold] = await this.validatorSet(cache, destination, mailbox, recipient, item.origin);
    if (validators.length === 0) return `destination knows no validators of chain ${item.origin}`;
    const originMailbox = this.chains.get(item.origin)?.mailbox;
    if (!originMailbox) return `unknown origin ${item.origin}`;
    const digest = attestationDigest(item.origin, originMailbox, item.id);
    const fetched = await Promise.all(
      validators.map(async (validator) => {
        const signature = await this.options.signatures(validator, item.id).catch(() => undefined);
        return signature ? { signer: validator, signature } : undefined;
      }),
    );
    let collected = fetched.filter((f) => f !== undefined);
    if (item.attempts > 0) {
      // A previous attempt failed: check each signature, so that one bad validator cannot block delivery.
      // (The first attempt is optimistic: the module checks them anyway, and recovering costs CPU.)
      const checked = await Promise.all(
        collected.map(async (c) => {
          const signer = await recoverMessageAddress({ message: { raw: digest }, signature: c.signature }).catch(
            () => undefined,
          );
          return signer?.toLowerCase() === c.signer.toLowerCase() ? c : undefined;
        }),
      );
      collected = checked.filter((c) => c !== undefined);
    }
    collected = collected.slice(0, threshold);
    if (collected.length < threshold) return `have ${collected.length} of ${threshold} validator signatures`;
    collected.sort((a, b) => (hexToBigInt(a.signer) < hexToBigInt(b.signer) ? -1 : 1));
    return concatHex(collected.map((c) => c.signature));
  }

  /** Checks delivery, gathers signatures and estimates gas; undefined when the item needs no or no further work now. */
  private async prepare(
    item: Pending,
    chain: RelayerChain,
    client: ChainPublicClient,
    wallet: ChainWalletClient,
    cache: RoundCache,
  ): Promise<{ item: Pending; metadata: Hex; gas: bigint } | undefined> {
    try {
      const delivered = await client.readContract({
        address: chain.mailbox,
        abi: mailboxAbi,
        functionName: "delivered",
        args: [item.id],
      });
      if (delivered) {
        // Someone (another relayer, or us before a crash) already delivered it: nothing to send.
        this.pending.delete(item.id);
        return undefined;
      }
      const metadata = await this.metadataFor(item, client, chain.mailbox, cache);
      if (!metadata.startsWith("0x")) {
        this.fail(item, metadata, "signatures");
        return undefined;
      }
      const gas = await client.estimateContractGas({
        account: wallet.account,
        address: chain.mailbox,
        // The security module's custom errors bubble up through process(): decode them too.
        abi: processAbi,
        functionName: "process",
        args: [metadata as Hex, item.message],
      });
      return { item, metadata: metadata as Hex, gas };
    } catch (error) {
      const revert =
        error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
      const name = revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
      if (name === "MailboxAlreadyDelivered") {
        this.pending.delete(item.id);
        return undefined;
      }
      this.fail(item, name ? `reverts with ${name}` : errorMessage(error), name ?? "rpc");
      return undefined;
    }
  }

  private fail(item: Pending, reason: string, label: string): void {
    item.attempts++;
    item.lastError = reason;
    // Waiting for validators to sign is the normal state of a fresh message: retry at the poll interval for a
    // while before backing off. Errors back off exponentially from the first one.
    item.nextAttemptAt =
      Date.now() +
      (label === "signatures" && item.attempts <= 20
        ? this.options.pollIntervalMs
        : backoffMs(item.attempts, 250, 15_000));
    this.metrics.inc("amc_relayer_failures_total", { reason: label });
    this.options.logger.debug("delivery postponed", { id: item.id, reason, attempts: item.attempts });
  }

  private done(item: Pending, txHash: Hex, blockNumber: bigint): void {
    this.pending.delete(item.id);
    const record = {
      id: item.id,
      origin: item.origin,
      destination: item.destination,
      txHash,
      blockNumber,
      latencyMs: Date.now() - item.seenAt,
    };
    this.recent.set(item.id, record);
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value as Hex);
    this.metrics.inc("amc_relayer_delivered_total", { origin: item.origin, destination: item.destination });
  }

  /**
   * Delivers up to batchSize ready messages to one destination. When busy, the batch's transactions are signed
   * locally with consecutive nonces and sent back to back, so they land in as few blocks as the chain allows.
   */
  async deliverTo(destinationId: number): Promise<number> {
    const chain = this.chains.get(destinationId)!;
    const client = this.clients.get(destinationId)!;
    const wallet = this.wallets.get(destinationId)!;
    const now = Date.now();
    const ready = [...this.pending.values()]
      .filter((p) => p.destination === destinationId && p.nextAttemptAt <= now)
      .slice(0, this.options.batchSize);
    if (ready.length === 0) return 0;
    const cache: RoundCache = new Map();
    const sendable = (await Promise.all(ready.map((item) => this.prepare(item, chain, client, wallet, cache)))).filter(
      (p) => p !== undefined,
    );
    if (sendable.length === 0) return 0;
    const [fees, startNonce] = await Promise.all([
      client.estimateFeesPerGas(),
      client.getTransactionCount({ address: wallet.account.address, blockTag: "pending" }),
    ]);
    // Sign the whole batch first, then hand every transaction to the node at once: consecutive nonces make the
    // order irrelevant to the node, and the round trips overlap instead of adding up.
    const signed = await Promise.all(
      sendable.map(async ({ item, metadata, gas }, i) => ({
        item,
        raw: await this.signer.signTransaction({
          type: "eip1559",
          chainId: destinationId,
          to: chain.mailbox,
          data: encodeFunctionData({ abi: mailboxAbi, functionName: "process", args: [metadata, item.message] }),
          gas: (gas * 13n) / 10n,
          maxFeePerGas: fees.maxFeePerGas * 2n,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          nonce: startNonce + i,
        }),
      })),
    );
    const results = await Promise.all(
      signed.map(({ item, raw }) =>
        client.sendRawTransaction({ serializedTransaction: raw }).then(
          (hash) => ({ item, hash }),
          (error: unknown) => ({ item, error }),
        ),
      ),
    );
    const sent: { item: Pending; hash: Hex }[] = [];
    for (const result of results) {
      if ("hash" in result) {
        sent.push(result);
        this.metrics.inc("amc_relayer_transactions_total", { destination: destinationId });
      } else this.fail(result.item, errorMessage(result.error), "send");
    }
    const delivered = await this.awaitReceipts(client, sent);
    this.save();
    return delivered;
  }

  /** Polls the receipts of a batch together (one round of requests per interval, not one poller per tx). */
  private async awaitReceipts(client: ChainPublicClient, sent: { item: Pending; hash: Hex }[]): Promise<number> {
    let outstanding = sent;
    let delivered = 0;
    const deadline = Date.now() + 120_000;
    while (outstanding.length > 0) {
      const receipts = await Promise.all(
        outstanding.map(({ hash }) => client.getTransactionReceipt({ hash }).catch(() => undefined)),
      );
      const next: typeof outstanding = [];
      receipts.forEach((receipt, i) => {
        const entry = outstanding[i]!;
        if (!receipt) next.push(entry);
        else if (receipt.status === "success") {
          this.done(entry.item, entry.hash, receipt.blockNumber);
          delivered++;
        } else this.fail(entry.item, `transaction ${entry.hash} reverted`, "reverted");
      });
      outstanding = next;
      if (outstanding.length === 0) break;
      if (Date.now() > deadline) {
        for (const { item, hash } of outstanding) this.fail(item, `no receipt for ${hash}`, "receipt");
        break;
      }
      await sleep(client.pollingInterval);
    }
    return delivered;
  }

  /** One full round: scan every chain, then deliver to every destination in parallel. */
  async tick(): Promise<number> {
    await this.scan();
    const destinations = new Set([...this.pending.values()].map((p) => p.destination));
    const counts = await Promise.all([...destinations].map((d) => this.deliverTo(d)));
    for (const chain of this.chains.values())
      this.metrics.set(
        "amc_relayer_pending",
        { destination: chain.chainId },
        [...this.pending.values()].filter((p) => p.destination === chain.chainId).length,
      );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async run(): Promise<void> {
    let failures = 0;
    try {
      await this.settleInFlight();
    } catch (error) {
      this.options.logger.warn("could not check in-flight transactions", { error: errorMessage(error) });
    }
    while (this.running) {
      try {
        const delivered = await this.tick();
        failures = 0;
        // Busy: go again at once; idle: wait a poll interval.
        if (delivered === 0 || this.pending.size === 0) await sleep(this.options.pollIntervalMs, this.abort.signal);
      } catch (error) {
        failures++;
        this.options.logger.warn("relayer round failed, backing off", { error: errorMessage(error), failures });
        await sleep(backoffMs(failures), this.abort.signal);
      }
    }
  }
}

export function relayerStatePath(home: string): string {
  return join(home, "relayer", "state.json");
}
