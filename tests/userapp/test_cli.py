"""The `user-service` command: real processes, real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request

import pytest
from sqlalchemy import create_engine, inspect, text
from user_service.cli import main

from tests.harness.processes import free_port, wait_until
from tests.userapp.conftest import JWT_SECRET

CLI = [sys.executable, "-m", "user_service"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `user-service ARGS` in-process with a clean environment; returns (exit code, stdout, stderr)."""

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        for name in ("DATABASE_URL", "FIRST_ADMIN_EMAIL", "FIRST_ADMIN_PASSWORD", "LOG_LEVEL", "APP_ENV"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {"APP_ENV": "test", "JWT_SECRET": JWT_SECRET, **env}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tempfile.gettempdir())  # no stray .env file
        try:
            code = main(list(args))
        except SystemExit as leave:
            code = leave.code if isinstance(leave.code, int) else 1
            if isinstance(leave.code, str):
                print(leave.code, file=sys.stderr)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_migrate_creates_the_schema_and_the_first_admin(cli, postgres_url: str) -> None:
    env = {
        "DATABASE_URL": postgres_url,
        "FIRST_ADMIN_EMAIL": "boss@example.com",
        "FIRST_ADMIN_PASSWORD": "boss-password-1",
    }
    assert cli("migrate", **env)[0] == 0
    assert cli("migrate", **env)[0] == 0  # idempotent: safe to run once per release
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT email, role FROM users")).all()
    engine.dispose()
    assert rows == [("boss@example.com", "admin")]
    assert cli("migrate", "--downgrade", "--revision", "base", DATABASE_URL=postgres_url)[0] == 0
    engine = create_engine(postgres_url)
    assert "users" not in inspect(engine).get_table_names()
    engine.dispose()


def test_bad_flags_and_bad_config_give_clear_errors(cli) -> None:
    code, _, err = cli()
    assert code == 2 and "COMMAND" in err
    code, _, err = cli("serve", "--port", "99999")
    assert code == 2 and "port must be between 1 and 65535" in err
    code, _, err = cli("serve", "--workers", "zero")
    assert code == 2 and "not a whole number: 'zero'" in err
    code, _, err = cli("serve", "--colour")
    assert code == 2 and "unrecognized arguments: --colour" in err
    code, _, err = cli("check-config", APP_ENV="prod", JWT_SECRET="")
    assert code == 1 and "JWT_SECRET is required when APP_ENV=prod" in err
    code, _, err = cli("check-config", FIRST_ADMIN_EMAIL="a@example.com")
    assert code == 1 and "FIRST_ADMIN_PASSWORD" in err
    code, _, err = cli("check-config", LOG_LEVEL="chatty")
    assert code == 1 and "LOG_LEVEL" in err
    code, out, _ = cli("check-config", APP_ENV="prod")
    assert code == 0 and "APP_ENV=prod" in out
    code, _, err = cli("serve", "--workers", "2", APP_ENV="development", JWT_SECRET="")
    assert code == 1 and "set JWT_SECRET to run several workers" in err
    code, _, err = cli("migrate", DATABASE_URL=f"postgresql://x:y@127.0.0.1:{free_port()}/none")
    assert code == 1 and "OperationalError" in err


def test_serve_starts_and_answers(tmp_path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'local.db'}",
        "FIRST_ADMIN_EMAIL": "",
        "FIRST_ADMIN_PASSWORD": "",
        "JWT_SECRET": "",
    }
    with subprocess.Popen(  # noqa: S603
        [*CLI, "serve", "--migrate", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as server:
        try:
            wait_until(lambda: _get(f"http://127.0.0.1:{port}/readyz") == 200, 60, "user-service", server)
            assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=30)
    assert f"listening on http://127.0.0.1:{port}" in output


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test server
        return response.status
