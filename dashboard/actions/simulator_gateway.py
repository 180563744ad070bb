"""The gateway to the embedded simulator: the same requests, answered the way Kargo would answer them."""

from __future__ import annotations

from dashboard.actions.errors import ActionError
from dashboard.actions.gateway import actor_annotation
from dashboard.auth.roles import Identity
from dashboard.sources.simulator import (
    FreightNotAvailableError,
    NotFoundError,
    PromotionTerminalError,
    Simulator,
    SimulatorError,
)


class SimulatorGateway:
    def __init__(self, simulator: Simulator) -> None:
        self._simulator = simulator

    def promote(self, stage: str, freight: str, request_id: str, identity: Identity) -> str:
        # The simulator names Promotions itself; double submits are stopped by the audit log's unique key.
        del request_id
        with _translated():
            promotion = self._simulator.promote(stage, freight, actor=actor_annotation(identity))
        return promotion["metadata"]["name"]

    def approve(self, freight: str, stage: str, identity: Identity) -> None:
        with _translated():
            self._simulator.approve(freight, stage, actor=actor_annotation(identity))

    def abort(self, promotion: str, identity: Identity) -> None:
        with _translated():
            self._simulator.abort(promotion, actor=actor_annotation(identity))

    def refresh_warehouse(self, warehouse: str, identity: Identity) -> None:
        if warehouse != self._simulator.plan.warehouse:
            raise ActionError("not-found", f'Warehouse "{warehouse}" not found')
        with _translated():
            self._simulator.refresh_warehouse(actor=actor_annotation(identity))


class _translated:
    """Turns SimulatorError into ActionError with the code Kargo's answer would map to."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> None:
        if isinstance(error, SimulatorError):
            raise ActionError(_code(error), str(error)) from None


def _code(error: SimulatorError) -> str:
    if isinstance(error, FreightNotAvailableError):
        return "not-available"
    if isinstance(error, NotFoundError):
        return "not-found"
    if isinstance(error, PromotionTerminalError):
        return "conflict"
    return "invalid"
