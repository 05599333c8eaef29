import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Locale } from '@consult/shared';
import { core } from './messages';
import { errorMessages } from './i18n/errors';

/**
 * zh-CN / en. Each feature ships its own dictionary (`features/<x>/messages.ts`) and registers it with
 * `registerMessages`; keys are namespaced by feature (`consult.queue.title`).
 */
export type Dict = Record<string, string>;
const dictionaries: Record<Locale, Dict> = {
  'zh-CN': { ...core['zh-CN'], ...errorMessages['zh-CN'] },
  en: { ...core.en, ...errorMessages.en },
};

export function registerMessages(m: Record<Locale, Dict>): void {
  Object.assign(dictionaries['zh-CN'], m['zh-CN']);
  Object.assign(dictionaries.en, m.en);
}

/** Both dictionaries as registered so far (for the parity test). */
export const allMessages = (): Record<Locale, Dict> => dictionaries;

export function translate(locale: Locale, key: string, vars?: Record<string, string | number>): string {
  const s = dictionaries[locale][key] ?? dictionaries.en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : s;
}

/** Whether a key exists (in the locale, or in English as the fallback). */
export const hasMessage = (locale: Locale, key: string) =>
  key in dictionaries[locale] || key in dictionaries.en;

export const browserLocale = (): Locale =>
  typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';

const STORAGE_KEY = 'consult.locale';

/** The locale the UI shows, for code outside React (the API client's error messages). */
let shown: Locale = 'zh-CN';
export const currentLocale = (): Locale => shown;

interface I18n {
  locale: Locale;
  setLocale(l: Locale): void;
  t(key: string, vars?: Record<string, string | number>): string;
  /** Format an ISO UTC timestamp in the user's time zone. */
  dt(iso: string | null | undefined): string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(
    () => (shown = (localStorage.getItem(STORAGE_KEY) as Locale | null) ?? browserLocale()),
  );
  const setLocale = useCallback((l: Locale) => {
    shown = l;
    localStorage.setItem(STORAGE_KEY, l);
    document.documentElement.lang = l;
    setLocaleState(l);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (k, v) => translate(locale, k, v),
      dt: (iso) =>
        iso ? new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : '—',
    }),
    [locale, setLocale],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
