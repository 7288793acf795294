// The chain indexer against a real anvil chain, on both engines: every log reaches the handler exactly once and
// in order, across restarts, failing handlers, two instances racing, and (property) any interleaving of these;
// a reorg below the cursor is refused, or rebuilt from scratch through the onReorg hook.

import type { AnvilInstance } from "@amc/chain";
import {
  type ChainRef,
  devPrivateKey,
  freePort,
  publicClientFor,
  startAnvil,
  viemChain,
  walletClientFor,
} from "@amc/chain";
import fc from "fast-check";
import {
  type Address,
  concatHex,
  createTestClient,
  encodeAbiParameters,
  type Hex,
  http,
  parseAbi,
  toEventSelector,
} from "viem";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { ChainIndexer, ChainReorgError, type IndexedLog, IndexerCursorMovedError } from "./chainIndexer.js";
import { openStore, type Sql, type Store } from "./store.js";
import { POSTGRES_INSTALL_HINT, testEngine } from "./testing.js";

/** A contract whose every call emits Noted(uint256) with the calldata as the log's data. */
const notedAbi = parseAbi(["event Noted(uint256 value)"]);
const RUNTIME = concatHex(["0x3660006000377f", toEventSelector("Noted(uint256)"), "0x366000a100"]);
const INIT_CODE = concatHex(["0x602c600c600039602c6000f3", RUNTIME]); // CODECOPY the 44-byte runtime, RETURN it

let anvil: AnvilInstance;
let chain: ChainRef;
const engines = { pglite: testEngine("pglite"), postgres: testEngine("postgres") };

beforeAll(async () => {
  chain = { name: "store-test", chainId: 72_901, rpcUrl: "", blockTimeSeconds: 0 };
  anvil = await startAnvil({ name: chain.name, chainId: chain.chainId, port: await freePort() });
  chain.rpcUrl = anvil.rpcUrl;
  await Promise.all([engines.pglite.start(), engines.postgres.start()]);
});
afterAll(async () => {
  await Promise.all([engines.pglite.stop(), engines.postgres.stop()]);
  await anvil?.stop();
});

const client = () => publicClientFor(chain);
const wallet = () => walletClientFor(chain, devPrivateKey(0));
const testClient = () => createTestClient({ chain: viemChain(chain), mode: "anvil", transport: http(chain.rpcUrl) });

async function deploy(): Promise<{ address: Address; block: bigint }> {
  const hash = await wallet().sendTransaction({ data: INIT_CODE });
  const receipt = await client().waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("deployment created no contract");
  return { address: receipt.contractAddress, block: receipt.blockNumber };
}

/** Emits Noted(value) for each value, all in one block (anvil otherwise mines one block per transaction). */
async function emitBlock(address: Address, values: readonly bigint[]): Promise<void> {
  const test = testClient();
  await test.setAutomine(false);
  let last: Hex | undefined;
  try {
    for (const value of values) last = await send(address, encodeAbiParameters([{ type: "uint256" }], [value]));
    await test.mine({ blocks: 1 });
  } finally {
    await test.setAutomine(true);
  }
  if (last) await client().waitForTransactionReceipt({ hash: last, pollingInterval: 10 });
}

/** One transaction per value, one block each; returns once the last is mined (anvil mines asynchronously). */
async function emit(address: Address, ...values: bigint[]): Promise<void> {
  let last: Hex | undefined;
  for (const value of values) last = await send(address, encodeAbiParameters([{ type: "uint256" }], [value]));
  if (last) await client().waitForTransactionReceipt({ hash: last, pollingInterval: 10 });
}

const send = (to: Address, data: Hex): Promise<Hex> => wallet().sendTransaction({ to, data });

const NOTED_TABLE = "CREATE TABLE noted (stream text NOT NULL, value int8 NOT NULL, block int8, log_index int4)";

/** A handler that records every log it is given (no unique key: a duplicate would show). */
function recorder(stream: string) {
  return async (tx: Sql, logs: IndexedLog<typeof notedAbi>[]) => {
    for (const log of logs) {
      const value: bigint = log.args.value; // typed from the ABI
      expect(log.eventName).toBe("Noted");
      await tx.query("INSERT INTO noted VALUES ($1, $2, $3, $4)", [stream, value, log.blockNumber, log.logIndex]);
    }
  };
}

