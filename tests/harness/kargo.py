"""The real Kargo v1.11.2 control plane next to the harness's kube-apiserver.

Three processes of the one binary scripts/build-kargo.sh builds: `kubernetes-webhooks-server`,
`management-controller` and `controller`. Everything they are told comes from Kargo's own Helm chart (its
source tree sits beside the binary): the chart is rendered with the pinned helm, its Namespaces,
ServiceAccounts and RBAC are created as they are, each component's ConfigMap becomes its environment, and its
Mutating/ValidatingWebhookConfigurations are registered as they are except for `clientConfig`: the apiserver
calls the webhooks server at https://127.0.0.1:<port><path>, trusting the harness's CA, instead of a Service.
Each component authenticates as its ServiceAccount (a TokenRequest token): the chart's RBAC is what it gets.

Only what needs a container is left out: the Deployments, the Service, cert-manager's Certificate/Issuer.
controller-runtime's webhook server binds every interface (Kargo does not expose its host setting); its port
is random and it only answers TLS with the harness's certificate.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from dashboard.vocabulary import KARGO_API
from tests.harness.certs import issue_server_cert
from tests.harness.kube import CustomObjects, KubeCluster, apply_manifests, error_message
from tests.harness.processes import HarnessError, free_port, start_server, tail, wait_until

REPO = Path(__file__).resolve().parents[2]
KARGO_VERSION = "v1.11.2"
NAMESPACE = "kargo"
ARGOCD_NAMESPACE = "argocd"
CHART_VALUES = (
    "crds.install=false",  # the harness installs the pinned CRDs from vendor/crds
    "api.enabled=false",  # the board talks to the Kubernetes API, never to Kargo's API server
    "externalWebhooksServer.enabled=false",
    "garbageCollector.enabled=false",
    # The test Git server speaks plain HTTP on 127.0.0.1 (see tests/harness/git_server.py).
    "controller.allowCredentialsOverHTTP=true",
)
# What the chart renders that needs a container runtime or cert-manager: not created here.
SKIPPED_KINDS = {"Deployment", "Service", "Certificate", "Issuer", "ConfigMap"}
WEBHOOK_KINDS = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
# What the chart renders for the API server that a process outside a cluster uses (not its Deployment,
# Service, Ingress or certificates).
API_KINDS = {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
COMPONENTS = {  # sub-command -> ServiceAccount / ConfigMap name in the chart
    "kubernetes-webhooks-server": "kargo-webhooks-server",
    "management-controller": "kargo-management-controller",
    "controller": "kargo-controller",
}


@dataclass
class KargoControlPlane:
    cluster: KubeCluster
    workdir: Path
    logs: dict[str, Path] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    startup_seconds: float = 0.0

    def log_tail(self, component: str, lines: int = 40) -> str:
        return tail(self.logs.get(component), lines)

    def check_running(self) -> None:
        """Raise HarnessError naming the component that exited, with its last log lines."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise HarnessError(f"Kargo {name} exited with code {proc.returncode}\n{self.log_tail(name)}")

    def diagnostics(self) -> str:
        """The last lines of every component's log, for a failing test's message."""
        return "\n".join(f"--- kargo {name} ---\n{self.log_tail(name, 25)}" for name in self.logs)


