"""The Source port's adapters: the Kubernetes watch, the embedded simulator, a snapshot file, a recording."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from dashboard.sources.kube import KubeSource
from dashboard.sources.replay import ReplaySource
from dashboard.sources.simulator import Simulator, SimulatorThread
from dashboard.sources.snapshot import fill_store, load_snapshot
from dashboard.sources.status import ALWAYS_SYNCED, SourceStatus
from dashboard.sources.store import ObjectStore

# How long start-up waits for the first full list of every kind before serving a board that says "stale".
KUBE_SYNC_TIMEOUT_SECONDS = 10
# The simulator starts with a lived-in board: this much history behind "now".
SIMULATED_HISTORY = timedelta(hours=6)


class _Passive:
    """A source that is always in sync and acts on nothing (no simulator)."""

    _store: ObjectStore

    @property
    def store(self) -> ObjectStore:
        return self._store

    @property
    def simulator(self) -> Simulator | None:
        return None

    def status(self) -> SourceStatus:
        return ALWAYS_SYNCED


class KubernetesFeed(_Passive):
    """Watches the cluster; the only source that can go stale. `connect` makes the KubeSource at start-up
    (reading the kubeconfig then, as the process starts serving), unless one was handed in as `kube`."""

    def __init__(self, store: ObjectStore, connect: Callable[[ObjectStore], KubeSource]) -> None:
        self._store = store
        self._connect = connect
        self.kube: KubeSource | None = None

    def start(self, on_status_change: Callable[[], None]) -> None:
        if self.kube is None:
            self.kube = self._connect(self._store)
        self.kube.on_status_change = on_status_change  # the stale banner comes and goes at once
        self.kube.start()
        self.kube.wait_synced(timeout=KUBE_SYNC_TIMEOUT_SECONDS)

    def stop(self) -> None:
        if self.kube:
            self.kube.stop()

    def status(self) -> SourceStatus:
        return self.kube.status() if self.kube else ALWAYS_SYNCED


class SimulatorFeed(_Passive):
    """The embedded simulator, driven by real time (or the given clock) on its own thread."""

    def __init__(
        self,
        store: ObjectStore,
        *,
        project: str,
        seed: int,
        freight_interval: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._project = project
        self._seed = seed
        self._freight_interval = freight_interval
        self._clock = clock
        self._simulator: Simulator | None = None
        self._thread: SimulatorThread | None = None

    @property
    def simulator(self) -> Simulator | None:
        return self._simulator

    def start(self, on_status_change: Callable[[], None]) -> None:
        del on_status_change  # the simulator is never stale
        now = self._clock()
        simulator = Simulator(
            self._store, project=self._project, seed=self._seed, start=now - SIMULATED_HISTORY
        )
        simulator.bootstrap(now)
        if self._freight_interval > 0:
            simulator.push_builds_every(timedelta(seconds=self._freight_interval))
        self._simulator = simulator
        self._thread = SimulatorThread(simulator, clock=self._clock)
        self._thread.start()

    def stop(self) -> None:
        if self._thread:
            self._thread.stop()


class SnapshotFeed(_Passive):
    """A `kubectl get -o json` file (or a recorder's snapshot), loaded once."""

    def __init__(self, store: ObjectStore, path: str | Path, *, project: str) -> None:
        self._store = store
        self._path = path
        self._project = project

    def start(self, on_status_change: Callable[[], None]) -> None:
        del on_status_change  # a file is never stale
        fill_store(self._store, load_snapshot(self._path, project=self._project))

    def stop(self) -> None:
        pass  # nothing runs


class ReplayFeed(_Passive):
    """A recording played back at its own pace; the board's clock follows it."""

    def __init__(self, replay: ReplaySource) -> None:
        self.replay = replay
        self._store = replay.store

    def start(self, on_status_change: Callable[[], None]) -> None:
        del on_status_change  # a recording is never stale
        self.replay.start()

    def stop(self) -> None:
        self.replay.stop()
