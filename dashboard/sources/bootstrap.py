"""The one place that turns the configured source kind into a Source (see port.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dashboard.settings import Settings
from dashboard.sources.adapters import KubernetesFeed, ReplayFeed, SimulatorFeed, SnapshotFeed
from dashboard.sources.kube import KubeSource, load_api_client, targets_for
from dashboard.sources.port import Source
from dashboard.sources.replay import ReplaySource, load_recording
from dashboard.sources.store import ObjectStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedSource:
    source: Source
    clock: Callable[[], datetime]  # the board's clock: the recording's time for a replay, else the given one


def open_source(settings: Settings, clock: Callable[[], datetime]) -> OpenedSource:
    """The configured source, not started yet. A replay's recording and a snapshot's file are read when
    they are used (RecordingError / SnapshotError name the bad line)."""
    store = ObjectStore()
    if settings.source == "replay":
        assert settings.replay_path is not None  # validated in settings
        recording = load_recording(settings.replay_path)
        if recording.project != settings.project:
            log.warning(
                "the recording is of project %r, the board shows %r", recording.project, settings.project
            )
        replay = ReplaySource(store, recording, speed=settings.replay_speed)
        # The board's clock follows the recording, so "2 min ago" stays true to it.
        return OpenedSource(ReplayFeed(replay), replay.clock)
    if settings.source == "simulator":
        feed = SimulatorFeed(
            store,
            project=settings.project,
            seed=settings.simulator_seed,
            freight_interval=settings.simulator_freight_interval,
            clock=clock,
        )
        return OpenedSource(feed, clock)
    if settings.source == "kubernetes":

        def connect(target: ObjectStore) -> KubeSource:
            api = load_api_client(settings.kubeconfig, settings.kube_context)
            return KubeSource(target, api, targets_for(settings.project, settings.argocd_namespace))

        return OpenedSource(KubernetesFeed(store, connect), clock)
    assert settings.snapshot_path is not None  # validated in settings
    return OpenedSource(SnapshotFeed(store, settings.snapshot_path, project=settings.project), clock)
