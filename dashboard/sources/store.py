"""The per-process object cache every source writes into and the board reads from.

Sources (Kubernetes watch, embedded simulator, snapshot file) put plain dicts shaped exactly like the
Kubernetes objects here. Readers take an immutable snapshot and can block until the next change, so any
number of viewers cost nothing extra on the cluster side.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

# The kinds the board understands, keyed by the name used everywhere in the dashboard.
KINDS: tuple[str, ...] = ("Stage", "Freight", "Promotion", "Warehouse", "Application")

ObjectKey = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of the cache at one version: kind -> list of object dicts."""

    version: int
    objects: Mapping[str, tuple[dict, ...]]

    def of(self, kind: str) -> tuple[dict, ...]:
        return self.objects.get(kind, ())


def object_key(obj: Mapping) -> ObjectKey:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


class ObjectStore:
    """Thread-safe cache of objects by kind and (namespace, name), with a change counter.

    `version` increases by one on every effective change; `wait_for_change(v)` blocks until it passes v.
    Objects handed in are owned by the store afterwards: callers must not mutate them.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._objects: dict[str, dict[ObjectKey, dict]] = {kind: {} for kind in KINDS}
        self._version = 0
        self._snapshot: Snapshot | None = None

    @property
    def version(self) -> int:
        with self._lock:
            return self._version

    def upsert(self, kind: str, obj: dict) -> None:
        with self._lock:
            bucket = self._bucket(kind)
            key = object_key(obj)
            if bucket.get(key) == obj:
                return
            bucket[key] = obj
            self._changed()

    def delete(self, kind: str, obj: Mapping) -> None:
        with self._lock:
            if self._bucket(kind).pop(object_key(obj), None) is not None:
                self._changed()

    def replace(self, kind: str, objs: Iterable[dict]) -> None:
        """Swap the whole set of one kind (a relist), counting it as one change if anything differs."""
        fresh = {object_key(obj): obj for obj in objs}
        with self._lock:
            if self._bucket(kind) != fresh:
                self._objects[kind] = fresh
                self._changed()

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        with self._lock:
            return self._bucket(kind).get((namespace, name))

    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None:
                frozen = {kind: tuple(bucket.values()) for kind, bucket in self._objects.items()}
                self._snapshot = Snapshot(self._version, MappingProxyType(frozen))
            return self._snapshot

    def wait_for_change(self, since_version: int, timeout: float) -> int:
        """Block until the version differs from `since_version` or the timeout passes; return the version."""
        with self._lock:
            self._lock.wait_for(lambda: self._version != since_version, timeout=timeout)
            return self._version

    def _bucket(self, kind: str) -> dict[ObjectKey, dict]:
        if kind not in self._objects:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return self._objects[kind]

    def _changed(self) -> None:
        self._version += 1
        self._snapshot = None
        self._lock.notify_all()
