"""Argo CD Applications per Stage, and the "stuck rollout" warning.

A Stage deploys the Applications that authorise it (`kargo.akuity.io/authorized-stage: <project>:<stage>`, a
comma-separated list since Kargo v1.11) and those its last Promotion health-checked (the Stage's
`kargo.akuity.io/argocd-context` annotation, JSON `[{"name", "namespace"}]`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from dashboard.model.objects import (
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
from dashboard.vocabulary import ARGOCD_CONTEXT_ANNOTATION, AUTHORIZED_STAGE_ANNOTATION

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
        return (), Notice(
            "bad-argocd-context",
            f"annotation {ARGOCD_CONTEXT_ANNOTATION} is not valid JSON",
            (("annotation", ARGOCD_CONTEXT_ANNOTATION),),
        )
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
        with_kargo_health(
            (
                application_view(applications_by_key[key])
                if key in applications_by_key
                else missing_application(key)
            ),
            applications_by_key.get(key),
        )
        for key in keys
    )


def with_kargo_health(view: ApplicationView, application: Mapping[str, Any] | None) -> ApplicationView:
    """The view with Kargo's own verdict on the Application (its argocd-update health rule, without desired
    revisions: the board does not know what the Application should be synced to)."""
    state, issues = application_health(application, AppHealthCheck(view.name, view.namespace))
    return replace(view, kargo_health=state, kargo_issues=tuple(issues))


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
                Notice(
                    "application-missing",
                    f"Argo CD Application {app.namespace}/{app.name} not found",
                    (("namespace", app.namespace), ("name", app.name)),
                )
            )
        for stuck in app.stuck_rollouts:
            warnings.append(
                Notice(
                    "stuck-rollout",
                    f"Application {app.name} runs {stuck.repo_url} with tags {', '.join(stuck.tags)}: "
                    "the rollout has not finished and the old version is still serving",
                    (("application", app.name), ("repo", stuck.repo_url), ("tags", ", ".join(stuck.tags))),
                )
            )
    return warnings


# Kargo's HealthState order (api/v1alpha1/stage_types.go stateOrder): Merge keeps the more severe.
_HEALTH_ORDER = {"Healthy": 0, "NotApplicable": 1, "Progressing": 2, "Unknown": 3, "Unhealthy": 4}
# Argo CD condition types that make Kargo call an Application unhealthy whatever its health says.
_HEALTH_ERROR_CONDITIONS = ("ComparisonError", "InvalidSpecError")


@dataclass(frozen=True)
class AppHealthCheck:
    """One Application a Stage's argocd-update health check looks at (Kargo's ArgoCDAppHealthCheck)."""

    name: str
    namespace: str = DEFAULT_ARGOCD_NAMESPACE
    desired_revisions: tuple[str, ...] = ()


def merge_health(first: str, second: str) -> str:
    """Kargo's HealthState.Merge: the more severe of the two."""
    return first if _HEALTH_ORDER.get(first, 0) > _HEALTH_ORDER.get(second, 0) else second


def stage_application_health(
    checks: Sequence[AppHealthCheck], applications_by_key: Mapping[AppKey, Mapping[str, Any]]
) -> tuple[str, tuple[str, ...]]:
    """Kargo's argocd-update health check of a Stage (pkg/health/checker/builtin/argocd.go): the merged state
    of every Application it names, and Kargo's own issue sentences, in order."""
    state, issues = "Healthy", []
    for check in checks:
        app_state, app_issues = application_health(
            applications_by_key.get((check.namespace, check.name)), check
        )
        state = merge_health(state, app_state)
        issues.extend(app_issues)
    return state, tuple(issues)


def application_health(application: Mapping[str, Any] | None, check: AppHealthCheck) -> tuple[str, list[str]]:
    """Kargo's getApplicationHealth for one Application (None: not found): (state, issues)."""
    who = f"Argo CD Application {_quote(check.name)} in namespace {_quote(check.namespace)}"
    if application is None:
        return "Unknown", [f"unable to find {who}"]
    status = mapping(application.get("status"))
    operation_state = status.get("operationState")
    finished = parse_time(mapping(operation_state).get("finishedAt"))
    if finished is not None:
        reconciled = parse_time(status.get("reconciledAt"))
        if reconciled is None or reconciled < finished:
            return "Unknown", [
                f"{who} was not reconciled after its most recent operation completed; "
                "Application health status not trusted"
            ]
    errors = [
        mapping(cond)
        for cond in sequence(status.get("conditions"))
        if text(mapping(cond).get("type")) in _HEALTH_ERROR_CONDITIONS
    ]
    if errors:
        return "Unhealthy", [
            f"{who} has {_quote(text(cond.get('type')))} condition: {text(cond.get('message'))}"
            for cond in errors
        ]
    sync_state, sync_issue = _sync_health(application, check.desired_revisions)
    if sync_issue:
        return sync_state, [sync_issue]
    return _health_of(application)


def _sync_health(application: Mapping[str, Any], desired: Sequence[str]) -> tuple[str, str]:
    if not any(desired):
        return "Healthy", ""  # Kargo does not know what the Application should be synced to
    who = (
        f"Argo CD Application {_quote(name_of(application))} in namespace {_quote(namespace_of(application))}"
    )
    status = mapping(application.get("status"))
    operation_state = status.get("operationState")
    finished = parse_time(mapping(operation_state).get("finishedAt"))
    if (
        isinstance(dig(application, "operation", "sync"), Mapping)
        or not isinstance(operation_state, Mapping)
        or finished is None
        or finished == _ZERO_TIME
    ):
        return "Unknown", f"{who} is being synced"
    spec = mapping(application.get("spec"))
    sources = [mapping(source) for source in sequence(spec.get("sources"))]
    if not sources and isinstance(spec.get("source"), Mapping):
        sources = [spec["source"]]
    if len(sources) != len(desired):
        return "Unknown", f"{who} has {len(sources)} sources but {len(desired)} desired revisions"
    sync = mapping(status.get("sync"))
    observed = [text(revision) for revision in sequence(sync.get("revisions"))] or [
        text(sync.get("revision"))
    ]
    if len(observed) != len(desired):
        return "Unknown", f"{who} has {len(observed)} observed revisions but {len(desired)} desired revisions"
    issues = [
        f"Source {index} with RepoURL {text(sources[index].get('repoURL'))} of Application "
        f"{_quote(name_of(application))} in namespace {_quote(namespace_of(application))} does not match the "
        f"desired revision {_quote(want)}."
        for index, (have, want) in enumerate(zip(observed, desired, strict=True))
        if want and have != want
    ]
    if issues:
        return "Unhealthy", (
            f"Not all sources of Application {_quote(name_of(application))} in namespace "
            f"{_quote(namespace_of(application))} are synced to the desired revisions. "
            f"Issues: {'; '.join(issues)}"
        )
    return "Healthy", ""


def _health_of(application: Mapping[str, Any]) -> tuple[str, list[str]]:
    who = (
        f"Argo CD Application {_quote(name_of(application))} in namespace {_quote(namespace_of(application))}"
    )
    health = text(dig(application, "status", "health", "status"))
    if health in ("Progressing", ""):
        return "Progressing", [f"{who} is progressing"]
    if health == "Suspended":  # Kargo waits for a suspended Application as for a progressing one
        return "Progressing", [f"{who} is suspended"]
    if health == "Healthy":
        return "Healthy", []
    return "Unhealthy", [f"{who} has health state {_quote(health)}"]


_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def _quote(value: str) -> str:
    """Go's %q for the printable text of Kubernetes names and Argo CD values."""
    return json.dumps(value, ensure_ascii=False)
