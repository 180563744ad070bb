import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { Field } from "../components/Field";
import { describeError } from "../errors";
import { useI18n } from "../i18n-context";
import { useSession } from "../session";

export function LoginPage() {
  const { t } = useI18n();
  const { login, notice } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      await login(email, password);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401 ? t("loginFailed") : describeError(t, failure),
      );
      setSubmitting(false);
    }
  }

  return (
    <section className="narrow">
      <h1>{t("loginTitle")}</h1>
      <p>{t("loginIntro")}</p>
      {notice && !error && (
        <p role="status" className="banner banner-info">
          {t(notice)}
        </p>
      )}
      {error && (
        <p role="alert" className="banner banner-error">
          {error}
        </p>
      )}
      <form onSubmit={handleSubmit} aria-busy={submitting}>
        <Field id="login-email" label={t("email")}>
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="username"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              // The login page has one job: start there (it is also what a keyboard user expects).
              // eslint-disable-next-line jsx-a11y/no-autofocus
              autoFocus
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <Field id="login-password" label={t("password")}>
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={submitting}>
            {submitting ? t("loginSubmitting") : t("loginSubmit")}
          </button>
        </div>
      </form>
    </section>
  );
}
