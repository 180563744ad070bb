// A one-line confirmation ("user created") that survives the navigation right after the action, is announced
// politely, and goes away on the next navigation.
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useI18n } from "./i18n-context";
import { useLocation } from "./router";

interface Flash {
  message: string | null;
  show: (message: string) => void;
  clear: () => void;
}

const FlashContext = createContext<Flash | null>(null);

export function FlashProvider({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  // `path` is the page the message belongs to: the one shown once the action's navigation (if any) is done.
  const [state, setState] = useState<{ message: string; path: string | null } | null>(null);
  // Adjusting state while rendering (React's pattern for "state derived from a change"), not in an effect.
  if (state !== null && state.path === null) setState({ ...state, path });
  else if (state !== null && state.path !== path) setState(null);
  const value = useMemo<Flash>(
    () => ({
      message: state?.message ?? null,
      show: (message) => setState({ message, path: null }),
      clear: () => setState(null),
    }),
    [state],
  );
  return <FlashContext.Provider value={value}>{children}</FlashContext.Provider>;
}

export function useFlash(): Flash {
  const value = useContext(FlashContext);
  if (value === null) throw new Error("useFlash outside <FlashProvider>");
  return value;
}

export function FlashMessage() {
  const { message, clear } = useFlash();
  const { t } = useI18n();
  return (
    <div role="status" className="flash-region">
      {message && (
        <p className="flash">
          <span>{message}</span>
          <button type="button" className="link-button" onClick={clear} aria-label={t("dismiss")}>
            ×
          </button>
        </p>
      )}
    </div>
  );
}
