// Follows the logs of one contract (or a few) on one chain into the store, exactly once.
//
// Each page of blocks is handed to `handle(tx, logs)` inside the same database transaction that advances the
// indexer's cursor, a row of amc_index_cursors(name, chain_id, block, block_hash) holding the last block whose
// logs were handled. Either both commit or neither does, so a crash, a throwing handler or a restart never
// applies a log twice or skips one: the next sync starts after the stored cursor. The transaction also checks
// that the cursor is still where this instance read it and moves it by compare-and-set, so two instances with the
// same name cannot both apply a page (the loser gets IndexerCursorMovedError and retries from the new cursor).
//
// Reorganisations. Blocks within `confirmations` of the head are not indexed. Every sync first checks that the
// cursor's block hash is still the chain's block at that height; a page is committed only if its last block's
// hash did not change while its logs were read. If the cursor's block is no longer canonical (a reorg deeper
// than `confirmations`, or a dev chain reset), the indexer cannot know which handled logs were orphaned, so:
//   - without an `onReorg` hook it refuses: syncOnce() throws ChainReorgError naming the block and both hashes,
//     and keeps refusing (start() logs it and retries with backoff) until an operator acts;
//   - with `onReorg(tx, info)` it rebuilds: in one transaction the hook clears everything derived from this
//     indexer's logs and the cursor is deleted, then indexing starts again from `fromBlock` on the new chain.
// QBFT (the production consensus) has immediate finality, so on a live network this means a reset chain.
import type { ChainPublicClient } from "@amc/chain";
import {
  BaseError,
  backoffMs,
  createLogger,
  EnvironmentError,
  errorMessage,
  InvalidInputError,
  type Logger,
  sleep,
  TimeoutError,
} from "@amc/utils";
import {
  type Abi,
  type Address,
  BlockNotFoundError,
  type Hex,
  isAddress,
  type ParseEventLogsReturnType,
  parseEventLogs,
} from "viem";
import { Mutex } from "./mutex.js";
import { SqlState, sqlStateOf } from "./sqlError.js";
import type { Sql, Store } from "./store.js";

/** The chain no longer has the block an indexer's cursor points at. */
export class ChainReorgError extends BaseError {
  override name = "ChainReorgError";
}

/** Another instance advanced this indexer's cursor while this one was working on the same range. */
export class IndexerCursorMovedError extends BaseError {
  override name = "IndexerCursorMovedError";
}

/** A decoded log with its position: eventName and args typed from the ABI, block number and hash, log index. */
export type IndexedLog<abi extends Abi = Abi> = ParseEventLogsReturnType<abi, undefined, true>[number];

/** The last block whose logs were handled. */
export type IndexCursor = { block: bigint; blockHash: Hex };

export type ReorgInfo = {
  name: string;
  chainId: number;
  /** The cursor's block number, and the hash the indexer stored for it. */
  block: bigint;
  storedHash: Hex;
  /** The chain's hash at that height now, or undefined when the chain has become shorter. */
  canonicalHash: Hex | undefined;
};

export type ChainIndexerOptions<abi extends Abi> = {
  store: Store;
  client: ChainPublicClient;
  /** Names the stream: one cursor per (name, chain id). A different address set needs a different name. */
  name: string;
  address: Address | readonly Address[];
  abi: abi;
  /** First block to index when there is no cursor yet (afterwards the stored cursor wins). */
  fromBlock: bigint;
  /** Blocks below the head left alone, as they could still be reorganised. Default 0. */
  confirmations?: number;
  /** Blocks per eth_getLogs request and per transaction. Default 2000. */
  pageBlocks?: number;
  /** Pause between syncs of the start() loop. Default 500 ms. */
  pollMs?: number;
  /**
   * Applies a page's logs, in chain order, in the transaction that advances the cursor; not called for a page
   * without logs. A throw rolls the page back (nothing of it is kept) and it is tried again on the next sync.
   */
  handle: (tx: Sql, logs: IndexedLog<abi>[]) => Promise<void>;
  /** Clears everything derived from this indexer's logs, so it can rebuild after a reorg; see the file header. */
  onReorg?: (tx: Sql, reorg: ReorgInfo) => Promise<void>;
  logger?: Logger;
};

