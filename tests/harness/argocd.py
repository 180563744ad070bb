"""The real Argo CD v3.5.1 next to a harness kube-apiserver (issue 13): argocd-application-controller and
argocd-repo-server, with a Redis of their own (Debian's redis-server), from the binary scripts/build-lab.sh
builds.

What a cluster install gives Argo CD is made here by hand, as its manifests make it: the namespace `argocd`,
the labelled ConfigMaps/Secret its settings manager reads (argocd-cm, argocd-rbac-cm, argocd-secret), the
controller's ServiceAccount with the ClusterRole of manifests/cluster-rbac (every verb on every resource), and
one repository Secret per Git repository it pulls from. Outside a Pod there is no in-cluster config: the
controller's own ARGOCD_FAKE_IN_CLUSTER switch (pkg/apis/application/v1alpha1/types.go, RawRestConfig) makes
the destination https://kubernetes.default.svc use $KUBECONFIG, the ServiceAccount's token. The repo-server
speaks plain gRPC on 127.0.0.1 (--disable-tls, the controller's --repo-server-plaintext).

The controller's metrics server binds 0.0.0.0 (hard-coded in controller/appcontroller.go); its port is random.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client

from tests.harness.kargo import ARGOCD_NAMESPACE, service_account_kubeconfig
from tests.harness.kube import KubeCluster, create_unless_exists
from tests.harness.processes import (
    Components,
    HarnessError,
    find_program,
    free_port,
    start_server,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
CONTROLLER_ACCOUNT = "argocd-application-controller"
# What Argo CD's settings manager watches: only ConfigMaps/Secrets with this label (common/common.go).
PART_OF_ARGOCD = {"app.kubernetes.io/part-of": "argocd"}
STARTUP_TIMEOUT = 90.0


@dataclass
class ArgoCD(Components):
    """The running Argo CD components and their logs."""

    cluster: KubeCluster
    workdir: Path
    startup_seconds: float = 0.0
    # Where the Redis and the repo-server listen (argocd-server, tests/harness/lab_uis.py, uses them too).
    redis_address: str = ""
    repo_server: str = ""
    # name -> starts that component again as it was first started and waits until it is healthy.
    restarters: dict[str, Callable[[], None]] = field(default_factory=dict, repr=False)

    def kill(self, name: str) -> int:
        """SIGKILL `name`: no chance to finish or record what it was doing. Returns its exit code."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=10)

    def restart(self, name: str) -> float:
        """Start `name` again, after kill(), with its first arguments; wait until it is healthy. Its previous
        log is kept as <name>.<n>.log. Returns the seconds it took to be healthy."""
        if name not in self.restarters:
            raise HarnessError(f"{name} cannot be restarted (known: {sorted(self.restarters)})")
        if self.procs[name].poll() is None:
            raise HarnessError(f"{name} is still running (pid {self.procs[name].pid}): kill it first")
        log = self.logs[name]
        kept = sum(1 for _ in log.parent.glob(f"{name}.*.log")) + 1
        log.rename(log.with_name(f"{name}.{kept}.log"))
        started = time.monotonic()
        self.restarters[name]()
        return time.monotonic() - started

    def add_repository(self, url: str, username: str, password: str) -> None:
        """A repository Secret (Argo CD's declarative form) for a Git repository behind a login."""
        name = "repo-" + "".join(ch if ch.isalnum() else "-" for ch in url.split("://", 1)[-1]).strip("-")
        core = client.CoreV1Api(self.cluster.api_client("admin"))
        core.create_namespaced_secret(
            ARGOCD_NAMESPACE,
            client.V1Secret(
                metadata=client.V1ObjectMeta(
                    name=name[:63].rstrip("-"),
                    labels={"argocd.argoproj.io/secret-type": "repository", **PART_OF_ARGOCD},
                ),
                string_data={"type": "git", "url": url, "username": username, "password": password},
            ),
        )


def controller_cluster_role() -> dict:
    """manifests/cluster-rbac/application-controller/argocd-application-controller-clusterrole.yaml."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": CONTROLLER_ACCOUNT},
        "rules": [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]},
        ],
    }


def install_settings(cluster: KubeCluster) -> None:
    """Namespace argocd, the settings Argo CD reads, and the controller's identity with its ClusterRole."""
    api = cluster.api_client("admin")
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    create_unless_exists(
        core.create_namespace, client.V1Namespace(metadata=client.V1ObjectMeta(name=ARGOCD_NAMESPACE))
    )
    for name in ("argocd-cm", "argocd-rbac-cm"):
        create_unless_exists(
            core.create_namespaced_config_map,
            ARGOCD_NAMESPACE,
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=PART_OF_ARGOCD), data={}),
        )
    create_unless_exists(
        core.create_namespaced_secret,
        ARGOCD_NAMESPACE,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="argocd-secret", labels=PART_OF_ARGOCD),
            string_data={"server.secretkey": os.urandom(24).hex()},
        ),
    )
    create_unless_exists(
        core.create_namespaced_service_account,
        ARGOCD_NAMESPACE,
        client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=CONTROLLER_ACCOUNT)),
    )
    create_unless_exists(rbac.create_cluster_role, controller_cluster_role())
    create_unless_exists(
        rbac.create_cluster_role_binding,
        client.V1ClusterRoleBinding(
            metadata=client.V1ObjectMeta(name=CONTROLLER_ACCOUNT),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=CONTROLLER_ACCOUNT
            ),
            subjects=[
                client.RbacV1Subject(
                    kind="ServiceAccount", name=CONTROLLER_ACCOUNT, namespace=ARGOCD_NAMESPACE
                )
            ],
        ),
    )


