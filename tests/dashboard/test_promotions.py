"""Promotion in progress (phase, step i of N, failed step message) and the last one (who, when, result)."""

from __future__ import annotations

import pytest

from dashboard.model import build_board
from dashboard.model.promotions import display_actor
from tests.dashboard import factories as f

FOX = f.freight("eager-fox")


def stage_view(stage: dict, *promotions: dict):
    return build_board(f.objects(stage, FOX, *promotions), project=f.PROJECT, now=f.NOW).stage(
        stage["metadata"]["name"]
    )


def test_running_promotion_shows_its_current_step() -> None:
    running = f.promotion("dev", FOX, phase="Running", current_step=2)
    stage = f.stage("dev", conditions=f.promoting_conditions(), current_promotion=running["metadata"]["name"])
    view = stage_view(stage, running)
    assert view.state.phase == "Promoting"
    assert view.promotion is not None
    assert (view.promotion.phase, view.promotion.step_number, view.promotion.step_count) == ("Running", 3, 5)
    assert view.promotion.step_alias == "git-commit"
    assert view.promotion.freight_alias == "eager-fox"
    assert view.promotion.failed_step_alias == ""


def test_running_promotion_is_found_without_a_stage_reference() -> None:
    running = f.promotion("dev", FOX, phase="Running", current_step=0)
    view = stage_view(f.stage("dev"), running)
    assert view.promotion is not None and view.promotion.step_alias == "git-clone"


def test_pending_promotion_has_no_step_yet() -> None:
    pending = f.promotion("dev", FOX, phase="Pending")
    view = stage_view(f.stage("dev", current_promotion=pending["metadata"]["name"]), pending)
    assert view.promotion is not None
    assert (view.promotion.phase, view.promotion.step_number, view.promotion.step_count) == (
        "Pending",
        None,
        5,
    )


def test_a_stale_reference_to_a_finished_promotion_is_not_in_progress() -> None:
    done = f.promotion("dev", FOX, phase="Succeeded")
    view = stage_view(f.stage("dev", current_promotion=done["metadata"]["name"], last_promotion=done), done)
    assert view.promotion is None
    assert view.last_promotion is not None and view.last_promotion.phase == "Succeeded"


def test_failed_promotion_names_the_failed_step_and_its_message() -> None:
    failed = f.promotion(
        "stg",
        FOX,
        phase="Errored",
        current_step=3,
        failed_message="git push: remote rejected (protected branch)",
    )
    stage = f.stage("stg", conditions=f.failed_conditions("LastPromotionErrored"), last_promotion=failed)
    view = stage_view(stage, failed)
    assert view.state.phase == "Failed"
    assert view.last_promotion is not None
    assert (view.last_promotion.step_number, view.last_promotion.step_count) == (4, 5)
    assert view.last_promotion.failed_step_alias == "git-push"
    assert view.last_promotion.failed_step_message == "git push: remote rejected (protected branch)"
    assert [w.code for w in view.warnings] == ["promotion-failed"]
    assert "git-push" in view.warnings[0].message and "protected branch" in view.warnings[0].message


def test_a_step_that_failed_with_continue_on_error_is_not_the_failed_step() -> None:
    failed = f.promotion(
        "stg", FOX, phase="Failed", current_step=4, failed_message="argocd-update: timed out"
    )
    steps = failed["status"]["stepExecutionMetadata"]
    steps[1] |= {"status": "Errored", "message": "optional step broke", "continueOnError": True}
    view = stage_view(f.stage("stg", last_promotion=failed), failed)
    assert view.last_promotion is not None
    assert (view.last_promotion.failed_step_alias, view.last_promotion.failed_step_message) == (
        "argocd-update",
        "argocd-update: timed out",
    )


def test_last_promotion_shows_actor_and_finish_time() -> None:
    done = f.promotion("prod", FOX, actor="email:po@example.com", started=-30)
    view = stage_view(f.stage("prod", last_promotion=done), done)
    assert view.last_promotion is not None
    assert view.last_promotion.actor == "po@example.com"
    assert view.last_promotion.actor_annotation == "email:po@example.com"
    assert view.last_promotion.finished_at is not None
    assert view.last_promotion.finished_at.isoformat() == "2026-09-20T11:31:00+00:00"
    assert view.warnings == ()


def test_last_promotion_falls_back_to_the_newest_finished_promotion_object() -> None:
    older = f.promotion("prod", FOX, phase="Failed", failed_message="x", seq=1)
    newer = f.promotion("prod", FOX, phase="Succeeded", seq=2)
    view = stage_view(f.stage("prod"), newer, older)
    assert view.last_promotion is not None and view.last_promotion.name == newer["metadata"]["name"]


def test_last_promotion_from_the_stage_reference_alone() -> None:
    done = f.promotion("prod", FOX, actor=None)
    view = stage_view(f.stage("prod", last_promotion=done))  # the Promotion object was garbage-collected
    assert view.last_promotion is not None
    assert (view.last_promotion.phase, view.last_promotion.actor) == ("Succeeded", None)
    assert view.last_promotion.freight_alias == "eager-fox"


@pytest.mark.parametrize(
    ("annotation", "shown"),
    [
        ("admin", "admin"),
        ("email:alice@example.com", "alice@example.com"),
        ("subject:1234", "1234"),
        ("controller:kargo-controller", "kargo-controller"),
        ("kubernetes:system:serviceaccount:userapp:board", "system"),  # exactly what Kargo's UI shows
        ("unknown actor", "unknown actor"),
        (None, None),
    ],
)
def test_actor_is_shown_as_kargo_ui_shows_it(annotation: str | None, shown: str | None) -> None:
    assert display_actor(annotation) == shown


def test_a_retry_in_progress_hides_the_last_failure_warning() -> None:
    failed = f.promotion(
        "stg", FOX, phase="Failed", current_step=1, failed_message="kustomize: bad image", seq=1
    )
    retry = f.promotion("stg", FOX, phase="Running", current_step=0, seq=2)
    stage = f.stage(
        "stg",
        conditions=f.promoting_conditions(),
        current_promotion=retry["metadata"]["name"],
        last_promotion=failed,
    )
    view = stage_view(stage, failed, retry)
    assert view.promotion is not None and view.promotion.name == retry["metadata"]["name"]
    assert view.last_promotion is not None and view.last_promotion.failed_step_alias == "kustomize-set-image"
    assert view.warnings == ()
