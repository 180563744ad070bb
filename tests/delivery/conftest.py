"""Fixtures for the delivery tests: the pinned tools (built by scripts/install-tools.sh) and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.helpers import REPO_ROOT, install_tool


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
