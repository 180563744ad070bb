"""Request ids (the idempotency key of a confirm form) and the Promotion names derived from them."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from dashboard.vocabulary import ulid_text

REQUEST_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# Kubernetes names: DNS-1123 labels (Stages, Warehouses) and subdomains (Freight, Promotions).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def new_request_id(now: datetime) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32 (sorts by creation time)."""
    value = (int(now.timestamp() * 1000) << 80) | secrets.randbits(80)
    return ulid_text(value)


def normalise_request_id(value: str | None) -> str | None:
    """The id in canonical (upper) case, or None when it is not a ULID."""
    candidate = (value or "").strip().upper()
    return candidate if REQUEST_ID.match(candidate) else None


def promotion_name(stage: str, request_id: str, freight: str) -> str:
    """`<stage>.<ulid>.<freight[:7]>`, Kargo's own naming scheme, derived from the request id: a retried
    request names the same Promotion, so the apiserver answers 409 instead of creating a second one."""
    suffix = freight[:7].rstrip("-.")
    return f"{stage}.{request_id.lower()}" + (f".{suffix}" if suffix else "")
