"""The Helm charts: lint, schema-checked values, and rendered objects that match the apps' contracts."""

from __future__ import annotations

import json

import pytest

from tests.delivery.helpers import (
    CHARTS,
    KUBE_VERSION,
    REPO_ROOT,
    by_kind,
    container,
    env_map,
    helm_template,
    one,
    run,
    run_ok,
)

# The first test may build helm from the Go module proxy (minutes on a cold cache).
pytestmark = pytest.mark.timeout(1200)

# The apps' real endpoints and ports (userapp backend, nginx front end, promotion board).
CONTRACTS = {
    "backend": {"port": 8000, "liveness": "/healthz", "readiness": "/readyz", "uid": 10001},
    "frontend": {"port": 8080, "liveness": "/healthz", "readiness": "/healthz", "uid": 101},
    "dashboard": {"port": 8080, "liveness": "/healthz", "readiness": "/readyz", "uid": 10001},
}


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_helm_lint(helm: str, chart: str) -> None:
    out = run_ok([helm, "lint", "--strict", str(REPO_ROOT / "helm" / chart), "--kube-version", KUBE_VERSION])
    assert "0 chart(s) failed" in out


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_values_schema_is_strict_json_schema(chart: str) -> None:
    schema = json.loads((REPO_ROOT / "helm" / chart / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False, "unknown top-level values must be rejected"


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_default_values_render(helm: str, chart: str) -> None:
    objects = helm_template(helm, chart, namespace="promotion-board" if chart == "dashboard" else None)
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "ServiceAccount"} <= kinds


BAD_VALUES = [
    ("backend", ["--set", "image.tag=latest"], "/image/tag"),
    ("backend", ["--set", "app.env=qa"], "/app/env"),
    ("backend", ["--set", "replicaCount=-1"], "/replicaCount"),
    ("backend", ["--set", "databaseUrl=postgresql://u:p@h/db"], "databaseUrl"),
    ("backend", ["--set", "extraEnv[0].name=DATABASE_URL,extraEnv[0].value=x"], "/extraEnv/0/name"),
    ("backend", ["--set", "probes.readiness.path=readyz"], "/probes/readiness/path"),
    ("frontend", ["--set", "image.tag=ABCDEF12"], "/image/tag"),
    ("frontend", ["--set", "backendUpstream=http://userapp-backend"], "/backendUpstream"),
    ("frontend", ["--set", "ingress.host=Not_A_Host"], "/ingress/host"),
    ("dashboard", ["--set", "kargo.project=Bad_Name"], "/kargo/project"),
    ("dashboard", ["--set", "publicUrl=board.example"], "/publicUrl"),
    ("dashboard", ["--set", "secrets.name="], "/secrets/name"),
]


@pytest.mark.parametrize(("chart", "args", "where"), BAD_VALUES, ids=[f"{c}:{w}" for c, _, w in BAD_VALUES])
def test_bad_values_fail_with_a_schema_error(helm: str, chart: str, args: list[str], where: str) -> None:
    result = run(
        [
            helm,
            "template",
            CHARTS[chart],
            str(REPO_ROOT / "helm" / chart),
            "--kube-version",
            KUBE_VERSION,
            *args,
        ]
    )
    assert result.returncode != 0, f"helm accepted bad values {args}"
    assert "values don't meet the specifications of the schema" in result.stderr, result.stderr
    assert where in result.stderr, result.stderr


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_probes_ports_and_hardening_match_the_contract(helm: str, chart: str) -> None:
    contract = CONTRACTS[chart]
    objects = helm_template(helm, chart, namespace="promotion-board" if chart == "dashboard" else None)
    deployment = one(objects, "Deployment")
    c = container(deployment)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": contract["port"]}
    assert c["livenessProbe"]["httpGet"] == {"path": contract["liveness"], "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": contract["readiness"], "port": "http"}
    security = c["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == contract["uid"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert any(m["mountPath"] == "/tmp" for m in c["volumeMounts"]), "read-only root needs a /tmp emptyDir"
    assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
    service = one(objects, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_backend_credentials_come_from_an_existing_secret(helm: str) -> None:
    objects = helm_template(helm, "backend")
    for workload in [one(objects, "Deployment"), one(objects, "Job")]:
        env = env_map(container(workload))
        for name in ("DATABASE_URL", "JWT_SECRET", "FIRST_ADMIN_EMAIL", "FIRST_ADMIN_PASSWORD"):
            assert "secretKeyRef" in env[name], f"{name} must come from a Secret"
        assert env["APP_ENV"] == "dev"
        assert "LOG_LEVEL" in env
    assert not by_kind(objects, "Secret"), "the chart must never create a Secret from values"


def test_backend_migrations_run_once_per_release_for_helm_and_argocd(helm: str) -> None:
    objects = helm_template(helm, "backend")
    job = one(objects, "Job", "userapp-backend-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["argocd.argoproj.io/hook"] == "PreSync"
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    c = container(job)
    assert c["command"] == ["user-service", "migrate"]
    assert c["image"] == container(one(objects, "Deployment"))["image"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    disabled = helm_template(helm, "backend", "--set", "migrations.enabled=false")
    assert not by_kind(disabled, "Job")


def test_frontend_proxies_to_the_backend_service(helm: str) -> None:
    objects = helm_template(helm, "frontend")
    env = env_map(container(one(objects, "Deployment")))
    backend_service = one(helm_template(helm, "backend"), "Service")
    expected = f"{backend_service['metadata']['name']}:{backend_service['spec']['ports'][0]['port']}"
    assert env["BACKEND_UPSTREAM"] == expected


def test_dashboard_settings_and_secrets(helm: str) -> None:
    objects = helm_template(helm, "dashboard", namespace="promotion-board")
    deployment = one(objects, "Deployment")
    env = env_map(container(deployment))
    assert env["DASHBOARD_SOURCE"] == "kubernetes"
    assert env["KARGO_PROJECT"] == "userapp"
    assert env["ARGOCD_NAMESPACE"] == "argocd"
    assert env["DASHBOARD_PUBLIC_URL"].startswith("http")
    assert "secretKeyRef" in env["DASHBOARD_SECRET_KEY"]
    assert "secretKeyRef" in env["AUDIT_DATABASE_URL"]
    users = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "users")
    assert users["secret"]["items"] == [{"key": "users.yaml", "path": "users.yaml"}]
    mount = next(m for m in container(deployment)["volumeMounts"] if m["name"] == "users")
    assert env["DASHBOARD_USERS_FILE"] == f"{mount['mountPath']}/users.yaml"
    assert mount["readOnly"] is True
    assert not by_kind(objects, "Secret")


@pytest.mark.parametrize("chart", ["backend", "frontend", "dashboard"])
def test_ingress_is_optional_and_takes_the_host(helm: str, chart: str) -> None:
    ns = ["--namespace", "promotion-board"] if chart == "dashboard" else []
    off = helm_template(helm, chart, *ns, "--set", "ingress.enabled=false")
    assert not by_kind(off, "Ingress")
    on = helm_template(
        helm, chart, *ns, "--set", "ingress.enabled=true", "--set", "ingress.host=x.127.0.0.1.nip.io"
    )
    assert one(on, "Ingress")["spec"]["rules"][0]["host"] == "x.127.0.0.1.nip.io"


def test_dashboard_runs_two_replicas_with_a_disruption_budget_and_trusted_proxies(helm: str) -> None:
    objects = helm_template(helm, "dashboard", namespace="promotion-board")
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    budget = one(objects, "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    env = env_map(container(deployment))
    assert env["DASHBOARD_TRUSTED_PROXIES"] == "10.244.0.0/16"
    assert env["DASHBOARD_AUDIENCE_PEOPLE"] == "roles"
    single = helm_template(helm, "dashboard", "--namespace", "promotion-board", "--set", "replicaCount=1")
    assert not by_kind(single, "PodDisruptionBudget")  # a budget of 1 on 1 replica would block every drain
