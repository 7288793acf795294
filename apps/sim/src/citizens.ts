// The simulated fleet as real platform citizens (DESIGN.md §4 and §6), created through the same public interfaces
// an OEM, an owner and an insurer use (as `amc fleet run` and `amc data` do, apps/cli/src/edge.ts and data.ts):
// - the OEM member creates an organisation DID with a P-256 assertion key, produces each vehicle (random VIN →
//   HMAC vehicle id → VehicleLifecycle.produce) and issues its VehicleIdentityCredential (vc+jwt);
// - each OBU enrols with the PKI service and holds pseudonym tickets for the current and the next slot;
// - a third of the vehicles (at least 2) are sold to the demo owner dev:7 (TEST ONLY key), who publishes an Umbral
//   data key on them and consents to the insurer member (insurer-ubi terms) with an access credential issued by
//   the owner's person DID through the gateway; these vehicles upload trip summaries and the insurer reads them.
// Everything created is recorded step by step in <home>/sim/state.json (state.ts), so a restart resumes with the
// same citizens. Keys the gateway or the CLI need (the owner's issuing key, the insurer's keys, the vehicles' data
// keys) also go into the platform keystore <home>/keys, so `amc data log|get` work on the simulated vehicles.
// Transactions of one account are sent concurrently through viem's nonce manager: creating 12 vehicles takes a
// few blocks, not one block per transaction.
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import {
  type ChainConfig,
  type ChainWalletClient,
  contractAddress,
  type DeploymentManifest,
  devPrivateKey,
  mainChain,
  memberKey,
  publicClientFor,
  type Topology,
  viemChain,
} from "@amc/chain";
import { consentTemplate, generateUmbralKey, umbralJwkOf, umbralPublicKey } from "@amc/data";
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
  vinKeyFromEnvironment,
} from "@amc/did";
import { DataClient, type ItsSigner } from "@amc/sdk";
import { EnvironmentError, InvalidInputError, type Logger, sleep } from "@amc/utils";
import { type Certificate, decodeCertificate, PkiClient, PkiRequestError, type Schedule } from "@amc/v2x";
import { issueCredential } from "@amc/vc";
import { bytesToHex, createWalletClient, type Hex, hexToBytes, http, isHex } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import {
  loadSimState,
  type SimState,
  saveSimState,
  simStatePath,
  type TicketRecord,
  type VehicleRecord,
} from "./state.js";
import { activeTicket, byPeriod, type SlotRef, ticketsToRequest, unexpired } from "./tickets.js";

/** The demo owner's dev key index (TEST ONLY mnemonic). */
export const DEMO_OWNER_DEV_INDEX = 7;
/** Where the Werder (Havel) A10 junction lies: Brandenburg, Germany (ISO 3166-2). */
export const DATA_REGION = "DE-BB";
/** The data kind of trip summaries: a consent scope of the insurer-ubi template. */
export const TRIP_KIND = "driving_behaviour";

/** How many of `count` vehicles are sold to the demo owner: a third, at least 2 (never more than all). */
export function ownedCount(count: number): number {
  return Math.min(count, Math.max(2, Math.round(count / 3)));
}

const VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
export function randomVin(): string {
  return Array.from(randomBytes(17), (b) => VIN_ALPHABET[b % VIN_ALPHABET.length]).join("");
}

/** A wallet whose concurrent transactions get consecutive nonces. */
function walletFor(chain: ChainConfig, key: Hex): ChainWalletClient {
  return createWalletClient({
    account: privateKeyToAccount(key, { nonceManager }),
    chain: viemChain(chain),
    transport: http(chain.rpcUrl, { retryCount: 0, timeout: 15_000 }),
    pollingInterval: 250,
  });
}

const p256Key = (jwk: PrivateJwk): KeyObject => createPrivateKey({ key: jwk, format: "jwk" });

function toJwk(key: KeyObject): PrivateJwk {
  const jwk = key.export({ format: "jwk" });
  return { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "", d: jwk.d ?? "" };
}

/** Runs `work` for every item with at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Retries `attempt` (the gateway's resolver may lag a block behind a key just published). */
async function retrying<T>(what: string, attempt: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts) throw new EnvironmentError(`${what} failed after ${attempts} attempts`, { cause: error });
      await sleep(300 * i);
    }
  }
}

