// Data page, for a vehicle owner: sign in, pick one of my vehicles (the DIDs this account controls), then see my
// data objects, the consents I granted (each revocable: the browser signs an EIP-712 revocation and the gateway
// relays it to the ConsentRegistry) and the disclosure log — everyone who read my data, when, why and what.
// Every owner request carries a fresh single-use Owner token (packages/data/src/ownerAuth.ts).
import { useEffect, useState } from "react";
import { type Consent, type DataConfig, type DataObject, type Disclosure, getJson, type Hex } from "../api.js";
import { SignIn } from "../components/SignIn.js";
import { Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page, type Tone } from "../components/ui.js";
import { formatNumber, formatTime, shortDid } from "../format.js";
import { replaceParams, useNow, usePoll } from "../hooks.js";
import { type DashboardAccount, ownerToken, signRevocationInBrowser } from "../lib/wallet.js";
import { useLocale } from "../locale.js";
import { usePlatform } from "../platform.js";

/** How long a signed revocation stays valid for the gateway to relay it (s). */
const REVOCATION_TTL = 600;

async function ownerGet<T>(account: DashboardAccount, config: DataConfig, path: string, signal: AbortSignal) {
  const token = await ownerToken(account, config.audience);
  return getJson<T>(path, { signal, headers: { authorization: `Owner ${token}` } });
}

function consentState(
  c: Consent,
  nowSeconds: number,
): { key: "active" | "revoked" | "expired" | "notYet"; tone: Tone } {
  if (c.status === "revoked") return { key: "revoked", tone: "bad" };
  if (nowSeconds >= c.validUntil) return { key: "expired", tone: "muted" };
  if (nowSeconds < c.validFrom) return { key: "notYet", tone: "info" };
  return { key: "active", tone: "ok" };
}

