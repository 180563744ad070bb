"""Small readers for Kubernetes object dicts: tolerant of missing optional fields, never mutating."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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
_GO_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_NS = 1 << 63


# A line-by-line port of Go's time.ParseDuration, so that it can be checked against Go (tests/oracle).
# pylint: disable-next=too-many-branches,too-many-return-statements
def parse_go_duration_ns(value: Any) -> int | None:
    """Go's `time.ParseDuration`, exactly (nanoseconds, the same float arithmetic for fractions); None when
    absent or when Go would refuse it. This is what `metav1.Duration` fields hold once Kargo reads them."""
    if not isinstance(value, str) or not value:
        return None
    rest, negative = value, False
    if rest[0] in "+-":
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total = 0
    while rest:
        if not (rest[0] == "." or rest[0].isascii() and rest[0].isdigit()):
            return None
        whole, rest, pre = _leading_int(rest)
        if whole is None:
            return None
        fraction, scale, post = 0, 1.0, False
        if rest.startswith("."):
            fraction, scale, rest, post = _leading_fraction(rest[1:])
        if not pre and not post:
            return None
        end = 0
        while end < len(rest) and not (rest[end] == "." or rest[end].isascii() and rest[end].isdigit()):
            end += 1
        unit = _GO_UNITS_NS.get(rest[:end]) if end else None
        rest = rest[end:]
        if unit is None or whole > _MAX_NS // unit:
            return None
        whole *= unit
        if fraction > 0:
            whole += int(float(fraction) * (float(unit) / scale))
            if whole > _MAX_NS:
                return None
        total += whole
        if total > _MAX_NS:
            return None
    if negative:
        return -total
    return total if total <= _MAX_NS - 1 else None


def _leading_int(text_: str) -> tuple[int | None, str, bool]:
    value, index = 0, 0
    while index < len(text_) and text_[index].isascii() and text_[index].isdigit():
        if value > _MAX_NS // 10:
            return None, text_, False
        value = value * 10 + int(text_[index])
        if value > _MAX_NS:
            return None, text_, False
        index += 1
    return value, text_[index:], index > 0


def _leading_fraction(text_: str) -> tuple[int, float, str, bool]:
    value, scale, index, overflow = 0, 1.0, 0, False
    while index < len(text_) and text_[index].isascii() and text_[index].isdigit():
        digit = int(text_[index])
        index += 1
        if overflow:
            continue
        if value > (_MAX_NS - 1) // 10 or value * 10 + digit > _MAX_NS:
            overflow = True
            continue
        value = value * 10 + digit
        scale *= 10
    return value, scale, text_[index:], index > 0


def parse_duration(value: Any) -> timedelta | None:
    """A Go duration string as a timedelta (to the microsecond); None when absent, malformed or signed (the
    CRDs' duration fields take no sign)."""
    if isinstance(value, str) and value[:1] in ("+", "-"):
        return None
    nanoseconds = parse_go_duration_ns(value)
    return None if nanoseconds is None else timedelta(microseconds=nanoseconds // 1000)


def split_image_reference(reference: str) -> tuple[str, str]:
    """`registry/repo:tag@sha256:...` -> (`registry/repo`, `tag`); the tag is "" for a digest alone."""
    without_digest = reference.split("@", 1)[0]
    slash = without_digest.rfind("/")
    colon = without_digest.rfind(":")
    if colon > slash:
        return without_digest[:colon], without_digest[colon + 1 :]
    return without_digest, ""


# A Freight or Promotion name shown without its alias: its first characters are enough to tell them apart.
SHORT_NAME_LENGTH = 8


def short_name(name: str, length: int = SHORT_NAME_LENGTH) -> str:
    return name[:length]
