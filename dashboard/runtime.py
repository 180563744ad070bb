"""Wires one process's data flow: a source fills the ObjectStore, the Publisher renders from it.

Exactly one Runtime exists per process, whatever the number of viewers: that is what keeps the cluster load
independent of the audience.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.actions.wiring import WriteSide
from dashboard.i18n import board_timezone
from dashboard.live.publisher import Publisher, Rendition, Variant
from dashboard.live.renderer import BoardRenderer, RenderContext, make_environment
from dashboard.model import build_board
from dashboard.settings import Settings
from dashboard.sources.kube import KubeSource, load_api_client, targets_for
from dashboard.sources.replay import ReplaySource, load_recording
from dashboard.sources.simulator import Simulator, SimulatorThread
from dashboard.sources.snapshot import fill_store, load_snapshot
from dashboard.sources.status import ALWAYS_SYNCED, SourceStatus
from dashboard.sources.store import ObjectStore
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
    """Store + source + publisher for one process. `start()` before serving, `stop()` at exit."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        kube_source: KubeSource | None = None,
    ) -> None:
        self.replay: ReplaySource | None = None
        if settings.source == "replay":
            assert settings.replay_path is not None  # validated in settings
            recording = load_recording(settings.replay_path)  # RecordingError names the bad line
            if recording.project != settings.project:
                log.warning(
                    "the recording is of project %r, the board shows %r", recording.project, settings.project
                )
            self.replay = ReplaySource(ObjectStore(), recording, speed=settings.replay_speed)
            # The board's clock follows the recording, so "2 min ago" stays true to it.
            clock = self.replay.clock
        self.settings = settings
        self.clock = clock
        self.store = self.replay.store if self.replay else ObjectStore()
        self.metrics = Metrics()
        self.simulator: Simulator | None = None
        self.kube: KubeSource | None = kube_source
        self._simulator_thread: SimulatorThread | None = None
        self.audience_url = settings.public_url or ""
        self.write = WriteSide(settings, clock)  # actions, the audit log and the gateway to Kargo
        self.publisher = Publisher(
            self.store,
            build=lambda objects, now, memo, approvals: build_board(
                objects, project=settings.project, now=now, memo=memo, approvals=approvals
            ),
            render=BoardRenderer(make_environment(board_timezone(settings.timezone)), self._render_context),
            warm=warm_variants(settings.default_language),
            clock=clock,
            refresh_seconds=settings.refresh_seconds,
            on_publish=self._count,
            approvals=self.write.audit.approvals,
        )

    def start(self) -> None:
        settings = self.settings
        if settings.source == "simulator":
            now = self.clock()
            self.simulator = Simulator(
                self.store,
                project=settings.project,
                seed=settings.simulator_seed,
                start=now - timedelta(hours=6),
            )
            self.simulator.bootstrap(now)
            if settings.simulator_freight_interval > 0:
                self.simulator.push_builds_every(timedelta(seconds=settings.simulator_freight_interval))
            self._simulator_thread = SimulatorThread(self.simulator, clock=self.clock)
            self._simulator_thread.start()
        elif settings.source == "kubernetes":
            if self.kube is None:
                api = load_api_client(settings.kubeconfig, settings.kube_context)
                self.kube = KubeSource(
                    self.store, api, targets_for(settings.project, settings.argocd_namespace)
                )
            self.kube.on_status_change = self.publisher.refresh  # the stale banner comes and goes at once
            self.kube.start()
            self.kube.wait_synced(timeout=10)
        elif self.replay is not None:
            self.replay.start()
        else:
            assert settings.snapshot_path is not None  # validated in settings
            fill_store(self.store, load_snapshot(settings.snapshot_path, project=settings.project))
        self.write.start(
            self.store, lambda: self.latest.board, self.publisher.refresh, simulator=self.simulator
        )
        self.publisher.start()

    def stop(self) -> None:
        self.publisher.stop()
        self.write.stop()
        if self._simulator_thread:
            self._simulator_thread.stop()
        if self.kube:
            self.kube.stop()
        if self.replay:
            self.replay.stop()

    def source_status(self) -> SourceStatus:
        return self.kube.status() if self.kube else ALWAYS_SYNCED

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