def _redis_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def _healthz(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/healthz"
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
        return response.status == 200


def _tool_dirs() -> list[str]:
    """The folders of the pinned helm and kustomize (scripts/install-tools.sh): what the repo-server runs
    for Helm and Kustomize sources."""
    dirs = []
    for tool in ("helm", "kustomize"):
        result = subprocess.run(  # noqa: S603 - our own script
            [str(REPO / "scripts/install-tools.sh"), tool],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if result.returncode != 0:
            raise HarnessError(
                f"scripts/install-tools.sh {tool} failed (`make tools`):\n{result.stderr[-2000:]}"
            )
        dirs.append(str(Path(result.stdout.strip().splitlines()[-1]).parent))
    return dirs


@contextmanager
def argocd_control_plane(  # pylint: disable=too-many-locals
    cluster: KubeCluster, argocd_bin: Path, workdir: Path
) -> Iterator[ArgoCD]:
    """Start redis-server, argocd-repo-server and argocd-application-controller against `cluster`; yield an
    ArgoCD; stop them. `argocd_bin` is the multi-call binary (its argocd-* symlinks sit beside it)."""
    started = time.monotonic()
    for name in ("argocd-repo-server", "argocd-application-controller", "git-verify-wrapper.sh"):
        if not (argocd_bin.parent / name).exists():
            raise HarnessError(f"{argocd_bin.parent / name} is missing (run `make setup-lab`)")
    redis = find_program("redis-server", [])
    install_settings(cluster)
    work = workdir / "argocd"
    argocd = ArgoCD(cluster=cluster, workdir=work)
    with ExitStack() as stack:
        # The repo-server runs git with GIT_ASKPASS=argocd (util/askpass/server.go): the binary's folder must
        # be on PATH for git to get the repository's credentials.
        path = [str(argocd_bin.parent), *_tool_dirs(), os.environ.get("PATH", "/usr/bin:/bin")]
        base_env = {"PATH": ":".join(path)}

        def start(name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen:
            home = work / name
            (home / "tmp").mkdir(parents=True, exist_ok=True)
            env = {
                **base_env,
                "HOME": str(home),
                "TMPDIR": str(home / "tmp"),
                # No GnuPG keyring under /app/config: signature verification is not used here.
                "ARGOCD_GPG_ENABLED": "false",
                "ARGOCD_SSH_DATA_PATH": str(home / "ssh"),
                "ARGOCD_TLS_DATA_PATH": str(home / "tls"),
                **(extra_env or {}),
            }
            argocd.logs[name] = work / f"{name}.log"
            proc = start_server(argv, argocd.logs[name], stack, env=env, cwd=home)
            argocd.procs[name] = proc
            return proc

        redis_port = free_port()
        proc = start(
            "redis-server",
            [redis, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
        )
        wait_until(
            lambda: _redis_answers(redis_port),
            STARTUP_TIMEOUT,
            f"redis-server on 127.0.0.1:{redis_port}",
            proc,
            argocd.logs["redis-server"],
        )
        redis_address = argocd.redis_address = f"127.0.0.1:{redis_port}"

        repo_port, repo_metrics = free_port(), free_port()
        argocd.repo_server = f"127.0.0.1:{repo_port}"
        proc = start(
            "argocd-repo-server",
            [
                str(argocd_bin.parent / "argocd-repo-server"),
                "--address=127.0.0.1",
                f"--port={repo_port}",
                "--metrics-address=127.0.0.1",
                f"--metrics-port={repo_metrics}",
                "--disable-tls",
                # Its default (/app/config/reposerver/mtls/client-ca.crt) is refused with --disable-tls.
                "--client-ca-path=",
                f"--redis={redis_address}",
                "--logformat=text",
            ],
            # Its git credential socket defaults to /tmp/reposerver-ask-pass.sock: one per repo-server here.
            {"ARGOCD_ASK_PASS_SOCK": str(work / "argocd-repo-server" / "ask-pass.sock")},
        )
        wait_until(
            lambda: _healthz(repo_metrics),
            STARTUP_TIMEOUT,
            f"argocd-repo-server /healthz on 127.0.0.1:{repo_metrics}",
            proc,
            argocd.logs["argocd-repo-server"],
        )

        controller_home = work / "argocd-application-controller"
        controller_home.mkdir(parents=True, exist_ok=True)
        kubeconfig = service_account_kubeconfig(
            cluster, CONTROLLER_ACCOUNT, controller_home / "kubeconfig.yaml", ARGOCD_NAMESPACE
        )
        controller_metrics = free_port()

        def start_controller() -> None:
            proc = start(
                "argocd-application-controller",
                [
                    str(argocd_bin.parent / "argocd-application-controller"),
                    f"--kubeconfig={kubeconfig}",
                    f"--namespace={ARGOCD_NAMESPACE}",
                    f"--repo-server=127.0.0.1:{repo_port}",
                    "--repo-server-plaintext",
                    f"--redis={redis_address}",
                    f"--metrics-port={controller_metrics}",
                    "--logformat=text",
                ],
                {"KUBECONFIG": str(kubeconfig), "ARGOCD_FAKE_IN_CLUSTER": "true"},
            )
            wait_until(
                lambda: _healthz(controller_metrics),
                STARTUP_TIMEOUT,
                f"argocd-application-controller /healthz on port {controller_metrics}",
                proc,
                argocd.logs["argocd-application-controller"],
            )

        start_controller()
        argocd.restarters["argocd-application-controller"] = start_controller
        argocd.check_running()
        argocd.startup_seconds = time.monotonic() - started
        yield argocd
