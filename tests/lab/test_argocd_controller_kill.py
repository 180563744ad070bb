"""Argo CD's application controller killed in the middle of a promotion (issue 13), on the real lab (real
Kargo, real Argo CD, real Argo Rollouts, KWOK's simulated Nodes; tests/harness/lab.py).

Kargo's argocd-update step writes a sync `operation` on the Application and waits for Argo CD to finish it.
The test SIGKILLs argocd-application-controller while it runs that sync on the dev Application (its
operationState Running, the operation still on the Application: Argo CD removes it when it records the
result; dev's PreSync migration Job makes the sync last seconds), checks the operation stays unfinished
while the controller is dead, starts the controller again with the same arguments, and asserts that the
promotion completes from what Kargo and Argo CD wrote: the Promotion Succeeded, Argo CD's operation
Succeeded for Kargo, the Application is Synced and Healthy at the new tag, and Kargo verifies the Freight.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.dashboard.server import LiveBoard
from tests.harness.lab import KargoLab
from tests.lab.pipeline import (
    REAL_LAB_MARKS,
    application,
    assert_promoted,
    deployed,
    push_build,
    real_lab,
    verified_in,
    wait_for,
)

pytestmark = REAL_LAB_MARKS

CONTROLLER = "argocd-application-controller"


@pytest.fixture(scope="module")
def lab() -> Iterator[KargoLab]:
    with real_lab() as started:
        yield started


def running_sync(lab: KargoLab, stage: str) -> dict | None:
    """The Application while Argo CD runs the sync Kargo's argocd-update step asked for: the operation is
    still on it and the controller has recorded it Running (for dev, its PreSync migration Job takes
    seconds)."""
    app = application(lab, stage)
    state = (app.get("status") or {}).get("operationState") or {}
    info = {item["name"]: item["value"] for item in state.get("operation", {}).get("info", [])}
    if (
        "operation" in app
        and state.get("phase") == "Running"
        and info.get("kargo.akuity.io/promotion", "").startswith(f"{stage}.")
    ):
        return app
    return None


def catch_running_sync(lab: KargoLab, stage: str, timeout: float = 180) -> dict:
    """Poll tightly (the sync runs for a few seconds only) until Argo CD runs the sync Kargo asked for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lab.check_running()
        caught = running_sync(lab, stage)
        if caught is not None:
            return caught
        time.sleep(0.02)
    raise AssertionError(f"no Running sync on userapp-{stage} within {timeout:.0f}s\n{lab.diagnostics()}")


def test_a_killed_argocd_controller_restarted_completes_the_promotion(lab: KargoLab, board: LiveBoard):
    assert lab.argocd is not None
    tag, freight = push_build(lab, board)
    name = freight["metadata"]["name"]

    caught = catch_running_sync(lab, "dev")
    assert lab.argocd.kill(CONTROLLER) == -signal.SIGKILL
    killed_at = time.monotonic()
    # With the controller dead nobody finishes the sync: a few seconds later the operation is still on the
    # Application and no result is recorded. (Once in three runs its operationState was gone by then, not
    # Running: Kargo's argocd-update step clears it whenever it writes the operation, argocd_updater.go.)
    time.sleep(3)
    stalled = application(lab, "dev")
    stalled_state = (stalled.get("status") or {}).get("operationState") or {}
    assert "operation" in stalled, stalled_state
    assert stalled_state.get("phase") in (None, "Running"), stalled_state
    restart_seconds = lab.argocd.restart(CONTROLLER)

    assert_promoted(lab, "dev", name, tag)
    app = wait_for(lab, lambda: deployed(lab, "dev"), 300, "Argo CD: userapp-dev Synced and Healthy")
    assert isinstance(app, dict)
    operation = app["status"]["operationState"]
    assert operation["phase"] == "Succeeded", operation
    assert operation["operation"]["initiatedBy"] == {"username": "kargo-controller", "automated": True}
    info = {item["name"]: item["value"] for item in operation["operation"]["info"]}
    assert info["kargo.akuity.io/promotion"].startswith("dev."), info
    assert "operation" not in app
    recovery = time.monotonic() - killed_at
    print(
        f"controller healthy {restart_seconds:.1f}s after restart; dev Healthy {recovery:.1f}s after the kill"
    )
    print(f"operationState 3 s after the kill: {stalled_state.get('phase')}; the sync that finished started")
    print(
        f"at {operation['startedAt']} (the killed one at {caught['status']['operationState']['startedAt']})"
    )
    wait_for(lab, lambda: verified_in(lab, name, "dev"), 300, "the Freight verified in dev")