export type CitizensOptions = {
  topology: Topology;
  manifest: DeploymentManifest;
  home: string;
  logger: Logger;
  /** Vehicles wanted in total (created as needed; extra saved ones are kept but not driven). */
  vehicles: number;
};

/** A ticket ready to sign with. */
export type ActiveTicket = { key: string; signer: ItsSigner; stationId: number; slot: SlotRef };

export type UploadResult = { objectId: Hex; size: number };

/**
 * The OEM, the owner, the insurer and the vehicles, created (or resumed) on the running platform.
 *
 * @example
 * const citizens = await Citizens.open({ topology, manifest, home, logger, vehicles: 12 });
 * const ticket = citizens.activeTicket(citizens.vehicles[0]!, Date.now() / 1000);
 */
export class Citizens {
  readonly vehicles: VehicleRecord[];
  readonly #decoded = new Map<string, { certificate: Certificate; privateKey: KeyObject }>();
  readonly #api: DataClient;
  readonly #baseUrl: string;

  private constructor(
    readonly options: CitizensOptions,
    readonly state: SimState,
    readonly schedule: Schedule,
    private readonly pki: PkiClient,
    private readonly path: string,
  ) {
    this.vehicles = state.vehicles.slice(0, options.vehicles);
    this.#baseUrl = `http://${options.topology.services.host}:${options.topology.services.gateway.port}`;
    this.#api = new DataClient(this.#baseUrl);
  }

  static async open(options: CitizensOptions): Promise<Citizens> {
    const { topology, manifest, home, logger } = options;
    if (!Number.isInteger(options.vehicles) || options.vehicles < 1)
      throw new InvalidInputError(`vehicles must be a positive integer, not ${options.vehicles}`);
    const main = mainChain(topology);
    const registry = contractAddress(manifest, main.name, "DIDRegistry");
    const path = simStatePath(home);
    let state = loadSimState(path);
    if (
      state &&
      (state.network !== topology.network ||
        state.chainId !== main.chainId ||
        state.registry.toLowerCase() !== registry.toLowerCase())
    ) {
      logger.warn("the saved simulator state belongs to another deployment; creating new citizens", { path });
      state = undefined;
    }
    state ??= { version: 1, network: topology.network, chainId: main.chainId, registry, vehicles: [] };
    const pki = new PkiClient(`http://${topology.services.host}:${topology.services.pki.port}`);
    const ca = await pki.ca();
    const citizens = new Citizens(options, state, ca.schedule, pki, path);
    await citizens.#create();
    return citizens;
  }

