// Identity page: look a vehicle up by its did:amc DID (lifecycle state and history, controller, DID document keys
// and services, credentials with their status), or — for a signed-in member with the OEM, REGULATOR or INSURER role —
// by VIN. The VIN lookup sends an Owner token; the gateway's 401/403 problem details are shown as they come.
// DID documents: W3C DID Core 1.0 (verificationMethod, service).
import { type FormEvent, useEffect, useState } from "react";
import {
  ApiError,
  type DataConfig,
  type DidDocument,
  getJson,
  type SimState,
  type VehicleIdentity,
  type VerificationMethod,
} from "../api.js";
import { SignIn } from "../components/SignIn.js";
import { Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page, type Tone } from "../components/ui.js";
import { formatTime, shortDid, shortHex } from "../format.js";
import { replaceParams, usePoll } from "../hooks.js";
import type { MessageKey } from "../i18n.js";
import { ownerToken } from "../lib/wallet.js";
import { useLocale } from "../locale.js";
import { memberOf, usePlatform } from "../platform.js";

const DID_PATTERN = /^did:amc:[A-Za-z0-9._:%-]+$/;
// ISO 3779 VINs are 17 characters without I, O and Q; the gateway checks the exact form, this only catches typos.
const VIN_PATTERN = /^[A-Z0-9]{6,17}$/;
const VIN_ROLES = ["OEM", "REGULATOR", "INSURER"];

const stateTone = (state: string): Tone =>
  state === "Registered" ? "ok" : state === "Produced" ? "info" : state === "Scrapped" ? "bad" : "warn";
const credentialTone = (status: string): Tone =>
  status === "active" ? "ok" : status === "revoked" ? "bad" : status === "suspended" ? "warn" : "muted";

function keySummary(method: VerificationMethod): string {
  if (method.blockchainAccountId) return method.blockchainAccountId;
  if (method.publicKeyJwk) {
    const jwk = method.publicKeyJwk;
    return [jwk.kty, jwk.crv].filter((x) => typeof x === "string").join(" ");
  }
  return method.publicKeyMultibase ? `${method.publicKeyMultibase.slice(0, 16)}…` : "";
}

function relationships(doc: DidDocument | null, id: string): string[] {
  if (!doc) return [];
  const refs = (list?: (string | VerificationMethod)[]) =>
    (list ?? []).some((x) => (typeof x === "string" ? x : x.id) === id);
  return [
    refs(doc.authentication) ? "authentication" : undefined,
    refs(doc.assertionMethod) ? "assertionMethod" : undefined,
  ].filter((x): x is string => x !== undefined);
}

/** An event argument for the history table: hashes and addresses shortened. */
function shortValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /^0x[0-9a-fA-F]{40,}$/.test(text) ? shortHex(text) : text;
}

