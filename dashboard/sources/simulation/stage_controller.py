"""Plays Kargo's regular Stage reconciler (v1.11 `regular_stages.go`), in its order of sub-steps:

sync Promotions (queue, history), sync Freight (`currentlyIn`), assess health (Argo CD), verify,
mark Freight verified, auto-promote, then summarise the Ready condition. Reasons and messages are Kargo's.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from dashboard.sources.simulation.availability import auto_promotion_candidate
from dashboard.sources.simulation.conditions import delete_condition, get_condition, set_condition
from dashboard.sources.simulation.context import SimulationContext
from dashboard.sources.simulation.ids import (
    random_uuid,
)
from dashboard.sources.simulation.promotion_controller import PromotionController
from dashboard.sources.simulation.state import (
    HISTORY_LIMIT,
    ApplicationState,
    CollectionState,
    PromotionState,
    SimulatedStage,
    VerificationState,
    VerifiedIn,
)
from dashboard.vocabulary import HOLD_ANNOTATION, RESUME_ANNOTATION, kube_time

_HEALTH_ORDER = ("Healthy", "NotApplicable", "Progressing", "Unknown", "Unhealthy")  # best to worst


def _phase_priority(promotion: PromotionState) -> tuple[int, str]:
    rank = {"Running": 0, "Pending": 1}.get(promotion.phase, 2)
    return rank, promotion.name


class StageController:
    def __init__(self, runtime: SimulationContext, promotions: PromotionController) -> None:
        self._rt = runtime
        self._promotions = promotions

    def reconcile(self, stage: SimulatedStage, at: datetime) -> None:
        self._sync_promotions(stage, at)
        self._sync_freight(stage, at)
        self._assess_health(stage, at)
        self._verify(stage, at)
        self._mark_freight_verified(stage)
        self._auto_promote(stage, at)
        self._summarize(stage, at)

    # -- promotions -------------------------------------------------------------------------------------
    def _sync_promotions(self, stage: SimulatedStage, at: datetime) -> None:
        promotions = self._rt.world.stage_promotions(stage.name)
        if not promotions:
            self._not_promoting(stage)
            return
        highest = min(promotions, key=_phase_priority)
        current = stage.current_promotion
        if current is not None and (current != highest.name or highest.terminal):
            self._not_promoting(stage)
            finished = [p for p in promotions if p.terminal and (stage.last_promotion or "") < p.name]
            for promotion in finished:
                self._record_finished(stage, promotion, at)
            return
        collection = stage.current
        if collection is not None:
            # Healthy Freight must finish verification before the next Promotion may start;
            # unhealthy Freight may be replaced at once, since a Promotion is how one fixes it.
            latest = collection.verifications[0] if collection.verifications else None
            healthy_or_unassessed = stage.health is None or stage.health["status"] == "Healthy"
            if collection.has_running_verification() or (
                healthy_or_unassessed and (latest is None or not latest.terminal)
            ):
                self._not_promoting(stage)
                return
        if highest.terminal:
            self._not_promoting(stage)
            return
        message = f'Promotion "{highest.name}" is currently {highest.phase}'
        stage.conditions = set_condition(
            stage.conditions, "Promoting", "True", "ActivePromotion", message, at
        )
        stage.current_promotion = highest.name
        if highest.phase == "Pending":
            self._promotions.acknowledge(highest, at)

    def _not_promoting(self, stage: SimulatedStage) -> None:
        stage.conditions = delete_condition(stage.conditions, "Promoting")
        stage.current_promotion = None

    def _record_finished(self, stage: SimulatedStage, promotion: PromotionState, at: datetime) -> None:
        origin_key = self._rt.world.plan.origin_key
        if promotion.phase != "Aborted":
            if promotion.annotations.get(HOLD_ANNOTATION) == origin_key:
                hold = {
                    "freightName": promotion.freight,
                    "origin": self._rt.world.plan.origin,
                    "promotionName": promotion.name,
                    "createdAt": kube_time(promotion.identity.created_at),
                }
                if promotion.actor:
                    hold["actor"] = promotion.actor
                stage.auto_promotion_holds[origin_key] = hold
            elif promotion.annotations.get(RESUME_ANNOTATION) == origin_key:
                stage.auto_promotion_holds.pop(origin_key, None)
        stage.last_promotion = promotion.name
        if promotion.phase != "Succeeded":
            return
        current = stage.current
        if current is not None and current.id == promotion.collection_id:
            stage.reverify_requested = True  # Kargo re-verifies when the same Freight is promoted again
        else:
            stage.history.insert(0, CollectionState(promotion.collection_id or "", promotion.freight))
            del stage.history[HISTORY_LIMIT:]
        stage.health = None
        stage.conditions = set_condition(
            stage.conditions,
            "Healthy",
            "Unknown",
            "WaitingForHealthCheck",
            "Waiting for health check to be performed after successful promotion",
            at,
        )
        stage.conditions = set_condition(
            stage.conditions,
            "Verified",
            "Unknown",
            "WaitingForVerification",
            "Waiting for verification to be performed after successful promotion",
            at,
        )
        stage.synced_argocd = any(check["uses"] == "argocd-update" for check in promotion.health_checks)

    # -- freight ----------------------------------------------------------------------------------------
    def _sync_freight(self, stage: SimulatedStage, at: datetime) -> None:
        current = stage.current.freight if stage.current is not None else None
        for freight in self._rt.world.freight.values():
            since = freight.currently_in.get(stage.name)
            if since is None or freight.name == current:
                continue
            del freight.currently_in[stage.name]
            verified = freight.verified_in.get(stage.name)
            soak = at - since
            if verified is not None and (verified.longest_soak is None or soak > verified.longest_soak):
                verified.longest_soak = soak
        if current is not None:
            self._rt.world.freight[current].currently_in.setdefault(stage.name, at)

    # -- health -----------------------------------------------------------------------------------------
    def _assess_health(self, stage: SimulatedStage, at: datetime) -> None:
        if stage.current_promotion is not None:
            self._set_healthy(stage, "Unknown", "ActivePromotion", "Stage has a Promotion in progress", at)
            stage.health = {
                "status": "Unknown",
                "issues": ["Cannot assess health because a Promotion is currently in progress"],
            }
            return
        if stage.last_promotion is None:
            self._set_healthy(stage, "Unknown", "NoFreight", "Stage has no current Freight", at)
            stage.health = None
            return
        last = self._rt.world.promotions[stage.last_promotion]
        if last.phase != "Succeeded":
            message = "Cannot assess health because last Promotion did not succeed"
            self._set_healthy(stage, "Unknown", f"LastPromotion{last.phase}", message, at)
            stage.health = {"status": "Unknown", "issues": [message]}
            return
        stage.health = self._run_health_checks(stage, last)
        status, issues = stage.health["status"], stage.health.get("issues", [])
        checks = len(last.health_checks)
        if status == "Healthy":
            self._set_healthy(
                stage, "True", "Healthy", f"Stage is healthy (performed {checks} health checks)", at
            )
        elif status == "Unhealthy":
            message = f"Stage is unhealthy ({len(issues)} issues in {checks} health checks)"
            self._set_healthy(stage, "False", "Unhealthy", message, at)
        else:
            self._set_healthy(stage, "Unknown", status, "", at)

    def _run_health_checks(self, stage: SimulatedStage, last: PromotionState) -> dict:
        """The last Promotion's health checks, merged to the worst state, as `status.health`."""
        status, issues, app_statuses, configs = "Healthy", [], [], []
        for check in last.health_checks:
            configs.append(check["config"])
            for target in check["config"]["apps"]:
                app = self._rt.world.apps[stage.name]
                app_health, issue = _argocd_app_health(app, target)
                status = max(status, app_health, key=_HEALTH_ORDER.index)
                issues += [issue] if issue else []
                app_statuses.append(_app_status_output(app, target))
        health: dict = {
            "status": status,
            "config": configs,
            "output": [{"applicationStatuses": app_statuses}],
        }
        if issues:
            health["issues"] = issues
        return health

    def _set_healthy(
        self, stage: SimulatedStage, status: str, reason: str, message: str, at: datetime
    ) -> None:
        stage.conditions = set_condition(stage.conditions, "Healthy", status, reason, message, at)

    # -- verification -----------------------------------------------------------------------------------
    def _verify(self, stage: SimulatedStage, at: datetime) -> None:
        collection = stage.current
        if collection is None:
            message = "Stage has no current Freight to verify"
            stage.conditions = set_condition(
                stage.conditions, "Verified", "Unknown", "NoFreight", message, at
            )
            return
        if stage.current_promotion is not None:
            return
        latest = collection.verifications[0] if collection.verifications else None
        if latest is not None and not latest.terminal:
            latest.phase, latest.finished_at = latest.run_phase, latest.run_finished_at
        wants_run = latest is None or (latest.terminal and stage.reverify_requested)
        if wants_run and stage.health is not None and stage.health["status"] == "Healthy":
            self._start_verification(stage, collection, at)
            stage.reverify_requested = False
        self._set_verified_condition(stage, collection, at)

    def _start_verification(self, stage: SimulatedStage, collection: CollectionState, at: datetime) -> None:
        """Create the AnalysisRun (`<stage>.<ulid>.<collection id[:7]>`) and let it run to success."""
        run_name = f"{stage.name}.{self._rt.ulids.new(at)}.{collection.id[:7]}"
        info = VerificationState(id=random_uuid(self._rt.rng), started_at=at, analysis_run=run_name)
        collection.verifications.insert(0, info)
        del collection.verifications[HISTORY_LIMIT:]
        timings = self._rt.timings
        self._rt.scheduler.at(at + timings.analysis_start, partial(_analysis_running, info))
        self._rt.scheduler.at(at + timings.verification, partial(_analysis_successful, info))

    def _set_verified_condition(
        self, stage: SimulatedStage, collection: CollectionState, at: datetime
    ) -> None:
        if not collection.verifications:
            return
        if any(info.phase == "Successful" for info in collection.verifications):
            verdict = ("True", "Verified", "Freight has been verified")
        else:
            latest = collection.verifications[0]
            verdict = {
                "Pending": ("Unknown", "VerificationPending", "Freight is pending verification"),
                "Running": ("Unknown", "VerificationRunning", "Freight is currently being verified"),
                "Failed": ("False", "VerificationFailed", latest.message),
                "Error": ("False", "VerificationError", latest.message),
                "Aborted": ("False", "VerificationAborted", latest.message),
            }.get(latest.phase, ("Unknown", "VerificationInconclusive", latest.message))
        stage.conditions = set_condition(stage.conditions, "Verified", *verdict, at)

    def _mark_freight_verified(self, stage: SimulatedStage) -> None:
        collection = stage.current
        if stage.health is None or stage.health["status"] != "Healthy" or collection is None:
            return
        if not collection.verifications or collection.has_running_verification():
            return
        latest = collection.verifications[0]
        if latest.phase == "Successful" and latest.finished_at is not None:
            freight = self._rt.world.freight[collection.freight]
            freight.verified_in.setdefault(stage.name, VerifiedIn(latest.finished_at))

    # -- auto-promotion ---------------------------------------------------------------------------------
    def _auto_promote(self, stage: SimulatedStage, at: datetime) -> None:
        origin_key = self._rt.world.plan.origin_key
        if not stage.plan.auto_promotion or origin_key in stage.auto_promotion_holds:
            return
        promotions = self._rt.world.stage_promotions(stage.name)
        last = stage.last_promotion or ""
        if any(
            p.annotations.get(HOLD_ANNOTATION) == origin_key
            and (not p.terminal or (p.phase != "Aborted" and p.name > last))
            for p in promotions
        ):
            return  # a hold is on its way; do not race it
        candidate = auto_promotion_candidate(self._rt.world, stage.plan)
        if candidate is None or (stage.current is not None and stage.current.freight == candidate.name):
            return
        for_candidate = [p for p in promotions if p.freight == candidate.name]
        if any(not p.terminal or (p.phase == "Succeeded" and p.name > last) for p in for_candidate):
            return
        finished = [p for p in for_candidate if p.terminal]
        if finished and max(finished, key=lambda p: p.name).phase != "Succeeded":
            return  # the last attempt failed or was aborted: Kargo does not loop on it
        self._promotions.create(stage.name, candidate.name, {}, at)
        self._rt.record(at, "PromotionCreated", f'Automatically promoted Freight for Stage "{stage.name}"')

    # -- summary ----------------------------------------------------------------------------------------
    def _summarize(self, stage: SimulatedStage, at: datetime) -> None:
        conditions = stage.conditions
        ready = ("True", "", "")
        promoting = get_condition(conditions, "Promoting")
        healthy = get_condition(conditions, "Healthy")
        verified = get_condition(conditions, "Verified")
        last = self._rt.world.promotions.get(stage.last_promotion or "")
        if promoting is not None:
            ready = ("False", promoting["reason"], promoting["message"])
        elif last is not None and last.terminal and last.phase != "Succeeded":
            ready = ("False", f"LastPromotion{last.phase}", last.message)
        elif healthy is None or healthy["status"] != "True":
            ready = ("False", "Unhealthy", "Stage is not healthy")
            if healthy is not None:
                ready = ("False", healthy["reason"], healthy["message"])
        elif verified is None or verified["status"] != "True":
            ready = ("False", "PendingVerification", "Stage is not verified")
            if verified is not None:
                ready = ("False", verified["reason"], verified["message"])
        else:
            ready = ("True", verified["reason"], verified["message"])
            stage.ready_once = True
        stage.conditions = set_condition(conditions, "Ready", *ready, at)


