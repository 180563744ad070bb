"""Why an action did not happen, as something a person can read: a stable code, an HTTP status, details.

`code` selects the translated sentence (i18n key `error.<code>`); `detail` is what Kubernetes, Kargo or the
simulator said, shown under it. Nothing here ever carries a stack trace to the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# code -> HTTP status the board answers with
STATUS = {
    "login-required": 401,
    "forbidden": 403,  # the board's role check
    "kube-forbidden": 403,  # Kubernetes RBAC or Kargo's promote check
    "not-found": 404,
    "already-requested": 200,
    "request-reused": 409,
    "claimed": 409,  # someone else confirmed this very promotion a moment ago
    "conflict": 409,
    "not-available": 422,
    "invalid": 400,
    "audit-unavailable": 503,
    "read-only": 503,
    "timeout": 504,
    "unreachable": 503,
    "kube-error": 502,
}


@dataclass(eq=False)  # not frozen: Python sets __traceback__ & co. on exceptions
class ActionError(Exception):
    code: str
    detail: str = ""
    values: dict[str, str] = field(default_factory=dict)  # for the translated sentence

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 500)

    @property
    def refused(self) -> bool:
        """Kubernetes or the board said no (nothing happened), as opposed to an error along the way."""
        return 400 <= self.status < 500


BY_KUBERNETES_STATUS = {403: "kube-forbidden", 404: "not-found", 408: "timeout", 504: "timeout"}


def from_kubernetes(status: int, body: str | None, reason: str | None) -> ActionError:
    """An apiserver answer (its Status object) as an ActionError."""
    message, api_reason = _status_message(body)
    detail = message or reason or f"HTTP {status}"
    if status == 409:
        # AlreadyExists on create: the Promotion named after this request id exists, i.e. it was requested.
        code = "already-requested" if api_reason == "AlreadyExists" else "conflict"
    elif status in (400, 422):
        # Kargo's webhook: 422 "Freight is not available to this Stage".
        code = "not-available" if "not available" in detail.lower() else "invalid"
    elif api_reason == "Timeout":
        code = "timeout"
    elif "denied the request" in detail and " is forbidden: " in detail:
        # Kargo v1.11's Promotion webhook refuses a subject without the "promote" verb with a Forbidden error
        # wrapped in an InternalError, so the apiserver answers 500: it is still a refusal, not a failure.
        code = "kube-forbidden"
    else:
        code = BY_KUBERNETES_STATUS.get(status, "kube-error")
    return ActionError(code, detail)


def _status_message(body: str | None) -> tuple[str, str]:
    try:
        status = json.loads(body or "")
    except ValueError:
        return (body or "").strip()[:500], ""
    if not isinstance(status, dict):
        return "", ""
    return str(status.get("message") or "")[:1000], str(status.get("reason") or "")
