// Small building blocks every page uses: loading and error states (problem details shown as title, status and
// detail), status badges, shortened hashes with the full value on hover, ages, and the empty-table row.
import type { ReactNode } from "react";
import { ApiError } from "../api.js";
import { ageParts, shortHex } from "../format.js";
import type { MessageKey } from "../i18n.js";
import { useLocale } from "../locale.js";

export function Loading({ label }: { label?: string }) {
  const { t } = useLocale();
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ?? t("common.loading")}
    </div>
  );
}

/** True when the error says the platform runs without a simulator (503 from /v1/sim/*). */
export function isSimOff(error: unknown): boolean {
  return (
    error instanceof ApiError && (error.status === 503 || (error.status === 404 && error.path.startsWith("/v1/sim")))
  );
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  const { t } = useLocale();
  if (isSimOff(error))
    return (
      <div className="state state-warn" role="alert" data-testid="sim-off">
        {t("sim.notRunning")}
      </div>
    );
  if (error instanceof ApiError)
    return (
      <div className="state state-error" role="alert" data-testid="problem" data-status={error.status}>
        <div className="problem-title">
          {title ? `${title}: ` : ""}
          {error.status === 0 ? t("common.unreachable") : error.title}
          {error.status > 0 && <span className="problem-status">HTTP {error.status}</span>}
        </div>
        {error.detail && <div className="problem-detail">{error.detail}</div>}
        {error.fix && <div className="problem-detail small">→ {error.fix}</div>}
      </div>
    );
  return (
    <div className="state state-error" role="alert">
      {title ? `${title}: ` : ""}
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

export function Badge({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

/** A hash or address, shortened, full value in the tooltip and selectable. */
export function HashText({ value, head, tail }: { value: string | null | undefined; head?: number; tail?: number }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <code className="hash" title={value}>
      {shortHex(value, head, tail)}
    </code>
  );
}

/** "12 s ago" for an age in seconds. */
export function Age({ seconds }: { seconds: number }) {
  const { t } = useLocale();
  const { n, unit } = ageParts(seconds);
  return <span className="age">{t(`age.${unit}` as MessageKey, { n })}</span>;
}

export function Card({
  title,
  children,
  actions,
  className,
  testId,
}: {
  title?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`card ${className ?? ""}`} data-testid={testId}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr className="empty">
      <td colSpan={colSpan}>{children}</td>
    </tr>
  );
}

/** A page's root: the test hook `page-<name>` and its heading. */
export function Page({
  name,
  title,
  children,
  aside,
}: {
  name: string;
  title: string;
  children: ReactNode;
  aside?: ReactNode;
}) {
  return (
    <main className={`page page-${name}`} data-testid={`page-${name}`}>
      <div className="page-head">
        <h1>{title}</h1>
        {aside}
      </div>
      {children}
    </main>
  );
}