const recorded = async (store: Store, stream: string) =>
  (
    await store.query<{ value: bigint }>("SELECT value FROM noted WHERE stream = $1 ORDER BY block, log_index", [
      stream,
    ])
  ).rows.map((row) => row.value);

async function fresh(kind: "pglite" | "postgres", context: TestContext): Promise<Store> {
  const store = (await engines[kind].open()) ?? context.skip(POSTGRES_INSTALL_HINT);
  context.onTestFinished(() => store.close());
  await store.migrate("test", [NOTED_TABLE]);
  return store;
}

let streams = 0;

describe.each(["pglite", "postgres"] as const)("ChainIndexer on %s", (kind) => {
  it("hands every decodable log over once, in order, and resumes from its cursor after a restart", async (context) => {
    const store = await fresh(kind, context);
    const { address, block } = await deploy();
    const other = await deploy();
    const stream = `s${++streams}`;
    const make = () =>
      new ChainIndexer({
        store,
        client: client(),
        name: stream,
        address,
        abi: notedAbi,
        fromBlock: block,
        pageBlocks: 3,
        handle: recorder(stream),
      });
    await emit(address, 1n, 2n);
    await emitBlock(address, [3n, 4n, 5n]);
    await send(address, "0x"); // a Noted without data: does not decode, skipped
    await emit(other.address, 99n); // another contract: not ours
    await emit(address, 6n);
    const first = make();
    const result = await first.syncOnce();
    const head = await client().getBlockNumber({ cacheTime: 0 });
    expect(result).toMatchObject({ head, logs: 6, blocks: Number(head - block + 1n), rebuilt: false });
    expect(result.pages).toBe(Math.ceil(Number(head - block + 1n) / 3));
    expect(result.cursor?.block).toBe(head);
    expect(await first.cursor()).toEqual(result.cursor);
    expect(await recorded(store, stream)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);

    const second = make(); // a restart: a new instance on the same store
    expect(await second.syncOnce()).toMatchObject({ logs: 0, pages: 0 });
    await emit(address, 7n, 8n);
    expect(await second.syncOnce()).toMatchObject({ logs: 2 });
    expect(await recorded(store, stream)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    const cursor = await second.cursor();
    const { rows } = await store.query("SELECT name, chain_id, block, block_hash FROM amc_index_cursors");
    expect(rows).toEqual([
      { name: stream, chain_id: BigInt(chain.chainId), block: cursor?.block, block_hash: cursor?.blockHash },
    ]);
  });

  it("leaves cursor and state unchanged when the handler throws, and applies the page once it succeeds", async (context) => {
    const store = await fresh(kind, context);
    const { address, block } = await deploy();
    const stream = `s${++streams}`;
    await emit(address, 10n, 11n);
    let failing = true;
    const indexer = new ChainIndexer({
      store,
      client: client(),
      name: stream,
      address: [address],
      abi: notedAbi,
      fromBlock: block,
      handle: async (tx, logs) => {
        await recorder(stream)(tx, logs);
        if (failing) throw new Error("handler refused the page");
      },
    });
    await expect(indexer.syncOnce()).rejects.toThrow("handler refused the page");
    expect(await indexer.cursor()).toBeUndefined();
    expect(await recorded(store, stream)).toEqual([]);
    failing = false;
    expect(await indexer.syncOnce()).toMatchObject({ logs: 2 });
    expect(await recorded(store, stream)).toEqual([10n, 11n]);
  });

  it("runs in the background: waitFor, confirmations, lastError while failing, recovery, stop", async (context) => {
    const store = await fresh(kind, context);
    const { address, block } = await deploy();
    const stream = `s${++streams}`;
    let failing = false;
    const indexer = new ChainIndexer({
      store,
      client: client(),
      name: stream,
      address,
      abi: notedAbi,
      fromBlock: block,
      confirmations: 2,
      pollMs: 20,
      handle: async (tx, logs) => {
        if (failing) throw new Error("database is busy");
        await recorder(stream)(tx, logs);
      },
    });
    indexer.start();
    indexer.start(); // idempotent
    try {
      await emit(address, 1n);
      const mined = await client().getBlockNumber({ cacheTime: 0 });
      await expect(indexer.waitFor(mined, 300)).rejects.toThrow(
        `indexer "${stream}" on chain ${chain.chainId} did not reach block ${mined} within 300 ms`,
      );
      await emit(address, 2n, 3n); // two more blocks confirm the first
      expect((await indexer.waitFor(mined, 10_000)).block).toBe(mined);
      expect(await recorded(store, stream)).toEqual([1n]);
      failing = true;
      await emit(address, 4n, 5n, 6n);
      await expect.poll(() => indexer.lastError, { timeout: 10_000 }).toBeInstanceOf(Error);
      expect(await recorded(store, stream)).toEqual([1n]);
      failing = false;
      await indexer.waitFor(mined + 3n, 20_000);
      expect(indexer.lastError).toBeUndefined();
      expect(await recorded(store, stream)).toEqual([1n, 2n, 3n, 4n]);
    } finally {
      await indexer.stop();
    }
    await emit(address, 7n, 8n, 9n);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await recorded(store, stream)).toEqual([1n, 2n, 3n, 4n]); // stopped
  });

  it("lets only one of two racing instances apply a page", async (context) => {
    const store = await fresh(kind, context);
    const { address, block } = await deploy();
    const stream = `s${++streams}`;
    await emit(address, 1n, 2n, 3n);
    const make = () =>
      new ChainIndexer({
        store,
        client: client(),
        name: stream,
        address,
        abi: notedAbi,
        fromBlock: block,
        handle: recorder(stream),
      });
    const outcomes = await Promise.allSettled([make().syncOnce(), make().syncOnce()]);
    const failed = outcomes.filter((o) => o.status === "rejected");
    for (const failure of failed) expect(failure.reason).toBeInstanceOf(IndexerCursorMovedError);
    await make().syncOnce();
    expect(await recorded(store, stream)).toEqual([1n, 2n, 3n]);
  });

  it("refuses a reorg below its cursor without an onReorg hook, and rebuilds with one", async (context) => {
    const store = await fresh(kind, context);
    const { address, block } = await deploy();
    const stream = `s${++streams}`;
    await emit(address, 1n);
    const test = testClient();
    const snapshot = await test.snapshot();
    await emit(address, 2n, 3n);
    const options = { store, client: client(), name: stream, address, abi: notedAbi, fromBlock: block };
    const plain = new ChainIndexer({ ...options, handle: recorder(stream) });
    const before = (await plain.syncOnce()).cursor;
    if (!before) throw new Error("no cursor");
    await test.revert({ id: snapshot });
    await emit(address, 20n, 30n, 40n); // a different chain, longer than the old one
    const canonical = (await client().getBlock({ blockNumber: before.block })).hash;
    const error = await plain.syncOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainReorgError);
    expect((error as ChainReorgError).shortMessage).toBe(
      `chain ${chain.chainId} no longer has block ${before.block} (${before.blockHash}), where indexer "${stream}" stopped`,
    );
    expect((error as ChainReorgError).details).toBe(
      `the chain has ${canonical} at that height: it was reset or reorganised deeper than confirmations (0)`,
    );
    expect(await plain.cursor()).toEqual(before); // refused, nothing changed

    const reorgs: unknown[] = [];
    const rebuilding = new ChainIndexer({
      ...options,
      handle: recorder(stream),
      onReorg: async (tx, info) => {
        reorgs.push(info);
        await tx.query("DELETE FROM noted WHERE stream = $1", [stream]);
      },
    });
    expect(await rebuilding.syncOnce()).toMatchObject({ rebuilt: true, logs: 4 });
    expect(reorgs).toEqual([
      {
        name: stream,
        chainId: chain.chainId,
        block: before.block,
        storedHash: before.blockHash,
        canonicalHash: canonical,
      },
    ]);
    expect(await recorded(store, stream)).toEqual([1n, 20n, 30n, 40n]);
  });
});

