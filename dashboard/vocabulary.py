"""The names the board shares with Kargo and Argo CD, spelled once: API groups and versions, resource plurals,
annotation and label keys; and the board's own: its keys on the Promotions it creates, its roles.

This module imports nothing from the board: every layer (model, sources, actions, audit, views) may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

# API groups and versions.
KARGO_GROUP = "kargo.akuity.io"
KARGO_VERSION = "v1alpha1"
KARGO_API = f"{KARGO_GROUP}/{KARGO_VERSION}"
ARGOCD_GROUP = "argoproj.io"
ARGOCD_VERSION = "v1alpha1"
ARGOCD_API = f"{ARGOCD_GROUP}/{ARGOCD_VERSION}"

# Kind -> (API group, resource plural), for the kinds the board reads.
RESOURCES: Mapping[str, tuple[str, str]] = {
    "Stage": (KARGO_GROUP, "stages"),
    "Freight": (KARGO_GROUP, "freights"),
    "Promotion": (KARGO_GROUP, "promotions"),
    "Warehouse": (KARGO_GROUP, "warehouses"),
    "Application": (ARGOCD_GROUP, "applications"),
}
# Kind -> the API group its apiVersion must belong to (another group's "Application" is not Argo CD's).
API_GROUPS: Mapping[str, str] = {kind: group for kind, (group, _plural) in RESOURCES.items()}

# Kargo's annotations and labels.
ALIAS_LABEL = f"{KARGO_GROUP}/alias"
STAGE_LABEL = f"{KARGO_GROUP}/stage"
CREATE_ACTOR_ANNOTATION = f"{KARGO_GROUP}/create-actor"
ABORT_ANNOTATION = f"{KARGO_GROUP}/abort"
REFRESH_ANNOTATION = f"{KARGO_GROUP}/refresh"
AUTHORIZED_STAGE_ANNOTATION = f"{KARGO_GROUP}/authorized-stage"
ARGOCD_CONTEXT_ANNOTATION = f"{KARGO_GROUP}/argocd-context"
DESCRIPTION_ANNOTATION = f"{KARGO_GROUP}/description"
COLOR_ANNOTATION = f"{KARGO_GROUP}/color"
HOLD_ANNOTATION = f"{KARGO_GROUP}/auto-promotion-hold"
RESUME_ANNOTATION = f"{KARGO_GROUP}/auto-promotion-resume"
# The key of the Argo CD operation info Kargo adds when it syncs an Application.
PROMOTION_INFO_KEY = f"{KARGO_GROUP}/promotion"

# On every Promotion the board creates: find it again by request id even if Kargo renamed it.
REQUEST_ID_LABEL = "promotion-board.dev/request-id"
REQUESTED_BY_ANNOTATION = "promotion-board.dev/requested-by"

# The board's roles; a viewer who has not logged in has the anonymous role.
VIEWER, QA, PO, ADMIN = "viewer", "qa", "po", "admin"
ROLES = (VIEWER, QA, PO, ADMIN)
ANONYMOUS_ROLE = VIEWER

# ULIDs: Crockford's base32 (upper case; Kargo's own names use it in lower case).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_text(value: int, alphabet: str = CROCKFORD) -> str:
    """The 26 base32 digits of a 128-bit ULID value (48 bits of milliseconds, 80 bits of randomness)."""
    return "".join(alphabet[(value >> shift) & 31] for shift in range(125, -5, -5))


def utc_now() -> datetime:
    return datetime.now(UTC)


def kube_time(at: datetime) -> str:
    """RFC 3339 in UTC with second precision, as Kubernetes serialises metav1.Time."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
