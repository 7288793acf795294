// The language of the dashboard as React context: English or 中文, chosen in the header, kept in localStorage and
// mirrored on <html lang> so screen readers and fonts follow. Every visible string goes through `t`.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { isLang, isMessageKey, type Lang, type MessageKey, translate, type Vars } from "./i18n.js";

const STORAGE_KEY = "amc.lang";

type LocaleValue = {
  lang: Lang;
  /** BCP 47 tag for Intl formatting. */
  locale: string;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  /** For keys built at run time from data (a lifecycle state, say): the fallback when the dictionary lacks it. */
  tOr: (key: string, fallback: string) => string;
};

const LocaleContext = createContext<LocaleValue | undefined>(undefined);

function initialLang(): Lang {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // Storage can be disabled (private mode); the browser's language decides then.
  }
  return navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted when storage is disabled; the choice still holds for this page.
    }
  }, []);
  const value = useMemo<LocaleValue>(
    () => ({
      lang,
      locale: lang === "zh" ? "zh-CN" : "en",
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      tOr: (key, fallback) => (isMessageKey(key) ? translate(lang, key) : fallback),
    }),
    [lang, setLang],
  );
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): LocaleValue {
  const value = useContext(LocaleContext);
  if (!value) throw new Error("useLocale needs a <LocaleProvider> above it");
  return value;
}
