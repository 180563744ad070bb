"""Kargo's availability rule for the simulator: the board model's own rule, so the two cannot disagree."""

from __future__ import annotations

from datetime import timedelta

from dashboard.model.freight import FreightFacts, availability
from dashboard.model.pipeline import FreightRequest
from dashboard.model.types import Origin
from dashboard.sources.simulation.pipeline import StagePlan
from dashboard.sources.simulation.state import FreightState, World

# The simulator has one Warehouse: every request and every Freight share this origin.
_ORIGIN = Origin("Warehouse", "simulated")


def unavailability(stage: StagePlan, freight: FreightState) -> str | None:
    """None when `freight` may be promoted to `stage`; otherwise why not, in words."""
    request = FreightRequest(
        origin=_ORIGIN,
        direct=not stage.upstream,
        upstream=stage.upstream,
        availability_strategy="OneOf",
        required_soak_time="",
        required_soak_ns=None,
    )
    facts = FreightFacts(
        name=freight.name,
        origin=_ORIGIN,
        approved_for=frozenset(freight.approved_for),
        verified_in=frozenset(freight.verified_in),
        longest_completed_soak={
            name: (verified.longest_soak or timedelta(0)) // timedelta(microseconds=1) * 1000
            for name, verified in freight.verified_in.items()
        },
        in_stage_since=dict(freight.currently_in),
        namespace="",
    )
    # The simulated Stages ask for no soak time, so the rule never reads the clock: any instant will do.
    if availability(stage.name, (request,), facts, freight.discovered_at).available:
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
