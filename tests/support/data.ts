// A data-sharing test bed on a real anvil main chain and a real gateway over HTTP: an OEM produces a vehicle and
// sells it to an owner; the owner publishes an Umbral key on the vehicle DID and has a person DID that issues
// access credentials; an insurer organisation has DID keys and an Umbral key. Every actor holds its own keys.
import { join } from "node:path";
import { contractAddress, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { generateUmbralKey, umbralJwkOf, umbralPublicKey } from "@amc/data";
import {
  addKey,
  createDid,
  createDidAuthToken,
  formatDid,
  generateP256,
  Keystore,
  kidFor,
  type PrivateJwk,
  produceVehicle,
  publicOf,
  specHash,
  transferVehicle,
  vehicleIdFromVin,
} from "@amc/did";
import { DataClient, type DidActor } from "@amc/sdk";
import type { FastifyInstance } from "fastify";
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildGateway } from "../../apps/gateway/src/app.js";
import { type DataRoutes, dataRoutesOf } from "../../apps/gateway/src/data.js";

export const OEM = 2;
export const OWNER = 7;
export const INSURER = 3;
export const STRANGER = 8;

export type Org = DidActor & { umbralSk: Uint8Array; key: PrivateJwk };
export type Vehicle = { did: string; id: `0x${string}`; obu: { kid: string; privateJwk: PrivateJwk } };

export type DataBed = {
  net: LocalNet;
  app: FastifyInstance;
  routes: DataRoutes;
  api: DataClient;
  base: string;
  owner: LocalAccount;
  ownerUmbralSk: Uint8Array;
  ownerDid: Org;
  insurer: Org;
  stranger: Org;
  /** The gateway's clock: real time + offset, or `frozen` when set (property tests move it with the chain's). */
  clock: { offset: number; frozen?: number | undefined };
  now(): number;
  newVehicle(vin: string): Promise<Vehicle>;
  newOrg(devIndex: number, type?: "organisation" | "person"): Promise<Org>;
  issueGrant(params: {
    issuer: Org;
    grantee: string;
    vehicle: string;
    scopes: string[];
    purpose: string;
    expiry: number;
    consent?: string;
  }): Promise<{ jwt: string; id: string }>;
  stop(): Promise<void>;
};

export async function startDataBed(
  options: { proxies?: number; fl?: { config?: import("@amc/fl").FlTaskConfig } } = {},
): Promise<DataBed> {
  // The data service logs every upload and grant at info; tests and benches want only warnings.
  process.env.AMC_LOG_LEVEL ??= "warn";
  const net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  const clock: DataBed["clock"] = { offset: 0 };
  const now = () => clock.frozen ?? Math.floor(Date.now() / 1000) + clock.offset;
  const app = await buildGateway(net.topology, net.manifest, {
    home: net.paths.home,
    data: { background: false, proxies: options.proxies ?? 3, now },
    // Reward epochs are driven by hand (`rewardsOf(app).tick()`) in the tests that want them.
    rewards: { background: false },
    // A 1024-bit Paillier key keeps the federated-learning tests quick (the platform uses 2048).
    fl: { keyBits: 1024, ...options.fl },
  });
  const base = `http://127.0.0.1:${net.topology.services.gateway.port}`;
  await app.listen({ host: "127.0.0.1", port: net.topology.services.gateway.port });
  const routes = dataRoutesOf(app);
  if (!routes) throw new Error("the gateway mounted no data routes (is the data module on main?)");
  const main = net.topology.chains[0]!;
  const client = publicClientFor(main);
  const registry = contractAddress(net.manifest, "main", "DIDRegistry");
  const lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
  const keystore = new Keystore(join(net.paths.home, "keys"));

  const writerFor = (index: number) => ({ wallet: walletClientFor(main, devPrivateKey(index)), client, registry });

  const newOrg = async (devIndex: number, type: "organisation" | "person" = "organisation"): Promise<Org> => {
    const writer = writerFor(devIndex);
    const { id } = await createDid(writer, { subjectType: type });
    const did = formatDid(net.topology.network, id);
    const key = generateP256();
    await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
    await addKey(writer, { id, jwk: publicOf(key), relationship: "authentication" });
    // The gateway issues credentials with keys it holds (dev keystore); the actor keeps its own copy here.
    keystore.add(did, "assertionMethod", key);
    const auth = keystore.add(did, "authentication", key);
    const umbralSk = generateUmbralKey();
    await addKey(writer, {
      id,
      jwk: umbralJwkOf(umbralPublicKey(umbralSk)),
      relationship: "keyAgreement",
      curve: "secp256k1",
    });
    return { did, kid: auth.kid, privateJwk: key, key, umbralSk };
  };

  const owner = privateKeyToAccount(devPrivateKey(OWNER));
  const ownerUmbralSk = generateUmbralKey();
  const newVehicle = async (vin: string): Promise<Vehicle> => {
    const id = vehicleIdFromVin(vin, Buffer.alloc(32, 9));
    const did = formatDid(net.topology.network, id);
    const oem = { wallet: walletClientFor(main, devPrivateKey(OEM)), client };
    await produceVehicle({ ...oem, lifecycle }, { id, specHash: specHash({ vin }) });
    const obu = generateP256();
    await addKey({ ...oem, registry }, { id, jwk: publicOf(obu), relationship: "authentication" });
    await transferVehicle({ ...oem, lifecycle }, { id, to: owner.address });
    // The owner publishes the vehicle's data key (Umbral keyAgreement) as its new controller.
    await addKey(writerFor(OWNER), {
      id,
      jwk: umbralJwkOf(umbralPublicKey(ownerUmbralSk)),
      relationship: "keyAgreement",
      curve: "secp256k1",
    });
    const kid = kidFor(did, obu, "authentication");
    return { did, id, obu: { kid, privateJwk: obu } };
  };

  const [ownerDid, insurer, stranger] = [await newOrg(OWNER, "person"), await newOrg(INSURER), await newOrg(STRANGER)];

  const issueGrant: DataBed["issueGrant"] = async (p) => {
    const token = createDidAuthToken({
      did: p.issuer.did,
      kid: p.issuer.kid,
      privateJwk: p.issuer.key,
      audience: base,
    });
    const response = await fetch(`${base}/credentials/issue`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `DID ${token}` },
      body: JSON.stringify({
        credential: {
          type: ["VerifiableCredential", "AccessGrantCredential"],
          issuer: p.issuer.did,
          credentialSubject: {
            id: p.grantee,
            vehicle: p.vehicle,
            scopes: p.scopes,
            purpose: p.purpose,
            expiry: new Date(p.expiry * 1000).toISOString(),
            ...(p.consent ? { consent: p.consent } : {}),
          },
        },
      }),
    });
    const body = (await response.json()) as { verifiableCredential: { id: string }; id: string; detail?: string };
    if (!response.ok) throw new Error(`issuing failed: ${body.detail}`);
    return { jwt: body.verifiableCredential.id.replace(/^data:application\/vc\+jwt,/, ""), id: body.id };
  };

  return {
    net,
    app,
    routes,
    api: new DataClient(base),
    base,
    owner,
    ownerUmbralSk,
    ownerDid,
    insurer,
    stranger,
    clock,
    now,
    newVehicle,
    newOrg,
    issueGrant,
    async stop() {
      await app.close();
      await net.stop();
    },
  };
}

