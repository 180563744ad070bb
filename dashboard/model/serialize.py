"""The board as JSON-ready data: fixed key order, camelCase keys, RFC 3339 UTC times (see README.md)."""

from __future__ import annotations

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
    return {
        "name": stage.name,
        "description": stage.description,
        "color": stage.color,
        "controlFlow": stage.control_flow,
        "depth": stage.depth,
        "origins": [origin.key for origin in stage.origins],
        "directWarehouses": list(stage.direct_warehouses),
        "upstream": list(stage.upstream),
        "downstream": list(stage.downstream),
        "currentFreight": _current(stage.current_freight[0]) if stage.current_freight else None,
        "currentFreightByOrigin": [_current(item) for item in stage.current_freight],
        "freightSummary": stage.freight_summary,
        "images": [_image(image) for image in stage.images],
        "commits": [_commit(commit) for commit in stage.commits],
        "health": {"status": stage.health.status, "issues": list(stage.health.issues)},
        "state": {"phase": stage.state.phase, "reason": stage.state.reason, "message": stage.state.message},
        "verification": _verification(stage.verification) if stage.verification else None,
        "promotion": _promotion(stage.promotion) if stage.promotion else None,
        "lastPromotion": _promotion(stage.last_promotion) if stage.last_promotion else None,
        "autoPromotion": {
            "enabled": stage.auto_promotion.enabled,
            "holds": [
                {
                    "origin": hold.origin,
                    "freight": hold.freight,
                    "promotion": hold.promotion,
                    "actor": hold.actor,
                    "createdAt": format_time(hold.created_at),
                    "effective": hold.effective,
                    "recorded": hold.recorded,
                    "freightLabel": hold.freight_label,
                }
                for hold in stage.auto_promotion.holds
            ],
        },
        "applications": [_application(app) for app in stage.applications],
        "promotableFreight": list(stage.promotable_freight),
        "soakingFreight": [
            {"freight": item.freight, "remainingSeconds": item.remaining_seconds}
            for item in stage.soaking_freight
        ],
        "warnings": [_notice(notice) for notice in stage.warnings],
        "availableFreight": list(stage.available_freight),
        "queuedPromotions": [_promotion(promotion) for promotion in stage.queued_promotions],
    }


def _current(item: CurrentFreight) -> dict[str, Any]:
    return {
        "name": item.name,
        "alias": item.alias,
        "origin": item.origin.key,
        "since": format_time(item.since),
        "label": item.label,
    }


def _image(image: ImageRef) -> dict[str, Any]:
    return {"repoURL": image.repo_url, "tag": image.tag, "digest": image.digest}


def _commit(commit: CommitRef) -> dict[str, Any]:
    return {
        "repoURL": commit.repo_url,
        "id": commit.id,
        "branch": commit.branch,
        "tag": commit.tag,
        "message": commit.message,
        "author": commit.author,
    }


def _verification(verification: Verification) -> dict[str, Any]:
    return {
        "id": verification.id,
        "phase": verification.phase,
        "message": verification.message,
        "actor": verification.actor,
        "startedAt": format_time(verification.started_at),
        "finishedAt": format_time(verification.finished_at),
        "analysisRun": verification.analysis_run,
    }


def _promotion(promotion: PromotionView) -> dict[str, Any]:
    step = None
    if promotion.step_number is not None:
        step = {"number": promotion.step_number, "count": promotion.step_count, "alias": promotion.step_alias}
    failed_step = None
    if promotion.failed_step_alias:
        failed_step = {"alias": promotion.failed_step_alias, "message": promotion.failed_step_message}
    return {
        "name": promotion.name,
        "phase": promotion.phase,
        "freight": promotion.freight,
        "freightAlias": promotion.freight_alias,
        "actor": promotion.actor,
        "actorAnnotation": promotion.actor_annotation,
        "message": promotion.message,
        "startedAt": format_time(promotion.started_at),
        "finishedAt": format_time(promotion.finished_at),
        "step": step,
        "failedStep": failed_step,
        "stage": promotion.stage,
        "queued": promotion.queued,
        "steps": [{"alias": st.alias, "status": st.status, "message": st.message} for st in promotion.steps],
        "freightLabel": promotion.freight_label,
    }


def _application(app: ApplicationView) -> dict[str, Any]:
    return {
        "name": app.name,
        "namespace": app.namespace,
        "missing": app.missing,
        "syncStatus": app.sync_status,
        "healthStatus": app.health_status,
        "revision": app.revision,
        "operationPhase": app.operation_phase,
        "operationMessage": app.operation_message,
        "images": list(app.images),
        "conditions": [{"type": cond.code, "message": cond.message} for cond in app.conditions],
        "stuckRollouts": [
            {"repoURL": stuck.repo_url, "tags": list(stuck.tags)} for stuck in app.stuck_rollouts
        ],
        "reconciledAt": format_time(app.reconciled_at),
        "kargoHealth": app.kargo_health,
        "kargoIssues": list(app.kargo_issues),
    }


def _freight(item: FreightView) -> dict[str, Any]:
    return {
        "name": item.name,
        "alias": item.alias,
        "warehouse": item.origin.name,
        "origin": item.origin.key,
        "images": [_image(image) for image in item.images],
        "commits": [_commit(commit) for commit in item.commits],
        "discoveredAt": format_time(item.discovered_at),
        "currentlyIn": list(item.currently_in),
        "verifiedIn": list(item.verified_in),
        "approvedFor": list(item.approved_for),
        "promotableTo": list(item.promotable_to),
        "label": item.label,
        "rejected": (
            {
                "actor": item.rejected.actor,
                "at": format_time(item.rejected.at),
                "reason": item.rejected.reason,
            }
            if item.rejected
            else None
        ),
    }


def _warehouse(warehouse: WarehouseView) -> dict[str, Any]:
    return {
        "name": warehouse.name,
        "subscriptions": list(warehouse.subscriptions),
        "ready": warehouse.ready,
        "message": warehouse.message,
        "lastFreight": warehouse.last_freight,
        "discoveredAt": format_time(warehouse.discovered_at),
        "downstream": list(warehouse.downstream),
    }


def _diff(diff: StageDiff) -> dict[str, Any]:
    return {
        "upstream": diff.upstream,
        "downstream": diff.downstream,
        "origin": diff.origin,
        "upstreamFreight": diff.upstream_freight,
        "downstreamFreight": diff.downstream_freight,
        "relation": diff.relation,
        "freightAhead": diff.freight_ahead,
        "commitsAhead": diff.commits_ahead,
        "images": [
            {
                "repoURL": change.repo_url,
                "downstreamTag": change.downstream_tag,
                "upstreamTag": change.upstream_tag,
            }
            for change in diff.images
        ],
        "changedCommits": list(diff.changed_commits),
        "summary": diff.summary,
        "summaryCode": diff.summary_code,
        "summaryParams": dict(diff.summary_params),
    }


def _notice(notice: Notice) -> dict[str, Any]:
    return {"code": notice.code, "message": notice.message, "params": dict(notice.params)}
