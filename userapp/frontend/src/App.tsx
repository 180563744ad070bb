// The page frame and the routes. Signed out, every path shows the login page in place, so after signing in
// the user lands where they were going.
import { useEffect } from "react";
import type { ApiClient } from "./api/client";
import { Header } from "./components/Header";
import { PageHeading } from "./components/PageHeading";
import { FlashMessage, FlashProvider } from "./flash";
import type { Lang } from "./i18n";
import { I18nProvider, useI18n } from "./i18n-context";
import { LoginPage } from "./pages/LoginPage";
import { StatsPage } from "./pages/StatsPage";
import { UserCreatePage } from "./pages/UserCreatePage";
import { UserEditPage } from "./pages/UserEditPage";
import { UsersPage } from "./pages/UsersPage";
import { Link, matchPath, navigate, useLocation } from "./router";
import { SessionProvider, useSession } from "./session";

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Message({ title }: { title: string }) {
  const { t } = useI18n();
  return (
    <section className="narrow">
      <PageHeading>{title}</PageHeading>
      <Link to="/users">{t("backToUsers")}</Link>
    </section>
  );
}

function Routes() {
  const { t } = useI18n();
  const { status, user, retry } = useSession();
  const { path } = useLocation();

  if (status === "checking") return <p>{t("loading")}</p>;
  if (status === "unreachable") {
    return (
      <div role="alert" className="banner banner-error">
        <p>{t("errorNetwork")}</p>
        <button type="button" className="button" onClick={retry}>
          {t("retry")}
        </button>
      </div>
    );
  }
  if (status === "signed-out" || user === null) return <LoginPage />;

  const isAdmin = user.role === "admin";
  if (path === "/" || path === "/login") return <Redirect to="/users" />;
  if (matchPath("/users", path)) return <UsersPage />;
  if (matchPath("/users/new", path)) {
    return isAdmin ? <UserCreatePage /> : <Message title={t("errorForbidden")} />;
  }
  const edit = matchPath("/users/:id/edit", path);
  const id = Number(edit?.id);
  if (edit && Number.isInteger(id) && id >= 1) return <UserEditPage key={id} id={id} />;
  if (matchPath("/stats", path)) return isAdmin ? <StatsPage /> : <Message title={t("errorForbidden")} />;
  return <Message title={t("notFoundTitle")} />;
}

export function App({ api, lang }: { api: ApiClient; lang?: Lang }) {
  return (
    <I18nProvider initial={lang}>
      <SessionProvider api={api}>
        <FlashProvider>
          <Header />
          <main id="main" tabIndex={-1}>
            <FlashMessage />
            <Routes />
          </main>
        </FlashProvider>
      </SessionProvider>
    </I18nProvider>
  );
}
