// A validator agent attests to the messages its chain's Mailbox dispatched: it reads Dispatched events from its
// own node, checks that each message is well formed and really has the id the event claims, signs the
// attestation digest with its key, and stores the signature durably before serving it. It never signs anything
// it did not read from its own chain, so a relayer cannot make it attest a forged message.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
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
import { z } from "zod";

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
  private readonly logPath: string;
  private nextBlock = 0n;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: ValidatorAgentOptions) {
    this.account = privateKeyToAccount(options.privateKey);
    this.address = this.account.address;
    this.client = publicClientFor(options.chain);
    mkdirSync(options.storeDir, { recursive: true });
    const cursor = readJsonIfExists(join(options.storeDir, "cursor.json"));
    if (cursor && typeof cursor === "object" && "nextBlock" in cursor && typeof cursor.nextBlock === "string")
      this.nextBlock = BigInt(cursor.nextBlock);
    this.logPath = join(options.storeDir, "signatures.jsonl");
    for (const attestation of readAttestations(this.logPath)) this.signatures.set(attestation.messageId, attestation);
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
      const batch: Attestation[] = [];
      for (const log of logs) {
        const attestation = await this.attest(log.args.message, log.args.messageId);
        if (attestation) batch.push(attestation);
      }
      // Group commit: one fsync for the whole range, and signatures are served only once they are durable.
      appendDurably(this.logPath, batch.map((a) => `${stringify(a)}\n`).join(""));
      for (const attestation of batch) this.signatures.set(attestation.messageId, attestation);
      signed += batch.length;
      this.nextBlock = toBlock + 1n;
      writeFileAtomic(join(this.options.storeDir, "cursor.json"), stringify({ nextBlock: this.nextBlock }));
    }
    return signed;
  }

  private async attest(message: Hex | undefined, claimedId: Hex | undefined): Promise<Attestation | undefined> {
    if (!message || !claimedId) return undefined;
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(message);
    } catch (error) {
      this.options.logger.warn("refusing to sign a malformed message", { error: errorMessage(error) });
      return undefined;
    }
    const id = messageId(message);
    if (id !== claimedId || decoded.origin !== this.options.chain.chainId) {
      this.options.logger.warn("refusing to sign a message whose id or origin does not match", { id, claimedId });
      return undefined;
    }
    if (this.signatures.has(id)) return undefined;
    const signature = await this.account.signMessage({
      message: { raw: attestationDigest(decoded.origin, this.options.mailbox, id) },
    });
    this.options.logger.debug("signed", { messageId: id, nonce: decoded.nonce, destination: decoded.destination });
    return { messageId: id, origin: decoded.origin, signer: this.address, signature };
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

function appendDurably(path: string, text: string): void {
  if (text.length === 0) return;
  const fd = openSync(path, "a");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const attestationSchema = z.object({
  messageId: z.string().regex(/^0x[0-9a-f]{64}$/),
  origin: z.number().int(),
  signer: z.string(),
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
});

/** Reads the signature log; a torn last line (a crash mid-append, before its fsync returned) is ignored. */
function readAttestations(path: string): Attestation[] {
  if (!existsSync(path)) return [];
  const out: Attestation[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = attestationSchema.safeParse(json);
    if (parsed.success)
      out.push({
        messageId: parsed.data.messageId as Hex,
        origin: parsed.data.origin,
        signer: parsed.data.signer as Address,
        signature: parsed.data.signature as Hex,
      });
  }
  return out;
}
