"""The real Argo CD (tests/harness/argocd.py) on the harness's kube-apiserver with KWOK's simulated Nodes: an
Application pointing at a repository on the real Git server is synced by the real application controller (its
manifests rendered by the real repo-server) and reported Healthy once the Deployment is Available. Every
status asserted here is written by Argo CD.

`lab_binaries`: needs scripts/build-lab.sh (`make setup-lab`, part of `make setup`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import yaml

from tests.harness.argocd import ArgoCD, argocd_control_plane
from tests.harness.git_server import git_server
from tests.harness.kargo import ARGOCD_NAMESPACE
from tests.harness.kube import CustomObjects
from tests.harness.nodes import SimulatedNodes, lab_binaries

pytestmark = [pytest.mark.lab_binaries, pytest.mark.kube, pytest.mark.timeout(600)]

REPO = "lab/argocd-check.git"


def deployment(name: str, replicas: int, tag: str) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": f"registry.invalid/lab/{name}:{tag}"}]},
            },
        },
    }


@pytest.fixture(scope="module")
def argocd(kwok_cluster: SimulatedNodes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArgoCD]:
    with argocd_control_plane(
        kwok_cluster.cluster, lab_binaries()["argocd"], tmp_path_factory.mktemp("argocd")
    ) as started:
        yield started


def application(name: str, url: str, namespace: str) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": ARGOCD_NAMESPACE},
        "spec": {
            "project": "default",
            "source": {"repoURL": url, "targetRevision": "main", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            "syncPolicy": {"automated": {}, "syncOptions": ["CreateNamespace=true"]},
        },
    }


def wait_for_app(
    argocd: ArgoCD, argo: CustomObjects, name: str, check, what: str, timeout: float = 180
) -> dict:
    deadline = time.monotonic() + timeout
    app: dict = {}
    while time.monotonic() < deadline:
        argocd.check_running()
        app = argo.get(ARGOCD_NAMESPACE, "applications", name)
        if check(app.get("status") or {}):
            return app
        time.sleep(0.5)
    raise AssertionError(
        f"{what}: not within {timeout:.0f}s\nstatus: {app.get('status')}\n{argocd.diagnostics()}"
    )


def test_argocd_syncs_a_git_repository_and_reports_it_healthy_on_kwok_nodes(argocd: ArgoCD):
    cluster = argocd.cluster
    argo = CustomObjects(cluster, "admin", "argoproj.io", "v1alpha1")
    argo.create(
        ARGOCD_NAMESPACE,
        "appprojects",
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "default", "namespace": ARGOCD_NAMESPACE},
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
            },
        },
    )
    with git_server() as git:
        git.create_repo(REPO)
        head = git.push_files(
            REPO, "main", {"app.yaml": yaml.safe_dump(deployment("web", 2, "0123abcd")).encode()}, "web 2x"
        )
        argocd.add_repository(git.url(REPO), git.username, git.token)
        argo.create(ARGOCD_NAMESPACE, "applications", application("web", git.url(REPO), "web"))

        app = wait_for_app(
            argocd,
            argo,
            "web",
            lambda s: s.get("sync", {}).get("status") == "Synced"
            and s["sync"].get("revision") == head
            and s.get("health", {}).get("status") == "Healthy",
            "web Synced at main's head and Healthy",
        )
        operation = app["status"]["operationState"]
        assert operation["phase"] == "Succeeded", operation
        applied = {(r["kind"], r["name"]): r["status"] for r in operation["syncResult"]["resources"]}
        assert applied == {("Namespace", "web"): "Synced", ("Deployment", "web"): "Synced"}, applied
        assert app["status"]["summary"]["images"] == ["registry.invalid/lab/web:0123abcd"]

        # A new commit: Argo CD's next comparison sees it (a hard refresh asks now instead of in 3 minutes).
        head = git.push_files(
            REPO, "main", {"app.yaml": yaml.safe_dump(deployment("web", 3, "4567cdef")).encode()}, "web 3x"
        )
        argo.patch(
            ARGOCD_NAMESPACE,
            "applications",
            "web",
            {"metadata": {"annotations": {"argocd.argoproj.io/refresh": "hard"}}},
        )
        app = wait_for_app(
            argocd,
            argo,
            "web",
            lambda s: s.get("sync", {}).get("revision") == head
            and s.get("health", {}).get("status") == "Healthy"
            and "registry.invalid/lab/web:4567cdef" in s.get("summary", {}).get("images", []),
            "web synced to the new commit and Healthy",
        )
        assert app["status"]["sync"]["status"] == "Synced"
