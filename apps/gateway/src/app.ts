// The gateway's routes, built as a Fastify instance so tests can `inject` requests without a socket.
import { consortiumAbi } from "@amc/abi";
import {
  contractAddress,
  type DeploymentManifest,
  findDelivery,
  mainChain,
  publicClientFor,
  type Topology,
} from "@amc/chain";
import Fastify, { type FastifyInstance } from "fastify";
import { isHex } from "viem";

export function buildGateway(topology: Topology, manifest: DeploymentManifest): FastifyInstance {
  const app = Fastify({ logger: false });
  const clients = new Map(topology.chains.map((c) => [c.name, publicClientFor(c)]));
  const main = mainChain(topology);

  app.get("/health", async () => ({ status: "ok", network: topology.network }));

  app.get("/v1/chains", async () => ({
    chains: await Promise.all(
      topology.chains.map(async (chain) => {
        const blockNumber = await clients
          .get(chain.name)!
          .getBlockNumber({ cacheTime: 0 })
          .then(Number)
          .catch(() => null);
        return {
          name: chain.name,
          role: chain.role,
          chainId: chain.chainId,
          h3Cell: chain.h3Cell ?? null,
          rpcUrl: chain.rpcUrl,
          blockNumber,
          validators: chain.validators,
          threshold: chain.threshold,
          contracts: manifest.chains[chain.name]?.contracts ?? {},
        };
      }),
    ),
  }));

  app.get("/v1/governance/members", async () => {
    const client = clients.get(main.name)!;
    const consortium = contractAddress(manifest, main.name, "Consortium");
    const addresses = await client.readContract({ address: consortium, abi: consortiumAbi, functionName: "members" });
    const members = await Promise.all(
      addresses.map(async (address) => {
        const [member, roles] = await Promise.all([
          client.readContract({ address: consortium, abi: consortiumAbi, functionName: "member", args: [address] }),
          client.readContract({ address: consortium, abi: consortiumAbi, functionName: "rolesOf", args: [address] }),
        ]);
        return {
          address,
          name: member.name,
          metadataURI: member.metadataURI,
          joinedAt: Number(member.joinedAt),
          roles,
        };
      }),
    );
    return { members };
  });

  app.get<{ Params: { chain: string; id: string } }>("/v1/xchain/:chain/deliveries/:id", async (request, reply) => {
    const { chain, id } = request.params;
    const client = clients.get(chain);
    if (!client) return reply.code(404).send({ error: `unknown chain ${chain}` });
    if (!isHex(id, { strict: true }) || id.length !== 66)
      return reply.code(400).send({ error: "id must be a 32-byte hex message id" });
    const delivery = await findDelivery(client, contractAddress(manifest, chain, "Mailbox"), id);
    return delivery
      ? { delivered: true, blockNumber: Number(delivery.blockNumber), txHash: delivery.txHash }
      : { delivered: false };
  });

  return app;
}