def _analysis_running(info: VerificationState, _at: datetime) -> None:
    if info.run_phase == "Pending":
        info.run_phase = "Running"


def _analysis_successful(info: VerificationState, at: datetime) -> None:
    if info.run_phase in ("Pending", "Running"):
        info.run_phase = "Successful"
        info.run_finished_at = at


def _argocd_app_health(app: ApplicationState, target: dict) -> tuple[str, str | None]:
    """Kargo's argocd health checker for one Application, in its order of checks."""
    where = f'Argo CD Application "{target["name"]}" in namespace "{target["namespace"]}"'
    state = app.operation_state or {}
    if app.operation is not None or "finishedAt" not in state:
        return "Unknown", f"{where} is being synced"
    observed = (state.get("syncResult") or {}).get("revision")
    desired = target["desiredRevisions"][0]
    if desired and observed != desired:
        return "Unhealthy", (
            f'Not all sources of Application "{target["name"]}" in namespace "{target["namespace"]}" '
            f"are synced to the desired revisions"
        )
    if app.health == "Progressing":
        return "Progressing", f"{where} is progressing"
    if app.health == "Healthy":
        return "Healthy", None
    return "Unhealthy", f'{where} has health state "{app.health}"'


def _app_status_output(app: ApplicationState, target: dict) -> dict:
    """The sanitised Application status Kargo copies into `health.output` (no reconciledAt)."""
    output: dict = {
        "Namespace": target["namespace"],
        "Name": target["name"],
        "health": {"status": app.health},
        "sync": {"status": app.sync_status, "revision": app.revision},
    }
    if app.operation_state is not None:
        output["operationState"] = app.operation_state
    return output
