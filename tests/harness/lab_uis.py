"""The lab's UIs (issue 13, `make lab UIS=1`): Argo CD's API server and Kargo's API server, each with its real
UI, next to a running lab (tests/harness/lab.py, `kargo_lab(controllers=True)`), from the binaries
scripts/build-lab-uis.sh builds (`make setup-lab-uis`). Plain HTTP on 127.0.0.1, admin logins with generated
passwords.

- `argocd-server --insecure`: what Argo CD's manifests give it (manifests/base/server and
  manifests/cluster-rbac/server of the source tree beside the binary: its ServiceAccount, Role and ClusterRole
  with their bindings), the lab's argocd-secret with the admin account's bcrypt hash and mtime added (the
  server.secretkey is already there, tests/harness/argocd.py), and the lab's Redis and repo-server. It reads
  the Applications of the lab's argocd namespace.
- `kargo api`: configured from Kargo's Helm chart exactly as bench/vs_kargo.py runs it
  (tests/harness/kargo.py, kargo_api_server), from the build that embeds the UI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from kubernetes import client

from tests.harness.argocd import ArgoCD
from tests.harness.kargo import ARGOCD_NAMESPACE, bcrypt_hash, kargo_api_server, service_account_kubeconfig
from tests.harness.kube import KubeCluster, apply_manifests
from tests.harness.processes import Components, HarnessError, free_port, start_server, wait_until

REPO = Path(__file__).resolve().parents[2]
ADMIN = "admin"
STARTUP_TIMEOUT = 90.0
SERVER_ACCOUNT = "argocd-server"
# Argo CD's own manifests for its API server's identity and rights (relative to its source tree).
SERVER_MANIFESTS = (
    "manifests/base/server/argocd-server-sa.yaml",
    "manifests/base/server/argocd-server-role.yaml",
    "manifests/base/server/argocd-server-rolebinding.yaml",
    "manifests/cluster-rbac/server/argocd-server-clusterrole.yaml",
    "manifests/cluster-rbac/server/argocd-server-clusterrolebinding.yaml",
)


@dataclass(kw_only=True)
class LabUIs(Components):
    """The running UI servers: name ("argocd", "kargo") -> base URL and admin password."""

    urls: dict[str, str]
    passwords: dict[str, str]
    startup_seconds: float = 0.0

    def state(self) -> dict:
        """What the lab's state file (lab.json) holds under "uis"."""
        return {
            name: {"url": url, "username": ADMIN, "password": self.passwords[name]}
            for name, url in self.urls.items()
        }


def ui_binaries() -> dict[str, Path]:
    """argocd and kargo with their real UIs: scripts/build-lab-uis.sh builds them (or finds them built)."""
    script = REPO / "scripts/build-lab-uis.sh"
    result = subprocess.run(  # noqa: S603 - our own script
        [str(script)], capture_output=True, text=True, timeout=3600, check=False
    )
    if result.returncode != 0:
        raise HarnessError(
            f"scripts/build-lab-uis.sh failed (`make setup-lab-uis`):\n{result.stderr[-3000:]}"
        )
    found = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    missing = {"argocd", "kargo"} - set(found)
    if missing:
        raise HarnessError(f"scripts/build-lab-uis.sh named no {sorted(missing)} binary:\n{result.stdout}")
    return {name: Path(found[name]) for name in ("argocd", "kargo")}


def _argocd_server_rights(cluster: KubeCluster, source: Path, workdir: Path) -> None:
    """Argo CD's own ServiceAccount, Role and ClusterRole (with bindings) of its API server, in namespace
    argocd, as its install manifests create them."""
    docs = []
    for relative in SERVER_MANIFESTS:
        path = source / relative
        if not path.exists():
            raise HarnessError(
                f"{path} is missing: the Argo CD source tree is incomplete (`make setup-lab-uis`)"
            )
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
                doc["metadata"]["namespace"] = ARGOCD_NAMESPACE
            if doc:
                docs.append(doc)
    objects = workdir / "argocd-server-rbac.yaml"
    objects.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    apply_manifests(cluster.api_client("admin"), [objects])


