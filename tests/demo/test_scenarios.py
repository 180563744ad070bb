"""The demo scenarios (demo/scenarios/) and scripts/demo-branches.sh, on a temporary copy of the repository.

The copy takes the working tree's files (tracked and untracked, minus what .gitignore ignores), so scenarios
are checked against the code as it is now, committed or not. The error and fix builds run for real: their
backend on real PostgreSQL, configured as in the dev environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.processes import free_port, stop, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "demo-branches.sh"
SCENARIOS = REPO_ROOT / "demo" / "scenarios"
NAMES = sorted(path.name for path in SCENARIOS.iterdir() if path.is_dir())
BRANCHES = [f"demo/{name}" for name in NAMES]
ERROR_BRANCH = "demo/03-erro-tls-obrigatorio"
FIX_BRANCH = "demo/04-correcao-tls-configuravel"
# How many times the test asks /readyz of the error build (4 per second): far more than Kubernetes' default
# readiness failureThreshold of 3, so "never ready" means what it says.
READINESS_POLLS = 20
JWT_SECRET = "demo-secret-that-is-long-enough-for-hs256-0123456789"
# A fast part of the backend's own test suite, as CI runs it (the whole suite passes too; it takes minutes).
UNIT_TESTS = [
    "tests/userapp/domain",
    "tests/userapp/test_config.py",
    "tests/userapp/test_database_tls.py",
    "tests/userapp/api/test_ops_api.py",
    "tests/userapp/api/test_welcome_api.py",
]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def copy_working_tree(target: Path) -> Path:
    """The repository's current files in a fresh git repository whose `main` holds them in one commit."""
    listed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():  # tracked files deleted in the working tree are skipped
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    git(target, "init", "--quiet", "--initial-branch=main")
    git(target, "add", "--all")
    git(
        target, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-m", "base"
    )
    return target


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=120)


