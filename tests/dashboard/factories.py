"""Builders of Kargo and Argo CD object dicts shaped as the CRDs define them, so tests state only what
matters.

Every builder returns a fresh plain dict (safe to mutate in a test). Times are strings, as the API returns
them; `at(minutes)` gives one relative to the fixed `NOW`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.sources.simulation.ids import freight_id

PROJECT = "userapp"
WAREHOUSE = "userapp"
BACKEND = "docker.io/demo/userapp-backend"
FRONTEND = "docker.io/demo/userapp-frontend"
SOURCE_REPO = "https://github.com/demo/userapp.git"
KARGO_API = "kargo.akuity.io/v1alpha1"
ARGOCD_API = "argoproj.io/v1alpha1"
NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)

DEFAULT_STEPS = ("git-clone", "kustomize-set-image", "git-commit", "git-push", "argocd-update")


def at(minutes: float = 0) -> str:
    """RFC 3339 time `minutes` after NOW (negative: before)."""
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def sha(seed: str, length: int = 40) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:length]  # noqa: S324 - an id, not security


def meta(name: str, namespace: str = PROJECT, **extra: Any) -> dict:
    return {"name": name, "namespace": namespace, "uid": sha("uid" + name, 32), **extra}


def condition(kind: str, status: str, reason: str = "", message: str = "") -> dict:
    return {
        "type": kind,
        "status": status,
        "reason": reason or kind,
        "message": message,
        "observedGeneration": 1,
        "lastTransitionTime": at(-1),
    }


# Condition sets the Stage controller writes, by the phase Kargo's UI derives from them.
def ready_conditions() -> list[dict]:
    return [
        condition("Ready", "True", "Verified", "Freight has been verified"),
        condition("Healthy", "True", "Healthy", "Stage is healthy (performed 1 health checks)"),
        condition("Verified", "True", "Verified", "Freight has been verified"),
    ]


def promoting_conditions(promotion_name: str = "p") -> list[dict]:
    return [
        condition(
            "Promoting", "True", "ActivePromotion", f'Promotion "{promotion_name}" is currently Running'
        ),
        condition("Ready", "False", "ActivePromotion", f'Promotion "{promotion_name}" is currently Running'),
        condition("Healthy", "Unknown", "ActivePromotion", "promotion in progress"),
    ]


def verifying_conditions() -> list[dict]:
    return [
        condition("Ready", "False", "VerificationRunning", "Verification is running"),
        condition("Healthy", "True", "Healthy", "Stage is healthy"),
        condition("Verified", "Unknown", "VerificationRunning", "Verification is running"),
    ]


def failed_conditions(
    reason: str = "LastPromotionFailed", message: str = "Last promotion failed"
) -> list[dict]:
    return [condition("Ready", "False", reason, message), condition("Healthy", "Unknown", reason, message)]


def no_freight_conditions() -> list[dict]:
    return [
        condition("Ready", "False", "NoFreight", "No Freight has been promoted yet"),
        condition("Verified", "Unknown", "NoFreight", "No Freight has been promoted yet"),
    ]


def image(repo: str, tag: str) -> dict:
    return {
        "repoURL": repo,
        "tag": tag,
        "digest": "sha256:" + hashlib.sha256((repo + tag).encode()).hexdigest(),
    }


def commit(commit_id: str, message: str = "change", repo: str = SOURCE_REPO) -> dict:
    return {
        "repoURL": repo,
        "id": commit_id,
        "branch": "main",
        "message": message,
        "author": "Dev <dev@example.com>",
    }


def freight(
    alias: str,
    *,
    warehouse: str = WAREHOUSE,
    discovered: float = -60,
    images: Sequence[dict] | None = None,
    commits: Sequence[dict] | None = None,
    currently_in: Mapping[str, float] | None = None,
    verified_in: Mapping[str, dict] | None = None,
    approved_for: Iterable[str] = (),
    namespace: str = PROJECT,
) -> dict:
    """A Freight named by Kargo's own ID of its content; image tags and a commit are derived from the alias
    by default.

    `currently_in` maps a Stage to minutes relative to NOW (since); `verified_in` maps a Stage to its record,
    see `verified()`.
    """
    tag = sha(alias, 8)
    images = list(images) if images is not None else [image(BACKEND, tag), image(FRONTEND, tag)]
    commits = list(commits) if commits is not None else [commit(sha("commit" + alias), f"build {alias}")]
    origin = {"kind": "Warehouse", "name": warehouse}
    status: dict[str, Any] = {}
    if currently_in:
        status["currentlyIn"] = {stage: {"since": at(minutes)} for stage, minutes in currently_in.items()}
    if verified_in:
        status["verifiedIn"] = dict(verified_in)
    approved = list(approved_for)
    if approved:
        status["approvedFor"] = {stage: {"approvedAt": at(-5)} for stage in approved}
    return {
        "apiVersion": KARGO_API,
        "kind": "Freight",
        # Named as Kargo names it (its webhook renames a created Freight to this ID).
        "metadata": meta(
            freight_id(f"Warehouse/{warehouse}", commits, images),
            namespace,
            labels={"kargo.akuity.io/alias": alias},
        ),
        "alias": alias,
        "discoveredAt": at(discovered),
        "origin": origin,
        "images": images,
        "commits": commits,
        "status": status,
    }


def verified(minutes: float = -30, longest_soak: str | None = None) -> dict:
    record: dict[str, Any] = {"verifiedAt": at(minutes)}
    if longest_soak is not None:
        record["longestSoak"] = longest_soak
    return record


def freight_ref(item: Mapping[str, Any]) -> dict:
    """The FreightReference a Stage keeps in `freightHistory[].items` for a Freight."""
    return {key: item[key] for key in ("origin", "images", "commits") if key in item} | {
        "name": item["metadata"]["name"]
    }


def request(
    warehouse: str = WAREHOUSE,
    *,
    direct: bool = False,
    stages: Sequence[str] = (),
    strategy: str | None = None,
    soak: str | None = None,
) -> dict:
    sources: dict[str, Any] = {}
    if direct:
        sources["direct"] = True
    if stages:
        sources["stages"] = list(stages)
    if strategy is not None:
        sources["availabilityStrategy"] = strategy
    if soak is not None:
        sources["requiredSoakTime"] = soak
    return {"origin": {"kind": "Warehouse", "name": warehouse}, "sources": sources}


def verification(phase: str = "Successful", message: str = "", minutes: float = -10) -> dict:
    entry: dict[str, Any] = {
        "id": sha("verification" + phase + message, 32),
        "phase": phase,
        "startTime": at(minutes),
    }
    if phase not in ("Pending", "Running"):
        entry["finishTime"] = at(minutes + 1)
    if message:
        entry["message"] = message
    return entry


def stage(  # pylint: disable=too-many-locals  # one keyword per Stage status field a test may set
    name: str,
    *,
    requests: Sequence[dict] | None = None,
    steps: Sequence[str] = DEFAULT_STEPS,
    conditions: Sequence[dict] | None = None,
    current: Sequence[Mapping[str, Any]] = (),
    verifications: Sequence[dict] = (),
    health: str | None = "Healthy",
    current_promotion: str | None = None,
    last_promotion: Mapping[str, Any] | None = None,
    auto_promotion: bool = False,
    annotations: Mapping[str, str] | None = None,
    namespace: str = PROJECT,
) -> dict:
    """A Stage; `current` are the Freight objects of `freightHistory[0]`; `steps=()` makes it control-flow.

    `last_promotion` is a Promotion object (as built by `promotion()`) to reference as `status.lastPromotion`.
    """
    status: dict[str, Any] = {
        "observedGeneration": 1,
        "conditions": list(conditions) if conditions is not None else ready_conditions(),
        "autoPromotionEnabled": auto_promotion,
    }
    if current:
        items = {f"Warehouse/{item['origin']['name']}": freight_ref(item) for item in current}
        collection: dict[str, Any] = {"id": sha("".join(sorted(items))), "items": items}
        if verifications:
            collection["verificationHistory"] = list(verifications)
        status["freightHistory"] = [collection]
        status["freightSummary"] = (
            current[0]["metadata"]["name"] if len(current) == 1 else f"{len(current)}/1 Fulfilled"
        )
    if health is not None:
        status["health"] = {"status": health}
    if current_promotion is not None:
        status["currentPromotion"] = {"name": current_promotion}
    if last_promotion is not None:
        status["lastPromotion"] = {
            "name": last_promotion["metadata"]["name"],
            "finishedAt": last_promotion["status"].get("finishedAt"),
            "status": last_promotion["status"],
        }
    metadata = meta(name, namespace)
    if annotations:
        metadata["annotations"] = dict(annotations)
    spec: dict[str, Any] = {
        "requestedFreight": list(requests) if requests is not None else [request(direct=True)],
    }
    if steps:
        spec["promotionTemplate"] = {"spec": {"steps": [{"uses": uses, "as": uses} for uses in steps]}}
    return {"apiVersion": KARGO_API, "kind": "Stage", "metadata": metadata, "spec": spec, "status": status}


def promotion(  # pylint: disable=too-many-locals  # builds spec and status step by step
    stage_name: str,
    item: Mapping[str, Any],
    *,
    phase: str = "Succeeded",
    current_step: int | None = None,
    failed_message: str = "",
    actor: str | None = "admin",
    steps: Sequence[str] = DEFAULT_STEPS,
    started: float = -20,
    seq: int = 1,
) -> dict:
    """A Promotion of Freight `item` to a Stage in `phase`.

    Running: steps before `current_step` Succeeded, that one Running. Failed/Errored: the step at
    `current_step` carries `failed_message`. Succeeded: every step Succeeded.
    """
    freight_name = item["metadata"]["name"]
    count = len(steps)
    if current_step is None:
        current_step = count - 1 if phase in ("Succeeded", "Failed", "Errored") else 0
    executed: list[dict] = []
    if phase != "Pending":
        for index, alias in enumerate(steps[: current_step + 1]):
            entry: dict[str, Any] = {"alias": alias, "startedAt": at(started + index * 0.1), "errorCount": 0}
            if index < current_step or phase == "Succeeded":
                entry |= {"status": "Succeeded", "finishedAt": at(started + index * 0.1 + 0.05)}
            elif phase == "Running":
                entry["status"] = "Running"
            else:
                entry |= {
                    "status": phase,
                    "message": failed_message,
                    "errorCount": 1,
                    "finishedAt": at(started + 1),
                }
            executed.append(entry)
    status: dict[str, Any] = {"phase": phase, "freight": {"name": freight_name, "origin": item["origin"]}}
    if phase != "Pending":
        status |= {"startedAt": at(started), "currentStep": current_step, "stepExecutionMetadata": executed}
    if phase in ("Succeeded", "Failed", "Errored", "Aborted"):
        status["finishedAt"] = at(started + 1)
    if failed_message:
        status["message"] = failed_message
    name = f"{stage_name}.01j8z{seq:021d}.{freight_name[:7]}"
    metadata = meta(name, labels={"kargo.akuity.io/stage": stage_name})
    if actor is not None:
        metadata["annotations"] = {"kargo.akuity.io/create-actor": actor}
    return {
        "apiVersion": KARGO_API,
        "kind": "Promotion",
        "metadata": metadata,
        "spec": {
            "stage": stage_name,
            "freight": freight_name,
            "steps": [{"uses": uses, "as": uses} for uses in steps],
        },
        "status": status,
    }


def warehouse(name: str = WAREHOUSE, repos: Sequence[str] = (BACKEND, FRONTEND), git: bool = True) -> dict:
    subscriptions: list[dict] = [{"image": {"repoURL": repo, "allowTags": "^[0-9a-f]{8}$"}} for repo in repos]
    if git:
        subscriptions.append({"git": {"repoURL": SOURCE_REPO, "branch": "main"}})
    return {
        "apiVersion": KARGO_API,
        "kind": "Warehouse",
        "metadata": meta(name),
        "spec": {"interval": "5m0s", "subscriptions": subscriptions},
        "status": {"conditions": [condition("Ready", "True", "Ready", "")], "lastFreightID": sha(name)},
    }


def application(
    stage_name: str,
    *,
    name: str | None = None,
    project: str = PROJECT,
    authorized: str | None = None,
    sync: str = "Synced",
    health: str = "Healthy",
    images: Sequence[str] = (),
    operation_phase: str = "Succeeded",
) -> dict:
    """An Argo CD Application in `argocd` that authorises `<project>:<stage>` (override with `authorized`)."""
    revision = sha("gitops" + stage_name)
    return {
        "apiVersion": ARGOCD_API,
        "kind": "Application",
        "metadata": meta(
            name or f"{project}-{stage_name}",
            "argocd",
            annotations={"kargo.akuity.io/authorized-stage": authorized or f"{project}:{stage_name}"},
        ),
        "spec": {
            "project": "default",
            "source": {
                "repoURL": "https://github.com/demo/userapp-gitops.git",
                "targetRevision": f"env/{stage_name}",
            },
            "destination": {
                "server": "https://kubernetes.default.svc",
                "namespace": f"{project}-{stage_name}",
            },
        },
        "status": {
            "sync": {"status": sync, "revision": revision},
            "health": {"status": health, "lastTransitionTime": at(-2)},
            "operationState": {
                "phase": operation_phase,
                "message": "successfully synced (all tasks run)",
                "startedAt": at(-3),
                "finishedAt": at(-3),
                "operation": {
                    "initiatedBy": {"username": "kargo-controller"},
                    "sync": {"revision": revision},
                },
            },
            "summary": {"images": list(images)},
            "reconciledAt": at(-1),
        },
    }


def objects(*items: Mapping[str, Any]) -> dict[str, list[dict]]:
    """Group objects by kind, the shape `build_board` takes."""
    grouped: dict[str, list[dict]] = {
        "Stage": [],
        "Freight": [],
        "Promotion": [],
        "Warehouse": [],
        "Application": [],
    }
    for item in items:
        grouped.setdefault(item["kind"], []).append(dict(item))
    return grouped
