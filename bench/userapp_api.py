"""Benchmark of the user service against the talk's original service (issue 18): req/s, latency, CPU.

It starts a throwaway PostgreSQL and, on it, two services the same way: this project's (migrations and first
admin the way a release does, then 1,000 seeded users) and the peer, the talk's original FastAPI user service
(github.com/marcellmartini/image-promotion-gitops, pinned: its own migrations, the same 1,000 users and an
admin; scripts/build-userapp-peer.sh brings it and its own virtualenv into ~/.cache/promotion-board/peers/,
and only this benchmark runs it). Both run under gunicorn with uvicorn workers and this project's
gunicorn.conf.py, with the same worker count (2, the image's WEB_CONCURRENCY default, one per core). The
compiled load generator in bench/userapp_load/ (Go, built once into ~/.cache/promotion-board/) drives each
scenario for the same time with the same clients, the two services taking turns scenario by scenario: a bare
constant endpoint, GET one user, list 50 per page, create. For each it prints req/s, latency, the server's
CPU per request and the PostgreSQL sessions opened, and the ratio to the peer.

Run with `make bench-userapp` (or `python -m bench.userapp_api --help`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
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
PEER_BUILD_SCRIPT = ROOT / "scripts" / "build-userapp-peer.sh"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 - a throwaway database
SEEDED_PASSWORD = "seeded-user-password"  # noqa: S105
PAGE_SIZE = 50
SCENARIOS = ("bare", "get", "list", "create")
READ_SCENARIOS = ("get", "list")
LABELS = {
    "bare": "bare constant endpoint",
    "get": "GET one user",
    "list": f"list {PAGE_SIZE} per page",
    "create": "create a user",
}
OURS, PEER = "ours", "peer"
DESCRIPTION = (
    "User service benchmark: req/s, p50/p99 and CPU per request of GET one user, list and create vs a "
    "constant endpoint, this service and the talk's original service side by side"
)
# The targets: GET one user reaches half the bare endpoint's req/s with p99 under 50 ms; a list of 50
# a quarter; every read scenario at least 4 times the peer's req/s.
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_LIST_RATIO = 0.25
TARGET_PEER_RATIO = 4.0


@dataclass(frozen=True)
class Options:  # pylint: disable=too-many-instance-attributes  # one per command-line option
    clients: int = 32
    duration: float = 10.0
    warmup: float = 2.0
    users: int = 1000
    workers: int = 2
    peer: bool = True
    rounds: int = 1
    db_pool_size: int | None = None  # DB_POOL_SIZE of this service; None: its default

    def __post_init__(self) -> None:
        pool = 1 if self.db_pool_size is None else self.db_pool_size
        if min(self.clients, self.users, self.workers, self.rounds, pool) < 1:
            raise ValueError("clients, users, workers, rounds and db-pool-size must be at least 1")
        if self.duration <= 0 or self.warmup < 0:
            raise ValueError("duration must be positive and warmup not negative")


@dataclass
class Report:
    options: Options
    # service -> scenario -> one row per round (the load generator's numbers plus the server's)
    results: dict[str, dict[str, list[dict]]] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def services(self) -> list[str]:
        return [name for name in (OURS, PEER) if name in self.results]

    def mean(self, service: str, scenario: str, key: str) -> float:
        return statistics.fmean(row[key] for row in self.results[service][scenario])

    @property
    def ratio(self) -> float:
        """GET one user's req/s over the bare endpoint's, this service."""
        return self.mean(OURS, "get", "rps") / self.mean(OURS, "bare", "rps")

    @property
    def list_ratio(self) -> float:
        return self.mean(OURS, "list", "rps") / self.mean(OURS, "bare", "rps")

    def peer_ratio(self, scenario: str) -> float:
        peer = self.mean(PEER, scenario, "rps")
        return self.mean(OURS, scenario, "rps") / peer if peer else math.inf

    @property
    def passed(self) -> bool:
        """The issue's targets on this service's own numbers (GET one user and the list against bare)."""
        return (
            self.ratio >= TARGET_RATIO
            and self.mean(OURS, "get", "p99_ms") < TARGET_P99_MS
            and self.list_ratio >= TARGET_LIST_RATIO
        )

    @property
    def passed_peer(self) -> bool:
        return all(self.peer_ratio(scenario) >= TARGET_PEER_RATIO for scenario in READ_SCENARIOS)

    def lines(self) -> list[str]:
        opts = self.options
        against = " and the talk's original service (peer)" if PEER in self.results else ""
        out = [
            f"user service{against}: gunicorn + {opts.workers} uvicorn workers each, one PostgreSQL, "
            f"{opts.users} users + 1 admin; {opts.clients} clients, {opts.warmup:g} s warm-up + "
            f"{opts.duration:g} s per scenario, {opts.rounds} round(s), services taking turns",
            f"load average before {_load(self.load_before)}, after {_load(self.load_after)} "
            f"({os.cpu_count()} cores; other work on the machine lowers every number)",
            f"{'scenario':24} {'service':8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'errors':>7} {'CPU ms/req: server':>18} {'PG':>6} {'client':>6} {'PG sessions':>11}",
        ]
        for name in SCENARIOS:
            for service in self.services:
                for row in self.results[service][name]:
                    out.append(
                        f"{LABELS[name]:24} {service:8} {row['rps']:9.1f} {row['p50_ms']:8.2f} "
                        f"{row['p99_ms']:8.2f} {row['max_ms']:8.1f} {row['errors']:7d} "
                        f"{row['server_cpu_ms_per_request']:18.3f} {row['postgres_cpu_ms_per_request']:6.3f} "
                        f"{row['loadgen_cpu_ms_per_request']:6.3f} {row['pg_sessions_opened']:11d}"
                    )
            if PEER in self.results:
                out.append(f"{'':24} {'ours/peer':8} {self.peer_ratio(name):8.2f}x")
        out.append(
            f"GET one user / bare: {self.ratio:.0%} of the req/s (target >= {TARGET_RATIO:.0%}), "
            f"p99 {self.mean(OURS, 'get', 'p99_ms'):.1f} ms (target < {TARGET_P99_MS:g} ms); list / bare: "
            f"{self.list_ratio:.0%} (target >= {TARGET_LIST_RATIO:.0%}): {'PASS' if self.passed else 'MISS'}"
        )
        if PEER in self.results:
            ratios = ", ".join(f"{LABELS[name]} {self.peer_ratio(name):.2f}x" for name in READ_SCENARIOS)
            out.append(
                f"against the peer: {ratios} its req/s (target >= {TARGET_PEER_RATIO:g}x each): "
                f"{'PASS' if self.passed_peer else 'MISS'}"
            )
        return out


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


@dataclass(frozen=True)
class Service:
    """One service under test: its command line, and the load generator's flags for each scenario."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ready_path: str
    database: str  # its database's name on the benchmark's PostgreSQL
    flags: dict[str, list[str]] = field(default_factory=dict)


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
        _run([sys.executable, "-m", "user_service", "migrate"], env, Path(cwd), "user-service migrate")
    # One real Argon2id hash shared by every seeded user: hashing 1,000 passwords would only slow the set-up.
    password_hash = Argon2PasswordHasher().hash(SEEDED_PASSWORD)
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