describe("ChainIndexer", () => {
  it("continues after the PGlite store is closed and reopened", async () => {
    const dir = await engines.pglite.pgliteDir();
    const { address, block } = await deploy();
    const stream = `s${++streams}`;
    const run = async (values: bigint[]) => {
      const store = await openStore({ dataDir: dir });
      try {
        await store.migrate("test", [NOTED_TABLE]);
        await emit(address, ...values);
        const indexer = new ChainIndexer({
          store,
          client: client(),
          name: stream,
          address,
          abi: notedAbi,
          fromBlock: block,
          handle: recorder(stream),
        });
        await indexer.syncOnce();
        return await recorded(store, stream);
      } finally {
        await store.close();
      }
    };
    expect(await run([1n, 2n])).toEqual([1n, 2n]);
    expect(await run([3n])).toEqual([1n, 2n, 3n]);
  });

  it("refuses bad options", async (context) => {
    const store = await fresh("pglite", context);
    const base = { client: client(), name: "x", abi: notedAbi, fromBlock: 0n, handle: async () => {} };
    expect(() => new ChainIndexer({ ...base, store, address: [] })).toThrow(
      'indexer "x": address must be one or more addresses',
    );
    expect(() => new ChainIndexer({ ...base, store, address: "0x12" })).toThrow("address must be one or more");
    expect(
      () => new ChainIndexer({ ...base, store, address: "0x0000000000000000000000000000000000000001", pageBlocks: 0 }),
    ).toThrow('indexer "x": pageBlocks must be an integer >= 1');
  });
});

