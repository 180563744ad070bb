"""What the lab tests share: the board's people, the pipeline's steps, and the waits and checks on what
Kargo writes (tests/lab/test_kargo_pipeline.py with played Argo CD/Rollouts, tests/lab/test_real_pipeline.py
with the real ones)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.dashboard.board_client import BoardUser, result_code
from tests.dashboard.server import LiveBoard
from tests.delivery.helpers import PROMOTION_STEPS
from tests.harness.kargo import ARGOCD_NAMESPACE
from tests.harness.kube import CustomObjects
from tests.harness.lab import GIT_REPO, PROJECT, KargoLab, install_pipeline, kargo_lab

# The marks of a test module on the real lab (real Kargo, Argo CD, Argo Rollouts and KWOK Nodes).
REAL_LAB_MARKS = [
    pytest.mark.kargo,
    pytest.mark.kube,
    pytest.mark.postgres,
    pytest.mark.lab_binaries,
    pytest.mark.timeout(1200),
]
BOARD_IDENTITY = "user-a"
PASSWORDS = {"ana": "ana-password-1", "paulo": "paulo-password-1", "root": "root-password-1"}
ROLES = {"ana": "qa", "paulo": "po", "root": "admin"}


def wait_for(lab: KargoLab, check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` until it returns something truthy; fail with Kargo's logs when time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lab.check_running()
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout:.0f}s\n{stage_summary(lab)}\n{lab.diagnostics()}")


def stage_summary(lab: KargoLab) -> str:
    """Each Stage's conditions and health as Kargo wrote them, for a failing wait's message."""
    lines = []
    for stage in CustomObjects(lab.cluster).list(PROJECT, "stages")["items"]:
        status = stage.get("status") or {}
        conditions = [
            (c["type"], c["status"], c.get("reason"), c.get("message")) for c in status.get("conditions", [])
        ]
        lines.append(f"{stage['metadata']['name']}: health={status.get('health')} conditions={conditions}")
    return "\n".join(lines)


def person(live: LiveBoard, name: str) -> BoardUser:
    user = BoardUser(live.app.test_client())
    assert user.login(name, PASSWORDS[name]).status_code == 303
    return user


# The phases after which Kargo does nothing more with a Promotion.
TERMINAL_PHASES = ("Succeeded", "Failed", "Errored", "Aborted")


def promotions_to(kargo: CustomObjects, stage: str, freight: str) -> list[dict]:
    items = kargo.list(PROJECT, "promotions")["items"]
    return [p for p in items if p["spec"]["stage"] == stage and p["spec"]["freight"] == freight]


def finished(kargo: CustomObjects, stage: str, freight: str) -> dict | None:
    """The Promotion of `freight` to `stage` once it is terminal (asserted Succeeded by the caller)."""
    for promotion in promotions_to(kargo, stage, freight):
        if (promotion.get("status") or {}).get("phase") in TERMINAL_PHASES:
            return promotion
    return None


def promotion_failure(promotion: dict) -> str:
    status = promotion.get("status") or {}
    steps = [
        (s.get("alias"), s.get("status"), s.get("message")) for s in status.get("stepExecutionMetadata", [])
    ]
    return f"{status.get('phase')}: {status.get('message')}\nsteps: {steps}"


def push_build(lab: KargoLab, board: LiveBoard, tag: str | None = None) -> tuple[str, dict]:
    """CI's part: both images pushed with one 8-hex tag (random unless given); then the admin asks Kargo to
    look now, through the board (the Warehouse's own interval is a minute). Returns the tag and the Freight
    Kargo made."""
    kargo = CustomObjects(lab.cluster)
    tag = tag or secrets.token_hex(4)
    for app in ("userapp-backend", "userapp-frontend"):
        lab.registry.push_image(f"promotionboard/{app}", tag, {"org.opencontainers.image.revision": tag * 5})
        assert tag in lab.registry.tags(f"promotionboard/{app}")
    assert result_code(person(board, "root").act("refresh", warehouse="userapp")) == "refresh-done"

    def new_freight() -> dict | None:
        for item in kargo.list(PROJECT, "freights")["items"]:
            if {image["tag"] for image in item.get("images", [])} == {tag}:
                return item
        return None

    freight = wait_for(lab, new_freight, 120, f"Freight with both images at {tag} (Warehouse discovery)")
    assert isinstance(freight, dict)
    assert sorted(image["repoURL"] for image in freight["images"]) == [
        lab.image("userapp-backend"),
        lab.image("userapp-frontend"),
    ]
    assert freight["origin"] == {"kind": "Warehouse", "name": "userapp"}
    assert freight["metadata"]["labels"]["kargo.akuity.io/alias"] == freight["alias"]
    return tag, freight


def assert_promoted(lab: KargoLab, stage: str, freight: str, tag: str) -> None:
    """The Promotion ran the pipeline's steps to success and env/<stage> holds the rendered overlay."""
    kargo = CustomObjects(lab.cluster)
    promotion = wait_for(lab, lambda: finished(kargo, stage, freight), 240, f"the {stage} Promotion")
    assert isinstance(promotion, dict)
    assert promotion["status"]["phase"] == "Succeeded", promotion_failure(promotion)
    assert [step["uses"] for step in promotion["spec"]["steps"]] == PROMOTION_STEPS
    rendered = lab.git.read_file(GIT_REPO, f"env/{stage}", "manifests.yaml")
    for app in ("userapp-backend", "userapp-frontend"):
        assert f"image: {lab.image(app)}:{tag}" in rendered
    assert f"namespace: {stage}" in rendered
    # Kargo's git-commit step wrote the message kustomize-set-image composed (it names the new tags).
    message = lab.git.log(GIT_REPO, f"env/{stage}")[0]
    assert f"{lab.image('userapp-backend')}:{tag}" in message, message


def application(lab: KargoLab, stage: str) -> dict:
    return CustomObjects(lab.cluster, "admin", "argoproj.io", "v1alpha1").get(
        ARGOCD_NAMESPACE, "applications", f"userapp-{stage}"
    )


def synced(lab: KargoLab, stage: str) -> dict | None:
    """The Application once Argo CD reports it Synced to env/<stage>'s head commit, whatever its health."""
    app = application(lab, stage)
    status = app.get("status") or {}
    head = lab.git.head(GIT_REPO, f"env/{stage}")
    if status.get("sync", {}).get("status") == "Synced" and status["sync"].get("revision") == head:
        return app
    return None


def deployed(lab: KargoLab, stage: str) -> dict | None:
    """The Application once Argo CD reports it Synced to env/<stage>'s head commit and Healthy."""
    app = synced(lab, stage)
    if app is not None and app["status"].get("health", {}).get("status") == "Healthy":
        return app
    return None


def verified_in(lab: KargoLab, freight: str, stage: str) -> bool:
    status = CustomObjects(lab.cluster).get(PROJECT, "freights", freight).get("status") or {}
    return stage in status.get("verifiedIn", {})


@contextmanager
def real_lab(kwok_stages: tuple[Path, ...] = ()) -> Iterator[KargoLab]:
    """A lab with every controller real and the project's pipeline installed (one per test module)."""
    with kargo_lab(controllers=True, kwok_stages=kwok_stages) as started:
        install_pipeline(started)
        yield started
