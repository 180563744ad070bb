"""Simulated Nodes for the lab (issue 13): the real kube-controller-manager and kube-scheduler, and KWOK with
three Nodes, next to a harness kube-apiserver (tests/harness/kube.py).

Deployments, ReplicaSets and scheduling are Kubernetes' own; KWOK (sigs.k8s.io/kwok, the tool Kubernetes'
scale tests use) plays the kubelets with its default stages (node-initialize, node heartbeat with a Lease,
pod ready/complete/delete, copied from its module by scripts/build-lab.sh): it marks scheduled Pods Running
and Ready without running any container. Nothing here runs the app.

Each component authenticates with a static token as the user the apiserver's bootstrap RBAC expects
(system:kube-controller-manager, system:kube-scheduler; the controller manager then runs every controller as
its own ServiceAccount, --use-service-account-credentials, as kubeadm does); KWOK as user "kwok" bound to
KWOK's own ClusterRole. Everything listens on 127.0.0.1.

The binaries come from scripts/build-lab.sh (`make setup-lab`, part of `make setup`): the tests that need them
carry the `lab_binaries` marker (`-m 'not lab_binaries'` leaves them out on a machine without them).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from tests.harness.kube import KubeCluster, apply_manifests
from tests.harness.processes import Components, HarnessError, free_port, start_server, wait_until

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "scripts/build-lab.sh"
NODE_COUNT = 3
# The annotation KWOK is told to manage Nodes by (its documented convention).
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
# KWOK's default stages, in the order kwokctl gives them (scripts/build-lab.sh copies them from the module).
KWOK_STAGE_FILES = (
    "node-initialize.yaml",
    "node-heartbeat-with-lease.yaml",
    "pod-ready.yaml",
    "pod-complete.yaml",
    "pod-delete.yaml",
)
STARTUP_TIMEOUT = 90.0


def lab_binaries() -> dict[str, Path]:
    """name -> path of what scripts/build-lab.sh built (or builds now: cold, many minutes)."""
    result = subprocess.run(  # noqa: S603 - our own script
        [str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3600, check=False
    )
    if result.returncode != 0:
        raise HarnessError(f"scripts/build-lab.sh failed (run `make setup-lab`):\n{result.stderr[-3000:]}")
    found = {}
    for line in result.stdout.splitlines():
        name, sep, path = line.partition("=")
        if sep:
            found[name] = Path(path)
    return found


@dataclass
class SimulatedNodes(Components):
    """The running kube-controller-manager, kube-scheduler and kwok, and the names of KWOK's Nodes."""

    cluster: KubeCluster
    nodes: tuple[str, ...]
    startup_seconds: float = 0.0

    def resident_memory(self) -> dict[str, int]:
        """name -> resident set size in bytes of each component (from /proc), for the lab's resource note."""
        sizes = {}
        for name, proc in self.procs.items():
            status = Path(f"/proc/{proc.pid}/status").read_text(encoding="utf-8")
            kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes[name] = int(kib) * 1024
        return sizes


def plain(api: client.ApiClient, obj: object) -> dict[str, Any]:
    """A kubernetes-client model as the plain JSON object the apiserver sent (camelCase keys)."""
    value = api.sanitize_for_serialization(obj)
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _healthz(port: int) -> bool:
    """The component's /healthz on 127.0.0.1 answers ok (its serving certificate is self-signed: loopback)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    url = f"https://127.0.0.1:{port}/healthz"
    with urllib.request.urlopen(url, context=context, timeout=2) as response:  # noqa: S310 - loopback
        return response.status == 200 and response.read().strip() == b"ok"


def _kwok_config(config_dir: Path, path: Path, extra_stages: tuple[Path, ...] = ()) -> Path:
    """KWOK's default stages, then `extra_stages` (a test's own KWOK Stage files), as one --config file."""
    documents = []
    for stage in (*(config_dir / name for name in KWOK_STAGE_FILES), *extra_stages):
        if not stage.exists():
            raise HarnessError(f"KWOK stage {stage} is missing (run `make setup-lab`)")
        documents.append(stage.read_text(encoding="utf-8").strip().removeprefix("---").strip())
    path.write_text("\n---\n".join(documents) + "\n", encoding="utf-8")
    return path


def _grant_kwok(cluster: KubeCluster, config_dir: Path) -> None:
    """KWOK's own ClusterRole (kustomize/rbac/role.yaml of its module), bound to the user "kwok"."""
    role_file = config_dir / "role.yaml"
    if not role_file.exists():
        raise HarnessError(f"KWOK's ClusterRole {role_file} is missing (run `make setup-lab`)")
    roles = [doc for doc in yaml.safe_load_all(role_file.read_text(encoding="utf-8")) if doc]
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "kwok-controller"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "kwok-controller",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kwok"}],
    }
    if [doc["metadata"]["name"] for doc in roles] != ["kwok-controller"]:
        raise HarnessError(f"{role_file} does not hold KWOK's one ClusterRole kwok-controller")
    path = cluster.workdir / "kwok-rbac.yaml"
    path.write_text(yaml.safe_dump_all([*roles, binding]), encoding="utf-8")
    apply_manifests(cluster.api_client("admin"), [path])


