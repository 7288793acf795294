// `amc up`: the whole local consortium in one command. It starts one anvil per chain (resuming persisted state),
// deploys every module deterministically (a no-op when resuming), starts the services as supervised child
// processes, prints where everything is, and on Ctrl-C (or `amc down`) stops it all cleanly so the next start
// resumes where this one left off.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AnvilInstance,
  deployerKey,
  deployTopology,
  isPortFree,
  loadTopology,
  platformPaths,
  publicClientFor,
  rpcPort,
  startAnvil,
  writeManifest,
} from "@amc/chain";
import { backoffMs, createLogger, EnvironmentError, errorMessage, sleep, waitFor } from "@amc/utils";
import { ensureDashboard } from "./dashboard.js";
import { isAlive, readRunFile, removeRunFile, writeRunFile } from "./runfile.js";
import { isHealthy, nodeArgsFor, type ServiceSpec, serviceSpecs } from "./services.js";

export type UpOptions = { config: string; home: string; fresh: boolean; services: boolean; sim?: boolean };

type Supervised = { spec: ServiceSpec; child: ChildProcess; restarts: number };

/** Services the platform runs without when they cannot start (the simulator: it only drives traffic). */
const optional = (spec: ServiceSpec) => spec.last === true;

function lastLines(path: string, count = 5): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-count).join("\n");
  } catch {
    return "";
  }
}

