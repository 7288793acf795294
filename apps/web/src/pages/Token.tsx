// Token page: AMCT's five allocations (a donut and their vested/locked amounts now), the release curves over the
// first ten years — sampled from the gateway's /v1/token/schedule at 31 dates fetched in parallel and cached for the
// session, so the chart shows what the deployed contracts compute, not a copy of the rules — the reward epochs,
// and the signed-in account's claims.
import { useEffect, useState } from "react";
import { type AllocationName, type Claim, type EpochsResponse, getJson, type TokenSchedule } from "../api.js";
import { Donut, LineChart, type Series } from "../components/charts.js";
import { SignIn } from "../components/SignIn.js";
import { Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page } from "../components/ui.js";
import { formatNumber, formatTime, formatUnits18, unitsToNumber } from "../format.js";
import { useNow, usePoll } from "../hooks.js";
import type { MessageKey } from "../i18n.js";
import { useLocale } from "../locale.js";
import { usePlatform } from "../platform.js";

const YEAR = 365 * 86_400;
const SAMPLES = 31;
const YEARS = 10;
const COLOURS: Record<AllocationName, string> = {
  mining: "#0ea5e9",
  ido: "#22c55e",
  technology: "#a855f7",
  operations: "#f59e0b",
  foundation: "#ef4444",
};

/** Schedules by Unix time, for the session: the curve's dates do not change while the launch does not. */
const scheduleCache = new Map<number, Promise<TokenSchedule>>();
function scheduleAt(at: number): Promise<TokenSchedule> {
  let cached = scheduleCache.get(at);
  if (!cached) {
    cached = getJson<TokenSchedule>(`/v1/token/schedule?at=${at}`);
    scheduleCache.set(at, cached);
    cached.catch(() => scheduleCache.delete(at));
  }
  return cached;
}

function useVestingCurves(launch: number | undefined) {
  const [state, setState] = useState<{ samples?: { year: number; schedule: TokenSchedule }[]; error?: unknown }>({});
  useEffect(() => {
    if (launch === undefined) return;
    let live = true;
    const dates = Array.from({ length: SAMPLES }, (_, i) => launch + Math.round((i * YEARS * YEAR) / (SAMPLES - 1)));
    Promise.all(dates.map((at) => scheduleAt(at)))
      .then((schedules) => {
        if (live)
          setState({ samples: schedules.map((schedule, i) => ({ year: (i * YEARS) / (SAMPLES - 1), schedule })) });
      })
      .catch((error) => {
        if (live) setState({ error });
      });
    return () => {
      live = false;
    };
  }, [launch]);
  return state;
}

