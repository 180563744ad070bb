"""Small readers for Kubernetes object dicts: tolerant of missing optional fields, never mutating."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

ALIAS_LABEL = "kargo.akuity.io/alias"
CREATE_ACTOR_ANNOTATION = "kargo.akuity.io/create-actor"
ABORT_ANNOTATION = "kargo.akuity.io/abort"
REFRESH_ANNOTATION = "kargo.akuity.io/refresh"
AUTHORIZED_STAGE_ANNOTATION = "kargo.akuity.io/authorized-stage"
ARGOCD_CONTEXT_ANNOTATION = "kargo.akuity.io/argocd-context"
DESCRIPTION_ANNOTATION = "kargo.akuity.io/description"
COLOR_ANNOTATION = "kargo.akuity.io/color"

_EMPTY: Mapping[str, Any] = {}


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (absent or null optional objects)."""
    if isinstance(value, dict):  # the common case, much cheaper than the ABC check below
        return value
    return value if isinstance(value, Mapping) else _EMPTY


def sequence(value: Any) -> Sequence[Any]:
    """`value` if it is a list, else an empty tuple (absent or null optional lists)."""
    return value if isinstance(value, list | tuple) else ()


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def dig(obj: Any, *path: str) -> Any:
    """Follow mapping keys; None as soon as one is missing or not a mapping."""
    current = obj
    for key in path:
        if not isinstance(current, dict | Mapping):
            return None
        current = current.get(key)
    return current


def name_of(obj: Mapping[str, Any]) -> str:
    return text(dig(obj, "metadata", "name"))


def namespace_of(obj: Mapping[str, Any]) -> str:
    return text(dig(obj, "metadata", "namespace"))


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(dig(obj, "metadata", "annotations"))


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(dig(obj, "metadata", "labels"))


def condition(obj: Mapping[str, Any], condition_type: str) -> Mapping[str, Any] | None:
    for item in sequence(dig(obj, "status", "conditions")):
        if isinstance(item, Mapping) and item.get("type") == condition_type:
            return item
    return None


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; None when absent or unparseable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    as_utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return as_utc.isoformat().replace("+00:00", "Z")


# Go's time.Duration text form (metav1.Duration), e.g. "1h", "7m12s", "1h0m0s", "1.5h", "300ms".
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_duration(value: Any) -> timedelta | None:
    """A Go duration string as a timedelta; None when absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    if value == "0":
        return timedelta(0)
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(number + unit for number, unit in parts) != value:
        return None
    seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    return timedelta(seconds=seconds)


def split_image_reference(reference: str) -> tuple[str, str]:
    """`registry/repo:tag@sha256:...` -> (`registry/repo`, `tag`); the tag is "" for a digest alone."""
    without_digest = reference.split("@", 1)[0]
    slash = without_digest.rfind("/")
    colon = without_digest.rfind(":")
    if colon > slash:
        return without_digest[:colon], without_digest[colon + 1 :]
    return without_digest, ""
