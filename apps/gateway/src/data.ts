// Data-sharing routes (docs/data-sharing.md): the vault, consents, consented reads by proxy re-encryption, the
// disclosure log, erasure, breach notices, data requests and anonymised releases. Three kinds of caller:
// - a vehicle uploads objects it signed with its DID key (the body authenticates itself);
// - an owner (the Ethereum account controlling a vehicle DID) sends `Authorization: Owner <token>` (ownerAuth.ts) or
//   an EIP-712 signature in the body (consents, revocations);
// - a consumer or member organisation sends `Authorization: DID <jwt>` (DID auth);
// - the operator sends `Authorization: Bearer <home>/gateway/admin.token` (incidents, retention sweeps).
import { createPublicKey, randomBytes, verify as verifySignature } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  contractAddress,
  type DeploymentManifest,
  devPrivateKeyOf,
  mainChain,
  platformOperator,
  publicClientFor,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import {
  ChainWriter,
  consentTemplates,
  DataError,
  DataService,
  type DatasetService,
  defaultMaxRetentionSeconds,
  openDatasets,
  ownerAuthVerifier,
  preOps,
  umbralKeyFromJwk,
} from "@amc/data";
import { BlobStore, type Store, storeForHome } from "@amc/store";
import { createLogger, errorMessage } from "@amc/utils";
import { verifyCredential } from "@amc/vc";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Address, type Hex, isHex } from "viem";
import type { CredentialCheck } from "./credentials.js";
import type { IdentityServices } from "./identity.js";
import { adminGuard, ProblemError } from "./problem.js";

export type DataRoutesOptions = {
  home: string;
  /** Re-encryption proxies (default 3; a consent's threshold is chosen by the owner, 2 by default). */
  proxies?: number;
  /** The vault's jurisdiction (default CN). */
  region?: string;
  /** Background work (anchoring, retention sweeps, revocation watch, request payments); tests may drive it by hand. */
  background?: boolean;
  anchorIntervalMs?: number;
  disclosureAnchorIntervalMs?: number;
  /** How often due data-request payments are released from DataEscrow (default 2 s). */
  paymentIntervalMs?: number;
  now?: () => number;
};

export type DataRoutes = {
  service: DataService;
  datasets: DatasetService;
  store: Store;
  adminToken: string;
  /** The custodian's serialised writer on main (other main-chain writes of this account go through it too). */
  writer: ChainWriter;
};

const mounted = new WeakMap<FastifyInstance, DataRoutes>();
/** The data services a gateway mounted (tests and the bench drive background work by hand through it). */
export const dataRoutesOf = (app: FastifyInstance): DataRoutes | undefined => mounted.get(app);

