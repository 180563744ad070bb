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
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from playwright.sync_api import Browser, expect

from dashboard.actions.errors import ActionError
from dashboard.actions.kube_gateway import KubeGateway
from dashboard.actions.request_ids import new_request_id
from dashboard.auth.roles import Identity
from dashboard.auth.users import hash_password
from dashboard.commands.recording import record_main
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from dashboard.sources.kube import load_api_client
from dashboard.sources.replay import load_recording
from tests.dashboard.board_client import BoardUser, result_code
from tests.dashboard.chart_rbac import bind_chart_rbac
from tests.dashboard.server import LiveBoard, live_board
from tests.harness.browser import chromium
from tests.harness.kargo import ARGOCD_NAMESPACE
from tests.harness.kube import CustomObjects, grant
from tests.harness.lab import GIT_REPO, PROJECT, ArgoCDPlayer, KargoLab, RolloutsPlayer, install_pipeline
from tests.harness.processes import wait_until
from tests.lab.fidelity import paths_by_kind, simulator_paths, unexplained

pytestmark = [
    pytest.mark.kargo,
    pytest.mark.kube,
    pytest.mark.postgres,
    pytest.mark.browser,
    pytest.mark.timeout(900),
]

BOARD_IDENTITY = "user-a"
PASSWORDS = {"ana": "ana-password-1", "paulo": "paulo-password-1", "root": "root-password-1"}
ROLES = {"ana": "qa", "paulo": "po", "root": "admin"}
PIPELINE_STEPS = [
    "git-clone",
    "git-clear",
    "kustomize-set-image",
    "kustomize-build",
    "git-commit",
    "git-push",
    "argocd-update",
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


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lab-users") / "users.yaml"
    users = [{"name": n, "role": ROLES[n], "password_hash": hash_password(p)} for n, p in PASSWORDS.items()]
    path.write_text(yaml.safe_dump({"users": users}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def board_rights(lab: KargoLab) -> str:
    """The board's identity, holding exactly the Roles of its chart in the project and Argo CD namespaces."""
    bind_chart_rbac(lab.cluster, PROJECT, BOARD_IDENTITY, argocd_namespace=ARGOCD_NAMESPACE)
    return BOARD_IDENTITY


@pytest.fixture
def board(lab: KargoLab, board_rights: str, postgres_url: str, users_file: Path) -> Iterator[LiveBoard]:
    """The board on a real port, reading and writing the lab's cluster with exactly its chart's rights."""
    settings = Settings(
        source="kubernetes",
        project=PROJECT,
        argocd_namespace=ARGOCD_NAMESPACE,
        kubeconfig=str(lab.cluster.kubeconfig(board_rights)),
        mode="production",
        secret_key="k" * 40,
        users_file=str(users_file),
        audit_url=postgres_url,
        refresh_seconds=3600,
        cookie_secure=False,
    )
    with live_board(Runtime(settings)) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def wait_for(lab: KargoLab, check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` until it returns something truthy; fail with Kargo's logs when time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lab.kargo.check_running()
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(
        f"{what}: not within {timeout:.0f}s\n{stage_summary(lab)}\n{lab.kargo.diagnostics()}"
    )


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


def promotions_to(kargo: CustomObjects, stage: str, freight: str) -> list[dict]:
    items = kargo.list(PROJECT, "promotions")["items"]
    return [p for p in items if p["spec"]["stage"] == stage and p["spec"]["freight"] == freight]


def finished(kargo: CustomObjects, stage: str, freight: str) -> dict | None:
    """The Promotion of `freight` to `stage` once it is terminal (asserted Succeeded by the caller)."""
    for promotion in promotions_to(kargo, stage, freight):
        if (promotion.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Errored", "Aborted"):
            return promotion
    return None


def promotion_failure(promotion: dict) -> str:
    status = promotion.get("status") or {}
    steps = [
        (s.get("alias"), s.get("status"), s.get("message")) for s in status.get("stepExecutionMetadata", [])
    ]
    return f"{status.get('phase')}: {status.get('message')}\nsteps: {steps}"


def push_build(lab: KargoLab, board: LiveBoard) -> tuple[str, dict]:
    """CI's part: both images pushed with one 8-hex tag; then the admin asks Kargo to look now, through the
    board (the Warehouse's own interval is a minute). Returns the tag and the Freight Kargo made."""
    kargo = CustomObjects(lab.cluster)
    tag = secrets.token_hex(4)
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
    assert [step["uses"] for step in promotion["spec"]["steps"]] == PIPELINE_STEPS
    rendered = lab.git.read_file(GIT_REPO, f"env/{stage}", "manifests.yaml")
    for app in ("userapp-backend", "userapp-frontend"):
        assert f"image: {lab.image(app)}:{tag}" in rendered
    assert f"namespace: {stage}" in rendered
    # Kargo's git-commit step wrote the message kustomize-set-image composed (it names the new tags).
    message = lab.git.log(GIT_REPO, f"env/{stage}")[0]
    assert f"{lab.image('userapp-backend')}:{tag}" in message, message


def assert_board_shows(browser: Browser, board: LiveBoard, alias: str, tag: str) -> None:
    """The board, in a real browser, shows what Kargo wrote; the anonymous audience sees roles, not names."""
    page = browser.new_context().new_page()
    page.goto(f"{board.url}/")
    for stage_name in ("dev", "stg"):
        card = page.locator(f"article[data-stage={stage_name}]")
        expect(card.locator("[data-testid=current-freight]")).to_contain_text(alias, timeout=30000)
        expect(card.locator(".images")).to_contain_text(f"userapp-backend:{tag}")
        expect(card.locator("[data-testid=last-promotion]")).to_contain_text("Succeeded")
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
    assert [step["uses"] for step in requested["spec"]["steps"]] == PIPELINE_STEPS
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
