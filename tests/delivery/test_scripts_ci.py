"""Scripts (shellcheck-clean, strict mode) and the CI workflow (actionlint, pushes). The CI's tags and image
names against the rest: test_consistency.py; the Dockerfiles: test_dockerfiles.py."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from tests.delivery.helpers import REPO_ROOT, run, run_ok

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
    "build-kargo-oracle.sh",
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
    for tool in ("HELM", "KUSTOMIZE", "ACTIONLINT"):
        assert re.search(rf'^{tool}_VERSION="v\d+\.\d+\.\d+"$', text, re.M), tool
    common = (REPO_ROOT / "scripts" / "lib" / "common.sh").read_text(encoding="utf-8")
    assert 'ARGOCD_VERSION="v3.5.1"' in common
    assert 'KARGO_VERSION="1.11.2"' in common
    assert 'KARGO_CHART="oci://ghcr.io/akuity/kargo-charts/kargo"' in common
    assert re.search(r'^MINIKUBE_VERSION="v\d+\.\d+\.\d+"$', common, re.M)


def test_actionlint_is_clean(actionlint: str) -> None:
    # actionlint also shellchecks the run: blocks when shellcheck is on PATH.
    run_ok([actionlint, "-no-color", str(WORKFLOW.relative_to(REPO_ROOT))])


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_ci_pushes_only_from_main_with_secrets() -> None:
    steps = workflow()["jobs"]["images"]["steps"]
    login = next(s for s in steps if s.get("uses", "").startswith("docker/login-action"))
    assert login["with"] == {
        "username": "${{ secrets.DOCKERHUB_USERNAME }}",
        "password": "${{ secrets.DOCKERHUB_TOKEN }}",
    }
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
