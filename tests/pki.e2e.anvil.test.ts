// The PKI service end to end on real chains, as the platform runs it: an OEM produces a vehicle and issues its
// identity credential, the OBU enrols over HTTP (PkiClient) and gets tickets that chain to the root the main chain's
// V2xTrustStore lists; an RSU accepts a CAM signed with one. The misbehaviour authority revokes through the API,
// the relayer carries the seeds to the edge chain's IdentityMirror, and a RevocationSet built from the mirror
// refuses every ticket of the vehicle. A restart from the same home keeps the root and the enrolment.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { identityMirrorAbi, v2xTrustStoreAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { createLogger, waitFor } from "@amc/utils";
import {
  PkiClient,
  PkiRequestError,
  RevocationSet,
  RsuVerifier,
  sec1Compressed,
  signData,
  signPkiRequest,
  slotsPerPeriod,
  slotWindow,
  toHex,
  verifyCertificateChain,
} from "@amc/v2x";
import { toHex as viemHex } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPkiService, type PkiService } from "../apps/pki/src/service.js";
import { testOem } from "../apps/pki/src/testing.js";
import { type LocalAgents, startLocalAgents } from "../apps/relayer/src/local.js";
import { encodeCam } from "../packages/v2x/src/its/cam.js";
import { sampleCam } from "../packages/v2x/src/its/testing.js";

const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

let net: LocalNet;
let agents: LocalAgents;
let home: string;
let service: PkiService | undefined;
beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  agents = startLocalAgents(net.topology, net.manifest);
  home = mkdtempSync(join(tmpdir(), "amc-pki-e2e-"));
});
afterAll(async () => {
  await service?.close();
  await agents?.stop();
  await net?.stop();
  rmSync(home, { recursive: true, force: true });
});

