"""A throwaway PostgreSQL server for tests: Debian's binaries, initdb in a temp dir, 127.0.0.1, free port."""

from __future__ import annotations

import glob
import secrets
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tests.harness.processes import (
    UNPRIVILEGED_USER,
    HarnessError,
    find_program,
    free_port,
    give_to_unprivileged_user,
    running_as_root,
    stop,
    wait_until,
)

PG_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL (driver psycopg 3) for one database on this server."""
        return f"{driver}://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """libpq connection string, for psycopg directly."""
        return (
            f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={database}"
        )

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _run_as_server_user(cmd: list[str], **kwargs) -> subprocess.Popen:
    if running_as_root():
        kwargs["user"] = UNPRIVILEGED_USER
        kwargs["group"] = "nogroup"
    return subprocess.Popen(cmd, **kwargs)  # noqa: S603 - fixed argv built above


@contextmanager
def postgres_server():
    """Start PostgreSQL, yield a PostgresServer, stop it and delete its data on exit."""
    initdb = find_program("initdb", PG_BIN_DIRS)
    postgres = find_program("postgres", PG_BIN_DIRS)
    with tempfile.TemporaryDirectory(prefix="pg-test-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        data, log = root / "data", root / "postgres.log"
        password = secrets.token_urlsafe(16)
        (root / "pwfile").write_text(password + "\n")
        if running_as_root():
            give_to_unprivileged_user(root)
        init = _run_as_server_user(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={root / 'pwfile'}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        out, _ = init.communicate(timeout=120)
        if init.returncode != 0:
            raise HarnessError(f"initdb failed ({init.returncode}):\n{out.decode(errors='replace')}")
        port = free_port()
        with open(log, "wb") as log_file:
            server = _run_as_server_user(
                [
                    postgres,
                    "-D",
                    str(data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    tmp,
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=tmp,
            )
        info = PostgresServer("127.0.0.1", port, "postgres", password)
        try:
            wait_until(lambda: _answers(info), 60, "PostgreSQL", server, log)
            yield info
        finally:
            stop(server)


def _answers(server: PostgresServer) -> bool:
    with psycopg.connect(server.dsn(), connect_timeout=2) as conn:
        return conn.execute("SELECT 1").fetchone() == (1,)
