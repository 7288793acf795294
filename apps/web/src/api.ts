// The gateway's HTTP API as the dashboard reads it: one fetch helper that turns RFC 9457 problem details (and the
// older `{ error }` bodies) into an ApiError the pages can show, and the response shapes of the routes the pages use
// (see /tmp/api.md and apps/gateway/src/*.ts). Everything is same-origin: the gateway serves the dashboard.

export type Address = `0x${string}`;
export type Hex = `0x${string}`;

/** A failed request: HTTP status (0 when the gateway could not be reached) with the problem's title and detail. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly path: string,
    /** What to do about it, when the gateway says (its problems' `fix` member). */
    readonly fix?: string,
  ) {
    super(`${status ? `${status} ` : ""}${title}${detail ? `: ${detail}` : ""}`);
  }
}

/** Reads a problem+json or `{ error }` body into title and detail (falls back to the status text). */
export function problemOf(
  status: number,
  statusText: string,
  body: unknown,
): { title: string; detail: string; fix?: string } {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const title = typeof b.title === "string" ? b.title : typeof b.error === "string" ? b.error : statusText;
    const detail =
      typeof b.detail === "string" ? b.detail : typeof b.message === "string" && b.message !== title ? b.message : "";
    const fix = typeof b.fix === "string" ? b.fix : undefined;
    return { title: title || `HTTP ${status}`, detail, ...(fix ? { fix } : {}) };
  }
  if (typeof body === "string" && body.trim()) return { title: statusText || `HTTP ${status}`, detail: body.trim() };
  return { title: statusText || `HTTP ${status}`, detail: "" };
}

export type Response<T> = { status: number; body: T };

/** Fetches a JSON resource; 2xx answers resolve with status and body, everything else rejects with an ApiError. */
export async function request<T>(path: string, init: RequestInit = {}): Promise<Response<T>> {
  let response: globalThis.Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: {
        accept: "application/json",
        ...(init.body ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "gateway unreachable", error instanceof Error ? error.message : String(error), path);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (an HTML error page of a proxy, say): keep the text for the problem's detail.
  }
  if (!response.ok) {
    const { title, detail, fix } = problemOf(response.status, response.statusText, body);
    throw new ApiError(response.status, title, detail, path, fix);
  }
  return { status: response.status, body: body as T };
}

export const getJson = async <T>(path: string, init?: RequestInit): Promise<T> => (await request<T>(path, init)).body;

// ------------------------------------------------------------------------------------------------------ shapes

export type ChainRole = "main" | "side" | "edge";

export type DashboardConfig = {
  network: string;
  devKeys: boolean;
  main: { name: string; chainId: number };
  /** DIDRegistry and VehicleLifecycle on main (null when the identity module is off). */
  registry: Address | null;
  lifecycle: Address | null;
  /** The audience of owner tokens (null without the data module). */
  audience: string | null;
  chains: { name: string; role: ChainRole; chainId: number; h3Cell: string | null }[];
  members: { address: Address; name: string; roles: string[] }[];
  sim: boolean;
  attribution: string | null;
};

export type ChainInfo = {
  name: string;
  role: ChainRole;
  chainId: number;
  h3Cell: string | null;
  rpcUrl: string;
  blockNumber: number | null;
  validators: Address[];
  threshold: number;
  contracts: Record<string, Address>;
};

/** A member as /v1/governance/members answers it: role ids (keccak256 of the name) and, in the same order, names. */
export type Member = {
  address: Address;
  name: string;
  metadataURI: string;
  joinedAt: number;
  roles: Hex[];
  roleNames: string[];
};

export type XchainMessage = {
  id: Hex;
  origin: string;
  destination: string | null;
  sender: Address;
  recipient: Hex;
  nonce: number;
  blockNumber: number;
  timestamp: number;
  delivered: boolean;
  deliveredBlock: number | null;
  deliveredTx: Hex | null;
};

export type RsuInfo = { name: string; cell: string; chain: string; url: string; ws: string; healthy: boolean };

export type RsuStats = {
  name: string;
  cell: string;
  chain: string;
  healthy: boolean;
  sessions: number;
  accepted: number;
  rejected: Record<string, number>;
  messagesPerSecond: number;
  batchesAnchored: number;
  lastAnchor: { batchId: number; txHash: Hex; blockNumber: number; count: number } | null;
};
export type EdgeStats = { at: number; rsus: RsuStats[] };

export type EdgeEvent = {
  eventId: Hex;
  chain: string;
  cell: string;
  causeCode: number;
  subCauseCode: number;
  latitude: number;
  longitude: number;
  firstSeen: number;
  confirmedAt: number;
  reporters: number;
  rsuDid: Hex;
  blockNumber: number;
  txHash: Hex;
};

export type RecentMessage = { hash: Hex; rsu: string; kind: "cam" | "denm"; at: number };