def node_manifest(name: str) -> client.V1Node:
    """A Node KWOK manages: marked with its annotation, no taint (every Node of the lab is simulated)."""
    return client.V1Node(
        metadata=client.V1ObjectMeta(
            name=name,
            annotations={
                KWOK_NODE_ANNOTATION[0]: KWOK_NODE_ANNOTATION[1],
                "node.alpha.kubernetes.io/ttl": "0",
            },
            labels={
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        )
    )


def _nodes_ready(core: client.CoreV1Api, names: tuple[str, ...]) -> bool:
    listing = plain(core.api_client, core.list_node())
    ready = {
        node["metadata"]["name"]
        for node in listing["items"]
        if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in node.get("status", {}).get("conditions") or []
        )
    }
    return set(names) <= ready


def _control_plane_args(cluster: KubeCluster, identity: str, port: int, certs: Path) -> list[str]:
    kubeconfig = str(cluster.kubeconfig(identity))
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={port}",
        f"--cert-dir={certs}",
        "--leader-elect=false",
        "--v=1",
    ]


@contextmanager
def simulated_nodes(  # pylint: disable=too-many-locals
    cluster: KubeCluster,
    count: int = NODE_COUNT,
    binaries: dict[str, Path] | None = None,
    extra_stages: tuple[Path, ...] = (),
) -> Iterator[SimulatedNodes]:
    """Start kube-controller-manager, kube-scheduler and kwok against `cluster`, create `count` KWOK Nodes and
    wait until they are Ready; stop the three on exit. `extra_stages`: KWOK Stage files added to its defaults
    (a Stage with a higher weight wins over a default one that matches the same object)."""
    started = time.monotonic()
    found = binaries or lab_binaries()
    for name in ("kube-controller-manager", "kube-scheduler", "kwok", "kwok-config"):
        if name not in found:
            raise HarnessError(f"scripts/build-lab.sh did not name {name}")
    work = cluster.workdir / "nodes"
    work.mkdir(exist_ok=True)
    names = tuple(f"kwok-node-{index}" for index in range(count))
    lab = SimulatedNodes(cluster=cluster, nodes=names)
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)

        def start(name: str, argv: list[str], port: int | None) -> None:
            log = work / f"{name}.log"
            proc = start_server(argv, log, stack)
            lab.logs[name], lab.procs[name] = log, proc
            if port is not None:
                wait_until(lambda: _healthz(port), STARTUP_TIMEOUT, f"{name} /healthz", proc, log)

        kcm_port, scheduler_port = free_port(), free_port()
        start(
            "kube-controller-manager",
            [
                str(found["kube-controller-manager"]),
                *_control_plane_args(cluster, "system:kube-controller-manager", kcm_port, work / "kcm"),
                "--use-service-account-credentials=true",
                f"--root-ca-file={cluster.ca_file}",
            ],
            kcm_port,
        )
        start(
            "kube-scheduler",
            [
                str(found["kube-scheduler"]),
                *_control_plane_args(cluster, "system:kube-scheduler", scheduler_port, work / "scheduler"),
            ],
            scheduler_port,
        )

        _grant_kwok(cluster, found["kwok-config"])
        kwok_port = free_port()
        start(
            "kwok",
            [
                str(found["kwok"]),
                f"--kubeconfig={cluster.kubeconfig('kwok')}",
                f"--config={_kwok_config(found['kwok-config'], work / 'kwok.yaml', extra_stages)}",
                f"--manage-nodes-with-annotation-selector={'='.join(KWOK_NODE_ANNOTATION)}",
                "--node-ip=127.0.0.1",
                f"--node-port={kwok_port}",
                f"--server-address=127.0.0.1:{kwok_port}",
                "--node-lease-duration-seconds=40",
                "--cidr=10.244.0.0/16",
            ],
            None,
        )
        core = client.CoreV1Api(cluster.api_client("admin"))
        for name in names:
            core.create_node(node_manifest(name))
        wait_until(
            lambda: _nodes_ready(core, names),
            STARTUP_TIMEOUT,
            f"kwok: {count} Nodes Ready ({', '.join(names)})",
            lab.procs["kwok"],
            lab.logs["kwok"],
        )
        lab.startup_seconds = time.monotonic() - started
        yield lab
