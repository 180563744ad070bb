"""Argo CD Applications rendered from the simulator's state, shaped like Argo CD v3.5 writes them."""

from __future__ import annotations

from dashboard.sources.simulation.pipeline import (
    app_destination,
    app_source,
    application_object,
    deployed_workloads,
)
from dashboard.sources.simulation.state import ApplicationState, World
from dashboard.vocabulary import kube_time


def render_application(world: World, app: ApplicationState) -> dict:
    plan = world.plan
    rendered = application_object(
        plan, app.stage, app.identity.metadata(plan.app_name(app.stage), plan.argocd_namespace)
    )
    if app.operation is not None:
        rendered["operation"] = app.operation
    health: dict = {"status": app.health}
    if app.health_since is not None:
        health["lastTransitionTime"] = kube_time(app.health_since)
    namespace = app_destination(plan, app.stage)["namespace"]
    status: dict = {
        "sync": {
            "status": app.sync_status,
            "revision": app.revision,
            "comparedTo": {
                "source": app_source(plan, app.stage),
                "destination": app_destination(plan, app.stage),
            },
        },
        "health": health,
        "summary": {"images": sorted(app.running_images)} if app.running_images else {},
        "resources": [
            {"group": group, "version": "v1", "kind": kind, "namespace": namespace, "name": name,
             "status": app.sync_status}
            for group, kind, name in deployed_workloads(plan)
        ],  # fmt: skip
        "resourceHealthSource": "appTree",  # Argo CD 3.x default: no per-resource health in the CR
        "reconciledAt": kube_time(app.reconciled_at),
        "sourceType": "Kustomize",
        "controllerNamespace": plan.argocd_namespace,
    }
    if app.operation_state is not None:
        status["operationState"] = app.operation_state
    if app.history:
        status["history"] = app.history
    rendered["status"] = status
    return rendered