def _run(argv: list[str], env: dict[str, str], cwd: Path, what: str) -> str:
    done = subprocess.run(  # noqa: S603 - fixed argv
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise HarnessError(f"{what} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def build_peer() -> Path:
    """The peer's directory (source and virtualenv), made by scripts/build-userapp-peer.sh on first use."""
    out = _run(["bash", str(PEER_BUILD_SCRIPT)], dict(os.environ), ROOT, str(PEER_BUILD_SCRIPT))
    return Path(out.strip().splitlines()[-1])


def migrate_and_seed_peer(peer: Path, postgres: PostgresServer, database: str, users: int) -> list[str]:
    """The peer's own migrations (Alembic), its admin and the same users; return the users' ids (UUIDs)."""
    backend, python = peer / "src" / "apps" / "backend", peer / "venv" / "bin" / "python"
    env = {**os.environ, "DATABASE_URL": postgres.url(database, driver="postgresql"), "PYTHONPATH": "src"}
    _run([str(peer / "venv" / "bin" / "alembic"), "upgrade", "head"], env, backend, "the peer's migrations")
    # Password hashes made by the peer's own code (passlib bcrypt), one shared by the seeded users as above.
    make_hashes = (
        "import sys; from passlib.context import CryptContext; c = CryptContext(schemes=['bcrypt']); "
        "print(c.hash(sys.argv[1])); print(c.hash(sys.argv[2]))"
    )
    admin_hash, user_hash = _run(
        [str(python), "-c", make_hashes, ADMIN_PASSWORD, SEEDED_PASSWORD], env, backend, "hashing"
    ).split()
    with psycopg.connect(postgres.dsn(database), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, name, email, password_hash, role, created_at) "
            "VALUES (gen_random_uuid(), 'Administrator', %s, %s, 'admin', now())",
            (ADMIN_EMAIL, admin_hash),
        )
        rows = conn.execute(
            "INSERT INTO users (id, name, email, password_hash, role, created_at) "
            "SELECT gen_random_uuid(), 'Seeded User ' || n, "
            "format('user%%s@example.com', lpad(n::text, 5, '0')), %s, 'user', now() "
            "FROM generate_series(0, %s - 1) AS n RETURNING id",
            (user_hash, users),
        ).fetchall()
    return [str(row[0]) for row in rows]


@dataclass(frozen=True)
class Running:
    service: Service
    base: str
    pid: int  # the gunicorn master's


@contextmanager
def running(service: Service, logs: Path) -> Iterator[Running]:
    """Start one service under gunicorn on 127.0.0.1 and a free port; yield it once it answers."""
    port = free_port()
    env = {**service.env, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    argv = [*service.argv[:-1], "--config", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{port}"]
    argv.append(service.argv[-1])
    base = f"http://127.0.0.1:{port}"
    with open(logs, "wb") as log_file:
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, env=env, cwd=service.cwd, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        wait_until(
            lambda: _status(base + service.ready_path) == 200, 60, f"{service.name} (gunicorn)", server, logs
        )
        yield Running(service, base, server.pid)
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
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http://127.0.0.1 only
        return json.load(response)["access_token"]


def process_tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its children (the gunicorn master and its workers), from /proc."""
    ticks = 0
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that just left
                continue
    for pid, fields in stats.items():
        if pid == root:  # its own time and that of its children that have left (cutime, cstime)
            ticks += sum(int(value) for value in fields[11:15])
        elif int(fields[1]) == root:  # fields[1]: the parent's pid
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster_pid(postgres: PostgresServer) -> int:
    """The PostgreSQL server process of `postgres` (its backends are its children)."""
    wanted = ["-p", str(postgres.port)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if argv and argv[0].endswith("postgres") and any(argv[i : i + 2] == wanted for i in range(len(argv))):
            return int(entry.name)
    raise HarnessError(f"no PostgreSQL process listens on port {postgres.port}")


def pg_sessions(postgres: PostgresServer, database: str) -> int:
    """Sessions ever opened on `database` (PostgreSQL counts each when it starts)."""
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        query = "SELECT sessions FROM pg_stat_database WHERE datname = %s"
        row = conn.execute(query, (database,)).fetchone()
    return int(row[0]) if row else 0


def drive(  # pylint: disable=too-many-arguments,too-many-positional-arguments
    loadgen: Path, target: Running, scenario: str, options: Options, postgres: PostgresServer
) -> dict:
    cmd = [
        str(loadgen),
        f"-url={target.base}",
        f"-scenario={scenario}",
        f"-clients={options.clients}",
        f"-duration={options.duration}s",
        f"-warmup={options.warmup}s",
        *target.service.flags[scenario],
        f"-run-id={os.urandom(6).hex()}",  # new emails for every run of create
    ]
    sessions_before = pg_sessions(postgres, target.service.database)
    postmaster = postmaster_pid(postgres)
    pg_cpu_before = process_tree_cpu_seconds(postmaster)
    cpu_before = process_tree_cpu_seconds(target.pid)
    done = subprocess.run(  # noqa: S603 - fixed argv
        cmd, capture_output=True, text=True, timeout=options.warmup + options.duration + 120, check=False
    )
    cpu = process_tree_cpu_seconds(target.pid) - cpu_before
    pg_cpu = process_tree_cpu_seconds(postmaster) - pg_cpu_before
    if done.returncode != 0:
        raise HarnessError(f"load generator failed on {scenario} ({target.service.name}):\n{done.stderr}")
    time.sleep(STATS_SETTLE_SECONDS)  # backends report their statistics at most once a second
    row = json.loads(done.stdout)
    row["service"] = target.service.name
    row["server_cpu_seconds"] = cpu
    row["server_cpu_ms_per_request"] = 1000 * cpu / max(1, row["requests_with_warmup"])
    row["postgres_cpu_seconds"] = pg_cpu
    row["postgres_cpu_ms_per_request"] = 1000 * pg_cpu / max(1, row["requests_with_warmup"])
    row["loadgen_cpu_ms_per_request"] = (
        1000 * row["loadgen_cpu_seconds"] / max(1, row["requests_with_warmup"])
    )
    row["pg_sessions_opened"] = pg_sessions(postgres, target.service.database) - sessions_before
    return row


STATS_SETTLE_SECONDS = 1.2


def our_service(  # pylint: disable=too-many-arguments,too-many-positional-arguments
    database: str, database_url: str, options: Options, ids: tuple[int, int], logs: Path
) -> Service:
    env = {
        **os.environ,
        "APP_ENV": "production",
        "JWT_SECRET": os.urandom(32).hex(),
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(options.workers),
    }
    for name in ("FIRST_ADMIN_EMAIL", "FIRST_ADMIN_PASSWORD", "DB_POOL_SIZE", "LOG_LEVEL", "CORS_ORIGINS"):
        env.pop(name, None)
    if options.db_pool_size is not None:
        env["DB_POOL_SIZE"] = str(options.db_pool_size)
    pages = math.ceil(options.users / PAGE_SIZE)
    return Service(
        name=OURS,
        argv=[sys.executable, "-m", "gunicorn", "user_service.main:create_app()"],
        env=env,
        cwd=logs,
        ready_path="/readyz",
        database=database,
        flags={
            "bare": ["-bare-path=/healthz"],
            "get": ["-get-path=/api/users/{id}", f"-min-id={ids[0]}", f"-max-id={ids[1]}"],
            "list": ["-list-path=/api/users?page_size={size}&page={page}", f"-pages={pages}"],
            "create": [],
        },
    )


def peer_service(
    peer: Path, postgres: PostgresServer, database: str, options: Options, ids_file: Path
) -> Service:
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url(database, driver="postgresql"),
        "JWT_SECRET_KEY": os.urandom(32).hex(),
        "WEB_CONCURRENCY": str(options.workers),
        "PYTHONPATH": "src",
    }
    pages = math.ceil(options.users / PAGE_SIZE)
    return Service(
        name=PEER,
        argv=[str(peer / "venv" / "bin" / "gunicorn"), "api.main:app"],
        env=env,
        cwd=peer / "src" / "apps" / "backend",
        ready_path="/health",
        database=database,
        flags={
            "bare": ["-bare-path=/health"],
            "get": ["-get-path=/api/users/{id}", f"-ids-file={ids_file}"],
            "list": ["-list-path=/api/users?skip={offset}&limit={size}", f"-pages={pages}"],
            "create": [],
        },
    )


def prepare(postgres: PostgresServer, options: Options, tmp: Path, stack: ExitStack) -> list[Service]:
    """Fresh databases (dropped when `stack` closes), migrated and seeded, and the services to run on them."""
    peer = build_peer() if options.peer else None
    suffix = os.urandom(6).hex()
    ours_db, peer_db = f"bench_{suffix}", f"bench_peer_{suffix}"
    for name in [ours_db] + ([peer_db] if peer is not None else []):
        postgres.create_database(name)
        stack.callback(postgres.drop_database, name)
    database_url = normalise_database_url(postgres.url(ours_db))
    ids = migrate_and_seed(database_url, options.users)
    services = [our_service(ours_db, database_url, options, ids, tmp)]
    if peer is not None:
        ids_file = tmp / "peer-ids.txt"
        ids = migrate_and_seed_peer(peer, postgres, peer_db, options.users)
        ids_file.write_text("\n".join(ids) + "\n")
        services.append(peer_service(peer, postgres, peer_db, options, ids_file))
    return services


def run(postgres: PostgresServer, options: Options) -> Report:
    """Every scenario on fresh databases of `postgres`, each service started once for all of them; the
    services take turns, scenario by scenario, round by round."""
    loadgen = build_go_tool(LOADGEN_SOURCE, "userapp_load")
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-userapp-") as tmp_name:
        tmp = Path(tmp_name)
        services = prepare(postgres, options, tmp, stack)
        report = Report(options, load_before=os.getloadavg())
        targets = []
        for service in services:
            target = stack.enter_context(running(service, tmp / f"{service.name}.log"))
            token = login(target.base)
            for scenario in ("get", "list", "create"):
                service.flags[scenario].append(f"-token={token}")
            targets.append(target)
            report.results[service.name] = {scenario: [] for scenario in SCENARIOS}
        for _ in range(options.rounds):
            for scenario in SCENARIOS:
                for target in targets:
                    row = drive(loadgen, target, scenario, options, postgres)
                    report.results[target.service.name][scenario].append(row)
        report.load_after = os.getloadavg()
        return report


def parse_args(argv: Sequence[str] | None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m bench.userapp_api", description=DESCRIPTION)
    defaults = Options()
    parser.add_argument("--clients", type=int, default=defaults.clients, help="concurrent clients (32)")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds before that (2)")
    parser.add_argument("--users", type=int, default=defaults.users, help="users seeded (1000)")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers (2)")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="rounds of every scenario (1)")
    parser.add_argument(
        "--no-peer", action="store_true", help="leave out the talk's original service (no peer build)"
    )
    parser.add_argument(
        "--db-pool-size", type=int, help="DB_POOL_SIZE of this service (default: the service's own)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    args = parser.parse_args(argv)
    try:
        options = Options(
            args.clients,
            args.duration,
            args.warmup,
            args.users,
            args.workers,
            not args.no_peer,
            args.rounds,
            args.db_pool_size,
        )
    except ValueError as error:
        parser.error(str(error))
    return options, args.json


def main(argv: Sequence[str] | None = None) -> int:
    options, json_path = parse_args(argv)
    with postgres_server() as postgres:
        report = run(postgres, options)
    if json_path is not None:
        json_path.write_text(json.dumps(report.results, indent=2) + "\n")  # kept if printing fails
    print("\n".join(report.lines()))
    if json_path is not None:
        raw = {
            "options": asdict(options),
            "results": report.results,
            "get_to_bare_ratio": report.ratio,
            "list_to_bare_ratio": report.list_ratio,
            "passed": report.passed,
            "load_before": report.load_before,
            "load_after": report.load_after,
        }
        if PEER in report.results:
            raw["ours_to_peer"] = {name: report.peer_ratio(name) for name in SCENARIOS}
            raw["passed_peer"] = report.passed_peer
        json_path.write_text(json.dumps(raw, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
