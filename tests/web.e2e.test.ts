// The dashboard in a real browser on the real platform: `amc up` with the default topology (the A10 Werder cells,
// every module) and the simulated fleet, then Debian's Chromium driven by playwright-core opens every page and
// checks that it shows live data: chain heights that grow, vehicles that move on the map, RSU counters, a message
// proof verified in the browser (and a tampered one refused), a vehicle's identity, an owner's data with the
// insurer's reads (revoking the consent from the page makes the insurer's next read fail), the token's curves and
// epochs, and the language switch. Screenshots go to test-artifacts/screenshots/.
//
// Needs Chromium (Debian: `apt-get install chromium`); under CI=true its absence fails the run.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { devPrivateKey, freePort, freePortRange } from "@amc/chain";
import { createOwnerToken } from "@amc/data";
import { kidFor, type PrivateJwk } from "@amc/did";
import { DataClient } from "@amc/sdk";
import { stringify, waitFor, writeFileAtomic } from "@amc/utils";
import { type Browser, chromium, type Page } from "playwright-core";
import { hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const INSTALL_HINT = "apt-get install chromium";
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const onCi = process.env.CI === "true";
const root = join(import.meta.dirname, "..");
const amc = join(root, "apps/cli/bin/amc.js");
const artifacts = join(root, "test-artifacts", "screenshots");
const home = mkdtempSync(join(tmpdir(), "amc-web-"));
const config = join(home, "amc.config.json");

let up: ChildProcess | undefined;
let output = "";
let browser: Browser | undefined;
let page: Page;
let base = "";

type SimFile = {
  vehicles: {
    did: string;
    owned: boolean;
    consent?: { consentId: `0x${string}`; credential: string; purpose: string };
  }[];
  insurer?: { did: string; key: PrivateJwk; umbralSk: `0x${string}` };
};
type SimState = {
  engine: string;
  vehicles: { id: string; did: string; lat: number; lon: number; connected: boolean }[];
  counters: Record<string, number>;
};
const json = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

async function startPlatform(): Promise<void> {
  // The default topology, on free ports so that it runs beside the other suites. Services bind late (after the
  // deployment): their ports come from one block below Linux's ephemeral range, where no connection's local end
  // can take them meanwhile; chains bind at once on OS-assigned ports.
  const topology = JSON.parse(readFileSync(join(root, "amc.config.json"), "utf8"));
  const services = topology.services;
  const rsus = 2 * topology.chains.filter((c: { role: string }) => c.role === "edge").length;
  let next = await freePortRange(5 + rsus);
  for (const chain of topology.chains) chain.rpcUrl = `http://127.0.0.1:${await freePort()}`;
  for (const name of ["gateway", "relayer", "validators", "pki"]) services[name].port = next++;
  const simPort = next++;
  services.edge.basePort = next;
  services.edge.checkpointIntervalMs = 5_000;
  services.edge.batchMaxDelayMs = 500;
  // A lighter fleet than the default (2 cores run the whole platform and a browser), driven by SUMO through TraCI
  // where SUMO is installed (always under CI: .ci/run installs it), by the builtin engine otherwise.
  services.sim = {
    port: simPort,
    engine: SUMO ? "sumo" : "builtin",
    vehicles: 8,
    camHz: 2,
    hazardEverySeconds: 15,
    uploadEverySeconds: 15,
  };
  topology.token = { epochSeconds: 30, halvingEpochs: 104 };
  writeFileAtomic(config, stringify(topology, 2));
  base = `http://127.0.0.1:${services.gateway.port}`;

  up = spawn(process.execPath, [amc, "up", "--config", config, "--home", join(home, "state")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  up.stdout?.on("data", collect);
  up.stderr?.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amc up not ready in 360 s:\n${output}`)), 360_000);
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

async function shot(name: string, fullPage = false): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
}

async function open(route: string): Promise<void> {
  await page.goto(`${base}/#/${route}`);
  await page.getByTestId(`page-${route}`).waitFor({ timeout: 30_000 });
}

const number = async (testId: string) =>
  Number(((await page.getByTestId(testId).textContent()) ?? "").replace(/[^0-9.]/g, ""));

const available = CHROMIUM !== undefined;
const SUMO = spawnSync("sumo", ["--version"]).status === 0;
if (onCi && !SUMO) throw new Error("SUMO is required under CI: apt-get install sumo");

describe.runIf(available || onCi)("the dashboard in Chromium, on the running platform with the simulator", () => {
  beforeAll(async () => {
    if (!CHROMIUM) throw new Error(`Chromium is required under CI: ${INSTALL_HINT}`);
    await startPlatform();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // A closed network: without these Chromium keeps trying to reach Google's services.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (error) => {
      output += `\n[browser] ${error.message}`;
    });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    if (up && up.exitCode === null) {
      up.kill("SIGINT");
      await new Promise((resolve) => up?.once("exit", resolve));
    }
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("the gateway serves the built dashboard and the printed URL", async () => {
    expect(output).toContain(`dashboard: ${base}/`);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    const html = await index.text();
    // Everything from the build: no external scripts, styles or fonts.
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    const asset = /\/assets\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    expect((await fetch(`${base}${asset}`)).headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status).toBeGreaterThanOrEqual(400);
    // `amc status` lists the simulator that `amc up` started, healthy.
    const { stdout } = await run(process.execPath, [
      amc,
      "status",
      "--config",
      config,
      "--home",
      join(home, "state"),
      "--json",
    ]);
    const status = JSON.parse(stdout) as { services: { name: string; healthy: boolean }[] };
    expect(status.services.find((s) => s.name === "sim")).toEqual(expect.objectContaining({ healthy: true }));
  });

  it("network: every chain with a growing height, the members, live cross-chain messages", async () => {
    await open("network");
    const chains = await json<{ chains: { name: string }[] }>("/v1/chains");
    const first = await number("chain-height-main");
    expect(first).toBeGreaterThan(0);
    for (const chain of chains.chains) await page.getByTestId(`chain-height-${chain.name}`).waitFor();
    await waitFor(async () => ((await number("chain-height-main")) > first ? true : undefined), {
      timeoutMs: 20_000,
      what: "the main chain's height to grow on the page",
    });
    await expect(page.getByText("Demo Motors (OEM)").first().isVisible()).resolves.toBe(true);
    // RSU checkpoints go main-ward every 5 s: messages appear.
    await page.getByTestId("xchain-row").first().waitFor({ timeout: 60_000 });
    await shot("network");
  }, 120_000);

  it("map: roads, cells, RSUs and vehicles that move; the ODbL attribution is visible", async () => {
    await open("map");
    await page.getByText("OpenStreetMap").first().waitFor();
    await waitFor(async () => ((await number("vehicle-count")) > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: "vehicles on the map",
    });
    const before = await json<SimState>("/v1/sim/state");
    expect(before.engine).toBe(SUMO ? "sumo" : "builtin");
    const positions = async () =>
      page.locator("[data-testid^='vehicle-']").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("transform")));
    const a = await positions();
    expect(a.length).toBeGreaterThan(0);
    await page.waitForTimeout(2500);
    const b = await positions();
    expect(b).not.toEqual(a);
    const after = await json<SimState>("/v1/sim/state");
    expect(after.counters.cams).toBeGreaterThan(before.counters.cams ?? 0);
    await shot("map");
  }, 120_000);

  it("edge: RSU rates and anchors; a real message's proof verifies in the browser and a tampered one does not", async () => {
    await open("edge");
    const stats = await json<{ rsus: { name: string; accepted: number }[] }>("/v1/edge/stats");
    expect(stats.rsus.some((r) => r.accepted > 0)).toBe(true);
    for (const rsu of stats.rsus) await page.getByTestId(`rsu-row-${rsu.name}`).waitFor();

    // A hazard the fleet reported, confirmed by k distinct tickets and recorded on the cell chain's EventLedger.
    const confirmed = await waitFor(
      async () => {
        const { hazards } = await json<{ hazards: { confirmed: boolean; eventId: string | null }[] }>("/v1/sim/state");
        const { events } = await json<{ events: { eventId: string; reporters: number }[] }>("/v1/edge/events");
        return events.find((e) => hazards.some((h) => h.confirmed && h.eventId === e.eventId));
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: "a simulated hazard confirmed on a cell chain" },
    );
    expect(confirmed.reporters).toBeGreaterThanOrEqual(3);
    await page.getByTestId("event-row").first().waitFor({ timeout: 10_000 });

    // A message the fleet sent, once its batch is anchored.
    const hash = await waitFor(
      async () => {
        const { messages } = await json<{ messages: { hash: string; at: number }[] }>("/v1/edge/recent?limit=50");
        for (const m of messages.filter((m) => Date.now() - m.at > 3000))
          if ((await fetch(`${base}/v1/edge/proofs/${m.hash}`)).status === 200) return m.hash;
        return undefined;
      },
      { timeoutMs: 60_000, what: "an anchored message of the fleet" },
    );
    await page.getByTestId("proof-hash").fill(hash);
    await page.getByTestId("verify-proof").click();
    const result = page.getByTestId("proof-result");
    await waitFor(async () => ((await result.getAttribute("data-ok")) === "true" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the proof to verify in the browser",
    });
    await shot("edge-proof-verified", true);

    // Tamper: another Merkle root.
    const proof = JSON.parse(await page.getByTestId("proof-json").inputValue());
    proof.root = `0x${proof.root.slice(2, 10) === "00000000" ? "11111111" : "00000000"}${proof.root.slice(10)}`;
    await page.getByTestId("proof-json").fill(JSON.stringify(proof, null, 2));
    await page.getByTestId("verify-proof").click();
    await waitFor(async () => ((await result.getAttribute("data-ok")) === "false" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the tampered proof to be refused",
    });
    expect(await result.textContent()).toMatch(/not_in_batch|anchor_mismatch/);
    await shot("edge-proof-tampered", true);
  }, 150_000);

  it("identity: a simulated vehicle by its DID — lifecycle and document", async () => {
    const state = await json<SimState>("/v1/sim/state");
    const did = state.vehicles[0]?.did as string;
    expect(did).toMatch(/^did:amc:dev:[0-9a-f]{64}$/);
    await open("identity");
    await page.getByTestId("did-input").fill(did);
    await page.getByTestId("did-search").click();
    await page.getByTestId("lifecycle-state").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("lifecycle-state").textContent()).toMatch(/Produced|Registered/);
    await page.getByText("VehicleProduced").first().waitFor();
    // A vehicle sold to the owner: the sale in its history, the owner's access grant to the insurer among its
    // credentials (issued through the gateway, so its status list is the gateway's), active.
    const sim = JSON.parse(readFileSync(join(home, "state", "sim", "state.json"), "utf8")) as SimFile;
    const owned = sim.vehicles.find((v) => v.owned && v.consent);
    if (!owned) throw new Error("the simulator made no owned vehicle with a consent");
    await page.getByTestId("did-input").fill(owned.did);
    await page.getByTestId("did-search").click();
    await page.getByText("VehicleTransferred").first().waitFor({ timeout: 20_000 });
    const grant = page.getByTestId("credential-row").filter({ hasText: "AccessGrantCredential" });
    await grant.first().waitFor({ timeout: 20_000 });
    expect(await grant.first().getByTestId("credential-status").textContent()).toMatch(/active/i);
    await shot("identity", true);
  }, 60_000);

  it("data: the owner sees the insurer's reads; revoking the consent on the page makes the next read fail", async () => {
    // The simulator's citizens (its state file in the platform's home): a vehicle sold to the demo owner dev:7
    // with a consent to the insurer, and the insurer's keys.
    const sim = JSON.parse(readFileSync(join(home, "state", "sim", "state.json"), "utf8")) as SimFile;
    const vehicle = sim.vehicles.find((v) => v.owned && v.consent);
    if (!vehicle?.consent || !sim.insurer) throw new Error("the simulator made no owned vehicle with a consent");
    const consent = vehicle.consent;
    const insurer = sim.insurer;
    const { audience } = await json<{ audience: string }>("/v1/data/config");
    const owner = privateKeyToAccount(devPrivateKey(7));
    const objects = await waitFor(
      async () => {
        const response = await fetch(`${base}/v1/data/objects?subject=${vehicle.did}`, {
          headers: { authorization: `Owner ${await createOwnerToken(owner, audience)}` },
        });
        const body = (await response.json()) as { objects?: { objectId: `0x${string}` }[] };
        return body.objects?.length ? body.objects : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000, what: "a trip summary uploaded by the owned vehicle" },
    );
    const data = new DataClient(base);
    const read = () =>
      data.read({
        consumer: {
          did: insurer.did,
          kid: kidFor(insurer.did, insurer.key, "authentication"),
          privateJwk: insurer.key,
        },
        receivingSk: hexToBytes(insurer.umbralSk),
        objectId: objects[0]!.objectId,
        consentId: consent.consentId,
        purpose: consent.purpose,
        credential: consent.credential,
      });
    const first = await read();
    expect(JSON.parse(new TextDecoder().decode(first.data))).toHaveProperty("distanceMetres");

    // The owner signs in with the test account and opens the vehicle's data.
    await page.goto(`${base}/#/data?vehicle=${vehicle.did}`);
    await page.getByTestId("page-data").waitFor();
    await page.getByTestId("signin-dev").selectOption("7");
    await page.getByTestId("signin-dev-go").click();
    await page.getByTestId("disclosure-row").first().waitFor({ timeout: 30_000 });
    const row = page.getByTestId(`consent-row-${consent.consentId}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute("data-status")).toBe("active");
    await shot("data");
    await page.getByTestId(`revoke-${consent.consentId}`).click();
    await waitFor(async () => ((await row.getAttribute("data-status")) === "revoked" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the consent to show as revoked",
    });
    await shot("data-revoked");
    await expect(read()).rejects.toThrow(/revoked|consent/i);
  }, 240_000);

  it("token: allocations, vesting curves and reward epochs", async () => {
    await open("token");
    await page.getByTestId("allocation-chart").waitFor({ timeout: 30_000 });
    await page.getByTestId("vesting-chart").locator("path").first().waitFor({ timeout: 30_000 });
    await page.getByTestId("epoch-row").first().waitFor({ timeout: 90_000 });
    await shot("token");
  }, 120_000);

  it("fl: the simulated vehicles' driving signals train a federated round, shown on the page", async () => {
    // The simulator writes every vehicle's OBD-II signals each minute; `amc fl round --from-sim` trains on them.
    const obd = join(home, "state", "sim", "obd");
    await waitFor(
      async () => (existsSync(obd) && readdirSync(obd).some((f) => f.endsWith(".csv")) ? true : undefined),
      {
        timeoutMs: 90_000,
        intervalMs: 1000,
        what: "the simulator's OBD files",
      },
    );
    const { stdout } = await run(
      process.execPath,
      [amc, "fl", "round", "--from-sim", "--config", config, "--home", join(home, "state"), "--json"],
      { timeout: 180_000 },
    );
    const round = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      simulatedVehicles: number;
      rounds: { round: number; modelHash: string }[];
    };
    expect(round.simulatedVehicles).toBeGreaterThan(0);
    expect(round.rounds[0]?.modelHash).toMatch(/^0x[0-9a-f]{64}$/);
    await open("fl");
    await page.getByTestId("fl-task").waitFor({ timeout: 30_000 });
    await page.getByTestId("fl-round-row").first().waitFor({ timeout: 30_000 });
    await shot("fl");
  }, 240_000);

  it("the language switch turns the interface into Chinese and back", async () => {
    await open("network");
    const english = await page.locator("nav").textContent();
    await page.getByTestId("lang-switch").click();
    await waitFor(
      async () => ((await page.locator("html").getAttribute("lang"))?.startsWith("zh") ? true : undefined),
      {
        timeoutMs: 5000,
        what: "html lang to become zh",
      },
    );
    const chinese = await page.locator("nav").textContent();
    expect(chinese).not.toEqual(english);
    expect(chinese).toMatch(/[\u4e00-\u9fff]/);
    await shot("network-zh");
    await page.getByTestId("lang-switch").click();
    await waitFor(async () => ((await page.locator("nav").textContent()) === english ? true : undefined), {
      timeoutMs: 5000,
      what: "English again",
    });
  }, 60_000);
});

if (!available && !onCi)
  describe("the dashboard in Chromium", () => {
    it.skip(`needs Chromium: ${INSTALL_HINT}`, () => {});
  });
