"""Kargo's availability rule (`Stage.IsFreightAvailable`) for the simulator's single-origin Stages."""

from __future__ import annotations

from dashboard.sources.simulation.pipeline import StagePlan
from dashboard.sources.simulation.state import FreightState, World


def unavailability(stage: StagePlan, freight: FreightState) -> str | None:
    """None when `freight` may be promoted to `stage`; otherwise why not, in words."""
    if stage.name in freight.approved_for or not stage.upstream:
        return None
    if any(upstream in freight.verified_in for upstream in stage.upstream):  # availabilityStrategy OneOf
        return None
    upstream = " or ".join(f'"{name}"' for name in stage.upstream)
    return f'it has not been verified in Stage {upstream} and is not approved for Stage "{stage.name}"'


def available_freight(world: World, stage: StagePlan) -> list[FreightState]:
    """Freight the Stage may take, oldest first."""
    return [freight for freight in world.freight.values() if unavailability(stage, freight) is None]


def auto_promotion_candidate(world: World, stage: StagePlan) -> FreightState | None:
    """The NewestFreight selection policy: the most recently discovered available Freight."""
    available = available_freight(world, stage)
    return available[-1] if available else None
