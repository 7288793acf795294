// `amc data …`: the data-sharing flows from the command line (docs/data-sharing.md), each acting with the keys of
// the role it plays — the vehicle's key to upload, the owner's account to grant, revoke, list and erase, the
// consumer's DID keys to read. Keys come from the local keystore (<home>/keys) and, on a dev topology, dev accounts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { didRegistryAbi } from "@amc/abi";
import {
  contractAddress,
  loadTopology,
  mainChain,
  platformPaths,
  publicClientFor,
  readManifest,
  walletClientFor,
} from "@amc/chain";
import {
  consentTemplate,
  dataClasses,
  didId,
  generateUmbralKey,
  umbralJwkOf,
  umbralKeyFromJwk,
  umbralPublicKey,
} from "@amc/data";
import {
  addKey,
  chainHistory,
  createDid,
  createDidAuthToken,
  formatDid,
  generateP256,
  Keystore,
  publicOf,
  resolveAmc,
} from "@amc/did";
import { DataClient, GatewayError } from "@amc/sdk";
import { EnvironmentError, InvalidInputError, stringify } from "@amc/utils";
import { type Address, type Hex, isAddressEqual } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Common } from "./commands.js";
import { actorKey } from "./identity.js";

export type DataOptions = Common & {
  as?: string | undefined;
  vehicle?: string | undefined;
  to?: string | undefined;
  kind?: string | undefined;
  class?: string | undefined;
  region?: string | undefined;
  file?: string | undefined;
  data?: string | undefined;
  out?: string | undefined;
  template?: string | undefined;
  scopes?: string | undefined;
  purpose?: string | undefined;
  days?: string | undefined;
  threshold?: string | undefined;
  consent?: string | undefined;
  credential?: string | undefined;
  retainDays?: string | undefined;
};

function context(options: Common) {
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);
  const manifest = readManifest(paths.manifest);
  const main = mainChain(topology);
  const base = `http://${topology.services.host}:${topology.services.gateway.port}`;
  return {
    topology,
    main,
    base,
    client: publicClientFor(main),
    registry: contractAddress(manifest, main.name, "DIDRegistry"),
    keystore: new Keystore(join(paths.home, "keys")),
    api: new DataClient(base),
    credentialsDir: join(paths.home, "data", "credentials"),
  };
}
type Ctx = ReturnType<typeof context>;

const print = (options: Common, value: unknown, human: string) => console.log(options.json ? stringify(value) : human);

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === "") throw new InvalidInputError(`give ${what}`);
  return value;
}

async function controllerOf(ctx: Ctx, did: string): Promise<Address> {
  return ctx.client.readContract({
    address: ctx.registry,
    abi: didRegistryAbi,
    functionName: "controllerOf",
    args: [didId(did)],
  });
}

/** The owner's account: --as, else the vehicle DID's controller (dev keys). */
async function ownerAccount(ctx: Ctx, options: DataOptions, vehicle: string) {
  return privateKeyToAccount(actorKey(ctx.topology, options.as ?? (await controllerOf(ctx, vehicle))));
}

function umbralSecret(ctx: Ctx, did: string): Uint8Array {
  const key = ctx.keystore.key(did, "keyAgreement", "secp256k1");
  if (!key)
    throw new InvalidInputError(`no Umbral (keyAgreement) key for ${did} in the local keystore`, {
      fix: `amc data keys ${did}`,
    });
  return new Uint8Array(Buffer.from(key.privateJwk.d, "base64url"));
}

async function umbralPublicOf(ctx: Ctx, did: string): Promise<Uint8Array> {
  const { didDocument } = await resolveAmc(
    { network: ctx.topology.network, chainId: ctx.main.chainId, history: chainHistory(ctx.client, ctx.registry) },
    did,
  );
  const ids = (didDocument?.keyAgreement ?? []).map((m) => (typeof m === "string" ? m : m.id));
  const jwk = didDocument?.verificationMethod
    ?.filter((m) => ids.includes(m.id) && m.publicKeyJwk?.crv === "secp256k1")
    .at(-1)?.publicKeyJwk as { x: string; y: string } | undefined;
  if (!jwk)
    throw new InvalidInputError(`${did} publishes no keyAgreement (Umbral) key`, { fix: `amc data keys ${did}` });
  return umbralKeyFromJwk(jwk);
}

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GatewayError)
      throw new InvalidInputError(`the gateway refused: ${error.shortMessage}`, error.fix ? { fix: error.fix } : {});
    if (error instanceof TypeError && String(error.message).includes("fetch failed"))
      throw new EnvironmentError("the gateway does not answer", {
        fix: "start the platform: `npm start`",
        cause: error,
      });
    throw error;
  }
}

