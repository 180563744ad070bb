"""Completes audit rows by watching the Promotions they created: phase changes, then the final outcome.

Approve, abort and refresh answered by a timeout stay open too: they are settled from what the cluster
shows (the Freight approved, the abort annotation, the refresh annotation), and a request still not seen
applied after `settle_after` is closed as Errored, so no row stays without an outcome for ever.

It reads the same ObjectStore the board is built from (no extra cluster requests) and runs in its own
thread, so a slow or absent database never delays the board.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from dashboard.audit.store import PROMOTING_ACTIONS, AuditEntry, AuditStore, AuditUnavailable
from dashboard.model.objects import (
    parse_time,
)
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import ABORT_ANNOTATION, REFRESH_ANNOTATION, REQUEST_ID_LABEL

log = logging.getLogger(__name__)
TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Errored", "Aborted"})
# A request the cluster has not shown applied after this long is closed as Errored: a Promotion appears
# within seconds of its create, an approval or an annotation at once.
SETTLE_AFTER = timedelta(minutes=5)
NEVER_SEEN = "no answer from Kubernetes in time, and not seen applied within {minutes} min: probably not done"


class AuditFollower:
    def __init__(
        self,
        audit: AuditStore,
        store: ObjectStore,
        namespace: str,
        on_change: Callable[[], None],
        *,
        poll_seconds: float = 1.0,
        reload_seconds: float = 30.0,
        settle_after: timedelta = SETTLE_AFTER,
    ) -> None:
        self._settle_after = settle_after
        self._audit = audit
        self._store = store
        self._namespace = namespace
        self._on_change = on_change
        self._poll = poll_seconds
        self._reload = reload_seconds
        self._open: dict[int, AuditEntry] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded_at: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="audit-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)

    def track(self, entry: AuditEntry) -> None:
        """A Promotion was just asked for: follow it from now on."""
        if entry.open:
            with self._lock:
                self._open[entry.id] = entry
            self._wake.set()

    def sync_once(self) -> int:
        """Match open rows to the Promotions in the store; returns how many rows changed."""
        if self._loaded_at is None or time.monotonic() - self._loaded_at >= self._reload:
            self._load()
        with self._lock:
            open_entries = list(self._open.values())
        if not open_entries:
            return 0
        by_name, by_request = self._promotions()
        changed = 0
        for entry in open_entries:
            try:
                if entry.action in PROMOTING_ACTIONS:
                    promotion = by_name.get(entry.promotion or "") or by_request.get(entry.request_id)
                    updated = self._apply(entry, promotion) if promotion else self._expire(entry)
                else:
                    updated = self._settle(entry, by_name)
            except AuditUnavailable as error:
                log.warning("audit follower: %s (will retry)", error)
                break
            if updated is not entry:
                changed += 1
                with self._lock:
                    if updated.open:
                        self._open[entry.id] = updated
                    else:
                        self._open.pop(entry.id, None)
        if changed:
            self._on_change()
        return changed

    def _apply(self, entry: AuditEntry, promotion: Mapping[str, Any]) -> AuditEntry:
        metadata = promotion.get("metadata") or {}
        status = promotion.get("status") or {}
        name = str(metadata.get("name") or "")
        phase = str(status.get("phase") or "Pending")
        updated = entry
        if name and entry.promotion != name:
            updated = self._audit.set_promotion(entry.id, name)
        if phase in TERMINAL_PHASES:
            finished: datetime | None = parse_time(status.get("finishedAt"))
            message = str(status.get("message") or "") or None
            return self._audit.complete(entry.id, phase, message, finished, phase=phase)
        if phase != entry.phase:
            updated = self._audit.set_phase(entry.id, phase)
        return updated

    def _settle(self, entry: AuditEntry, promotions: Mapping[str, Mapping]) -> AuditEntry:
        """An approve, abort or refresh without an answer: done if the cluster shows it."""
        if entry.action == "approve":
            freight = self._named("Freight", entry.freight)
            done = entry.stage in ((freight.get("status") or {}).get("approvedFor") or {})
        elif entry.action == "abort":
            promotion = promotions.get(entry.promotion or "") or {}
            annotations = (promotion.get("metadata") or {}).get("annotations") or {}
            done = (
                ABORT_ANNOTATION in annotations or (promotion.get("status") or {}).get("phase") == "Aborted"
            )
        else:
            warehouse = self._named("Warehouse", entry.warehouse)
            stamp = parse_time(
                ((warehouse.get("metadata") or {}).get("annotations") or {}).get(REFRESH_ANNOTATION)
            )
            done = stamp is not None and stamp >= entry.requested_at.replace(microsecond=0)
        if done:
            return self._audit.complete(entry.id, "Succeeded", "seen applied after the timeout")
        return self._expire(entry)

    def _expire(self, entry: AuditEntry) -> AuditEntry:
        if self._audit.now() - entry.requested_at < self._settle_after:
            return entry
        minutes = int(self._settle_after.total_seconds() // 60)
        return self._audit.complete(entry.id, "Errored", NEVER_SEEN.format(minutes=minutes))

    def _named(self, kind: str, name: str | None) -> Mapping[str, Any]:
        for item in self._store.snapshot().of(kind):
            metadata = item.get("metadata") or {}
            if (
                metadata.get("name") == name
                and (metadata.get("namespace") or self._namespace) == self._namespace
            ):
                return item
        return {}

    def _promotions(self) -> tuple[dict[str, Mapping], dict[str, Mapping]]:
        by_name: dict[str, Mapping] = {}
        by_request: dict[str, Mapping] = {}
        for promotion in self._store.snapshot().of("Promotion"):
            metadata = promotion.get("metadata") or {}
            if (metadata.get("namespace") or self._namespace) != self._namespace:
                continue
            by_name[str(metadata.get("name") or "")] = promotion
            request_id = (metadata.get("labels") or {}).get(REQUEST_ID_LABEL)
            if request_id:
                by_request[str(request_id).upper()] = promotion
        return by_name, by_request

    def _load(self) -> None:
        self._loaded_at = time.monotonic()
        try:
            entries = self._audit.open_entries()
        except AuditUnavailable as error:
            log.warning("audit follower cannot load open requests: %s", error)
            return
        with self._lock:
            self._open = {entry.id: entry for entry in entries}

    def _run(self) -> None:
        version = -1
        while not self._stop.is_set():
            new_version = self._store.wait_for_change(version, timeout=self._poll)
            woken = self._wake.is_set()
            self._wake.clear()
            if (
                new_version == version
                and not woken
                and time.monotonic() - (self._loaded_at or 0) < self._reload
            ):
                continue
            version = new_version
            try:
                self.sync_once()
            except Exception:  # pylint: disable=broad-exception-caught  # keep following
                log.exception("audit follower failed; retrying")