export type UploadMeta = Partial<{
  kind: string;
  dataClass: "general" | "personal" | "sensitive" | "important";
  region: string;
  retainUntil: number;
}>;

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The vehicle seals `data` for its owner, signs it with its OBU key and uploads it. */
export async function uploadObject(bed: DataBed, vehicle: Vehicle, data: unknown, meta: UploadMeta = {}) {
  const body = DataClient.sealAndSign({
    meta: {
      subject: vehicle.did,
      kind: meta.kind ?? "telemetry",
      dataClass: meta.dataClass ?? "personal",
      region: meta.region ?? "CN-31",
      createdAt: bed.now(),
      contentType: "application/json",
      ...(meta.retainUntil ? { retainUntil: meta.retainUntil } : {}),
    },
    data: bytes(data),
    ownerUmbralPk: umbralPublicKey(bed.ownerUmbralSk),
    vehicleKey: vehicle.obu,
  });
  return { body, stored: await bed.api.upload(body) };
}

/** The owner consents to the insurer on chain and issues it the matching access credential. */
export async function grantInsurer(
  bed: DataBed,
  vehicle: Vehicle,
  scopes = ["telemetry", "driving_behaviour"],
  purpose = "usage-based insurance pricing",
  days = 365,
) {
  const validUntil = bed.now() + days * 86400;
  const consent = await bed.api.grant({
    owner: bed.owner,
    terms: { subject: vehicle.did, grantee: bed.insurer.did, scopes, purpose, validFrom: bed.now() - 10, validUntil },
    delegatingSk: bed.ownerUmbralSk,
    receivingPk: umbralPublicKey(bed.insurer.umbralSk),
  });
  const credential = await bed.issueGrant({
    issuer: bed.ownerDid,
    grantee: bed.insurer.did,
    vehicle: vehicle.did,
    scopes,
    purpose,
    expiry: validUntil,
    consent: consent.consentId,
  });
  return { consent, credential };
}

/** A consented read by `consumer` (default the insurer), re-encrypted by the gateway's proxies and decrypted here. */
export const readObject = (
  bed: DataBed,
  objectId: `0x${string}`,
  consentId: `0x${string}`,
  credential: string,
  consumer: Org = bed.insurer,
  purpose = "usage-based insurance pricing",
) => bed.api.read({ consumer, receivingSk: consumer.umbralSk, objectId, consentId, purpose, credential });
