// The platform as the whole dashboard sees it: /v1/dashboard/config (network, chains, members, dev keys, simulator),
// fetched once and retried until it answers, and the signed-in account. A signed-in account lives in memory only;
// for the public test accounts just their index is remembered in sessionStorage, never a key.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type DashboardConfig, getJson } from "./api.js";
import { usePoll } from "./hooks.js";
import { accountFromDevIndex, type DashboardAccount } from "./lib/wallet.js";

const DEV_INDEX_KEY = "amc.devIndex";

type PlatformValue = {
  config: DashboardConfig | undefined;
  configError: unknown;
  account: DashboardAccount | undefined;
  /** Signs in; `devIndex` (a public test account) is remembered for this browser tab. */
  signIn: (account: DashboardAccount, devIndex?: number) => void;
  signOut: () => void;
};

const PlatformContext = createContext<PlatformValue | undefined>(undefined);

export function PlatformProvider({ children }: { children: ReactNode }) {
  // Retried every 3 s until it answers, then never again (the config does not change while the platform runs).
  const [loaded, setLoaded] = useState(false);
  const poll = usePoll(
    "config",
    (signal) => getJson<DashboardConfig>("/v1/dashboard/config", { signal }),
    3000,
    !loaded,
  );
  const config = poll.data;
  useEffect(() => {
    if (config) setLoaded(true);
  }, [config]);

  const [account, setAccount] = useState<DashboardAccount>();
  // Restore a remembered test account once the config confirms that the platform uses the public test keys.
  useEffect(() => {
    if (!config?.devKeys || account) return;
    const stored = window.sessionStorage.getItem(DEV_INDEX_KEY);
    if (stored === null || !/^\d{1,3}$/.test(stored)) return;
    setAccount(accountFromDevIndex(Number(stored)));
  }, [config, account]);

  const signIn = useCallback((next: DashboardAccount, devIndex?: number) => {
    setAccount(next);
    if (devIndex === undefined) window.sessionStorage.removeItem(DEV_INDEX_KEY);
    else window.sessionStorage.setItem(DEV_INDEX_KEY, String(devIndex));
  }, []);
  const signOut = useCallback(() => {
    setAccount(undefined);
    window.sessionStorage.removeItem(DEV_INDEX_KEY);
  }, []);

  const value = useMemo<PlatformValue>(
    () => ({ config, configError: config ? undefined : poll.error, account, signIn, signOut }),
    [config, poll.error, account, signIn, signOut],
  );
  return <PlatformContext.Provider value={value}>{children}</PlatformContext.Provider>;
}

export function usePlatform(): PlatformValue {
  const value = useContext(PlatformContext);
  if (!value) throw new Error("usePlatform needs a <PlatformProvider> above it");
  return value;
}

/** The consortium member an address belongs to, from the config. */
export function memberOf(config: DashboardConfig | undefined, address: string | undefined) {
  if (!config || !address) return undefined;
  const lower = address.toLowerCase();
  return config.members.find((m) => m.address.toLowerCase() === lower);
}
