// `amc proof verify <file|hash>` and `amc fleet run`: the edge from the command line.
//
// proof verify: a message proof (a JSON file, or a message hash that the platform's RSUs are asked for) is checked
//   offline against the chain — Merkle path to the anchored root, the DataAnchor record and its transaction and
//   block, and the batch signature under the RSU DID's key on main — with @amc/sdk's verifyMessageProof. Exit
//   code 3 when it does not verify.
// fleet run: a small fleet of real platform vehicles on the running platform: the OEM produces each vehicle and
//   issues its identity credential, the OBU enrols with the PKI service and gets a ticket, connects to an RSU of
//   the first edge cell, sends CAMs; k vehicles report a hazard, which is confirmed, recorded on the cell chain
//   and broadcast (also to the neighbouring cell); one vehicle hands over to the neighbouring cell; a message's
//   proof is verified; the last vehicle is revoked through the misbehaviour authority and cut off.
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventLedgerAbi } from "@amc/abi";
import {
  chainById,
  contractAddress,
  loadTopology,
  mainChain,
  platformPaths,
  publicClientFor,
  readManifest,
  rsuSpecs,
  walletClientFor,
} from "@amc/chain";
import {
  addKey,
  createDid,
  formatDid,
  generateP256,
  kidFor,
  produceVehicle,
  publicOf,
  specHash,
  vehicleIdFromVin,
  vinKeyFromEnvironment,
} from "@amc/did";
import {
  type EdgeEvent,
  MessageProofSchema,
  ObuClient,
  rsuKeyResolver,
  signCam,
  signDenm,
  verifyMessageProof,
} from "@amc/sdk";
import { InvalidInputError, stringify, waitFor } from "@amc/utils";
import { type Certificate, PkiClient, periodOf, slotWindow, ticketLinkage } from "@amc/v2x";
import { issueCredential } from "@amc/vc";
import { cellToLatLng } from "h3-js";
import type { Hex } from "viem";
import type { Common } from "./commands.js";
import { actorKey } from "./identity.js";

export async function proofVerify(options: Common & { target?: string | undefined }): Promise<void> {
  const topology = loadTopology(options.config);
  const manifest = readManifest(platformPaths(options.home).manifest);
  if (!options.target) throw new InvalidInputError("give a proof file or a message hash: amc proof verify <file|0x…>");
  let raw: unknown;
  if (/^0x[0-9a-fA-F]{64}$/.test(options.target)) {
    const found = await Promise.all(
      rsuSpecs(topology).map(async (rsu) => {
        const response = await fetch(`${rsu.url}/proofs/${options.target}`).catch(() => undefined);
        return response?.status === 200 ? await response.json() : response?.status === 202 ? "pending" : undefined;
      }),
    );
    raw = found.find((f) => f !== undefined && f !== "pending");
    if (raw === undefined)
      throw new InvalidInputError(
        found.includes("pending")
          ? `message ${options.target} is logged but its batch is not anchored yet`
          : `no RSU of this platform logged message ${options.target}`,
        { fix: found.includes("pending") ? "try again in a few seconds" : "check the hash (keccak256 of the SPDU)" },
      );
  } else {
    try {
      raw = JSON.parse(readFileSync(options.target, "utf8"));
    } catch (error) {
      throw new InvalidInputError(`cannot read a JSON proof from ${options.target}`, { cause: error });
    }
  }
  const parsed = MessageProofSchema.safeParse(raw);
  const chain = parsed.success ? chainById(topology, parsed.data.anchor.chainId) : undefined;
  if (parsed.success && !chain)
    throw new InvalidInputError(`the proof names chain ${parsed.data.anchor.chainId}, which is not in the topology`);
  const main = mainChain(topology);
  const result = await verifyMessageProof(raw, {
    cellClient: publicClientFor(chain ?? main),
    resolveRsuKeys: rsuKeyResolver({
      mainClient: publicClientFor(main),
      registry: contractAddress(manifest, main.name, "DIDRegistry"),
      network: topology.network,
      chainId: main.chainId,
    }),
  });
  if (options.json) console.log(stringify(result));
  else if (result.ok)
    console.log(
      `verified: message ${result.messageHash} is leaf ${result.index} of batch ${result.batchId} (${result.count} messages) anchored by ${formatDid(topology.network, result.rsuDid)} on ${chain?.name} in block ${result.blockNumber} (tx ${result.txHash}, ${result.confirmations} confirmations)`,
    );
  else console.log(`NOT verified: ${result.reason}: ${result.detail}`);
  if (!result.ok) process.exitCode = 3;
}

const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

function randomVin(): string {
  const alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
  return Array.from(randomBytes(17), (b) => alphabet[b % alphabet.length]).join("");
}