/** `amc data keys <did>`: an Umbral key pair for a DID, its public half published as keyAgreement by the controller. */
export async function dataKeys(options: DataOptions & { did?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const did = need(options.did, "the DID: amc data keys <did>");
  const existing = ctx.keystore.key(did, "keyAgreement", "secp256k1");
  if (existing) {
    print(options, { did, kid: existing.kid, created: false }, `${did} already has an Umbral key (${existing.kid})`);
    return;
  }
  const sk = generateUmbralKey();
  const jwk = umbralJwkOf(umbralPublicKey(sk));
  const controller = await controllerOf(ctx, did);
  const wallet = walletClientFor(ctx.main, actorKey(ctx.topology, options.as ?? controller));
  await addKey(
    { wallet, client: ctx.client, registry: ctx.registry },
    { id: didId(did), jwk, relationship: "keyAgreement", curve: "secp256k1" },
  );
  const stored = ctx.keystore.add(did, "keyAgreement", { ...jwk, d: Buffer.from(sk).toString("base64url") });
  print(options, { did, kid: stored.kid, created: true }, `published an Umbral key for ${did} (${stored.kid})`);
}

/** `amc data put`: the vehicle seals data for its owner and uploads it. */
export async function dataPut(options: DataOptions): Promise<void> {
  const ctx = context(options);
  const vehicle = need(options.vehicle, "the vehicle: --vehicle <did>");
  const key = ctx.keystore.key(vehicle, "authentication") ?? ctx.keystore.key(vehicle, "assertionMethod");
  if (!key)
    throw new InvalidInputError(`no key of ${vehicle} in the local keystore`, {
      fix: "produce the vehicle with `amc vehicle produce`",
    });
  const dataClass = (options.class ?? "personal") as (typeof dataClasses)[number];
  if (!dataClasses.includes(dataClass)) throw new InvalidInputError(`--class is one of ${dataClasses.join(", ")}`);
  const content = options.file
    ? readFileSync(options.file)
    : Buffer.from(need(options.data, "the data: --file <path> or --data <text>"));
  const now = Math.floor(Date.now() / 1000);
  const retainUntil = options.retainDays ? now + Number(options.retainDays) * 86400 : undefined;
  const json = options.file?.endsWith(".json") || (options.data ?? "").trim().startsWith("{");
  const upload = DataClient.sealAndSign({
    meta: {
      subject: vehicle,
      kind: options.kind ?? "telemetry",
      dataClass,
      region: options.region ?? "CN",
      createdAt: now,
      ...(retainUntil ? { retainUntil } : {}),
      contentType: json ? "application/json" : "application/octet-stream",
    },
    data: content,
    ownerUmbralPk: await umbralPublicOf(ctx, vehicle),
    vehicleKey: { kid: key.kid, privateJwk: key.privateJwk },
  });
  const stored = await run(() => ctx.api.upload(upload));
  print(
    options,
    stored,
    `stored ${stored.objectId} (${stored.kind}, ${stored.dataClass}, ${stored.size} bytes encrypted, kept until ${new Date(stored.retainUntil * 1000).toISOString()})`,
  );
}

/** The owner's own DID (a person DID controlled by the owner's account), created once: it issues access grants. */
async function ownerDid(ctx: Ctx, owner: Hex): Promise<string> {
  const account = privateKeyToAccount(owner);
  for (const did of ctx.keystore.list()) {
    const key = ctx.keystore.key(did, "assertionMethod");
    if (!key) continue;
    const controller = await controllerOf(ctx, did).catch(() => undefined);
    const type = await ctx.client
      .readContract({ address: ctx.registry, abi: didRegistryAbi, functionName: "subjectTypeOf", args: [didId(did)] })
      .catch(() => 0);
    if (controller && isAddressEqual(controller, account.address) && type === 4) return did;
  }
  const wallet = walletClientFor(ctx.main, owner);
  const writer = { wallet, client: ctx.client, registry: ctx.registry };
  const { id } = await createDid(writer, { subjectType: "person" });
  const did = formatDid(ctx.topology.network, id);
  const key = generateP256();
  await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
  await addKey(writer, { id, jwk: publicOf(key), relationship: "authentication" });
  ctx.keystore.add(did, "assertionMethod", key);
  ctx.keystore.add(did, "authentication", key);
  return did;
}

/** `amc data grant`: the owner consents (on chain), gives the proxies key fragments and the grantee a credential. */
export async function dataGrant(options: DataOptions): Promise<void> {
  const ctx = context(options);
  const vehicle = need(options.vehicle, "the vehicle: --vehicle <did>");
  const grantee = need(options.to, "the grantee: --to <did>");
  const template = options.template ? consentTemplate(options.template) : undefined;
  if (options.template && !template)
    throw new InvalidInputError(`no consent template ${options.template}`, {
      fix: "GET /v1/data/templates lists them",
    });
  const scopes = options.scopes
    ? options.scopes.split(",").map((s) => s.trim())
    : need(template?.scopes, "--scopes a,b or --template <id>");
  const purpose = options.purpose ?? need(template?.purpose, "--purpose <text> or --template <id>");
  const days = Number(options.days ?? template?.days ?? 30);
  if (!Number.isFinite(days) || days <= 0) throw new InvalidInputError("--days is a positive number");
  const ownerKey = actorKey(ctx.topology, options.as ?? (await controllerOf(ctx, vehicle)));
  const owner = privateKeyToAccount(ownerKey);
  const now = Math.floor(Date.now() / 1000);
  const validUntil = now + Math.round(days * 86400);
  const consent = await run(async () =>
    ctx.api.grant({
      owner,
      terms: { subject: vehicle, grantee, scopes, purpose, validFrom: now - 60, validUntil },
      delegatingSk: umbralSecret(ctx, vehicle),
      receivingPk: await umbralPublicOf(ctx, grantee),
      ...(options.threshold ? { threshold: Number(options.threshold) } : {}),
    }),
  );
  // The access credential, issued by the owner's DID through the gateway (status list included).
  const issuer = await ownerDid(ctx, ownerKey);
  const key = ctx.keystore.key(issuer, "authentication");
  const response = await fetch(`${ctx.base}/credentials/issue`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `DID ${createDidAuthToken({ did: issuer, kid: key?.kid ?? "", privateJwk: key!.privateJwk, audience: ctx.base })}`,
    },
    body: JSON.stringify({
      credential: {
        type: ["VerifiableCredential", "AccessGrantCredential"],
        issuer,
        validUntil: new Date(validUntil * 1000).toISOString(),
        credentialSubject: {
          id: grantee,
          vehicle,
          scopes,
          purpose,
          expiry: new Date(validUntil * 1000).toISOString(),
          consent: consent.consentId,
        },
      },
    }),
  });
  const issued = (await response.json()) as { verifiableCredential?: { id: string }; id?: string; detail?: string };
  if (!response.ok || !issued.verifiableCredential)
    throw new InvalidInputError(`issuing the access credential failed: ${issued.detail ?? response.status}`);
  const jwt = decodeURIComponent(issued.verifiableCredential.id.replace(/^data:application\/vc\+jwt,/, ""));
  mkdirSync(ctx.credentialsDir, { recursive: true, mode: 0o700 });
  const file = join(ctx.credentialsDir, `${consent.consentId}.json`);
  writeFileSync(file, stringify({ credential: jwt, credentialId: issued.id, issuer }), { mode: 0o600 });
  print(
    options,
    { ...consent, credential: jwt, credentialId: issued.id, credentialFile: file },
    `consent ${consent.consentId}: ${grantee} may read ${consent.scopes.join(", ")} of ${vehicle} for "${purpose}" until ${new Date(validUntil * 1000).toISOString()}\naccess credential: ${file}`,
  );
}

