// The data-sharing client (docs/data-sharing.md): what a vehicle, an owner and a consumer run on their own side,
// so that keys never leave them — the vehicle seals and signs, the owner signs consents and makes key fragments,
// the consumer combines re-encrypted fragments and decrypts. The gateway only relays, checks, logs and re-encrypts.
import { randomBytes, sign } from "node:crypto";
import { aMCTAbi, dataEscrowAbi } from "@amc/abi";
import { type ChainPublicClient, type ChainWalletClient, signConsent, signRevocation } from "@amc/chain";
import {
  type ConsentTermsInput,
  type ConsentView,
  createOwnerToken,
  type EscrowView,
  fromUpload,
  makeKFrags,
  type ObjectMeta,
  type ObjectView,
  onchainTerms,
  openReencrypted,
  type PaymentView,
  sealObject,
  toUpload,
  type Upload,
  umbralKem,
  uploadDigest,
} from "@amc/data";
import { createDidAuthToken, type PrivateJwk } from "@amc/did";
import { BaseError } from "@amc/utils";
import { type Address, bytesToHex, type Hex, hexToBytes, type LocalAccount, type TransactionReceipt } from "viem";

/** An answer of the gateway other than 2xx, with its problem details. */
export class GatewayError extends BaseError {
  override name = "GatewayError";
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; code?: string; fix?: string } & Record<string, unknown>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`, problem.fix ? { fix: problem.fix } : {});
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

export type DataConfig = {
  proxies: number;
  defaultThreshold: number;
  region: string;
  audience: string;
  chainId: number;
  consentRegistry: Address;
  dataLedger: Address;
  /** Where priced data requests are funded, and the token they are paid in (null without the token module). */
  dataEscrow: Address | null;
  token: Address | null;
  templates: { id: string; title: string; scopes: string[]; purpose: string; days: number; granteeRole: string }[];
};

/** A data request with its escrow (priced requests) and its participants with their payments. */
export type DataRequestView = {
  requestId: Hex;
  requester: string;
  kinds: string[];
  purpose: string;
  validFrom: number;
  validUntil: number;
  /** Per participant, in AMCT base units (decimal string); paid from the escrow on delivery. */
  price: string;
  maxParticipants: number | null;
  status: string;
  createdAt: number;
  /** The DataEscrow of the request on chain now; null for a free request or a gateway without the token module. */
  escrow: EscrowView | null;
  participants: {
    subject: string;
    consentId: Hex;
    joinedAt: number;
    /** Null until the requester first reads this participant's data under the consent that joined (delivery). */
    payment: PaymentView | null;
  }[];
};

/** A DID with its keys, as a consumer or member organisation holds it. */
export type DidActor = { did: string; kid: string; privateJwk: PrivateJwk };

export type ReadResult = {
  data: Uint8Array;
  meta: ObjectMeta;
  object: ObjectView;
  disclosure: { seq: number; at: number; leaf: Hex };
  validFragments: number;
};

export class DataClient {
  private configCache: DataConfig | undefined;

  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown, authorization?: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(authorization ? { authorization } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) throw new GatewayError(response.status, (parsed ?? {}) as GatewayError["problem"]);
    return parsed as T;
  }

  async config(): Promise<DataConfig> {
    this.configCache ??= await this.call<DataConfig>("GET", "/v1/data/config");
    return this.configCache;
  }

  private async ownerAuth(owner: LocalAccount): Promise<string> {
    return `Owner ${await createOwnerToken(owner, (await this.config()).audience)}`;
  }

  private async didAuth(actor: DidActor): Promise<string> {
    const audience = (await this.config()).audience;
    return `DID ${createDidAuthToken({ did: actor.did, kid: actor.kid, privateJwk: actor.privateJwk, audience })}`;
  }

  // ---------------------------------------------------------------------------------------------- vehicle

  /** Seals `data` for the owner's Umbral key and signs it with the vehicle's assertion key: the upload body. */
  static sealAndSign(params: {
    meta: ObjectMeta;
    data: Uint8Array;
    ownerUmbralPk: Uint8Array;
    vehicleKey: { kid: string; privateJwk: PrivateJwk };
  }): Upload {
    const sealed = sealObject(umbralKem, params.meta, params.data, params.ownerUmbralPk);
    const signature = sign("sha256", uploadDigest(sealed), {
      key: params.vehicleKey.privateJwk as never,
      format: "jwk",
      dsaEncoding: "ieee-p1363",
    } as never);
    return toUpload(sealed, params.vehicleKey.kid, signature);
  }

  upload(upload: Upload): Promise<ObjectView & { created: boolean }> {
    return this.call("POST", "/v1/data/objects", upload);
  }

  // ---------------------------------------------------------------------------------------------- owner

  /**
   * Grants `terms` to the grantee: signs the consent (EIP-712) with the owner's account and makes one key fragment
   * per proxy from the vehicle's Umbral key to the grantee's.
   */
  async grant(params: {
    owner: LocalAccount;
    terms: Omit<ConsentTermsInput, "salt"> & { salt?: Hex };
    /** The owner's Umbral secret key for the vehicle (its public half is the vehicle DID's keyAgreement key). */
    delegatingSk: Uint8Array;
    /** The grantee's Umbral public key (its DID's keyAgreement key). */
    receivingPk: Uint8Array;
    threshold?: number;
    requestId?: Hex;
  }): Promise<ConsentView> {
    const config = await this.config();
    const terms: ConsentTermsInput = { ...params.terms, salt: params.terms.salt ?? bytesToHex(randomBytes(32)) };
    const signature = await signConsent(params.owner, config.chainId, config.consentRegistry, onchainTerms(terms));
    const threshold = params.threshold ?? config.defaultThreshold;
    const { kfrags, verifyingPk } = makeKFrags({
      delegatingSk: params.delegatingSk,
      receivingPk: params.receivingPk,
      threshold,
      shares: config.proxies,
    });
    return this.call("POST", "/v1/data/consents", {
      terms,
      signature,
      kfrags,
      verifyingPk,
      threshold,
      ...(params.requestId ? { requestId: params.requestId } : {}),
    });
  }

  async revoke(owner: LocalAccount, consentId: Hex, ttlSeconds = 600): Promise<ConsentView> {
    const config = await this.config();
    const deadline = Math.floor(Date.now() / 1000) + ttlSeconds;
    const signature = await signRevocation(owner, config.chainId, config.consentRegistry, consentId, BigInt(deadline));
    return this.call("POST", `/v1/data/consents/${consentId}/revoke`, { deadline, signature });
  }

  async objects(owner: LocalAccount, subject: string): Promise<ObjectView[]> {
    return (
      await this.call<{ objects: ObjectView[] }>(
        "GET",
        `/v1/data/objects?subject=${encodeURIComponent(subject)}`,
        undefined,
        await this.ownerAuth(owner),
      )
    ).objects;
  }

  async consents(owner: LocalAccount, subject: string): Promise<ConsentView[]> {
    return (
      await this.call<{ consents: ConsentView[] }>(
        "GET",
        `/v1/data/consents?subject=${encodeURIComponent(subject)}`,
        undefined,
        await this.ownerAuth(owner),
      )
    ).consents;
  }

  async disclosures(owner: LocalAccount, subject: string) {
    return (
      await this.call<{
        disclosures: {
          seq: number;
          at: number;
          objectId: Hex;
          consumer: string;
          purpose: string;
          consentId: Hex;
          leaf: Hex;
          anchorIndex: number | null;
        }[];
      }>("GET", `/v1/data/disclosures?subject=${encodeURIComponent(subject)}`, undefined, await this.ownerAuth(owner))
    ).disclosures;
  }

  async notifications(owner: LocalAccount, subject: string) {
    return (
      await this.call<{
        notifications: { incidentId: Hex; title: string; description: string; objectIds: Hex[]; notifiedAt: number }[];
      }>("GET", `/v1/data/notifications?subject=${encodeURIComponent(subject)}`, undefined, await this.ownerAuth(owner))
    ).notifications;
  }

  async erase(owner: LocalAccount, objectId: Hex): Promise<ObjectView> {
    return this.call("DELETE", `/v1/data/objects/${objectId}`, undefined, await this.ownerAuth(owner));
  }

  // ---------------------------------------------------------------------------------------------- consumer

  /** A consented read: presents the credential, gets re-encrypted fragments, verifies and decrypts locally. */
  async read(params: {
    consumer: DidActor;
    receivingSk: Uint8Array;
    objectId: Hex;
    consentId: Hex;
    purpose: string;
    credential: string;
  }): Promise<ReadResult> {
    const answer = await this.call<{
      object: ObjectView;
      meta: ObjectMeta;
      ciphertext: string;
      capsule: Hex;
      wrappedKey: Hex;
      saltedHash: Hex;
      cfrags: { proxy: number; cfrag: Hex }[];
      delegatingPk: Hex;
      verifyingPk: Hex;
      disclosure: ReadResult["disclosure"];
    }>(
      "POST",
      `/v1/data/objects/${params.objectId}/read`,
      { consentId: params.consentId, purpose: params.purpose, credential: params.credential },
      await this.didAuth(params.consumer),
    );
    const sealed = fromUpload({
      meta: answer.meta,
      ciphertext: answer.ciphertext,
      capsule: answer.capsule,
      wrappedKey: answer.wrappedKey,
      saltedHash: answer.saltedHash,
      kid: "-",
      signature: "-",
    } as Upload);
    const { data, validFragments } = openReencrypted({
      receivingSk: params.receivingSk,
      delegatingPk: hexToBytes(answer.delegatingPk),
      verifyingPk: hexToBytes(answer.verifyingPk),
      capsule: hexToBytes(answer.capsule),
      cfrags: answer.cfrags.map((c) => hexToBytes(c.cfrag)),
      sealed,
    });
    return { data, meta: answer.meta, object: answer.object, disclosure: answer.disclosure, validFragments };
  }

  async createRequest(
    requester: DidActor,
    body: {
      kinds: string[];
      purpose: string;
      validFrom: number;
      validUntil: number;
      price: string;
      maxParticipants?: number;
    },
  ) {
    return this.call<DataRequestView>("POST", "/v1/data/requests", body, await this.didAuth(requester));
  }

  async requests(status?: string): Promise<DataRequestView[]> {
    return (
      await this.call<{ requests: DataRequestView[] }>("GET", `/v1/data/requests${status ? `?status=${status}` : ""}`)
    ).requests;
  }

  request(requestId: Hex): Promise<DataRequestView> {
    return this.call<DataRequestView>("GET", `/v1/data/requests/${requestId}`);
  }

  /**
   * Funds a priced data request from the requester's own account: approves `amount` AMCT to DataEscrow, then
   * deposits it for the request id until `deadline` (unix seconds; after it, what is left is refundable). Fund
   * price × the participants you want before owners opt in: the gateway refuses opt-ins the escrow does not cover,
   * and a deposit cannot be topped up. `escrow` and `token` are in `config()` (`dataEscrow`, `token`).
   */
  static async fundRequest(params: {
    wallet: ChainWalletClient;
    client: ChainPublicClient;
    escrow: Address;
    token: Address;
    requestId: Hex;
    amount: bigint;
    deadline: number | bigint;
  }): Promise<{ approve: TransactionReceipt; deposit: TransactionReceipt }> {
    const send = async (call: Parameters<ChainPublicClient["simulateContract"]>[0]) => {
      const { request } = await params.client.simulateContract({ ...call, account: params.wallet.account } as never);
      const hash = await params.wallet.writeContract(request as never);
      const receipt = await params.client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new BaseError(`${String(call.functionName)} reverted in ${hash}`);
      return receipt;
    };
    const approve = await send({
      address: params.token,
      abi: aMCTAbi,
      functionName: "approve",
      args: [params.escrow, params.amount],
    } as never);
    const deposit = await send({
      address: params.escrow,
      abi: dataEscrowAbi,
      functionName: "deposit",
      args: [params.requestId, params.amount, BigInt(params.deadline)],
    } as never);
    return { approve, deposit };
  }

  async createDataset(actor: DidActor, body: unknown) {
    return this.call<{ datasetId: string }>("POST", "/v1/data/datasets", body, await this.didAuth(actor));
  }

  async queryDataset(actor: DidActor, datasetId: string, body: unknown) {
    return this.call<Record<string, unknown>>(
      "POST",
      `/v1/data/datasets/${datasetId}/query`,
      body,
      await this.didAuth(actor),
    );
  }

  async releaseDataset(actor: DidActor, datasetId: string, body: unknown) {
    return this.call<Record<string, unknown>>(
      "POST",
      `/v1/data/datasets/${datasetId}/release`,
      body,
      await this.didAuth(actor),
    );
  }
}
