// Revocation on the edge: the misbehaviour authority publishes a vehicle's linkage seeds on main
// (V2xTrustStore.publishLinkageSeeds); the relayer carries them to every edge chain's IdentityMirror; this watcher
// reads new entries from the cell chain's mirror each poll and adds them to the RSU's RevocationSet, then tells
// the RSU so it can drop the open sessions of the revoked tickets. From that poll on, the RSU refuses them.
import { identityMirrorAbi } from "@amc/abi";
import type { ChainPublicClient } from "@amc/chain";
import { errorMessage, type Logger } from "@amc/utils";
import type { PublishedSeeds, RevocationSet } from "@amc/v2x";
import { type Address, hexToBytes } from "viem";

export type RevocationWatcherOptions = {
  client: ChainPublicClient;
  mirror: Address;
  revocations: RevocationSet;
  pollIntervalMs: number;
  logger: Logger;
  /** Called after new entries were added (the RSU closes sessions of now-revoked tickets). */
  onRevoked: (added: number) => void;
};

export class RevocationWatcher {
  private seen = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(private readonly options: RevocationWatcherOptions) {}

  get entries(): number {
    return this.seen;
  }

  /** Reads the mirror once; returns how many new entries were added. */
  async poll(): Promise<number> {
    const { client, mirror, revocations } = this.options;
    const count = Number(
      await client.readContract({ address: mirror, abi: identityMirrorAbi, functionName: "linkageSeedCount" }),
    );
    let added = 0;
    while (this.seen < count) {
      const [period, laId1, seed1, laId2, seed2] = await client.readContract({
        address: mirror,
        abi: identityMirrorAbi,
        functionName: "linkageSeed",
        args: [BigInt(this.seen)],
      });
      const entry: PublishedSeeds = {
        period: Number(period),
        laId1: Number(laId1),
        seed1: hexToBytes(seed1),
        laId2: Number(laId2),
        seed2: hexToBytes(seed2),
      };
      revocations.add(entry);
      this.seen++;
      added++;
    }
    if (added > 0) {
      this.options.logger.info("linkage seeds received from the mirror", { added, total: this.seen });
      this.options.onRevoked(added);
    }
    return added;
  }

  start(): void {
    const tick = () => {
      this.polling = this.poll().then(
        () => {
          this.lastError = undefined;
        },
        (error: unknown) => {
          this.lastError = errorMessage(error);
        },
      );
      this.polling.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.pollIntervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }
}
