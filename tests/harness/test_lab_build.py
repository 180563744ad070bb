"""The lab's controllers built by scripts/build-lab.sh run and report their pinned versions.

`lab_binaries`: the build is part of `make setup` (`make setup-lab`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.harness.nodes import KWOK_STAGE_FILES, lab_binaries

pytestmark = pytest.mark.lab_binaries

# binary name -> (arguments, text its output must hold)
PINNED = {
    "kube-controller-manager": (["--version"], "Kubernetes v1.36.3"),
    "kube-scheduler": (["--version"], "Kubernetes v1.36.3"),
    "kwok": (["--version"], "kwok version v0.8.0"),
    "argocd": (
        ["version", "--client"],
        "argocd: v3.5.1\n  BuildDate: 1970-01-01T00:00:00Z\n  GitCommit: 109ca7c",
    ),
    "rollouts-controller": (["--version"], "v1.9.1\n"),
}


@pytest.fixture(scope="module")
def binaries() -> dict[str, Path]:
    return lab_binaries()


def _output(argv: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - the lab's own pinned binaries
        argv, capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert result.returncode == 0, f"{argv} exited with {result.returncode}:\n{result.stderr[-2000:]}"
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(PINNED))
def test_binary_reports_its_pinned_version(binaries: dict[str, Path], name: str) -> None:
    args, expected = PINNED[name]
    output = _output([str(binaries[name]), *args])
    assert expected in output, f"{name} {' '.join(args)} printed:\n{output}"


@pytest.mark.parametrize("command", ["argocd-application-controller", "argocd-repo-server", "argocd-server"])
def test_argocd_answers_to_its_component_names(binaries: dict[str, Path], command: str) -> None:
    """The multi-call binary acts by the name it is called with: the symlinks beside it pick the component."""
    link = binaries["argocd"].parent / command
    assert link.is_symlink() and link.resolve() == binaries["argocd"].resolve()
    output = _output([str(link), "--help"], env={**os.environ, "HOME": str(link.parent)})
    assert f"{command} [flags]" in output or f"Usage:\n  {command}" in output, output[:2000]


def test_kwok_default_stages_come_from_its_module(binaries: dict[str, Path]) -> None:
    config = binaries["kwok-config"]
    for name in KWOK_STAGE_FILES:
        text = (config / name).read_text(encoding="utf-8")
        assert "apiVersion: kwok.x-k8s.io/v1alpha1" in text and "kind: Stage" in text, name
    assert "name: kwok-controller" in (config / "role.yaml").read_text(encoding="utf-8")
