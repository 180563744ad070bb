// The header: which environment and which build of the backend answer (from /version), so the audience sees
// the commit that runs in dev, stg and prod; then the navigation for a signed-in user.
import { useEffect, useState } from "react";
import type { Version } from "../api/client";
import { useI18n } from "../i18n-context";
import { Link, useLocation } from "../router";
import { useSession } from "../session";

const KNOWN_ENVIRONMENTS = new Set(["dev", "stg", "prod"]);

export function shortCommit(commit: string): string {
  return /^[0-9a-f]{9,}$/i.test(commit) ? commit.slice(0, 8) : commit;
}

function BuildInfo({ version, failed }: { version: Version | null; failed: boolean }) {
  const { t } = useI18n();
  if (failed) return <p className="build">{t("versionUnavailable")}</p>;
  if (version === null) return <p className="build">{t("loading")}</p>;
  const environment = version.environment || "?";
  const commit =
    version.commit && version.commit !== "unknown" ? shortCommit(version.commit) : t("buildUnknown");
  const envClass = KNOWN_ENVIRONMENTS.has(environment) ? `env env-${environment}` : "env env-other";
  return (
    <p className="build">
      <span className={envClass}>
        {t("environment")}: <strong data-testid="environment">{environment}</strong>
      </span>{" "}
      <span>
        {t("build")}:{" "}
        <code data-testid="commit" title={version.commit}>
          {commit}
        </code>{" "}
        <span className="version">
          ({version.version}
          {version.image_tag && version.image_tag !== "unknown" ? `, ${version.image_tag}` : ""})
        </span>
      </span>
    </p>
  );
}

export function Header() {
  const { t, lang, setLang } = useI18n();
  const { api, user, logout } = useSession();
  const { path } = useLocation();
  const [version, setVersion] = useState<Version | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let current = true;
    api.version().then(
      (answer) => current && setVersion(answer),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [api]);

  const here = (prefix: string) => (path.startsWith(prefix) ? "page" : undefined);
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">
        {t("skipToContent")}
      </a>
      <div className="header-top">
        <p className="app-name">{t("appTitle")}</p>
        <BuildInfo version={version} failed={failed} />
        <button
          type="button"
          className="link-button"
          lang={lang === "en" ? "pt-BR" : "en"}
          aria-label={t("switchLanguageLabel")}
          onClick={() => setLang(lang === "en" ? "pt-BR" : "en")}
        >
          {t("switchLanguage")}
        </button>
      </div>
      {user && (
        <nav aria-label={t("mainNav")} className="main-nav">
          <Link to="/users" aria-current={here("/users")}>
            {t("navUsers")}
          </Link>
          {user.role === "admin" && (
            <Link to="/stats" aria-current={here("/stats")}>
              {t("navStats")}
            </Link>
          )}
          <span className="whoami">{t("signedInAs", { name: user.name })}</span>
          <button type="button" className="link-button" onClick={() => logout()}>
            {t("logout")}
          </button>
        </nav>
      )}
    </header>
  );
}
