"""Builds the board once per change and keeps the rendered fragments in memory for every viewer.

One background thread waits for the ObjectStore to change (or for the periodic refresh that keeps relative
times true), builds the board model, renders each view's fragment in each language once, and publishes the
result. Page requests and live streams only read the latest `Rendition`, so N viewers cost N memory reads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dashboard.model import Board
from dashboard.sources.store import ObjectStore

log = logging.getLogger(__name__)

# (board, view, language) -> {"fragment": the live-swapped part, "page": the whole document around it}
Renderer = Callable[[Board, str, str], Mapping[str, str]]


@dataclass(frozen=True)
class Rendition:
    """Everything viewers need for one state of the cluster."""

    sequence: int  # increases with every publication (the SSE event id)
    store_version: int
    board: Board
    outputs: Mapping[tuple[str, str], Mapping[str, str]]  # (view, language) -> {"fragment", "page"}
    etags: Mapping[tuple[str, str], str]
    build_seconds: float
    render_seconds: float

    def fragment(self, view: str, language: str) -> str:
        return self.outputs[(view, language)]["fragment"]

    def page(self, view: str, language: str) -> str:
        return self.outputs[(view, language)]["page"]

    def etag(self, view: str, language: str) -> str:
        return self.etags[(view, language)]


class Publisher:
    """Owns the latest Rendition; `wait_for_next(seq)` blocks viewers' streams until a newer one exists."""

    def __init__(
        self,
        store: ObjectStore,
        build: Callable[[Mapping, datetime], Board],
        render: Renderer,
        views: tuple[str, ...],
        languages: tuple[str, ...],
        clock: Callable[[], datetime],
        refresh_seconds: float,
        on_publish: Callable[[Rendition], None] | None = None,
    ) -> None:
        self._store = store
        self._build = build
        self._render = render
        self._variants = tuple((view, language) for view in views for language in languages)
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._on_publish = on_publish
        self._condition = threading.Condition()
        self._latest: Rendition | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def has_rendition(self) -> bool:
        with self._condition:
            return self._latest is not None

    @property
    def latest(self) -> Rendition:
        with self._condition:
            if self._latest is None:
                self._condition.wait_for(lambda: self._latest is not None, timeout=30)
            if self._latest is None:
                raise RuntimeError("the board has not been rendered yet")
            return self._latest

    def publish_now(self) -> Rendition:
        """Build and render the current store state synchronously (start-up, tests, benchmarks)."""
        snapshot = self._store.snapshot()
        started = time.perf_counter()
        board = self._build(snapshot.objects, self._clock())
        built = time.perf_counter()
        outputs = {variant: self._render(board, *variant) for variant in self._variants}
        rendered = time.perf_counter()
        etags = {variant: _etag(output["page"]) for variant, output in outputs.items()}
        with self._condition:
            sequence = (self._latest.sequence + 1) if self._latest else 1
            rendition = Rendition(
                sequence, snapshot.version, board, outputs, etags, built - started, rendered - built
            )
            self._latest = rendition
            self._condition.notify_all()
        if self._on_publish:
            self._on_publish(rendition)
        return rendition

    def wait_for_next(self, after_sequence: int, timeout: float) -> Rendition | None:
        """The first Rendition newer than `after_sequence`, or None when the timeout passes first."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._latest is not None and self._latest.sequence > after_sequence, timeout=timeout
            )
            if self._latest is not None and self._latest.sequence > after_sequence:
                return self._latest
            return None

    def start(self) -> None:
        self.publish_now()
        self._thread = threading.Thread(target=self._run, name="board-publisher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        published_version = self.latest.store_version
        last_publish = time.monotonic()
        while not self._stop.is_set():
            wait = max(0.05, self._refresh_seconds - (time.monotonic() - last_publish))
            version = self._store.wait_for_change(published_version, timeout=min(wait, 0.2))
            due = time.monotonic() - last_publish >= self._refresh_seconds
            if version == published_version and not due:
                continue
            try:
                published_version = self.publish_now().store_version
            except Exception:  # pylint: disable=broad-exception-caught  # keep serving the last good board
                log.exception("building the board failed; viewers keep the previous one")
                published_version = version
            last_publish = time.monotonic()


def _etag(html: str) -> str:
    return '"' + hashlib.blake2b(html.encode(), digest_size=12).hexdigest() + '"'
