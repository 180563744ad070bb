"""Argo CD Applications per Stage (authorized-stage, argocd-context); stuck rollouts; missing apps."""

from __future__ import annotations

import json

from dashboard.model import build_board
from dashboard.model.applications import stuck_rollouts
from tests.dashboard import factories as f


def apps_of(stage: dict, *applications: dict):
    board = build_board(f.objects(stage, *applications), project=f.PROJECT, now=f.NOW)
    return board.stage(stage["metadata"]["name"])


def context(*names: str) -> dict[str, str]:
    return {
        "kargo.akuity.io/argocd-context": json.dumps(
            [{"name": name, "namespace": "argocd"} for name in names]
        )
    }


def test_application_found_by_authorized_stage_annotation() -> None:
    view = apps_of(
        f.stage("stg"), f.application("stg", images=[f"{f.BACKEND}:e5f6a7b8"]), f.application("prod")
    )
    assert [(a.name, a.sync_status, a.health_status, a.operation_phase) for a in view.applications] == [
        ("userapp-stg", "Synced", "Healthy", "Succeeded")
    ]
    assert view.applications[0].revision == f.sha("gitopsstg")
    assert view.warnings == ()


def test_authorized_stage_may_list_several_stages_and_projects() -> None:
    shared = f.application("shared", name="shared-ingress", authorized="other:dev, userapp:dev ,userapp:stg")
    assert [a.name for a in apps_of(f.stage("dev"), shared).applications] == ["shared-ingress"]
    assert [a.name for a in apps_of(f.stage("stg"), shared).applications] == ["shared-ingress"]
    assert apps_of(f.stage("prod"), shared).applications == ()


def test_application_of_another_project_is_not_matched() -> None:
    assert apps_of(f.stage("dev"), f.application("dev", project="shop")).applications == ()


def test_argocd_context_names_applications_first() -> None:
    stage = f.stage("stg", annotations=context("userapp-stg-api"))
    view = apps_of(
        stage, f.application("stg"), f.application("stg", name="userapp-stg-api", authorized="x:y")
    )
    assert [a.name for a in view.applications] == ["userapp-stg-api", "userapp-stg"]


def test_missing_application_is_shown_and_warned() -> None:
    view = apps_of(f.stage("prod", annotations=context("userapp-prod")))
    assert [(a.name, a.missing, a.health_status) for a in view.applications] == [
        ("userapp-prod", True, "Missing")
    ]
    assert [w.code for w in view.warnings] == ["application-missing"]


def test_invalid_argocd_context_is_a_warning() -> None:
    stage = f.stage("dev", annotations={"kargo.akuity.io/argocd-context": "[{not json"})
    view = apps_of(stage)
    assert view.applications == ()
    assert [w.code for w in view.warnings] == ["bad-argocd-context"]


def test_two_tags_of_one_repository_is_a_stuck_rollout() -> None:
    app = f.application(
        "stg",
        health="Progressing",
        images=[f"{f.BACKEND}:a1b2c3d4", f"{f.BACKEND}:e5f6a7b8", f"{f.FRONTEND}:e5f6a7b8"],
    )
    view = apps_of(f.stage("stg"), app)
    stuck = view.applications[0].stuck_rollouts
    assert [(s.repo_url, s.tags) for s in stuck] == [(f.BACKEND, ("a1b2c3d4", "e5f6a7b8"))]
    assert [w.code for w in view.warnings] == ["stuck-rollout"]
    assert "old version is still serving" in view.warnings[0].message


def test_image_reference_forms() -> None:
    found = stuck_rollouts(
        [
            "localhost:5000/team/app:1.0",
            "localhost:5000/team/app:1.1@sha256:" + "0" * 64,
            "nginx@sha256:" + "1" * 64,  # digest only: no tag to compare
            "nginx:1.27",
        ]
    )
    assert [(s.repo_url, s.tags) for s in found] == [("localhost:5000/team/app", ("1.0", "1.1"))]


def test_application_without_status_reads_as_unknown() -> None:
    app = f.application("dev")
    del app["status"]
    view = apps_of(f.stage("dev"), app)
    assert [(a.sync_status, a.health_status, a.revision, a.images) for a in view.applications] == [
        ("Unknown", "Unknown", "", ())
    ]


def test_argo_conditions_are_carried() -> None:
    app = f.application("dev", sync="Unknown")
    app["status"]["conditions"] = [{"type": "ComparisonError", "message": "repository not found"}]
    view = apps_of(f.stage("dev"), app)
    assert [(c.code, c.message) for c in view.applications[0].conditions] == [
        ("ComparisonError", "repository not found")
    ]
