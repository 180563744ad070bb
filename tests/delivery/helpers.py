"""Small helpers shared by the delivery tests: run a tool, parse multi-document YAML, find objects."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBE_VERSION = "1.36.0"
CHARTS = {"backend": "userapp-backend", "frontend": "userapp-frontend", "dashboard": "promotion-board"}
STAGES = ("dev", "stg", "prod")
REPLICAS = {"dev": 1, "stg": 2, "prod": 3}
KARGO_PROJECT = "userapp"
SHORT_SHA = r"^[a-f0-9]{8}$"
PROMOTION_STEPS = [
    "git-clone",
    "git-clear",
    "kustomize-set-image",
    "kustomize-build",
    "git-commit",
    "git-push",
    "argocd-update",
]


def fork_module() -> Any:
    """scripts/fork.py (standard library only, not a package): the names a fork changes, from fork.env."""
    import importlib.util  # pylint: disable=import-outside-toplevel

    if "fork" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fork", REPO_ROOT / "scripts" / "fork.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["fork"] = module
        spec.loader.exec_module(module)
    return sys.modules["fork"]


def load_names() -> Any:
    """fork.env's GIT_URL, IMAGE_NAMESPACE and HOST_SUFFIX (a scripts/fork.py ForkNames)."""
    return fork_module().load_names(REPO_ROOT / "fork.env")


def tracked_files(root: Path = REPO_ROOT) -> list[str]:
    """The repository's files as a clone has them: tracked, plus new ones git does not ignore."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (root / name).is_file()]


def copy_repository(destination: Path) -> Path:
    """A copy of the repository's files, as a clone has them (no .git, no virtualenv, nothing beside it)."""
    for name in tracked_files():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, destination / name)
    return destination


def pytest_in(root: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """This interpreter's pytest run inside another copy of the repository (its code first on the path)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def install_tool(name: str) -> str:
    """Path of a pinned tool, building it into the cache on first use (make tools does it ahead of time)."""
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "install-tools.sh"), name],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/install-tools.sh {name} failed (run `make tools`):\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def run(args: list[str], cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, check=False, capture_output=True, text=True)


def run_ok(args: list[str], cwd: Path = REPO_ROOT) -> str:
    result = run(args, cwd)
    assert result.returncode == 0, f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result.stdout


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def load_yaml_file(path: Path) -> list[dict[str, Any]]:
    return docs(path.read_text(encoding="utf-8"))


def helm_template(helm: str, chart: str, *extra: str, namespace: str | None = None) -> list[dict[str, Any]]:
    args = [helm, "template", CHARTS[chart], str(REPO_ROOT / "helm" / chart), "--kube-version", KUBE_VERSION]
    if namespace:
        args += ["--namespace", namespace]
    return docs(run_ok(args + list(extra)))


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in by_kind(objects, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(workload: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    if name is None:
        assert len(containers) == 1
        return containers[0]
    return next(c for c in containers if c["name"] == name)


def env_map(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def gitops_objects(sub: str) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted((REPO_ROOT / "gitops" / sub).rglob("*.yaml")):
        out.extend((path, d) for d in load_yaml_file(path))
    return out


def kargo_object(kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in gitops_objects("kargo") if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one Kargo {kind} {name}, found {len(found)}"
    return found[0]


@functools.cache
def rendered_overlay(stage: str) -> tuple[dict[str, Any], ...]:
    """`kustomize build kustomize/overlays/<stage>` with the pinned kustomize (what Kargo's step runs)."""
    kustomize = install_tool("kustomize")
    return tuple(docs(run_ok([kustomize, "build", str(REPO_ROOT / "kustomize" / "overlays" / stage)])))


def overlay_kustomization(stage: str) -> dict[str, Any]:
    path = REPO_ROOT / "kustomize" / "overlays" / stage / "kustomization.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))
