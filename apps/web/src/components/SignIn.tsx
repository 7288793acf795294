// Sign-in of a consortium member or vehicle owner. When the platform runs on the public anvil test mnemonic
// (config.devKeys) the user picks a test account; otherwise, or as well, a private key can be pasted. Keys stay in
// memory only (a reload forgets them); for test accounts only the index is remembered for the tab.
import { useMemo, useState } from "react";
import type { Hex } from "../api.js";
import { accountFromDevIndex, accountFromPrivateKey, devAccounts } from "../lib/wallet.js";
import { useLocale } from "../locale.js";
import { memberOf, usePlatform } from "../platform.js";

export function SignIn({ reason }: { reason?: string }) {
  const { t } = useLocale();
  const { config, signIn } = usePlatform();
  const devKeys = config?.devKeys === true;
  const options = useMemo(() => {
    if (!devKeys) return [];
    return devAccounts().map((a) => {
      const member = memberOf(config, a.address);
      return { index: a.index, label: member ? `dev:${a.index} — ${member.name} (${t("signin.testKey")})` : a.label };
    });
  }, [devKeys, config, t]);
  const [index, setIndex] = useState<number | undefined>();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string>();
  const chosen = index ?? options[0]?.index;

  const chooseDev = () => {
    if (chosen === undefined) return;
    signIn(accountFromDevIndex(chosen), chosen);
  };
  const chooseKey = () => {
    const trimmed = key.trim();
    const normalised = (trimmed.startsWith("0x") ? trimmed : `0x${trimmed}`) as Hex;
    if (!/^0x[0-9a-fA-F]{64}$/.test(normalised)) {
      setError(t("signin.badKey"));
      return;
    }
    try {
      signIn(accountFromPrivateKey(normalised));
      setKey("");
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <div className="signin card" data-testid="signin">
      <h2>{t("signin.title")}</h2>
      {reason && <p className="muted">{reason}</p>}
      {devKeys && (
        <div className="signin-row">
          <label htmlFor="signin-dev">{t("signin.devAccount")}</label>
          <select
            id="signin-dev"
            data-testid="signin-dev"
            value={chosen ?? ""}
            onChange={(e) => setIndex(Number(e.target.value))}
          >
            {options.map((o) => (
              <option key={o.index} value={o.index}>
                {o.label}
              </option>
            ))}
          </select>
          <button type="button" className="primary" onClick={chooseDev} data-testid="signin-dev-go">
            {t("signin.go")}
          </button>
        </div>
      )}
      <div className="signin-row">
        <label htmlFor="signin-key">{t("signin.pasteKey")}</label>
        <input
          id="signin-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="0x…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && chooseKey()}
        />
        <button type="button" onClick={chooseKey} disabled={!key.trim()}>
          {t("signin.go")}
        </button>
      </div>
      <p className="warn-note">{t("signin.keyWarning")}</p>
      {error && (
        <p className="state state-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
