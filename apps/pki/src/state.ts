// Where each authority's state lives: one JSON snapshot per authority under <home>/pki/ (la1.json, la2.json,
// ea.json, pca.json), written atomically after every change and readable by the service's user only. One file
// per authority because their records are disjoint by design (docs/v2x-pki.md): a production deployment runs each
// authority in its own process and store, and nothing here joins them. The admin token (the misbehaviour
// authority's credential for /v1/revoke and /v1/trace) is created on the first run in admin.token.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError, readJsonIfExists, stringify, writeFileAtomic } from "@amc/utils";

export const authorityNames = ["la1", "la2", "ea", "pca"] as const;
export type AuthorityName = (typeof authorityNames)[number];

/** Creates `dir` readable by this user only (keys, seeds and enrolments are kept inside). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function writePrivate(path: string, content: string): void {
  writeFileAtomic(path, content);
  chmodSync(path, 0o600);
}

export class AuthorityFiles {
  constructor(readonly dir: string) {}

  path(name: AuthorityName): string {
    return join(this.dir, `${name}.json`);
  }

  /** The authority's snapshot (unvalidated: its class validates it), or undefined on a first run. */
  read(name: AuthorityName): unknown {
    return readJsonIfExists(this.path(name));
  }

  /** Whether a previous run left state: the PCA's file is written last on the first run, so it marks completion. */
  exists(): boolean {
    return existsSync(this.path("pca"));
  }

  /** Reads every authority's snapshot of an existing state, saying which file is missing. */
  readAll(): Record<AuthorityName, unknown> {
    const out = {} as Record<AuthorityName, unknown>;
    for (const name of authorityNames) {
      const value = this.read(name);
      if (value === undefined)
        throw new EnvironmentError(`the PKI state in ${this.dir} has no ${name}.json`, {
          fix: `restore it from a backup, or delete ${this.dir} to start a new PKI`,
        });
      out[name] = value;
    }
    return out;
  }

  /** Writes the snapshots in the order given (LAs before the EA that points into them, the PCA last). */
  write(snapshots: [AuthorityName, { toJSON(): unknown }][]): void {
    for (const [name, authority] of snapshots) writePrivate(this.path(name), stringify(authority.toJSON(), 2));
  }
}

/** The admin token of `<dir>/admin.token`, created (32 random bytes, hex, mode 0600) when there is none. */
export function loadOrCreateAdminToken(dir: string): string {
  const path = join(dir, "admin.token");
  if (existsSync(path)) {
    const token = readFileSync(path, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(token))
      throw new EnvironmentError(`${path} does not hold an admin token`, { fix: `delete ${path} to create a new one` });
    return token;
  }
  const token = randomBytes(32).toString("hex");
  writePrivate(path, `${token}\n`);
  return token;
}
