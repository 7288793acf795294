// The credential routes (W3C VC API shapes): issue for a DID whose signing key this gateway holds, update status,
// serve status lists, verify credentials and presentations. Write routes need DID authentication and the
// issuer's consortium role; every status change is anchored on the main chain (StatusListRegistry) so verifiers
// can check that the list they fetched is the one the issuer committed to.
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { consortiumAbi, didRegistryAbi, statusListRegistryAbi, vehicleLifecycleAbi } from "@amc/abi";
import {
  type ChainPublicClient,
  contractAddress,
  type DeploymentManifest,
  devPrivateKeyOf,
  mainChain,
  publicClientFor,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import { type DidAuthVerifier, didAuthVerifier, formatDid, Keystore, parseDid } from "@amc/did";
import { readJsonIfExists, stringify, writeFileAtomic } from "@amc/utils";
import {
  BitstringStatusList,
  type ConsortiumRole,
  createStatusListCredential,
  credentialTypes,
  envelopeCredential,
  type FetchedStatusList,
  type IssuerRule,
  isPlatformCredentialType,
  issueCredential,
  issueVcJwt,
  openEnvelope,
  type PlatformCredentialType,
  type StatusPurpose,
  statusListStateHash,
  type VerifyCredentialOptions,
  verifyCredential,
  verifyPresentation,
} from "@amc/vc";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Address, keccak256, stringToHex } from "viem";
import { z } from "zod";
import type { IdentityServices } from "./identity.js";
import { ProblemError, parseBody } from "./problem.js";

const purposes = ["revocation", "suspension"] as const;

const listSchema = z.object({
  encoded: z.string(),
  nextIndex: z.number().int(),
  version: z.number().int(),
  registered: z.boolean(),
});
const issuerStateSchema = z.object({
  did: z.string(),
  lists: z.object({ revocation: listSchema, suspension: listSchema }),
  credentials: z.record(
    z.string(),
    z.object({
      index: z.number().int(),
      revoked: z.boolean(),
      suspended: z.boolean(),
      subjects: z.array(z.string()).default([]),
      /** The credential's type and when it was issued (Unix s); absent in files written before they were kept. */
      type: z.string().optional(),
      issuedAt: z.number().int().optional(),
    }),
  ),
});
type IssuerState = z.infer<typeof issuerStateSchema>;

/** Per-issuer status lists and which index each credential got, one JSON file per issuer (atomic writes). */
class IssuerStore {
  constructor(private readonly dir: string) {}
  private path(did: string) {
    return join(this.dir, `${did.replaceAll(":", "_")}.json`);
  }
  load(did: string): IssuerState {
    const raw = readJsonIfExists(this.path(did));
    if (raw !== undefined) return issuerStateSchema.parse(raw);
    const empty = () => ({ encoded: new BitstringStatusList().encode(), nextIndex: 0, version: 0, registered: false });
    return { did, lists: { revocation: empty(), suspension: empty() }, credentials: {} };
  }
  save(state: IssuerState) {
    writeFileAtomic(this.path(state.did), stringify(state));
  }
  issuers(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => n.startsWith("did_") && n.endsWith(".json"))
      .map((n) => n.slice(0, -5).replaceAll("_", ":"));
  }
}

export type CredentialServices = {
  verifyAuth: DidAuthVerifier;
  baseUrl: string;
};

/** What other route groups reuse: credential verification with this gateway's checks, and DID authentication. */
export type CredentialCheck = {
  verifyOptions: VerifyCredentialOptions;
  /** The caller's DID from `Authorization: DID <jwt>`, or a 401 problem. */
  authenticate(request: FastifyRequest): Promise<string>;
  baseUrl: string;
  /** Credentials this gateway issued about a subject DID, with their status. */
  credentialsAbout(subject: string): {
    id: string;
    issuer: string;
    type: string | null;
    issuedAt: number | null;
    index: number;
    status: "active" | "revoked" | "suspended";
  }[];
};

