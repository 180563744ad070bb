"""What every simulated controller shares: the world, simulated time, the timer queue and the seeded RNG."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.sources.simulation.ids import UlidFactory, random_uuid
from dashboard.sources.simulation.state import ObjectIdentity, Timings, World

Action = Callable[[datetime], None]
EVENT_LIMIT = 200


class Scheduler:
    """Timers in simulated time; equal due times fire in the order they were set, so runs are repeatable."""

    def __init__(self) -> None:
        self._queue: list[tuple[datetime, int, Action]] = []
        self._sequence = 0

    def at(self, due: datetime, action: Action) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (due, self._sequence, action))

    def pop_due(self, until: datetime) -> tuple[datetime, Action] | None:
        if not self._queue or self._queue[0][0] > until:
            return None
        due, _, action = heapq.heappop(self._queue)
        return due, action


@dataclass(frozen=True)
class SimulatorEvent:
    """A Kubernetes-Event-like record of who asked for what; Kargo keeps approvers only in Events."""

    at: datetime
    reason: str
    message: str
    actor: str | None = None


@dataclass
class SimulationContext:
    world: World
    rng: random.Random
    timings: Timings
    now: datetime
    ulids: UlidFactory
    scheduler: Scheduler = field(default_factory=Scheduler)
    events: list[SimulatorEvent] = field(default_factory=list)

    def new_identity(self, at: datetime) -> ObjectIdentity:
        return ObjectIdentity(uid=random_uuid(self.rng), created_at=at)

    def record(self, at: datetime, reason: str, message: str, actor: str | None = None) -> None:
        self.events.append(SimulatorEvent(at, reason, message, actor))
        del self.events[:-EVENT_LIMIT]