def _script_output(argv: list[str], what: str) -> list[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=1800, check=False)  # noqa: S603
    if result.returncode != 0:
        raise HarnessError(f"{what} failed (run `make setup-kargo`):\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()


def kargo_binary() -> Path:
    """The binary scripts/build-kargo.sh built (or builds now), with its source tree (and chart) beside it."""
    for line in _script_output([str(REPO / "scripts/build-kargo.sh")], "scripts/build-kargo.sh"):
        if line.startswith("kargo="):
            return Path(line.removeprefix("kargo="))
    raise HarnessError("scripts/build-kargo.sh did not name the kargo binary")


def render_chart(kargo_bin: Path, values: tuple[str, ...] = CHART_VALUES) -> list[dict]:
    """Kargo's own chart (from the source tree the binary was built from), rendered with the pinned helm and
    `values` (`--set` assignments)."""
    chart = kargo_bin.parent.parent / "src" / "charts" / "kargo"
    if not (chart / "Chart.yaml").exists():
        raise HarnessError(f"Kargo's chart is missing at {chart} (run `make setup-kargo`)")
    helm = _script_output([str(REPO / "scripts/install-tools.sh"), "helm"], "scripts/install-tools.sh helm")[
        -1
    ]
    args = [helm, "template", "kargo", str(chart), "--namespace", NAMESPACE, "--kube-version", "v1.36.3"]
    for value in values:
        args += ["--set", value]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    if result.returncode != 0:
        raise HarnessError(f"helm template of Kargo's chart failed:\n{result.stderr[-3000:]}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def component_env(docs: list[dict], component: str) -> dict[str, str]:
    """The chart's ConfigMap for a component: its whole configuration, as environment variables."""
    name = COMPONENTS[component]
    for doc in docs:
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == name:
            return {key: str(value) for key, value in (doc.get("data") or {}).items()}
    raise HarnessError(f"Kargo's chart rendered no ConfigMap {name}")


def webhook_configurations(docs: list[dict], port: int, ca_file: Path) -> list[dict]:
    """The chart's webhook configurations, pointed at https://127.0.0.1:<port> and the harness's CA."""
    ca_bundle = base64.b64encode(ca_file.read_bytes()).decode()
    out = []
    for doc in docs:
        if doc["kind"] not in WEBHOOK_KINDS:
            continue
        doc["metadata"].pop("annotations", None)  # cert-manager's CA injection: the bundle is set here
        for hook in doc["webhooks"]:
            path = hook["clientConfig"]["service"]["path"]
            hook["clientConfig"] = {"url": f"https://127.0.0.1:{port}{path}", "caBundle": ca_bundle}
        out.append(doc)
    if len(out) != 2:
        raise HarnessError(f"expected Kargo's chart to register 2 webhook configurations, got {len(out)}")
    return out


def service_account_kubeconfig(
    cluster: KubeCluster, name: str, path: Path, namespace: str = NAMESPACE
) -> Path:
    """A kubeconfig for ServiceAccount <namespace>/<name>, with a TokenRequest token valid for two days."""
    core = client.CoreV1Api(cluster.api_client("admin"))
    answer = core.create_namespaced_service_account_token(
        name,
        namespace,
        client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=2 * 24 * 3600)
        ),
    )
    if answer.status is None or not answer.status.token:
        raise HarnessError(f"the apiserver issued no token for ServiceAccount {namespace}/{name}")
    token = answer.status.token
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "harness",
                        "cluster": {"server": cluster.server, "certificate-authority": str(cluster.ca_file)},
                    }
                ],
                "users": [{"name": name, "user": {"token": token}}],
                "contexts": [{"name": name, "context": {"cluster": "harness", "user": name}}],
                "current-context": name,
            }
        )
    )
    path.chmod(0o600)
    return path


def _webhooks_answer(cluster: KubeCluster) -> bool:
    """True once the apiserver reaches Kargo's validating webhook (it refuses a ClusterConfig named probe)."""
    api = client.CustomObjectsApi(cluster.api_client("admin"))
    body = {"apiVersion": "kargo.akuity.io/v1alpha1", "kind": "ClusterConfig", "metadata": {"name": "probe"}}
    try:
        api.create_cluster_custom_object("kargo.akuity.io", "v1alpha1", "clusterconfigs", body, dry_run="All")
    except ApiException as exc:
        if 'must be "cluster"' in error_message(exc):
            return True
        raise HarnessError(f"Kargo's webhook is not answering yet: {error_message(exc)}") from exc
    return False