def branch_heads(repo: Path) -> dict[str, str]:
    return {branch: git(repo, "rev-parse", branch) for branch in BRANCHES}


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the demo branches created by the script (not to be changed by tests)."""
    repo = copy_working_tree(tmp_path_factory.mktemp("demo-repo"))
    result = run_script("--repo", str(repo))
    assert result.returncode == 0, result.stderr
    return repo


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Path:
    return copy_working_tree(tmp_path / "repo")


def checkout(repo: Path, branch: str, target: Path) -> Path:
    """The tree of `branch`, extracted without a checkout (what CI builds)."""
    archive = target.with_suffix(".tar")
    git(repo, "archive", "--format=tar", f"--output={archive}", branch)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def backend_env(build: Path, **extra: str) -> dict[str, str]:
    """The process environment of the build's backend: its own code first on the import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_ENV", "DB_SSLMODE")}
    env.update({"PYTHONPATH": str(build / "userapp" / "backend"), "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return env


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def http_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
        return json.loads(response.read())


@pytest.fixture
def run_backend(tmp_path: Path, postgres_url: str) -> Iterator:
    """Start a build's backend as the dev environment runs it: migrate (the Helm Job), then serve."""
    started: list[subprocess.Popen] = []

    def start(build: Path) -> str:
        workdir = tmp_path / f"run-{len(started)}"  # an empty directory: no stray .env file
        workdir.mkdir()
        env = backend_env(
            build,
            APP_ENV="dev",
            LOG_LEVEL="INFO",
            DATABASE_URL=postgres_url,
            JWT_SECRET=JWT_SECRET,
            FIRST_ADMIN_EMAIL="admin@example.com",
            FIRST_ADMIN_PASSWORD="admin-password-1",
        )
        where = subprocess.run(
            [sys.executable, "-c", "import user_service; print(user_service.__file__)"],
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert where.startswith(str(build)), f"the build's own code must run, not {where}"
        migrate = subprocess.run(
            [sys.executable, "-m", "user_service", "migrate"],
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stderr
        port = free_port()
        log = workdir / "backend.log"
        with log.open("w") as out:
            # The fixture stops it after the test: no `with` block here.
            proc = subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with
                [sys.executable, "-m", "user_service", "serve", "--port", str(port)],
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_status(f"{base}/healthz") == 200, 60, "user-service", proc, log)
        return base

    yield start
    for proc in started:
        stop(proc)


def test_the_scenarios_are_data_in_order() -> None:
    assert [name[:3] for name in NAMES] == ["01-", "02-", "03-", "04-"]
    for name in NAMES:
        assert (SCENARIOS / name / "change.patch").read_text().startswith("diff --git ")
        assert (SCENARIOS / name / "message").read_text().strip()
        touched = re.findall(r"^diff --git a/(\S+)", (SCENARIOS / name / "change.patch").read_text(), re.M)
        # Backend only: the front end is not part of any scenario.
        assert touched and all(p.startswith(("userapp/backend/", "tests/userapp/")) for p in touched), touched
    assert "o que o público vê" in (SCENARIOS / "README.md").read_text()


def test_script_is_strict_and_shellcheck_clean() -> None:
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "\nset -euo pipefail\n" in text
    assert os.access(SCRIPT, os.X_OK)
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed: run `make setup` (Debian package shellcheck)"
    result = subprocess.run([shellcheck, "-x", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_one_commit_per_branch_cumulative_from_main(demo_repo: Path) -> None:
    parent = "main"
    for name, branch in zip(NAMES, BRANCHES, strict=True):
        assert git(demo_repo, "rev-list", "--count", f"{parent}..{branch}") == "1"
        assert git(demo_repo, "rev-parse", f"{branch}^") == git(demo_repo, "rev-parse", parent)
        message = (SCENARIOS / name / "message").read_text().strip()
        assert git(demo_repo, "log", "-1", "--format=%B", branch) == message
        parent = branch
    # The working tree, the index and the checked-out branch are untouched.
    assert git(demo_repo, "status", "--porcelain") == ""
    assert git(demo_repo, "symbolic-ref", "--short", "HEAD") == "main"


def test_running_again_is_a_no_op_and_a_moved_base_rebuilds(fresh_repo: Path) -> None:
    assert run_script("--repo", str(fresh_repo)).returncode == 0
    first = branch_heads(fresh_repo)
    again = run_script("--repo", str(fresh_repo))
    assert again.returncode == 0
    assert again.stderr.count(": up to date") == len(BRANCHES)
    assert branch_heads(fresh_repo) == first

    (fresh_repo / "NOTES.md").write_text("the base moved on\n")
    git(fresh_repo, "add", "NOTES.md")
    git(fresh_repo, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "notes")
    moved = run_script("--repo", str(fresh_repo))
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr.count(": recreated") == len(BRANCHES)
    assert git(fresh_repo, "rev-list", "--count", f"main..{BRANCHES[-1]}") == str(len(BRANCHES))
    assert git(fresh_repo, "merge-base", "main", BRANCHES[0]) == git(fresh_repo, "rev-parse", "main")


def test_push_sends_every_branch_to_the_remote(fresh_repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "fork.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    git(fresh_repo, "remote", "add", "fork", str(remote))
    result = run_script("--repo", str(fresh_repo), "--base", "main", "--push", "fork")
    assert result.returncode == 0, result.stderr
    pushed = {}
    for line in git(fresh_repo, "ls-remote", "fork", "refs/heads/demo/*").splitlines():
        sha, ref = line.split("\t")
        pushed[ref] = sha
    assert pushed == {f"refs/heads/{branch}": sha for branch, sha in branch_heads(fresh_repo).items()}


def test_bad_input_gives_clear_errors(fresh_repo: Path, tmp_path: Path) -> None:
    unknown = run_script("--repo", str(fresh_repo), "--base", "no-such-branch")
    assert unknown.returncode == 1 and "base branch 'no-such-branch' does not exist" in unknown.stderr
    not_repo = run_script("--repo", str(tmp_path))
    assert not_repo.returncode == 1 and "is not a git repository" in not_repo.stderr
    bad_option = run_script("--colour")
    assert bad_option.returncode == 2 and "unknown option --colour" in bad_option.stderr
    assert "Usage:" in bad_option.stderr
    no_remote = run_script("--repo", str(fresh_repo), "--push", "nowhere")
    assert no_remote.returncode == 1 and "no git remote named 'nowhere'" in no_remote.stderr

    broken = tmp_path / "scenarios" / "01-broken"
    broken.mkdir(parents=True)
    (broken / "message").write_text("feat: a change that does not fit\n")
    (broken / "change.patch").write_text(
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
        "@@ -1,1 +1,1 @@\n-no such line in the README\n+a replacement\n"
    )
    misfit = run_script("--repo", str(fresh_repo), "--scenarios", str(broken.parent))
    assert misfit.returncode == 1 and "scenario 01-broken does not apply on" in misfit.stderr
    assert git(fresh_repo, "branch", "--list", "demo/*") == ""


@pytest.mark.postgres
def test_the_error_build_passes_the_backend_unit_tests(demo_repo: Path, tmp_path: Path) -> None:
    build = checkout(demo_repo, ERROR_BRANCH, tmp_path / "error-build")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNIT_TESTS],
        cwd=build,
        env=backend_env(build),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout) and "failed" not in result.stdout


@pytest.mark.postgres
def test_the_error_build_never_becomes_ready(demo_repo: Path, tmp_path: Path, run_backend) -> None:
    base = run_backend(checkout(demo_repo, ERROR_BRANCH, tmp_path / "error-build"))
    statuses = []
    for _ in range(READINESS_POLLS):
        statuses.append(http_status(f"{base}/readyz"))
        time.sleep(0.25)
    assert statuses == [503] * READINESS_POLLS  # alive (healthz 200) but never ready
    assert http_status(f"{base}/healthz") == 200


@pytest.mark.postgres
def test_the_fix_build_becomes_ready(demo_repo: Path, tmp_path: Path, run_backend) -> None:
    base = run_backend(checkout(demo_repo, FIX_BRANCH, tmp_path / "fix-build"))
    statuses = []
    for _ in range(READINESS_POLLS):
        statuses.append(http_status(f"{base}/readyz"))
        if statuses[-1] == 200:
            break
        time.sleep(0.25)
    assert statuses[-1] == 200, statuses
    # The two features of the earlier scenarios are in the fixed build too.
    welcome = http_json(f"{base}/api/welcome")
    assert welcome["message"] == "Bem-vindos ao userapp (dev)!"
    assert welcome["users"] == 1  # the first admin, created by the migration step
