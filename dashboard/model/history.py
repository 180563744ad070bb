"""What the board shows of the past: the promotion timeline per Stage (the /history view), the Freight each
Stage ran before its current one (the rollback target), and who asked for each Promotion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from dashboard.model.objects import name_of, namespace_of
from dashboard.model.promotions import promotion_view, promotions_by_stage
from dashboard.model.types import Approval, PromotionView, Requester


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


def previous_freight(objects: Mapping[str, Sequence[Mapping[str, Any]]], project: str) -> dict[str, str]:
    """Stage name -> the Freight it ran before its current one, for the Stages of `project` that have one."""
    previous: dict[str, str] = {}
    for stage in objects.get("Stage", ()):
        if (namespace_of(stage) or project) != project:
            continue
        found = stage_previous_freight(stage)
        if found:
            previous[name_of(stage)] = found
    return previous


def stage_previous_freight(stage: Mapping[str, Any]) -> str | None:
    """The newest entry of `status.freightHistory` (newest first) not in the current one."""
    history = (stage.get("status") or {}).get("freightHistory") or []
    if not isinstance(history, list) or len(history) < 2:
        return None
    current = set(_names(history[0]))
    for entry in history[1:]:
        older = [name for name in _names(entry) if name not in current]
        if older:
            return older[0]
    return None


def _names(collection: Any) -> list[str]:
    items = collection.get("items") if isinstance(collection, dict) else None
    if not isinstance(items, dict):
        return []
    return [str(ref["name"]) for ref in items.values() if isinstance(ref, dict) and ref.get("name")]


def with_requesters(
    view: PromotionView | None, approvals: Mapping[str, Approval], auto_promotion: bool = False
) -> PromotionView | None:
    """The Promotion with who asked for it: the audit log names the person (Kargo's create-actor then names
    the board's ServiceAccount); without a record, the create-actor; without that, nobody. In a Stage with
    auto-promotion on (`auto_promotion`), nobody is Kargo's Stage controller: its webhook writes a
    create-actor on every Promotion but the ones its control plane makes without an actor, its
    auto-promotions (pkg/webhook/kubernetes/promotion/webhook.go). Elsewhere unknown is the truth."""
    if view is None:
        return None
    approval = approvals.get(view.name)
    if approval is not None:
        requester = Requester(approval.actor, approval.role, approval.requested_at, recorded=True)
        return replace(view, requested_by=requester, approved_by=requester)
    if view.actor:
        return replace(
            view, approved_by=Requester(view.actor, "", view.finished_at or view.started_at, False)
        )
    if view.finished_at:
        return replace(view, approved_by=Requester("", "", view.finished_at, False, automatic=auto_promotion))
    return view
