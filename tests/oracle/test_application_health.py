"""Kargo's health assessment of a Stage's Argo CD Applications (pkg/health/checker/builtin/argocd.go of Kargo
v1.11.2, the very checker the Stage controller registers, reading the Applications through a
controller-runtime client) against the board model's: the same state and the same issues, in order, for
10,000+ generated checks over CRD-valid Applications."""

from __future__ import annotations

from hypothesis import given

from dashboard.model.applications import AppHealthCheck, app_key, stage_application_health
from tests.oracle.crd_schema import assert_crd_valid
from tests.oracle.oracles import LineOracle
from tests.oracle.strategies import app_health_case, batched, cases

CASES = 10_000
BATCH = 25


def model_health(case: dict) -> dict:
    checks = [
        AppHealthCheck(
            name=check["name"],
            namespace=check.get("namespace") or "argocd",
            desired_revisions=tuple(check.get("desiredRevisions") or ()),
        )
        for check in case["apps"]
    ]
    status, issues = stage_application_health(checks, {app_key(app): app for app in case["applications"]})
    return {"status": status, "issues": list(issues)}


def test_application_health_agrees_with_kargo(kargo: LineOracle) -> None:
    states: list[str] = []

    @batched(CASES, BATCH)
    @given(cases(app_health_case, BATCH, 192))
    def check(batch: list[dict]) -> None:
        for case in batch:
            for application in case["applications"]:
                assert_crd_valid("Application", application)
        for case, answer in zip(batch, kargo.ask(batch), strict=True):
            assert model_health(case) == answer, case
            states.append(answer["status"])

    check()  # pylint: disable=no-value-for-parameter  # Hypothesis draws the argument
    assert len(states) >= CASES
    assert set(states) == {"Healthy", "Progressing", "Unknown", "Unhealthy"}
