"""A real Kubernetes control plane for tests: etcd + kube-apiserver built from source.

The binaries come from scripts/build-k8s-testbin.sh. TLS, static-token authentication and RBAC are on, as in
a real cluster. The Kargo, Argo CD Application and Argo Rollouts CRDs pinned in vendor/crds are installed.
No admission webhooks are registered here: the `kube` fixture (tests/conftest.py) registers Kargo's own
kubernetes-webhooks-server (tests/harness/kargo.py) and no controller runs, so tests play the controllers by
writing `.status`. The Kargo lab (tests/harness/lab.py) runs the whole Kargo control plane.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from dashboard.vocabulary import KARGO_GROUP, KARGO_VERSION
from tests.harness.certs import write_control_plane_certs
from tests.harness.processes import HarnessError, free_port, start_server, wait_until

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "vendor/crds"
CRD_FILES = (
    *sorted((CRDS / "kargo/v1.11.2").glob("*.yaml")),
    CRDS / "argocd/v3.5.1/application-crd.yaml",
    CRDS / "argocd/v3.5.1/appproject-crd.yaml",
    CRDS / "argo-rollouts/v1.9.1/analysis-template-crd.yaml",
    CRDS / "argo-rollouts/v1.9.1/analysis-run-crd.yaml",
)
RBAC_FILE = Path(__file__).parent / "rbac.yaml"

# Identities with static bearer tokens. "admin" is in system:masters; "dashboard" gets the board's
# least-privilege ClusterRole from rbac.yaml; "norights" has no binding at all. The user-* identities start
# with no rights so tests can grant exactly what they examine. The system:kube-* identities are the users
# the apiserver's bootstrap RBAC grants kube-controller-manager's and kube-scheduler's rights to; "kwok"
# gets KWOK's own ClusterRole when simulated Nodes run (tests/harness/nodes.py). Nothing else binds them.
IDENTITIES: dict[str, tuple[str, ...]] = {
    "admin": ("system:masters",),
    "dashboard": ("promotion-board",),
    "norights": (),
    "user-a": (),
    "user-b": (),
    "system:kube-controller-manager": (),
    "system:kube-scheduler": (),
    "kwok": (),
}


@dataclass
class KubeCluster:
    server: str
    ca_file: Path
    tokens: dict[str, str]
    workdir: Path
    etcd_url: str
    startup_seconds: float = 0.0
    _kubeconfigs: dict[str, Path] = field(default_factory=dict)
    # name -> (log, process) of etcd and kube-apiserver, for fault tests that kill and restart them
    # (tests/harness/faults.py; never on the session's shared control plane). `process.args` is the argv.
    processes: dict[str, tuple[Path, subprocess.Popen]] = field(default_factory=dict)

    def configuration(self, identity: str = "admin") -> client.Configuration:
        """A kubernetes-client Configuration authenticating as one of IDENTITIES."""
        config = client.Configuration()
        config.host = self.server
        config.ssl_ca_cert = str(self.ca_file)
        config.verify_ssl = True
        config.api_key = {"authorization": self.tokens[identity]}
        config.api_key_prefix = {"authorization": "Bearer"}
        return config

    def api_client(self, identity: str = "admin") -> client.ApiClient:
        return client.ApiClient(self.configuration(identity))

    def kubeconfig(self, identity: str = "admin") -> Path:
        """A kubeconfig file for the identity, for code that loads configuration the way users do."""
        if identity not in self._kubeconfigs:
            path = self.workdir / f"kubeconfig-{identity}.yaml"
            path.write_text(
                yaml.safe_dump(
                    {
                        "apiVersion": "v1",
                        "kind": "Config",
                        "clusters": [
                            {
                                "name": "test",
                                "cluster": {
                                    "server": self.server,
                                    "certificate-authority": str(self.ca_file),
                                },
                            }
                        ],
                        "users": [{"name": identity, "user": {"token": self.tokens[identity]}}],
                        "contexts": [{"name": identity, "context": {"cluster": "test", "user": identity}}],
                        "current-context": identity,
                    }
                )
            )
            path.chmod(0o600)
            self._kubeconfigs[identity] = path
        return self._kubeconfigs[identity]

    def create_project_namespace(self, name: str | None = None) -> str:
        """A fresh namespace marked as a Kargo project namespace (no namespace controller: never reused)."""
        name = name or f"proj-{secrets.token_hex(4)}"
        core = client.CoreV1Api(self.api_client())
        core.create_namespace(
            client.V1Namespace(
                metadata=client.V1ObjectMeta(name=name, labels={"kargo.akuity.io/project": "true"})
            )
        )
        return name


def create_unless_exists(create, *args) -> None:
    """Call a client's create method; an object that exists already (409) is kept as it is."""
    try:
        create(*args)
    except ApiException as exc:
        if exc.status != 409:
            raise