function Claims({ address }: { address: string }) {
  const { t, locale } = useLocale();
  const claims = usePoll(
    `claims:${address}`,
    (signal) => getJson<{ claims: Claim[] }>(`/v1/token/claims/${address}`, { signal }),
    10_000,
  );
  const list = claims.data?.claims ?? [];
  const total = list.reduce((s, c) => s + BigInt(c.amount), 0n);
  return (
    <>
      {claims.error !== undefined && <ErrorBox error={claims.error} />}
      {claims.loading ? (
        <Loading />
      ) : (
        <>
          <p>
            {t("token.claimsTotal")}: <strong data-testid="claims-total">{formatUnits18(total, locale)} AMCT</strong>
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>{t("token.epoch")}</th>
                <th>{t("token.amount")}</th>
                <th>{t("token.points")}</th>
                <th>{t("token.committed")}</th>
                <th>{t("token.claimed")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.epoch} data-testid="claim-row">
                  <td>{c.epoch}</td>
                  <td>{formatUnits18(c.amount, locale, 4)} AMCT</td>
                  <td>{c.points}</td>
                  <td>
                    <Badge tone={c.committed ? "ok" : "warn"}>{c.committed ? t("common.yes") : t("common.no")}</Badge>
                  </td>
                  <td>
                    <Badge tone={c.claimed ? "ok" : "muted"}>{c.claimed ? t("common.yes") : t("common.no")}</Badge>
                  </td>
                </tr>
              ))}
              {list.length === 0 && <EmptyRow colSpan={5}>{t("token.noClaims")}</EmptyRow>}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

export default function Token() {
  const { t, locale } = useLocale();
  const { account } = usePlatform();
  const now = useNow(1000);
  const current = usePoll("token-now", (signal) => getJson<TokenSchedule>("/v1/token/schedule", { signal }), 10_000);
  const epochs = usePoll("epochs", (signal) => getJson<EpochsResponse>("/v1/token/epochs?limit=50", { signal }), 5000);
  const launch = current.data ? Number(current.data.launch) : undefined;
  const curves = useVestingCurves(launch);

  const schedule = current.data?.schedule ?? [];
  const series: Series[] = schedule
    .filter((a) => a.vested !== null || a.name === "operations")
    .map((a) => ({
      name: a.name,
      label: t(`token.alloc.${a.name}` as MessageKey),
      color: COLOURS[a.name],
      dashed: a.name === "operations",
      points: (curves.samples ?? []).map((s) => {
        const row = s.schedule.schedule.find((x) => x.name === a.name);
        return { x: s.year, y: row?.vested ? unitsToNumber(row.vested) / 1e6 : 0 };
      }),
    }));
  const yMax = Math.max(1, ...schedule.map((a) => unitsToNumber(a.total) / 1e6));
  const nowYears = launch !== undefined && current.data ? (Number(current.data.at) - launch) / YEAR : undefined;
  const epochList = epochs.data?.epochs ?? [];

  return (
    <Page name="token" title={t("token.title")}>
      <div className="grid-2">
        <Card title={t("token.allocations")}>
          {current.error !== undefined && <ErrorBox error={current.error} />}
          {current.loading ? (
            <Loading />
          ) : current.data ? (
            <div className="allocations">
              <Donut
                slices={schedule.map((a) => ({
                  name: a.name,
                  label: `${t(`token.alloc.${a.name}` as MessageKey)} ${a.shareBps / 100}%`,
                  value: a.shareBps,
                  color: COLOURS[a.name],
                }))}
                centre={`${formatUnits18(current.data.totalSupply, locale, 0)}`}
                testId="allocation-chart"
              />
              <table className="table">
                <thead>
                  <tr>
                    <th>{t("token.allocation")}</th>
                    <th>{t("token.share")}</th>
                    <th>{t("token.total")}</th>
                    <th>{t("token.vested")}</th>
                    <th>{t("token.locked")}</th>
                  </tr>
                </thead>
                <tbody>
                  {schedule.map((a) => (
                    <tr key={a.name} data-testid={`allocation-${a.name}`}>
                      <td>
                        <span className="swatch" style={{ background: COLOURS[a.name] }} />
                        {t(`token.alloc.${a.name}` as MessageKey)}
                        <div className="muted small">{t(`token.rule.${a.name}` as MessageKey)}</div>
                      </td>
                      <td>{formatNumber(a.shareBps / 100, locale, 1)}%</td>
                      <td>{formatUnits18(a.total, locale, 0)}</td>
                      <td>{a.vested === null ? "—" : formatUnits18(a.vested, locale, 0)}</td>
                      <td>{a.locked === null ? "—" : formatUnits18(a.locked, locale, 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted small">
                {t("token.supplyAt", {
                  supply: formatUnits18(current.data.totalSupply, locale, 0),
                  time: formatTime(Number(current.data.at), locale),
                })}
              </p>
            </div>
          ) : null}
        </Card>
        <Card title={t("token.vesting")}>
          {curves.error !== undefined && <ErrorBox error={curves.error} />}
          {!curves.samples ? (
            current.data ? (
              <Loading label={t("token.sampling", { n: SAMPLES })} />
            ) : null
          ) : (
            <LineChart
              series={series}
              xDomain={[0, YEARS]}
              yDomain={[0, Math.ceil(yMax / 10) * 10]}
              xLabel={t("token.yearsAfterLaunch")}
              yLabel={t("token.millionAmct")}
              formatX={(v) => String(v)}
              formatY={(v) => formatNumber(v, locale)}
              marker={nowYears !== undefined ? { x: nowYears, label: t("token.now") } : undefined}
              testId="vesting-chart"
            />
          )}
          <p className="muted small">{t("token.vestingNote")}</p>
        </Card>
      </div>

      <Card title={t("token.epochs")}>
        {epochs.error !== undefined && <ErrorBox error={epochs.error} />}
        {epochs.data && (
          <p data-testid="current-epoch">
            {t("token.currentEpoch", {
              n: epochs.data.current.epoch,
              emission: formatUnits18(epochs.data.current.emission, locale, 0),
            })}{" "}
            <span className="muted small">
              {t("token.endsIn", {
                time: formatTime(epochs.data.current.endsAt, locale),
              })}
              {epochs.data.current.endsAt > now / 1000 &&
                ` (${formatNumber((epochs.data.current.endsAt - now / 1000) / 3600, locale, 1)} h)`}
            </span>
          </p>
        )}
        {epochs.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("token.epoch")}</th>
                <th>{t("token.window")}</th>
                <th>{t("token.emission")}</th>
                <th>{t("token.distributed")}</th>
                <th>{t("token.accounts")}</th>
                <th>{t("token.root")}</th>
                <th>{t("token.commit")}</th>
              </tr>
            </thead>
            <tbody>
              {epochList.map((e) => (
                <tr key={e.epoch} data-testid="epoch-row">
                  <td>{e.epoch}</td>
                  <td className="small">
                    {formatTime(e.window.start, locale)} – {formatTime(e.window.end, locale)}
                  </td>
                  <td>{formatUnits18(e.emission, locale, 0)}</td>
                  <td>{formatUnits18(e.total, locale, 2)}</td>
                  <td>{e.accounts}</td>
                  <td>
                    <HashText value={e.root} />
                  </td>
                  <td>
                    {e.commitTx ? (
                      <HashText value={e.commitTx} />
                    ) : e.commitError ? (
                      <Badge tone="bad">
                        <span title={e.commitError}>{t("token.commitFailed")}</span>
                      </Badge>
                    ) : (
                      <Badge tone="warn">{t("token.notCommitted")}</Badge>
                    )}
                  </td>
                </tr>
              ))}
              {epochList.length === 0 && <EmptyRow colSpan={7}>{t("token.noEpochs")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>

      <Card title={t("token.myClaims")}>
        {account ? <Claims address={account.address} /> : <SignIn reason={t("token.signInReason")} />}
      </Card>
    </Page>
  );
}
