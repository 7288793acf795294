// The newcomer's path, end to end through the real `amc` command: up (four chains, every service), status,
// a cross-chain message main -> edge cell, down, and a second up that resumes the same chains.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { messageInboxAbi } from "@amc/abi";
import { platformPaths, publicClientFor, readManifest } from "@amc/chain";
import { localTopology } from "@amc/chain/testing";
import { stringify, waitFor, writeFileAtomic } from "@amc/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const amc = join(import.meta.dirname, "../apps/cli/bin/amc.js");
const home = mkdtempSync(join(tmpdir(), "amc-e2e-"));
const config = join(home, "amc.config.json");
let up: ChildProcess | undefined;
let output = "";

function startUp(): Promise<void> {
  output = "";
  // Without the simulator: this suite drives its own vehicles (tests/web.e2e.test.ts runs the simulated fleet).
  up = spawn(process.execPath, [amc, "up", "--no-sim", "--config", config, "--home", join(home, "state")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  up.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  up.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amc up not ready in 180 s:\n${output}`)), 180_000);
    up?.stdout?.on("data", () => {
      if (output.includes("AMC ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    up?.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`amc up exited with ${code}:\n${output}`));
    });
  });
}

const amcJson = async (...args: string[]) => {
  const { stdout } = await run(
    process.execPath,
    [amc, ...args, "--config", config, "--home", join(home, "state"), "--json"],
    { timeout: 240_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
};

let topology: Awaited<ReturnType<typeof localTopology>>;
beforeAll(async () => {
  topology = await localTopology(
    [
      { name: "main", role: "main" },
      { name: "services", role: "side" },
      { name: "cell-871f18803ffffff", role: "edge", h3Cell: "871f18803ffffff" },
      { name: "cell-871f18802ffffff", role: "edge", h3Cell: "871f18802ffffff" },
    ],
    // Reward epochs of 30 s: the data read below earns its owner AMCT while the suite runs.
    { blockTimeSeconds: 1, epochSeconds: 30 },
  );
  writeFileAtomic(config, stringify(topology, 2));
});

afterAll(async () => {
  if (up && up.exitCode === null) {
    up.kill("SIGINT");
    await new Promise((resolve) => up?.once("exit", resolve));
  }
  rmSync(home, { recursive: true, force: true });
});

describe("amc up / status / xchain send / down", () => {
  it("starts four chains and all services, reports them healthy, and delivers main -> edge", async () => {
    await startUp();
    expect(output).toContain("AMC ready in");
    const status = await amcJson("status");
    expect(status.chains.map((c: { name: string }) => c.name)).toEqual(topology.chains.map((c) => c.name));
    for (const chain of status.chains) {
      expect(Object.keys(chain).sort()).toEqual(["blockNumber", "chainId", "name", "role", "rpcUrl"]);
      expect(chain.blockNumber).toBeGreaterThan(0);
    }
    expect(status.services.map((s: { name: string }) => s.name).sort()).toEqual([
      "gateway",
      "pki",
      "relayer",
      "rsu-871f18802ffffff-0",
      "rsu-871f18802ffffff-1",
      "rsu-871f18803ffffff-0",
      "rsu-871f18803ffffff-1",
      "validators",
    ]);
    for (const service of status.services) expect(service.healthy).toBe(true);

    const sent = await amcJson(
      "xchain",
      "send",
      "--from",
      "main",
      "--to",
      "cell-871f18803ffffff",
      "--body",
      "hello cell",
      "--wait",
    );
    expect(sent.delivered).toBe(true);
    expect(sent.messageId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(sent.destinationTx).toMatch(/^0x[0-9a-f]{64}$/);

    const gateway = await fetch(`http://127.0.0.1:${topology.services.gateway.port}/v1/governance/members`);
    const body = (await gateway.json()) as { members: unknown[] };
    expect(body.members).toHaveLength(3);
    const edge = (await (await fetch(`http://127.0.0.1:${topology.services.gateway.port}/v1/edge/rsus`)).json()) as {
      rsus: { name: string; healthy: boolean; health: { cell: string } | null }[];
    };
    expect(edge.rsus).toHaveLength(4);
    expect(edge.rsus.every((r) => r.healthy && r.health?.cell === r.name.split("-")[1])).toBe(true);
  }, 300_000);

  it("identity end to end: produce, credential, sale, access grant, presentation, revocation, scrap", async () => {
    const did = async (...args: string[]) => (await amcJson(...args)).did as string;
    const oem = await did("did", "create", "--type", "organisation");
    const owner = await did("did", "create", "--type", "person", "--as", "dev:7");
    const insurer = await did("did", "create", "--type", "organisation", "--as", "dev:4");
    const vehicle = await did("vehicle", "produce", "--vin", "WVWZZZ1KZ6W777777", "--make", "Demo", "--model", "E1");
    const identity = await amcJson(
      "vc",
      "issue",
      "--issuer",
      oem,
      "--type",
      "VehicleIdentityCredential",
      "--subject",
      JSON.stringify({
        id: vehicle,
        vin: "WVWZZZ1KZ6W777777",
        make: "Demo",
        model: "E1",
        year: 2026,
        powertrain: "BEV",
      }),
    );
    expect((await amcJson("vc", "verify", identity.credential)).verified).toBe(true);

    await amcJson("vehicle", "transfer", vehicle, "--to", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    const grant = await amcJson(
      "vc",
      "issue",
      "--issuer",
      owner,
      "--type",
      "AccessGrantCredential",
      "--subject",
      JSON.stringify({
        id: insurer,
        vehicle,
        scopes: ["driving-behaviour"],
        purpose: "insurance quote",
        expiry: "2027-12-31T00:00:00Z",
      }),
    );
    const { presentation } = await amcJson(
      "vc",
      "present",
      "--holder",
      insurer,
      "--credential",
      grant.credential,
      "--challenge",
      "c1",
      "--domain",
      "verifier",
    );
    const verify = () =>
      amcJson("vc", "verify", presentation, "--presentation", "--challenge", "c1", "--domain", "verifier").catch((e) =>
        JSON.parse(e.stdout),
      );
    expect((await verify()).verified).toBe(true);
    expect((await amcJson("vc", "revoke", grant.id, "--issuer", owner)).revoked).toBe(true);
    const after = await verify();
    expect(after.verified).toBe(false);
    expect(JSON.stringify(after.errors ?? after.credentials)).toContain("revoked");

    await amcJson("vehicle", "scrap", vehicle);
    const resolved = await amcJson("did", "resolve", vehicle);
    expect(resolved.didResolutionMetadata.error).toBe("deactivated");
    for (let i = 0; i < 60; i++) {
      const shown = await amcJson("vehicle", "show", vehicle);
      if (shown.mirrors.every((m: { deactivated: boolean }) => m.deactivated)) {
        expect(shown.state).toBe("scrapped");
        expect(shown.mirrors).toHaveLength(3);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error("the other chains were not told of the scrapping within 30 s");
  }, 300_000);

  it("edge on the running platform: a fleet of real vehicles through the RSUs, proofs verified by the CLI", async () => {
    const fleet = await amcJson("fleet", "run", "--vehicles", "4");
    expect(fleet.vehicles).toHaveLength(4);
    expect(fleet.cams.map((c: { status: string }) => c.status)).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "accepted",
    ]);
    expect(fleet.event.reporters).toBeGreaterThanOrEqual(topology.services.edge.k);
    expect(fleet.eventSeenInNeighbourCell).toBe(true);
    expect(fleet.handover).toBe("accepted");
    expect(fleet.proof.verified).toBe(true);
    expect(fleet.revoked).toBe("revoked");
    // The CLI verifies any message's proof from its hash, offline against the chain.
    const hash = fleet.cams[1].messageHash as string;
    const verified = await waitFor(
      async () => {
        const result = await amcJson("proof", "verify", hash).catch(() => undefined);
        return result?.ok ? result : undefined;
      },
      { timeoutMs: 60_000, what: "the proof of a fleet CAM" },
    );
    expect(verified.messageHash).toBe(hash);
    // A tampered proof fails with exit code 3.
    const tampered = join(home, "tampered.json");
    const answers = await Promise.all(
      [0, 1, 2, 3].map((i) => fetch(`http://127.0.0.1:${topology.services.edge.basePort + i}/proofs/${hash}`)),
    );
    const proof = (await answers.find((r) => r.status === 200)?.json()) as { messageHash: string } | undefined;
    expect(proof?.messageHash).toBe(hash);
    writeFileAtomic(tampered, stringify({ ...proof, root: `0x${"ab".repeat(32)}` }));
    const refused = await run(
      process.execPath,
      [amc, "proof", "verify", tampered, "--config", config, "--home", join(home, "state"), "--json"],
      { timeout: 60_000 },
    ).then(
      () => ({ code: 0 }),
      (e: { code: number }) => e,
    );
    expect(refused.code).toBe(3);
  }, 360_000);

  it("data sharing on the running platform: put, grant, get, log, revoke (next get fails), erase", async () => {
    const vehicle = (await amcJson("vehicle", "produce", "--vin", "WVWZZZ1KZ6W555555")).did as string;
    await amcJson("vehicle", "transfer", vehicle, "--to", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    const insurer = (await amcJson("did", "create", "--type", "organisation", "--as", "dev:3")).did as string;
    expect((await amcJson("data", "keys", vehicle)).created).toBe(true);
    expect((await amcJson("data", "keys", insurer)).created).toBe(true);
    const stored = await amcJson(
      "data",
      "put",
      "--vehicle",
      vehicle,
      "--kind",
      "telemetry",
      "--class",
      "personal",
      "--data",
      '{"speedKmh":52}',
    );
    expect(stored).toMatchObject({ created: true, kind: "telemetry", dataClass: "personal" });
    const consent = await amcJson("data", "grant", "--vehicle", vehicle, "--to", insurer, "--template", "insurer-ubi");
    expect(consent).toMatchObject({ status: "active", grantee: insurer, scopes: ["telemetry", "driving_behaviour"] });
    const read = await amcJson("data", "get", stored.objectId, "--consent", consent.consentId);
    expect(JSON.parse(read.data)).toEqual({ speedKmh: 52 });
    expect(read.validFragments).toBeGreaterThanOrEqual(2);
    const log = await amcJson("data", "log", "--vehicle", vehicle);
    expect(log.disclosures).toEqual([
      expect.objectContaining({ consumer: insurer, objectId: stored.objectId, consentId: consent.consentId }),
    ]);
    expect((await amcJson("data", "revoke", consent.consentId)).status).toBe("revoked");
    const refused = await amcJson("data", "get", stored.objectId, "--consent", consent.consentId).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/revoked/);
    expect((await amcJson("data", "erase", stored.objectId)).eraseReason).toBe("owner_request");
    // Still exactly one read in the log: the refused one was not delivered.
    expect((await amcJson("data", "log", "--vehicle", vehicle)).disclosures).toHaveLength(1);
  }, 240_000);

  it("rewards on the running platform: the owner whose data was read claims AMCT through an edge chain", async () => {
    // The read above is anchored within 30 s; its epoch ends, the gateway commits the root on main and on the edge
    // chains, and the owner claims on an edge chain: the Mailbox carries the claim to MiningPool on main.
    const owner = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
    type Claimed = { claimed: { epoch: number; amount: string; messageId: string }[]; total: string; bound: string[] };
    let result: Claimed | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      result = (await amcJson("token", "claim", "--as", owner, "--via", "cell-871f18803ffffff")) as Claimed;
      if (result.claimed.length > 0) break;
      await new Promise((r) => setTimeout(r, 3_000));
    }
    expect(result?.claimed.length).toBeGreaterThan(0);
    const [first] = result?.claimed ?? [];
    expect(first?.messageId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result?.bound).toHaveLength(1);
    expect((await amcJson("token", "balance", owner)).balance).toBe(result?.total);
    // Anyone recomputes that epoch from public records and finds the committed root.
    const check = await amcJson("token", "recompute", String(first?.epoch));
    expect(check.matches).toBe(true);
    expect(check.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ account: owner })]));
  }, 240_000);

  it("federated learning on the running platform: rounds through the RSUs, an attacker's cell dropped, the model re-verified", async () => {
    // The simulated fleet trains, encrypts under the task's Paillier key and sends to the 4 RSUs of both cells; one
    // vehicle bypasses its encoder each round, so its RSU's aggregate fails the overflow check (code 4).
    type Round = {
      round: number;
      accepted: string[];
      dropped: { code: number; reason: string }[];
      metrics: { generated: { f1: number } };
    };
    const { rounds } = (await amcJson("fl", "round", "--rounds", "2", "--attack", "overflow")) as { rounds: Round[] };
    expect(rounds.map((r) => r.round)).toEqual([0, 1]);
    for (const r of rounds) {
      expect(r.dropped).toEqual([expect.objectContaining({ code: 4 })]);
      expect(r.accepted).toHaveLength(3);
    }
    // The model learns: the untrained model flags everything (F1 well below 0.5 on the generated fleet).
    expect(rounds[1]!.metrics.generated.f1).toBeGreaterThan(0.6);
    const status = await amcJson("fl", "status");
    expect(status.rounds.filter((r: { status: string }) => r.status === "published")).toHaveLength(2);
    const model = await amcJson("fl", "model");
    expect(model).toMatchObject({ round: 1, verified: true });
  }, 240_000);

  it("refuses a second `amc up` while one runs, naming the fix", async () => {
    const second = await run(process.execPath, [amc, "up", "--config", config, "--home", join(home, "state")]).catch(
      (e) => e,
    );
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("the platform is already running");
    expect(second.stderr).toContain("amc down");
  });

  it("`amc down` stops everything and the next `amc up` resumes the same chains", async () => {
    const edge = topology.chains[2]!;
    const manifest = readManifest(platformPaths(join(home, "state")).manifest);
    const inbox = manifest.chains[edge.name]!.contracts.MessageInbox!;
    const before = await publicClientFor(edge).getBlockNumber();
    await run(process.execPath, [amc, "down", "--config", config, "--home", join(home, "state")], { timeout: 60_000 });
    await new Promise((resolve) => (up?.exitCode === null ? up?.once("exit", resolve) : resolve(undefined)));
    const down = await amcJson("status");
    expect(down.chains.every((c: { blockNumber: number | null }) => c.blockNumber === null)).toBe(true);
    expect(down.services.every((s: { healthy: boolean }) => !s.healthy)).toBe(true);

    await startUp();
    expect(output).toContain("resuming");
    const after = await publicClientFor(edge).getBlockNumber();
    expect(after).toBeGreaterThanOrEqual(before);
    const received = await publicClientFor(edge).readContract({
      address: inbox,
      abi: messageInboxAbi,
      functionName: "received",
    });
    expect(received).toBe(1n);
  }, 300_000);
});