def testbin_dir() -> Path:
    """Where the built binaries are: $K8S_TESTBIN_DIR, else build (or reuse) them now."""
    configured = os.environ.get("K8S_TESTBIN_DIR")
    if configured:
        return Path(configured)
    result = subprocess.run(  # noqa: S603 - our own script
        [str(REPO / "scripts/build-k8s-testbin.sh")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise HarnessError(f"building kube-apiserver/etcd failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def _https_ready(url: str, ca_file: Path, token: str) -> bool:
    context = ssl.create_default_context(cafile=str(ca_file))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, context=context, timeout=2) as response:  # noqa: S310
        return response.status == 200


def _http_ready(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
        return response.status == 200


def _start(argv: list[str], log: Path, stack: ExitStack) -> subprocess.Popen:
    """Start a long-running server whose lifetime is the ExitStack's (stopped when the harness exits)."""
    return start_server(argv, log, stack)


@contextmanager
def kube_cluster():  # pylint: disable=too-many-locals
    """Start etcd + kube-apiserver, install CRDs and RBAC; yield a KubeCluster; stop both."""
    bin_dir = testbin_dir()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kube-test-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        write_control_plane_certs(work)
        tokens = {identity: secrets.token_urlsafe(24) for identity in IDENTITIES}
        with open(work / "tokens.csv", "w", encoding="utf-8") as csv:
            for index, (identity, groups) in enumerate(IDENTITIES.items()):
                csv.write(f'{tokens[identity]},{identity},uid-{index},"{",".join(groups)}"\n')

        client_port, peer_port, secure_port = free_port(), free_port(), free_port()
        etcd_url = f"http://127.0.0.1:{client_port}"
        etcd = _start(
            [
                str(bin_dir / "etcd"),
                "--name",
                "default",
                "--data-dir",
                str(work / "etcd"),
                "--unsafe-no-fsync",
                "--listen-client-urls",
                etcd_url,
                "--advertise-client-urls",
                etcd_url,
                "--listen-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-advertise-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-cluster",
                f"default=http://127.0.0.1:{peer_port}",
                "--log-level",
                "warn",
            ],
            work / "etcd.log",
            stack,
        )
        wait_until(lambda: _http_ready(f"{etcd_url}/health"), 60, "etcd", etcd, work / "etcd.log")

        server = f"https://127.0.0.1:{secure_port}"
        apiserver = _start(
            [
                str(bin_dir / "kube-apiserver"),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={secure_port}",
                f"--cert-dir={work}",
                f"--tls-cert-file={work / 'apiserver.crt'}",
                f"--tls-private-key-file={work / 'apiserver.key'}",
                f"--client-ca-file={work / 'ca.crt'}",
                f"--token-auth-file={work / 'tokens.csv'}",
                "--authorization-mode=RBAC",
                f"--service-account-issuer={server}",
                f"--service-account-key-file={work / 'sa.key'}",
                f"--service-account-signing-key-file={work / 'sa.key'}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--disable-admission-plugins=ServiceAccount",
                "--enable-priority-and-fairness=false",
                "--v=0",
            ],
            work / "kube-apiserver.log",
            stack,
        )
        wait_until(
            lambda: _https_ready(f"{server}/readyz", work / "ca.crt", tokens["admin"]),
            90,
            "kube-apiserver",
            apiserver,
            work / "kube-apiserver.log",
        )

        cluster = KubeCluster(
            server=server, ca_file=work / "ca.crt", tokens=tokens, workdir=work, etcd_url=etcd_url
        )
        cluster.processes = {
            "etcd": (work / "etcd.log", etcd),
            "kube-apiserver": (work / "kube-apiserver.log", apiserver),
        }
        admin = cluster.api_client("admin")
        install_crds(admin)
        apply_manifests(admin, [RBAC_FILE])
        cluster.startup_seconds = time.monotonic() - started
        yield cluster


def install_crds(api: client.ApiClient, files=CRD_FILES, timeout: float = 60) -> None:
    """Create every CRD (create, not apply: Argo CD's Application CRD is over the 256 KB annotation limit)."""
    ext = client.ApiextensionsV1Api(api)
    names = []
    for path in files:
        if not path.exists():
            raise HarnessError(f"CRD file missing: {path} (the pinned CRDs live in vendor/crds)")
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                try:
                    ext.create_custom_resource_definition(doc)
                except ApiException as exc:
                    if exc.status != 409:
                        raise
                names.append(doc["metadata"]["name"])

    def established() -> bool:
        for name in names:
            status = ext.read_custom_resource_definition(name).status
            conditions = (status.conditions if status else None) or []
            if not any(c.type == "Established" and c.status == "True" for c in conditions):
                return False
        return True

    wait_until(established, timeout, f"CRDs Established ({len(names)})")


def apply_manifests(api: client.ApiClient, files) -> None:
    """Create the objects in the given YAML files through the dynamic client (server decides defaults)."""
    from kubernetes.dynamic import DynamicClient  # pylint: disable=import-outside-toplevel

    dynamic = DynamicClient(api)
    for path in files:
        for doc in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")):
            if not doc:
                continue
            resource = dynamic.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
            namespace = doc["metadata"].get("namespace")
            resource.create(body=doc, namespace=namespace)


def grant(cluster: KubeCluster, namespace: str, user: str, rules: list[client.V1PolicyRule]) -> str:
    """Give `user` exactly `rules` in `namespace` through a Role + RoleBinding; returns the Role's name."""
    rbac = client.RbacAuthorizationV1Api(cluster.api_client("admin"))
    name = f"grant-{user}-{secrets.token_hex(3)}"
    rbac.create_namespaced_role(
        namespace, client.V1Role(metadata=client.V1ObjectMeta(name=name), rules=rules)
    )
    rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name=name),
            role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=name),
            subjects=[client.RbacV1Subject(kind="User", name=user, api_group="rbac.authorization.k8s.io")],
        ),
    )
    return name


