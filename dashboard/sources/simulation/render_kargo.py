"""Kargo objects (Freight, Stage, Promotion, Warehouse) rendered from the simulator's state.

Field presence follows the Go types' `omitempty` tags, so the dicts look like what the apiserver returns.
"""

from __future__ import annotations

from dashboard.sources.simulation.ids import (
    go_duration,
)
from dashboard.sources.simulation.pipeline import (
    argocd_context,
    promotion_vars,
    stage_object,
    warehouse_object,
)
from dashboard.sources.simulation.state import (
    CollectionState,
    FreightState,
    PromotionState,
    SimulatedStage,
    StepRun,
    VerificationState,
    World,
)
from dashboard.vocabulary import (
    ALIAS_LABEL,
    ARGOCD_CONTEXT_ANNOTATION,
    KARGO_API,
    REFRESH_ANNOTATION,
    STAGE_LABEL,
    kube_time,
)


def freight_reference(world: World, freight: FreightState) -> dict:
    return {
        "name": freight.name,
        "origin": world.plan.origin,
        "commits": freight.commits,
        "images": freight.images,
    }


def _by_stage_order(world: World, entries: dict) -> list:
    order = {name: index for index, name in enumerate(world.stages)}
    return sorted(entries, key=lambda stage: order.get(stage, len(order)))


def render_freight(world: World, freight: FreightState) -> dict:
    status: dict = {}
    if freight.currently_in:
        status["currentlyIn"] = {
            stage: {"since": kube_time(freight.currently_in[stage])}
            for stage in _by_stage_order(world, freight.currently_in)
        }
    if freight.verified_in:
        verified: dict = {}
        for stage in _by_stage_order(world, freight.verified_in):
            entry = freight.verified_in[stage]
            verified[stage] = {"verifiedAt": kube_time(entry.verified_at)}
            if entry.longest_soak is not None:
                verified[stage]["longestSoak"] = go_duration(entry.longest_soak)
        status["verifiedIn"] = verified
    if freight.approved_for:
        status["approvedFor"] = {
            stage: {"approvedAt": kube_time(freight.approved_for[stage])}
            for stage in _by_stage_order(world, freight.approved_for)
        }
    metadata = freight.identity.metadata(freight.name, world.plan.project)
    metadata["labels"] = {ALIAS_LABEL: freight.alias}
    return {
        "apiVersion": KARGO_API,
        "kind": "Freight",
        "metadata": metadata,
        "alias": freight.alias,
        "discoveredAt": kube_time(freight.discovered_at),
        "origin": world.plan.origin,
        "commits": freight.commits,
        "images": freight.images,
        "status": status,
    }


def _verification(world: World, info: VerificationState) -> dict:
    rendered = {
        "id": info.id,
        "startTime": kube_time(info.started_at),
        "phase": info.phase,
        "analysisRun": {"namespace": world.plan.project, "name": info.analysis_run, "phase": info.phase},
    }
    if info.finished_at is not None:
        rendered["finishTime"] = kube_time(info.finished_at)
    if info.message:
        rendered["message"] = info.message
    return rendered


def collection(world: World, entry: CollectionState, with_verifications: bool = True) -> dict:
    rendered: dict = {
        "id": entry.id,
        "items": {world.plan.origin_key: freight_reference(world, world.freight[entry.freight])},
    }
    if with_verifications and entry.verifications:
        rendered["verificationHistory"] = [_verification(world, vi) for vi in entry.verifications]
    return rendered


def promotion_status(world: World, promotion: PromotionState) -> dict:
    status: dict = {"phase": promotion.phase}
    if promotion.message:
        status["message"] = promotion.message
    if promotion.started_at is not None:
        status["freight"] = freight_reference(world, world.freight[promotion.freight])
        status["freightCollection"] = collection(
            world, CollectionState(promotion.collection_id or "", promotion.freight), with_verifications=False
        )
        status["startedAt"] = kube_time(promotion.started_at)
    if promotion.health_checks:
        status["healthChecks"] = promotion.health_checks
    if promotion.current_step:  # int64 with omitempty: step 0 is simply absent
        status["currentStep"] = promotion.current_step
    if promotion.step_runs:
        status["stepExecutionMetadata"] = [_step_run(run) for run in promotion.step_runs]
    if promotion.outputs:
        status["state"] = promotion.outputs
    if promotion.finished_at is not None:
        status["finishedAt"] = kube_time(promotion.finished_at)
    return status


