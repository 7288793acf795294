// Test support for the edge: real anvil chains (main and two adjacent H3 cells, every module deployed as `amc up`
// does), in-process validator agents and relayer, the pseudonym PKI's authorities (root CA, PCA, EA, LA1, LA2 from
// @amc/v2x; the root registered in main's V2xTrustStore), and RSU nodes with DIDs created on main by the RSU
// operator. Vehicles get real authorization tickets and talk to the RSUs through the SDK's ObuClient.
//
// The one test double: the EA's vehicle check accepts every vehicle DID (the PKI service's real check against
// the registry and the vehicle's identity credential is tested in tests/pki.e2e.anvil.test.ts).
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { v2xTrustStoreAbi } from "@amc/abi";
import {
  type ChainConfig,
  contractAddress,
  devKeyIndex,
  devPrivateKey,
  publicClientFor,
  rsuKey,
  rsuSpecs,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { ObuClient, signCam, signDenm } from "@amc/sdk";
import { createLogger } from "@amc/utils";
import {
  type Certificate,
  CertificateCodec,
  certificateDigest,
  EnrolmentAuthority,
  issueCertificate,
  LinkageAuthority,
  PseudonymCa,
  revocationSeeds,
  type Schedule,
  sec1Compressed,
  slotsPerPeriod,
  ticketLinkage,
  ticketSigner,
  toHex,
} from "@amc/v2x";
import { cellToLatLng } from "h3-js";
import { type Hex, keccak256, stringToHex } from "viem";
import { type RsuConfig, RsuNode } from "../../apps/edge/src/rsu.js";
import { ensureFunded, ensureRsuIdentity, rsuKeyResolver } from "../../apps/edge/src/setup.js";
import { type LocalAgents, startLocalAgents } from "../../apps/relayer/src/local.js";
import { toBeSigned } from "../../packages/v2x/src/ieee1609/testing.js";

export const CELL_A = "871f18803ffffff";
export const CELL_B = "871f18802ffffff";
const PSID = { cam: 36, denm: 37 };

const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

export type TestPki = {
  root: Certificate;
  pca: Certificate;
  schedule: Schedule;
  la1: LinkageAuthority;
  la2: LinkageAuthority;
  pcaAuthority: PseudonymCa<Certificate>;
  ea: EnrolmentAuthority;
};

export type Vehicle = {
  did: string;
  ticket: Certificate;
  privateKey: KeyObject;
  stationId: number;
};

export type EdgeNet = {
  net: LocalNet;
  agents: LocalAgents;
  pki: TestPki;
  rsus: RsuNode[];
  cells: { a: ChainConfig; b: ChainConfig };
  /** A vehicle enrolled with the EA, holding a ticket for the current slot (or `slotOffset` slots away). */
  vehicle(name?: string, options?: { slotOffset?: number }): Promise<Vehicle>;
  /** Publishes the vehicle's linkage seeds on main (the misbehaviour authority's act). */
  revoke(vehicle: Vehicle): Promise<void>;
  connect(rsu: RsuNode, vehicle: Vehicle, previousAdmission?: Uint8Array): Promise<ObuClient>;
  stop(): Promise<void>;
};

/** A point inside `cell`, offset by `metres` east of its centre. */
export function pointIn(cell: string, metresEast = 0, metresNorth = 0): { latitude: number; longitude: number } {
  const [lat, lng] = cellToLatLng(cell);
  return {
    latitude: lat + metresNorth / 111_320,
    longitude: lng + metresEast / (111_320 * Math.cos((lat * Math.PI) / 180)),
  };
}

export function cam(vehicle: Vehicle, position = pointIn(CELL_A), time = Date.now()): Uint8Array {
  return signCam({
    signer: { certificate: vehicle.ticket, privateKey: vehicle.privateKey },
    stationId: vehicle.stationId,
    position,
    speed: 0,
    heading: 90,
    time,
  });
}

export function denm(vehicle: Vehicle, causeCode: number, position = pointIn(CELL_A), sequenceNumber = 1): Uint8Array {
  return signDenm({
    signer: { certificate: vehicle.ticket, privateKey: vehicle.privateKey },
    stationId: vehicle.stationId,
    causeCode,
    position,
    sequenceNumber,
  });
}

async function createPki(net: LocalNet): Promise<TestPki> {
  const now = Date.now();
  const rootKey = p256();
  const pcaKey = p256();
  const root = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: rootKey.publicKey,
        start: new Date(now - 4 * 3_600_000),
        hours: 24 * 365,
        certIssuePermissions: [{ subjectPermissions: { type: "all" }, minChainLength: 2, chainLengthRange: -1 }],
      }),
      id: { type: "name", name: "amc-edge-test-root" },
    },
    issuer: { certificate: "self", privateKey: rootKey.privateKey },
  });
  const pca = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: pcaKey.publicKey,
        start: new Date(now - 4 * 3_600_000),
        hours: 24 * 30,
        certIssuePermissions: [
          { subjectPermissions: { type: "explicit", ranges: [{ psid: PSID.cam }, { psid: PSID.denm }] } },
        ],
      }),
      id: { type: "name", name: "amc-edge-test-pca" },
    },
    issuer: { certificate: root, privateKey: rootKey.privateKey },
  });
  // Register the root and PCA in main's trust store, as the CERTIFICATE_AUTHORITY member.
  const main = net.topology.chains[0]!;
  const client = publicClientFor(main);
  const ca = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 1));
  const trustStore = contractAddress(net.manifest, "main", "V2xTrustStore");
  for (const [cert, role, issuer] of [
    [root, 1, root],
    [pca, 3, root],
  ] as const) {
    const hash = await ca.writeContract({
      address: trustStore,
      abi: v2xTrustStoreAbi,
      functionName: "addCertificate",
      args: [
        `0x${toHex(certificateDigest(cert))}`,
        `0x${toHex(CertificateCodec.encode(cert))}`,
        role,
        `0x${toHex(certificateDigest(issuer))}`,
      ],
    });
    await client.waitForTransactionReceipt({ hash });
  }
  // Period 0 began 90 minutes ago: the current slot (1) started 30 minutes ago and lasts another 30.
  const schedule: Schedule = { periodSeconds: 7 * 24 * 3600, slotSeconds: 3600, epoch: Math.floor(now / 1000) - 5400 };
  const la1 = new LinkageAuthority(0x0a01);
  const la2 = new LinkageAuthority(0x0a02);
  const pcaAuthority = new PseudonymCa(
    schedule,
    la1.laId,
    la2.laId,
    ticketSigner(
      { certificate: pca, privateKey: pcaKey.privateKey },
      { appPermissions: [{ psid: PSID.cam }, { psid: PSID.denm }] },
    ),
  );
  const ea = new EnrolmentAuthority(async () => ({ ok: true }), la1, la2);
  return { root, pca, schedule, la1, la2, pcaAuthority, ea };
}