def _serves_tls(port: int, ca_file: Path) -> bool:
    """True once 127.0.0.1:<port> completes a TLS handshake with a certificate the harness CA signed."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1"),
    ):
        return True


def _unregister_webhooks(cluster: KubeCluster) -> None:
    admission = client.AdmissionregistrationV1Api(cluster.api_client("admin"))
    for delete in (
        admission.delete_mutating_webhook_configuration,
        admission.delete_validating_webhook_configuration,
    ):
        try:
            delete("kargo")
        except ApiException as exc:
            if exc.status != 404:
                raise


def _heartbeat(cluster: KubeCluster) -> bool:
    """True once the controller's manager runs: it renews its heartbeat Lease in the kargo namespace."""
    leases = client.CoordinationV1Api(cluster.api_client("admin")).list_namespaced_lease(NAMESPACE).items
    return any(lease.spec is not None and lease.spec.renew_time is not None for lease in leases)


def _ensure_namespace(cluster: KubeCluster, name: str) -> None:
    core = client.CoreV1Api(cluster.api_client("admin"))
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    except ApiException as exc:
        if exc.status != 409:
            raise


@contextmanager
def kargo_control_plane(  # pylint: disable=too-many-locals
    cluster: KubeCluster, timeout: float = 120, binary: Path | None = None, webhooks_only: bool = False
):
    """Install Kargo's chart objects, start its three components; yield a KargoControlPlane; stop them.
    `binary` replaces the built kargo binary (the harness's own tests start a broken one); `webhooks_only`
    starts the kubernetes-webhooks-server alone (Kargo's admission, no controller acting on objects)."""
    started = time.monotonic()
    built = kargo_binary()
    kargo_bin = binary or built
    if not kargo_bin.exists():
        raise HarnessError(f"{kargo_bin} does not exist (run `make setup-kargo`)")
    if shutil.which("git") is None:
        raise HarnessError("git is not installed: Kargo's git steps run it (`make setup-system`)")
    docs = render_chart(built)
    with tempfile.TemporaryDirectory(prefix="kargo-test-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        plane = KargoControlPlane(cluster=cluster, workdir=work)
        _ensure_namespace(cluster, NAMESPACE)
        _ensure_namespace(cluster, ARGOCD_NAMESPACE)
        objects = work / "chart-objects.yaml"
        chart_objects = [d for d in docs if d["kind"] not in SKIPPED_KINDS | WEBHOOK_KINDS]
        chart_objects.sort(key=lambda d: d["kind"] != "Namespace")  # namespaces first
        objects.write_text(yaml.safe_dump_all(chart_objects))
        apply_manifests(cluster.api_client("admin"), [objects])

        def start(component: str, extra_env: dict[str, str]) -> subprocess.Popen:
            home = work / component
            (home / "tmp").mkdir(parents=True, exist_ok=True)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(home),
                "TMPDIR": str(home / "tmp"),
                **component_env(docs, component),
                "KUBECONFIG": str(
                    service_account_kubeconfig(cluster, COMPONENTS[component], home / "kubeconfig.yaml")
                ),
                **extra_env,
            }
            plane.logs[component] = work / f"{component}.log"
            proc = start_server([str(kargo_bin), component], plane.logs[component], stack, env=env, cwd=home)
            plane.procs[component] = proc
            return proc

        # 1. The webhooks server, serving the harness CA's certificate from controller-runtime's default
        #    directory ($TMPDIR/k8s-webhook-server/serving-certs), then the chart's webhook configurations.
        port = free_port()
        certs = work / "kubernetes-webhooks-server" / "tmp" / "k8s-webhook-server" / "serving-certs"
        certs.mkdir(parents=True)
        issue_server_cert(
            cluster.ca_file.parent, certs / "tls.crt", certs / "tls.key", "kargo-webhooks-server"
        )
        webhooks = start(
            "kubernetes-webhooks-server",
            {"WEBHOOK_SERVER_PORT": str(port), "METRICS_BIND_ADDRESS": "0"},
        )
        wait_until(
            lambda: _serves_tls(port, cluster.ca_file),
            timeout,
            f"Kargo kubernetes-webhooks-server (TLS on port {port} with the harness CA's certificate)",
            webhooks,
            plane.logs["kubernetes-webhooks-server"],
        )
        hooks_file = work / "webhook-configurations.yaml"
        hooks_file.write_text(yaml.safe_dump_all(webhook_configurations(docs, port, cluster.ca_file)))
        # Registered with failurePolicy Fail: unregistered on the way out, so the cluster never keeps
        # calling a webhooks server that is gone.
        stack.callback(_unregister_webhooks, cluster)
        apply_manifests(cluster.api_client("admin"), [hooks_file])
        wait_until(
            lambda: _webhooks_answer(cluster),
            timeout,
            f"Kargo kubernetes-webhooks-server on port {port} (called by the apiserver)",
            webhooks,
            plane.logs["kubernetes-webhooks-server"],
        )

        if not webhooks_only:
            # 2. The management controller (Project namespaces, their RoleBindings for the controller).
            start("management-controller", {})

            # 3. The controller. It trusts the harness CA (the test registry's TLS) and, as in the chart, uses
            #    the same identity for Argo CD's Applications (ARGOCD_KUBECONFIG: no in-cluster config here).
            controller_home = work / "controller"
            controller_home.mkdir(exist_ok=True)
            controller = start(
                "controller",
                {
                    "ARGOCD_KUBECONFIG": str(
                        service_account_kubeconfig(
                            cluster, "kargo-controller", controller_home / "argocd-kubeconfig.yaml"
                        )
                    ),
                    "SSL_CERT_FILE": str(cluster.ca_file),
                },
            )
            wait_until(
                lambda: _heartbeat(cluster),
                timeout,
                "Kargo controller (heartbeat Lease in namespace kargo)",
                controller,
                plane.logs["controller"],
            )
        plane.check_running()
        plane.startup_seconds = time.monotonic() - started
        yield plane