const issueBody = z.object({
  credential: z.looseObject({
    type: z.array(z.string()).min(1),
    issuer: z.union([z.string(), z.looseObject({ id: z.string() })]),
    credentialSubject: z.record(z.string(), z.unknown()),
    validFrom: z.string().optional(),
    validUntil: z.string().optional(),
    id: z.string().optional(),
  }),
  options: z
    .object({
      format: z.enum(["vc+jwt", "sd-jwt"]).default("vc+jwt"),
      disclosable: z.array(z.string()).optional(),
      holderJwk: z.looseObject({ kty: z.string() }).optional(),
    })
    .default({ format: "vc+jwt" }),
});

const statusBody = z.object({
  credentialId: z.string().min(1),
  credentialStatus: z
    .array(
      z.object({ type: z.literal("BitstringStatusListEntry"), status: z.enum(["revoked", "suspended", "active"]) }),
    )
    .min(1),
});

const securedSchema = z.union([
  z.string().min(1),
  z.looseObject({ type: z.union([z.string(), z.array(z.string())]), id: z.string().startsWith("data:") }),
]);
const verifyBody = z.object({ verifiableCredential: securedSchema, options: z.object({}).loose().optional() });
const presentationBody = z.object({
  verifiablePresentation: securedSchema,
  options: z.object({ challenge: z.string().optional(), domain: z.string().optional() }).optional(),
});

function unwrap(secured: z.infer<typeof securedSchema>): string {
  if (typeof secured === "string") return secured;
  const opened = openEnvelope(secured.id);
  return typeof opened.credential === "string" ? opened.credential : Buffer.from(opened.credential).toString("base64");
}