/** `amc data revoke <consentId>`: the owner revokes the consent on chain and the access credential's status. */
export async function dataRevoke(options: DataOptions & { consentId?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const consentId = need(options.consentId, "the consent id: amc data revoke <consentId>") as Hex;
  const consent = await run(() =>
    fetch(`${ctx.base}/v1/data/consents/${consentId}`).then(async (r) => {
      if (!r.ok) throw new InvalidInputError(`no consent ${consentId} at the gateway`);
      return (await r.json()) as { subject: string };
    }),
  );
  const owner = await ownerAccount(ctx, options, consent.subject);
  const revoked = await run(() => ctx.api.revoke(owner, consentId));
  const file = join(ctx.credentialsDir, `${consentId}.json`);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { credentialId: string; issuer: string };
    const key = ctx.keystore.key(saved.issuer, "authentication");
    if (key)
      await fetch(`${ctx.base}/credentials/status`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `DID ${createDidAuthToken({ did: saved.issuer, kid: key.kid, privateJwk: key.privateJwk, audience: ctx.base })}`,
        },
        body: JSON.stringify({
          credentialId: saved.credentialId,
          credentialStatus: [{ type: "BitstringStatusListEntry", status: "revoked" }],
        }),
      });
  }
  print(options, revoked, `revoked consent ${consentId} (${revoked.revokeTx ?? "already revoked on chain"})`);
}

