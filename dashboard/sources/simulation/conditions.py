"""metav1.Condition bookkeeping with Kubernetes' rule: lastTransitionTime moves only when status changes."""

from __future__ import annotations

from datetime import datetime

from dashboard.vocabulary import kube_time


def set_condition(
    conditions: list[dict], kind: str, status: str, reason: str, message: str, at: datetime
) -> list[dict]:
    """A new list with condition `kind` set in place; keeps its transition time if the status is the same."""
    fresh = {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": 1,
        "lastTransitionTime": kube_time(at),
    }
    updated = []
    found = False
    for condition in conditions:
        if condition["type"] == kind:
            found = True
            if condition["status"] == status:
                fresh["lastTransitionTime"] = condition["lastTransitionTime"]
            updated.append(fresh)
        else:
            updated.append(condition)
    if not found:
        updated.append(fresh)
    return updated


def delete_condition(conditions: list[dict], kind: str) -> list[dict]:
    return [condition for condition in conditions if condition["type"] != kind]


def get_condition(conditions: list[dict], kind: str) -> dict | None:
    return next((condition for condition in conditions if condition["type"] == kind), None)
