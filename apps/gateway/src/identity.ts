// Identity routes: DID resolution in the DIF Universal Resolver shape, answered from an index of the registry's
// events that the gateway keeps in step with the chain.
import { contractAddress, type DeploymentManifest, mainChain, publicClientFor, type Topology } from "@amc/chain";
import { getResolver, RegistryIndex, type ResolverConfig, resolveAmc } from "@amc/did";
import { Resolver } from "did-resolver";
import type { FastifyInstance } from "fastify";

export type IdentityServices = { index: RegistryIndex; config: ResolverConfig; resolver: Resolver };

export function identityServices(topology: Topology, manifest: DeploymentManifest): IdentityServices | undefined {
  const main = mainChain(topology);
  if (!main.modules.includes("identity")) return undefined;
  const index = new RegistryIndex(publicClientFor(main), contractAddress(manifest, main.name, "DIDRegistry"));
  const config: ResolverConfig = { network: topology.network, chainId: main.chainId, history: index.history };
  return { index, config, resolver: new Resolver(getResolver(config)) };
}

/** HTTP status of a resolution result, as the Universal Resolver answers. */
function statusOf(error: unknown): number {
  switch (error) {
    case undefined:
      return 200;
    case "invalidDid":
    case "invalidOptions":
      return 400;
    case "notFound":
      return 404;
    case "deactivated":
      return 410;
    case "methodNotSupported":
      return 501;
    default:
      return 500;
  }
}

export function registerIdentityRoutes(app: FastifyInstance, services: IdentityServices): void {
  app.get<{ Params: { did: string }; Querystring: { versionTime?: string } }>(
    "/1.0/identifiers/:did",
    {
      schema: {
        tags: ["identity"],
        summary: "Resolve a DID (DIF Universal Resolver shape); versionTime gives the document as it was",
        params: { type: "object", properties: { did: { type: "string" } }, required: ["did"] },
        querystring: { type: "object", properties: { versionTime: { type: "string", format: "date-time" } } },
      },
    },
    async (request, reply) => {
      const did = decodeURIComponent(request.params.did);
      const result = await resolveAmc(
        services.config,
        did,
        request.query.versionTime === undefined ? {} : { versionTime: request.query.versionTime },
      );
      return reply
        .code(statusOf(result.didResolutionMetadata.error))
        .type('application/ld+json;profile="https://w3id.org/did-resolution"')
        .send({ "@context": "https://w3id.org/did-resolution/v1", ...result });
    },
  );
}