def create_warehouse(objects: CustomObjects, namespace: str, body: dict, timeout: float = 30.0) -> dict:
    """Create a Warehouse and return once Kargo's admission webhook sees it.

    The webhook checks a new Freight's Warehouse in its informer cache, which lags the apiserver: a Freight
    created right after its Warehouse was refused with "warehouse does not exist" in CI under load."""
    created = objects.create(namespace, "warehouses", body)
    name = created["metadata"]["name"]
    wait_until(
        lambda: webhook_sees_warehouse(objects, namespace, name),
        timeout,
        f"Kargo's admission webhook to see Warehouse {namespace}/{name}",
    )
    return created


def webhook_sees_warehouse(objects: CustomObjects, namespace: str, name: str) -> bool:
    """Whether Kargo's admission finds Warehouse `name`, asked with a dry-run Freight of it (Kargo's webhooks
    have no side effects on dry runs). The probe's image is in no subscription, so a webhook that finds the
    Warehouse still refuses it (422), for that reason; any answer but a 422 is an error."""
    probe = {
        "apiVersion": KARGO_API,
        "kind": "Freight",
        "metadata": {"name": "warehouse-probe", "namespace": namespace},
        "origin": {"kind": "Warehouse", "name": name},
        "images": [{"repoURL": "probe.invalid/warehouse-probe", "tag": "probe"}],
    }
    try:
        objects.create(namespace, "freights", probe, dry_run="All")
    except ApiException as exc:
        if exc.status != 422:
            raise
        return "warehouse does not exist" not in (exc.body or "")
    return True


def wait_admitted(
    objects: CustomObjects, namespace: str, plural: str, body: dict, timeout: float = 15.0
) -> None:
    """Return once Kargo's admission admits `body` (asked with dry runs, which create nothing).

    For a test that has just written what Kargo's webhooks check (a Freight, its verification) and then
    creates an object they judge: the webhooks read an informer cache that lags the apiserver, so the
    answer right after the write can be the stale one. The last refusal is in the error at the deadline."""
    last: list[str] = []

    def admitted() -> bool:
        try:
            objects.create(namespace, plural, body, dry_run="All")
        except ApiException as exc:
            last[:] = [error_message(exc)]
            return False
        return True

    try:
        wait_until(admitted, timeout, f"Kargo's admission to admit a {plural} object in {namespace}")
    except HarnessError as exc:
        raise HarnessError(f"{exc} (last refusal: {last[0] if last else 'none'})") from exc


