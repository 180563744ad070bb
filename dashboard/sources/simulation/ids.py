"""Identifiers and timestamps shaped like the ones Kargo, Argo CD and Kubernetes produce.

Everything random comes from the caller's `random.Random`, so one seed gives one object stream.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from dashboard.vocabulary import CROCKFORD, ulid_text

_CROCKFORD = CROCKFORD.lower()  # Kargo names Promotions with lower-case ULIDs

# Kargo names Freight with an adjective and a noun; these lists are ours, the shape is Kargo's.
_ADJECTIVES = (
    "amber", "ancient", "autumn", "bold", "brave", "brisk", "calm", "clever", "cosmic", "crimson",
    "curly", "daring", "dusty", "eager", "early", "fancy", "fuzzy", "gentle", "giddy", "golden",
    "happy", "hasty", "icy", "jolly", "kind", "lively", "lucky", "mellow", "misty", "nimble",
    "noble", "odd", "plucky", "proud", "quiet", "rapid", "rusty", "shiny", "silent", "snowy",
    "sunny", "swift", "tidy", "vivid", "waxen", "wild", "witty", "zesty",
)  # fmt: skip
_NOUNS = (
    "badger", "beacon", "bison", "breeze", "canyon", "cedar", "comet", "coral", "crane", "dingo",
    "dune", "eagle", "ember", "falcon", "fern", "finch", "fjord", "gecko", "glacier", "harbor",
    "heron", "ibis", "island", "jaguar", "koala", "lagoon", "lynx", "maple", "meadow", "otter",
    "panda", "pebble", "quokka", "raven", "reef", "river", "salmon", "seal", "sparrow", "summit",
    "tapir", "thistle", "tundra", "walrus", "willow", "wombat", "yak", "zebra",
)  # fmt: skip


def random_hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_alias(rng: random.Random, taken: Iterable[str]) -> str:
    """An adjective-noun alias not in `taken`; a numeric suffix once the word pairs run out."""
    taken_set = set(taken)
    alias = ""
    for _ in range(50):
        alias = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}"
        if alias not in taken_set:
            return alias
    suffix = 2
    while f"{alias}-{suffix}" in taken_set:
        suffix += 1
    return f"{alias}-{suffix}"


def normalize_git_url(url: str) -> str:
    """Kargo compares Git URLs case-insensitively and without a trailing `.git` or slash."""
    normalized = url.strip().lower().rstrip("/")
    return normalized.removesuffix(".git")


def freight_id(origin: str, commits: Iterable[dict], images: Iterable[dict]) -> str:
    """SHA-1 over origin ("Warehouse/<name>") and sorted artifact parts, as Kargo v1.11's
    `GenerateFreightID` (pkg/api/freight.go) computes it for commits and images: a commit's tag, when it has
    one, is part of its identity. Kargo's webhook renames created Freight to this ID
    (tests/harness/test_kargo.py checks the port against it)."""
    parts = [
        ":".join((normalize_git_url(c["repoURL"]), *((c["tag"],) if c.get("tag") else ()), c["id"]))
        for c in commits
    ]
    parts += [f"{i['repoURL']}:{i['tag']}@{i['digest']}" for i in images]
    text = f"{origin}:{'|'.join(sorted(parts))}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def collection_id(freight_names: Iterable[str]) -> str:
    """A FreightCollection's id: SHA-1 of its sorted Freight names joined by commas."""
    text = ",".join(sorted(freight_names))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class UlidFactory:
    """Lowercase ULIDs that sort in creation order even when two share a millisecond."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._last_ms = -1
        self._last_random = 0

    def new(self, at: datetime) -> str:
        millis = int(at.timestamp() * 1000)
        if millis <= self._last_ms:
            millis = self._last_ms
            self._last_random += 1
        else:
            self._last_random = self._rng.getrandbits(79)  # one spare bit keeps increments in range
        self._last_ms = millis
        value = (millis << 80) | self._last_random
        return ulid_text(value, _CROCKFORD)


def go_duration(span: timedelta) -> str:
    """A whole-second duration the way Go's time.Duration prints it (`1h2m3s`, `4m0s`, `7s`)."""
    total = max(0, int(span.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"
