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
    """One real etcd + kube-apiserver (TLS, tokens, RBAC, Kargo/Argo CRDs) whose admission is Kargo's own:
    its kubernetes-webhooks-server, registered as Kargo's chart registers it (no Kargo controller runs)."""
    # pylint: disable=import-outside-toplevel
    from tests.harness.kargo import kargo_control_plane
    from tests.harness.kube import kube_cluster

    with kube_cluster() as cluster, kargo_control_plane(cluster, webhooks_only=True):
        yield cluster


@pytest.fixture(scope="session")
def bare_kube():
    """A second etcd + kube-apiserver with the same CRDs, RBAC and identities but no admission webhook: for
    tests of objects against the CRDs' schemas alone (Kargo's webhooks would rename Freight and Promotions
    and refuse what its controller has not made available). Started only when a test asks for it."""
    from tests.harness.kube import kube_cluster  # pylint: disable=import-outside-toplevel

    with kube_cluster() as cluster:
        yield cluster


@pytest.fixture
def kube_namespace(kube) -> str:
    """A fresh Kargo project namespace per test (no namespace controller runs, so names are never reused)."""
    return kube.create_project_namespace()


@pytest.fixture(scope="session")
def kargo_lab():
    """Real Kargo (controller, management controller, webhooks) on a kube-apiserver of its own, with a real
    OCI registry and Git server (tests/harness/lab.py). Started once, on first use: tests that do not ask
    for it never wait for it."""
    from tests.harness.lab import kargo_lab as start_lab  # pylint: disable=import-outside-toplevel

    with start_lab() as lab:
        yield lab


@pytest.fixture(scope="session")
def kwok_cluster():
    """A kube-apiserver of its own with the real kube-controller-manager and kube-scheduler and KWOK's
    three simulated Nodes (tests/harness/nodes.py): Deployments get Pods, scheduled and marked Ready by KWOK,
    with no container running. Needs scripts/build-lab.sh (`make setup-lab`): its tests are `lab_binaries`."""
    # pylint: disable=import-outside-toplevel
    from tests.harness.kube import kube_cluster
    from tests.harness.nodes import simulated_nodes

    with kube_cluster() as cluster, simulated_nodes(cluster) as nodes:
        yield nodes
