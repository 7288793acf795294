// DID resolution latency: through the gateway's indexed resolver over HTTP (GET /1.0/identifiers/{did}) against
// the reference, resolving directly from the chain by replaying eth_getLogs along the previousChange links.
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { startLocalNet } from "@amc/chain/testing";
import { addKey, chainHistory, createDid, formatDid, generateP256, publicOf, resolveAmc, revokeKey } from "@amc/did";
import { buildGateway } from "../apps/gateway/src/app.js";
import type { BenchRow } from "./xchain.bench.js";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function didResolution(changes: number, samples: number): Promise<BenchRow> {
  const net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  try {
    const main = net.topology.chains[0]!;
    const client = publicClientFor(main);
    const registry = contractAddress(net.manifest, "main", "DIDRegistry");
    const writer = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)), client, registry };
    const { id } = await createDid(writer, { subjectType: "organisation" });
    // A DID with a history: keys rotated `changes` times (each rotation: add one, revoke the previous).
    let key = generateP256();
    await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
    for (let i = 1; i < changes; i++) {
      const next = generateP256();
      await addKey(writer, { id, jwk: publicOf(next), relationship: "assertionMethod" });
      await revokeKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
      key = next;
    }
    const did = formatDid("test", id);
    const app = await buildGateway(net.topology, net.manifest, { home: net.paths.home });
    await app.listen({ host: "127.0.0.1", port: net.topology.services.gateway.port });
    const url = `http://127.0.0.1:${net.topology.services.gateway.port}/1.0/identifiers/${did}`;
    const direct = { network: "test", chainId: main.chainId, history: chainHistory(client, registry) };
    try {
      await fetch(url).then((r) => r.json()); // warm the index
      const ours: number[] = [];
      const reference: number[] = [];
      for (let i = 0; i < samples; i++) {
        let t = performance.now();
        const viaGateway = (await (await fetch(url)).json()) as { didDocument?: { id?: string } };
        ours.push(performance.now() - t);
        t = performance.now();
        const viaChain = await resolveAmc(direct, did);
        reference.push(performance.now() - t);
        if (viaGateway.didDocument?.id !== viaChain.didDocument?.id) throw new Error("the two resolutions disagree");
      }
      const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(2)} ms, p99 ${percentile(v, 99).toFixed(2)} ms`;
      return {
        name: `did:amc resolution, DID with ${changes * 2 - 1} changes (${samples} samples)`,
        ours: `${fmt(ours)} (gateway, indexed, over HTTP)`,
        reference: `${fmt(reference)} (direct eth_getLogs replay)`,
        ratio: `${(percentile(ours, 50) / percentile(reference, 50)).toFixed(3)}x at p50`,
        note: "lower is better",
      };
    } finally {
      await app.close();
    }
  } finally {
    await net.stop();
  }
}