export type SimNetwork = {
  name: string;
  attribution: string;
  bounds: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  roads: { id: string | number; kind: string; name: string | null; lanes: number; geo: [number, number][] }[];
  cells: { cell: string; roadMetres: number; chain: string | null }[];
  rsus: { name: string; cell: string; lat: number; lon: number }[];
};

export type SimVehicle = {
  id: string;
  did: string;
  lat: number;
  lon: number;
  speed: number;
  heading: number;
  cell: string | null;
  rsu: string | null;
  connected: boolean;
};
export type SimCounters = {
  cams: number;
  denms: number;
  rejected: number;
  handovers: number;
  uploads: number;
  reads: number;
  eventsConfirmed: number;
};
export type SimHazard = {
  id: string;
  causeCode: number;
  lat: number;
  lon: number;
  startedAt: number;
  reports: number;
  confirmed: boolean;
  eventId: Hex | null;
};
export type SimState = {
  time: number;
  engine: "builtin" | "sumo";
  running: boolean;
  vehicles: SimVehicle[];
  counters: SimCounters;
  hazards: SimHazard[];
};

export type VerificationMethod = {
  id: string;
  type: string;
  controller: string;
  publicKeyJwk?: Record<string, unknown>;
  blockchainAccountId?: string;
  publicKeyMultibase?: string;
};
export type DidDocument = {
  id: string;
  controller?: string | string[];
  verificationMethod?: VerificationMethod[];
  authentication?: (string | VerificationMethod)[];
  assertionMethod?: (string | VerificationMethod)[];
  service?: { id: string; type: string | string[]; serviceEndpoint: unknown }[];
};
export type VehicleIdentity = {
  did: string;
  id: Hex;
  /** The DID document (null when deactivated). */
  document: DidDocument | null;
  metadata?: Record<string, unknown>;
  lifecycle: {
    state: string;
    oem?: Address;
    producedAt?: number;
    registeredAt?: number;
    transfers?: number;
    accidents?: number;
    controller?: string | null;
    history: {
      event: string;
      args?: Record<string, unknown>;
      blockNumber: number;
      txHash: Hex;
      timestamp: number;
    }[];
  };
  credentials: {
    id: string;
    type: string | string[] | null;
    issuer: string | { id: string };
    issuedAt?: string | number | null;
    validFrom?: string;
    status: string;
  }[];
};

export type DataConfig = { audience: string; chainId: number; consentRegistry: Address; dataLedger: Address };

export type DataObject = {
  objectId: Hex;
  subject: string;
  kind: string;
  dataClass: string;
  uploadedAt: number;
  size: number;
  anchorTx: Hex | null;
  erasedAt: number | null;
  eraseReason: string | null;
};

export type Consent = {
  consentId: Hex;
  subject: string;
  grantee: string;
  scopes: string[];
  purpose: string;
  validFrom: number;
  validUntil: number;
  status: string;
  createdAt: number;
  revokedAt: number | null;
  revokeTx: Hex | null;
};

export type Disclosure = {
  seq: number;
  at: number;
  objectId: Hex;
  consumer: string;
  purpose: string;
  consentId: Hex;
  anchorIndex: number | null;
};

export type AllocationName = "mining" | "ido" | "technology" | "operations" | "foundation";
export type AllocationAt = {
  name: AllocationName;
  holder: string;
  shareBps: number;
  total: string;
  rule: string;
  vested: string | null;
  locked: string | null;
};
export type TokenSchedule = {
  chain: string;
  token: Address;
  at: string;
  launch: string;
  totalSupply: string;
  schedule: AllocationAt[];
  mining: { currentEpoch: string; currentEmission: string; totalCommitted: string; totalClaimed: string };
};

export type RewardEpoch = {
  epoch: number;
  window: { start: number; end: number };
  emission: string;
  root: Hex | null;
  total: string;
  totalPoints: string;
  accounts: number;
  mainBlock: number;
  computedAt: number;
  commitTx: Hex | null;
  commitError: string | null;
  remoteCommits: Record<string, string>;
};
export type EpochsResponse = {
  miningPool: Address;
  genesis: number;
  epochDuration: number;
  current: { epoch: number; endsAt: number; emission: string };
  epochs: RewardEpoch[];
};

export type Claim = {
  epoch: number;
  account: Address;
  amount: string;
  points: string;
  root: Hex;
  committed: boolean;
  claimed: boolean;
};

export type FlRound = {
  round: number;
  status: string;
  baseModelHash: Hex;
  modelHash: Hex | null;
  cells: number;
  accepted: number;
  dropped: number;
  contributors: number;
  f1: number;
  precision: number;
  recall: number;
};
export type FlTask = {
  taskId: Hex;
  registry: Address;
  config: {
    name: string;
    model: { kind: string; d?: number; [key: string]: unknown };
    secure: { mode: string; [key: string]: unknown };
    clipNorm: number;
    rule: { kind: string; [key: string]: unknown };
    minContributors: number;
    local: { epochs: number; lr: number; batch: number; l2: number };
  };
  round: number | null;
  baseModelHash: Hex | null;
  rounds: FlRound[];
};
