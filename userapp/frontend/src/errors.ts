// One sentence for the user about a failed request. Field errors (422, 409) are shown next to the fields by
// the form; this is the banner text for everything else.
import { ApiError, NetworkError } from "./api/client";
import type { MessageKey, Vars } from "./i18n";

type T = (key: MessageKey, vars?: Vars) => string;

export function describeError(t: T, error: unknown): string {
  if (error instanceof NetworkError) return t("errorNetwork");
  if (error instanceof ApiError) {
    if (error.isServerError) return t("errorServer", { status: error.status });
    if (error.status === 403) return t("errorForbidden");
    if (error.status === 404) return t("errorNotFound");
    if (error.status === 409 && error.code === "duplicate_email") return t("duplicateEmail");
    return t("errorGeneric", { status: error.status, message: error.message });
  }
  return t("errorGeneric", { status: "?", message: error instanceof Error ? error.message : String(error) });
}