function Vehicle({ did }: { did: string }) {
  const { t, tOr, locale } = useLocale();
  const vehicle = usePoll(
    `vehicle:${did}`,
    (signal) => getJson<VehicleIdentity>(`/v1/identity/vehicles/${encodeURIComponent(did)}`, { signal }),
    10_000,
  );
  if (vehicle.loading) return <Loading />;
  if (!vehicle.data) return <ErrorBox error={vehicle.error} />;
  const v = vehicle.data;
  // The gateway answers the document itself; a resolver-shaped answer ({ didDocument }) is read as well.
  const doc: DidDocument | null =
    v.document && "didDocument" in v.document ? (v.document.didDocument as DidDocument | null) : v.document;
  const controller = v.lifecycle.controller ?? null;
  const deactivated = v.metadata?.deactivated === true;
  return (
    <div className="stack" data-testid="vehicle-result">
      {vehicle.error !== undefined && <ErrorBox error={vehicle.error} />}
      <Card title={t("identity.vehicle")}>
        <dl className="kv wide">
          <dt>DID</dt>
          <dd>
            <code data-testid="vehicle-did">{v.did}</code>
          </dd>
          <dt>{t("identity.state")}</dt>
          <dd>
            <Badge tone={stateTone(v.lifecycle.state)} testId="lifecycle-state">
              {tOr(`lifecycle.${v.lifecycle.state}`, v.lifecycle.state)}
            </Badge>
          </dd>
          <dt>{t("identity.controller")}</dt>
          <dd>{controller ? <code>{controller}</code> : <span className="muted">—</span>}</dd>
          {v.lifecycle.oem && (
            <>
              <dt>{t("identity.oem")}</dt>
              <dd>
                <code>{v.lifecycle.oem}</code>
              </dd>
            </>
          )}
          {v.lifecycle.producedAt ? (
            <>
              <dt>{t("identity.producedAt")}</dt>
              <dd>{formatTime(v.lifecycle.producedAt, locale)}</dd>
            </>
          ) : null}
          {v.lifecycle.registeredAt ? (
            <>
              <dt>{t("identity.registeredAt")}</dt>
              <dd>{formatTime(v.lifecycle.registeredAt, locale)}</dd>
            </>
          ) : null}
          {v.lifecycle.transfers !== undefined && (
            <>
              <dt>{t("identity.transfers")}</dt>
              <dd>{v.lifecycle.transfers}</dd>
            </>
          )}
          {v.lifecycle.accidents !== undefined && (
            <>
              <dt>{t("identity.accidents")}</dt>
              <dd>{v.lifecycle.accidents}</dd>
            </>
          )}
          {deactivated && (
            <>
              <dt>{t("identity.resolution")}</dt>
              <dd>
                <Badge tone="bad">{t("identity.deactivated")}</Badge>
              </dd>
            </>
          )}
        </dl>
      </Card>
      <div className="grid-2">
        <Card title={t("identity.history")}>
          <table className="table">
            <thead>
              <tr>
                <th>{t("identity.event")}</th>
                <th>{t("common.block")}</th>
                <th>{t("common.tx")}</th>
                <th>{t("common.time")}</th>
              </tr>
            </thead>
            <tbody>
              {v.lifecycle.history.map((h) => (
                <tr key={`${h.txHash}-${h.event}`} data-testid="history-row">
                  <td>
                    {h.event}
                    {h.args && Object.keys(h.args).length > 0 && (
                      <div className="muted small args">
                        {Object.entries(h.args)
                          .map(([k, value]) => `${k}: ${shortValue(value)}`)
                          .join(" · ")}
                      </div>
                    )}
                  </td>
                  <td>{h.blockNumber}</td>
                  <td>
                    <HashText value={h.txHash} />
                  </td>
                  <td className="small">{h.timestamp ? formatTime(h.timestamp, locale) : "—"}</td>
                </tr>
              ))}
              {v.lifecycle.history.length === 0 && <EmptyRow colSpan={4}>{t("common.none")}</EmptyRow>}
            </tbody>
          </table>
        </Card>
        <Card title={t("identity.credentials")}>
          <table className="table">
            <thead>
              <tr>
                <th>{t("identity.credentialType")}</th>
                <th>{t("identity.issuer")}</th>
                <th>{t("identity.issued")}</th>
                <th>{t("common.status")}</th>
              </tr>
            </thead>
            <tbody>
              {v.credentials.map((c) => {
                const types = Array.isArray(c.type)
                  ? c.type.filter((x) => x !== "VerifiableCredential")
                  : c.type
                    ? [c.type]
                    : ["—"];
                const issuer = typeof c.issuer === "string" ? c.issuer : c.issuer.id;
                const issued = c.issuedAt ?? c.validFrom;
                return (
                  <tr key={c.id} data-testid="credential-row">
                    <td title={c.id}>{types.join(", ")}</td>
                    <td>
                      <code className="hash" title={issuer}>
                        {shortDid(issuer)}
                      </code>
                    </td>
                    <td className="small">
                      {typeof issued === "number"
                        ? formatTime(issued, locale)
                        : issued
                          ? new Date(issued).toLocaleString(locale, { hour12: false })
                          : "—"}
                    </td>
                    <td>
                      <Badge tone={credentialTone(c.status)} testId="credential-status">
                        {tOr(`credential.${c.status}`, c.status)}
                      </Badge>
                    </td>
                  </tr>
                );
              })}
              {v.credentials.length === 0 && <EmptyRow colSpan={4}>{t("common.none")}</EmptyRow>}
            </tbody>
          </table>
        </Card>
      </div>
      <Card title={t("identity.document")}>
        {!doc ? (
          <p className="muted">{t("identity.noDocument")}</p>
        ) : (
          <>
            <h3>{t("identity.keys")}</h3>
            <table className="table">
              <thead>
                <tr>
                  <th>{t("identity.keyId")}</th>
                  <th>{t("identity.keyType")}</th>
                  <th>{t("identity.key")}</th>
                  <th>{t("identity.purposes")}</th>
                </tr>
              </thead>
              <tbody>
                {(doc.verificationMethod ?? []).map((m) => (
                  <tr key={m.id} data-testid="key-row">
                    <td>
                      <code>{m.id.includes("#") ? `#${m.id.split("#").pop()}` : m.id}</code>
                    </td>
                    <td>{m.type}</td>
                    <td className="small">
                      <code title={JSON.stringify(m.publicKeyJwk ?? m.blockchainAccountId ?? "")}>{keySummary(m)}</code>
                    </td>
                    <td>
                      {relationships(doc, m.id).map((r) => (
                        <Badge key={r} tone="muted">
                          {r}
                        </Badge>
                      ))}
                    </td>
                  </tr>
                ))}
                {(doc.verificationMethod ?? []).length === 0 && <EmptyRow colSpan={4}>{t("common.none")}</EmptyRow>}
              </tbody>
            </table>
            <h3>{t("identity.services")}</h3>
            <table className="table">
              <thead>
                <tr>
                  <th>{t("identity.serviceId")}</th>
                  <th>{t("identity.serviceType")}</th>
                  <th>{t("identity.endpoint")}</th>
                </tr>
              </thead>
              <tbody>
                {(doc.service ?? []).map((s) => (
                  <tr key={s.id}>
                    <td>
                      <code>{s.id.includes("#") ? `#${s.id.split("#").pop()}` : s.id}</code>
                    </td>
                    <td>{Array.isArray(s.type) ? s.type.join(", ") : s.type}</td>
                    <td className="small">
                      <code>
                        {typeof s.serviceEndpoint === "string" ? s.serviceEndpoint : JSON.stringify(s.serviceEndpoint)}
                      </code>
                    </td>
                  </tr>
                ))}
                {(doc.service ?? []).length === 0 && <EmptyRow colSpan={3}>{t("common.none")}</EmptyRow>}
              </tbody>
            </table>
            <details>
              <summary>{t("identity.raw")}</summary>
              <pre className="json">{JSON.stringify({ document: v.document, metadata: v.metadata }, null, 2)}</pre>
            </details>
          </>
        )}
      </Card>
    </div>
  );
}

