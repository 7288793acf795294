// The PKI service on a real main chain (no relayer: tests/pki.e2e.anvil.test.ts follows revocation to an edge
// chain): what it keeps on disk and with which modes, how each route refuses bad requests (problem+json, status
// codes), that a refused batch uses up no slot, that the MA's routes need the admin token, that a restart keeps
// everything and refuses a changed schedule, and that main.ts runs as a process and stops on SIGTERM.
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { v2xTrustStoreAbi } from "@amc/abi";
import { contractAddress, freePort, publicClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { createLogger, waitFor } from "@amc/utils";
import { PkiClient, PkiRequestError, sec1Compressed, signPkiRequest, toHex, verifyCertificateChain } from "@amc/v2x";
import { toHex as viemHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPkiService, type PkiService } from "./service.js";
import { type TestOem, type TestVehicle, testOem } from "./testing.js";

const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const quiet = createLogger({}, { level: "error" });

let net: LocalNet;
let home: string;
let oem: TestOem;
let car: TestVehicle;
let service: PkiService;
let pki: PkiClient;
let baseUrl: string;
const obu = p256();
const epoch = Math.floor(Date.now() / 1000) - 60;

const start = () =>
  createPkiService({ topology: net.topology, manifest: net.manifest, home, schedule: { epoch }, logger: quiet });

beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }]);
  home = mkdtempSync(join(tmpdir(), "amc-pki-"));
  oem = await testOem(net);
  car = await oem.produce("WVWZZZ1KZ6W000001");
  service = await start();
  baseUrl = await service.listen(0, "127.0.0.1");
  pki = new PkiClient(baseUrl);
});
afterAll(async () => {
  await service?.close();
  await net?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** POSTs a raw body and returns status, content type and the parsed answer. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    authenticate: response.headers.get("www-authenticate"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PkiRequestError);
  return error as PkiRequestError;
};

describe("PKI service", () => {
  it("keeps its keys, token and state private on disk and lists its root on the main chain", async () => {
    const mode = (file: string) => statSync(join(home, "pki", file)).mode & 0o777;
    expect(mode(".")).toBe(0o700);
    for (const file of [
      "ca/root.key.pem",
      "ca/pca.key.pem",
      "admin.token",
      "la1.json",
      "la2.json",
      "ea.json",
      "pca.json",
    ])
      expect([file, mode(file)]).toEqual([file, 0o600]);
    expect(readFileSync(join(home, "pki", "ca", "root.key.pem"), "utf8")).toContain("BEGIN PRIVATE KEY");

    const ca = await pki.ca();
    expect(toHex(ca.rootDigest)).toBe(toHex(service.ca.rootDigest));
    expect(ca.schedule).toEqual({ periodSeconds: 7 * 24 * 3600, slotSeconds: 3600, epoch });
    const client = publicClientFor(net.topology.chains[0]!);
    const trustStore = contractAddress(net.manifest, "main", "V2xTrustStore");
    const trusted = (digest: Uint8Array) =>
      client.readContract({
        address: trustStore,
        abi: v2xTrustStoreAbi,
        functionName: "isTrusted",
        args: [viemHex(digest)],
      });
    expect(await trusted(ca.rootDigest)).toBe(true);
    expect(await trusted(service.ca.pcaDigest)).toBe(true);
    expect(await pki.health()).toMatchObject({ status: "ok" });
  });

  it("enrols only with proof of possession, a live vehicle and its identity credential", async () => {
    const body = {
      vehicleDid: car.vehicleDid,
      credential: car.credential,
      obuKey: toHex(sec1Compressed(obu.publicKey)),
    };

    const missing = await post("/v1/enrol", { ...body, credential: undefined, signature: "00".repeat(64) });
    expect(missing.status).toBe(400);
    expect(missing.type).toContain("application/problem+json");
    expect(missing.body).toMatchObject({ status: 400, title: "Invalid request body" });
    expect(missing.body.errors).toContainEqual(expect.objectContaining({ pointer: "/credential" }));

    const someoneElse = p256();
    const forged = await post("/v1/enrol", { ...body, signature: signPkiRequest(body, someoneElse.privateKey) });
    expect(forged).toMatchObject({ status: 401, body: { title: "Bad proof of possession" } });

    const otherCar = await oem.produce("WVWZZZ1KZ6W000002");
    expect(
      (
        await rejection(
          pki.enrol({ vehicleDid: otherCar.vehicleDid, credential: car.credential, obuKey: obu.privateKey }),
        )
      ).problem,
    ).toMatchObject({ status: 403, detail: "the identity credential is about another vehicle" });
    await oem.scrap(otherCar.vehicleId);
    const scrapped = await rejection(
      pki.enrol({ vehicleDid: otherCar.vehicleDid, credential: otherCar.credential, obuKey: obu.privateKey }),
    );
    expect(scrapped.problem.detail).toContain("is not a live vehicle DID");

    const { token } = await pki.enrol({
      vehicleDid: car.vehicleDid,
      credential: car.credential,
      obuKey: obu.privateKey,
    });
    expect(await pki.enrol({ vehicleDid: car.vehicleDid, credential: car.credential, obuKey: obu.privateKey })).toEqual(
      {
        token,
      },
    );
    const conflict = await rejection(
      pki.enrol({ vehicleDid: car.vehicleDid, credential: car.credential, obuKey: someoneElse.privateKey }),
    );
    expect(conflict.status).toBe(409);
  });

  it("issues tickets that chain to the trusted root, one per slot, and a refused batch uses up no slot", async () => {
    const keys = [p256(), p256()];
    const ask = (slots: number[], signer = obu.privateKey, period = 0) =>
      pki.tickets({
        vehicleDid: car.vehicleDid,
        obuKey: signer,
        period,
        slots,
        keys: slots.map(() => p256().publicKey),
      });

    expect((await rejection(ask([0], p256().privateKey))).status).toBe(401);
    expect((await rejection(ask([0], obu.privateKey, 5))).problem).toMatchObject({ title: "Period out of range" });
    expect((await rejection(ask([168]))).status).toBe(400);

    const tickets = await pki.tickets({
      vehicleDid: car.vehicleDid,
      obuKey: obu.privateKey,
      period: 0,
      slots: [0, 1],
      keys: keys.map((k) => k.publicKey),
    });
    expect(tickets.map((t) => t.slot)).toEqual([0, 1]);
    const ca = await pki.ca();
    const verified = verifyCertificateChain([tickets[0]!.certificate, ca.pca, ca.root], {
      now: new Date(),
      isTrustedRoot: (digest) => toHex(digest) === toHex(ca.rootDigest),
    });
    expect(verified.ok).toBe(true);

    const again = await rejection(ask([2, 1]));
    expect(again.status).toBe(409);
    expect(again.problem).toMatchObject({ title: "Slot already issued", slot: 1 });
    expect((await ask([2])).map((t) => t.slot)).toEqual([2]); // slot 2 was not used up by the refused batch
  });

  it("revokes and traces only with the admin token", async () => {
    const [ticket] = await pki.tickets({
      vehicleDid: car.vehicleDid,
      obuKey: obu.privateKey,
      period: 0,
      slots: [3],
      keys: [p256().publicKey],
    });
    const lv = ticket!.linkageValue;
    const anonymous = await post("/v1/revoke", { linkageValue: toHex(lv) });
    expect(anonymous).toMatchObject({ status: 401, authenticate: 'Bearer realm="amc-pki"' });
    expect((await rejection(pki.trace(lv, "0".repeat(64)))).status).toBe(401);
    expect((await rejection(pki.revoke("00".repeat(9), service.adminToken))).status).toBe(404);

    expect(await pki.trace(lv, service.adminToken)).toEqual({ vehicleDid: car.vehicleDid });
    const revoked = await pki.revoke(lv, service.adminToken);
    expect(revoked.period).toBe(0);
    const entry = await publicClientFor(net.topology.chains[0]!).readContract({
      address: contractAddress(net.manifest, "main", "V2xTrustStore"),
      abi: v2xTrustStoreAbi,
      functionName: "seedEntry",
      args: [BigInt(revoked.seedIndex ?? -1)],
    });
    expect(entry).toMatchObject({ period: 0, laId1: 0x0a01, laId2: 0x0a02 });
  });

  it("keeps root, enrolments and used slots across a restart, and refuses a changed schedule", async () => {
    const rootBefore = toHex(service.ca.rootDigest);
    await service.close();
    await expect(
      createPkiService({
        topology: net.topology,
        manifest: net.manifest,
        home,
        schedule: { slotSeconds: 60 },
        logger: quiet,
      }),
    ).rejects.toThrow("the PKI's slotSeconds is 3600 since its first run; 60 was asked for");
    service = await start();
    baseUrl = await service.listen(0, "127.0.0.1");
    pki = new PkiClient(baseUrl);
    expect(toHex((await pki.ca()).rootDigest)).toBe(rootBefore);
    const roots = await publicClientFor(net.topology.chains[0]!).readContract({
      address: contractAddress(net.manifest, "main", "V2xTrustStore"),
      abi: v2xTrustStoreAbi,
      functionName: "roots",
    });
    expect(roots).toEqual([`0x${rootBefore}`]); // registered once, not again on restart
    const ask = (slots: number[]) =>
      pki.tickets({ vehicleDid: car.vehicleDid, obuKey: obu.privateKey, period: 0, slots, keys: [p256().publicKey] });
    expect((await rejection(ask([1]))).status).toBe(409);
    expect((await ask([4]))[0]?.slot).toBe(4);
  });

  it("runs as a process (main.ts) and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "main.ts"),
        "--config",
        net.configPath,
        "--home",
        net.paths.home,
        "--port",
        String(port),
      ],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, AMC_LOG_LEVEL: "warn" } },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const health = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
          return response?.ok ? ((await response.json()) as { status: string }) : undefined;
        },
        { timeoutMs: 20_000, what: "the PKI process to answer /health" },
      );
      expect(health.status).toBe("ok");
    } finally {
      child.kill("SIGTERM");
    }
    expect([await exited, stderr]).toEqual([0, ""]);
  });
});