it("enrols a vehicle through the PKI service, revokes it through the chain to the edge, and survives a restart", async (ctx) => {
  const main = net.topology.chains[0]!;
  const cell = net.topology.chains[1]!;
  const client = publicClientFor(main);
  const trustStore = contractAddress(net.manifest, "main", "V2xTrustStore");
  const epoch = Math.floor(Date.now() / 1000) - 60; // period 0, slot 0 began a minute ago
  const start = async () => {
    const started = await createPkiService({
      topology: net.topology,
      manifest: net.manifest,
      home,
      schedule: { epoch },
      logger: createLogger({}, { level: "error" }),
    });
    service = started;
    baseUrl = await started.listen(0, "127.0.0.1");
    return new PkiClient(baseUrl);
  };
  let baseUrl = "";
  let pki = await start();
  const adminToken = service!.adminToken;

  // --- the vehicle and its OEM-issued identity credential
  const oem = await testOem(net);
  const car = await oem.produce("WVWZZZ1KZ6W999999");
  const obu = p256();

  // --- enrolment: a missing credential and a forged proof of possession are refused, the real one is accepted
  const missing = await fetch(`${baseUrl}/v1/enrol`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vehicleDid: car.vehicleDid,
      obuKey: toHex(sec1Compressed(obu.publicKey)),
      signature: "00".repeat(64),
    }),
  });
  expect(missing.status).toBe(400);
  expect(missing.headers.get("content-type")).toContain("application/problem+json");
  expect(await missing.json()).toMatchObject({
    title: "Invalid request body",
    status: 400,
    errors: [{ pointer: "/credential" }],
  });
  const body = { vehicleDid: car.vehicleDid, credential: car.credential, obuKey: toHex(sec1Compressed(obu.publicKey)) };
  const forged = await fetch(`${baseUrl}/v1/enrol`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, signature: signPkiRequest(body, p256().privateKey) }),
  });
  expect(forged.status).toBe(401);
  const { token } = await pki.enrol({ vehicleDid: car.vehicleDid, credential: car.credential, obuKey: obu.privateKey });
  expect(token).toMatch(/^[0-9a-f]{32}$/);

  // --- tickets for two slots; they chain to the root the trust store lists (read from the chain)
  const ticketKeys = [p256(), p256()];
  const tickets = await pki.tickets({
    vehicleDid: car.vehicleDid,
    obuKey: obu.privateKey,
    period: 0,
    slots: [0, 1],
    keys: ticketKeys.map((k) => k.publicKey),
  });
  expect(tickets.map((t) => t.slot)).toEqual([0, 1]);
  const ca = await pki.ca();
  const rootTrusted = await client.readContract({
    address: trustStore,
    abi: v2xTrustStoreAbi,
    functionName: "isTrusted",
    args: [viemHex(ca.rootDigest)],
  });
  expect(rootTrusted).toBe(true);
  const isTrustedRoot = (digest: Uint8Array) => rootTrusted && toHex(digest) === toHex(ca.rootDigest);
  // Each ticket is valid in its own slot only: slot 0 now, slot 1 from the next hour.
  for (const t of tickets) {
    const { start } = slotWindow(ca.schedule, 0, t.slot);
    const at = new Date(Math.max(Date.now(), (start + 1) * 1000));
    expect(verifyCertificateChain([t.certificate, ca.pca, ca.root], { now: at, isTrustedRoot })).toMatchObject({
      ok: true,
    });
  }
  expect(
    verifyCertificateChain([tickets[1]!.certificate, ca.pca, ca.root], { now: new Date(), isTrustedRoot }),
  ).toMatchObject({ ok: false, reason: "not_yet_valid" });
  const again = await pki
    .tickets({ vehicleDid: car.vehicleDid, obuKey: obu.privateKey, period: 0, slots: [1], keys: [p256().publicKey] })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(again).toBeInstanceOf(PkiRequestError);
  expect(again).toMatchObject({ status: 409, problem: { title: "Slot already issued" } });

  // --- an RSU accepts a CAM signed with the slot-0 ticket
  const revocations = new RevocationSet(slotsPerPeriod(ca.schedule));
  const rsu = new RsuVerifier({ caChains: [[ca.pca, ca.root]], isTrustedRoot, revocations });
  const cam = () =>
    signData({
      payload: encodeCam(sampleCam),
      psid: 36,
      signer: { certificate: tickets[0]!.certificate, privateKey: ticketKeys[0]!.privateKey },
      signerIdentifierMode: "certificate",
    });
  expect(rsu.verify(cam())).toMatchObject({ ok: true });

  // --- revocation through the API: seeds on main, carried to the edge cell's mirror by the relayer
  const revoked = await pki.revoke(tickets[0]!.linkageValue, adminToken);
  expect(revoked.period).toBe(0);
  const cellClient = publicClientFor(cell);
  const mirror = contractAddress(net.manifest, cell.name, "IdentityMirror");
  await waitFor(
    async () =>
      (await cellClient.readContract({ address: mirror, abi: identityMirrorAbi, functionName: "linkageSeedCount" })) ===
      1n
        ? true
        : undefined,
    { timeoutMs: 30_000, what: "the edge cell's mirror to receive the linkage seeds" },
  );
  const [period, laId1, seed1, laId2, seed2] = await cellClient.readContract({
    address: mirror,
    abi: identityMirrorAbi,
    functionName: "linkageSeed",
    args: [0n],
  });
  revocations.add({
    period,
    laId1,
    seed1: Buffer.from(seed1.slice(2), "hex"),
    laId2,
    seed2: Buffer.from(seed2.slice(2), "hex"),
  });
  for (const t of tickets) expect(revocations.isRevoked(t.certificate)).toBe(true);
  expect(rsu.verify(cam())).toMatchObject({ ok: false, reason: "revoked" });
  expect(await pki.trace(tickets[1]!.linkageValue, adminToken)).toEqual({ vehicleDid: car.vehicleDid });

  // --- restart from the same home: same root, the enrolment is still known (no new enrolment for a new slot)
  await service!.close();
  pki = await start();
  expect(toHex((await pki.ca()).rootDigest)).toBe(toHex(ca.rootDigest));
  expect(service!.adminToken).toBe(adminToken);
  const later = await pki.tickets({
    vehicleDid: car.vehicleDid,
    obuKey: obu.privateKey,
    period: 0,
    slots: [2],
    keys: [p256().publicKey],
  });
  expect(later.map((t) => t.slot)).toEqual([2]);
  // The restarted PKI still links the vehicle's chain: the published seeds catch its new ticket too.
  expect(revocations.isRevoked(later[0]!.certificate)).toBe(true);
  ctx.annotate(`vehicle ${car.vehicleDid}: 3 tickets, revoked on ${cell.name} via ${revoked.txHash}`);
}, 90_000);
