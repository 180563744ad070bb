"""Plays Argo CD's application controller for the Applications Kargo's argocd-update step syncs.

A sync applies at once and succeeds even for a broken build (Argo CD's rule); health then follows the
Deployment rollout: Progressing while new pods start, Healthy when they are Ready, Degraded after the
progress deadline when they never are, with the old pods (and their image) still serving meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from dashboard.sources.simulation.context import SimulationContext
from dashboard.sources.simulation.pipeline import app_destination, app_source, deployed_workloads
from dashboard.sources.simulation.state import HISTORY_LIMIT
from dashboard.vocabulary import PROMOTION_INFO_KEY, kube_time

KARGO_INITIATOR = {"username": "kargo-controller"}


class ArgoCDController:
    def __init__(self, runtime: SimulationContext, on_sync_finished: Callable[[str, datetime], None]) -> None:
        self._rt = runtime
        self._on_sync_finished = on_sync_finished

    def start_sync(
        self, stage: str, promotion: str, revision: str, images: list[str], broken: bool, at: datetime
    ) -> None:
        """What argocd-update asks for: sync the Application to `revision`, tagged with the Promotion."""
        app = self._rt.world.apps[stage]
        app.rollout_token += 1
        operation = {
            "initiatedBy": dict(KARGO_INITIATOR),
            "info": [{"name": PROMOTION_INFO_KEY, "value": promotion}],
            "sync": {"revision": revision},
        }
        app.operation = operation
        app.operation_state = {
            "operation": operation,
            "phase": "Running",
            "message": "one or more tasks are running",
            "startedAt": kube_time(at),
        }
        app.sync_status = "OutOfSync"
        app.revision = revision
        app.reconciled_at = at
        finish = partial(self._finish_sync, stage, app.rollout_token, promotion, images, broken, at)
        self._rt.scheduler.at(at + self._rt.timings.sync, finish)

    def _finish_sync(
        self,
        stage: str,
        token: int,
        promotion: str,
        images: list[str],
        broken: bool,
        started_at: datetime,
        at: datetime,
    ) -> None:
        app = self._rt.world.apps[stage]
        if token != app.rollout_token:
            return
        plan = self._rt.world.plan
        namespace = app_destination(plan, stage)["namespace"]
        state = dict(app.operation_state or {})
        state.update(
            phase="Succeeded",
            message="successfully synced (all tasks run)",
            finishedAt=kube_time(at),
            syncResult={
                "revision": app.revision,
                "source": app_source(plan, stage),
                "resources": [
                    _sync_result(group, kind, name, namespace)
                    for group, kind, name in deployed_workloads(plan)
                ],
            },
        )
        app.operation = None
        app.operation_state = state
        app.sync_status = "Synced"
        app.history.append(
            {
                "id": app.next_history_id,
                "revision": app.revision,
                "deployStartedAt": kube_time(started_at),
                "deployedAt": kube_time(at),
                "source": app_source(plan, stage),
                "initiatedBy": dict(KARGO_INITIATOR),
            }
        )
        app.next_history_id += 1
        del app.history[:-HISTORY_LIMIT]
        # The rolling update keeps the old pods until the new ones are Ready: both images run for now.
        app.running_images = sorted(set(app.stable_images) | set(images))
        self._set_health(stage, "Progressing", at)
        app.reconciled_at = at
        if broken:
            deadline = partial(self._set_health_if_current, stage, token, "Degraded")
            self._rt.scheduler.at(at + self._rt.timings.progress_deadline, deadline)
        else:
            self._rt.scheduler.at(
                at + self._rt.timings.rollout, partial(self._rollout_done, stage, token, images)
            )
        self._on_sync_finished(promotion, at)

    def _rollout_done(self, stage: str, token: int, images: list[str], at: datetime) -> None:
        app = self._rt.world.apps[stage]
        if token != app.rollout_token:
            return
        app.running_images = sorted(images)
        app.stable_images = sorted(images)
        self._set_health(stage, "Healthy", at)

    def _set_health_if_current(self, stage: str, token: int, health: str, at: datetime) -> None:
        if token == self._rt.world.apps[stage].rollout_token:
            self._set_health(stage, health, at)

    def _set_health(self, stage: str, health: str, at: datetime) -> None:
        app = self._rt.world.apps[stage]
        if app.health != health:
            app.health = health
            app.health_since = at
        app.reconciled_at = at


def _sync_result(group: str, kind: str, name: str, namespace: str) -> dict:
    qualified = f"{kind.lower()}.{group}" if group else kind.lower()
    return {
        "group": group,
        "version": "v1",
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "status": "Synced",
        "message": f"{qualified}/{name} configured",
        "syncPhase": "Sync",
        "hookPhase": "Running",
    }