export type SyncResult = {
  head: bigint;
  /** Blocks and logs handled by this sync, and the transactions (pages) that committed them. */
  blocks: number;
  logs: number;
  pages: number;
  /** The cursor after the sync. */
  cursor: IndexCursor | undefined;
  /** True when a reorg was found and the onReorg hook made the indexer start over. */
  rebuilt: boolean;
};

const COMPONENT = "amc_store.indexer";
const MIGRATIONS = [
  `CREATE TABLE amc_index_cursors (
    name text NOT NULL,
    chain_id int8 NOT NULL,
    block int8 NOT NULL,
    block_hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, chain_id)
  )`,
];

/**
 * @example
 * const indexer = new ChainIndexer({
 *   store, client: publicClientFor(chain), name: "consents", address, abi: consentRegistryAbi, fromBlock: 0n,
 *   handle: async (tx, logs) => { for (const log of logs) await tx.query("INSERT ...", [log.args.subject]); },
 * });
 * indexer.start();
 * await indexer.waitFor(receipt.blockNumber, 10_000);
 */
export class ChainIndexer<const abi extends Abi> {
  readonly name: string;
  readonly chainId: number;
  /** The error of the start() loop's last sync, or undefined when it succeeded. */
  lastError: unknown;

  readonly #options: ChainIndexerOptions<abi>;
  readonly #addresses: Address[];
  readonly #confirmations: bigint;
  readonly #pageBlocks: bigint;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #sync = new Mutex();
  readonly #waiters = new Set<() => void>();
  #ready: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #stop: AbortController | undefined;