export async function up(options: UpOptions): Promise<void> {
  const startedAt = Date.now();
  const logger = createLogger({ component: "amc-up" }, { pretty: process.env.AMC_LOG_FORMAT !== "json" });
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);

  const running = readRunFile(paths.run);
  if (running && isAlive(running.pid))
    throw new EnvironmentError(`the platform is already running (pid ${running.pid})`, {
      fix: "`npx amc status` to see it, `npx amc down` to stop it",
    });
  if (options.fresh) rmSync(paths.home, { recursive: true, force: true });
  mkdirSync(paths.home, { recursive: true });

  // Preflight every port before starting anything, so a clash costs nothing to undo.
  const specs = options.services ? serviceSpecs(topology, { sim: options.sim ?? true }) : [];
  for (const spec of specs) {
    const port = Number(new URL(spec.url).port);
    if (!(await isPortFree(port, topology.services.host)))
      throw new EnvironmentError(`port ${port} for service ${spec.name} is already in use`, {
        fix: "stop what holds it (`npx amc down` if it is an earlier platform) or change services in amc.config.json",
      });
  }
  for (const chain of topology.chains)
    if (!(await isPortFree(rpcPort(chain))))
      throw new EnvironmentError(`port ${rpcPort(chain)} for chain ${chain.name} is already in use`, {
        fix: "stop what holds it (`npx amc down` if it is an earlier platform) or change its rpcUrl in amc.config.json",
      });

  const resuming = topology.chains.some((c) => {
    try {
      readFileSync(paths.chainState(c.name));
      return true;
    } catch {
      return false;
    }
  });
  console.log(
    `AutoMobile Chain: ${resuming ? "resuming" : "starting"} network "${topology.network}" (${topology.chains.length} chains)`,
  );

  const anvils: AnvilInstance[] = [];
  const supervised = new Map<string, Supervised>();
  const abandoned = new Set<string>();
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("stopping: services, then chains (their state is saved)...");
    await Promise.all(
      [...supervised.values()].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        if ((await Promise.race([exited.then(() => "exited"), sleep(10_000).then(() => "timeout")])) === "timeout")
          child.kill("SIGKILL");
      }),
    );
    await Promise.all(anvils.map((a) => a.stop()));
    removeRunFile(paths.run);
    console.log("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  try {
    const started = await Promise.allSettled(
      topology.chains.map((chain) =>
        startAnvil({
          name: chain.name,
          chainId: chain.chainId,
          port: rpcPort(chain),
          stateFile: paths.chainState(chain.name),
          blockTimeSeconds: chain.blockTimeSeconds,
          logFile: paths.log(`anvil-${chain.name}`),
        }),
      ),
    );
    for (const result of started) if (result.status === "fulfilled") anvils.push(result.value);
    const failed = started.find((r) => r.status === "rejected");
    if (failed && failed.status === "rejected") throw failed.reason;
    for (const anvil of anvils)
      anvil.process.once("exit", (code) => {
        if (stopping) return;
        logger.error("a chain exited unexpectedly; stopping the platform", { chain: anvil.name, code });
        void shutdown(1);
      });

    const manifest = await deployTopology(topology, deployerKey(topology), logger);
    writeManifest(paths.manifest, manifest);

    const launch = (spec: ServiceSpec, restarts: number): Supervised => {
      const logPath = paths.log(spec.name);
      mkdirSync(dirname(logPath), { recursive: true });
      const fd = openSync(logPath, "a");
      const child = spawn(
        process.execPath,
        [...nodeArgsFor(spec.entry), "--config", options.config, "--home", paths.home, ...(spec.args ?? [])],
        {
          stdio: ["ignore", fd, fd],
          env: process.env,
        },
      );
      closeSync(fd);
      const entry = { spec, child, restarts };
      supervised.set(spec.name, entry);
      child.once("exit", (code, signal) => {
        if (stopping || abandoned.has(spec.name)) return;
        logger.warn("service exited; restarting", { service: spec.name, code, signal, log: logPath });
        void sleep(backoffMs(restarts, 500, 10_000)).then(() => {
          if (!stopping) {
            launch(spec, restarts + 1);
            writeRunFile(paths.run, runRecord());
          }
        });
      });
      return entry;
    };
    const runRecord = () => ({
      pid: process.pid,
      startedAt: new Date(startedAt).toISOString(),
      children: [
        ...anvils.map((a) => ({ name: `chain:${a.name}`, pid: a.process.pid ?? 0 })),
        ...[...supervised.values()].map((s) => ({ name: s.spec.name, pid: s.child.pid ?? 0 })),
      ],
    });

    const waitHealthy = (group: ServiceSpec[]) =>
      Promise.all(
        group.map(async (spec) => {
          // The probe reports a service that exited before it was healthy as a value (waitFor retries thrown errors).
          const outcome = await waitFor(
            async () => {
              const entry = supervised.get(spec.name);
              // Required services are restarted until healthy (a transient failure at start recovers); the optional
              // simulator is given up on at its first exit.
              if (optional(spec) && entry && (entry.child.exitCode !== null || entry.restarts > 0))
                return { exited: lastLines(paths.log(spec.name), 1) };
              return (await isHealthy(spec.healthUrl)) ? { exited: undefined } : undefined;
            },
            {
              timeoutMs: spec.startupTimeoutMs ?? 60_000,
              intervalMs: 200,
              what: `service ${spec.name} to become healthy`,
              fix: `see ${paths.log(spec.name)}`,
            },
          );
          if (outcome.exited !== undefined)
            throw new EnvironmentError(`service ${spec.name} exited at start: ${outcome.exited}`, {
              fix: `see ${paths.log(spec.name)}`,
            });
        }),
      );
    // First the chain-side services and the PKI, then the RSUs (they fetch the CA and provision their DIDs).
    // Last the simulator, which drives its fleet through the RSUs.
    if (specs.length > 0) await ensureDashboard(logger);
    for (const group of [
      specs.filter((s) => !s.after && !s.last),
      specs.filter((s) => s.after && !s.last),
      specs.filter((s) => s.last),
    ]) {
      if (group.length === 0) continue;
      for (const spec of group) launch(spec, 0);
      writeRunFile(paths.run, runRecord());
      if (!group.some(optional)) {
        await waitHealthy(group);
        continue;
      }
      try {
        await waitHealthy(group);
      } catch (error) {
        // The platform is whole without the simulator: say why it did not start, and carry on without it.
        for (const spec of group) {
          abandoned.add(spec.name);
          supervised.get(spec.name)?.child.kill("SIGTERM");
          supervised.delete(spec.name);
          console.warn(
            `the ${spec.name} service did not start, so the platform runs without it: ${errorMessage(error)}`,
          );
        }
        writeRunFile(paths.run, runRecord());
      }
    }

    const heights = await Promise.all(topology.chains.map((c) => publicClientFor(c).getBlockNumber()));
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const lines = [
      "",
      `  chains (${resuming ? "resumed" : "new"})`,
      ...topology.chains.map(
        (c, i) =>
          `    ${c.name.padEnd(22)} ${c.role.padEnd(5)} id ${String(c.chainId).padEnd(6)} ${c.rpcUrl.padEnd(24)} block ${heights[i]}${c.h3Cell ? `  (H3 ${c.h3Cell})` : ""}`,
      ),
      "  services",
      ...specs
        .filter((s) => !abandoned.has(s.name))
        .map((s) => `    ${s.name.padEnd(22)} ${s.url.padEnd(24)} ${s.description}`),
      `  contracts: Mailbox ${manifest.chains[topology.chains[0]?.name ?? ""]?.contracts.Mailbox} (same address on every chain)`,
      `  state and logs in ${paths.home}`,
      "",
      `  dashboard: http://${topology.services.host}:${topology.services.gateway.port}/   (start with the Map page)`,
      "",
      "  try:  npx amc status",
      `        npx amc xchain send --from ${topology.chains.find((c) => c.role === "main")?.name} --to ${topology.chains.find((c) => c.role === "edge")?.name ?? topology.chains[0]?.name} --body hello --wait`,
      "  Ctrl-C (or `npx amc down`) stops everything; the next `npm start` resumes.",
      "",
      `AMC ready in ${seconds} s`,
    ];
    console.log(lines.join("\n"));
  } catch (error) {
    console.error(`amc up failed: ${errorMessage(error)}`);
    await shutdown(1);
  }
}