class CustomObjects:
    """Typed convenience over CustomObjectsApi for one group/version, as one identity (tests only)."""

    def __init__(
        self,
        cluster: KubeCluster,
        identity: str = "admin",
        group: str = KARGO_GROUP,
        version: str = KARGO_VERSION,
    ) -> None:
        self._api = client.CustomObjectsApi(cluster.api_client(identity))
        self._gv = (group, version)

    def create(self, namespace: str, plural: str, body: dict, **kwargs) -> dict:
        return _as_dict(
            self._api.create_namespaced_custom_object(*self._gv, namespace, plural, body, **kwargs)
        )

    def get(self, namespace: str, plural: str, name: str) -> dict:
        return _as_dict(self._api.get_namespaced_custom_object(*self._gv, namespace, plural, name))

    def list(self, namespace: str, plural: str, **kwargs) -> dict:
        return _as_dict(self._api.list_namespaced_custom_object(*self._gv, namespace, plural, **kwargs))

    def replace(self, namespace: str, plural: str, name: str, body: dict) -> dict:
        return _as_dict(self._api.replace_namespaced_custom_object(*self._gv, namespace, plural, name, body))

    def patch(self, namespace: str, plural: str, name: str, body: dict) -> dict:
        return _as_dict(self._api.patch_namespaced_custom_object(*self._gv, namespace, plural, name, body))

    def patch_status(self, namespace: str, plural: str, name: str, body: dict) -> dict:
        return _as_dict(
            self._api.patch_namespaced_custom_object_status(*self._gv, namespace, plural, name, body)
        )

    def delete(self, namespace: str, plural: str, name: str) -> dict:
        return _as_dict(self._api.delete_namespaced_custom_object(*self._gv, namespace, plural, name))

    @property
    def raw(self) -> client.CustomObjectsApi:
        """The underlying API, e.g. for watch.Watch().stream(raw.list_namespaced_custom_object, ...)."""
        return self._api


def as_json(model: object) -> dict:
    """A Kubernetes client model as the API's JSON (camelCase keys, unset fields left out): what kubectl
    shows, read in tests without narrowing every Optional field of the typed models."""
    return _as_dict(client.ApiClient().sanitize_for_serialization(model))


def _as_dict(value: object) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object from the apiserver, got {type(value).__name__}")
    return value


def error_message(exc: ApiException) -> str:
    """The message of the Status object the apiserver answered with."""
    try:
        return str(json.loads(exc.body or "{}").get("message", ""))
    except ValueError:
        return str(exc.body)