function ByDid({ initial }: { initial: string }) {
  const { t } = useLocale();
  const { config } = usePlatform();
  const [input, setInput] = useState(initial);
  const [did, setDid] = useState(DID_PATTERN.test(initial) ? initial : "");
  const [invalid, setInvalid] = useState(false);
  // Suggestions: the simulated fleet's DIDs, when a simulator runs.
  const fleet = usePoll("fleet", (signal) => getJson<SimState>("/v1/sim/state", { signal }), 0, config?.sim === true);
  const suggestions = (fleet.data?.vehicles ?? []).slice(0, 50);
  useEffect(() => {
    if (DID_PATTERN.test(initial)) {
      setInput(initial);
      setDid(initial);
    }
  }, [initial]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = input.trim();
    if (!DID_PATTERN.test(value)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setDid(value);
    replaceParams("identity", { did: value });
  };
  return (
    <>
      <form className="search" onSubmit={submit}>
        <input
          data-testid="did-input"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          placeholder="did:amc:…"
          list="fleet-dids"
          spellCheck={false}
        />
        <datalist id="fleet-dids">
          {suggestions.map((v) => (
            <option key={v.id} value={v.did}>
              {v.id}
            </option>
          ))}
        </datalist>
        <button type="submit" className="primary" data-testid="did-search">
          {t("identity.search")}
        </button>
      </form>
      {invalid && <div className="state state-error">{t("identity.badDid")}</div>}
      {did ? <Vehicle key={did} did={did} /> : <p className="muted">{t("identity.didHint")}</p>}
    </>
  );
}

function ByVin({ onFound }: { onFound: (did: string) => void }) {
  const { t } = useLocale();
  const { config, account } = usePlatform();
  const [vin, setVin] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ did: string } | { error: unknown }>();
  const member = memberOf(config, account?.address);
  const authorised = member?.roles.some((r) => VIN_ROLES.includes(r)) ?? false;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = vin.trim().toUpperCase();
    if (!VIN_PATTERN.test(value)) {
      setResult({ error: new Error(t("identity.badVin")) });
      return;
    }
    setBusy(true);
    setResult(undefined);
    try {
      const headers: Record<string, string> = {};
      if (account) {
        const audience = config?.audience ?? (await getJson<DataConfig>("/v1/data/config")).audience;
        headers.authorization = `Owner ${await ownerToken(account, audience)}`;
      }
      setResult(await getJson<{ did: string }>(`/v1/identity/vin/${encodeURIComponent(value)}`, { headers }));
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      {!account && <SignIn reason={t("identity.vinSignIn")} />}
      {account && !authorised && (
        <div className="state state-warn" data-testid="vin-role-warning">
          {t("identity.vinNoRole", { roles: VIN_ROLES.map((r) => t(`role.${r}` as MessageKey)).join(" / ") })}
        </div>
      )}
      <form className="search" onSubmit={submit}>
        <input
          data-testid="vin-input"
          value={vin}
          onChange={(e) => setVin(e.target.value)}
          placeholder={t("identity.vinPlaceholder")}
          maxLength={17}
          spellCheck={false}
        />
        <button type="submit" className="primary" disabled={busy} data-testid="vin-search">
          {busy ? t("common.working") : t("identity.search")}
        </button>
      </form>
      {result && "did" in result && (
        <div className="state state-ok" data-testid="vin-result">
          <code>{result.did}</code>{" "}
          <button type="button" className="link" onClick={() => onFound(result.did)}>
            {t("identity.open")}
          </button>
        </div>
      )}
      {result && "error" in result && (
        <div data-testid="vin-error">
          {result.error instanceof ApiError && (result.error.status === 401 || result.error.status === 403) && (
            <p className="muted small">{t(result.error.status === 401 ? "identity.vin401" : "identity.vin403")}</p>
          )}
          <ErrorBox error={result.error} />
        </div>
      )}
    </div>
  );
}

export default function Identity({ params }: { params: URLSearchParams }) {
  const { t } = useLocale();
  const [tab, setTab] = useState<"did" | "vin">(params.get("tab") === "vin" ? "vin" : "did");
  const [did, setDid] = useState(params.get("did") ?? "");
  return (
    <Page name="identity" title={t("identity.title")}>
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === "did"}
          className={tab === "did" ? "active" : ""}
          onClick={() => setTab("did")}
          data-testid="tab-did"
        >
          {t("identity.byDid")}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "vin"}
          className={tab === "vin" ? "active" : ""}
          onClick={() => setTab("vin")}
          data-testid="tab-vin"
        >
          {t("identity.byVin")}
        </button>
      </div>
      {tab === "did" ? (
        <ByDid initial={did} />
      ) : (
        <ByVin
          onFound={(found) => {
            setDid(found);
            setTab("did");
            replaceParams("identity", { did: found });
          }}
        />
      )}
    </Page>
  );
}
