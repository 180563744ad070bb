"""The Kargo lab of the test harness: a kube-apiserver of its own with the whole real Kargo control plane,
a real OCI registry and a real Git server, and the project's own pipeline (gitops/kargo, gitops/argocd)
applied with only its fork names changed (scripts/fork.py): the Git URL, the image namespace and the ingress
host suffix name the local servers, exactly as a fork would name its own.

`kargo_lab()` runs no Argo CD or Argo Rollouts controller: ArgoCDPlayer and RolloutsPlayer play them
through the Applications' and AnalysisRuns' status, the way the real controllers report.
`kargo_lab(controllers=True)` (needs scripts/build-lab.sh, `make setup-lab`) runs the real ones instead:
Argo CD's application controller and repo-server (tests/harness/argocd.py), the Argo Rollouts controller
(tests/harness/rollouts.py), and the real kube-controller-manager and kube-scheduler with KWOK's simulated
Nodes (tests/harness/nodes.py), so that Deployments become Available and Jobs complete without any
container running. Everything Kargo does is Kargo's own.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from scripts.fork import ForkNames, load_names, rewrite_text
from tests.harness.argocd import ArgoCD, argocd_control_plane
from tests.harness.git_server import GitServer, git_server
from tests.harness.ingress import ingress_status
from tests.harness.kargo import ARGOCD_NAMESPACE, KargoControlPlane, kargo_control_plane
from tests.harness.kube import CustomObjects, KubeCluster, apply_manifests, kube_cluster
from tests.harness.nodes import SimulatedNodes, lab_binaries, simulated_nodes
from tests.harness.processes import wait_until
from tests.harness.registry import Registry, registry_server
from tests.harness.rollouts import Rollouts, rollouts_controller

REPO = Path(__file__).resolve().parents[2]
PROJECT = "userapp"
GIT_REPO = "promotionboard/promotion-board.git"
IMAGE_NAMESPACE = "promotionboard"
HOST_SUFFIX = "127.0.0.1.nip.io"
KARGO_FILES = ("projectconfig.yaml", "analysistemplate.yaml", "warehouse.yaml")
STAGES = ("dev", "stg", "prod")
STAGE_FILES = tuple(f"stage-{stage}.yaml" for stage in STAGES)


@dataclass
class KargoLab:
    cluster: KubeCluster
    kargo: KargoControlPlane
    registry: Registry
    git: GitServer
    names: ForkNames
    startup_seconds: float = 0.0
    # Set by kargo_lab(controllers=True): the real Argo CD, Argo Rollouts and simulated Nodes.
    argocd: ArgoCD | None = None
    rollouts: Rollouts | None = None
    nodes: SimulatedNodes | None = None
    _pipeline: bool = field(default=False, repr=False)

    def image(self, app: str) -> str:
        """The repository of one of the app's images in the local registry (the fork's IMAGE_NAMESPACE)."""
        return f"{self.names.image_namespace}/{app}"

    def rewrite(self, text: str) -> str:
        """`text` with the repository's fork names swapped for the lab's (scripts/fork.py)."""
        return rewrite_text(text, load_names(), self.names)

    def manifests(self, relative: str) -> list[dict]:
        return [doc for doc in yaml.safe_load_all(self.rewrite((REPO / relative).read_text("utf-8"))) if doc]

    def check_running(self) -> None:
        """Raise HarnessError naming any lab process that exited, with its last log lines."""
        for part in (self.kargo, self.argocd, self.rollouts, self.nodes):
            if part is not None:
                part.check_running()

    def diagnostics(self) -> str:
        """The last lines of every lab process's log, for a failing wait's message."""
        parts = (self.kargo, self.argocd, self.rollouts, self.nodes)
        return "\n".join(part.diagnostics() for part in parts if part is not None)


@contextmanager
def kargo_lab(controllers: bool = False, kwok_stages: tuple[Path, ...] = ()) -> Iterator[KargoLab]:
    """Start the lab; with `controllers`, the real Argo CD, Argo Rollouts and KWOK Nodes too (`kwok_stages`:
    KWOK Stage files added to its defaults, tests/harness/nodes.py)."""
    started = time.monotonic()
    with ExitStack() as stack:
        cluster = stack.enter_context(kube_cluster())
        registry = stack.enter_context(registry_server(cluster.ca_file.parent))
        git = stack.enter_context(git_server())
        plane = stack.enter_context(kargo_control_plane(cluster))
        names = ForkNames(
            git_url=git.url(GIT_REPO),
            image_namespace=f"{registry.host}/{IMAGE_NAMESPACE}",
            host_suffix=HOST_SUFFIX,
        )
        lab = KargoLab(cluster=cluster, kargo=plane, registry=registry, git=git, names=names)
        if controllers:
            found = lab_binaries()
            lab.nodes = stack.enter_context(
                simulated_nodes(cluster, binaries=found, extra_stages=kwok_stages)
            )
            lab.argocd = stack.enter_context(argocd_control_plane(cluster, found["argocd"], cluster.workdir))
            lab.rollouts = stack.enter_context(
                rollouts_controller(cluster, found["rollouts-controller"], cluster.workdir)
            )
            stack.enter_context(ingress_status(cluster))
        lab.startup_seconds = time.monotonic() - started
        yield lab


def install_pipeline(lab: KargoLab) -> None:
    """The GitOps repository on the Git server, then gitops/argocd and gitops/kargo (as setup-kargo.sh)."""
    if lab._pipeline:  # pylint: disable=protected-access
        return
    _push_main(lab)
    if lab.argocd is not None:
        lab.argocd.add_repository(lab.names.git_url, lab.git.username, lab.git.token)
    admin = lab.cluster.api_client("admin")
    objects = client.CustomObjectsApi(admin)
    core = client.CoreV1Api(admin)
    # Argo CD's side: the AppProject and the three Applications Kargo's argocd-update step syncs.
    argocd_docs = [
        doc
        for name in (
            "appproject.yaml",
            "application-dev.yaml",
            "application-stg.yaml",
            "application-prod.yaml",
        )
        for doc in lab.manifests(f"gitops/argocd/{name}")
    ]
    for doc in argocd_docs:
        doc["metadata"]["namespace"] = ARGOCD_NAMESPACE
        plural = "appprojects" if doc["kind"] == "AppProject" else "applications"
        objects.create_namespaced_custom_object("argoproj.io", "v1alpha1", ARGOCD_NAMESPACE, plural, doc)
    # The Project: Kargo's webhook creates its namespace.
    (project,) = lab.manifests("gitops/kargo/project.yaml")
    objects.create_cluster_custom_object("kargo.akuity.io", "v1alpha1", "projects", project)
    wait_until(
        lambda: core.read_namespace(PROJECT) is not None,
        30,
        f"namespace {PROJECT} (created by Kargo's Project webhook)\n{lab.kargo.diagnostics()}",
    )
    # The credentials, from the committed template with the local servers' values.
    for secret in lab.manifests("gitops/kargo/credentials.example.yaml"):
        data = secret["stringData"]
        if secret["metadata"]["name"] == "userapp-git":
            data.update(username=lab.git.username, password=lab.git.token)
        else:
            data.update(secret=secrets.token_urlsafe(32))
        core.create_namespaced_secret(
            PROJECT,
            client.V1Secret(
                metadata=client.V1ObjectMeta(
                    name=secret["metadata"]["name"], labels=secret["metadata"].get("labels")
                ),
                string_data=data,
            ),
        )
    # The local registry wants a login, as a private Docker Hub repository would.
    core.create_namespaced_secret(
        PROJECT,
        client.V1Secret(
            metadata=client.V1ObjectMeta(
                name="userapp-registry", labels={"kargo.akuity.io/cred-type": "image"}
            ),
            string_data={
                "repoURL": f"^{lab.names.image_namespace}/",
                "repoURLIsRegex": "true",
                "username": lab.registry.username,
                "password": lab.registry.password,
            },
        ),
    )
    files = [REPO / "gitops/kargo" / name for name in KARGO_FILES + STAGE_FILES]
    rewritten = lab.kargo.workdir / "gitops-kargo.yaml"
    rewritten.write_text("---\n".join(lab.rewrite(path.read_text("utf-8")) for path in files))
    apply_manifests(admin, [rewritten])
    lab._pipeline = True  # pylint: disable=protected-access


def _push_main(lab: KargoLab) -> None:
    """The repository's kustomize/ tree (fork names swapped) as `main`: what Kargo's steps render from."""
    lab.git.create_repo(GIT_REPO)
    files = {
        str(path.relative_to(REPO)): lab.rewrite(path.read_text("utf-8")).encode()
        for path in sorted((REPO / "kustomize").rglob("*"))
        if path.is_file()
    }
    lab.git.push_files(GIT_REPO, "main", files, "the GitOps repository's kustomize tree")
    # Kargo creates a missing env/<stage> branch with `git worktree add --orphan` (git >= 2.42); Debian 12's
    # git is 2.39, so the lab's repository starts with the three branches, as after a first promotion.
    for stage in STAGES:
        lab.git.push_files(
            GIT_REPO, f"env/{stage}", {"README.md": f"Rendered by Kargo for {stage}.\n".encode()}, "empty"
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Player(threading.Thread):
    """A background loop standing in for a controller that does not run in the lab."""

    interval = 0.5

    def __init__(self, lab: KargoLab) -> None:
        super().__init__(daemon=True, name=type(self).__name__)
        self.lab = lab
        self.argo = CustomObjects(lab.cluster, "admin", "argoproj.io", "v1alpha1")
        self.enabled = threading.Event()
        self.enabled.set()
        self._stopped = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            if not self.enabled.is_set():
                continue
            try:
                self.step()
            except ApiException as exc:
                if exc.status not in (404, 409):
                    self.errors.append(f"{exc.status}: {exc.body}")

    def step(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


class ArgoCDPlayer(_Player):
    """Plays Argo CD's application controller: an Application with a pending sync `operation` (what Kargo's
    argocd-update step writes) is synced to the commit its target branch points at on the Git server, and
    reported Synced/Healthy with the operation's result, as Argo CD records it."""

    def step(self) -> None:
        apps = self.argo.list(ARGOCD_NAMESPACE, "applications")
        for app in apps["items"]:
            operation = app.get("operation")
            if not operation or "sync" not in operation:
                continue
            source = app["spec"]["source"]
            revision = self.lab.git.head(GIT_REPO, source["targetRevision"])
            if revision is None:
                continue  # the branch is not pushed yet: Argo CD would report ComparisonError; wait
            now = _now()
            self.argo.patch(
                ARGOCD_NAMESPACE,
                "applications",
                app["metadata"]["name"],
                {
                    "operation": None,
                    "status": {
                        "reconciledAt": now,
                        "sync": {"status": "Synced", "revision": revision},
                        "health": {"status": "Healthy", "lastTransitionTime": now},
                        "sourceType": "Directory",
                        "operationState": {
                            "operation": operation,
                            "phase": "Succeeded",
                            "message": "successfully synced (all tasks run)",
                            "startedAt": now,
                            "finishedAt": now,
                            "syncResult": {"revision": revision, "source": source, "resources": []},
                        },
                    },
                },
            )


class RolloutsPlayer(_Player):
    """Plays Argo Rollouts' analysis controller: every AnalysisRun Kargo starts for a Stage's verification
    ends Successful, as the smoke test would against a healthy app (no pods run in the lab)."""

    def step(self) -> None:
        runs = self.argo.list(PROJECT, "analysisruns")
        for run in runs["items"]:
            if (run.get("status") or {}).get("phase"):
                continue
            now = _now()
            metrics = [
                {
                    "name": metric["name"],
                    "phase": "Successful",
                    "count": 1,
                    "successful": 1,
                    "measurements": [{"phase": "Successful", "startedAt": now, "finishedAt": now}],
                }
                for metric in run["spec"].get("metrics", [])
            ]
            self.argo.patch(
                PROJECT,
                "analysisruns",
                run["metadata"]["name"],
                {
                    "status": {
                        "phase": "Successful",
                        "startedAt": now,
                        # Rollouts stamps it on every terminal run; Kargo copies it as the finish time.
                        "completedAt": now,
                        "metricResults": metrics,
                        "runSummary": {"count": len(metrics), "successful": len(metrics)},
                    }
                },
            )
