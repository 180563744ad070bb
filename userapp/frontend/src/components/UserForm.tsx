// The create/edit form. It owns what the user typed and never resets it on failure: a 422's `fields` are
// shown next to their fields, a 409 next to the email, anything else (network, 5xx) in a banner above.
import { useLayoutEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, type Role } from "../api/client";
import { describeError } from "../errors";
import { translateFieldMessage } from "../i18n";
import { useI18n } from "../i18n-context";
import { Field } from "./Field";

export interface UserFormValues {
  email: string;
  name: string;
  password: string;
  role: Role;
}

const FIELDS: readonly (keyof UserFormValues)[] = ["name", "email", "password", "role"];

interface UserFormProps {
  mode: "create" | "edit";
  initial: UserFormValues;
  /** Only an admin changes roles, and nobody their own. */
  roleEditable: boolean;
  roleHint?: string | undefined;
  onSubmit: (values: UserFormValues) => Promise<void>;
  onCancel: () => void;
}

export function UserForm({ mode, initial, roleEditable, roleHint, onSubmit, onCancel }: UserFormProps) {
  const { t, lang } = useI18n();
  const [values, setValues] = useState<UserFormValues>(initial);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<keyof UserFormValues, string>>>({});
  const [banner, setBanner] = useState<string[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const bannerRef = useRef<HTMLDivElement>(null);

  // After a failed submit, move the focus to the first field at fault, or to the banner: in the same commit
  // that shows the error (a layout effect), so no frame shows the error with the focus still on the button.
  useLayoutEffect(() => {
    const form = formRef.current;
    if (form === null) return;
    const invalid = form.querySelector<HTMLElement>("[aria-invalid='true']");
    (invalid ?? bannerRef.current)?.focus();
  }, [fieldErrors, banner]);

  function set<K extends keyof UserFormValues>(key: K, value: UserFormValues[K]) {
    setValues((previous) => ({ ...previous, [key]: value }));
  }

  function showError(error: unknown) {
    if (error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length > 0) {
      const mine: Partial<Record<keyof UserFormValues, string>> = {};
      const others: string[] = [];
      for (const [field, message] of Object.entries(error.fields)) {
        const known = FIELDS.find((name) => name === field);
        // An empty field is simply missing, whatever minimum length the API names.
        if (known && values[known].trim() === "") mine[known] = t("fieldRequired");
        else if (known) mine[known] = translateFieldMessage(lang, field, message);
        else others.push(`${field}: ${message}`);
      }
      setFieldErrors(mine);
      setBanner([t("fixFields"), ...others]);
    } else if (error instanceof ApiError && error.status === 409) {
      setFieldErrors({ email: t("duplicateEmailField") });
      setBanner([t("duplicateEmail")]);
    } else {
      setFieldErrors({});
      setBanner([describeError(t, error)]);
    }
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    try {
      await onSubmit(values);
    } catch (error) {
      showError(error);
    } finally {
      setSubmitting(false);
    }
  }

  const prefix = `user-${mode}`;
  return (
    // noValidate: the API is the one judge of what is valid, and its 422 is shown next to the fields.
    <form ref={formRef} onSubmit={handleSubmit} noValidate aria-busy={submitting} className="user-form">
      {banner.length > 0 && (
        <div ref={bannerRef} tabIndex={-1} role="alert" className="banner banner-error">
          <strong>{t("formErrors")}</strong>
          {banner.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      )}
      <Field id={`${prefix}-name`} label={t("name")} error={fieldErrors.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            autoComplete="name"
            required
            value={values.name}
            onChange={(event) => set("name", event.target.value)}
          />
        )}
      </Field>
      <Field id={`${prefix}-email`} label={t("email")} error={fieldErrors.email}>
        {(control) => (
          <input
            {...control}
            type="email"
            autoComplete="email"
            inputMode="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={values.email}
            onChange={(event) => set("email", event.target.value)}
          />
        )}
      </Field>
      <Field
        id={`${prefix}-password`}
        label={mode === "create" ? t("password") : t("newPassword")}
        hint={mode === "create" ? t("passwordHint") : t("newPasswordHint")}
        error={fieldErrors.password}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            required={mode === "create"}
            value={values.password}
            onChange={(event) => set("password", event.target.value)}
          />
        )}
      </Field>
      <Field id={`${prefix}-role`} label={t("role")} hint={roleHint} error={fieldErrors.role}>
        {(control) => (
          <select
            {...control}
            value={values.role}
            disabled={!roleEditable}
            onChange={(event) => set("role", event.target.value as Role)}
          >
            <option value="user">{t("roleUser")}</option>
            <option value="admin">{t("roleAdmin")}</option>
          </select>
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={submitting}>
          {submitting ? t("saving") : mode === "create" ? t("create") : t("save")}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