/** `amc data get <objectId>`: a consumer reads under a consent and decrypts locally. */
export async function dataGet(options: DataOptions & { objectId?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const objectId = need(options.objectId, "the object id: amc data get <objectId>") as Hex;
  const consentId = need(options.consent, "the consent: --consent <id>") as Hex;
  const consent = await run(() =>
    fetch(`${ctx.base}/v1/data/consents/${consentId}`).then(async (r) => {
      if (!r.ok) throw new InvalidInputError(`no consent ${consentId} at the gateway`);
      return (await r.json()) as { grantee: string; purpose: string };
    }),
  );
  const consumer = options.as ?? consent.grantee;
  const key = ctx.keystore.key(consumer, "authentication");
  if (!key) throw new InvalidInputError(`no authentication key for ${consumer} in the local keystore`);
  const credentialFile = join(ctx.credentialsDir, `${consentId}.json`);
  const credential = options.credential
    ? existsSync(options.credential)
      ? readFileSync(options.credential, "utf8").trim()
      : options.credential
    : existsSync(credentialFile)
      ? (JSON.parse(readFileSync(credentialFile, "utf8")) as { credential: string }).credential
      : need<string>(undefined, "the access credential: --credential <jwt|file>");
  const result = await run(() =>
    ctx.api.read({
      consumer: { did: consumer, kid: key.kid, privateJwk: key.privateJwk },
      receivingSk: umbralSecret(ctx, consumer),
      objectId,
      consentId,
      purpose: options.purpose ?? consent.purpose,
      credential,
    }),
  );
  if (options.out) writeFileSync(options.out, result.data);
  const text = Buffer.from(result.data).toString("utf8");
  print(
    options,
    {
      objectId,
      meta: result.meta,
      disclosure: result.disclosure,
      validFragments: result.validFragments,
      ...(options.out ? { out: options.out } : { data: text }),
    },
    options.out
      ? `decrypted ${result.data.length} bytes into ${options.out} (logged as disclosure #${result.disclosure.seq})`
      : `${text}\n(decrypted from ${result.validFragments} re-encrypted fragments; logged as disclosure #${result.disclosure.seq})`,
  );
}

/** `amc data log --vehicle <did>`: everyone who read the vehicle's data, and why. */
export async function dataLog(options: DataOptions): Promise<void> {
  const ctx = context(options);
  const vehicle = need(options.vehicle, "the vehicle: --vehicle <did>");
  const owner = await ownerAccount(ctx, options, vehicle);
  const [disclosures, consents, objects, notifications] = await run(() =>
    Promise.all([
      ctx.api.disclosures(owner, vehicle),
      ctx.api.consents(owner, vehicle),
      ctx.api.objects(owner, vehicle),
      ctx.api.notifications(owner, vehicle),
    ]),
  );
  const lines = [
    `${objects.length} objects, ${consents.filter((c) => c.status === "active").length} active consents, ${disclosures.length} reads`,
    ...disclosures.map(
      (d) =>
        `#${d.seq} ${new Date(d.at * 1000).toISOString()} ${d.consumer} read ${d.objectId} for "${d.purpose}" (consent ${d.consentId})${d.anchorIndex === null ? "" : ` [anchored #${d.anchorIndex}]`}`,
    ),
    ...notifications.map((n) => `NOTICE ${new Date(n.notifiedAt * 1000).toISOString()} ${n.title}: ${n.description}`),
  ];
  print(options, { vehicle, objects, consents, disclosures, notifications }, lines.join("\n"));
}

/** `amc data erase <objectId>`: crypto-shredding at the owner's request. */
export async function dataErase(options: DataOptions & { objectId?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const objectId = need(options.objectId, "the object id: amc data erase <objectId>") as Hex;
  const record = await run(() =>
    fetch(`${ctx.base}/v1/data/objects/${objectId}`).then(async (r) => {
      if (!r.ok) throw new InvalidInputError(`no object ${objectId} at the gateway`);
      return (await r.json()) as { subject: string };
    }),
  );
  const owner = await ownerAccount(ctx, options, record.subject);
  const erased = await run(() => ctx.api.erase(owner, objectId));
  print(options, erased, `erased ${objectId}: its key is destroyed; the chain keeps its salted hash`);
}
