"""A fork in one command: fork.env names the GitHub repository, the image namespace and the ingress host
suffix once; `make fork` makes every file agree with new values, refuses malformed ones, and is idempotent.
The repository itself agrees with fork.env, and after a fork of a copy the consistency suite passes there
and no file names the old values."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery.helpers import REPO_ROOT, copy_repository, fork_module, load_names, pytest_in, run

pytestmark = pytest.mark.timeout(1200)

FORK = REPO_ROOT / "scripts" / "fork.py"
NEW = {
    "REPO": "github.com/ana-lab/board-demo",
    "REGISTRY": "ghcr.io/ana-lab",
    "HOST_SUFFIX": "10.1.2.3.nip.io",
}
NEW_NAMES = ("https://github.com/ana-lab/board-demo.git", "ghcr.io/ana-lab", "10.1.2.3.nip.io")
# The suites that check the names against each other, run in the forked copy.
CONSISTENCY = [
    "tests/delivery/test_consistency.py",
    "tests/delivery/test_gitops.py",
    "tests/delivery/test_render.py",
    "tests/delivery/test_fork.py::test_the_repository_agrees_with_fork_env",
    "tests/delivery/test_scripts_ci.py::test_the_images_job_pushes_to_the_namespace_of_fork_env",
    "tests/delivery/test_scripts_ci.py::test_argocd_reads_a_private_fork_with_the_same_token",
    "tests/dashboard/test_simulator.py",
    "tests/docs/test_runbook.py",
]


def make_fork(root: Path, **values: str) -> subprocess.CompletedProcess[str]:
    args = [f"{key}={value}" for key, value in values.items()]
    return run(["make", "--no-print-directory", "-C", str(root), "fork", f"PYTHON={sys.executable}", *args])


def text_files(root: Path) -> dict[Path, str]:
    fork = fork_module()
    texts = {}
    for path in fork.candidate_files(root):
        text = fork.read_text(path)
        if text is not None:
            texts[path] = text
    return texts


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# ---- input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("REPO", "ana-lab/board-demo", "expected github.com/<owner>/<name>"),
        ("REPO", "gitlab.com/ana/board", "expected github.com/<owner>/<name>"),
        ("REPO", "github.com/-ana/board", "is not a GitHub owner"),
        ("REPO", "github.com/ana/bo ard", "is not a GitHub repository name"),
        ("REPO", "github.com/ana/board/extra", "expected github.com/<owner>/<name>"),
        ("REGISTRY", "ana-lab", "expected <registry host>/<namespace>"),
        ("REGISTRY", "docker.io/Ana", "is not a valid namespace"),
        ("REGISTRY", "docker.io/ana:latest", "is not a valid namespace"),
        ("REGISTRY", "Docker.IO/ana", "is not a registry host"),
        ("HOST_SUFFIX", "*.10.1.2.3.nip.io", "expected a lowercase DNS suffix"),
        ("HOST_SUFFIX", ".nip.io", "expected a lowercase DNS suffix"),
        ("HOST_SUFFIX", "localhost", "expected a lowercase DNS suffix"),
    ],
)
def test_malformed_input_is_refused_with_a_clear_message(
    tmp_path: Path, key: str, value: str, says: str
) -> None:
    root = copy_repository(tmp_path / "copy")
    before = digest(root)
    result = make_fork(root, **{key: value})
    assert result.returncode != 0
    assert f"fork: error: {key}={value!r}" in result.stderr and says in result.stderr, result.stderr
    assert digest(root) == before, "a refused fork must change nothing"


def test_nothing_to_do_is_explained(tmp_path: Path) -> None:
    result = run([sys.executable, str(FORK), "--root", str(copy_repository(tmp_path / "copy"))])
    assert result.returncode == 2 and "make fork REPO=github.com/<owner>/<name>" in result.stderr


def test_values_are_normalised() -> None:
    fork = fork_module()
    assert fork.parse_repo("https://github.com/ana/board.git") == "https://github.com/ana/board.git"
    assert fork.parse_repo("github.com/ana/board") == "https://github.com/ana/board.git"
    assert fork.parse_registry("docker.io/ana/") == "docker.io/ana"
    assert fork.parse_registry("localhost:5000/lab") == "localhost:5000/lab"


# ---- the repository agrees with fork.env -------------------------------------------------------------------


def test_the_repository_agrees_with_fork_env() -> None:
    """No file names a repository, image namespace or ingress host other than fork.env's."""
    names = load_names()
    texts = text_files(REPO_ROOT)
    # Where the names are configuration (code elsewhere may use made-up names as examples).
    where = ("gitops/", "helm/", "kustomize/", ".github/", "dashboard/sources/", "scripts/", "README.md")
    problems = []
    for path, text in texts.items():
        relative = str(path.relative_to(REPO_ROOT))
        if not relative.startswith(where):
            continue
        for url in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+\.git", text):
            if url != names.git_url:
                problems.append(f"{relative}: {url}")
        for image in re.findall(
            r"\b(?!github\.com/)[\w.-]+\.[a-z]{2,}(?::\d+)?/[\w./-]+/(?:userapp-\w+|promotion-board)\b", text
        ):
            if not image.startswith(names.image_namespace + "/") and "/<" not in image:
                problems.append(f"{relative}: {image}")
        for host in re.findall(r"[a-z*][\w*-]*\.(?:\d+\.){4}nip\.io\b", text):
            if not host.endswith("." + names.host_suffix):
                problems.append(f"{relative}: {host}")
    assert not problems, problems
    # And the values are there: the Warehouse, the Applications and the overlays' hosts name them.
    joined = "\n".join(
        text
        for p, text in texts.items()
        if str(p.relative_to(REPO_ROOT)).startswith(("gitops/", "kustomize/"))
    )
    for spelling in (
        names.git_url,
        names.image_namespace + "/userapp-backend",
        "userapp-dev." + names.host_suffix,
    ):
        assert spelling in joined, spelling


