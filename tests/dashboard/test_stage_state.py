"""Stage phase from conditions (Kargo UI's rule), health and the latest verification."""

from __future__ import annotations

import pytest

from dashboard.model import build_board
from dashboard.model.stage_state import stage_state
from tests.dashboard import factories as f


@pytest.mark.parametrize(
    ("conditions", "phase", "reason"),
    [
        (f.ready_conditions(), "Ready", "Verified"),
        (f.promoting_conditions("dev.01.abc"), "Promoting", "ActivePromotion"),
        (f.verifying_conditions(), "Verifying", "VerificationRunning"),
        (
            [f.condition("Reconciling", "True", "ScheduledForReconciliation"), f.condition("Ready", "True")],
            "Reconciling",
            "ScheduledForReconciliation",
        ),
        (f.failed_conditions(), "Failed", "LastPromotionFailed"),
        ([f.condition("Ready", "False", "ReconcileError", "boom")], "Failed", "ReconcileError"),
        (f.no_freight_conditions(), "Unknown", "NoFreight"),
        ([], "Unknown", ""),
    ],
)
def test_phase_from_conditions(conditions: list[dict], phase: str, reason: str) -> None:
    state = stage_state(f.stage("dev", conditions=conditions))
    assert (state.phase, state.reason) == (phase, reason)


def test_promoting_wins_over_verifying_and_failed() -> None:
    conditions = [
        f.condition("Promoting", "True", "ActivePromotion"),
        f.condition("Verified", "Unknown", "VerificationRunning"),
        f.condition("Ready", "False", "LastPromotionFailed"),
    ]
    assert stage_state(f.stage("dev", conditions=conditions)).phase == "Promoting"


def test_verifying_wins_over_reconciling() -> None:
    conditions = [
        f.condition("Verified", "Unknown", "VerificationPending"),
        f.condition("Reconciling", "True"),
    ]
    assert stage_state(f.stage("dev", conditions=conditions)).phase == "Verifying"


def test_stage_without_status_is_unknown_with_no_health() -> None:
    stage = f.stage("dev")
    del stage["status"]
    view = build_board(f.objects(stage), project=f.PROJECT, now=f.NOW).stage("dev")
    assert (view.state.phase, view.health.status, view.verification, view.current_freight) == (
        "Unknown",
        None,
        None,
        (),
    )


def test_health_and_issues() -> None:
    stage = f.stage("stg", health="Unhealthy")
    stage["status"]["health"]["issues"] = ["Application userapp-stg is Degraded"]
    view = build_board(f.objects(stage), project=f.PROJECT, now=f.NOW).stage("stg")
    assert view.health.status == "Unhealthy"
    assert view.health.issues == ("Application userapp-stg is Degraded",)
    assert [w.code for w in view.warnings] == ["unhealthy"]


def test_failed_verification_is_shown_and_warned() -> None:
    item = f.freight("calm-heron")
    stage = f.stage(
        "stg",
        conditions=[f.condition("Ready", "False", "VerificationFailed"), f.condition("Verified", "False")],
        current=[item],
        verifications=[f.verification("Failed", "smoke test: 3 of 5 requests failed")],
    )
    stage["status"]["freightHistory"][0]["verificationHistory"][0]["analysisRun"] = {
        "namespace": f.PROJECT,
        "name": "stg.01j8z.smoke",
        "phase": "Failed",
    }
    view = build_board(f.objects(stage, item), project=f.PROJECT, now=f.NOW).stage("stg")
    assert view.state.phase == "Failed"
    assert view.verification is not None
    assert (view.verification.phase, view.verification.analysis_run) == ("Failed", "stg.01j8z.smoke")
    assert [w.code for w in view.warnings] == ["verification-failed"]
    assert "3 of 5 requests failed" in view.warnings[0].message


def test_running_verification_is_the_newest_entry() -> None:
    item = f.freight("calm-heron")
    stage = f.stage(
        "stg",
        conditions=f.verifying_conditions(),
        current=[item],
        verifications=[
            f.verification("Running", minutes=-1),
            f.verification("Failed", "old run", minutes=-30),
        ],
    )
    view = build_board(f.objects(stage, item), project=f.PROJECT, now=f.NOW).stage("stg")
    assert view.state.phase == "Verifying"
    assert view.verification is not None and view.verification.phase == "Running"
    assert view.verification.finished_at is None
    assert view.warnings == ()