def _set_admin_password(cluster: KubeCluster, password: str) -> None:
    """The admin account's password in argocd-secret (util/settings: admin.password is a bcrypt hash, and
    admin.passwordMtime its change time; tokens issued before it are refused)."""
    core = client.CoreV1Api(cluster.api_client("admin"))
    mtime = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core.patch_namespaced_secret(
        "argocd-secret",
        ARGOCD_NAMESPACE,
        {"stringData": {"admin.password": bcrypt_hash(password), "admin.passwordMtime": mtime}},
    )


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
        return response.status == 200


@contextmanager
def argocd_server(  # pylint: disable=too-many-locals
    cluster: KubeCluster, argocd: ArgoCD, binary: Path, workdir: Path, password: str
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """`argocd-server --insecure` on a free 127.0.0.1 port, with the lab's Redis and repo-server; yields its
    base URL, process and log."""
    server_bin = binary.parent / "argocd-server"
    if not server_bin.exists():
        raise HarnessError(f"{server_bin} is missing (run `make setup-lab-uis`)")
    home = workdir / "argocd-server"
    for folder in ("tmp", "static"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    _argocd_server_rights(cluster, binary.parent.parent / "src", home)
    _set_admin_password(cluster, password)
    kubeconfig = service_account_kubeconfig(
        cluster, SERVER_ACCOUNT, home / "kubeconfig.yaml", ARGOCD_NAMESPACE
    )
    port, metrics = free_port(), free_port()
    argv = [
        str(server_bin),
        "--insecure",
        "--address=127.0.0.1",
        f"--port={port}",
        "--metrics-address=127.0.0.1",
        f"--metrics-port={metrics}",
        f"--kubeconfig={kubeconfig}",
        f"--namespace={ARGOCD_NAMESPACE}",
        f"--repo-server={argocd.repo_server}",
        "--repo-server-plaintext",
        f"--redis={argocd.redis_address}",
        # The UI from the binary only (its default /shared/app is a container's volume for extensions).
        f"--staticassets={home / 'static'}",
        "--logformat=text",
    ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "KUBECONFIG": str(kubeconfig),
        "ARGOCD_GPG_ENABLED": "false",
        "ARGOCD_SSH_DATA_PATH": str(home / "ssh"),
        "ARGOCD_TLS_DATA_PATH": str(home / "tls"),
    }
    log = home / "argocd-server.log"
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        proc = start_server(argv, log, stack, env=env, cwd=home)
        wait_until(
            lambda: _answers(f"{base}/healthz"), STARTUP_TIMEOUT, f"argocd-server {base}/healthz", proc, log
        )
        yield base, proc, log


@contextmanager
def lab_uis(
    cluster: KubeCluster, argocd: ArgoCD | None, workdir: Path, which: tuple[str, ...] = ("argocd", "kargo")
) -> Iterator[LabUIs]:
    """Start the UI servers named in `which` ("argocd" needs the lab's real Argo CD); yield LabUIs."""
    started = time.monotonic()
    binaries = ui_binaries()
    uis = LabUIs(urls={}, passwords={})
    with ExitStack() as stack:
        if "argocd" in which:
            if argocd is None:
                raise HarnessError("argocd-server needs the lab's Argo CD: kargo_lab(controllers=True)")
            password = secrets.token_urlsafe(12)
            url, proc, log = stack.enter_context(
                argocd_server(cluster, argocd, binaries["argocd"], workdir, password)
            )
            uis.urls["argocd"], uis.passwords["argocd"] = url, password
            uis.procs["argocd-server"], uis.logs["argocd-server"] = proc, log
        if "kargo" in which:
            password = secrets.token_urlsafe(12)
            api = stack.enter_context(
                kargo_api_server(cluster, password, binary=binaries["kargo"], workdir=workdir / "kargo-api")
            )
            uis.urls["kargo"], uis.passwords["kargo"] = api.url, password
            uis.procs["kargo-api"], uis.logs["kargo-api"] = api.process, api.log
        uis.startup_seconds = time.monotonic() - started
        yield uis


def post_json(url: str, body: dict, token: str | None = None) -> dict:
    """POST a JSON body (with a bearer token), the JSON answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
        return json.loads(response.read())
