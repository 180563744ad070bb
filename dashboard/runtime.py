"""Wires one process's data flow: a Source fills the ObjectStore, the Publisher builds and renders from it.

Exactly one Runtime exists per process, whatever the number of viewers: that is what keeps the cluster load
independent of the audience.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.actions.wiring import WriteSide
from dashboard.i18n import board_timezone
from dashboard.live.publisher import Publisher, Rendition, Variant
from dashboard.live.renderer import BoardRenderer, RenderContext, make_environment
from dashboard.model import build_board
from dashboard.settings import Settings
from dashboard.sources.adapters import KubernetesFeed, ReplayFeed
from dashboard.sources.bootstrap import open_source
from dashboard.sources.kube import KubeSource
from dashboard.sources.port import Source
from dashboard.sources.replay import ReplaySource
from dashboard.sources.simulator import Simulator
from dashboard.sources.status import SourceStatus
from dashboard.vocabulary import ANONYMOUS_ROLE, utc_now

log = logging.getLogger(__name__)


def warm_variants(language: str) -> tuple[Variant, ...]:
    """What the Publisher renders at every change before anyone asks: the pages open during a talk (the board,
    the projector and the audience page, for anonymous viewers)."""
    return tuple((view, language, ANONYMOUS_ROLE) for view in ("board", "projector", "watch"))


@dataclass
class Metrics:
    """Counters the /metrics endpoint exposes (plain numbers; prometheus_client formats them)."""

    renders: int = 0
    last_build_seconds: float = 0.0
    last_render_seconds: float = 0.0
    viewers: int = 0
    audience: int = 0  # of the viewers, those on the audience page (/watch): the projector shows it
    streams_opened: int = 0
    extra: dict[str, float] = field(default_factory=dict)


class Runtime:
    """Source + store + publisher for one process, and the write side beside them. `start()` before serving,
    `stop()` at exit. Which source fills the store is decided once, by `open_source`."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> None:
        opened = open_source(settings, clock)
        self.settings = settings
        self.source: Source = opened.source
        self.clock = opened.clock
        self.store = self.source.store
        self.metrics = Metrics()
        self.audience_url = settings.public_url or ""
        self.write = WriteSide(settings, self.clock)  # actions, the audit log and the gateway to Kargo
        self.publisher = Publisher(
            self.store,
            build=lambda objects, now, memo, approvals: build_board(
                objects, project=settings.project, now=now, memo=memo, approvals=approvals
            ),
            render=BoardRenderer(make_environment(board_timezone(settings.timezone)), self._render_context),
            warm=warm_variants(settings.default_language),
            clock=self.clock,
            refresh_seconds=settings.refresh_seconds,
            on_publish=self._count,
            approvals=self.write.audit.approvals,
        )

    def start(self) -> None:
        self.source.start(on_status_change=self.publisher.refresh)
        self.write.start(
            self.store, lambda: self.latest.board, self.publisher.refresh, simulator=self.source.simulator
        )
        self.publisher.start()

    def stop(self) -> None:
        self.publisher.stop()
        self.write.stop()
        self.source.stop()

    @property
    def simulator(self) -> Simulator | None:
        """The simulator the board runs on (started), for commands and tests that drive it."""
        return self.source.simulator

    @property
    def kube(self) -> KubeSource | None:
        return self.source.kube if isinstance(self.source, KubernetesFeed) else None

    @kube.setter
    def kube(self, kube: KubeSource) -> None:
        """A KubeSource of the caller's own (on this Runtime's store): start() uses it, no connecting."""
        if not isinstance(self.source, KubernetesFeed):
            raise ValueError(f"the board's source is {self.settings.source!r}, not kubernetes")
        self.source.kube = kube

    @property
    def replay(self) -> ReplaySource | None:
        return self.source.replay if isinstance(self.source, ReplayFeed) else None

    def source_status(self) -> SourceStatus:
        return self.source.status()

    @property
    def latest(self) -> Rendition:
        return self.publisher.latest

    def _render_context(self) -> RenderContext:
        return RenderContext(
            self.source_status(),
            self.audience_url,
            permissions=self.write.permissions,
            audience_people=self.settings.audience_people,
            audience=self.metrics.audience,
        )

    def _count(self, rendition: Rendition) -> None:
        self.metrics.renders += 1
        self.metrics.last_build_seconds = rendition.build_seconds
        self.metrics.last_render_seconds = rendition.render_seconds
