"""Drives a Simulator with the real clock for the server: the only place real time enters the simulator."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from dashboard.sources.simulation.engine import Simulator
from dashboard.vocabulary import utc_now

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def run_forever(
    simulator: Simulator, stop: threading.Event, clock: Clock = utc_now, interval: float = 0.5
) -> None:
    """Advance the simulator to `clock()` every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            simulator.advance(clock())
        except Exception:  # pylint: disable=broad-exception-caught  # a bad tick must not end the demo
            log.exception("simulator tick failed")
        stop.wait(interval)


class SimulatorThread(threading.Thread):
    """A daemon thread running `run_forever`; `stop()` ends it and waits for it."""

    def __init__(self, simulator: Simulator, clock: Clock = utc_now, interval: float = 0.5) -> None:
        super().__init__(name="simulator", daemon=True)
        self._simulator = simulator
        self._clock = clock
        self._interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        run_forever(self._simulator, self._stop_event, self._clock, self._interval)

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop_event.set()
        self.join(timeout)
