"""The project's own pipeline (gitops/kargo) promoting for real: Kargo v1.11.2's controller and webhooks, a
real registry and Git server (tests/harness/lab.py), the board on a real port with a real browser.

The images are pushed with crane; Kargo's Warehouse finds them and makes Freight; Kargo auto-promotes dev,
running the pipeline's own steps against the Git server; QA promotes stg through the board and Kargo's
webhook accepts it; Kargo's webhook refuses Freight not yet available to prod. Argo CD and Argo Rollouts do
not run in the lab: ArgoCDPlayer and RolloutsPlayer answer for them through their objects' status.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from kubernetes import client
from playwright.sync_api import Browser, expect

from dashboard.actions.errors import ActionError
from dashboard.actions.kube_gateway import KubeGateway
from dashboard.actions.request_ids import new_request_id
from dashboard.auth.roles import Identity
from dashboard.commands.recording import record_main
from dashboard.sources.kube import load_api_client
from dashboard.sources.replay import load_recording
from tests.dashboard.board_client import BoardUser, result_code
from tests.dashboard.server import LiveBoard
from tests.harness.kube import CustomObjects, grant
from tests.harness.lab import PROJECT, ArgoCDPlayer, KargoLab, RolloutsPlayer, install_pipeline
from tests.harness.processes import wait_until
from tests.lab.fidelity import paths_by_kind, simulator_paths, unexplained
from tests.lab.pipeline import (
    BOARD_IDENTITY,
    PROMOTION_STEPS,
    assert_promoted,
    finished,
    person,
    promotion_failure,
    promotions_to,
    push_build,
    wait_for,
)

pytestmark = [
    pytest.mark.kargo,
    pytest.mark.kube,
    pytest.mark.postgres,
    pytest.mark.browser,
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def lab(kargo_lab: KargoLab) -> Iterator[KargoLab]:
    install_pipeline(kargo_lab)
    players = [ArgoCDPlayer(kargo_lab), RolloutsPlayer(kargo_lab)]
    for player in players:
        player.start()
    yield kargo_lab
    for player in players:
        player.stop()
        assert not player.errors, player.errors


class Recording:
    """The project's own `record` (python -m dashboard record) watching the lab while the test runs."""

    def __init__(self, lab: KargoLab, path: Path) -> None:
        self.path = path
        self.stop = threading.Event()
        self.err = io.StringIO()
        self.code: int | None = None
        argv = [
            "--out",
            str(path),
            "--kubeconfig",
            str(lab.cluster.kubeconfig("admin")),
            "--project",
            PROJECT,
        ]
        self.thread = threading.Thread(target=self._run, args=(argv,), daemon=True)
        self.thread.start()
        wait_until(
            lambda: "recording project" in self.err.getvalue(), 60, f"dashboard record\n{self.err.getvalue()}"
        )

    def _run(self, argv: list[str]) -> None:
        self.code = record_main(argv, stop=self.stop, err=self.err)

    def finish(self) -> Path:
        self.stop.set()
        self.thread.join(timeout=30)
        assert self.code == 0, self.err.getvalue()
        # KARGO_LAB_RECORDING=<file>: keep a copy (how tests/lab/recordings/ was made).
        if os.environ.get("KARGO_LAB_RECORDING"):
            shutil.copyfile(self.path, os.environ["KARGO_LAB_RECORDING"])
        return self.path


