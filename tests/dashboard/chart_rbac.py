"""The dashboard chart's own RBAC, bound to a test identity: the kube tests run the board with exactly the
rights helm/dashboard grants its ServiceAccount (rendered by the repo's pinned helm)."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import yaml
from kubernetes import client
from kubernetes.dynamic import DynamicClient

from tests.harness.kube import KubeCluster

REPO = Path(__file__).resolve().parents[2]


@cache
def helm_binary() -> str:
    result = subprocess.run(
        [str(REPO / "scripts/install-tools.sh"), "helm"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/install-tools.sh helm failed (run `make tools`):\n{result.stderr[-3000:]}"
        )
    return result.stdout.strip().splitlines()[-1]


def chart_roles(namespace: str, *values: str) -> list[dict]:
    """The chart's Roles (and ClusterRoles) for a project and Argo CD namespace both equal to `namespace`."""
    args = [
        helm_binary(),
        "template",
        "board",
        str(REPO / "helm/dashboard"),
        "--kube-version",
        "1.36.0",
        "--namespace",
        "promotion-board",
        "--set",
        f"kargo.project={namespace}",
        "--set",
        f"argocd.namespace={namespace}",
        "--show-only",
        "templates/rbac.yaml",
    ]
    for value in values:
        args += ["--set", value]
    rendered = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc and doc["kind"] in ("Role", "ClusterRole")]


def bind_chart_rbac(
    kube: KubeCluster, namespace: str, user: str, *values: str, argocd_namespace: str | None = None
) -> list[dict]:
    """Create the chart's Roles in `namespace` and bind them to `user` (instead of the ServiceAccount).
    With `argocd_namespace`, the Argo CD Roles go there, as in a cluster where Argo CD has its own."""
    admin = kube.api_client("admin")
    dynamic = DynamicClient(admin)
    rbac = client.RbacAuthorizationV1Api(admin)
    if argocd_namespace is not None:
        values = (*values, f"argocd.namespace={argocd_namespace}")
    roles = chart_roles(namespace, *values)
    for role in roles:
        name = f"{role['metadata']['name']}-{namespace}"
        target = role["metadata"].get("namespace") if argocd_namespace is not None else namespace
        role["metadata"] = {"name": name, **({"namespace": target} if role["kind"] == "Role" else {})}
        dynamic.resources.get(api_version=role["apiVersion"], kind=role["kind"]).create(
            body=role, namespace=role["metadata"].get("namespace")
        )
        subject = client.RbacV1Subject(kind="User", name=user, api_group="rbac.authorization.k8s.io")
        ref = client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind=role["kind"], name=name)
        if role["kind"] == "Role":
            rbac.create_namespaced_role_binding(
                role["metadata"]["namespace"],
                client.V1RoleBinding(
                    metadata=client.V1ObjectMeta(name=name), role_ref=ref, subjects=[subject]
                ),
            )
        else:
            rbac.create_cluster_role_binding(
                client.V1ClusterRoleBinding(
                    metadata=client.V1ObjectMeta(name=name), role_ref=ref, subjects=[subject]
                )
            )
    return roles