  constructor(options: ChainIndexerOptions<abi>) {
    const addresses = typeof options.address === "string" ? [options.address] : [...options.address];
    if (typeof options.name !== "string" || options.name.trim() === "")
      throw new InvalidInputError("a ChainIndexer needs a non-empty name");
    if (addresses.length === 0 || !addresses.every((a) => isAddress(a, { strict: false })))
      throw new InvalidInputError(`indexer "${options.name}": address must be one or more addresses`, {
        details: `got ${JSON.stringify(options.address)}`,
      });
    const confirmations = options.confirmations ?? 0;
    const pageBlocks = options.pageBlocks ?? 2000;
    if (!Number.isSafeInteger(confirmations) || confirmations < 0)
      throw new InvalidInputError(`indexer "${options.name}": confirmations must be an integer >= 0`);
    if (!Number.isSafeInteger(pageBlocks) || pageBlocks < 1)
      throw new InvalidInputError(`indexer "${options.name}": pageBlocks must be an integer >= 1`);
    if (options.fromBlock < 0n) throw new InvalidInputError(`indexer "${options.name}": fromBlock must be >= 0`);
    this.#options = options;
    this.#addresses = addresses;
    this.#confirmations = BigInt(confirmations);
    this.#pageBlocks = BigInt(pageBlocks);
    this.#pollMs = options.pollMs ?? 500;
    this.name = options.name;
    this.chainId = options.client.chain.id;
    this.#log = (options.logger ?? createLogger({ component: "indexer" })).child({
      indexer: this.name,
      chainId: this.chainId,
    });
  }

  /** The stored cursor: the last block whose logs were handled, or undefined before the first page. */
  async cursor(): Promise<IndexCursor | undefined> {
    await this.#prepare();
    const { rows } = await this.#options.store.query<{ block: bigint; block_hash: Hex }>(
      "SELECT block, block_hash FROM amc_index_cursors WHERE name = $1 AND chain_id = $2",
      [this.name, this.chainId],
    );
    const row = rows[0];
    return row ? { block: row.block, blockHash: row.block_hash } : undefined;
  }

  /** Indexes every block up to head − confirmations, one transaction per page; see the file header. */
  syncOnce(): Promise<SyncResult> {
    return this.#sync.run(() => this.#syncNow());
  }

  /** Starts syncing every pollMs in the background; a failed sync is logged, kept in lastError and retried. */
  start(): void {
    if (this.#loop) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#loop = (async () => {
      let failures = 0;
      while (!stop.signal.aborted) {
        try {
          await this.syncOnce();
          if (failures > 0) this.#log.info("indexer recovered", { after: failures });
          this.lastError = undefined;
          failures = 0;
        } catch (error) {
          this.lastError = error;
          failures++;
          this.#log.warn("indexer sync failed; retrying", { error: errorMessage(error), failures });
        }
        await sleep(failures === 0 ? this.#pollMs : backoffMs(failures - 1, this.#pollMs, 30_000), stop.signal);
      }
    })();
  }

  /** Stops the loop after the page in progress (a page is never half applied) and waits for it. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    this.#loop = undefined;
    this.#stop = undefined;
  }

  /** Resolves with the cursor once block `blockNumber` is indexed (by this or another instance). */
  async waitFor(blockNumber: bigint, timeoutMs = 30_000): Promise<IndexCursor> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cursor = await this.cursor();
      if (cursor && cursor.block >= blockNumber) return cursor;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new TimeoutError(
          `indexer "${this.name}" on chain ${this.chainId} did not reach block ${blockNumber} within ${timeoutMs} ms`,
          {
            details: `it is at ${cursor ? `block ${cursor.block}` : "no block yet"}${
              this.lastError === undefined ? "" : `; last error: ${errorMessage(this.lastError)}`
            }`,
            fix: this.#loop ? undefined : "call start() (or syncOnce()) so that the indexer runs",
            cause: this.lastError,
          },
        );
      // Woken by a page this instance commits, or after pollMs to look at the database (another instance).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, this.#pollMs));
        this.#waiters.add(done);
      });
    }
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#options.store.migrate(COMPONENT, MIGRATIONS);
      const reported = await this.#options.client.getChainId();
      if (reported !== this.chainId)
        throw new EnvironmentError(
          `the RPC endpoint of chain ${this.#options.client.chain.name} reports chain id ${reported}, not ${this.chainId}`,
          { fix: "point the chain's rpcUrl at the right node" },
        );
    })().catch((error: unknown) => {
      this.#ready = undefined; // let the next call try again
      throw error;
    });
    return this.#ready;
  }

  /** The chain's block hash at `block`, or undefined when the chain has no such block (yet, or any more). */
  async #hashAt(block: bigint): Promise<Hex | undefined> {
    try {
      return (await this.#options.client.getBlock({ blockNumber: block })).hash;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined;
      throw error;
    }
  }

  async #syncNow(): Promise<SyncResult> {
    await this.#prepare();
    const { client, store, abi, handle } = this.#options;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const target = head - this.#confirmations;
    let cursor = await this.cursor();
    let rebuilt = false;
    if (cursor) {
      const canonical = await this.#hashAt(cursor.block);
      if (canonical !== cursor.blockHash) {
        await this.#reorganised(cursor, canonical);
        cursor = undefined;
        rebuilt = true;
      }
    }
    const result: SyncResult = { head, blocks: 0, logs: 0, pages: 0, cursor, rebuilt };
    let from = cursor ? cursor.block + 1n : this.#options.fromBlock;
    while (from <= target && !this.#stop?.signal.aborted) {
      const to = from + this.#pageBlocks - 1n < target ? from + this.#pageBlocks - 1n : target;
      const toHash = await this.#hashAt(to);
      if (!toHash) break; // the chain got shorter meanwhile; the next sync looks again
      const raw = await client.getLogs({ address: this.#addresses, fromBlock: from, toBlock: to });
      // The page is consistent only if neither end moved while its logs were read; otherwise the next sync
      // starts over from the (re-checked) cursor.
      if (cursor && (await this.#hashAt(cursor.block)) !== cursor.blockHash) break;
      if ((await this.#hashAt(to)) !== toHash) break;
      const logs = parseEventLogs({ abi, logs: raw.filter((log) => !log.removed) }).sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
      if (logs.some((log) => log.blockNumber === to && log.blockHash !== toHash)) break;
      const expected = cursor;
      const next: IndexCursor = { block: to, blockHash: toHash };
      await store.transaction(async (tx) => {
        await this.#claim(tx, expected);
        if (logs.length > 0) await handle(tx, logs);
        await this.#advance(tx, expected, next);
      });
      cursor = next;
      result.cursor = next;
      result.blocks += Number(to - from + 1n);
      result.logs += logs.length;
      result.pages++;
      from = to + 1n;
      for (const wake of [...this.#waiters]) wake();
    }
    return result;
  }

  /**
   * Moves the cursor from `expected` to `next` as a compare-and-set (a plain INSERT for the first page, an UPDATE
   * of the expected row otherwise), so that even at a weaker isolation level two instances cannot both advance it.
   */
  async #advance(tx: Sql, expected: IndexCursor | undefined, next: IndexCursor): Promise<void> {
    if (!expected) {
      try {
        await tx.query("INSERT INTO amc_index_cursors (name, chain_id, block, block_hash) VALUES ($1, $2, $3, $4)", [
          this.name,
          this.chainId,
          next.block,
          next.blockHash,
        ]);
      } catch (error) {
        throw sqlStateOf(error) === SqlState.uniqueViolation ? this.#moved(expected, "a cursor", error) : error;
      }
      return;
    }
    const { rowCount } = await tx.query(
      `UPDATE amc_index_cursors SET block = $3, block_hash = $4, updated_at = now()
       WHERE name = $1 AND chain_id = $2 AND block = $5 AND block_hash = $6`,
      [this.name, this.chainId, next.block, next.blockHash, expected.block, expected.blockHash],
    );
    if (rowCount !== 1) throw this.#moved(expected, "another cursor");
  }

  /** Locks the cursor row and checks that it is still `expected` (fails early, before the handler runs). */
  async #claim(tx: Sql, expected: IndexCursor | undefined): Promise<void> {
    const { rows } = await tx.query<{ block: bigint; block_hash: Hex }>(
      "SELECT block, block_hash FROM amc_index_cursors WHERE name = $1 AND chain_id = $2 FOR UPDATE",
      [this.name, this.chainId],
    );
    const stored = rows[0];
    if (stored?.block !== expected?.block || stored?.block_hash !== expected?.blockHash)
      throw this.#moved(expected, stored ? `block ${stored.block}` : "none");
  }

  #moved(expected: IndexCursor | undefined, found: string, cause?: unknown): IndexerCursorMovedError {
    return new IndexerCursorMovedError(
      `the cursor of indexer "${this.name}" on chain ${this.chainId} moved while this instance was syncing`,
      {
        details: `expected ${expected ? `block ${expected.block}` : "no cursor"}, found ${found}`,
        fix: "run one indexer per name and chain against a database; this one continues from the new cursor",
        cause,
      },
    );
  }

  async #reorganised(cursor: IndexCursor, canonicalHash: Hex | undefined): Promise<void> {
    const info: ReorgInfo = {
      name: this.name,
      chainId: this.chainId,
      block: cursor.block,
      storedHash: cursor.blockHash,
      canonicalHash,
    };
    const where = `block ${cursor.block} (${cursor.blockHash})`;
    const now = canonicalHash ? `the chain has ${canonicalHash} at that height` : "the chain is now shorter";
    const { onReorg, store } = this.#options;
    if (!onReorg)
      throw new ChainReorgError(`chain ${this.chainId} no longer has ${where}, where indexer "${this.name}" stopped`, {
        details: `${now}: it was reset or reorganised deeper than confirmations (${this.#confirmations})`,
        fix: "give the indexer an onReorg hook that clears the state derived from its logs (it then rebuilds from fromBlock), or delete its amc_index_cursors row together with that state",
      });
    await store.transaction(async (tx) => {
      await this.#claim(tx, cursor);
      await onReorg(tx, info);
      await tx.query("DELETE FROM amc_index_cursors WHERE name = $1 AND chain_id = $2", [this.name, this.chainId]);
    });
    this.#log.warn("chain reorganised below the cursor; rebuilding from fromBlock", {
      block: cursor.block,
      storedHash: cursor.blockHash,
      canonicalHash,
      fromBlock: this.#options.fromBlock,
    });
  }
}
