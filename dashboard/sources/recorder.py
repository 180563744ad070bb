"""Record every object change a source makes to the ObjectStore as JSON lines: the backup for a failing demo.

A recording is a header line, then one line per effective change, flushed as it goes:

    {"format": "promotion-board-recording", "version": 1, "started": "2026-09-20T09:00:00+00:00",
     "project": "userapp", "argocd_namespace": "argocd"}
    {"t": 0.0, "kind": "Stage", "op": "upsert", "object": {...}}       # t = 0: the state when recording began
    {"t": 12.345, "kind": "Promotion", "op": "delete", "object": {...}}   # t: seconds since "started"

`dashboard.sources.replay` reads it back. Any source can be recorded: `python -m dashboard record` watches a
cluster with the KubeSource, `python -m dashboard rehearse --record` plays the talk's story on the simulator.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TextIO

from dashboard.sources.store import ObjectStore, object_key

FORMAT = "promotion-board-recording"
VERSION = 1
OPERATIONS = ("upsert", "delete")


class Recorder:
    """Writes a recording to `out`: the header and the initial state at `begin`, then one line per change.

    `seconds` is the clock offsets are measured with (monotonic by default; the simulator passes its own
    simulated time so a story played in no time is recorded at its simulated pace).
    """

    def __init__(
        self,
        out: TextIO,
        *,
        project: str,
        argocd_namespace: str,
        seconds: Callable[[], float] = time.monotonic,
    ) -> None:
        self._out = out
        self._project = project
        self._argocd_namespace = argocd_namespace
        self._seconds = seconds
        self._origin: float | None = None
        self.changes = 0

    @property
    def started(self) -> bool:
        return self._origin is not None

    def begin(self, started_at: datetime, initial: Mapping[str, Iterable[dict]]) -> None:
        """Write the header and the current objects as changes at t = 0; later changes count from here."""
        header = {
            "format": FORMAT,
            "version": VERSION,
            "started": started_at.isoformat(),
            "project": self._project,
            "argocd_namespace": self._argocd_namespace,
        }
        self._out.write(json.dumps(header) + "\n")
        self._origin = self._seconds()
        for kind, objects in initial.items():
            for obj in objects:
                self._line(0.0, kind, "upsert", obj)
        self._out.flush()

    def change(self, kind: str, op: str, obj: Mapping) -> None:
        if self._origin is None:
            return  # before `begin`: the initial state will hold it
        self._line(round(max(0.0, self._seconds() - self._origin), 3), kind, op, obj)
        self._out.flush()

    def _line(self, offset: float, kind: str, op: str, obj: Mapping) -> None:
        record = {"t": offset, "kind": kind, "op": op, "object": obj}
        self._out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
        self.changes += 1


class RecordingStore(ObjectStore):
    """An ObjectStore that reports each effective change (a relist becomes its upserts and deletes).

    Every write goes through one lock, so the version check around each call sees that call's change only,
    and `begin` sees a state no change slips past.
    """

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder
        self._writes = threading.Lock()

    def begin(self, started_at: datetime) -> None:
        with self._writes:
            snapshot = self.snapshot()
            self._recorder.begin(started_at, {kind: snapshot.of(kind) for kind in snapshot.objects})

    def upsert(self, kind: str, obj: dict) -> None:
        with self._writes:
            before = self.version
            super().upsert(kind, obj)
            if self.version != before:
                self._recorder.change(kind, "upsert", obj)

    def delete(self, kind: str, obj: Mapping) -> None:
        with self._writes:
            before = self.version
            super().delete(kind, obj)
            if self.version != before:
                self._recorder.change(kind, "delete", obj)

    def replace(self, kind: str, objs: Iterable[dict]) -> None:
        fresh = list(objs)
        with self._writes:
            old = {object_key(obj): obj for obj in self.snapshot().of(kind)}
            super().replace(kind, fresh)
            new_keys = set()
            for obj in fresh:
                key = object_key(obj)
                new_keys.add(key)
                if old.get(key) != obj:
                    self._recorder.change(kind, "upsert", obj)
            for key, obj in old.items():
                if key not in new_keys:
                    self._recorder.change(kind, "delete", obj)
