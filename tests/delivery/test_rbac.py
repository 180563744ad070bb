"""The promotion board's RBAC grants exactly what its actions need: widening it must fail this test."""

from __future__ import annotations

import pytest

from tests.delivery.helpers import by_kind, helm_template

pytestmark = pytest.mark.timeout(1200)

K = "kargo.akuity.io"
EXPECTED = {
    ("userapp", K, "stages", "get"),
    ("userapp", K, "stages", "list"),
    ("userapp", K, "stages", "watch"),
    ("userapp", K, "stages", "promote"),
    ("userapp", K, "freights", "get"),
    ("userapp", K, "freights", "list"),
    ("userapp", K, "freights", "watch"),
    ("userapp", K, "freights/status", "patch"),
    ("userapp", K, "promotions", "get"),
    ("userapp", K, "promotions", "list"),
    ("userapp", K, "promotions", "watch"),
    ("userapp", K, "promotions", "create"),
    ("userapp", K, "promotions", "patch"),
    ("userapp", K, "warehouses", "get"),
    ("userapp", K, "warehouses", "list"),
    ("userapp", K, "warehouses", "watch"),
    ("userapp", K, "warehouses", "patch"),
    ("argocd", "argoproj.io", "applications", "get"),
    ("argocd", "argoproj.io", "applications", "list"),
    ("argocd", "argoproj.io", "applications", "watch"),
}


def granted(objects: list[dict]) -> set[tuple[str, str, str, str]]:
    grants = set()
    for role in by_kind(objects, "Role"):
        namespace = role["metadata"]["namespace"]
        for rule in role["rules"]:
            assert "resourceNames" not in rule and "nonResourceURLs" not in rule
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    for verb in rule["verbs"]:
                        grants.add((namespace, group, resource, verb))
    return grants


def test_dashboard_rbac_is_exactly_least_privilege(helm: str) -> None:
    objects = helm_template(helm, "dashboard", namespace="promotion-board")
    assert granted(objects) == EXPECTED
    assert not by_kind(objects, "ClusterRole") and not by_kind(objects, "ClusterRoleBinding")


def test_dashboard_rbac_follows_the_configured_namespaces(helm: str) -> None:
    objects = helm_template(
        helm,
        "dashboard",
        "--set",
        "kargo.project=shop",
        "--set",
        "argocd.namespace=gitops",
        namespace="board",
    )
    expected = {
        ("shop" if ns == "userapp" else "gitops", group, resource, verb)
        for ns, group, resource, verb in EXPECTED
    }
    assert granted(objects) == expected


def test_bindings_bind_only_the_dashboard_service_account(helm: str) -> None:
    objects = helm_template(helm, "dashboard", namespace="promotion-board")
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in by_kind(objects, "Role")}
    bindings = by_kind(objects, "RoleBinding")
    assert len(bindings) == len(roles) == 2
    service_account = by_kind(objects, "ServiceAccount")[0]["metadata"]["name"]
    for binding in bindings:
        assert binding["roleRef"]["kind"] == "Role"
        assert (binding["metadata"]["namespace"], binding["roleRef"]["name"]) in roles
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": service_account, "namespace": "promotion-board"}
        ]
