"""`python -m dashboard render` as a user runs it: good input prints the board, bad input one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_render_json() -> None:
    result = run(
        "render", str(FIXTURES / "userapp.yaml"), "--format", "json", "--now", "2026-09-20T12:00:00Z"
    )
    assert result.returncode == 0, result.stderr
    board = json.loads(result.stdout)
    assert board["project"] == "userapp"
    assert [(s["name"], s["state"]["phase"]) for s in board["stages"]] == [
        ("dev", "Promoting"),
        ("stg", "Ready"),
        ("prod", "Ready"),
    ]
    assert result.stderr == "dashboard render: warning: ignored 1 object(s) of kind Project\n"
    again = run("render", str(FIXTURES / "userapp.yaml"), "--now", "2026-09-20T12:00:00Z")
    assert again.stdout == result.stdout  # json is the default, and the output is stable


def test_render_html() -> None:
    result = run("render", str(FIXTURES / "userapp.yaml"), "--format", "html", "--project", "userapp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!doctype html>")
    assert "brave-lynx" in result.stdout and "<script" not in result.stdout


def test_render_partial_snapshot() -> None:
    result = run("render", str(FIXTURES / "partial-fresh-install.yaml"))
    assert result.returncode == 0, result.stderr
    board = json.loads(result.stdout)
    assert [(s["name"], s["state"]["phase"], s["currentFreight"]) for s in board["stages"]] == [
        ("dev", "Unknown", None),
        ("stg", "Unknown", None),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["broken-missing-origin-name.yaml"], "Stage 'stg': spec.requestedFreight[0].origin.name: missing"),
        (["broken-syntax.yaml"], "line 8, column 15: YAML syntax error"),
        (["broken-bad-types.yaml"], "status.verifiedIn: expected an object, got a list"),
        (["does-not-exist.yaml"], "cannot read"),
        (["userapp.yaml", "--now", "tomorrow"], "--now: not an ISO 8601 time: 'tomorrow'"),
    ],
)
def test_render_bad_input(args: list[str], expected: str) -> None:
    result = run("render", str(FIXTURES / args[0]), *args[1:])
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("dashboard render: ")
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1


def test_serve_hands_its_options_to_the_server_module() -> None:
    result = run("serve", "--help")
    if not (ROOT / "dashboard" / "commands" / "serve.py").exists():
        assert result.returncode == 1
        assert "not available" in result.stderr and "Traceback" not in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout  # parsed by dashboard.commands.serve, not by the dispatcher


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_render_leaves_out_one_bad_object_names_it_and_draws_the_rest() -> None:
    result = run(
        "render",
        str(FIXTURES / "userapp-with-legacy-stage.yaml"),
        "--now",
        "2026-09-20T12:00:00Z",
    )
    assert result.returncode == 0, result.stderr
    board = json.loads(result.stdout)
    assert [stage["name"] for stage in board["stages"]] == ["dev", "stg", "prod"]
    [notice] = [notice for notice in board["warnings"] if notice["code"] == "invalid-object"]
    assert notice["params"]["kind"] == "Stage"
    assert notice["params"]["name"] == "'query-freight-1'"
    assert notice["params"]["field"] == "spec.subscriptions"
    assert notice["params"]["why"].startswith("legacy schema (Kargo v0.x")
    assert (
        "warning: " in result.stderr
        and "Stage 'query-freight-1': spec.subscriptions: legacy schema" in result.stderr
    )
