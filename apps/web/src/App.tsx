// The dashboard's shell: dark header (name, pages, network badge, language switch, signed-in account) and the page
// of the hash route. Pages load lazily, so the map's h3-js and the proof checker's crypto only load when opened.
import { lazy, Suspense } from "react";
import { ErrorBoundary } from "./components/ErrorBoundary.js";
import { Badge, Loading } from "./components/ui.js";
import { shortHex } from "./format.js";
import { useRoute } from "./hooks.js";
import type { MessageKey } from "./i18n.js";
import { useLocale } from "./locale.js";
import { memberOf, usePlatform } from "./platform.js";

const pages = {
  network: lazy(() => import("./pages/Network.js")),
  map: lazy(() => import("./pages/MapPage.js")),
  identity: lazy(() => import("./pages/Identity.js")),
  edge: lazy(() => import("./pages/Edge.js")),
  data: lazy(() => import("./pages/Data.js")),
  token: lazy(() => import("./pages/Token.js")),
  fl: lazy(() => import("./pages/Fl.js")),
} as const;
type PageName = keyof typeof pages;
const pageNames = Object.keys(pages) as PageName[];
const isPage = (name: string): name is PageName => name in pages;

function Header({ page }: { page: string }) {
  const { t, lang, setLang } = useLocale();
  const { config, configError, account, signOut } = usePlatform();
  const member = memberOf(config, account?.address);
  return (
    <header className="topbar">
      <a className="brand" href="#/network">
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
          <rect width="24" height="24" rx="6" fill="#1e293b" />
          <path d="M4 16l4-8h8l4 8z" fill="#38bdf8" />
          <circle cx="8" cy="17" r="2" fill="#f8fafc" />
          <circle cx="16" cy="17" r="2" fill="#f8fafc" />
        </svg>
        <span>AutoMobile Chain</span>
      </a>
      <nav>
        {pageNames.map((name) => (
          <a key={name} href={`#/${name}`} className={name === page ? "active" : ""} data-testid={`nav-${name}`}>
            {t(`nav.${name}` as MessageKey)}
          </a>
        ))}
      </nav>
      <div className="topbar-right">
        {config ? (
          <Badge tone="info" testId="network-badge">
            {t("header.network", { name: config.network })}
          </Badge>
        ) : configError ? (
          <Badge tone="bad" testId="network-badge">
            {t("header.offline")}
          </Badge>
        ) : (
          <Badge tone="muted" testId="network-badge">
            …
          </Badge>
        )}
        <button
          type="button"
          className="lang-switch"
          data-testid="lang-switch"
          onClick={() => setLang(lang === "en" ? "zh" : "en")}
          title={t("header.language")}
        >
          {lang === "en" ? "中文" : "English"}
        </button>
        {account ? (
          <span className="account" data-testid="account">
            <span title={account.address}>{member?.name ?? account.label}</span>
            <code>{shortHex(account.address, 4, 4)}</code>
            <button type="button" className="link" onClick={signOut} data-testid="sign-out">
              {t("header.signOut")}
            </button>
          </span>
        ) : (
          <span className="account account-empty">{t("header.notSignedIn")}</span>
        )}
      </div>
    </header>
  );
}

export function App() {
  const route = useRoute();
  const { t } = useLocale();
  const name = isPage(route.page) ? route.page : undefined;
  const Page = name ? pages[name] : undefined;
  return (
    <>
      <Header page={route.page} />
      <ErrorBoundary key={route.page}>
        <Suspense fallback={<Loading />}>
          {Page ? (
            <Page params={route.params} />
          ) : (
            <main className="page" data-testid="page-unknown">
              <h1>{t("common.notFound")}</h1>
              <p>
                <a href="#/network">{t("nav.network")}</a>
              </p>
            </main>
          )}
        </Suspense>
      </ErrorBoundary>
      <footer className="footer">{t("footer.text")}</footer>
    </>
  );
}
