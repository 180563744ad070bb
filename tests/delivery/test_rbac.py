"""The promotion board's RBAC grants exactly what its actions need: widening it must fail this test."""

from __future__ import annotations

import pytest

from tests.delivery.helpers import REPO_ROOT, by_kind, helm_template, load_yaml_file

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


ADMIN_ONLY = {
    ("userapp", K, "promotions", "patch"),
    ("userapp", K, "freights/status", "patch"),
    ("userapp", K, "warehouses", "patch"),
}


def granted(objects: list[dict], *, restricted: bool = False) -> set[tuple[str, str, str, str]]:
    grants = set()
    for role in by_kind(objects, "Role"):
        namespace = role["metadata"]["namespace"]
        for rule in role["rules"]:
            assert "nonResourceURLs" not in rule
            assert restricted or "resourceNames" not in rule
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


def test_admin_actions_off_removes_every_patch_right(helm: str) -> None:
    objects = helm_template(
        helm, "dashboard", "--set", "access.adminActions=false", namespace="promotion-board"
    )
    assert granted(objects) == EXPECTED - ADMIN_ONLY
    env = {
        e["name"]: e.get("value")
        for e in by_kind(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["DASHBOARD_ENABLE_ADMIN_ACTIONS"] == "false"


def test_promote_can_be_limited_to_named_stages(helm: str) -> None:
    objects = helm_template(
        helm, "dashboard", "--set", "access.promoteStages={stg,prod}", namespace="promotion-board"
    )
    assert granted(objects, restricted=True) == EXPECTED
    limited = [rule for role in by_kind(objects, "Role") for rule in role["rules"] if "resourceNames" in rule]
    assert limited == [
        {"apiGroups": [K], "resources": ["stages"], "resourceNames": ["stg", "prod"], "verbs": ["promote"]}
    ]


def test_impersonation_is_off_by_default_and_limited_to_named_users(helm: str) -> None:
    objects = helm_template(
        helm,
        "dashboard",
        "--set",
        "access.impersonation.enabled=true",
        "--set",
        "access.impersonation.users={ana,bob}",
        namespace="promotion-board",
    )
    (cluster_role,) = by_kind(objects, "ClusterRole")
    assert cluster_role["rules"] == [
        {"apiGroups": [""], "resources": ["users"], "resourceNames": ["ana", "bob"], "verbs": ["impersonate"]}
    ]
    (binding,) = by_kind(objects, "ClusterRoleBinding")
    assert binding["subjects"][0]["kind"] == "ServiceAccount"


def test_the_test_harness_grants_exactly_the_charts_rules(helm: str) -> None:
    """tests/harness/rbac.yaml (the "dashboard" identity of the kube tests) must not drift from the chart."""
    harness = next(
        d for d in load_yaml_file(REPO_ROOT / "tests/harness/rbac.yaml") if d["kind"] == "ClusterRole"
    )
    harness_rules = {
        (group, resource, verb)
        for rule in harness["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    chart_rules = {
        grant[1:] for grant in granted(helm_template(helm, "dashboard", namespace="promotion-board"))
    }
    assert harness_rules == chart_rules