export function registerCredentialRoutes(
  app: FastifyInstance,
  topology: Topology,
  manifest: DeploymentManifest,
  identity: IdentityServices,
  home: string,
): CredentialCheck {
  const main = mainChain(topology);
  const client: ChainPublicClient = publicClientFor(main);
  const registry = contractAddress(manifest, main.name, "DIDRegistry");
  const consortium = contractAddress(manifest, main.name, "Consortium");
  const statusRegistry = contractAddress(manifest, main.name, "StatusListRegistry");
  const keystore = new Keystore(join(home, "keys"));
  const store = new IssuerStore(join(home, "issuer"));
  const baseUrl = `http://${topology.services.host}:${topology.services.gateway.port}`;
  const verifyAuth = didAuthVerifier({ audience: baseUrl, resolve: (did) => identity.resolver.resolve(did) });
  const statusUrl = (did: string, purpose: StatusPurpose) => `${baseUrl}/status/${did}/${purpose}`;

  const controllerOf = async (did: string): Promise<Address | undefined> => {
    const parsed = parseDid(did);
    if (!parsed.ok) return undefined;
    return client.readContract({
      address: registry,
      abi: didRegistryAbi,
      functionName: "controllerOf",
      args: [parsed.value.id],
    });
  };
  const resolveKey: VerifyCredentialOptions["resolveKey"] = async (kid) => {
    const result = await identity.resolver.resolve(kid.split("#")[0] ?? "");
    if (result.didResolutionMetadata.error) return undefined;
    return result.didDocument?.verificationMethod?.find((m) => m.id === kid)?.publicKeyJwk;
  };
  const issuerHasRole = async (did: string, role: ConsortiumRole) => {
    const controller = await controllerOf(did);
    if (!controller) return false;
    return client.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "hasRole",
      args: [keccak256(stringToHex(role)), controller],
    });
  };
  const issuerControls = async (issuer: string, subject: string) => {
    const [a, b] = await Promise.all([controllerOf(issuer), controllerOf(subject)]);
    return a !== undefined && a === b && a !== "0x0000000000000000000000000000000000000000";
  };
  const fetchStatusList = async (url: string): Promise<FetchedStatusList> => {
    const [stateHash, version] = await client.readContract({
      address: statusRegistry,
      abi: statusListRegistryAbi,
      functionName: "current",
      args: [keccak256(stringToHex(url))],
    });
    const anchoredHash = version > 0n ? stateHash : undefined;
    const local = url.startsWith(`${baseUrl}/status/`) ? url.slice(`${baseUrl}/status/`.length).split("/") : undefined;
    if (local && local.length === 2) {
      const [did = "", purpose = ""] = local;
      const signed = statusListCredential(did, purpose === "suspension" ? "suspension" : "revocation");
      return { credential: signed, ...(anchoredHash ? { anchoredHash } : {}) };
    }
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { credential: await response.text(), ...(anchoredHash ? { anchoredHash } : {}) };
  };
  const verifyOptions: VerifyCredentialOptions = { resolveKey, issuerHasRole, issuerControls, fetchStatusList };

  // A signed list is reused while its content and signing key are unchanged, for at most a minute: every consented
  // read verifies a status, and re-signing the same list each time is wasted work.
  const signedLists = new Map<string, { key: string; jwt: string; at: number }>();
  const statusListCredential = (did: string, purpose: StatusPurpose): string => {
    const state = store.load(did);
    const key = keystore.key(did, "assertionMethod");
    if (!key) throw new ProblemError(404, "Unknown status list", `this gateway publishes no status list for ${did}`);
    const cacheKey = `${key.kid}|${state.lists[purpose].version}|${state.lists[purpose].encoded}`;
    const cached = signedLists.get(`${did}|${purpose}`);
    if (cached && cached.key === cacheKey && Date.now() - cached.at < 60_000) return cached.jwt;
    const document = createStatusListCredential({
      id: statusUrl(did, purpose),
      issuer: did,
      statusPurpose: purpose,
      list: BitstringStatusList.decode(state.lists[purpose].encoded),
    });
    const jwt = issueVcJwt({ credential: document, kid: key.kid, privateKey: key.privateJwk });
    signedLists.set(`${did}|${purpose}`, { key: cacheKey, jwt, at: Date.now() });
    return jwt;
  };

  /** Writes the list's new state hash on chain with the issuer DID controller's key (dev keys here). */
  const anchor = async (did: string, purpose: StatusPurpose, state: IssuerState) => {
    const parsed = parseDid(did);
    const controller = await controllerOf(did);
    if (!parsed.ok || !controller) throw new ProblemError(404, "Unknown issuer", `${did} is not registered`);
    const key = topology.keys === "dev" ? devPrivateKeyOf(controller) : undefined;
    if (!key)
      throw new ProblemError(
        409,
        "Cannot anchor",
        `the gateway holds no chain key for ${controller}, the controller of ${did}`,
      );
    const wallet = walletClientFor(main, key);
    const list = state.lists[purpose];
    const url = statusUrl(did, purpose);
    const listId = keccak256(stringToHex(url));
    const send = async (request: Parameters<typeof wallet.writeContract>[0]) => {
      const hash = await wallet.writeContract(request);
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new ProblemError(502, "Anchoring failed", `transaction ${hash} reverted`);
    };
    if (!list.registered) {
      const { request } = await client.simulateContract({
        account: wallet.account,
        address: statusRegistry,
        abi: statusListRegistryAbi,
        functionName: "registerList",
        args: [listId, parsed.value.id, url, purpose === "revocation" ? 0 : 1],
      });
      await send(request);
      list.registered = true;
    }
    list.version += 1;
    const { request } = await client.simulateContract({
      account: wallet.account,
      address: statusRegistry,
      abi: statusListRegistryAbi,
      functionName: "anchor",
      args: [listId, statusListStateHash(list.encoded), BigInt(list.version)],
    });
    await send(request);
  };

  const authenticate = async (request: FastifyRequest): Promise<string> => {
    const header = request.headers.authorization ?? "";
    const token = header.startsWith("DID ") ? header.slice(4) : header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!token)
      throw new ProblemError(
        401,
        "Authentication required",
        "send `Authorization: DID <jwt>` signed by an authentication key of your DID",
      );
    const result = await verifyAuth.verify(token);
    if (!result.ok) throw new ProblemError(401, "Authentication failed", result.reason);
    return result.did;
  };

  async function checkIssuerRule(rule: IssuerRule, issuer: string, subject: Record<string, unknown>, type: string) {
    if (rule.kind === "role") {
      for (const role of rule.anyOf) if (await issuerHasRole(issuer, role)) return;
      throw new ProblemError(
        403,
        "Issuer not authorised",
        `${type} needs an issuer with role ${rule.anyOf.join(" or ")}`,
      );
    }
    const target = subject[rule.subjectField];
    if (typeof target !== "string" || !(await issuerControls(issuer, target)))
      throw new ProblemError(
        403,
        "Issuer not authorised",
        `${type} must be issued by the controller of credentialSubject.${rule.subjectField}`,
      );
  }

  app.post(
    "/credentials/issue",
    { schema: { tags: ["credentials"], summary: "Issue a credential (DID auth; issuer = caller)" } },
    async (request) => {
      const caller = await authenticate(request);
      const body = parseBody(issueBody, request.body);
      const issuer = typeof body.credential.issuer === "string" ? body.credential.issuer : body.credential.issuer.id;
      if (issuer !== caller)
        throw new ProblemError(
          403,
          "Not the issuer",
          `you authenticated as ${caller} but the credential's issuer is ${issuer}`,
        );
      const type = body.credential.type.find(isPlatformCredentialType);
      if (!type)
        throw new ProblemError(
          400,
          "Unknown credential type",
          `type must include one of ${Object.keys(credentialTypes).join(", ")}`,
        );
      await checkIssuerRule(credentialTypes[type].issuer, issuer, body.credential.credentialSubject, type);
      const key = keystore.key(issuer, "assertionMethod");
      if (!key) throw new ProblemError(409, "No signing key", `this gateway holds no assertion key for ${issuer}`);
      const state = store.load(issuer);
      const index = state.lists.revocation.nextIndex;
      const id = body.credential.id ?? `urn:uuid:${randomUUID()}`;
      const jwt = issueCredential({
        type: type as PlatformCredentialType,
        issuer,
        kid: key.kid,
        privateKey: key.privateJwk,
        // The body's subject is validated against the type's schema inside issueCredential.
        subject: body.credential.credentialSubject as never,
        id,
        ...(body.credential.validFrom ? { validFrom: new Date(body.credential.validFrom) } : {}),
        ...(body.credential.validUntil ? { validUntil: new Date(body.credential.validUntil) } : {}),
        status: purposes.map((purpose) => ({
          statusListCredential: statusUrl(issuer, purpose),
          statusListIndex: index,
          statusPurpose: purpose,
        })),
        format: body.options.format,
        ...(body.options.disclosable ? { disclosable: body.options.disclosable } : {}),
        ...(body.options.holderJwk ? { holderJwk: body.options.holderJwk } : {}),
      });
      for (const purpose of purposes) state.lists[purpose].nextIndex = index + 1;
      // Remember which DIDs the credential speaks about, so scrapping a vehicle revokes what was said of it.
      const subjects = Object.entries(body.credential.credentialSubject)
        .filter(([k, v]) => (k === "id" || k === "vehicle") && typeof v === "string" && v.startsWith("did:"))
        .map(([, v]) => String(v));
      state.credentials[id] = {
        index,
        revoked: false,
        suspended: false,
        subjects,
        type,
        issuedAt: Math.floor(Date.now() / 1000),
      };
      store.save(state);
      return { verifiableCredential: envelopeCredential(jwt), id, format: body.options.format };
    },
  );

  app.post(
    "/credentials/status",
    { schema: { tags: ["credentials"], summary: "Revoke, suspend or reinstate a credential (DID auth; issuer only)" } },
    async (request) => {
      const caller = await authenticate(request);
      const body = parseBody(statusBody, request.body);
      const state = store.load(caller);
      const entry = state.credentials[body.credentialId];
      if (!entry)
        throw new ProblemError(404, "Unknown credential", `${caller} issued no credential ${body.credentialId} here`);
      const changed = new Set<StatusPurpose>();
      for (const { status } of body.credentialStatus) {
        const revoke = status === "revoked";
        const suspend = status === "suspended";
        if (entry.revoked && !revoke)
          throw new ProblemError(409, "Revoked for good", "a revoked credential cannot be reinstated");
        for (const purpose of purposes) {
          const bit = purpose === "revocation" ? revoke || entry.revoked : suspend;
          const list = BitstringStatusList.decode(state.lists[purpose].encoded);
          if (list.get(entry.index) !== bit) {
            list.set(entry.index, bit);
            state.lists[purpose].encoded = list.encode();
            changed.add(purpose);
          }
        }
        entry.revoked = entry.revoked || revoke;
        entry.suspended = suspend;
      }
      for (const purpose of changed) await anchor(caller, purpose, state);
      store.save(state);
      return {
        credentialId: body.credentialId,
        revoked: entry.revoked,
        suspended: entry.suspended,
        anchored: [...changed],
      };
    },
  );

  /**
   * Scrapping a vehicle revokes every credential this gateway issued about it: a watcher follows VehicleScrapped
   * on the main chain (from a persisted cursor) and sets the revocation bits, anchoring each changed list.
   */
  const cursorPath = join(home, "issuer", "scrap-cursor.json");
  const lifecycle = contractAddress(manifest, main.name, "VehicleLifecycle");
  const revokeAbout = async (subject: string) => {
    for (const issuer of store.issuers()) {
      const state = store.load(issuer);
      const list = BitstringStatusList.decode(state.lists.revocation.encoded);
      let changed = false;
      for (const entry of Object.values(state.credentials)) {
        if (entry.revoked || !entry.subjects.includes(subject)) continue;
        list.set(entry.index, true);
        entry.revoked = true;
        changed = true;
      }
      if (!changed) continue;
      state.lists.revocation.encoded = list.encode();
      await anchor(issuer, "revocation", state);
      store.save(state);
    }
  };
  const watchScraps = async () => {
    const raw = readJsonIfExists(cursorPath);
    let from = raw && typeof raw === "object" && "next" in raw && typeof raw.next === "string" ? BigInt(raw.next) : 0n;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (from > head) return;
    const logs = await client.getContractEvents({
      address: lifecycle,
      abi: vehicleLifecycleAbi,
      eventName: "VehicleScrapped",
      fromBlock: from,
      toBlock: head,
    });
    for (const log of logs) if (log.args.id) await revokeAbout(formatDid(topology.network, log.args.id));
    from = head + 1n;
    writeFileAtomic(cursorPath, stringify({ next: from.toString() }));
  };
  let watching = false;
  const timer = setInterval(() => {
    if (watching) return;
    watching = true;
    watchScraps()
      .catch((error: unknown) => app.log.warn({ error }, "scrap watcher failed; retrying"))
      .finally(() => {
        watching = false;
      });
  }, 1000);
  app.addHook("onClose", async () => clearInterval(timer));

  app.get<{ Params: { did: string; purpose: string } }>(
    "/status/:did/:purpose",
    { schema: { tags: ["credentials"], summary: "An issuer's Bitstring Status List credential (vc+jwt)" } },
    async (request, reply) => {
      const purpose = request.params.purpose;
      if (purpose !== "revocation" && purpose !== "suspension")
        throw new ProblemError(404, "Unknown status list", "purpose is revocation or suspension");
      return reply
        .type("application/vc+jwt")
        .send(statusListCredential(decodeURIComponent(request.params.did), purpose));
    },
  );

  app.post(
    "/credentials/verify",
    { schema: { tags: ["credentials"], summary: "Verify a credential: signature, issuer role, validity, status" } },
    async (request) => {
      const body = parseBody(verifyBody, request.body);
      const result = await verifyCredential(unwrap(body.verifiableCredential), verifyOptions);
      return { verified: result.verified, credential: result.credential, errors: result.errors, warnings: [] };
    },
  );

  app.post(
    "/presentations/verify",
    { schema: { tags: ["credentials"], summary: "Verify a presentation and every credential in it" } },
    async (request) => {
      const body = parseBody(presentationBody, request.body);
      const result = await verifyPresentation(unwrap(body.verifiablePresentation), {
        ...verifyOptions,
        ...(body.options?.challenge ? { nonce: body.options.challenge } : {}),
        ...(body.options?.domain ? { audience: body.options.domain } : {}),
      });
      return {
        verified: result.verified,
        holder: result.holder,
        errors: result.errors,
        credentials: result.credentials.map((c) => ({
          verified: c.result?.verified ?? false,
          errors: [...c.errors, ...(c.result?.errors ?? [])],
        })),
      };
    },
  );
  const credentialsAbout = (subject: string) =>
    store.issuers().flatMap((issuer) =>
      Object.entries(store.load(issuer).credentials)
        .filter(([, entry]) => entry.subjects.includes(subject))
        .map(([id, entry]) => ({
          id,
          issuer,
          type: entry.type ?? null,
          issuedAt: entry.issuedAt ?? null,
          index: entry.index,
          status: entry.revoked ? ("revoked" as const) : entry.suspended ? ("suspended" as const) : ("active" as const),
        })),
    );
  return { verifyOptions, authenticate, baseUrl, credentialsAbout };
}
