// Test support: a throwaway PostgreSQL server (initdb + postgres from the machine's PostgreSQL install, in a
// temporary folder, on a free loopback port, trust auth) and fresh stores of either engine, so that every store
// test runs on embedded PGlite AND on a real server. Nothing here is used outside tests.
import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "@amc/chain";
import { EnvironmentError, sleep, waitFor } from "@amc/utils";
import { Client } from "pg";
import { openStore, type Store, type StoreKind } from "./store.js";

/** What a developer without the server binaries is told (tests on a server are skipped, except in CI). */
export const POSTGRES_INSTALL_HINT = "install with: sudo apt-get install postgresql";

export type PostgresBinaries = { initdb: string; postgres: string };

export type FindPostgresOptions = {
  env?: NodeJS.ProcessEnv;
  /** Where Debian installs the server, one folder per major version. */
  debianRoot?: string;
};

/** initdb and postgres from PATH, else from the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
export function findPostgresBinaries(options: FindPostgresOptions = {}): PostgresBinaries | undefined {
  const dirs = ((options.env ?? process.env).PATH ?? "").split(delimiter).filter(Boolean);
  const debian = options.debianRoot ?? "/usr/lib/postgresql";
  if (existsSync(debian))
    dirs.push(
      ...readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(debian, v, "bin")),
    );
  for (const dir of dirs) {
    const initdb = join(dir, "initdb");
    const postgres = join(dir, "postgres");
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  return undefined;
}

export type TestPostgres = {
  /** URL of the `postgres` database, as the superuser `postgres`. */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its folder. */
  stop(): Promise<void>;
};

/** Who runs the server: postgres refuses to run as root, so under root the `postgres` (or `nobody`) account. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(":");
    if (fields?.[2] && fields[3]) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new EnvironmentError("running as root, and there is no `postgres` or `nobody` account to run PostgreSQL as", {
    fix: "run the tests as an ordinary user",
  });
}

function run(command: string, args: string[], account: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...account });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new EnvironmentError(`${command} exited with code ${code}`, { details: output.trim() })),
    );
  });
}

/**
 * Starts a throwaway PostgreSQL server, or returns undefined when the binaries are missing (outside CI: callers
 * skip their server tests with POSTGRES_INSTALL_HINT). With CI=true missing binaries are an error, so a CI
 * machine without PostgreSQL cannot pass by skipping.
 */
export async function startTestPostgres(options: FindPostgresOptions = {}): Promise<TestPostgres | undefined> {
  const binaries = findPostgresBinaries(options);
  if (!binaries) {
    if ((options.env ?? process.env).CI === "true")
      throw new EnvironmentError("PostgreSQL server binaries (initdb, postgres) not found, and CI=true", {
        fix: POSTGRES_INSTALL_HINT,
      });
    return undefined;
  }
  const account = serverAccount();
  const root = mkdtempSync(join(tmpdir(), "amc-pg-"));
  const data = join(root, "data");
  const socket = join(root, "socket");
  mkdirSync(socket);
  if (account) for (const dir of [root, socket]) chownSync(dir, account.uid, account.gid);
  try {
    await run(
      binaries.initdb,
      ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"],
      account,
    );
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await launch(binaries.postgres, { root, data, socket, port, account });
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  binary: string,
  where: {
    root: string;
    data: string;
    socket: string;
    port: number;
    account: { uid: number; gid: number } | undefined;
  },
): Promise<TestPostgres> {
  // A test server: durability off (fsync, full pages) for speed; nothing here outlives the test run.
  const args = ["-D", where.data, "-p", String(where.port), "-k", where.socket, "-h", "127.0.0.1"];
  for (const setting of ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"])
    args.push("-c", setting);
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"], ...where.account });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code;
      resolve();
    }),
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = `postgres://postgres@127.0.0.1:${where.port}/postgres`;
  const stop = async () => {
    process.off("exit", killOnExit);
    if (exited === undefined) {
      child.kill("SIGINT"); // fast shutdown: roll back sessions, stop
      const timedOut = await Promise.race([exit.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut) {
        child.kill("SIGKILL");
        await exit;
      }
    }
    rmSync(where.root, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited !== undefined)
          throw new EnvironmentError(`postgres exited with code ${exited} at start`, { details: log.trim() });
        const client = new Client({ connectionString: url });
        try {
          await client.connect();
          await client.query("SELECT 1");
          return true;
        } finally {
          await client.end();
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `the test PostgreSQL server on port ${where.port}` },
    );
  } catch (error) {
    if (exited === undefined) {
      child.kill("SIGKILL");
      await exit;
    }
    process.off("exit", killOnExit);
    throw error;
  }
  let databases = 0;
  return {
    url,
    async createDatabase() {
      const name = `amc_test_${++databases}`;
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${where.port}/${name}`;
    },
    stop,
  };
}

/**
 * Fresh, empty stores of one engine for a test file: `open()` gives a new database each time (PGlite: a copy of
 * a folder initialised once per process, much faster than initdb per store; postgres: CREATE DATABASE on one
 * server per file). `open()` returns undefined for postgres when the server binaries are missing outside CI.
 */
export type TestEngine = {
  kind: StoreKind;
  start(): Promise<void>;
  open(): Promise<Store | undefined>;
  /** A new PGlite data folder holding an empty database, for tests that close and reopen a store. */
  pgliteDir(): Promise<string>;
  stop(): Promise<void>;
};

// One initialised PGlite folder per process, copied for each fresh store; removed when the last engine using it
// stops (test workers may end without an "exit" event, so that cannot be relied on).
let pgliteTemplate: Promise<string> | undefined;
let pgliteTemplateUsers = 0;

function pgliteTemplateDir(): Promise<string> {
  pgliteTemplate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "amc-pglite-template-"));
    const store = await openStore({ dataDir: dir });
    await store.close();
    return dir;
  })();
  return pgliteTemplate;
}

async function releasePgliteTemplate(): Promise<void> {
  if (--pgliteTemplateUsers > 0 || !pgliteTemplate) return;
  const template = pgliteTemplate;
  pgliteTemplate = undefined;
  rmSync(await template, { recursive: true, force: true });
}

export function testEngine(kind: StoreKind): TestEngine {
  let server: TestPostgres | undefined;
  const stores: Store[] = [];
  const dirs: string[] = [];
  const pgliteDir = async () => {
    const dir = mkdtempSync(join(tmpdir(), "amc-pglite-"));
    dirs.push(dir);
    cpSync(await pgliteTemplateDir(), dir, { recursive: true });
    return dir;
  };
  return {
    kind,
    async start() {
      pgliteTemplateUsers++;
      if (kind === "postgres") server = await startTestPostgres();
      else await pgliteTemplateDir();
    },
    async open() {
      const store =
        kind === "postgres"
          ? server && (await openStore({ url: await server.createDatabase() }))
          : await openStore({ dataDir: await pgliteDir() });
      if (store) stores.push(store);
      return store;
    },
    pgliteDir,
    async stop() {
      await Promise.all(stores.map((store) => store.close()));
      await server?.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await releasePgliteTemplate();
    },
  };
}
