// The chosen language, for every component: pt-BR unless the user switched (remembered in localStorage).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { DEFAULT_LANG, MESSAGES, translate, type Lang, type MessageKey, type Vars } from "./i18n";

const STORAGE_KEY = "userapp.lang";

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Vars) => string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLang(): Lang {
  const saved = window.localStorage.getItem(STORAGE_KEY);
  return saved !== null && saved in MESSAGES ? (saved as Lang) : DEFAULT_LANG;
}

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? storedLang());
  const setLang = useCallback((next: Lang) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);
  useEffect(() => {
    // Screen readers pick their voice from the document's language.
    document.documentElement.lang = lang;
    document.title = translate(lang, "appTitle");
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) throw new Error("useI18n outside <I18nProvider>");
  return value;
}
