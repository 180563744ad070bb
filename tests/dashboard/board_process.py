"""The board as it runs for real: `python -m dashboard serve` (gunicorn + gevent) in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.dashboard.board_client import hidden_fields
from tests.harness.processes import free_port, stop, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BoardProcess:
    url: str
    process: subprocess.Popen
    log: Path


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
        return response.status == 200


@contextmanager
def board_process(workdir: Path, env: Mapping[str, str], name: str = "board") -> Iterator[BoardProcess]:
    """Start a board with `env` on top of a clean environment (HOME and XDG dirs under `workdir`)."""
    port = free_port()
    home = workdir / f"{name}-home"
    runtime_dir = home / "run"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DASHBOARD_", "KARGO_", "XDG_")) and key != "KUBECONFIG"
    }
    full_env.update(
        {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "XDG_STATE_HOME": str(home / "state"),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
    )
    log = workdir / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url), 60, f"{name} (python -m dashboard serve)", process, log)
        yield BoardProcess(url, process, log)
    finally:
        stop(process)


def demo_password(board: BoardProcess, name: str) -> str:
    """The password `make demo` printed for `name` at start-up."""
    found = re.search(rf"^\s+{re.escape(name)}\s+(\S+)\s+\(role ", board.log.read_text(), re.MULTILINE)
    if found is None:
        raise AssertionError(f"no demo login for {name} in {board.log}")
    return found.group(1)


def logged_in(board: BoardProcess, name: str, password: str | None = None) -> httpx.Client:
    """An HTTP client with a session of `name` on this board (a browser after logging in)."""
    client = httpx.Client(base_url=board.url, timeout=30)
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": name, "password": password or demo_password(board, name), "csrf_token": token},
    )
    if response.status_code != 303:
        raise AssertionError(f"login of {name} answered {response.status_code}: {response.text[:300]}")
    return client


def csrf_token(client: httpx.Client) -> str:
    return hidden_fields(client.get("/login").text)["csrf_token"]
