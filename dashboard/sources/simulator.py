"""The embedded simulator source: a realistic Kargo + Argo CD pipeline without a cluster.

    store = ObjectStore()
    simulator = Simulator(store, project="userapp", seed=0, start=now - timedelta(hours=3))
    simulator.bootstrap(now)            # a lived-in board right away
    SimulatorThread(simulator).start()  # then real time drives it
    simulator.promote("stg", "waxen-seal", actor="email:qa@example.com")

Every object lands in the store as the real controllers would write it, so the board cannot tell the
difference. Requests Kargo would refuse raise a `SimulatorError` subclass with a message for people.
"""

from dashboard.sources.simulation.context import SimulatorEvent
from dashboard.sources.simulation.engine import Simulator
from dashboard.sources.simulation.errors import (
    DuplicateFreightError,
    FreightNotAvailableError,
    InvalidRequestError,
    NotFoundError,
    PromotionTerminalError,
    SimulatorError,
    UnknownFreightError,
    UnknownPromotionError,
    UnknownStageError,
)
from dashboard.sources.simulation.pipeline import PipelinePlan, StagePlan
from dashboard.sources.simulation.runner import SimulatorThread, run_forever
from dashboard.sources.simulation.state import Timings

__all__ = [
    "DuplicateFreightError",
    "FreightNotAvailableError",
    "InvalidRequestError",
    "NotFoundError",
    "PipelinePlan",
    "PromotionTerminalError",
    "Simulator",
    "SimulatorError",
    "SimulatorEvent",
    "SimulatorThread",
    "StagePlan",
    "Timings",
    "UnknownFreightError",
    "UnknownPromotionError",
    "UnknownStageError",
    "run_forever",
]
