"""The board as JSON-ready data: fixed key order, camelCase keys, RFC 3339 UTC times (see README.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dashboard.model.objects import format_time
from dashboard.model.types import (
    ApplicationView,
    Board,
    CommitRef,
    CurrentFreight,
    FreightView,
    ImageRef,
    Notice,
    PromotionView,
    StageDiff,
    StageView,
    Verification,
    WarehouseView,
)

JSON_SCHEMA_VERSION = 1


def board_to_json(board: Board) -> dict[str, Any]:
    return {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "project": board.project,
        "generatedAt": format_time(board.generated_at),
        "stages": [_stage(stage) for stage in board.stages],
        "freight": [_freight(item) for item in board.freight],
        "warehouses": [_warehouse(warehouse) for warehouse in board.warehouses],
        "diffs": [_diff(diff) for diff in board.diffs],
        "warnings": [_notice(notice) for notice in board.warnings],
        "unclaimedApplications": [_application(app) for app in board.unclaimed_applications],
        "unclaimedPromotions": [_promotion(promotion) for promotion in board.unclaimed_promotions],
    }


def _stage(stage: StageView) -> dict[str, Any]:
    plain = "name description color control_flow depth"
    lists = "direct_warehouses upstream downstream"
    holds = "origin freight promotion actor created_at effective recorded freight_label"
    return (
        fields_of(stage, plain)
        | {"origins": [origin.key for origin in stage.origins]}
        | fields_of(stage, lists)
        | {
            "currentFreight": _current(stage.current_freight[0]) if stage.current_freight else None,
            "currentFreightByOrigin": [_current(item) for item in stage.current_freight],
            "freightSummary": stage.freight_summary,
            "images": [_image(image) for image in stage.images],
            "commits": [_commit(commit) for commit in stage.commits],
            "health": fields_of(stage.health, "status issues"),
            "state": fields_of(stage.state, "phase reason message"),
            "verification": _verification(stage.verification) if stage.verification else None,
            "promotion": _promotion(stage.promotion) if stage.promotion else None,
            "lastPromotion": _promotion(stage.last_promotion) if stage.last_promotion else None,
            "autoPromotion": {
                "enabled": stage.auto_promotion.enabled,
                "holds": [fields_of(hold, holds) for hold in stage.auto_promotion.holds],
            },
            "applications": [_application(app) for app in stage.applications],
            "promotableFreight": list(stage.promotable_freight),
            "soakingFreight": [
                fields_of(item, "freight remaining_seconds") for item in stage.soaking_freight
            ],
            "warnings": [_notice(notice) for notice in stage.warnings],
            "availableFreight": list(stage.available_freight),
            "queuedPromotions": [_promotion(promotion) for promotion in stage.queued_promotions],
        }
    )


def camel_case(name: str) -> str:
    """`repo_url` -> `repoURL`, `started_at` -> `startedAt`: the keys Kargo's own JSON uses."""
    head, *rest = name.split("_")
    return head + "".join("URL" if part == "url" else part.capitalize() for part in rest)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def fields_of(view: Any, names: str) -> dict[str, Any]:
    """The view's plain fields `names` (space-separated, in key order) under camelCase keys: times in RFC 3339
    UTC, tuples as lists. Fields holding other views are written by their own function."""
    return {camel_case(name): _plain(getattr(view, name)) for name in names.split()}


def _current(item: CurrentFreight) -> dict[str, Any]:
    return fields_of(item, "name alias") | {"origin": item.origin.key} | fields_of(item, "since label")


def _image(image: ImageRef) -> dict[str, Any]:
    return fields_of(image, "repo_url tag digest")


def _commit(commit: CommitRef) -> dict[str, Any]:
    return fields_of(commit, "repo_url id branch tag message author")


def _verification(verification: Verification) -> dict[str, Any]:
    return fields_of(verification, "id phase message actor started_at finished_at analysis_run")


def _promotion(promotion: PromotionView) -> dict[str, Any]:
    step = None
    if promotion.step_number is not None:
        step = {"number": promotion.step_number, "count": promotion.step_count, "alias": promotion.step_alias}
    failed_step = None
    if promotion.failed_step_alias:
        failed_step = {"alias": promotion.failed_step_alias, "message": promotion.failed_step_message}
    plain = "name phase freight freight_alias actor actor_annotation message started_at finished_at"
    return (
        fields_of(promotion, plain)
        | {"step": step, "failedStep": failed_step}
        | fields_of(promotion, "stage queued")
        | {"steps": [fields_of(st, "alias status message") for st in promotion.steps]}
        | fields_of(promotion, "freight_label")
    )


def _application(app: ApplicationView) -> dict[str, Any]:
    plain = (
        "name namespace missing sync_status health_status revision operation_phase operation_message images"
    )
    return (
        fields_of(app, plain)
        | {
            "conditions": [{"type": cond.code, "message": cond.message} for cond in app.conditions],
            "stuckRollouts": [fields_of(stuck, "repo_url tags") for stuck in app.stuck_rollouts],
        }
        | fields_of(app, "reconciled_at kargo_health kargo_issues")
    )


def _freight(item: FreightView) -> dict[str, Any]:
    return (
        fields_of(item, "name alias")
        | {
            "warehouse": item.origin.name,
            "origin": item.origin.key,
            "images": [_image(image) for image in item.images],
            "commits": [_commit(commit) for commit in item.commits],
        }
        | fields_of(item, "discovered_at currently_in verified_in approved_for promotable_to label")
        | {"rejected": fields_of(item.rejected, "actor at reason") if item.rejected else None}
    )


def _warehouse(warehouse: WarehouseView) -> dict[str, Any]:
    return fields_of(warehouse, "name subscriptions ready message last_freight discovered_at downstream")


def _diff(diff: StageDiff) -> dict[str, Any]:
    plain = (
        "upstream downstream origin upstream_freight downstream_freight relation freight_ahead commits_ahead"
    )
    return (
        fields_of(diff, plain)
        | {"images": [fields_of(change, "repo_url downstream_tag upstream_tag") for change in diff.images]}
        | fields_of(diff, "changed_commits summary summary_code")
        | {"summaryParams": dict(diff.summary_params)}  # (key, value) pairs
    )


def _notice(notice: Notice) -> dict[str, Any]:
    return fields_of(notice, "code message") | {"params": dict(notice.params)}  # (key, value) pairs
