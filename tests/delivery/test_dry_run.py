"""Server-side dry run: the real kube-apiserver (with the real Kargo, Argo CD and Argo Rollouts CRDs) accepts
every object we ship, in the namespace it names: each rendered overlay's objects and every gitops/ object.

This replaces a client-side copy of the CRD schemas: the server applies the structural schemas, the CEL rules,
built-in kinds' validation and admission (Kargo's own webhooks included, as in a cluster running Kargo), and
refuses unknown fields (strict field validation).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.delivery.helpers import (
    KARGO_PROJECT,
    REPO_ROOT,
    STAGES,
    load_yaml_file,
    one,
    rendered_overlay,
)
from tests.harness.dry_run import DryRunError, dry_run_create, ensure_namespace
from tests.harness.kube import KubeCluster

pytestmark = [pytest.mark.kube, pytest.mark.timeout(1200)]


def object_id(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def overlay_objects() -> list[Any]:
    """One parameter per object of every rendered overlay (kustomize runs at collection)."""
    return [
        pytest.param(obj, id=f"overlay-{stage}:{object_id(obj)}")
        for stage in STAGES
        for obj in rendered_overlay(stage)
    ]


def gitops_files() -> list[Path]:
    return sorted((REPO_ROOT / "gitops").rglob("*.yaml"))


def gitops_objects() -> list[Any]:
    """One parameter per gitops/ object, credentials.example.yaml included (its Secrets are valid objects)."""
    return [
        pytest.param(obj, id=f"{path.relative_to(REPO_ROOT / 'gitops')}:{object_id(obj)}")
        for path in gitops_files()
        for obj in load_yaml_file(path)
    ]


OVERLAY_OBJECTS = overlay_objects()
GITOPS_OBJECTS = gitops_objects()


@pytest.fixture(scope="module")
def cluster(kube: KubeCluster) -> KubeCluster:
    """The session's apiserver with the namespaces our objects name, created for real (a cluster has them)."""
    ensure_namespace(kube, KARGO_PROJECT, {"kargo.akuity.io/project": "true"})  # Kargo creates it
    for namespace in ("argocd", *STAGES):
        ensure_namespace(kube, namespace)
    return kube


def test_the_parameters_cover_every_kind_we_ship() -> None:
    """The parametrisation above is built from the files: an empty or partial one must not pass quietly."""
    overlay_kinds = {p.values[0]["kind"] for p in OVERLAY_OBJECTS}
    assert {"Deployment", "Service", "ServiceAccount", "Job", "Ingress"} <= overlay_kinds
    gitops_kinds = {p.values[0]["kind"] for p in GITOPS_OBJECTS}
    expected = {"Project", "ProjectConfig", "Warehouse", "Stage", "AnalysisTemplate", "Application"}
    assert expected | {"AppProject", "Secret"} <= gitops_kinds
    assert len(GITOPS_OBJECTS) == sum(len(load_yaml_file(p)) for p in gitops_files())


@pytest.mark.parametrize("obj", OVERLAY_OBJECTS)
def test_rendered_overlay_object_is_accepted_by_the_apiserver(cluster: KubeCluster, obj: dict) -> None:
    stored = dry_run_create(cluster, obj)
    assert stored["metadata"]["namespace"] == obj["metadata"]["namespace"]
    assert stored["metadata"]["name"] == obj["metadata"]["name"]


@pytest.mark.parametrize("obj", GITOPS_OBJECTS)
def test_gitops_object_is_accepted_by_the_apiserver(cluster: KubeCluster, obj: dict) -> None:
    stored = dry_run_create(cluster, obj)
    assert stored["metadata"].get("namespace") == obj["metadata"].get("namespace")
    assert stored["kind"] == obj["kind"]


def stage_dev() -> dict[str, Any]:
    return copy.deepcopy(load_yaml_file(REPO_ROOT / "gitops" / "kargo" / "stage-dev.yaml")[0])


def backend_deployment() -> dict[str, Any]:
    return copy.deepcopy(one(list(rendered_overlay("dev")), "Deployment", "userapp-backend"))


def broken_stage_type(obj: dict) -> None:
    obj["spec"]["requestedFreight"][0]["sources"]["direct"] = "yes"


def broken_stage_enum(obj: dict) -> None:
    obj["spec"]["requestedFreight"][0]["origin"]["kind"] = "Stage"


def broken_stage_typo(obj: dict) -> None:
    obj["spec"]["verfication"] = obj["spec"].pop("verification")


def broken_stage_cel(obj: dict) -> None:
    del obj["spec"]["promotionTemplate"]["spec"]["steps"][1]["uses"]


def broken_stage_namespace(obj: dict) -> None:
    obj["metadata"]["namespace"] = "no-such-namespace"


def broken_deployment_selector(obj: dict) -> None:
    obj["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "something-else"


def broken_deployment_port(obj: dict) -> None:
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 70000


BROKEN = [
    pytest.param(
        stage_dev,
        broken_stage_type,
        # Kargo's mutating webhook decodes the Stage before the schema is applied, so it answers first.
        r'admission webhook "stage\.kargo\.akuity\.io" denied the request: json: cannot unmarshal string into '
        r"Go struct field FreightSources\.spec\.requestedFreight\.sources\.direct of type bool",
        id="stage-wrong-type",
    ),
    pytest.param(
        stage_dev,
        broken_stage_enum,
        r'spec\.requestedFreight\[0\]\.origin\.kind: Unsupported value: "Stage"',
        id="stage-enum",
    ),
    pytest.param(
        stage_dev, broken_stage_typo, r'unknown field "spec\.verfication"', id="stage-unknown-field"
    ),
    pytest.param(
        stage_dev,
        broken_stage_cel,
        r"steps\[1\]: Invalid value: .*exactly one of uses or task set",
        id="stage-cel-rule",
    ),
    pytest.param(
        stage_dev,
        broken_stage_namespace,
        r'namespaces "no-such-namespace" not found',
        id="stage-no-namespace",
    ),
    pytest.param(
        backend_deployment,
        broken_deployment_selector,
        r"spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`",
        id="deployment-selector",
    ),
    pytest.param(
        backend_deployment,
        broken_deployment_port,
        r"containerPort: Invalid value: 70000: must be between 1 and 65535",
        id="deployment-port",
    ),
]


@pytest.mark.parametrize(("original", "mutate", "message"), BROKEN)
def test_the_dry_run_rejects_a_broken_object(
    cluster: KubeCluster, original: Any, mutate: Any, message: str
) -> None:
    """The check can fail: the same objects, broken on purpose, are refused with the server's message."""
    obj = original()
    dry_run_create(cluster, obj)  # the unbroken object passes
    mutate(obj)
    with pytest.raises(DryRunError, match=message):
        dry_run_create(cluster, obj)


def test_a_namespaced_object_without_a_namespace_is_a_clear_error(cluster: KubeCluster) -> None:
    obj = stage_dev()
    del obj["metadata"]["namespace"]
    with pytest.raises(DryRunError, match="Stage is namespaced: set metadata.namespace explicitly"):
        dry_run_create(cluster, obj)


def test_an_unknown_kind_is_a_clear_error(cluster: KubeCluster) -> None:
    obj = stage_dev()
    obj["apiVersion"] = "kargo.akuity.io/v1beta1"
    with pytest.raises(DryRunError, match="the server serves no Stage in kargo.akuity.io/v1beta1"):
        dry_run_create(cluster, obj)