/**
 * Any interleaving of syncs, restarts (new instances with another page size), failing handlers, racing
 * instances and new blocks delivers each log exactly once, in chain order.
 */
describe.each(["pglite", "postgres"] as const)("ChainIndexer property on %s", (kind) => {
  type Step =
    | { kind: "emit"; values: bigint[] }
    | { kind: "sync" }
    | { kind: "restart"; pageBlocks: number }
    | { kind: "failNext" }
    | { kind: "race" };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant("emit" as const),
      values: fc.array(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant("sync" as const) }),
    fc.record({ kind: fc.constant("restart" as const), pageBlocks: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant("failNext" as const) }),
    fc.record({ kind: fc.constant("race" as const) }),
  );

  it("delivers each log exactly once whatever the interleaving", async (context) => {
    const store = await fresh(kind, context);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const { address, block } = await deploy();
        const stream = `p${++streams}`;
        const emitted: bigint[] = [];
        let failNext = false;
        const make = (pageBlocks: number) =>
          new ChainIndexer({
            store,
            client: client(),
            name: stream,
            address,
            abi: notedAbi,
            fromBlock: block,
            pageBlocks,
            handle: async (tx, logs) => {
              await recorder(stream)(tx, logs);
              if (failNext) {
                failNext = false;
                throw new Error("injected failure");
              }
            },
          });
        let indexer = make(2);
        const tolerated = (error: unknown) =>
          (error instanceof Error && error.message === "injected failure") || error instanceof IndexerCursorMovedError;
        for (const s of steps) {
          if (s.kind === "emit") {
            if (s.values.length === 1) await emit(address, ...s.values);
            else await emitBlock(address, s.values);
            emitted.push(...s.values);
          } else if (s.kind === "sync") {
            await indexer.syncOnce().catch((error: unknown) => {
              if (!tolerated(error)) throw error;
            });
          } else if (s.kind === "restart") indexer = make(s.pageBlocks);
          else if (s.kind === "failNext") failNext = true;
          else {
            const outcomes = await Promise.allSettled([indexer.syncOnce(), make(3).syncOnce()]);
            for (const o of outcomes) if (o.status === "rejected" && !tolerated(o.reason)) throw o.reason;
          }
        }
        failNext = false;
        await make(5).syncOnce();
        expect(await recorded(store, stream)).toEqual(emitted);
      }),
      { seed: 7_230_901, numRuns: 12, endOnFailure: true },
    );
  });
});
