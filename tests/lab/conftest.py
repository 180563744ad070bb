"""Fixtures of the lab tests: the board's users and rights, the board itself and a browser. Each test module
defines its own module-scoped `lab` fixture (the lab it runs against); `lab_process` is the one lab
`python -m scripts.lab up` starts for real (as `make lab` does), shared by the modules that need the command's
own lab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser

from dashboard.auth.users import hash_password
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from scripts import lab as lab_cli
from tests.dashboard.chart_rbac import bind_chart_rbac
from tests.dashboard.server import LiveBoard, live_board
from tests.harness.browser import chromium
from tests.harness.kargo import ARGOCD_NAMESPACE
from tests.harness.lab import PROJECT, KargoLab
from tests.lab.pipeline import BOARD_IDENTITY, PASSWORDS, ROLES


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


@pytest.fixture(scope="session")
def lab_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """`make lab UIS=1`'s own lab (scripts.lab up, with the Argo CD and Kargo UIs that `make setup` builds) in
    a private state folder, once per session: its state folder and lab.json. LAB_STATE_DIR points at it while
    it runs, so the commands under test find it."""
    state = tmp_path_factory.mktemp("lab-state")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAB_STATE_DIR", str(state))
        env.setenv("LAB_UIS", "1")
        try:
            assert lab_cli.cmd_up(state) == 0, (state / "lab.log").read_text(errors="replace")[-4000:]
            yield state, json.loads((state / "lab.json").read_text(encoding="utf-8"))
        finally:
            lab_cli.stop_lab(state)