def test_a_fork_to_the_current_values_changes_nothing() -> None:
    result = run([sys.executable, str(FORK), "--check", "--root", str(REPO_ROOT)])
    assert result.returncode == 0 and "0 file(s) would change" in result.stdout, result.stdout + result.stderr


# ---- a fork of a copy --------------------------------------------------------------------------------------


def test_a_fork_of_a_copy_names_only_the_new_values_and_stays_consistent(tmp_path: Path) -> None:
    root = copy_repository(tmp_path / "fork")
    assert not (root / ".git").exists()
    old = load_names()
    result = make_fork(root, **NEW)
    assert result.returncode == 0, result.stdout + result.stderr
    changed = re.findall(r"^  changed (\S+)$", result.stdout, re.M)
    for expected in (
        "gitops/kargo/warehouse.yaml",
        "gitops/argocd/application-dev.yaml",
        "helm/backend/values.yaml",
        "kustomize/overlays/dev/kustomization.yaml",
        "dashboard/sources/simulation/pipeline.py",
        "README.md",
        "fork.env",
    ):
        assert expected in changed, f"{expected} not rewritten: {changed}"
    assert changed[-1] == "fork.env", "fork.env is written last"

    fork = fork_module()
    new = fork.load_names(root / "fork.env")
    assert (new.git_url, new.image_namespace, new.host_suffix) == NEW_NAMES
    leftovers = {str(p.relative_to(root)): fork.names_in(text, old) for p, text in text_files(root).items()}
    leftovers = {name: found for name, found in leftovers.items() if found}
    assert not leftovers, f"still naming the old values: {leftovers}"

    # Idempotent: the same command again changes nothing.
    before = digest(root)
    again = make_fork(root, **NEW)
    assert again.returncode == 0 and "0 file(s) changed" in again.stdout, again.stdout
    assert digest(root) == before

    # The committed Helm output still matches the charts, and the consistency suite passes in the fork.
    render = run([str(root / "scripts" / "generate-helm-output.sh"), "--check"], cwd=root)
    assert render.returncode == 0, render.stderr
    suite = pytest_in(root, CONSISTENCY, timeout=900)
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout
