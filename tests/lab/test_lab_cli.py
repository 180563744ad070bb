"""scripts/lab.py's own logic, without starting a lab: its state files, tags and what it prints."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from scripts import lab as lab_cli
from tests.delivery.test_preflight import require
from tests.lab.test_make_lab import make_preflight


def test_a_pid_file_names_a_running_lab_only_while_that_process_lives(tmp_path: Path):
    assert lab_cli.running_pid(tmp_path) is None
    (tmp_path / "lab.pid").write_text(str(os.getpid()), encoding="utf-8")
    assert lab_cli.running_pid(tmp_path) == os.getpid()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (tmp_path / "lab.pid").write_text(gone.stdout.strip(), encoding="utf-8")
    assert lab_cli.running_pid(tmp_path) is None
    (tmp_path / "lab.pid").write_text("not a pid", encoding="utf-8")
    assert lab_cli.running_pid(tmp_path) is None


def test_a_second_lab_is_refused_while_one_runs(tmp_path: Path, capsys):
    (tmp_path / "lab.pid").write_text(str(os.getpid()), encoding="utf-8")
    assert lab_cli.cmd_up(tmp_path) == 1
    assert f"already running (pid {os.getpid()})" in capsys.readouterr().out


def test_push_and_down_without_a_lab_say_so(tmp_path: Path, capsys):
    assert lab_cli.cmd_push(tmp_path) == 1
    assert "No lab is running" in capsys.readouterr().err
    assert lab_cli.cmd_down(tmp_path) == 0
    assert "no lab was running" in capsys.readouterr().out


def test_tags_are_eight_hex_digits_as_the_warehouse_expects():
    tags = {lab_cli.new_tag() for _ in range(20)}
    assert len(tags) == 20
    assert all(re.fullmatch(r"[0-9a-f]{8}", tag) for tag in tags)
    warehouse = (Path(lab_cli.REPO) / "gitops/kargo/warehouse.yaml").read_text(encoding="utf-8")
    assert "^[a-f0-9]{8}$" in warehouse


def test_the_summary_says_pods_are_simulated_and_names_every_login():
    info = {
        "board_url": "http://127.0.0.1:1",
        "passwords": {"ana": "a", "paulo": "p", "root": "r"},
        "kubeconfig": "/k",
        "git_url": "http://127.0.0.1:2/x.git",
        "git_username": "u",
        "git_token": "t",
        "registry": {"host": "127.0.0.1:3", "username": "ru"},
        "image_namespace": "127.0.0.1:3/promotionboard",
        "first_tag": "abcdef01",
        "log": "/l",
    }
    text = lab_cli.summary(info)
    assert "simulated by KWOK" in text and "no container runs" in text
    for name, role in lab_cli.PEOPLE.items():
        assert f"{name} / {info['passwords'][name]} ({role})" in text


def test_the_board_check_reads_only_the_dev_card(monkeypatch):
    page = (
        '<article data-stage="dev"><code>userapp-backend:<b>abcdef01</b></code></article>'
        '<article data-stage="stg"><span class="images">userapp-backend:12345678</span></article>'
    )

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return page.encode()

    monkeypatch.setattr(lab_cli.urllib.request, "urlopen", lambda *a, **k: Response())
    assert lab_cli.dev_shows("http://127.0.0.1:1", "abcdef01")
    assert not lab_cli.dev_shows("http://127.0.0.1:1", "12345678")


def test_a_lab_started_by_this_process_is_stopped_by_sigterm_alone(tmp_path: Path, monkeypatch):
    """The lab process of an in-process `up` (the tests, `make backup-video`) is this process's child: once
    it leaves on SIGTERM, lab-down must not wait out STOP_TIMEOUT on its zombie and SIGKILL the group."""
    monkeypatch.setattr(lab_cli, "STOP_TIMEOUT", 5.0)
    sent: list[int] = []
    real_killpg = os.killpg
    monkeypatch.setattr(os, "killpg", lambda pid, sig: (sent.append(sig), real_killpg(pid, sig))[1])
    child = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    (tmp_path / "lab.pid").write_text(str(child.pid), encoding="utf-8")
    try:
        assert lab_cli.stop_lab(tmp_path)
        assert signal.SIGKILL not in sent, sent
        assert not (tmp_path / "lab.pid").exists()
    finally:
        child.kill()
        child.wait()


def test_a_hold_counts_only_while_kargo_says_it_is_in_force():
    """`make lab-push` warns of dev's hold from effectiveAutoPromotionHolds: what Kargo says is in force now,
    not autoPromotionHolds (recorded) alone."""
    hold = {"Warehouse/userapp": {"freightName": "abc", "promotionName": "dev.x.abc"}}
    assert lab_cli.auto_promotion_held({"status": {"effectiveAutoPromotionHolds": hold}})
    assert not lab_cli.auto_promotion_held({"status": {"autoPromotionHolds": hold}})
    assert not lab_cli.auto_promotion_held({"status": {}})
    assert not lab_cli.auto_promotion_held({})


def test_descendants_follow_children_across_sessions():
    child = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        found = lab_cli.descendants(os.getpid())
        assert os.getpid() in found and child.pid in found
        assert lab_cli.descendants(child.pid) == [child.pid]
    finally:
        child.kill()
        child.wait()


def test_kubeconfig_names_the_running_labs_admin_kubeconfig_only(tmp_path: Path, capsys):
    """What `make record` records from when KUBECONFIG is not set."""
    assert lab_cli.cmd_kubeconfig(tmp_path) == 1
    assert "No lab is running" in capsys.readouterr().err
    (tmp_path / "lab.pid").write_text(str(os.getpid()), encoding="utf-8")
    assert lab_cli.cmd_kubeconfig(tmp_path) == 1  # started, not ready yet: no lab.json
    (tmp_path / "lab.json").write_text(json.dumps({"kubeconfig": "/tmp/k/admin.yaml"}), encoding="utf-8")
    assert lab_cli.cmd_kubeconfig(tmp_path) == 0
    assert capsys.readouterr().out == "/tmp/k/admin.yaml\n"


def test_preflight_env_prints_the_running_labs_settings_for_eval(tmp_path: Path, capsys):
    """What `make preflight` evals without KUBECONFIG: the lab's cluster, Git server, registry and board."""
    assert lab_cli.cmd_preflight_env(tmp_path) == 1
    assert "No lab is running" in capsys.readouterr().err
    info = {
        "kubeconfig": "/state/admin kubeconfig.yaml",
        "git_url": "http://127.0.0.1:2/gitops.git",
        "git_username": "gu",
        "git_token": "g t",
        "image_namespace": "127.0.0.1:3/promotionboard",
        "registry": {"host": "127.0.0.1:3", "username": "ru", "password": "p'w", "ca_file": "/state/ca.pem"},
        "board_url": "http://127.0.0.1:1",
    }
    (tmp_path / "lab.pid").write_text(str(os.getpid()), encoding="utf-8")
    (tmp_path / "lab.json").write_text(json.dumps(info), encoding="utf-8")
    assert lab_cli.cmd_preflight_env(tmp_path) == 0
    script = capsys.readouterr().out
    shown = subprocess.run(
        [
            "bash",
            "-c",
            f'{script}\nprintf "%s\\n" "$KUBECONFIG" "$PREFLIGHT_REGISTRY_URL" '
            '"$PREFLIGHT_REGISTRY_CREDENTIALS" "$PREFLIGHT_CA_FILE" "$PREFLIGHT_IMAGE_NAMESPACE" '
            '"$PREFLIGHT_GIT_URL" "$PREFLIGHT_GIT_CREDENTIALS" "$PREFLIGHT_BOARD_URL"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert shown == [
        "/state/admin kubeconfig.yaml",
        "https://127.0.0.1:3",
        "ru:p'w",
        "/state/ca.pem",
        "127.0.0.1:3/promotionboard",
        "http://127.0.0.1:2/gitops.git",
        "gu:g t",
        "http://127.0.0.1:1",
    ]


def test_the_error_build_tag_is_the_one_the_labs_kwok_stage_keys_on():
    """`make lab-push BUILD=error` pushes this tag; every lab loads the Stage (lab/kwok/)."""
    tag = lab_cli.error_build_tag()
    assert re.fullmatch(r"[0-9a-f]{8}", tag), tag
    assert lab_cli.ERROR_BUILD_STAGE.is_relative_to(Path(lab_cli.REPO) / "lab")
    assert f"- '{tag}'" in lab_cli.ERROR_BUILD_STAGE.read_text(encoding="utf-8")


def test_without_a_lab_make_preflight_fails_and_names_the_fix(tmp_path: Path):
    require("kubectl")
    state = tmp_path / "no-lab"
    state.mkdir()
    result = make_preflight(tmp_path, state)
    assert result.returncode != 0, result.output
    assert "No lab is running (`make lab` starts one)" in result.output, result.output
    assert "KUBECONFIG is not set and no lab runs" in result.output, result.output
    status, line = result.status("Kubernetes API answers /readyz")
    assert status == "FAIL", result.output
    assert "-> fix: start the cluster: make cluster-up (or make lab)" in line, line
