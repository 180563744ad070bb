// Who is signed in. The token lives in sessionStorage (gone with the tab) and expires on the server anyway;
// any 401 from the API ends the session and sends the user back to the login page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiClient, ApiError, type User } from "./api/client";
import type { MessageKey } from "./i18n";

const TOKEN_KEY = "userapp.token";

export type SessionStatus = "checking" | "signed-out" | "signed-in" | "unreachable";

export interface Session {
  api: ApiClient;
  status: SessionStatus;
  user: User | null;
  /** Why the user was signed out, shown on the login page. */
  notice: MessageKey | null;
  login: (email: string, password: string) => Promise<void>;
  logout: (notice?: MessageKey) => void;
  retry: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => window.sessionStorage.getItem(TOKEN_KEY));
  const [user, setUser] = useState<User | null>(null);
  const [status, setStatus] = useState<SessionStatus>(token ? "checking" : "signed-out");
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const [attempt, setAttempt] = useState(0);

  const logout = useCallback(
    (why?: MessageKey) => {
      window.sessionStorage.removeItem(TOKEN_KEY);
      api.setToken(null);
      setToken(null);
      setUser(null);
      setNotice(why ?? null);
      setStatus("signed-out");
    },
    [api],
  );

  useEffect(() => {
    api.setUnauthorizedHandler(() => logout("sessionExpired"));
  }, [api, logout]);

  // A token from an earlier page load: check it is still good and learn whose it is.
  useEffect(() => {
    if (token === null || user !== null) return;
    let current = true;
    api.setToken(token);
    api.me().then(
      (me) => {
        if (!current) return;
        setUser(me);
        setStatus("signed-in");
      },
      (error: unknown) => {
        if (!current) return;
        // 401 already signed out through onUnauthorized; anything else leaves the session to retry.
        if (!(error instanceof ApiError && error.status === 401)) setStatus("unreachable");
      },
    );
    return () => {
      current = false;
    };
  }, [api, token, user, attempt]);

  const login = useCallback(
    async (email: string, password: string) => {
      const issued = await api.login(email, password);
      api.setToken(issued.access_token);
      const me = await api.me();
      window.sessionStorage.setItem(TOKEN_KEY, issued.access_token);
      setNotice(null);
      setUser(me);
      setToken(issued.access_token);
      setStatus("signed-in");
    },
    [api],
  );

  const retry = useCallback(() => {
    setStatus("checking");
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo<Session>(
    () => ({ api, status, user, notice, login, logout, retry }),
    [api, status, user, notice, login, logout, retry],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession outside <SessionProvider>");
  return value;
}