function VehicleData({ account, config, subject }: { account: DashboardAccount; config: DataConfig; subject: string }) {
  const { t, locale } = useLocale();
  const now = useNow(5000) / 1000;
  const q = `?subject=${encodeURIComponent(subject)}`;
  const key = `${account.address}:${subject}`;
  const objects = usePoll(
    `objects:${key}`,
    (signal) => ownerGet<{ objects: DataObject[] }>(account, config, `/v1/data/objects${q}`, signal),
    5000,
  );
  const consents = usePoll(
    `consents:${key}`,
    (signal) => ownerGet<{ consents: Consent[] }>(account, config, `/v1/data/consents${q}`, signal),
    5000,
  );
  const disclosures = usePoll(
    `disclosures:${key}`,
    (signal) => ownerGet<{ disclosures: Disclosure[] }>(account, config, `/v1/data/disclosures${q}`, signal),
    5000,
  );
  const [revoking, setRevoking] = useState<Hex>();
  const [revokeError, setRevokeError] = useState<unknown>();

  const revoke = async (consentId: Hex) => {
    setRevoking(consentId);
    setRevokeError(undefined);
    try {
      const deadline = Math.floor(Date.now() / 1000) + REVOCATION_TTL;
      const signature = await signRevocationInBrowser(account, {
        chainId: config.chainId,
        consentRegistry: config.consentRegistry,
        consentId,
        deadline,
      });
      await getJson<Consent>(`/v1/data/consents/${consentId}/revoke`, {
        method: "POST",
        body: JSON.stringify({ deadline, signature }),
      });
      consents.refresh();
    } catch (error) {
      setRevokeError(error);
    } finally {
      setRevoking(undefined);
    }
  };

  const objectList = objects.data?.objects ?? [];
  const objectKind = new Map(objectList.map((o) => [o.objectId, o.kind]));
  const consentList = consents.data?.consents ?? [];
  const disclosureList = [...(disclosures.data?.disclosures ?? [])].reverse();

  return (
    <div className="stack">
      <Card title={t("data.objects")} actions={<span className="muted small">{objectList.length}</span>}>
        {objects.error !== undefined && <ErrorBox error={objects.error} />}
        {objects.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("data.objectId")}</th>
                <th>{t("data.kind")}</th>
                <th>{t("data.class")}</th>
                <th>{t("data.size")}</th>
                <th>{t("data.uploaded")}</th>
                <th>{t("data.anchor")}</th>
                <th>{t("data.erased")}</th>
              </tr>
            </thead>
            <tbody>
              {objectList.map((o) => (
                <tr key={o.objectId} data-testid="object-row" className={o.erasedAt ? "erased" : ""}>
                  <td>
                    <HashText value={o.objectId} />
                  </td>
                  <td>{o.kind}</td>
                  <td>
                    <Badge tone="muted">{o.dataClass}</Badge>
                  </td>
                  <td>{formatNumber(o.size, locale)} B</td>
                  <td className="small">{formatTime(o.uploadedAt, locale)}</td>
                  <td>
                    {o.anchorTx ? <HashText value={o.anchorTx} /> : <Badge tone="warn">{t("data.notAnchored")}</Badge>}
                  </td>
                  <td>
                    {o.erasedAt ? (
                      <Badge tone="bad">
                        {t("data.erasedAt", { time: formatTime(o.erasedAt, locale) })}
                        {o.eraseReason ? ` (${o.eraseReason})` : ""}
                      </Badge>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
              {objectList.length === 0 && <EmptyRow colSpan={7}>{t("data.noObjects")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>

      <Card title={t("data.consents")} actions={<span className="muted small">{consentList.length}</span>}>
        {consents.error !== undefined && <ErrorBox error={consents.error} />}
        {revokeError !== undefined && <ErrorBox error={revokeError} title={t("data.revokeFailed")} />}
        {consents.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("data.consentId")}</th>
                <th>{t("data.grantee")}</th>
                <th>{t("data.scopes")}</th>
                <th>{t("data.purpose")}</th>
                <th>{t("data.expires")}</th>
                <th>{t("common.status")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {consentList.map((c) => {
                const state = consentState(c, now);
                return (
                  <tr key={c.consentId} data-testid={`consent-row-${c.consentId}`} data-status={state.key}>
                    <td>
                      <HashText value={c.consentId} />
                    </td>
                    <td>
                      <code className="hash" title={c.grantee}>
                        {shortDid(c.grantee)}
                      </code>
                    </td>
                    <td>
                      {c.scopes.map((s) => (
                        <Badge key={s} tone="muted">
                          {s}
                        </Badge>
                      ))}
                    </td>
                    <td>{c.purpose}</td>
                    <td className="small">{formatTime(c.validUntil, locale)}</td>
                    <td>
                      <Badge tone={state.tone} testId={`consent-status-${c.consentId}`}>
                        {t(`consent.${state.key}`)}
                      </Badge>
                    </td>
                    <td>
                      {c.status !== "revoked" && (
                        <button
                          type="button"
                          className="danger"
                          data-testid={`revoke-${c.consentId}`}
                          disabled={revoking !== undefined}
                          onClick={() => void revoke(c.consentId)}
                        >
                          {revoking === c.consentId ? t("common.working") : t("data.revoke")}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
              {consentList.length === 0 && <EmptyRow colSpan={7}>{t("data.noConsents")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>

      <Card title={t("data.disclosures")} actions={<span className="muted small">{disclosureList.length}</span>}>
        <p className="muted small">{t("data.disclosuresIntro")}</p>
        {disclosures.error !== undefined && <ErrorBox error={disclosures.error} />}
        {disclosures.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>#</th>
                <th>{t("data.who")}</th>
                <th>{t("common.time")}</th>
                <th>{t("data.purpose")}</th>
                <th>{t("data.object")}</th>
                <th>{t("data.consentId")}</th>
                <th>{t("data.anchored")}</th>
              </tr>
            </thead>
            <tbody>
              {disclosureList.map((d) => (
                <tr key={d.seq} data-testid="disclosure-row">
                  <td>{d.seq}</td>
                  <td>
                    <code className="hash" title={d.consumer}>
                      {shortDid(d.consumer)}
                    </code>
                  </td>
                  <td className="small">{formatTime(d.at, locale)}</td>
                  <td>{d.purpose}</td>
                  <td>
                    <HashText value={d.objectId} />
                    {objectKind.get(d.objectId) && <span className="muted small"> {objectKind.get(d.objectId)}</span>}
                  </td>
                  <td>
                    <HashText value={d.consentId} />
                  </td>
                  <td>
                    {d.anchorIndex === null ? (
                      <Badge tone="warn">{t("data.notAnchored")}</Badge>
                    ) : (
                      <Badge tone="ok">{t("data.anchorN", { n: d.anchorIndex })}</Badge>
                    )}
                  </td>
                </tr>
              ))}
              {disclosureList.length === 0 && <EmptyRow colSpan={7}>{t("data.noDisclosures")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

export default function Data({ params }: { params: URLSearchParams }) {
  const { t } = useLocale();
  const { account } = usePlatform();
  const dataConfig = usePoll("data-config", (signal) => getJson<DataConfig>("/v1/data/config", { signal }), 0);
  const vehicles = usePoll(
    `controlled:${account?.address ?? ""}`,
    (signal) => getJson<{ dids: string[] }>(`/v1/identity/controlled/${account?.address}`, { signal }),
    10_000,
    account !== undefined,
  );
  const [subject, setSubject] = useState<string | undefined>(params.get("vehicle") ?? undefined);
  const dids = vehicles.data?.dids ?? [];
  // Choose the first vehicle when none (or one this account does not control) is chosen.
  useEffect(() => {
    if (!vehicles.data) return;
    if (!subject || !vehicles.data.dids.includes(subject)) setSubject(vehicles.data.dids[0]);
  }, [vehicles.data, subject]);

  if (!account)
    return (
      <Page name="data" title={t("data.title")}>
        <SignIn reason={t("data.signInReason")} />
      </Page>
    );

  return (
    <Page name="data" title={t("data.title")}>
      <Card title={t("data.myVehicles")}>
        {vehicles.error !== undefined && <ErrorBox error={vehicles.error} />}
        {dataConfig.error !== undefined && <ErrorBox error={dataConfig.error} />}
        {vehicles.loading ? (
          <Loading />
        ) : dids.length === 0 ? (
          <p className="muted" data-testid="no-vehicles">
            {t("data.noVehicles")}
          </p>
        ) : (
          <div className="vehicle-picker" data-testid="my-vehicles">
            {dids.map((did) => (
              <button
                type="button"
                key={did}
                className={did === subject ? "chip active" : "chip"}
                onClick={() => {
                  setSubject(did);
                  replaceParams("data", { vehicle: did });
                }}
                title={did}
                data-testid="vehicle-choice"
              >
                {shortDid(did)}
              </button>
            ))}
          </div>
        )}
        {subject && (
          <p className="small">
            <a href={`#/identity?did=${encodeURIComponent(subject)}`}>{t("data.openIdentity")}</a>
          </p>
        )}
      </Card>
      {subject && dataConfig.data && (
        <VehicleData
          key={`${account.address}:${subject}`}
          account={account}
          config={dataConfig.data}
          subject={subject}
        />
      )}
    </Page>
  );
}
