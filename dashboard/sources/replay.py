"""The replay source: a recording (see `dashboard.sources.recorder`) played back into the ObjectStore.

Changes arrive at the recorded pace divided by `speed`, and the board's clock follows the recording, so
"2 min ago" and soak timers read as they did live. At the end the replay stops: the board keeps the last
recorded state and the clock keeps running from there. A recording that cannot be read raises
RecordingError naming the file and the line.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.sources.recorder import FORMAT, OPERATIONS, VERSION
from dashboard.sources.store import KINDS, ObjectStore

log = logging.getLogger(__name__)


class RecordingError(ValueError):
    """A recording file is missing or malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Change:
    offset: float  # seconds since the recording started
    kind: str
    op: str  # upsert | delete
    obj: dict


@dataclass(frozen=True)
class Recording:
    started: datetime
    project: str
    argocd_namespace: str
    changes: tuple[Change, ...]

    @property
    def duration(self) -> float:
        return self.changes[-1].offset if self.changes else 0.0


def load_recording(path: str | Path) -> Recording:
    """Read and check a whole recording (`.jsonl`, or `.jsonl.gz` compressed)."""
    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as compressed:
                lines = compressed.read().splitlines()
        else:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:  # gzip.BadGzipFile is an OSError
        raise RecordingError(f"{path}: cannot read: {error}") from None
    if not lines or not lines[0].strip():
        raise RecordingError(f"{path}:1: empty, expected the recording header")
    header = _json(path, 1, lines[0])
    started = _header(path, header)
    changes: list[Change] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        change = _change(path, number, _json(path, number, line))
        if changes and change.offset < changes[-1].offset:
            raise RecordingError(
                f"{path}:{number}: time goes backwards ({change.offset} after {changes[-1].offset})"
            )
        changes.append(change)
    return Recording(started, str(header["project"]), str(header.get("argocd_namespace", "")), tuple(changes))


def _json(path: str | Path, number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise RecordingError(f"{path}:{number}: not JSON ({error.msg} at column {error.colno})") from None


def _header(path: str | Path, header: Any) -> datetime:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(f'{path}:1: not a recording: expected a header with "format": "{FORMAT}"')
    if header.get("version") != VERSION:
        raise RecordingError(
            f"{path}:1: recording version {header.get('version')!r}; this board reads {VERSION}"
        )
    if not isinstance(header.get("project"), str) or not header["project"]:
        raise RecordingError(f'{path}:1: the header needs "project" (the Kargo project namespace)')
    try:
        started = datetime.fromisoformat(str(header.get("started")))
    except ValueError:
        raise RecordingError(
            f'{path}:1: "started" is not an ISO 8601 time: {header.get("started")!r}'
        ) from None
    if started.tzinfo is None:
        raise RecordingError(f'{path}:1: "started" needs a time zone: {header.get("started")!r}')
    return started


def _change(path: str | Path, number: int, record: Any) -> Change:
    where = f"{path}:{number}"
    if not isinstance(record, dict):
        raise RecordingError(f"{where}: expected an object with t, kind, op and object")
    offset = record.get("t")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or offset < 0:
        raise RecordingError(f'{where}: "t" must be a number of seconds >= 0, got {offset!r}')
    if record.get("kind") not in KINDS:
        raise RecordingError(f'{where}: "kind" must be one of {", ".join(KINDS)}, got {record.get("kind")!r}')
    if record.get("op") not in OPERATIONS:
        raise RecordingError(f'{where}: "op" must be upsert or delete, got {record.get("op")!r}')
    obj = record.get("object")
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("metadata"), dict)
        or not obj["metadata"].get("name")
    ):
        raise RecordingError(f'{where}: "object" must be a Kubernetes object with metadata.name')
    return Change(float(offset), record["kind"], record["op"], obj)


class ReplaySource:
    """Plays a Recording into a store: the t = 0 state at `start()`, then each change at its time / speed."""

    def __init__(
        self,
        store: ObjectStore,
        recording: Recording,
        *,
        speed: float = 1.0,
        seconds: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"replay speed must be > 0, got {speed}")
        self.recording = recording
        self._store = store
        self._speed = speed
        self._seconds = seconds
        self._origin: float | None = None
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> ObjectStore:
        return self._store

    def clock(self) -> datetime:
        """The recording's time now: where the replay is, so relative times read as they did live."""
        elapsed = 0.0 if self._origin is None else (self._seconds() - self._origin) * self._speed
        return self.recording.started + timedelta(seconds=elapsed)

    def start(self) -> None:
        changes = self.recording.changes
        initial = 0
        while initial < len(changes) and changes[initial].offset == 0:
            initial += 1
        self._origin = self._seconds()
        for change in changes[:initial]:  # the state when recording began: on the first board already
            self._apply(change)
        self._thread = threading.Thread(
            target=self._run, args=(changes[initial:],), name="replay", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait_finished(self, timeout: float) -> bool:
        return self._finished.wait(timeout)

    def _run(self, changes: tuple[Change, ...]) -> None:
        assert self._origin is not None
        for change in changes:
            delay = self._origin + change.offset / self._speed - self._seconds()
            if delay > 0 and self._stop.wait(delay):
                return
            if self._stop.is_set():
                return
            self._apply(change)
        self._finished.set()
        log.info(
            "replay finished: %d changes over %.0f s of recording",
            len(self.recording.changes),
            self.recording.duration,
        )

    def _apply(self, change: Change) -> None:
        if change.op == "upsert":
            self._store.upsert(change.kind, change.obj)
        else:
            self._store.delete(change.kind, change.obj)
