"""The project's pipeline end to end with no controller played: real Kargo, real Argo CD (application
controller + repo-server), real Argo Rollouts, real kube-controller-manager and kube-scheduler, and KWOK's
simulated Nodes (tests/harness/lab.py, `kargo_lab(controllers=True)`).

An image pair pushed with crane becomes Freight; Kargo auto-promotes dev and Argo CD syncs env/dev into
namespace dev; the Deployments become Available on KWOK's Nodes and Argo CD reports the Application Healthy;
Kargo's verification runs the project's AnalysisTemplate through Argo Rollouts; QA promotes stg and the PO
prod through the board (QA in a real browser); prod ends with 3 replicas of the new tag.

What is simulated, and only that: KWOK marks Pods Running/Ready and a Job's Pod Succeeded without running a
container (so the smoke test's Job "passes" without curl ever running), and an Ingress gets its address from
the lab instead of an ingress controller (tests/harness/ingress.py). Needs scripts/build-lab.sh.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client
from playwright.sync_api import Browser

from tests.dashboard.board_client import result_code
from tests.dashboard.board_page import confirm_action, log_in, open_page, open_promotion
from tests.dashboard.server import LiveBoard
from tests.harness.kube import CustomObjects, as_json
from tests.harness.lab import GIT_REPO, PROJECT, KargoLab
from tests.lab.pipeline import (
    BOARD_IDENTITY,
    PASSWORDS,
    REAL_LAB_MARKS,
    assert_promoted,
    deployed,
    person,
    push_build,
    real_lab,
    verified_in,
    wait_for,
)

pytestmark = [*REAL_LAB_MARKS, pytest.mark.browser]


@pytest.fixture(scope="module")
def lab() -> Iterator[KargoLab]:
    with real_lab() as started:
        yield started


def assert_argocd_deployed(lab: KargoLab, stage: str, tag: str, initiator: str) -> None:
    """What the real Argo CD wrote: the sync Kargo asked for succeeded; the app is Healthy at the new tag."""
    app = wait_for(
        lab,
        lambda: deployed(lab, stage),
        300,
        f"Argo CD: userapp-{stage} Synced to env/{stage}, Healthy",
    )
    assert isinstance(app, dict)
    operation = app["status"]["operationState"]
    assert operation["phase"] == "Succeeded", operation
    # Kargo's argocd-update step names the Promotion's creator, or itself for an automatic promotion
    # (pkg/promotion/runner/builtin/argocd_updater.go: so that Argo CD's sync windows apply to people).
    assert operation["operation"]["initiatedBy"] == (
        {"username": "kargo-controller", "automated": True}
        if initiator == "kargo-controller"
        else {"username": initiator}
    ), operation["operation"]["initiatedBy"]
    info = {item["name"]: item["value"] for item in operation["operation"]["info"]}
    assert info["kargo.akuity.io/promotion"].startswith(f"{stage}."), info
    applied = {(r["kind"], r["name"]): r["status"] for r in operation["syncResult"]["resources"]}
    assert applied[("Deployment", "userapp-backend")] == "Synced", applied
    assert applied[("Deployment", "userapp-frontend")] == "Synced", applied
    # The manifests Argo CD applied are the ones Kargo rendered with the new tag.
    assert app["status"]["sync"]["revision"] == lab.git.head(GIT_REPO, f"env/{stage}")
    rendered = lab.git.read_file(GIT_REPO, app["status"]["sync"]["revision"], "manifests.yaml")
    for name in ("userapp-backend", "userapp-frontend"):
        assert f"image: {lab.image(name)}:{tag}" in rendered


def assert_verified_by_rollouts(lab: KargoLab, freight: str, stage: str) -> None:
    wait_for(lab, lambda: verified_in(lab, freight, stage), 300, f"the Freight verified in {stage}")
    runs = CustomObjects(lab.cluster, "admin", "argoproj.io", "v1alpha1").list(PROJECT, "analysisruns")
    # Kargo labels the AnalysisRuns it starts with the Stage (pkg/controller/stages/regular_stages.go).
    ours = [
        run
        for run in runs["items"]
        if run["metadata"].get("labels", {}).get("kargo.akuity.io/stage") == stage
    ]
    assert ours, [run["metadata"] for run in runs["items"]]
    run = ours[-1]
    # Written by the Argo Rollouts controller: the job metric's Job completed (its Pod, on KWOK, Succeeded).
    assert run["status"]["phase"] == "Successful", run["status"]
    (metric,) = run["status"]["metricResults"]
    assert metric["name"] == "smoke-test" and metric["phase"] == "Successful", metric
    assert metric["measurements"][0]["metadata"]["job-name"], metric


def test_a_pushed_image_reaches_prod_through_real_kargo_argocd_and_rollouts(
    lab: KargoLab, board: LiveBoard, browser: Browser
):
    tag, freight = push_build(lab, board)
    name = freight["metadata"]["name"]

    assert_promoted(lab, "dev", name, tag)
    assert_argocd_deployed(lab, "dev", tag, "kargo-controller")
    assert_verified_by_rollouts(lab, name, "dev")

    # QA promotes stg as on stage: in a real browser, through the board's button and confirm step.
    problems: list[str] = []
    page = open_page(browser, f"{board.url}/login", problems)
    log_in(page, board.url, "ana", PASSWORDS["ana"])
    confirm_action(page, open_promotion(page, "stg", name), "promote-done")
    assert not problems, problems
    assert_promoted(lab, "stg", name, tag)
    assert_argocd_deployed(lab, "stg", tag, BOARD_IDENTITY)
    assert_verified_by_rollouts(lab, name, "stg")

    response = person(board, "paulo").act("promote", stage="prod", freight=name)
    assert result_code(response) == "promote-done", response.get_data(as_text=True)
    assert_promoted(lab, "prod", name, tag)
    assert_argocd_deployed(lab, "prod", tag, BOARD_IDENTITY)
    apps = client.AppsV1Api(lab.cluster.api_client("admin"))
    for deployment in ("userapp-backend", "userapp-frontend"):
        live = as_json(apps.read_namespaced_deployment(deployment, "prod"))
        assert live["spec"]["template"]["spec"]["containers"][0]["image"] == f"{lab.image(deployment)}:{tag}"
        assert live["status"].get("availableReplicas") == 3, live["status"]
