"""The real Argo Rollouts v1.9.1 controller next to a harness kube-apiserver (issue 13): it runs the
AnalysisRuns Kargo's verification starts.

It authenticates as ServiceAccount argo-rollouts/argo-rollouts bound to the cluster's built-in `cluster-admin`
(a simplification: Argo Rollouts' own ClusterRole lists dozens of rules for Rollouts' traffic routers, none of
which the lab exercises). It runs only its analysis controller (`--controllers=analysis`, the mode Argo
Rollouts offers for running AnalysisRuns alone): the pipeline has no Rollout or Experiment. Its informers also
watch ClusterAnalysisTemplates, so that CRD is installed too.

A `job` metric becomes a Job in the AnalysisRun's namespace; in the lab KWOK plays the kubelet and its
pod-complete stage marks a Job's Pod Succeeded with exit code 0 without running its container: the metric's
outcome is simulated (always Successful), everything around it (the Job, its Pod, the Job controller's
verdict, the AnalysisRun's phase, Kargo reading it) is real.

Its metrics and healthz servers bind every interface (Argo Rollouts has no host setting); their ports are
random.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client

from tests.harness.kargo import service_account_kubeconfig
from tests.harness.kube import CRDS, KubeCluster, create_unless_exists, install_crds
from tests.harness.processes import HarnessError, free_port, start_server, tail, wait_until

NAMESPACE = "argo-rollouts"
ACCOUNT = "argo-rollouts"
EXTRA_CRDS = (CRDS / "argo-rollouts/v1.9.1/cluster-analysis-template-crd.yaml",)
STARTUP_TIMEOUT = 90.0


@dataclass
class Rollouts:
    log: Path
    proc: subprocess.Popen
    startup_seconds: float = 0.0
    logs: dict[str, Path] = field(default_factory=dict)

    def check_running(self) -> None:
        if self.proc.poll() is not None:
            raise HarnessError(
                f"rollouts-controller exited with code {self.proc.returncode}\n{tail(self.log)}"
            )

    def diagnostics(self) -> str:
        return f"--- rollouts-controller ---\n{tail(self.log, 25)}"


def _grant(cluster: KubeCluster) -> None:
    api = cluster.api_client("admin")
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    create_unless_exists(
        core.create_namespace, client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE))
    )
    create_unless_exists(
        core.create_namespaced_service_account,
        NAMESPACE,
        client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=ACCOUNT)),
    )
    create_unless_exists(
        rbac.create_cluster_role_binding,
        client.V1ClusterRoleBinding(
            metadata=client.V1ObjectMeta(name=ACCOUNT),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="cluster-admin"
            ),
            subjects=[client.RbacV1Subject(kind="ServiceAccount", name=ACCOUNT, namespace=NAMESPACE)],
        ),
    )


def _healthz(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
        return response.status == 200


@contextmanager
def rollouts_controller(cluster: KubeCluster, binary: Path, workdir: Path) -> Iterator[Rollouts]:
    """Install the ClusterAnalysisTemplate CRD, start rollouts-controller's analysis controller; yield a
    Rollouts; stop it."""
    started = time.monotonic()
    install_crds(cluster.api_client("admin"), EXTRA_CRDS)
    _grant(cluster)
    home = workdir / "rollouts"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    kubeconfig = service_account_kubeconfig(cluster, ACCOUNT, home / "kubeconfig.yaml", NAMESPACE)
    healthz, metrics = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        # The namespace its ConfigMap/Secret informers watch (utils/defaults: POD_NAMESPACE).
        "POD_NAMESPACE": NAMESPACE,
    }
    with ExitStack() as stack:
        log = home / "rollouts-controller.log"
        proc = start_server(
            [
                str(binary),
                f"--kubeconfig={kubeconfig}",
                "--controllers=analysis",
                f"--healthzPort={healthz}",
                f"--metricsPort={metrics}",
                "--leader-elect=false",
            ],
            log,
            stack,
            env=env,
            cwd=home,
        )
        wait_until(
            lambda: _healthz(healthz),
            STARTUP_TIMEOUT,
            f"rollouts-controller /healthz on {healthz}",
            proc,
            log,
        )
        rollouts = Rollouts(log=log, proc=proc, logs={"rollouts-controller": log})
        rollouts.startup_seconds = time.monotonic() - started
        yield rollouts