def _step_run(run: StepRun) -> dict:
    rendered = {"alias": run.alias, "startedAt": kube_time(run.started_at), "status": run.status}
    if run.finished_at is not None:
        rendered["finishedAt"] = kube_time(run.finished_at)
    if run.message:
        rendered["message"] = run.message
    return rendered


def render_promotion(world: World, promotion: PromotionState) -> dict:
    stage = world.stages[promotion.stage]
    metadata = promotion.identity.metadata(promotion.name, world.plan.project)
    metadata["labels"] = {STAGE_LABEL: promotion.stage}
    if promotion.annotations:
        metadata["annotations"] = dict(promotion.annotations)
    metadata["ownerReferences"] = [
        {
            "apiVersion": KARGO_API,
            "kind": "Stage",
            "name": promotion.stage,
            "uid": stage.identity.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {
        "apiVersion": KARGO_API,
        "kind": "Promotion",
        "metadata": metadata,
        "spec": {
            "stage": promotion.stage,
            "freight": promotion.freight,
            "vars": promotion_vars(world.plan),
            "steps": promotion.steps,
        },
        "status": promotion_status(world, promotion),
    }


def _freight_summary(stage: SimulatedStage) -> str:
    current = stage.current
    return current.freight if current is not None else "0/1 Fulfilled"


def render_stage(world: World, stage: SimulatedStage) -> dict:
    meta = stage.identity.metadata(stage.name, world.plan.project)
    if stage.synced_argocd:
        meta["annotations"] = {ARGOCD_CONTEXT_ANNOTATION: argocd_context(world.plan, stage.name)}
    rendered = stage_object(world.plan, stage.plan, meta)
    status: dict = {
        "conditions": stage.conditions,
        "autoPromotionEnabled": stage.plan.auto_promotion,
        "freightSummary": _freight_summary(stage),
    }
    if stage.history:
        status["freightHistory"] = [collection(world, entry) for entry in stage.history]
    if stage.health is not None:
        status["health"] = stage.health
    if stage.current_promotion is not None:
        current = world.promotions[stage.current_promotion]
        reference: dict = {"name": current.name}
        if current.started_at is not None:
            reference["freight"] = freight_reference(world, world.freight[current.freight])
        status["currentPromotion"] = reference
    if stage.last_promotion is not None:
        last = world.promotions[stage.last_promotion]
        status["lastPromotion"] = {
            "name": last.name,
            "freight": freight_reference(world, world.freight[last.freight]),
            "status": promotion_status(world, last),
            "finishedAt": kube_time(last.finished_at or last.identity.created_at),
        }
    if stage.auto_promotion_holds:
        status["autoPromotionHolds"] = stage.auto_promotion_holds
        status["effectiveAutoPromotionHolds"] = stage.auto_promotion_holds
    if stage.ready_once:
        status["observedGeneration"] = 1
    rendered["status"] = status
    return rendered


def render_warehouse(world: World) -> dict:
    state = world.warehouse
    meta = state.identity.metadata(world.plan.warehouse, world.plan.project)
    if state.refresh_token is not None:
        meta["annotations"] = {REFRESH_ANNOTATION: state.refresh_token}
    rendered = warehouse_object(world.plan, meta)
    status: dict = {"conditions": state.conditions, "observedGeneration": 1}
    if state.last_freight_id:
        status["lastFreightID"] = state.last_freight_id
    if state.discovered_at is not None:
        status["discoveredArtifacts"] = {
            "discoveredAt": kube_time(state.discovered_at),
            "git": [{"repoURL": world.plan.source_repo, "commits": state.commits}],
            "images": [
                {"repoURL": repo, "references": state.image_references.get(repo, [])}
                for repo in world.plan.image_repos
            ],
        }
    if state.refresh_token is not None:
        status["lastHandledRefresh"] = state.refresh_token
    rendered["status"] = status
    return rendered
