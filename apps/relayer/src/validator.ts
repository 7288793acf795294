// A validator agent attests to the messages its chain's Mailbox dispatched: it reads Dispatched events from its
// own node, checks that each message is well formed and really has the id the event claims, signs the
// attestation digest with its key, and stores the signature durably before serving it. It never signs anything
// it did not read from its own chain, so a relayer cannot make it attest a forged message.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mailboxAbi } from "@amc/abi";
import {
  attestationDigest,
  type ChainPublicClient,
  type ChainRef,
  decodeMessage,
  messageId,
  publicClientFor,
} from "@amc/chain";
import { backoffMs, errorMessage, type Logger, readJsonIfExists, sleep, stringify, writeFileAtomic } from "@amc/utils";
import type { Address, Hex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";

export type ValidatorAgentOptions = {
  chain: ChainRef;
  mailbox: Address;
  privateKey: Hex;
  /** Directory of this validator's signatures and cursor (one per validator and chain). */
  storeDir: string;
  pollIntervalMs: number;
  /** Blocks to scan per getLogs call. */
  maxRange?: bigint;
  logger: Logger;
};

export type Attestation = { messageId: Hex; origin: number; signer: Address; signature: Hex };

export class ValidatorAgent {
  readonly address: Address;
  private readonly account: PrivateKeyAccount;
  private readonly client: ChainPublicClient;
  private readonly signatures = new Map<Hex, Attestation>();
  private nextBlock = 0n;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: ValidatorAgentOptions) {
    this.account = privateKeyToAccount(options.privateKey);
    this.address = this.account.address;
    this.client = publicClientFor(options.chain);
    mkdirSync(join(options.storeDir, "signatures"), { recursive: true });
    const cursor = readJsonIfExists(join(options.storeDir, "cursor.json"));
    if (cursor && typeof cursor === "object" && "nextBlock" in cursor && typeof cursor.nextBlock === "string")
      this.nextBlock = BigInt(cursor.nextBlock);
    for (const name of readdirSync(join(options.storeDir, "signatures"))) {
      if (!name.endsWith(".json")) continue;
      const attestation = JSON.parse(readFileSync(join(options.storeDir, "signatures", name), "utf8")) as Attestation;
      this.signatures.set(attestation.messageId, attestation);
    }
  }

  get chainName(): string {
    return this.options.chain.name;
  }

  get status() {
    return { address: this.address, chain: this.chainName, nextBlock: this.nextBlock, signed: this.signatures.size };
  }

  signature(id: Hex): Attestation | undefined {
    return this.signatures.get(id.toLowerCase() as Hex) ?? this.signatures.get(id);
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

  /** Scans once from the cursor to the chain head; returns how many messages it signed. */
  async poll(): Promise<number> {
    const head = await this.client.getBlockNumber();
    let signed = 0;
    while (this.nextBlock <= head) {
      const toBlock =
        this.nextBlock + (this.options.maxRange ?? 2000n) - 1n < head
          ? this.nextBlock + (this.options.maxRange ?? 2000n) - 1n
          : head;
      const logs = await this.client.getContractEvents({
        address: this.options.mailbox,
        abi: mailboxAbi,
        eventName: "Dispatched",
        fromBlock: this.nextBlock,
        toBlock,
      });
      for (const log of logs) {
        if (await this.attest(log.args.message, log.args.messageId)) signed++;
      }
      this.nextBlock = toBlock + 1n;
      writeFileAtomic(join(this.options.storeDir, "cursor.json"), stringify({ nextBlock: this.nextBlock }));
    }
    return signed;
  }

  private async attest(message: Hex | undefined, claimedId: Hex | undefined): Promise<boolean> {
    if (!message || !claimedId) return false;
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(message);
    } catch (error) {
      this.options.logger.warn("refusing to sign a malformed message", { error: errorMessage(error) });
      return false;
    }
    const id = messageId(message);
    if (id !== claimedId || decoded.origin !== this.options.chain.chainId) {
      this.options.logger.warn("refusing to sign a message whose id or origin does not match", { id, claimedId });
      return false;
    }
    if (this.signatures.has(id)) return false;
    const signature = await this.account.signMessage({
      message: { raw: attestationDigest(decoded.origin, this.options.mailbox, id) },
    });
    const attestation: Attestation = { messageId: id, origin: decoded.origin, signer: this.address, signature };
    // Durable before visible: a signature is served only once it is on disk.
    writeFileAtomic(join(this.options.storeDir, "signatures", `${id}.json`), stringify(attestation));
    this.signatures.set(id, attestation);
    this.options.logger.debug("signed", { messageId: id, nonce: decoded.nonce, destination: decoded.destination });
    return true;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.poll();
        failures = 0;
        await sleep(this.options.pollIntervalMs, this.abort.signal);
      } catch (error) {
        failures++;
        this.options.logger.warn("validator poll failed, backing off", { error: errorMessage(error), failures });
        await sleep(backoffMs(failures), this.abort.signal);
      }
    }
  }
}
