"""Shared fixtures: real PostgreSQL and a real kube-apiserver + etcd (see tests/harness/)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.harness.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole test session."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session server (SQLAlchemy URL); dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def kube():
    """One real etcd + kube-apiserver (TLS, tokens, RBAC, Kargo/Argo CRDs, Kargo admission stand-ins)."""
    from tests.harness.kube import kube_cluster  # pylint: disable=import-outside-toplevel

    with kube_cluster() as cluster:
        yield cluster


@pytest.fixture
def kube_namespace(kube) -> str:
    """A fresh Kargo project namespace per test (no namespace controller runs, so names are never reused)."""
    return kube.create_project_namespace()
