"""Benchmark of the user service (issue 3, item 9): req/s and p50/p99 under 32 concurrent clients.

It starts a throwaway PostgreSQL, runs the migrations (with the first admin) the way a release does, seeds
users, starts the service the way the container does (gunicorn with uvicorn workers and gunicorn.conf.py;
2 workers, the image's WEB_CONCURRENCY default, one per core), and drives each scenario for the same time
with the compiled load generator in bench/userapp_load/ (Go, built once into ~/.cache/promotion-board/):
a bare constant endpoint (/healthz), GET one user, list 50 per page, create.

Run with `make bench-userapp` (or `python -m bench.userapp_api --help`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker
from user_service.domain.user import UserBuilder
from user_service.infrastructure.security import Argon2PasswordHasher
from user_service.infrastructure.storage import SqlAlchemyUnitOfWork, create_db_engine
from user_service.infrastructure.storage.database import normalise_database_url

from bench.gobuild import build_go_tool
from tests.harness.postgres import PostgresServer, postgres_server
from tests.harness.processes import HarnessError, free_port, stop, wait_until

ROOT = Path(__file__).resolve().parents[1]
LOADGEN_SOURCE = ROOT / "bench" / "userapp_load"
GUNICORN_CONFIG = ROOT / "userapp" / "backend" / "gunicorn.conf.py"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 - a throwaway database
PAGE_SIZE = 50
SCENARIOS = ("bare", "get", "list", "create")
LABELS = {
    "bare": "bare GET /healthz (constant)",
    "get": "GET /api/users/{id}",
    "list": f"GET /api/users?page_size={PAGE_SIZE}",
    "create": "POST /api/users",
}
DESCRIPTION = "User service benchmark: req/s and p50/p99 of GET one user, list and create vs /healthz"
# The target: GET one user reaches half the bare endpoint's req/s, with p99 under 50 ms.
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


@dataclass(frozen=True)
class Options:
    clients: int = 32
    duration: float = 10.0
    warmup: float = 2.0
    users: int = 1000
    workers: int = 2

    def __post_init__(self) -> None:
        if self.clients < 1 or self.users < 1 or self.workers < 1:
            raise ValueError("clients, users and workers must be at least 1")
        if self.duration <= 0 or self.warmup < 0:
            raise ValueError("duration must be positive and warmup not negative")


@dataclass
class Report:
    options: Options
    results: dict[str, dict] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def ratio(self) -> float:
        return self.results["get"]["rps"] / self.results["bare"]["rps"]

    @property
    def passed(self) -> bool:
        return self.ratio >= TARGET_RATIO and self.results["get"]["p99_ms"] < TARGET_P99_MS

    def lines(self) -> list[str]:
        opts = self.options
        out = [
            f"user service: gunicorn + {opts.workers} uvicorn workers, PostgreSQL, {opts.users} users + 1 "
            f"admin; {opts.clients} clients, {opts.warmup:g} s warm-up + {opts.duration:g} s per scenario",
            f"load average before {_load(self.load_before)}, after {_load(self.load_after)} "
            f"({os.cpu_count()} cores; other work on the machine lowers every number)",
            f"{'scenario':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} "
            f"{'loadgen CPU':>11}",
        ]
        for name in SCENARIOS:
            r = self.results[name]
            cpu_share = r["loadgen_cpu_seconds"] / opts.duration / (os.cpu_count() or 1)
            out.append(
                f"{LABELS[name]:34} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['max_ms']:8.1f} "
                f"{r['errors']:7d} {cpu_share:10.0%}"
            )
        get = self.results["get"]
        out.append(
            f"GET one user / bare: {self.ratio:.0%} of the req/s (target >= {TARGET_RATIO:.0%}), "
            f"p99 {get['p99_ms']:.1f} ms (target < {TARGET_P99_MS:g} ms): {'PASS' if self.passed else 'MISS'}"
        )
        return out


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def migrate_and_seed(database_url: str, users: int) -> tuple[int, int]:
    """Migrate and create the first admin as a release does, then add users; return their id range."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "JWT_SECRET": "x" * 48,
        "DATABASE_URL": database_url,
        "FIRST_ADMIN_EMAIL": ADMIN_EMAIL,
        "FIRST_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as cwd:  # no stray .env is read
        done = subprocess.run(
            [sys.executable, "-m", "user_service", "migrate"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise HarnessError(f"user-service migrate failed:\n{done.stderr}")
    # One real Argon2id hash shared by every seeded user: hashing 1,000 passwords would only slow the set-up.
    password_hash = Argon2PasswordHasher().hash("seeded-user-password")
    engine = create_db_engine(database_url)
    try:
        with SqlAlchemyUnitOfWork(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
            stored = [
                uow.users.add(
                    UserBuilder()
                    .with_email(f"user{n:05d}@example.com")
                    .with_name(f"Seeded User {n}")
                    .with_password_hash(password_hash)
                    .build()
                )
                for n in range(users)
            ]
            uow.commit()
    finally:
        engine.dispose()
    ids = [user.id for user in stored if user.id is not None]
    return min(ids), max(ids)


@contextmanager
def running_service(database_url: str, workers: int, logs: Path) -> Iterator[str]:
    """The service as the container runs it: gunicorn with gunicorn.conf.py, on 127.0.0.1 only."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "JWT_SECRET": os.urandom(32).hex(),
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(workers),
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("FIRST_ADMIN_EMAIL", "FIRST_ADMIN_PASSWORD", "DB_POOL_SIZE", "LOG_LEVEL", "CORS_ORIGINS"):
        env.pop(name, None)
    cmd = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{port}"]
    cmd.append("user_service.main:create_app()")
    base = f"http://127.0.0.1:{port}"
    with open(logs, "wb") as log_file:
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            cmd, env=env, cwd=logs.parent, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: _status(base + "/readyz") == 200, 60, "user service (gunicorn)", server, logs)
        yield base
    finally:
        stop(server, timeout=30)


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
        return response.status


def login(base: str) -> str:
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http://127.0.0.1 only
        return json.load(response)["access_token"]


def drive(loadgen: Path, base: str, scenario: str, options: Options, extra: Sequence[str]) -> dict:
    cmd = [
        str(loadgen),
        f"-url={base}",
        f"-scenario={scenario}",
        f"-clients={options.clients}",
        f"-duration={options.duration}s",
        f"-warmup={options.warmup}s",
        *extra,
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=options.warmup + options.duration + 120, check=False
    )
    if done.returncode != 0:
        raise HarnessError(f"load generator failed on {scenario}:\n{done.stderr}")
    return json.loads(done.stdout)


def run(postgres: PostgresServer, options: Options) -> Report:
    """Every scenario against one fresh database on `postgres`, the service started once for all of them."""
    loadgen = build_go_tool(LOADGEN_SOURCE, "userapp_load")
    name = f"bench_{os.urandom(6).hex()}"
    database_url = normalise_database_url(postgres.create_database(name))
    try:
        first, last = migrate_and_seed(database_url, options.users)
        pages = math.ceil(options.users / PAGE_SIZE)
        report = Report(options, load_before=os.getloadavg())
        with (
            tempfile.TemporaryDirectory(prefix="bench-userapp-") as tmp,
            running_service(database_url, options.workers, Path(tmp) / "gunicorn.log") as base,
        ):
            token = login(base)
            extra = {
                "bare": [],
                "get": [f"-token={token}", f"-min-id={first}", f"-max-id={last}"],
                "list": [f"-token={token}", f"-pages={pages}"],
                "create": [f"-token={token}", f"-run-id={os.urandom(4).hex()}"],
            }
            for scenario in SCENARIOS:
                report.results[scenario] = drive(loadgen, base, scenario, options, extra[scenario])
        report.load_after = os.getloadavg()
        return report
    finally:
        postgres.drop_database(name)


def parse_args(argv: Sequence[str] | None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m bench.userapp_api", description=DESCRIPTION)
    defaults = Options()
    parser.add_argument("--clients", type=int, default=defaults.clients, help="concurrent clients (32)")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds before that (2)")
    parser.add_argument("--users", type=int, default=defaults.users, help="users seeded (1000)")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers (2)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    args = parser.parse_args(argv)
    try:
        options = Options(args.clients, args.duration, args.warmup, args.users, args.workers)
    except ValueError as error:
        parser.error(str(error))
    return options, args.json


def main(argv: Sequence[str] | None = None) -> int:
    options, json_path = parse_args(argv)
    with postgres_server() as postgres:
        report = run(postgres, options)
    print("\n".join(report.lines()))
    if json_path is not None:
        raw = {
            "options": asdict(options),
            "results": report.results,
            "get_to_bare_ratio": report.ratio,
            "passed": report.passed,
            "load_before": report.load_before,
            "load_after": report.load_after,
        }
        json_path.write_text(json.dumps(raw, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