function pointIn(cell: string, metresEast: number, metresNorth: number) {
  const [lat, lng] = cellToLatLng(cell);
  return {
    latitude: lat + metresNorth / 111_320,
    longitude: lng + metresEast / (111_320 * Math.cos((lat * Math.PI) / 180)),
  };
}

export async function fleetRun(options: Common & { vehicles?: string | undefined }): Promise<void> {
  const log = (line: string) => {
    if (!options.json) console.log(line);
  };
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);
  const manifest = readManifest(paths.manifest);
  const main = mainChain(topology);
  const client = publicClientFor(main);
  const k = topology.services.edge.k;
  const count = Math.max(k + 1, Number(options.vehicles ?? k + 2));
  const rsus = rsuSpecs(topology);
  const cells = [...new Set(rsus.map((r) => r.cell))];
  const [cellA, cellB] = cells;
  if (!cellA || !cellB)
    throw new InvalidInputError("fleet run needs RSUs in two edge cells", { fix: "set services.edge.rsusPerCell" });
  const inA = rsus.filter((r) => r.cell === cellA);
  const inB = rsus.filter((r) => r.cell === cellB);

  // The OEM: an organisation DID with an assertion key that signs identity credentials.
  const oemWallet = walletClientFor(main, actorKey(topology, undefined, "OEM"));
  const registry = contractAddress(manifest, main.name, "DIDRegistry");
  const lifecycle = contractAddress(manifest, main.name, "VehicleLifecycle");
  const { id: oemId } = await createDid({ wallet: oemWallet, client, registry }, { subjectType: "organisation" });
  const oemDid = formatDid(topology.network, oemId);
  const oemKey = generateP256();
  await addKey(
    { wallet: oemWallet, client, registry },
    { id: oemId, jwk: publicOf(oemKey), relationship: "assertionMethod" },
  );
  log(`OEM ${oemDid}`);

  const pki = new PkiClient(`http://${topology.services.host}:${topology.services.pki.port}`);
  const ca = await pki.ca();
  const nowS = Math.floor(Date.now() / 1000);
  const period = periodOf(ca.schedule, nowS);
  const slot = Math.floor((nowS - slotWindow(ca.schedule, period, 0).start) / ca.schedule.slotSeconds);

  const vehicles: { did: string; ticket: Certificate; privateKey: KeyObject; stationId: number }[] = [];
  for (let i = 0; i < count; i++) {
    const vin = randomVin();
    const id = vehicleIdFromVin(vin, vinKeyFromEnvironment(topology.network));
    const did = formatDid(topology.network, id);
    await produceVehicle({ wallet: oemWallet, client, lifecycle }, { id, specHash: specHash({ make: "Demo" }) });
    const credential = issueCredential({
      type: "VehicleIdentityCredential",
      issuer: oemDid,
      kid: kidFor(oemDid, oemKey, "assertionMethod"),
      privateKey: oemKey,
      subject: { id: did, vin, make: "Demo", model: "E1", year: 2026, powertrain: "BEV" },
      format: "vc+jwt",
    });
    const obuKey = p256();
    await pki.enrol({ vehicleDid: did, credential, obuKey: obuKey.privateKey });
    const ticketKey = p256();
    const [issued] = await pki.tickets({
      vehicleDid: did,
      obuKey: obuKey.privateKey,
      period,
      slots: [slot],
      keys: [ticketKey.publicKey],
    });
    if (!issued) throw new Error(`no ticket for ${did}`);
    vehicles.push({ did, ticket: issued.certificate, privateKey: ticketKey.privateKey, stationId: 5000 + i });
    log(`vehicle ${i + 1}/${count}: ${did} produced, enrolled, ticket for slot ${slot} of period ${period}`);
  }

  // Every vehicle but the last drives in cell A (spread over its RSUs); the last one in cell B.
  const events = new Map<number, EdgeEvent[]>();
  const obus = await Promise.all(
    vehicles.map(async (v, i) => {
      const rsu = i === vehicles.length - 1 ? inB[0]! : inA[i % inA.length]!;
      const obu = new ObuClient({ window: 64 });
      await obu.connect(`${rsu.url.replace(/^http/, "ws")}/v2x`, { ticket: v.ticket, privateKey: v.privateKey });
      events.set(i, []);
      obu.onEvent((e) => events.get(i)?.push(e));
      return { obu, rsu, position: pointIn(rsu.cell, 40 * i, 30) };
    }),
  );
  const signer = (i: number) => ({ certificate: vehicles[i]!.ticket, privateKey: vehicles[i]!.privateKey });
  const acks = await Promise.all(
    obus.map(({ obu, position }, i) =>
      obu.send(signCam({ signer: signer(i), stationId: vehicles[i]!.stationId, position, speed: 0, heading: 90 })),
    ),
  );
  log(`CAMs: ${acks.map((a) => a.statusName).join(", ")}`);

  // k vehicles of cell A report black ice (cause 6) where they are.
  const reports = await Promise.all(
    obus
      .slice(0, k)
      .map(({ obu, position }, i) =>
        obu.send(signDenm({ signer: signer(i), stationId: vehicles[i]!.stationId, causeCode: 6, position })),
      ),
  );
  log(`hazard reports from ${k} vehicles: ${reports.map((a) => a.statusName).join(", ")}`);
  const confirmed = await waitFor(async () => events.get(0)?.[0], {
    timeoutMs: 30_000,
    what: "the hazard to be confirmed and broadcast",
  });
  const neighbour = await waitFor(async () => events.get(vehicles.length - 1)?.[0], {
    timeoutMs: 30_000,
    what: "the event to reach the neighbouring cell",
  });
  const chainA = topology.chains.find((c) => c.h3Cell === cellA)!;
  const cellClient = publicClientFor(chainA);
  await waitFor(
    async () =>
      (await cellClient.readContract({
        address: contractAddress(manifest, chainA.name, "EventLedger"),
        abi: eventLedgerAbi,
        functionName: "isRecorded",
        args: [confirmed.eventId as Hex],
      }))
        ? true
        : undefined,
    { timeoutMs: 30_000, what: "the event on the cell chain's EventLedger" },
  );
  log(
    `event ${confirmed.eventId} confirmed by ${confirmed.reporters} tickets, on ${chainA.name}'s EventLedger, seen in cell ${neighbour.cell === cellA ? cellA : cellB}`,
  );

  // Handover: vehicle 0 drives into cell B with cell A's admission.
  const first = obus[0]!;
  const handover = new ObuClient();
  await handover.connect(`${inB[0]!.url.replace(/^http/, "ws")}/v2x`, {
    ticket: vehicles[0]!.ticket,
    privateKey: vehicles[0]!.privateKey,
    previousAdmission: first.obu.lastAdmission,
  });
  const crossed = await handover.send(
    signCam({
      signer: signer(0),
      stationId: vehicles[0]!.stationId,
      position: pointIn(cellB, 0, 0),
      speed: 0,
      heading: 90,
    }),
  );
  log(`handover to ${inB[0]!.name}: ${crossed.statusName}`);

  // A proof of vehicle 0's CAM, verified against the chain.
  const hash = acks[0]!.messageHash;
  const proof = await waitFor(
    async () => {
      const response = await fetch(`${first.rsu.url}/proofs/${hash}`);
      return response.status === 200 ? await response.json() : undefined;
    },
    { timeoutMs: 60_000, what: "the CAM's batch to be anchored" },
  );
  const verified = await verifyMessageProof(proof, {
    cellClient,
    resolveRsuKeys: rsuKeyResolver({ mainClient: client, registry, network: topology.network, chainId: main.chainId }),
  });
  if (!verified.ok) throw new Error(`proof of ${hash}: ${verified.reason}: ${verified.detail}`);
  log(`proof of ${hash}: verified (batch ${verified.batchId}, block ${verified.blockNumber})`);

  // Revocation: the misbehaviour authority revokes the last vehicle; its RSU cuts it off.
  const last = obus[obus.length - 1]!;
  const closed = new Promise<{ code: string }>((resolve) => last.obu.onClose((info) => resolve(info)));
  const adminToken = readFileSync(join(paths.home, "pki", "admin.token"), "utf8").trim();
  const linkage = ticketLinkage(vehicles[vehicles.length - 1]!.ticket);
  if (!linkage) throw new Error("ticket without linkage data");
  await pki.revoke(linkage.linkageValue, adminToken);
  const cut = await Promise.race([
    closed,
    new Promise<{ code: string }>((resolve) => setTimeout(() => resolve({ code: "timeout" }), 60_000)),
  ]);
  log(`revoked vehicle ${vehicles[vehicles.length - 1]!.did}: session closed (${cut.code})`);

  for (const { obu } of obus) await obu.close().catch(() => undefined);
  await handover.close();
  if (options.json)
    console.log(
      stringify({
        vehicles: vehicles.map((v) => v.did),
        cams: acks.map((a) => ({ messageHash: a.messageHash, status: a.statusName })),
        event: confirmed,
        eventSeenInNeighbourCell: neighbour.eventId === confirmed.eventId,
        handover: crossed.statusName,
        proof: { messageHash: hash, verified: verified.ok, batchId: verified.batchId, block: verified.blockNumber },
        revoked: cut.code,
      }),
    );
  if (cut.code !== "revoked") throw new Error(`the revoked vehicle was not cut off (${cut.code})`);
}
