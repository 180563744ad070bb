"""The promotion timeline per Stage (the /history view): every Promotion object, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.model.objects import name_of, namespace_of
from dashboard.model.promotions import promotion_view, promotions_by_stage
from dashboard.model.types import PromotionView


def promotion_history(
    promotions: Sequence[Mapping[str, Any]],
    freights: Sequence[Mapping[str, Any]],
    *,
    project: str,
) -> dict[str, tuple[PromotionView, ...]]:
    """Stage name -> its Promotions in the project namespace, newest first (Kargo names sort by creation)."""
    freight_by_name = {name_of(f): f for f in freights if namespace_of(f) == project}
    in_project = [p for p in promotions if namespace_of(p) == project]
    return {
        stage: tuple(promotion_view(p, None, freight_by_name) for p in reversed(stage_promotions))
        for stage, stage_promotions in promotions_by_stage(in_project).items()
    }
