"""Scripts (shellcheck-clean, strict mode) and the CI workflow (actionlint, pushes). The CI's tags and image
names against the rest: test_consistency.py; the Dockerfiles: test_dockerfiles.py."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.delivery.helpers import REPO_ROOT, load_names, run, run_ok

pytestmark = pytest.mark.timeout(1200)

# Ours (the scripts); the harness scripts are checked by their owners.
OUR_SCRIPTS = [
    "install-tools.sh",
    "generate-helm-output.sh",
    "setup-minikube.sh",
    "setup-argocd.sh",
    "setup-kargo.sh",
    "start-database.sh",
    "deploy-dashboard.sh",
    "preflight.sh",
    "demo-refresh-warehouse.sh",
    "demo-ui.sh",
    "refresh-crds.sh",
    "build-kargo.sh",
    "refresh-nginx-entrypoint.sh",
    "build-kargo-oracle.sh",
    "build-lab-uis.sh",
]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def script_paths() -> list[Path]:
    return [REPO_ROOT / "scripts" / name for name in OUR_SCRIPTS] + sorted(
        (REPO_ROOT / "scripts" / "lib").glob("*.sh")
    )


def test_shellcheck_is_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed: run `make setup` (Debian package shellcheck)")
    result = run([shellcheck, "-x", *[str(p.relative_to(REPO_ROOT)) for p in script_paths()]])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", OUR_SCRIPTS)
def test_scripts_are_strict_and_executable(name: str) -> None:
    path = REPO_ROOT / "scripts" / name
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert path.stat().st_mode & stat.S_IXUSR, f"{name} is not executable"


def test_install_tools_pins_versions() -> None:
    text = (REPO_ROOT / "scripts" / "install-tools.sh").read_text(encoding="utf-8")
    for tool in ("HELM", "KUSTOMIZE", "ACTIONLINT", "REGISTRY", "CRANE"):
        assert re.search(rf'^{tool}_VERSION="v\d+\.\d+\.\d+"$', text, re.M), tool
    common = (REPO_ROOT / "scripts" / "lib" / "common.sh").read_text(encoding="utf-8")
    assert 'ARGOCD_VERSION="v3.5.1"' in common
    assert 'KARGO_VERSION="1.11.2"' in common
    assert 'KARGO_CHART="oci://ghcr.io/akuity/kargo-charts/kargo"' in common
    assert re.search(r'^MINIKUBE_VERSION="v\d+\.\d+\.\d+"$', common, re.M)
    # The third-party source trees' pins, shared by the build scripts of Kargo, Argo CD and their UIs.
    pins = (REPO_ROOT / "scripts" / "lib" / "third-party-source.sh").read_text(encoding="utf-8")
    assert 'KARGO_TAG="v1.11.2"' in pins and 'ARGOCD_TAG="v3.5.1"' in pins
    for name in ("KARGO_COMMIT", "ARGOCD_COMMIT"):
        assert re.search(rf'^{name}="[0-9a-f]{{40}}"$', pins, re.M), name
    ui = (REPO_ROOT / "scripts" / "build-lab-uis.sh").read_text(encoding="utf-8")
    for name in ("ARGOCD_PNPM", "KARGO_PNPM"):
        assert re.search(rf'^{name}="\d+\.\d+\.\d+"$', ui, re.M), name
    assert re.search(r'^ARGO_UI_COMMIT="[0-9a-f]{40}"$', ui, re.M)


def test_actionlint_is_clean(actionlint: str) -> None:
    # actionlint also shellchecks the run: blocks when shellcheck is on PATH.
    run_ok([actionlint, "-no-color", str(WORKFLOW.relative_to(REPO_ROOT))])


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_ci_pushes_only_from_main_with_secrets() -> None:
    steps = workflow()["jobs"]["images"]["steps"]
    login = next(s for s in steps if s.get("uses", "").startswith("docker/login-action"))
    assert login["with"] == {
        "registry": "${{ steps.names.outputs.registry }}",
        "username": "${{ secrets.DOCKERHUB_USERNAME }}",
        "password": "${{ secrets.DOCKERHUB_TOKEN }}",
    }
    assert login["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    build = next(s for s in steps if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["push"] == "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"


def readme_section(title: str) -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def make_targets() -> set[str]:
    files = [REPO_ROOT / "Makefile", *sorted((REPO_ROOT / "mk").glob("*.mk"))]
    return {
        target
        for path in files
        for target in re.findall(r"^([a-zA-Z][\w-]*):", path.read_text(encoding="utf-8"), re.M)
    }


def test_the_real_cluster_guide_names_only_targets_and_scripts_that_exist() -> None:
    section = readme_section("Real cluster")
    targets = set(re.findall(r"\bmake ((?:[a-z][\w-]*\s?)+)", section))
    named = {word for group in targets for word in group.split()}
    assert {"cluster-up", "argocd-install", "kargo-install", "database", "preflight", "cluster-down"} <= named
    assert named <= make_targets(), named - make_targets()
    scripts = set(re.findall(r"\bscripts/([\w-]+\.sh)\b", section))
    assert "demo-refresh-warehouse.sh" in scripts
    for script in scripts:
        path = REPO_ROOT / "scripts" / script
        assert path.is_file() and path.stat().st_mode & stat.S_IXUSR, f"README names scripts/{script}"


# ---- the CI for the stage: pull requests run everything, main only the push path ---------------------------


def test_actions_are_pinned_by_commit() -> None:
    """A tag can be moved to other code; a commit cannot. The comment names the release for people."""
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", WORKFLOW.read_text(encoding="utf-8"), re.M)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action} is not pinned by commit"
        assert re.fullmatch(r"\s*#\s*v\d+\.\d+\.\d+", comment), f"{action}: name the release in a comment"


def pull_request_jobs() -> dict[str, dict]:
    return {name: job for name, job in workflow()["jobs"].items() if name != "images"}


def test_main_runs_only_the_push_path_and_pull_requests_gate_it() -> None:
    jobs = workflow()["jobs"]
    assert set(jobs) == {"lint", "test", "frontend", "snyk", "images"}
    for name, job in pull_request_jobs().items():
        assert job["if"] == "github.event_name == 'pull_request'", f"{name} must run on pull requests only"
    images = jobs["images"]
    assert sorted(images["needs"]) == sorted(pull_request_jobs())
    # Skipped needs (main) let it run; a failed or cancelled one (a pull request) stops it.
    gate = "!cancelled() && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled')"
    assert images["if"] == "${{ " + gate + " }}"
    assert workflow()[True] == {"pull_request": None, "push": {"branches": ["main"]}}  # YAML 1.1: on -> True


def test_every_test_suite_runs_in_one_parallel_job() -> None:
    matrix = workflow()["jobs"]["test"]["strategy"]["matrix"]["include"]
    paths = [path for entry in matrix for path in entry["paths"].split()]
    assert len(paths) == len(set(paths)), paths
    holding_tests = {
        str(p.relative_to(REPO_ROOT))
        for p in (REPO_ROOT / "tests").iterdir()
        if (p.is_dir() and any(p.rglob("test_*.py"))) or (p.is_file() and p.name.startswith("test_"))
    }
    assert set(paths) == holding_tests, f"not in any CI suite: {holding_tests - set(paths)}"
    assert len(matrix) >= 3 and workflow()["jobs"]["test"]["strategy"]["fail-fast"] is False


def test_the_test_binaries_are_cached_on_their_pinned_versions() -> None:
    steps = workflow()["jobs"]["test"]["steps"]
    (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == "~/.cache/promotion-board"
    key = cache["with"]["key"]
    for pin in (
        "scripts/install-tools.sh",
        "scripts/build-*.sh",
        "scripts/k8s-testbin/**/go.sum",
        "scripts/lib/third-party-source.sh",
    ):
        assert f"'{pin}'" in key, f"the cache key must change when {pin} changes"
    setup = next(i for i, s in enumerate(steps) if "make setup" in s.get("run", ""))
    assert steps.index(cache) < setup, "restore the cache before make setup builds anything"


def test_snyk_scans_installed_projects_and_gates_the_images() -> None:
    steps = workflow()["jobs"]["snyk"]["steps"]
    install = next(i for i, s in enumerate(steps) if "make setup-python" in s.get("run", ""))
    scan = next(i for i, s in enumerate(steps) if "snyk@" in s.get("run", ""))
    assert install < scan
    assert "npm ci" in steps[install]["run"]
    assert re.search(r"snyk@\d+\.\d+\.\d+ test --all-projects", steps[scan]["run"]), "pin the Snyk CLI"
    assert "--severity-threshold=high" in steps[scan]["run"]
    assert "continue-on-error" not in steps[scan]
    assert "snyk" in workflow()["jobs"]["images"]["needs"]


def test_images_are_built_for_amd64_and_arm64() -> None:
    steps = workflow()["jobs"]["images"]["steps"]
    build = next(s for s in steps if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    qemu = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("docker/setup-qemu-action"))
    assert qemu < steps.index(build)
    assert build["with"]["tags"].startswith("${{ steps.names.outputs.namespace }}/")


def test_the_images_job_pushes_to_the_namespace_of_fork_env(tmp_path: Path) -> None:
    (step,) = [s for s in workflow()["jobs"]["images"]["steps"] if s.get("id") == "names"]
    output = tmp_path / "github_output"
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=REPO_ROOT,
        env={"GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    namespace = load_names().image_namespace
    assert outputs == {"namespace": namespace, "registry": namespace.split("/")[0]}


def test_cluster_up_starts_the_databases_before_kargo() -> None:
    """Once images exist Kargo promotes dev at once: the migration hook needs PostgreSQL and its Secret."""
    text = (REPO_ROOT / "mk" / "delivery.mk").read_text(encoding="utf-8")
    recipe = re.search(r"^cluster-up:.*\n((?:\t.*\n)+)", text, re.M)
    assert recipe, "mk/delivery.mk has no cluster-up recipe"
    steps = [line.strip() for line in recipe.group(1).splitlines()]
    assert steps.index("scripts/start-database.sh") < steps.index("scripts/setup-kargo.sh"), steps
    assert steps[0] == "scripts/setup-minikube.sh"


def test_argocd_reads_a_private_fork_with_the_same_token() -> None:
    script = (REPO_ROOT / "scripts" / "setup-argocd.sh").read_text(encoding="utf-8")
    assert 'argocd_repository_secret "$repo_url" "${GITHUB_USERNAME:' in script
    assert 'repo_url="$(fork_value GIT_URL)"' in script
    token = "ghp_it's-a-token"
    result = run(
        [
            "bash",
            "-c",
            'source scripts/lib/common.sh && argocd_repository_secret "$(fork_value GIT_URL)" ana "$1"',
            "bash",
            token,
        ]
    )
    assert result.returncode == 0, result.stderr
    secret = yaml.safe_load(result.stdout)
    # Argo CD v3.5.1 (util/db/repository_secrets.go): a Secret in its namespace, secret-type=repository.
    assert secret["metadata"]["namespace"] == "argocd"
    assert secret["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "repository"}
    assert secret["stringData"] == {
        "type": "git",
        "url": load_names().git_url,
        "username": "ana",
        "password": token,
    }
    for path in sorted((REPO_ROOT / "gitops" / "argocd").glob("application-*.yaml")):
        app = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert app["spec"]["source"]["repoURL"] == secret["stringData"]["url"], path.name


def test_helm_template_needs_no_kube_version(helm: str) -> None:
    for chart in ("backend", "frontend", "dashboard"):
        run_ok([helm, "template", "x", str(REPO_ROOT / "helm" / chart)])
