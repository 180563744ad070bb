"""The talk's error build on the real lab (issue 13): real Kargo, real Argo CD, real Argo Rollouts, the real
kube-controller-manager and kube-scheduler, KWOK's simulated Nodes (tests/harness/lab.py).

The error build is demo/scenarios/03-erro-tls-obrigatorio: its backend demands TLS from PostgreSQL, dev's
PostgreSQL has none, /readyz answers 503 forever and the kubelet's readiness probe never marks the Pod Ready.
KWOK runs no container and no probe, so the lab states that fact in KWOK's own configuration: the KWOK Stage
lab/kwok/error-build-never-ready.yaml (`make lab` loads it too) makes a Pod whose `backend` container runs the
image tagged 0bad503a (the tag this module pushes the error build with, read from that Stage) Running and
never Ready, instead of KWOK's default pod-ready Stage. Everything after that is the real components'
reaction, and that is what the test asserts: Kargo auto-promotes dev and Argo CD syncs it, the Deployment's
rollout never completes, Argo CD never reports the Application Healthy, Kargo never verifies the Freight in
dev and so never offers it to stg, the board names why, and the board's rollback brings dev back to the
previous Freight, Healthy.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator

import pytest
from kubernetes import client

from scripts.lab import ERROR_BUILD_STAGE, error_build_tag
from tests.dashboard.board_client import result_code
from tests.dashboard.server import LiveBoard
from tests.harness.kube import CustomObjects, as_json
from tests.harness.lab import PROJECT, KargoLab
from tests.lab.pipeline import (
    REAL_LAB_MARKS,
    TERMINAL_PHASES,
    assert_promoted,
    deployed,
    person,
    promotion_failure,
    promotions_to,
    push_build,
    real_lab,
    synced,
    verified_in,
    wait_for,
)

pytestmark = REAL_LAB_MARKS

# How long the test watches the error build not becoming ready: several Argo CD and Kargo reconciliations.
HOLD_SECONDS = 45


@pytest.fixture(scope="module")
def lab() -> Iterator[KargoLab]:
    with real_lab(kwok_stages=(ERROR_BUILD_STAGE,)) as started:
        yield started


def hold(lab: KargoLab, check, seconds: float, what: str) -> None:
    """`check` returns None while all is as expected, else what went wrong; it must stay None `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lab.check_running()
        wrong = check()
        assert wrong is None, f"{what}: {wrong}"
        time.sleep(1)


def page_text(live: LiveBoard) -> str:
    """The board's page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    markup = person(live, "root").client.get("/").get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def backend_pods(lab: KargoLab, tag: str) -> list[dict]:
    """The dev Pods (their JSON) whose backend container runs `tag`."""
    pods = as_json(client.CoreV1Api(lab.cluster.api_client("admin")).list_namespaced_pod("dev"))["items"]
    return [
        p
        for p in pods
        if any(c["name"] == "backend" and c["image"].endswith(f":{tag}") for c in p["spec"]["containers"])
    ]


def backend_image(lab: KargoLab, stage: str) -> str:
    """The image of the backend Deployment's container in namespace `stage`, as Kubernetes holds it."""
    apps = client.AppsV1Api(lab.cluster.api_client("admin"))
    live = as_json(apps.read_namespaced_deployment("userapp-backend", stage))
    return live["spec"]["template"]["spec"]["containers"][0]["image"]


def still_broken(lab: KargoLab, live: LiveBoard, freight: str, tag: str) -> str | None:
    app = synced(lab, "dev")
    if app is None:
        return "userapp-dev left the error build's commit"
    health = app["status"].get("health", {}).get("status")
    if health == "Healthy":
        return f"Argo CD reports userapp-dev Healthy: {app['status']}"
    if verified_in(lab, freight, "dev"):
        return "Kargo verified the error build in dev"
    ready = [
        p["metadata"]["name"]
        for p in backend_pods(lab, tag)
        if (p["status"].get("containerStatuses") or [{}])[0].get("ready")
    ]
    if ready:
        return f"error build Pods ready: {ready}"
    board = live.runtime.latest.board
    if freight in board.stage("stg").promotable_freight:
        return "the board offers the error build to stg"
    return None


def assert_kubernetes_never_completes_the_rollout(lab: KargoLab, tag: str) -> None:
    """Kubernetes' own account (kube-controller-manager): the error build's Pods run and are never Ready."""
    assert backend_image(lab, "dev") == f"{lab.image('userapp-backend')}:{tag}"
    apps = client.AppsV1Api(lab.cluster.api_client("admin"))
    status = as_json(apps.read_namespaced_deployment("userapp-backend", "dev"))["status"]
    progressing = {c["type"]: c for c in status["conditions"]}["Progressing"]
    assert progressing.get("reason") != "NewReplicaSetAvailable", status
    assert status.get("updatedReplicas", 0) >= 1 and status.get("unavailableReplicas", 0) >= 1, status
    for pod in backend_pods(lab, tag):
        assert pod["status"]["phase"] == "Running", pod["status"]
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "False", pod["status"]["conditions"]


def assert_argocd_and_kargo_hold_it_in_dev(lab: KargoLab, freight: str) -> dict:
    """Argo CD: synced, not Healthy; Kargo: dev not Healthy, the Freight not verified. Returns Argo CD's
    health of userapp-dev."""
    app = synced(lab, "dev")
    assert app is not None
    health = app["status"]["health"]
    assert health["status"] in ("Progressing", "Degraded"), health
    kargo = CustomObjects(lab.cluster)
    stage_dev = kargo.get(PROJECT, "stages", "dev")["status"]
    assert stage_dev["health"]["status"] != "Healthy", stage_dev["health"]
    freight_status = kargo.get(PROJECT, "freights", freight).get("status") or {}
    assert "dev" not in freight_status.get("verifiedIn", {}), freight_status
    return health


def assert_the_board_says_why(board: LiveBoard, freight: str, argocd_health: dict) -> None:
    """The board's model, built from what Kargo and Argo CD wrote, does not offer the Freight to stg, and
    the page names the reason: Kargo's health issue about the Application and Argo CD's health status."""
    model = board.runtime.latest.board
    assert freight not in model.stage("stg").promotable_freight, model.stage("stg")
    assert "stg" not in model.freight_named(freight).promotable_to, model.freight_named(freight)
    dev_view = model.stage("dev")
    assert dev_view.health.status != "Healthy" and dev_view.health.issues, dev_view.health
    text = page_text(board)
    for issue in dev_view.health.issues:
        assert issue in text, (issue, text)
    assert "userapp-dev" in " ".join(dev_view.health.issues), dev_view.health.issues
    assert argocd_health["status"] in text, text
    print(f"Argo CD health {argocd_health}; Kargo's issues on the board: {dev_view.health.issues}")


def roll_dev_back_on_the_board(lab: KargoLab, board: LiveBoard, good_name: str) -> dict:
    """root rolls dev back to `good_name` through the board's write path; returns Kargo's finished
    Promotion."""
    kargo = CustomObjects(lab.cluster)
    assert board.runtime.latest.board.stage("dev").previous_freight == good_name
    before = {p["metadata"]["name"] for p in promotions_to(kargo, "dev", good_name)}
    response = person(board, "root").act("rollback", stage="dev", freight=good_name)
    assert result_code(response) == "rollback-done", response.get_data(as_text=True)

    def rollback_finished() -> dict | None:
        for promotion in promotions_to(kargo, "dev", good_name):
            phase = (promotion.get("status") or {}).get("phase")
            if promotion["metadata"]["name"] not in before and phase in TERMINAL_PHASES:
                return promotion
        return None

    promotion = wait_for(lab, rollback_finished, 240, "the board's rollback Promotion of dev")
    assert isinstance(promotion, dict)
    return promotion


def test_the_error_build_stops_in_dev_and_the_board_rolls_dev_back(lab: KargoLab, board: LiveBoard):
    good_tag, good = push_build(lab, board)
    good_name = good["metadata"]["name"]
    assert_promoted(lab, "dev", good_name, good_tag)
    wait_for(lab, lambda: deployed(lab, "dev"), 300, "Argo CD: userapp-dev Healthy at the good build")
    wait_for(lab, lambda: verified_in(lab, good_name, "dev"), 300, "the good Freight verified in dev")

    bad_tag, bad = push_build(lab, board, error_build_tag())
    bad_name = bad["metadata"]["name"]
    # Kargo's part of the promotion succeeds: it rendered env/dev with the error build and Argo CD synced it.
    assert_promoted(lab, "dev", bad_name, bad_tag)
    app = wait_for(lab, lambda: synced(lab, "dev"), 300, "Argo CD: userapp-dev Synced to the error build")
    assert isinstance(app, dict)
    assert app["status"]["operationState"]["phase"] == "Succeeded", app["status"]["operationState"]
    wait_for(lab, lambda: backend_pods(lab, bad_tag), 120, "the error build's backend Pod scheduled in dev")

    hold(lab, lambda: still_broken(lab, board, bad_name, bad_tag), HOLD_SECONDS, "the error build in dev")
    assert_kubernetes_never_completes_the_rollout(lab, bad_tag)
    health = assert_argocd_and_kargo_hold_it_in_dev(lab, bad_name)
    assert_the_board_says_why(board, bad_name, health)

    # The rollback through the board's write path, to the Freight dev ran before.
    promotion = roll_dev_back_on_the_board(lab, board, good_name)
    assert promotion["status"]["phase"] == "Succeeded", promotion_failure(promotion)
    app = wait_for(lab, lambda: deployed(lab, "dev"), 300, "Argo CD: userapp-dev Healthy after the rollback")
    assert isinstance(app, dict)
    assert backend_image(lab, "dev") == f"{lab.image('userapp-backend')}:{good_tag}"
    current = CustomObjects(lab.cluster).get(PROJECT, "stages", "dev")["status"]["freightHistory"][0]["items"]
    assert [item["name"] for item in current.values()] == [good_name], current
