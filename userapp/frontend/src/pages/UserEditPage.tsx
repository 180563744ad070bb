// Edit: the form appears only once the user is loaded, so its first render already holds the current values.
import { useEffect, useState } from "react";
import type { User, UserChanges } from "../api/client";
import { PageHeading } from "../components/PageHeading";
import { UserForm, type UserFormValues } from "../components/UserForm";
import { describeError } from "../errors";
import { useFlash } from "../flash";
import { useI18n } from "../i18n-context";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";

/** What the PATCH sends: only what changed, and the password only when one was typed. */
export function changesBetween(user: User, values: UserFormValues, roleEditable: boolean): UserChanges {
  const changes: UserChanges = {};
  if (values.name !== user.name) changes.name = values.name;
  if (values.email !== user.email) changes.email = values.email;
  if (values.password !== "") changes.password = values.password;
  if (roleEditable && values.role !== user.role) changes.role = values.role;
  return changes;
}

/** Where to go back to: the list page the user came from, never another site. */
export function backTo(params: URLSearchParams): string {
  const back = params.get("back") ?? "";
  return back.startsWith("/users") && !back.startsWith("//") ? back : "/users";
}

export function UserEditPage({ id }: { id: number }) {
  const { t } = useI18n();
  const { api, user: me } = useSession();
  const flash = useFlash();
  const { params } = useLocation();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const back = backTo(params);

  useEffect(() => {
    let current = true;
    api.getUser(id).then(
      (answer) => current && setUser(answer),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [api, id, attempt]);

  const self = me?.id === id;
  const roleEditable = me?.role === "admin" && !self;

  async function save(values: UserFormValues) {
    if (user === null) return;
    const saved = await api.updateUser(user.id, changesBetween(user, values, roleEditable));
    flash.show(t("saved", { email: saved.email }));
    navigate(back);
  }

  return (
    <section className="narrow">
      <PageHeading>{t("editTitle")}</PageHeading>
      {error !== null && (
        <div role="alert" className="banner banner-error">
          <p>{describeError(t, error)}</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setError(null);
              setAttempt((n) => n + 1);
            }}
          >
            {t("retry")}
          </button>
        </div>
      )}
      {user === null && error === null && <p>{t("loading")}</p>}
      {user !== null && (
        <UserForm
          mode="edit"
          initial={{ email: user.email, name: user.name, password: "", role: user.role }}
          roleEditable={roleEditable}
          roleHint={self ? t("roleLockedSelf") : undefined}
          onSubmit={save}
          onCancel={() => navigate(back)}
        />
      )}
    </section>
  );
}
