"""The Source port: whatever fills the ObjectStore (a cluster, the simulator, a snapshot file, a recording).

The rest of the process sees only this: start it, stop it, ask how fresh its picture is, read the store it
fills. Which adapter runs is chosen once, in `dashboard.sources.bootstrap.open_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from dashboard.sources.status import SourceStatus
from dashboard.sources.store import ObjectStore

if TYPE_CHECKING:
    from dashboard.sources.simulator import Simulator


class Source(Protocol):
    @property
    def store(self) -> ObjectStore:
        """The store this source fills."""
        ...

    @property
    def simulator(self) -> Simulator | None:
        """The in-process Kargo that actions go to when the source is the simulator (started); else None."""
        ...

    def start(self, on_status_change: Callable[[], None]) -> None:
        """Fill the store and keep it filled; returns once the first picture is in (bounded wait).
        `on_status_change` is called when the source turns stale or live again."""
        ...

    def stop(self) -> None: ...

    def status(self) -> SourceStatus: ...