@pytest.fixture(scope="module")
def recording(lab: KargoLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    live = Recording(lab, tmp_path_factory.mktemp("recording") / "kargo-run.jsonl")
    yield live
    live.stop.set()
    live.thread.join(timeout=30)


def assert_board_shows(browser: Browser, board: LiveBoard, alias: str, tag: str) -> None:
    """The board, in a real browser, shows what Kargo wrote; the anonymous audience sees roles, not names."""
    page = browser.new_context().new_page()
    page.goto(f"{board.url}/")
    for stage_name in ("dev", "stg"):
        card = page.locator(f"article[data-stage={stage_name}]")
        expect(card.locator("[data-testid=current-freight]")).to_contain_text(alias, timeout=30000)
        expect(card.locator(".images")).to_contain_text(f"userapp-backend:{tag}")
        expect(card.locator("[data-testid=last-promotion]")).to_contain_text("Succeeded")
    # dev's Promotion is Kargo's auto-promotion (no create-actor), named as such, not as an unknown author.
    dev = page.locator("article[data-stage=dev]")
    expect(dev.locator("[data-testid=auto-promoted]")).to_contain_text("auto-promoção do Kargo")
    stg = page.locator("article[data-stage=stg]")
    expect(stg.locator("[data-testid=approved-by]")).to_contain_text("aprovado por QA")
    expect(stg.locator("[data-testid=approved-by]")).not_to_contain_text("ana")
    expect(page.locator("article[data-stage=prod] [data-testid=current-freight]")).to_have_count(0)


def test_kargo_promotes_the_projects_pipeline_and_the_board_shows_it(  # pylint: disable=too-many-locals
    lab: KargoLab, recording: Recording, board: LiveBoard, browser: Browser
):
    kargo = CustomObjects(lab.cluster)
    tag, freight = push_build(lab, board)
    name = freight["metadata"]["name"]

    # dev: auto-promoted by Kargo, its steps run against the Git server, Argo CD (played) syncs.
    assert_promoted(lab, "dev", name, tag)
    wait_for(
        lab,
        lambda: "dev" in (kargo.get(PROJECT, "freights", name).get("status") or {}).get("verifiedIn", {}),
        120,
        "the Freight verified in dev (Kargo's verification, Rollouts played)",
    )

    # prod: not available yet (not verified in stg). The board refuses it itself; Kargo's webhook, asked
    # directly with the board's identity, refuses it too, with its own message.
    gateway = KubeGateway(load_api_client(str(lab.cluster.kubeconfig(BOARD_IDENTITY))), PROJECT)
    with pytest.raises(ActionError) as refused:
        gateway.promote("prod", name, new_request_id(datetime.now(UTC)), Identity("paulo", "po", "session"))
    assert refused.value.code == "not-available", refused.value
    assert "Freight is not available to this Stage" in refused.value.detail, refused.value.detail
    assert not promotions_to(kargo, "prod", name)

    # stg: QA promotes through the board; Kargo's webhook fills the steps and names the creator.
    response = person(board, "ana").act("promote", stage="stg", freight=name)
    assert result_code(response) == "promote-done", response.get_data(as_text=True)
    (requested,) = promotions_to(kargo, "stg", name)
    assert [step["uses"] for step in requested["spec"]["steps"]] == PROMOTION_STEPS
    actor = requested["metadata"]["annotations"]["kargo.akuity.io/create-actor"]
    assert actor == f"kubernetes:{BOARD_IDENTITY}"
    assert_promoted(lab, "stg", name, tag)
    audit = board.runtime.write.audit
    wait_for(lab, lambda: audit.newest(1)[0].outcome == "Succeeded", 60, "the audit row's outcome")

    assert_board_shows(browser, board, freight["alias"], tag)
    assert "aprovado por ana" in person(board, "ana").client.get("/?lang=pt-BR").get_data(as_text=True)

    # Simulator fidelity: every field path Kargo wrote in this run is one the simulator writes too (or a
    # deliberate omission, tests/lab/fidelity.py).
    recorded = load_recording(recording.finish())
    kargo_paths = paths_by_kind((change.kind, change.obj) for change in recorded.changes)
    assert kargo_paths["Promotion"] and kargo_paths["Freight"], "the recording holds Kargo's objects"
    gaps = unexplained(kargo_paths, simulator_paths())
    assert not gaps, gaps


def test_a_tag_of_digits_only_is_promoted_as_a_string(lab: KargoLab, board: LiveBoard):
    """About 2 % of 8-hex tags are all digits; Kargo's ${{ }} turns such a result into a number, which
    kustomize-set-image refuses ("images.0.tag: Invalid type"): the Stages quote() the tag."""
    tag, freight = push_build(lab, board, tag="20261205")
    assert_promoted(lab, "dev", freight["metadata"]["name"], tag)


def test_git_server_down_fails_the_promotion_in_kargo_and_the_board_shows_why(
    lab: KargoLab, board: LiveBoard
):
    kargo = CustomObjects(lab.cluster)
    with lab.git.outage():
        _, freight = push_build(lab, board)
        name = freight["metadata"]["name"]
        promotion = wait_for(lab, lambda: finished(kargo, "dev", name), 240, "the dev Promotion, Git down")
    assert isinstance(promotion, dict)
    status = promotion["status"]
    assert status["phase"] in ("Errored", "Failed"), promotion_failure(promotion)
    (failed,) = [
        step for step in status["stepExecutionMetadata"] if step.get("status") in ("Errored", "Failed")
    ]
    assert "502" in failed["message"], failed["message"]  # what the Git server answered, in Kargo's words
    viewer = BoardUser(board.app.test_client())
    wait_for(
        lab,
        lambda: failed["message"][:80] in unescape(viewer.client.get("/").get_data(as_text=True)),
        60,
        "the board showing Kargo's message for the failed step",
    )


def test_kargos_webhook_refuses_a_promotion_from_someone_without_the_promote_verb(
    lab: KargoLab, board: LiveBoard
):
    """Kargo's own webhook refuses someone without the `promote` verb, through the board's gateway."""
    kargo = CustomObjects(lab.cluster)
    existing = kargo.list(PROJECT, "freights")["items"]
    name = existing[0]["metadata"]["name"] if existing else push_build(lab, board)[1]["metadata"]["name"]
    # user-b may create Promotions (Kubernetes RBAC lets the request through) but holds no "promote" verb.
    rule = client.V1PolicyRule(api_groups=["kargo.akuity.io"], resources=["promotions"], verbs=["create"])
    grant(lab.cluster, PROJECT, "user-b", [rule])
    gateway = KubeGateway(load_api_client(str(lab.cluster.kubeconfig("user-b"))), PROJECT)
    before = len(promotions_to(kargo, "dev", name))
    with pytest.raises(ActionError) as refused:
        gateway.promote("dev", name, new_request_id(datetime.now(UTC)), Identity("bea", "qa", "session"))
    assert 'is not permitted to create Promotions for Stage "dev"' in refused.value.detail, refused.value
    assert refused.value.code == "kube-forbidden", refused.value
    assert len(promotions_to(kargo, "dev", name)) == before