def bcrypt_hash(password: str) -> str:
    """The admin account's password hash, bcrypt as the chart asks (libxcrypt's $2b$, which Go reads)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # pylint: disable=import-outside-toplevel,deprecated-module

    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024))


def api_chart(kargo: Path, password: str) -> tuple[dict[str, str], list[dict]]:
    """Kargo's chart with its API server enabled (TLS off, the admin account with `password`): the server's
    environment (its ConfigMap and Secret) and the objects it needs (namespaces, ServiceAccount, RBAC)."""
    values = tuple(v for v in CHART_VALUES if not v.startswith("api.")) + (
        "api.enabled=true",
        "api.tls.enabled=false",
        f"api.adminAccount.passwordHash={bcrypt_hash(password)}",
        f"api.adminAccount.tokenSigningKey={secrets.token_urlsafe(32)}",
    )
    docs = render_chart(kargo, values)
    env: dict[str, str] = {}
    for doc in docs:
        if doc["kind"] in ("ConfigMap", "Secret") and doc["metadata"]["name"] == "kargo-api":
            env.update(
                (key, str(value)) for key, value in (doc.get("data") or doc.get("stringData") or {}).items()
            )
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}] + [
        doc
        for doc in docs
        if doc["kind"] in API_KINDS and (doc["kind"] == "Namespace" or doc["metadata"]["name"] == "kargo-api")
    ]
    objects.sort(key=lambda doc: doc["kind"] != "Namespace")
    return env, objects


@dataclass
class KargoAPI:
    """A running `kargo api`: its base URL, process and log."""

    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def kargo_api_server(  # pylint: disable=too-many-locals
    cluster: KubeCluster, password: str, binary: Path | None = None, workdir: Path | None = None
) -> Iterator[KargoAPI]:
    """`kargo api` as Kargo's chart configures it (api enabled, TLS off: plain HTTP on 127.0.0.1), running as
    the chart's kargo-api ServiceAccount with the chart's RBAC, the admin account's password `password`.
    `binary`: another build of kargo (the lab's, with the real UI; its source tree and chart beside it);
    `workdir`: where its log stays (default: a temporary folder)."""
    kargo = binary or kargo_binary()
    chart_env, objects = api_chart(kargo, password)
    with ExitStack() as stack:
        if workdir is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kargo-api-")))
        else:
            work = workdir
            work.mkdir(parents=True, exist_ok=True)
        # The namespaces may exist already (a lab's Kargo control plane made them).
        for doc in objects:
            if doc["kind"] == "Namespace":
                _ensure_namespace(cluster, doc["metadata"]["name"])
        (work / "objects.yaml").write_text(
            yaml.safe_dump_all([d for d in objects if d["kind"] != "Namespace"])
        )
        apply_manifests(cluster.api_client("admin"), [work / "objects.yaml"])
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            **chart_env,
            "KUBECONFIG": str(service_account_kubeconfig(cluster, "kargo-api", work / "kubeconfig.yaml")),
            "BIND_ADDRESS": "127.0.0.1",
            "PORT": str(port),
        }
        log = work / "api.log"
        process = start_server([str(kargo), "api"], log, stack, env=env, cwd=work)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base), 60, f"Kargo API server on port {port} (/healthz)", process, log)
        try:
            yield KargoAPI(url=base, process=process, log=log)
        except Exception as exc:
            raise HarnessError(f"{exc}\n--- kargo api ---\n{tail(log, 25)}") from exc


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - local server
            return response.status == 200
    except OSError:
        return False
