// The RSU's anchoring loop: sealed batches from the journal go to the cell chain's DataAnchor, in batch-id order,
// several transactions in flight with consecutive nonces; confirmed events go to the EventLedger; every so often
// the cell's anchors are checkpointed to main (DataAnchor.checkpoint → Mailbox → AnchorCheckpoints).
//
// Exactly once: the contract accepts batch ids of a submitter only in sequence (nextBatchId) and a root only
// once, and the journal writes a batch's `sealed` record (fsync) before its transaction is sent. After a crash
// the loop first reconciles: batches below the chain's nextBatchId were anchored — their root must match and the
// transaction is found from the BatchAnchored log — and only the rest are sent. Chain outages only delay: the
// loop retries with backoff and the journal keeps growing meanwhile.
import type { KeyObject } from "node:crypto";
import { dataAnchorAbi, eventLedgerAbi } from "@amc/abi";
import { type ChainPublicClient, type ChainRef, publicClientFor } from "@amc/chain";
import { signBatchHeader } from "@amc/sdk";
import { backoffMs, errorMessage, type Logger, type Metrics } from "@amc/utils";
import {
  type Address,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  BaseError as ViemBaseError,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { ConfirmedEvent } from "./consensus.js";

export type SealedBatch = {
  batchId: number;
  root: Hex;
  count: number;
  fromTime: number;
  toTime: number;
};

/** A confirmed event as the EventLedger records it (the consensus's event without its report list). */
export type ConfirmedEventRecord = Omit<ConfirmedEvent, "reports">;

/** What the anchorer needs from the journal. */
export type AnchorSource = {
  /** Sealed batches without an `anchored` record, in batch-id order. */
  unanchored(): SealedBatch[];
  markAnchored(batchId: number, txHash: Hex, blockNumber: number): Promise<void>;
};

export type AnchorerOptions = {
  chain: ChainRef;
  dataAnchor: Address;
  eventLedger: Address;
  /** The RSU's transaction key on the cell chain (pays gas; its address is the anchors' submitter). */
  privateKey: Hex;
  rsuDid: Hex;
  /** The RSU DID's assertion key (P-256) that signs batch headers. */
  signingKey: KeyObject;
  source: AnchorSource;
  logger: Logger;
  metrics: Metrics;
  /** Anchor transactions in flight at once (default 8). */
  maxInFlight?: number;
  /** Milliseconds between checkpoints to main (default 30 s; 0 disables). */
  checkpointIntervalMs?: number;
  /** Idle poll interval (default 250 ms). */
  pollIntervalMs?: number;
  /** Gas limit of one anchor transaction (default 300 000; anchoring costs about a third of that). */
  anchorGas?: bigint;
};

export class AnchorError extends Error {
  override name = "AnchorError";
}

const revertName = (error: unknown): string | undefined => {
  if (!(error instanceof ViemBaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
};

export class Anchorer {
  readonly account: PrivateKeyAccount;
  private readonly client: ChainPublicClient;
  private readonly events: ConfirmedEventRecord[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private lastCheckpointAt = 0;
  private lastCheckpointCount = -1n;
  /** Set when the chain holds something the journal contradicts: anchoring stops, /health says why. */
  fatal: string | undefined;
  /** Time (ms) of the last successful anchor, and the last chain error, for /health. */
  lastAnchorAt = 0;
  lastError: string | undefined;
  readonly gasUsed = { anchors: 0, gas: 0n, messages: 0 };

  constructor(private readonly options: AnchorerOptions) {
    this.account = privateKeyToAccount(options.privateKey);
    this.client = publicClientFor(options.chain);
    const m = options.metrics;
    m.define("amc_edge_batches_anchored_total", "counter", "batches anchored on the cell chain by this RSU");
    m.define("amc_edge_messages_anchored_total", "counter", "messages in anchored batches");
    m.define("amc_edge_anchor_gas_total", "counter", "gas used by this RSU's anchor transactions");
    m.define("amc_edge_chain_errors_total", "counter", "failed interactions with the cell chain, by operation");
    m.define("amc_edge_events_recorded_total", "counter", "confirmed events recorded on the EventLedger");
    m.define("amc_edge_checkpoints_total", "counter", "checkpoints of the cell's anchors sent to main");
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Asks the loop to look at the journal now (a batch was sealed). */
  notify(): void {
    this.wake?.();
  }

  recordEvent(event: ConfirmedEventRecord): void {
    this.events.push(event);
    this.notify();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        if (!this.fatal) worked = await this.step();
        this.failures = 0;
        this.lastError = undefined;
      } catch (error) {
        this.failures++;
        this.lastError = errorMessage(error);
        this.options.metrics.inc("amc_edge_chain_errors_total", { operation: "anchor" });
        if (this.failures === 1 || this.failures % 20 === 0)
          this.options.logger.warn("cell chain unavailable; the journal keeps everything until it is back", {
            error: this.lastError,
            attempt: this.failures,
          });
        await this.idle(backoffMs(this.failures, 250, 5_000), false);
        continue;
      }
      if (!worked) await this.idle(this.options.pollIntervalMs ?? 250);
    }
  }

  /** Sleeps `ms`; a `notify()` (new work) ends the sleep early unless it is a backoff after a chain error. */
  private idle(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      // stop() always ends the sleep.
      this.wake = wakeable ? done : () => (this.running ? undefined : done());
    });
  }

  /** One round: reconcile, send what is due, record events, checkpoint. Returns whether it did anything. */
  async step(): Promise<boolean> {
    let worked = false;
    const pending = this.options.source.unanchored();
    if (pending.length > 0) worked = (await this.anchorPending(pending)) || worked;
    if (this.events.length > 0) worked = (await this.recordEvents()) || worked;
    worked = (await this.maybeCheckpoint()) || worked;
    return worked;
  }

  private async anchorPending(pending: SealedBatch[]): Promise<boolean> {
    const { dataAnchor } = this.options;
    const next = Number(
      await this.client.readContract({
        address: dataAnchor,
        abi: dataAnchorAbi,
        functionName: "nextBatchId",
        args: [this.account.address],
      }),
    );
    // Reconcile batches the chain already holds (sent before a crash, or mined after a timeout).
    let reconciled = false;
    for (const batch of pending) {
      if (batch.batchId >= next) break;
      await this.reconcile(batch);
      reconciled = true;
    }
    const due = pending.filter((b) => b.batchId >= next).slice(0, this.options.maxInFlight ?? 8);
    if (due.length === 0) return reconciled;
    if (due[0]?.batchId !== next) {
      this.fatal = `the chain expects batch ${next} from ${this.account.address} but the journal's next is ${due[0]?.batchId}: journal and chain disagree (was the chain reset?)`;
      this.options.logger.error("anchoring stopped", { reason: this.fatal });
      return reconciled;
    }
    const [fees, nonce] = await Promise.all([
      this.client.estimateFeesPerGas(),
      this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" }),
    ]);
    const chainId = this.options.chain.chainId;
    const raws = await Promise.all(
      due.map((batch, i) => {
        const header = {
          chainId,
          dataAnchor,
          submitter: this.account.address,
          batchId: batch.batchId,
          root: batch.root,
          count: batch.count,
          fromTime: batch.fromTime,
          toTime: batch.toTime,
          rsuDid: this.options.rsuDid,
        };
        const signature = signBatchHeader(header, this.options.signingKey);
        return this.account.signTransaction({
          type: "eip1559",
          chainId,
          to: dataAnchor,
          data: encodeFunctionData({
            abi: dataAnchorAbi,
            functionName: "anchor",
            args: [
              BigInt(batch.batchId),
              batch.root,
              batch.count,
              BigInt(batch.fromTime),
              BigInt(batch.toTime),
              this.options.rsuDid,
              signature,
            ],
          }),
          gas: this.options.anchorGas ?? 300_000n,
          maxFeePerGas: fees.maxFeePerGas * 2n,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          nonce: nonce + i,
        });
      }),
    );
    const hashes: Hex[] = [];
    for (const raw of raws) hashes.push(await this.client.sendRawTransaction({ serializedTransaction: raw }));
    for (const [i, hash] of hashes.entries()) {
      const receipt = await this.receipt(hash);
      const batch = due[i]!;
      if (receipt.status !== "success") {
        // Someone else's view of the sequence differs (e.g. a transaction from before a crash was mined first):
        // the next round reconciles from the chain.
        this.options.logger.warn("anchor transaction reverted; reconciling", { batchId: batch.batchId, tx: hash });
        return true;
      }
      await this.options.source.markAnchored(batch.batchId, hash, Number(receipt.blockNumber));
      this.lastAnchorAt = Date.now();
      this.gasUsed.anchors++;
      this.gasUsed.gas += receipt.gasUsed;
      this.gasUsed.messages += batch.count;
      this.options.metrics.inc("amc_edge_batches_anchored_total");
      this.options.metrics.inc("amc_edge_messages_anchored_total", {}, batch.count);
      this.options.metrics.inc("amc_edge_anchor_gas_total", {}, Number(receipt.gasUsed));
    }
    return true;
  }

  /** A batch below the chain's nextBatchId: the chain must hold the same root; find its transaction. */
  private async reconcile(batch: SealedBatch): Promise<void> {
    const { dataAnchor } = this.options;
    const onChain = await this.client.readContract({
      address: dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorOf",
      args: [this.account.address, BigInt(batch.batchId)],
    });
    if (onChain.root.toLowerCase() !== batch.root.toLowerCase()) {
      this.fatal = `batch ${batch.batchId} on chain has root ${onChain.root} but the journal sealed ${batch.root}`;
      this.options.logger.error("anchoring stopped", { reason: this.fatal });
      throw new AnchorError(this.fatal);
    }
    const logs = await this.client.getContractEvents({
      address: dataAnchor,
      abi: dataAnchorAbi,
      eventName: "BatchAnchored",
      args: { submitter: this.account.address, batchId: BigInt(batch.batchId) },
      fromBlock: onChain.blockNumber,
      toBlock: onChain.blockNumber,
    });
    const log = logs[0];
    if (!log?.transactionHash) throw new AnchorError(`no BatchAnchored log for batch ${batch.batchId}`);
    await this.options.source.markAnchored(batch.batchId, log.transactionHash, Number(onChain.blockNumber));
    this.lastAnchorAt = Date.now();
    this.options.metrics.inc("amc_edge_batches_anchored_total");
    this.options.metrics.inc("amc_edge_messages_anchored_total", {}, batch.count);
    this.options.logger.info("reconciled a batch anchored before a restart", {
      batchId: batch.batchId,
      tx: log.transactionHash,
    });
  }

  private async recordEvents(): Promise<boolean> {
    const event = this.events[0];
    if (!event) return false;
    const { eventLedger } = this.options;
    const recorded = await this.client.readContract({
      address: eventLedger,
      abi: eventLedgerAbi,
      functionName: "isRecorded",
      args: [event.eventId],
    });
    if (!recorded) {
      try {
        const { request } = await this.client.simulateContract({
          account: this.account,
          address: eventLedger,
          abi: eventLedgerAbi,
          functionName: "record",
          args: [
            event.eventId,
            {
              causeCode: event.causeCode,
              subCauseCode: event.subCauseCode,
              latitude: event.latitude,
              longitude: event.longitude,
              firstSeen: BigInt(event.firstSeen),
              confirmedAt: BigInt(event.confirmedAt),
              reporters: event.reporters,
              reportsRoot: event.reportsRoot,
              rsuDid: this.options.rsuDid,
              submitter: this.account.address,
            },
          ],
        });
        const hash = await this.walletWrite({ address: request.address, data: encodeFunctionData(request) });
        await this.receipt(hash);
        this.options.metrics.inc("amc_edge_events_recorded_total");
        this.options.logger.info("event recorded on the cell chain", { eventId: event.eventId, tx: hash });
      } catch (error) {
        // Another RSU of the cell recorded it first (maybe between our simulation and our gas estimate): that is
        // the consensus working, not a failure.
        const recordedMeanwhile =
          revertName(error) === "EventLedgerAlreadyRecorded" ||
          (await this.client.readContract({
            address: eventLedger,
            abi: eventLedgerAbi,
            functionName: "isRecorded",
            args: [event.eventId],
          }));
        if (!recordedMeanwhile) throw error;
      }
    }
    this.events.shift();
    return true;
  }

  private async maybeCheckpoint(): Promise<boolean> {
    const interval = this.options.checkpointIntervalMs ?? 30_000;
    if (interval <= 0 || Date.now() - this.lastCheckpointAt < interval) return false;
    this.lastCheckpointAt = Date.now();
    const count = await this.client.readContract({
      address: this.options.dataAnchor,
      abi: dataAnchorAbi,
      functionName: "anchorCount",
    });
    if (count === 0n || count === this.lastCheckpointCount) return false;
    try {
      const { request } = await this.client.simulateContract({
        account: this.account,
        address: this.options.dataAnchor,
        abi: dataAnchorAbi,
        functionName: "checkpoint",
      });
      const hash = await this.walletWrite({ address: request.address, data: encodeFunctionData(request) });
      await this.receipt(hash);
      this.lastCheckpointCount = count;
      this.options.metrics.inc("amc_edge_checkpoints_total");
      this.options.logger.info("checkpoint sent to main", { anchorCount: count.toString(), tx: hash });
    } catch (error) {
      // Another RSU of the cell checkpointed the same count first.
      if (revertName(error) !== "DataAnchorNothingToCheckpoint") throw error;
      this.lastCheckpointCount = count;
    }
    return true;
  }

  /**
   * Waits for a receipt: "not found yet" is retried until 60 s have passed, any other error (the chain is down)
   * is thrown at once, so that the loop's backoff runs and /health reports it (viem's waitForTransactionReceipt
   * would keep polling through a network outage without saying so).
   */
  private async receipt(hash: Hex): Promise<TransactionReceipt> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await this.client.getTransactionReceipt({ hash });
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
        if (Date.now() > deadline) throw new AnchorError(`no receipt for ${hash} after 60 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends a simulated request's call from the RSU account (signed locally; gas from an estimate). */
  private async walletWrite(request: { address: Address; data?: Hex | undefined }): Promise<Hex> {
    const [fees, nonce] = await Promise.all([
      this.client.estimateFeesPerGas(),
      this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" }),
    ]);
    const data = request.data ?? "0x";
    const gas = await this.client.estimateGas({ account: this.account.address, to: request.address, data });
    const raw = await this.account.signTransaction({
      type: "eip1559",
      chainId: this.options.chain.chainId,
      to: request.address,
      data,
      gas: (gas * 13n) / 10n,
      maxFeePerGas: fees.maxFeePerGas * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      nonce,
    });
    return this.client.sendRawTransaction({ serializedTransaction: raw });
  }
}
