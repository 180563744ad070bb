"""Plays Kargo's Promotion webhook and controller: naming, step execution one by one, abort.

A Promotion runs only once its Stage has acknowledged it as `currentPromotion` (the per-Stage queue);
argocd-update finishes when Argo CD reports the sync done, like the real step waiting on the operation.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

from dashboard.sources.simulation.argocd_controller import ArgoCDController
from dashboard.sources.simulation.availability import unavailability
from dashboard.sources.simulation.context import SimulationContext
from dashboard.sources.simulation.ids import collection_id, random_hex
from dashboard.sources.simulation.pipeline import inflated_steps
from dashboard.sources.simulation.state import PromotionState, StepRun
from dashboard.vocabulary import ABORT_ANNOTATION


class PromotionController:
    def __init__(self, runtime: SimulationContext) -> None:
        self._rt = runtime
        self.argocd = ArgoCDController(runtime, self._sync_finished)

    def create(self, stage: str, freight: str, annotations: dict[str, str], at: datetime) -> PromotionState:
        """As the mutating webhook does: name it `<stage>.<ulid>.<freight[:7]>`, copy the template steps."""
        name = f"{stage}.{self._rt.ulids.new(at)}.{freight[:7]}"
        promotion = PromotionState(
            name=name,
            identity=self._rt.new_identity(at),
            stage=stage,
            freight=freight,
            steps=inflated_steps(self._rt.world.plan),
            annotations=annotations,
        )
        self._rt.world.promotions[name] = promotion
        return promotion

    def acknowledge(self, promotion: PromotionState, at: datetime) -> None:
        """The Stage named this Promotion its current one; the controller starts it shortly after."""
        if not promotion.start_scheduled:
            promotion.start_scheduled = True
            self._rt.scheduler.at(at + self._rt.timings.pickup, partial(self._start, promotion.name))

    def abort(self, promotion: PromotionState, actor: str, at: datetime) -> None:
        """The `kargo.akuity.io/abort` annotation and the controller's termination, in one go."""
        promotion.annotations[ABORT_ANNOTATION] = json.dumps({"action": "terminate", "actor": actor})
        if promotion.step_runs and promotion.step_runs[-1].status == "Running":
            promotion.step_runs[-1].status = "Aborted"
            promotion.step_runs[-1].finished_at = at
        self._finish(promotion, "Aborted", f"Promotion terminated by {actor}", at)

    def _start(self, name: str, at: datetime) -> None:
        promotion = self._rt.world.promotions[name]
        stage = self._rt.world.stages[promotion.stage]
        if promotion.phase != "Pending":
            return
        if stage.current_promotion != name:
            promotion.start_scheduled = False  # the Stage will acknowledge it again when its turn comes
            return
        freight = self._rt.world.freight[promotion.freight]
        if unavailability(stage.plan, freight) is not None:
            message = (
                f'Freight "{freight.name}" is not available to Stage "{stage.name}" '
                f'in namespace "{self._rt.world.plan.project}"'
            )
            self._finish(promotion, "Errored", message, at)
            return
        promotion.phase = "Running"
        promotion.started_at = at
        promotion.collection_id = collection_id([promotion.freight])
        self._begin_step(promotion, 0, at)

    def _begin_step(self, promotion: PromotionState, index: int, at: datetime) -> None:
        step = promotion.steps[index]
        promotion.current_step = index
        promotion.step_runs.append(StepRun(alias=step["as"], started_at=at))
        if step["uses"] == "argocd-update":
            freight = self._rt.world.freight[promotion.freight]
            images = [f"{image['repoURL']}:{image['tag']}" for image in freight.images]
            revision = promotion.revision or ""
            self.argocd.start_sync(promotion.stage, promotion.name, revision, images, freight.broken, at)
            return
        self._rt.scheduler.at(at + self._rt.timings.step, partial(self._finish_step, promotion.name, index))

    def _sync_finished(self, name: str, at: datetime) -> None:
        promotion = self._rt.world.promotions[name]
        if (
            promotion.phase == "Running"
            and promotion.steps[promotion.current_step]["uses"] == "argocd-update"
        ):
            self._finish_step(name, promotion.current_step, at)

    def _finish_step(self, name: str, index: int, at: datetime) -> None:
        promotion = self._rt.world.promotions[name]
        if promotion.phase != "Running" or promotion.current_step != index:
            return  # aborted meanwhile
        run = promotion.step_runs[index]
        run.status = "Succeeded"
        run.finished_at = at
        self._record_output(promotion, promotion.steps[index])
        if index + 1 < len(promotion.steps):
            self._begin_step(promotion, index + 1, at)
        else:
            self._finish(promotion, "Succeeded", "", at)

    def _record_output(self, promotion: PromotionState, step: dict) -> None:
        """The step outputs Kargo keeps in `status.state`, and the health check argocd-update registers."""
        plan = self._rt.world.plan
        alias, uses = step["as"], step["uses"]
        if uses == "kustomize-set-image":
            freight = self._rt.world.freight[promotion.freight]
            lines = "\n".join(f"- {image['repoURL']}:{image['tag']}" for image in freight.images)
            promotion.outputs[alias] = {"commitMessage": f"Updated images\n\n{lines}"}
        elif uses == "git-commit":
            promotion.revision = random_hex(self._rt.rng, 40)
            promotion.outputs[alias] = {"commit": promotion.revision}
        elif uses == "git-push":
            repo_web = plan.gitops_repo.removesuffix(".git")
            promotion.outputs[alias] = {
                "branch": plan.env_branch(promotion.stage),
                "commit": promotion.revision,
                "commitURL": f"{repo_web}/commit/{promotion.revision}",
            }
        elif uses == "argocd-update":
            app = {
                "name": plan.app_name(promotion.stage),
                "namespace": plan.argocd_namespace,
                "desiredRevisions": [promotion.revision],
            }
            promotion.health_checks.append({"uses": "argocd-update", "config": {"apps": [app]}})

    def _finish(self, promotion: PromotionState, phase: str, message: str, at: datetime) -> None:
        promotion.phase = phase
        promotion.message = message
        promotion.finished_at = at
