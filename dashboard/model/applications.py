"""Argo CD Applications per Stage, and the "stuck rollout" warning.

A Stage deploys the Applications that authorise it (`kargo.akuity.io/authorized-stage: <project>:<stage>`, a
comma-separated list since Kargo v1.11) and those its last Promotion health-checked (the Stage's
`kargo.akuity.io/argocd-context` annotation, JSON `[{"name", "namespace"}]`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dashboard.model.objects import (
    ARGOCD_CONTEXT_ANNOTATION,
    AUTHORIZED_STAGE_ANNOTATION,
    annotations_of,
    dig,
    mapping,
    name_of,
    namespace_of,
    parse_time,
    sequence,
    split_image_reference,
    text,
)
from dashboard.model.types import ApplicationView, Notice, StuckRollout

DEFAULT_ARGOCD_NAMESPACE = "argocd"

AppKey = tuple[str, str]  # (namespace, name)


def authorized_stages(application: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(project, stage) pairs from the authorized-stage annotation; malformed entries are skipped."""
    value = text(annotations_of(application).get(AUTHORIZED_STAGE_ANNOTATION))
    pairs = []
    for entry in value.split(","):
        project, sep, stage = entry.strip().partition(":")
        if sep and project and stage:
            pairs.append((project.strip(), stage.strip()))
    return tuple(pairs)


def argocd_context(stage: Mapping[str, Any]) -> tuple[tuple[AppKey, ...], Notice | None]:
    """Applications named by the Stage's argocd-context annotation, or a notice when it is not valid JSON."""
    raw = annotations_of(stage).get(ARGOCD_CONTEXT_ANNOTATION)
    if not isinstance(raw, str) or not raw.strip():
        return (), None
    try:
        entries = json.loads(raw)
    except ValueError:
        return (), Notice("bad-argocd-context", f"annotation {ARGOCD_CONTEXT_ANNOTATION} is not valid JSON")
    keys = []
    for entry in entries if isinstance(entries, list) else []:
        name = text(mapping(entry).get("name"))
        if name:
            keys.append((text(mapping(entry).get("namespace")) or DEFAULT_ARGOCD_NAMESPACE, name))
    return tuple(keys), None


def index_by_stage(applications: Iterable[Mapping[str, Any]], project: str) -> dict[str, list[AppKey]]:
    """Stage name -> Applications that authorise it in `project`, sorted by (namespace, name)."""
    by_stage: dict[str, list[AppKey]] = {}
    for application in applications:
        for app_project, stage in authorized_stages(application):
            if app_project == project:
                by_stage.setdefault(stage, []).append(app_key(application))
    return {stage: sorted(set(keys)) for stage, keys in by_stage.items()}


def app_key(application: Mapping[str, Any]) -> AppKey:
    return (namespace_of(application) or DEFAULT_ARGOCD_NAMESPACE, name_of(application))


def stage_applications(
    context_keys: Sequence[AppKey],
    authorized_keys: Sequence[AppKey],
    applications_by_key: Mapping[AppKey, Mapping[str, Any]],
) -> tuple[ApplicationView, ...]:
    """The argocd-context Applications first (Kargo health-checks those), then the other authorised ones."""
    keys = list(dict.fromkeys([*context_keys, *authorized_keys]))
    return tuple(
        application_view(applications_by_key[key]) if key in applications_by_key else missing_application(key)
        for key in keys
    )


def application_view(application: Mapping[str, Any]) -> ApplicationView:
    status = mapping(application.get("status"))
    sync = mapping(status.get("sync"))
    operation = mapping(status.get("operationState"))
    images = tuple(text(image) for image in sequence(dig(status, "summary", "images")) if text(image))
    revisions = [text(revision) for revision in sequence(sync.get("revisions")) if text(revision)]
    return ApplicationView(
        name=name_of(application),
        namespace=namespace_of(application) or DEFAULT_ARGOCD_NAMESPACE,
        missing=False,
        sync_status=text(sync.get("status")) or "Unknown",
        health_status=text(dig(status, "health", "status")) or "Unknown",
        revision=text(sync.get("revision")) or ",".join(revisions),
        operation_phase=text(operation.get("phase")),
        operation_message=text(operation.get("message")),
        images=images,
        conditions=tuple(
            Notice(text(cond.get("type")), text(cond.get("message")))
            for cond in map(mapping, sequence(status.get("conditions")))
        ),
        stuck_rollouts=stuck_rollouts(images),
        reconciled_at=parse_time(status.get("reconciledAt")),
    )


def missing_application(key: AppKey) -> ApplicationView:
    namespace, name = key
    return ApplicationView(
        name=name,
        namespace=namespace,
        missing=True,
        sync_status="Unknown",
        health_status="Missing",
        revision="",
        operation_phase="",
        operation_message="",
        images=(),
        conditions=(),
        stuck_rollouts=(),
        reconciled_at=None,
    )


def stuck_rollouts(images: Iterable[str]) -> tuple[StuckRollout, ...]:
    """Repositories that appear with two or more tags in `status.summary.images`.

    Argo CD collects images from every live resource, so during a halted rolling update both the old and the
    new pod's tags are listed: the old version is still the one serving.
    """
    tags_by_repo: dict[str, list[str]] = {}
    for image in images:
        repo, tag = split_image_reference(image)
        if tag and tag not in tags_by_repo.setdefault(repo, []):
            tags_by_repo[repo].append(tag)
    return tuple(
        StuckRollout(repo, tuple(sorted(tags)))
        for repo, tags in sorted(tags_by_repo.items())
        if len(tags) > 1
    )


def application_warnings(applications: Iterable[ApplicationView]) -> list[Notice]:
    warnings = []
    for app in applications:
        if app.missing:
            warnings.append(
                Notice("application-missing", f"Argo CD Application {app.namespace}/{app.name} not found")
            )
        for stuck in app.stuck_rollouts:
            warnings.append(
                Notice(
                    "stuck-rollout",
                    f"Application {app.name} runs {stuck.repo_url} with tags {', '.join(stuck.tags)}: "
                    "the rollout has not finished and the old version is still serving",
                )
            )
    return warnings