  #save(): void {
    saveSimState(this.path, this.state);
  }

  get owner(): SimState["owner"] {
    return this.state.owner;
  }

  async #create(): Promise<void> {
    const { topology, manifest, logger } = this.options;
    const started = Date.now();
    const main = mainChain(topology);
    const client = publicClientFor(main);
    const registry = contractAddress(manifest, main.name, "DIDRegistry");
    const lifecycle = contractAddress(manifest, main.name, "VehicleLifecycle");
    const keystore = new Keystore(join(this.options.home, "keys"));
    const member = (role: "OEM" | "INSURER") => {
      const found = topology.governance.members.find((m) => m.roles.includes(role));
      if (!found)
        throw new InvalidInputError(`no consortium member has role ${role}`, {
          fix: `add one to governance.members in the topology`,
        });
      return found;
    };
    const oemWallet = walletFor(main, memberKey(topology, member("OEM").address));
    const wanted = this.options.vehicles;
    const owned = ownedCount(wanted);
    if (owned > 0 && topology.keys !== "dev")
      throw new InvalidInputError("the simulator's demo owner is dev account 7: it needs a dev topology (keys: dev)");
    const ownerWallet = walletFor(main, devPrivateKey(DEMO_OWNER_DEV_INDEX));
    const insurerWallet = walletFor(main, memberKey(topology, member("INSURER").address));

    const organisation = async (
      wallet: ChainWalletClient,
      subjectType: "organisation" | "person",
      relationships: ("assertionMethod" | "authentication")[],
    ) => {
      const writer = { wallet, client, registry };
      const { id } = await createDid(writer, { subjectType });
      const did = formatDid(topology.network, id);
      const key = generateP256();
      await Promise.all(relationships.map((relationship) => addKey(writer, { id, jwk: publicOf(key), relationship })));
      for (const relationship of relationships) keystore.add(did, relationship, key);
      return { did, id, key };
    };

    await Promise.all([
      (async () => {
        if (this.state.oem) return;
        const { did, key } = await organisation(oemWallet, "organisation", ["assertionMethod"]);
        this.state.oem = { did, key };
        this.#save();
        logger.info("OEM organisation DID created", { did });
      })(),
      (async () => {
        if (this.state.owner) return;
        // The owner's person DID issues the access credentials (the gateway signs with it from the keystore).
        const { did, key } = await organisation(ownerWallet, "person", ["assertionMethod", "authentication"]);
        const umbralSk = generateUmbralKey();
        this.state.owner = { did, key, address: ownerWallet.account.address, umbralSk: bytesToHex(umbralSk) };
        this.#save();
        logger.info("demo owner's person DID created", { did, account: ownerWallet.account.address });
      })(),
      (async () => {
        if (this.state.insurer) return;
        const writer = { wallet: insurerWallet, client, registry };
        const { did, id, key } = await organisation(insurerWallet, "organisation", [
          "assertionMethod",
          "authentication",
        ]);
        const umbralSk = generateUmbralKey();
        const jwk = umbralJwkOf(umbralPublicKey(umbralSk));
        await addKey(writer, { id, jwk, relationship: "keyAgreement", curve: "secp256k1" });
        keystore.add(did, "keyAgreement", { ...jwk, d: Buffer.from(umbralSk).toString("base64url") });
        this.state.insurer = { did, key, umbralSk: bytesToHex(umbralSk) };
        this.#save();
        logger.info("insurer organisation DID created", { did });
      })(),
    ]);
    const oem = this.state.oem;
    const owner = this.state.owner;
    const insurer = this.state.insurer;
    if (!oem || !owner || !insurer) throw new Error("unreachable: the organisations were just created");

    // Vehicle records: the saved ones first, new ones up to the count; the first `owned` are the owner's.
    while (this.state.vehicles.length < wanted) {
      const vin = randomVin();
      const id = vehicleIdFromVin(vin, vinKeyFromEnvironment(topology.network));
      const index = this.state.vehicles.length;
      const isOwned = index < owned;
      this.state.vehicles.push({
        vin,
        did: formatDid(topology.network, id),
        id,
        owned: isOwned,
        obuKey: generateP256(),
        ...(isOwned ? { authKey: generateP256() } : {}),
        produced: false,
        authPublished: false,
        transferred: false,
        dataKeyPublished: false,
        enrolled: false,
        tickets: [],
      });
    }
    this.#save();
    this.vehicles.splice(0, this.vehicles.length, ...this.state.vehicles.slice(0, wanted));

    const ownerUmbralSk = hexToBytes(owner.umbralSk);
    const ownerUmbralJwk = umbralJwkOf(umbralPublicKey(ownerUmbralSk));
    const template = consentTemplate("insurer-ubi");
    if (!template) throw new Error("the insurer-ubi consent template is missing from @amc/data");
    const ownerAccount = privateKeyToAccount(devPrivateKey(DEMO_OWNER_DEV_INDEX));
    let done = 0;
    await eachLimited(this.vehicles, 16, async (v) => {
      const steps: string[] = [];
      const oemWriter = { wallet: oemWallet, client };
      if (!v.produced) {
        await produceVehicle(
          { ...oemWriter, lifecycle },
          { id: v.id, specHash: specHash({ make: "Demo", model: "E1" }) },
        );
        v.produced = true;
        this.#save();
        steps.push("produced");
      }
      if (v.owned && v.authKey && !v.authPublished) {
        // The OBU's data-signing key, published by the OEM while it still controls the DID.
        await addKey(
          { ...oemWriter, registry },
          { id: v.id, jwk: publicOf(v.authKey), relationship: "authentication" },
        );
        keystore.add(v.did, "authentication", v.authKey);
        v.authPublished = true;
        this.#save();
      }
      if (v.owned && !v.transferred) {
        await transferVehicle({ ...oemWriter, lifecycle }, { id: v.id, to: ownerAccount.address });
        v.transferred = true;
        this.#save();
        steps.push(`sold to ${ownerAccount.address}`);
      }
      if (v.owned && !v.dataKeyPublished) {
        await addKey(
          { wallet: ownerWallet, client, registry },
          { id: v.id, jwk: ownerUmbralJwk, relationship: "keyAgreement", curve: "secp256k1" },
        );
        keystore.add(v.did, "keyAgreement", { ...ownerUmbralJwk, d: Buffer.from(ownerUmbralSk).toString("base64url") });
        v.dataKeyPublished = true;
        this.#save();
      }
      if (!v.credential) {
        v.credential = issueCredential({
          type: "VehicleIdentityCredential",
          issuer: oem.did,
          kid: kidFor(oem.did, oem.key, "assertionMethod"),
          privateKey: oem.key,
          subject: { id: v.did, vin: v.vin, make: "Demo", model: "E1", year: 2026, powertrain: "BEV" },
          format: "vc+jwt",
        });
        this.#save();
      }
      if (!v.enrolled) {
        // Enrolling again with the same OBU key is accepted, so a crash between enrolment and save is harmless.
        await this.pki.enrol({ vehicleDid: v.did, credential: v.credential, obuKey: p256Key(v.obuKey) });
        v.enrolled = true;
        this.#save();
        steps.push("enrolled");
      }
      const issued = await this.refreshTickets(v, Date.now() / 1000);
      if (issued > 0) steps.push(`${issued} tickets`);
      if (v.owned && !v.consent) {
        const consent = await retrying("the owner's consent to the insurer", async () => {
          const validUntil = Math.floor(Date.now() / 1000) + template.days * 86_400;
          const view = await this.#api.grant({
            owner: ownerAccount,
            terms: {
              subject: v.did,
              grantee: insurer.did,
              scopes: template.scopes,
              purpose: template.purpose,
              validFrom: Math.floor(Date.now() / 1000) - 60,
              validUntil,
            },
            delegatingSk: ownerUmbralSk,
            receivingPk: umbralPublicKey(hexToBytes(insurer.umbralSk)),
          });
          if (!isHex(view.consentId)) throw new EnvironmentError(`the gateway answered a consent id that is not hex`);
          return { consentId: view.consentId, validUntil };
        });
        const credential = await retrying("the insurer's access credential", () =>
          this.#issueAccessCredential(owner, insurer.did, v.did, template, consent),
        );
        v.consent = { consentId: consent.consentId, credential, purpose: template.purpose };
        this.#save();
        steps.push(`consent ${consent.consentId.slice(0, 10)}… to the insurer`);
      }
      done++;
      logger.info(`vehicle ${done}/${this.vehicles.length} ready`, {
        did: v.did,
        owned: v.owned,
        steps: steps.length ? steps.join(", ") : "resumed",
      });
    });
    logger.info("citizens ready", {
      vehicles: this.vehicles.length,
      owned: this.vehicles.filter((v) => v.owned).length,
      oem: oem.did,
      owner: owner.did,
      insurer: insurer.did,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
  }

  async #issueAccessCredential(
    owner: NonNullable<SimState["owner"]>,
    grantee: string,
    vehicle: string,
    template: { scopes: string[]; purpose: string },
    consent: { consentId: Hex; validUntil: number },
  ): Promise<string> {
    const expiry = new Date(consent.validUntil * 1000).toISOString();
    const token = createDidAuthToken({
      did: owner.did,
      kid: kidFor(owner.did, owner.key, "authentication"),
      privateJwk: owner.key,
      audience: this.#baseUrl,
    });
    const response = await fetch(`${this.#baseUrl}/credentials/issue`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `DID ${token}` },
      body: JSON.stringify({
        credential: {
          type: ["VerifiableCredential", "AccessGrantCredential"],
          issuer: owner.did,
          validUntil: expiry,
          credentialSubject: {
            id: grantee,
            vehicle,
            scopes: template.scopes,
            purpose: template.purpose,
            expiry,
            consent: consent.consentId,
          },
        },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { verifiableCredential?: { id: string }; detail?: string };
    if (!response.ok || !body.verifiableCredential)
      throw new EnvironmentError(`the gateway did not issue the access credential: ${body.detail ?? response.status}`);
    return decodeURIComponent(body.verifiableCredential.id.replace(/^data:application\/vc\+jwt,/, ""));
  }

  /**
   * Asks the PKI for the tickets the vehicle lacks (the current and the next slot) and forgets ended ones; returns
   * how many were issued. A slot the PKI already issued (a ticket lost in a crash) is skipped with a warning.
   */
  async refreshTickets(vehicle: VehicleRecord, unixS: number): Promise<number> {
    const held = unexpired(this.schedule, unixS, vehicle.tickets);
    const wanted = ticketsToRequest(this.schedule, unixS, held);
    const fresh: TicketRecord[] = [];
    for (const [period, slots] of byPeriod(wanted)) {
      const request = async (asked: number[]) => {
        const keys = asked.map(() => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
        const issued = await this.pki.tickets({
          vehicleDid: vehicle.did,
          obuKey: p256Key(vehicle.obuKey),
          period,
          slots: asked,
          keys,
        });
        for (const ticket of issued) {
          const key = keys[asked.indexOf(ticket.slot)];
          if (!key) continue;
          fresh.push({
            period,
            slot: ticket.slot,
            certificate: bytesToHex(ticket.bytes),
            privateKey: toJwk(key),
            stationId: randomInt(1, 0xffffffff),
          });
        }
      };
      try {
        await request(slots);
      } catch (error) {
        if (!(error instanceof PkiRequestError && error.status === 409)) throw error;
        for (const slot of slots)
          await request([slot]).catch((e: unknown) => {
            if (!(e instanceof PkiRequestError && e.status === 409)) throw e;
            this.options.logger.warn("a ticket slot was already issued (lost in a crash?); skipping it", {
              did: vehicle.did,
              period,
              slot,
            });
          });
      }
    }
    if (fresh.length > 0 || held.length !== vehicle.tickets.length) {
      vehicle.tickets = [...held, ...fresh];
      this.#save();
    }
    return fresh.length;
  }

  /** The ticket to sign with now, or undefined when the vehicle holds none for the current slot. */
  activeTicket(vehicle: VehicleRecord, unixS: number): ActiveTicket | undefined {
    const ticket = activeTicket(this.schedule, unixS, vehicle.tickets);
    if (!ticket) return undefined;
    let decoded = this.#decoded.get(ticket.certificate);
    if (!decoded) {
      decoded = {
        certificate: decodeCertificate(hexToBytes(ticket.certificate)),
        privateKey: p256Key(ticket.privateKey),
      };
      this.#decoded.set(ticket.certificate, decoded);
    }
    return {
      key: ticket.certificate,
      signer: decoded,
      stationId: ticket.stationId,
      slot: { period: ticket.period, slot: ticket.slot },
    };
  }

  /** The owned vehicle seals `data` for its owner, signs it with its DID key and uploads it through the gateway. */
  async upload(vehicle: VehicleRecord, data: unknown): Promise<UploadResult> {
    const owner = this.state.owner;
    if (!vehicle.owned || !vehicle.authKey || !owner)
      throw new InvalidInputError(`${vehicle.did} is not an owned vehicle: it uploads nothing`);
    const body = DataClient.sealAndSign({
      meta: {
        subject: vehicle.did,
        kind: TRIP_KIND,
        dataClass: "personal",
        region: DATA_REGION,
        createdAt: Math.floor(Date.now() / 1000),
        contentType: "application/json",
      },
      data: new TextEncoder().encode(JSON.stringify(data)),
      ownerUmbralPk: umbralPublicKey(hexToBytes(owner.umbralSk)),
      vehicleKey: { kid: kidFor(vehicle.did, vehicle.authKey, "authentication"), privateJwk: vehicle.authKey },
    });
    const stored = await this.#api.upload(body);
    if (!isHex(stored.objectId)) throw new EnvironmentError("the gateway answered an object id that is not hex");
    return { objectId: stored.objectId, size: stored.size };
  }

  /** The insurer reads `objectId` under the owner's consent (logged in the owner's disclosure log). */
  async insurerRead(vehicle: VehicleRecord, objectId: Hex): Promise<{ seq: number; bytes: number }> {
    const insurer = this.state.insurer;
    if (!insurer || !vehicle.consent) throw new InvalidInputError(`no consent to the insurer for ${vehicle.did}`);
    const result = await this.#api.read({
      consumer: { did: insurer.did, kid: kidFor(insurer.did, insurer.key, "authentication"), privateJwk: insurer.key },
      receivingSk: hexToBytes(insurer.umbralSk),
      objectId,
      consentId: vehicle.consent.consentId,
      purpose: vehicle.consent.purpose,
      credential: vehicle.consent.credential,
    });
    return { seq: result.disclosure.seq, bytes: result.data.length };
  }
}
