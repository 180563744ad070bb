"""Builds the board once per change and keeps the rendered pages in memory for every viewer.

One background thread waits for the ObjectStore to change (or for the periodic refresh that keeps relative
times true, or for a refresh the audit log asks for), builds the board model from one store snapshot and one
audit snapshot, and publishes it as a `Rendition`: everything its pages show is in that Board. A Rendition
renders each variant (view, language, role) the first time someone asks for it and keeps the HTML, so N
viewers of a variant cost one render and N memory reads. The variants viewers asked for last time are
rendered ahead, by the publisher thread, so open live streams never wait for a render.
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
from dashboard.model.memo import Memo
from dashboard.model.types import Approval
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import ANONYMOUS_ROLE

log = logging.getLogger(__name__)

# What a page looks like for whom: the view, the language, and the viewer's role (buttons differ by role).
Variant = tuple[str, str, str]
# (board, view, language, role) -> {"fragment": the live-swapped part, "page": the whole document around it}
Renderer = Callable[[Board, str, str, str], Mapping[str, str]]
# (objects, now, memo, approvals) -> Board; approvals: Promotion name -> who asked for it (the audit log)
Builder = Callable[[Mapping, datetime, Memo, Mapping[str, Approval]], Board]


@dataclass(frozen=True)
class Rendered:
    fragment: str
    page: str
    etag: str


class Rendition:
    """Everything viewers need for one state of the cluster; variants are rendered once, on first use."""

    def __init__(
        self,
        sequence: int,
        store_version: int,
        board: Board,
        render: Renderer,
        build_seconds: float,
    ) -> None:
        self.sequence = sequence  # increases with every publication (the SSE event id)
        self.store_version = store_version
        self.board = board
        self.build_seconds = build_seconds
        self._render = render
        self._rendered: dict[Variant, Rendered] = {}
        self._render_seconds: dict[Variant, float] = {}
        self._requested: dict[Variant, None] = {}  # ordered set: what viewers asked of this state
        self._lock = threading.Lock()

    def rendered(
        self, view: str, language: str, role: str = ANONYMOUS_ROLE, *, ahead: bool = False
    ) -> Rendered:
        """The variant's HTML; `ahead` renders without counting as a viewer's request."""
        variant = (view, language, role)
        if not ahead:
            self._requested[variant] = None
        found = self._rendered.get(variant)
        if found is not None:
            return found
        with self._lock:  # the first asker renders; everyone else waits for and shares the result
            found = self._rendered.get(variant)
            if found is None:
                started = time.perf_counter()
                output = self._render(self.board, view, language, role)
                found = Rendered(output["fragment"], output["page"], _etag(output["page"]))
                self._render_seconds[variant] = time.perf_counter() - started
                self._rendered[variant] = found
            return found

    def fragment(self, view: str, language: str, role: str = ANONYMOUS_ROLE) -> str:
        return self.rendered(view, language, role).fragment

    def page(self, view: str, language: str, role: str = ANONYMOUS_ROLE) -> str:
        return self.rendered(view, language, role).page

    def etag(self, view: str, language: str, role: str = ANONYMOUS_ROLE) -> str:
        return self.rendered(view, language, role).etag

    @property
    def requested(self) -> tuple[Variant, ...]:
        """The variants viewers asked of this state: the next state renders them ahead."""
        return tuple(self._requested)

    @property
    def render_seconds(self) -> float:
        """Time spent rendering this state's variants so far."""
        return sum(self._render_seconds.values())


class Publisher:
    """Owns the latest Rendition; `wait_for_next(seq)` blocks viewers' streams until a newer one exists."""

    def __init__(
        self,
        store: ObjectStore,
        build: Builder,
        render: Renderer,
        warm: tuple[Variant, ...],
        clock: Callable[[], datetime],
        refresh_seconds: float,
        on_publish: Callable[[Rendition], None] | None = None,
        approvals: Callable[[], Mapping[str, Approval]] = dict,
    ) -> None:
        self._store = store
        self._approvals = approvals  # a snapshot (a copy) of the audit log's approvals
        self._build = build
        self._render = render
        self._warm = warm  # rendered ahead at every change, even before anyone asked
        self._memo = Memo()
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._on_publish = on_publish
        self._condition = threading.Condition()
        self._latest: Rendition | None = None
        self._stop = threading.Event()
        self._refresh_requested = threading.Event()
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
        """Build the current store state and render the variants in demand (start-up, tests, benchmarks)."""
        snapshot = self._store.snapshot()
        approvals = self._approvals()
        started = time.perf_counter()
        board = self._build(snapshot.objects, self._clock(), self._memo, approvals)
        build_seconds = time.perf_counter() - started
        with self._condition:
            previous = self._latest
        sequence = (previous.sequence + 1) if previous else 1
        rendition = Rendition(sequence, snapshot.version, board, self._render, build_seconds)
        for variant in dict.fromkeys(self._warm + (previous.requested if previous else ())):
            rendition.rendered(*variant, ahead=True)
        with self._condition:
            self._latest = rendition
            self._condition.notify_all()
        if self._on_publish:
            self._on_publish(rendition)
        return rendition

    def refresh(self) -> None:
        """Ask for a new build soon although the store did not change (e.g. the audit log did)."""
        self._refresh_requested.set()

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
            if version == published_version and not due and not self._refresh_requested.is_set():
                continue
            self._refresh_requested.clear()
            try:
                published_version = self.publish_now().store_version
            except Exception:  # pylint: disable=broad-exception-caught  # keep serving the last good board
                log.exception("building the board failed; viewers keep the previous one")
                published_version = version
            last_publish = time.monotonic()


def _etag(html: str) -> str:
    return '"' + hashlib.blake2b(html.encode(), digest_size=12).hexdigest() + '"'