export type EdgeNetOptions = {
  rsusPerCell?: number;
  k?: number;
  batch?: { maxCount: number; maxDelayMs: number };
  limits?: Partial<RsuConfig["limits"]>;
  blockTimeSeconds?: number;
};

export async function startEdgeNet(options: EdgeNetOptions = {}): Promise<EdgeNet> {
  const net = await startLocalNet(
    [
      { name: "main", role: "main" },
      { name: "cell-a", role: "edge", h3Cell: CELL_A },
      { name: "cell-b", role: "edge", h3Cell: CELL_B },
    ],
    { blockTimeSeconds: options.blockTimeSeconds ?? 0 },
  );
  const topology = {
    ...net.topology,
    services: {
      ...net.topology.services,
      edge: { ...net.topology.services.edge, rsusPerCell: options.rsusPerCell ?? 1 },
    },
  };
  const agents = startLocalAgents(topology, net.manifest);
  const pki = await createPki(net);
  const resolveRsuKey = rsuKeyResolver(topology, net.manifest);
  const logger = createLogger({}, { level: "warn" });
  const specs = rsuSpecs(topology);
  const rsus: RsuNode[] = [];
  const home = mkdtempSync(join(tmpdir(), "amc-edge-"));
  for (const spec of specs) {
    const key = rsuKey(topology, spec);
    const [identity] = await Promise.all([
      ensureRsuIdentity(topology, net.manifest, join(home, spec.name, "identity.json")),
      ensureFunded(topology, spec.chain, key),
    ]);
    const rootId = Buffer.from(certificateDigest(pki.root));
    const node: RsuNode = new RsuNode({
      name: spec.name,
      cell: spec.cell,
      host: "127.0.0.1",
      port: 0,
      dataDir: join(home, spec.name, "journal"),
      chain: spec.chain,
      contracts: {
        dataAnchor: contractAddress(net.manifest, spec.chain.name, "DataAnchor"),
        eventLedger: contractAddress(net.manifest, spec.chain.name, "EventLedger"),
        identityMirror: contractAddress(net.manifest, spec.chain.name, "IdentityMirror"),
      },
      privateKey: key,
      identity,
      trust: { caChain: [pki.pca, pki.root], isTrustedRoot: (digest) => Buffer.from(digest).equals(rootId) },
      batch: options.batch ?? { maxCount: 500, maxDelayMs: 200 },
      consensus: { k: options.k ?? 3, radiusMeters: 300, windowMs: 60_000 },
      limits: { ratePerSecond: 1000, burst: 2000, maxInFlight: 20_000, maxAgeMs: 30_000, ...options.limits },
      revocation: { pollIntervalMs: 100, slotsPerPeriod: slotsPerPeriod(pki.schedule) },
      checkpointIntervalMs: 1_000,
      admissionTtlMs: 600_000,
      peers: () =>
        rsus.filter((r) => r !== node).map((r) => ({ name: r.config.name, cell: r.config.cell, url: r.url })),
      resolveRsuKey,
      threads: 1,
      logger,
    });
    await node.start();
    rsus.push(node);
  }
  let vehicles = 0;
  const edge: EdgeNet = {
    net,
    agents,
    pki,
    rsus,
    cells: { a: net.topology.chains[1]!, b: net.topology.chains[2]! },
    async vehicle(name, vehicleOptions = {}) {
      const n = ++vehicles;
      const did = `did:amc:test:${keccak256(stringToHex(`${name ?? "vehicle"}-${n}-${Math.random()}`))}`;
      const obuKey = p256();
      const enrolled = await pki.ea.enrol(did, "test-double", sec1Compressed(obuKey.publicKey));
      if (!enrolled.ok) throw new Error(enrolled.reason);
      const nowS = Math.floor(Date.now() / 1000);
      const period = Math.floor((nowS - pki.schedule.epoch) / pki.schedule.periodSeconds);
      const slot =
        Math.floor((nowS - pki.schedule.epoch - period * pki.schedule.periodSeconds) / pki.schedule.slotSeconds) +
        (vehicleOptions.slotOffset ?? 0);
      const ticketKey = p256();
      const [issued] = pki.pcaAuthority.issueBatch(
        pki.ea.ticketRequest(
          did,
          period,
          [slot],
          [sec1Compressed(ticketKey.publicKey)],
          pki.pcaAuthority.keys.publicRaw,
        ),
      );
      if (!issued) throw new Error("no ticket issued");
      return { did, ticket: issued.ticket, privateKey: ticketKey.privateKey, stationId: 1000 + n };
    },
    async revoke(vehicle) {
      const linkage = ticketLinkage(vehicle.ticket);
      if (!linkage) throw new Error("ticket without linkage data");
      const seeds = revocationSeeds(
        { pca: pki.pcaAuthority, la1: pki.la1, la2: pki.la2 },
        linkage.linkageValue,
        linkage.period,
      );
      const main = net.topology.chains[0]!;
      const ca = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 1));
      const hash = await ca.writeContract({
        address: contractAddress(net.manifest, "main", "V2xTrustStore"),
        abi: v2xTrustStoreAbi,
        functionName: "publishLinkageSeeds",
        args: [
          seeds.period,
          seeds.laId1,
          `0x${toHex(seeds.seed1)}` as Hex,
          seeds.laId2,
          `0x${toHex(seeds.seed2)}` as Hex,
          keccak256(stringToHex("edge test revocation")),
        ],
      });
      await publicClientFor(main).waitForTransactionReceipt({ hash });
    },
    async connect(rsu, vehicle, previousAdmission) {
      const client = new ObuClient({ window: 256 });
      await client.connect(rsu.wsUrl, {
        ticket: vehicle.ticket,
        privateKey: vehicle.privateKey,
        ...(previousAdmission ? { previousAdmission } : {}),
      });
      return client;
    },
    async stop() {
      await Promise.all(rsus.map((r) => r.stop()));
      await agents.stop();
      await net.stop();
    },
  };
  return edge;
}
