import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { can, type Me, type Permission } from '@consult/shared';
import { ApiError, get, post, put, setCsrfToken, writesSettled } from './api';
import { useI18n } from './i18n';
import { connectSocket, disconnectSocket } from './socket';

interface SessionState {
  me: Me | null;
  loading: boolean;
  /** Sign in; `second` carries the second factor when the server asked for it (error code mfa_required). */
  login(
    username: string,
    password: string,
    second?: { code: string; rememberDevice: boolean },
  ): Promise<void>;
  /** Reload the signed-in user (after enrolling a second factor). */
  refresh(): Promise<void>;
  logout(): Promise<void>;
  /** Client-side check only to hide controls; the server enforces the same table. */
  allowed(p: Permission): boolean;
  changeLocale(l: Me['locale']): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const { setLocale } = useI18n();
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);

  const adopt = useCallback(
    (m: Me | null) => {
      setCsrfToken(m?.csrfToken ?? null);
      setMe(m);
      if (m) {
        setLocale(m.locale);
        // A session that must still enrol a second factor gets no socket (the server refuses it).
        if (m.mfa.enrolmentPending) disconnectSocket();
        else connectSocket();
      } else {
        disconnectSocket();
      }
    },
    [setLocale],
  );

  useEffect(() => {
    get<Me>('/api/auth/me')
      .then(adopt)
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 401)) console.error(e);
        adopt(null);
      })
      .finally(() => setLoading(false));
  }, [adopt]);

  const value: SessionState = {
    me,
    loading,
    login: async (username, password, second) =>
      adopt(await post<Me>('/api/auth/login', { username, password, ...second })),
    refresh: async () => adopt(await get<Me>('/api/auth/me')),
    logout: async () => {
      try {
        // A change made just before (the language switch, an annotation) is answered before the session ends.
        await writesSettled();
        await post('/api/auth/logout');
      } finally {
        adopt(null);
      }
    },
    allowed: (p) => (me ? can(me.role, p) : false),
    changeLocale: async (l) => {
      setLocale(l);
      if (me) {
        await put('/api/auth/me/locale', { locale: l });
        setMe({ ...me, locale: l });
      }
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in user inside authenticated pages. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}
