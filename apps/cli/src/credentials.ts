// `amc vc …`: issue, revoke and verify credentials through the gateway (DID-authenticated with the caller's key
// from the local keystore), and make presentations locally with the holder's key.
import { existsSync, readFileSync } from "node:fs";
import { loadTopology, platformPaths } from "@amc/chain";
import { createDidAuthToken, Keystore } from "@amc/did";
import { EnvironmentError, InvalidInputError, stringify } from "@amc/utils";
import { issueVpJwt } from "@amc/vc";
import type { Common } from "./commands.js";

function gateway(options: Common) {
  const topology = loadTopology(options.config);
  const base = `http://${topology.services.host}:${topology.services.gateway.port}`;
  return { base, keystore: new Keystore(`${platformPaths(options.home).home}/keys`) };
}

function authFor(options: Common, did: string): string {
  const { base, keystore } = gateway(options);
  const key = keystore.key(did, "authentication");
  if (!key)
    throw new InvalidInputError(`no authentication key for ${did} in the local keystore`, {
      fix: "create the DID with `amc did create`",
    });
  return `DID ${createDidAuthToken({ did, kid: key.kid, privateJwk: key.privateJwk, audience: base })}`;
}

async function call(
  options: Common,
  path: string,
  body: unknown,
  authorization?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { base } = gateway(options);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new EnvironmentError(`the gateway at ${base} does not answer`, {
      fix: "start the platform: `npm start`",
      cause: error,
    });
  }
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 400)
    throw new InvalidInputError(`${String(json.title ?? "request failed")}: ${String(json.detail ?? response.status)}`);
  return { status: response.status, json };
}

/** A credential or presentation given inline or as a file path. */
function tokenArg(value: string | undefined, what: string): string {
  if (!value) throw new InvalidInputError(`give the ${what} (a token or a file holding it)`);
  return existsSync(value) ? readFileSync(value, "utf8").trim() : value.trim();
}

const envelope = (jwt: string) => ({
  "@context": ["https://www.w3.org/ns/credentials/v2"],
  type: "EnvelopedVerifiableCredential",
  id: `data:application/vc+jwt,${jwt}`,
});

export async function vcIssue(
  options: Common & {
    issuer?: string | undefined;
    type?: string | undefined;
    subject?: string | undefined;
    format?: string | undefined;
    disclose?: string | undefined;
  },
): Promise<void> {
  if (!options.issuer || !options.type || !options.subject)
    throw new InvalidInputError("vc issue needs --issuer <did> --type <type> --subject '<json>'");
  let subject: unknown;
  try {
    subject = JSON.parse(options.subject);
  } catch (error) {
    throw new InvalidInputError("--subject is not JSON", { cause: error });
  }
  const format = options.format === "sd-jwt" ? "sd-jwt" : "vc+jwt";
  const { json } = await call(
    options,
    "/credentials/issue",
    {
      credential: { type: ["VerifiableCredential", options.type], issuer: options.issuer, credentialSubject: subject },
      options: { format, ...(options.disclose ? { disclosable: options.disclose.split(",") } : {}) },
    },
    authFor(options, options.issuer),
  );
  const vc = json.verifiableCredential as { id?: string } | undefined;
  const token = decodeURIComponent(String(vc?.id ?? "").replace(/^data:application\/vc\+(sd-)?jwt,/, ""));
  console.log(options.json ? stringify({ id: json.id, format, credential: token }) : token);
}

export async function vcRevoke(
  options: Common & { issuer?: string | undefined; id?: string | undefined; status?: string | undefined },
): Promise<void> {
  if (!options.issuer || !options.id) throw new InvalidInputError("vc revoke needs <credential id> --issuer <did>");
  const status = options.status ?? "revoked";
  if (status !== "revoked" && status !== "suspended" && status !== "active")
    throw new InvalidInputError("--status is revoked, suspended or active");
  const { json } = await call(
    options,
    "/credentials/status",
    { credentialId: options.id, credentialStatus: [{ type: "BitstringStatusListEntry", status }] },
    authFor(options, options.issuer),
  );
  console.log(options.json ? stringify(json) : `${options.id}: ${status} (anchored on the main chain)`);
}

export async function vcPresent(
  options: Common & {
    holder?: string | undefined;
    credential?: string | undefined;
    challenge?: string | undefined;
    domain?: string | undefined;
  },
): Promise<void> {
  if (!options.holder) throw new InvalidInputError("vc present needs --holder <did>");
  const credential = tokenArg(options.credential, "credential (--credential)");
  const key = gateway(options).keystore.key(options.holder, "authentication");
  if (!key) throw new InvalidInputError(`no authentication key for ${options.holder} in the local keystore`);
  const vp = issueVpJwt({
    holder: options.holder,
    kid: key.kid,
    privateKey: key.privateJwk,
    credentials: [credential],
    ...(options.challenge ? { nonce: options.challenge } : {}),
    ...(options.domain ? { audience: options.domain } : {}),
  });
  console.log(options.json ? stringify({ presentation: vp }) : vp);
}

export async function vcVerify(
  options: Common & {
    token?: string | undefined;
    presentation: boolean;
    challenge?: string | undefined;
    domain?: string | undefined;
  },
): Promise<void> {
  const token = tokenArg(options.token, options.presentation ? "presentation" : "credential");
  const { json } = options.presentation
    ? await call(options, "/presentations/verify", {
        verifiablePresentation: token,
        options: {
          ...(options.challenge ? { challenge: options.challenge } : {}),
          ...(options.domain ? { domain: options.domain } : {}),
        },
      })
    : await call(options, "/credentials/verify", { verifiableCredential: envelope(token) });
  console.log(
    options.json ? stringify(json) : json.verified ? "verified" : `NOT verified: ${stringify(json.errors ?? json)}`,
  );
  if (!json.verified) process.exitCode = 3;
}
