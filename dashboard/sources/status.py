"""What a source tells the board about its connection (the stale banner), in a module light enough for
the renderer: no client library comes with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceStatus:
    """What the board says about its connection: all synced, or stale since a moment."""

    synced: bool
    stale_since: datetime | None
    reconnects: int
    relists: int
    last_error: str | None


# The offline sources (simulator, snapshot, replay) are never out of date.
ALWAYS_SYNCED = SourceStatus(synced=True, stale_since=None, reconnects=0, relists=0, last_error=None)
