"""Fixtures for the delivery tests: the pinned tools (built by scripts/install-tools.sh) and paths."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.delivery.helpers import REPO_ROOT


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


@pytest.fixture(scope="session")
def helm() -> str:
    return install_tool("helm")


@pytest.fixture(scope="session")
def kustomize() -> str:
    return install_tool("kustomize")


@pytest.fixture(scope="session")
def actionlint() -> str:
    return install_tool("actionlint")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
