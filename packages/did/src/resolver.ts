// The did:amc resolver (docs/did-method-amc.md section 3), in the shape of the `did-resolver` package, so that
// did-jwt, did-jwt-vc and Veramo resolve did:amc unchanged. Failures are values in didResolutionMetadata.error.
// Events come from a `HistorySource`: the chain itself (walking previousChange links with eth_getLogs) or an
// index that follows the registry (what the gateway uses).
import { didRegistryAbi } from "@amc/abi";
import type { ChainPublicClient } from "@amc/chain";
import type { DIDResolutionOptions, DIDResolutionResult, DIDResolver, ParsedDID } from "did-resolver";
import { type Address, type Hex, type Log, parseEventLogs } from "viem";
import { parseDid } from "./did.js";
import { buildDocument, type RegistryEvent, subjectTypes } from "./document.js";

/** All events of one id, oldest first. */
export type HistorySource = (id: Hex) => Promise<RegistryEvent[]>;

export type ResolverConfig = { network: string; chainId: number; history: HistorySource };

const JSON_LD = "application/did+ld+json";

function failure(error: string, message: string): DIDResolutionResult {
  return {
    didResolutionMetadata: { error, message },
    didDocument: null,
    didDocumentMetadata: {},
  };
}

export async function resolveAmc(
  config: ResolverConfig,
  did: string,
  options: { versionTime?: string } = {},
): Promise<DIDResolutionResult> {
  const parsed = parseDid(did);
  if (!parsed.ok) return failure(parsed.error, parsed.message);
  if (parsed.value.network !== config.network)
    return failure("notFound", `this resolver serves network "${config.network}", not "${parsed.value.network}"`);
  let until = Number.POSITIVE_INFINITY;
  if (options.versionTime !== undefined) {
    const time = Date.parse(options.versionTime);
    if (Number.isNaN(time))
      return failure("invalidOptions", `versionTime "${options.versionTime}" is not an RFC 3339 time`);
    until = Math.floor(time / 1000);
  }
  let events: RegistryEvent[];
  try {
    events = await config.history(parsed.value.id);
  } catch (error) {
    return failure(
      "internalError",
      `registry unavailable: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  }
  const visible = events.filter((e) => e.timestamp <= until);
  if (visible.length === 0)
    return failure("notFound", `${parsed.value.did} is not registered${Number.isFinite(until) ? " at that time" : ""}`);
  const now = Number.isFinite(until) ? until : Math.floor(Date.now() / 1000);
  const { document, metadata } = buildDocument({
    did: parsed.value.did,
    chainId: config.chainId,
    events: visible,
    now,
  });
  const next = events.find((e) => e.timestamp > until);
  const didDocumentMetadata = {
    ...metadata,
    ...(next
      ? {
          nextUpdate: new Date(next.timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          nextVersionId: next.blockNumber.toString(),
        }
      : {}),
  };
  if (metadata.deactivated)
    return {
      didResolutionMetadata: {
        contentType: JSON_LD,
        error: "deactivated",
        message: `${parsed.value.did} is deactivated`,
      },
      didDocument: document,
      didDocumentMetadata,
    };
  return { didResolutionMetadata: { contentType: JSON_LD }, didDocument: document, didDocumentMetadata };
}

/** `{ amc: resolver }` for `new Resolver(getResolver(config))` of the did-resolver package. */
export function getResolver(config: ResolverConfig): Record<string, DIDResolver> {
  return {
    amc: async (did: string, parsed: ParsedDID, _resolver: unknown, options: DIDResolutionOptions) => {
      const versionTime =
        parsed.params?.versionTime ?? (typeof options.versionTime === "string" ? options.versionTime : undefined);
      return resolveAmc(config, parsed.did ?? did, versionTime === undefined ? {} : { versionTime });
    },
  };
}

type RegistryLog = ReturnType<typeof parseEventLogs<typeof didRegistryAbi>>[number];

/** Turns decoded registry logs into events (timestamps from `timestampOf`), with their previousChange links. */
export async function toRegistryEvents(
  logs: RegistryLog[],
  timestampOf: (block: bigint) => Promise<number>,
): Promise<{ id: Hex; event: RegistryEvent; previousChange: bigint }[]> {
  const out: { id: Hex; event: RegistryEvent; previousChange: bigint }[] = [];
  for (const log of logs) {
    const base = {
      blockNumber: log.blockNumber ?? 0n,
      logIndex: log.logIndex ?? 0,
      timestamp: await timestampOf(log.blockNumber ?? 0n),
    };
    switch (log.eventName) {
      case "DIDCreated":
        out.push({
          id: log.args.id,
          previousChange: log.args.previousChange,
          event: {
            kind: "created",
            controller: log.args.controller,
            subjectType: subjectTypes[log.args.subjectType] ?? "none",
            ...base,
          },
        });
        break;
      case "DIDControllerChanged":
        out.push({
          id: log.args.id,
          previousChange: log.args.previousChange,
          event: { kind: "controllerChanged", controller: log.args.controller, ...base },
        });
        break;
      case "DIDAttributeChanged":
        out.push({
          id: log.args.id,
          previousChange: log.args.previousChange,
          event: {
            kind: "attributeChanged",
            name: log.args.name,
            value: log.args.value,
            validTo: BigInt(log.args.validTo),
            ...base,
          },
        });
        break;
      case "DIDDelegateChanged":
        out.push({
          id: log.args.id,
          previousChange: log.args.previousChange,
          event: {
            kind: "delegateChanged",
            delegateType: log.args.delegateType,
            delegate: log.args.delegate,
            validTo: BigInt(log.args.validTo),
            ...base,
          },
        });
        break;
      case "DIDDeactivated":
        out.push({ id: log.args.id, previousChange: log.args.previousChange, event: { kind: "deactivated", ...base } });
        break;
      default:
        break;
    }
  }
  return out;
}

function blockTimes(client: ChainPublicClient): (block: bigint) => Promise<number> {
  const cache = new Map<bigint, Promise<number>>();
  return (block) => {
    let time = cache.get(block);
    if (!time) {
      time = client.getBlock({ blockNumber: block }).then((b) => Number(b.timestamp));
      cache.set(block, time);
    }
    return time;
  };
}

/**
 * History straight from the chain, ERC-1056 style: read `changed(id)`, fetch that block's logs for the id, follow
 * the smallest previousChange, until 0. One eth_getLogs per block in which the DID changed.
 */
export function chainHistory(client: ChainPublicClient, registry: Address): HistorySource {
  const timestampOf = blockTimes(client);
  return async (id) => {
    let block = await client.readContract({
      address: registry,
      abi: didRegistryAbi,
      functionName: "changed",
      args: [id],
    });
    const collected: RegistryEvent[] = [];
    while (block > 0n) {
      const logs: Log[] = await client.getLogs({ address: registry, fromBlock: block, toBlock: block });
      const events = (await toRegistryEvents(parseEventLogs({ abi: didRegistryAbi, logs }), timestampOf)).filter(
        (e) => e.id === id,
      );
      if (events.length === 0) break;
      collected.push(...events.map((e) => e.event));
      // Follow the oldest link found in this block (bigints: no Math.min).
      let next = 0n;
      for (const { previousChange } of events)
        if (previousChange < block && (next === 0n || previousChange < next)) next = previousChange;
      block = next;
    }
    return collected.sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
  };
}

/**
 * An index of every registry event, kept current by `sync()` (one eth_getLogs per new block range). Resolution
 * from it costs no RPC at all; the gateway syncs it on a timer and before each resolution.
 */
export class RegistryIndex {
  private readonly byId = new Map<Hex, RegistryEvent[]>();
  private nextBlock = 0n;
  private syncing: Promise<void> | undefined;
  private readonly timestampOf: (block: bigint) => Promise<number>;

  constructor(
    private readonly client: ChainPublicClient,
    private readonly registry: Address,
  ) {
    this.timestampOf = blockTimes(client);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Brings the index up to the chain head; concurrent calls share one sync. */
  sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const head = await this.client.getBlockNumber({ cacheTime: 0 });
    while (this.nextBlock <= head) {
      const to = this.nextBlock + 4999n < head ? this.nextBlock + 4999n : head;
      const logs = await this.client.getLogs({ address: this.registry, fromBlock: this.nextBlock, toBlock: to });
      for (const { id, event } of await toRegistryEvents(
        parseEventLogs({ abi: didRegistryAbi, logs }),
        this.timestampOf,
      )) {
        const list = this.byId.get(id) ?? [];
        list.push(event);
        this.byId.set(id, list);
      }
      this.nextBlock = to + 1n;
    }
  }

  /** Ids whose current controller is `controller` (after every controller change), oldest first. */
  async controlledBy(controller: Address): Promise<Hex[]> {
    await this.sync();
    const wanted = controller.toLowerCase();
    const ids: Hex[] = [];
    for (const [id, events] of this.byId) {
      let current: string | undefined;
      let deactivated = false;
      for (const event of events) {
        if (event.kind === "created" || event.kind === "controllerChanged") current = event.controller.toLowerCase();
        if (event.kind === "deactivated") deactivated = true;
      }
      if (current === wanted && !deactivated) ids.push(id);
    }
    return ids;
  }

  readonly history: HistorySource = async (id) => {
    await this.sync();
    return [...(this.byId.get(id) ?? [])];
  };
}