function loadOrCreateAdminToken(dir: string): string {
  const path = join(dir, "admin.token");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/** The platform operator's chain account (the data custodian): AMC_CUSTODIAN_KEY, or the dev key of the operator. */
export function custodianKey(topology: Topology): Hex {
  const fromEnv = process.env.AMC_CUSTODIAN_KEY;
  if (fromEnv && isHex(fromEnv) && fromEnv.length === 66) return fromEnv;
  const key = topology.keys === "dev" ? devPrivateKeyOf(platformOperator(topology).address) : undefined;
  if (!key)
    throw new DataError("unavailable", "the gateway has no data-custodian key", {
      fix: "set AMC_CUSTODIAN_KEY to the private key of a consortium member account",
    });
  return key;
}

export async function registerDataRoutes(
  app: FastifyInstance,
  topology: Topology,
  manifest: DeploymentManifest,
  identity: IdentityServices,
  credentials: CredentialCheck,
  options: DataRoutesOptions,
): Promise<DataRoutes> {
  const main = mainChain(topology);
  const client = publicClientFor(main);
  const logger = createLogger({ service: "gateway", component: "data" });
  const store = await storeForHome(options.home);
  const blobs = new BlobStore(join(options.home, "blobs"));
  const writer = new ChainWriter(client, walletClientFor(main, custodianKey(topology)));
  const adminToken = loadOrCreateAdminToken(join(options.home, "gateway"));
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  // Priced data requests are paid in AMCT from DataEscrow when main carries the token module; its operator is the
  // platform operator, which is this custodian account.
  const dataEscrow = main.modules.includes("token") ? contractAddress(manifest, main.name, "DataEscrow") : undefined;
  const token = main.modules.includes("token") ? contractAddress(manifest, main.name, "AMCT") : undefined;

  const resolve = async (did: string) => {
    const result = await identity.resolver.resolve(did);
    if (result.didResolutionMetadata.error || !result.didDocument) return undefined;
    return result.didDocument;
  };
  const service = await DataService.open({
    store,
    blobs,
    writer,
    client,
    network: topology.network,
    contracts: {
      consentRegistry: contractAddress(manifest, main.name, "ConsentRegistry"),
      dataLedger: contractAddress(manifest, main.name, "DataLedger"),
      didRegistry: contractAddress(manifest, main.name, "DIDRegistry"),
      ...(dataEscrow ? { dataEscrow } : {}),
    },
    pre: preOps,
    policy: {
      region: options.region ?? "CN",
      maxRetentionSeconds: defaultMaxRetentionSeconds,
    },
    proxies: options.proxies ?? 3,
    now,
    logger,
    identity: {
      async verifySignature(did, kid, digest, signature) {
        const document = await resolve(did);
        if (!document) return false;
        const referenced = [...(document.assertionMethod ?? []), ...(document.authentication ?? [])].some(
          (m) => (typeof m === "string" ? m : m.id) === kid,
        );
        const method = document.verificationMethod?.find((m) => m.id === kid);
        if (!referenced || !method?.publicKeyJwk || method.publicKeyJwk.crv !== "P-256") return false;
        try {
          const key = createPublicKey({ key: method.publicKeyJwk as never, format: "jwk" });
          return verifySignature("sha256", digest, { key, dsaEncoding: "ieee-p1363" }, signature);
        } catch {
          return false;
        }
      },
      async umbralKeyOf(did) {
        const document = await resolve(did);
        const ids = (document?.keyAgreement ?? []).map((m) => (typeof m === "string" ? m : m.id));
        const methods = (document?.verificationMethod ?? []).filter(
          (m) => ids.includes(m.id) && m.publicKeyJwk?.crv === "secp256k1",
        );
        const jwk = methods.at(-1)?.publicKeyJwk;
        return jwk ? umbralKeyFromJwk(jwk as { x: string; y: string }) : undefined;
      },
      async verifyAccessCredential(jwt, holder) {
        const result = await verifyCredential(jwt, credentials.verifyOptions);
        if (!result.verified || !result.credential)
          return {
            ok: false,
            reason: result.errors.map((e) => `${e.code}: ${e.message}`).join("; ") || "not verified",
          };
        const types = ([] as string[]).concat(result.credential.type as string | string[]);
        if (!types.includes("AccessGrantCredential")) return { ok: false, reason: "not an AccessGrantCredential" };
        const subject = result.credential.credentialSubject as Record<string, unknown>;
        if (subject.id !== holder)
          return { ok: false, reason: `the credential was issued to ${String(subject.id)}, not to ${holder}` };
        return {
          ok: true,
          vehicle: String(subject.vehicle),
          scopes: (subject.scopes as string[]) ?? [],
          purpose: String(subject.purpose),
          expiry: Math.floor(Date.parse(String(subject.expiry)) / 1000),
          ...(typeof subject.consent === "string" ? { consentId: subject.consent } : {}),
        };
      },
    },
  });
  const datasets = await openDatasets(store, now);

  const verifyOwner = ownerAuthVerifier(credentials.baseUrl);
  const owner = async (request: FastifyRequest, subject: string | undefined): Promise<Address> => {
    if (!subject) throw new ProblemError(400, "Missing subject", "say whose data: ?subject=<vehicle DID>");
    const header = request.headers.authorization ?? "";
    if (!header.startsWith("Owner "))
      throw new ProblemError(
        401,
        "Owner authentication required",
        "send `Authorization: Owner <token>` signed by the vehicle's owner",
        {
          fix: "the SDK's createOwnerToken(account, gatewayUrl) makes one",
        },
      );
    const result = await verifyOwner(header.slice(6));
    if (!result.ok) throw new ProblemError(401, "Owner authentication failed", result.reason);
    await service.assertOwner(result.address, subject);
    return result.address;
  };
  const admin = adminGuard(adminToken);
  const subjectOf = (request: FastifyRequest) => (request.query as Record<string, string | undefined>).subject;

  const tags = ["data"];
  app.get(
    "/v1/data/config",
    { schema: { tags, summary: "Proxies, region, contracts and kinds of this vault" } },
    async () => ({
      proxies: service.proxies,
      defaultThreshold: Math.min(2, service.proxies),
      region: options.region ?? "CN",
      audience: credentials.baseUrl,
      chainId: main.chainId,
      consentRegistry: contractAddress(manifest, main.name, "ConsentRegistry"),
      dataLedger: contractAddress(manifest, main.name, "DataLedger"),
      /** Where priced data requests are funded (null without the token module). */
      dataEscrow: dataEscrow ?? null,
      token: token ?? null,
      templates: consentTemplates,
    }),
  );

  app.post(
    "/v1/data/objects",
    { schema: { tags, summary: "Upload a sealed object signed by the vehicle" }, bodyLimit: 24 * 1024 * 1024 },
    async (request, reply) => {
      const result = await service.put(request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );
  app.get<{ Params: { id: string } }>(
    "/v1/data/objects/:id",
    { schema: { tags, summary: "An object's public record" } },
    async (request) => {
      const view = await service.object(request.params.id);
      return {
        objectId: view.objectId,
        subject: view.subject,
        kind: view.kind,
        dataClass: view.dataClass,
        saltedHash: view.saltedHash,
        anchorTx: view.anchorTx,
        erasedAt: view.erasedAt,
      };
    },
  );
  app.get(
    "/v1/data/objects",
    { schema: { tags, summary: "An owner's objects (?subject=<vehicle DID>, owner auth)" } },
    async (request) => {
      const subject = subjectOf(request);
      await owner(request, subject);
      return { objects: await service.objectsOf(subject as string) };
    },
  );
  app.post<{ Params: { id: string } }>(
    "/v1/data/objects/:id/read",
    { schema: { tags, summary: "A consented read (DID auth as grantee): re-encrypted fragments, logged" } },
    async (request) => {
      const consumer = await credentials.authenticate(request);
      return service.read(consumer, request.params.id, request.body);
    },
  );
  app.delete<{ Params: { id: string } }>(
    "/v1/data/objects/:id",
    { schema: { tags, summary: "Erase an object (owner auth): crypto-shredding" } },
    async (request) => {
      const view = await service.object(request.params.id);
      await owner(request, view.subject);
      const erased = await service.erase(request.params.id, "owner_request");
      void service.anchorPending().catch(() => undefined);
      return erased;
    },
  );

  app.get("/v1/data/templates", { schema: { tags, summary: "Consent templates for common grants" } }, async () => ({
    templates: consentTemplates,
  }));
  app.post(
    "/v1/data/consents",
    { schema: { tags, summary: "Relay an owner-signed consent with its key fragments" } },
    async (request, reply) => reply.code(201).send(await service.grant(request.body)),
  );
  app.get(
    "/v1/data/consents",
    {
      schema: { tags, summary: "Consents of a vehicle (?subject=, owner auth) or of a grantee (?grantee=, DID auth)" },
    },
    async (request) => {
      const query = request.query as Record<string, string | undefined>;
      if (query.grantee) {
        const caller = await credentials.authenticate(request);
        if (caller !== query.grantee) throw new ProblemError(403, "Not the grantee", `you authenticated as ${caller}`);
        return { consents: await service.consentsOf({ grantee: query.grantee }) };
      }
      const subject = subjectOf(request);
      await owner(request, subject);
      return { consents: await service.consentsOf({ subject: subject as string }) };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/v1/data/consents/:id",
    { schema: { tags, summary: "One consent" } },
    async (request) => service.consent(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    "/v1/data/consents/:id/revoke",
    { schema: { tags, summary: "Relay the owner's signed revocation" } },
    async (request) => service.revoke(request.params.id, request.body),
  );
  app.get(
    "/v1/data/disclosures",
    { schema: { tags, summary: "Everyone who read a vehicle's data, and why (owner auth)" } },
    async (request) => {
      const subject = subjectOf(request);
      await owner(request, subject);
      return { subject, disclosures: await service.disclosuresOf(subject as string) };
    },
  );
  app.get<{ Querystring: { from?: string; to?: string } }>(
    "/v1/data/disclosures/export",
    {
      schema: {
        tags,
        summary:
          "The anchored disclosure log between two sequence numbers, with its anchors (public; to recompute roots and reward epochs)",
      },
    },
    async (request) => service.disclosureExport(Number(request.query.from ?? 0), Number(request.query.to ?? 99_999)),
  );
  app.get(
    "/v1/data/notifications",
    { schema: { tags, summary: "Breach notices about a vehicle's data (owner auth)" } },
    async (request) => {
      const subject = subjectOf(request);
      await owner(request, subject);
      return { subject, notifications: await service.notificationsOf(subject as string) };
    },
  );
  app.post(
    "/v1/data/incidents",
    { schema: { tags, summary: "Record a breach and notify every affected owner (admin)" } },
    async (request, reply) => {
      admin(request);
      return reply.code(201).send(await service.recordIncident(request.body));
    },
  );
  app.post(
    "/v1/data/retention/sweep",
    { schema: { tags, summary: "Erase what is past its retention now (admin)" } },
    async (request) => {
      admin(request);
      return { erased: await service.sweepRetention() };
    },
  );

  app.post(
    "/v1/data/requests",
    { schema: { tags, summary: "Post a data request (DID auth as requester)" } },
    async (request, reply) => {
      const requester = await credentials.authenticate(request);
      return reply.code(201).send(await service.createRequest(requester, request.body));
    },
  );
  app.get("/v1/data/requests", { schema: { tags, summary: "Data requests (?status=open)" } }, async (request) => ({
    requests: await service.requests({
      ...((request.query as { status?: string }).status
        ? { status: (request.query as { status: string }).status }
        : {}),
    }),
  }));
  app.get<{ Params: { id: string } }>(
    "/v1/data/requests/:id",
    { schema: { tags, summary: "One data request with its participants" } },
    async (request) => service.request(request.params.id),
  );
  app.post(
    "/v1/data/payments/settle",
    { schema: { tags, summary: "Release the due data-request payments from DataEscrow now (admin)" } },
    async (request) => {
      admin(request);
      return service.settlePayments();
    },
  );

  app.post(
    "/v1/data/datasets",
    {
      schema: { tags, summary: "Register a record set for anonymised releases (DID auth)" },
      bodyLimit: 24 * 1024 * 1024,
    },
    async (request, reply) => {
      const by = await credentials.authenticate(request);
      return reply.code(201).send(await datasets.create(by, request.body));
    },
  );
  app.get<{ Params: { id: string } }>(
    "/v1/data/datasets/:id",
    { schema: { tags, summary: "A dataset's columns, size and privacy budget" } },
    async (request) => datasets.describe(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    "/v1/data/datasets/:id/query",
    { schema: { tags, summary: "A differentially private aggregate (DID auth); refused past the budget" } },
    async (request) => {
      const by = await credentials.authenticate(request);
      return datasets.query(request.params.id, by, request.body);
    },
  );
  app.post<{ Params: { id: string } }>(
    "/v1/data/datasets/:id/release",
    { schema: { tags, summary: "A k-anonymous release of the records (Mondrian; DID auth)" } },
    async (request) => {
      const by = await credentials.authenticate(request);
      return datasets.release(request.params.id, by, request.body);
    },
  );

  if (options.background !== false) {
    let busy = false;
    const tick = (what: string, work: () => Promise<unknown>) => async () => {
      if (busy) return;
      busy = true;
      try {
        await work();
      } catch (error) {
        logger.warn(`${what} failed; retrying`, { error: errorMessage(error) });
      } finally {
        busy = false;
      }
    };
    const timers = [
      setInterval(
        tick("anchoring objects", () => service.anchorPending()),
        options.anchorIntervalMs ?? 2_000,
      ),
      setInterval(
        tick("anchoring disclosures", () => service.anchorDisclosures()),
        options.disclosureAnchorIntervalMs ?? 30_000,
      ),
      setInterval(
        tick("retention sweep", () => service.sweepRetention()),
        60_000,
      ),
      setInterval(
        tick("watching revocations", () => service.syncRevocations()),
        2_000,
      ),
      setInterval(
        tick("paying data requests", () => service.settlePayments()),
        options.paymentIntervalMs ?? 2_000,
      ),
    ];
    app.addHook("onClose", async () => {
      for (const t of timers) clearInterval(t);
    });
  }
  app.addHook("onClose", async () => {
    await store.close();
  });
  const routes = { service, datasets, store, adminToken, writer };
  mounted.set(app, routes);
  return routes;
}
