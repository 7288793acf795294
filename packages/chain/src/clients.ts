// viem clients for a chain of the topology. Every chain call in the project goes through these.
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

export type ChainRef = { name: string; chainId: number; rpcUrl: string; blockTimeSeconds?: number };

export function viemChain(chain: ChainRef): Chain {
  return defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  });
}

export type ChainPublicClient = PublicClient<Transport, Chain>;
export type ChainWalletClient = WalletClient<Transport, Chain, Account>;

function pollingInterval(chain: ChainRef): number {
  const blockTime = chain.blockTimeSeconds ?? 1;
  return blockTime === 0 ? 50 : Math.min(1000, blockTime * 250);
}

export function publicClientFor(chain: ChainRef): ChainPublicClient {
  return createPublicClient({
    chain: viemChain(chain),
    transport: http(chain.rpcUrl, { retryCount: 2, timeout: 15_000 }),
    pollingInterval: pollingInterval(chain),
  });
}

export function walletClientFor(chain: ChainRef, privateKey: Hex): ChainWalletClient {
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: viemChain(chain),
    transport: http(chain.rpcUrl, { retryCount: 0, timeout: 15_000 }),
    pollingInterval: pollingInterval(chain),
  });
}
