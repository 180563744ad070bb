"""The oracle tests' generators make objects the real kube-apiserver accepts with the pinned CRDs, CEL rules
included (the per-case check in crd_schema.py covers the OpenAPI schema only): a fixed sample of each
generator goes through a server-side dry run (strict field validation), status through the status
subresource of an object created for real."""

from __future__ import annotations

import copy
import random

import pytest

from tests.harness.dry_run import create, dry_run_create, dry_run_status
from tests.harness.kube import KubeCluster
from tests.oracle.crd_schema import assert_crd_valid
from tests.oracle.strategies import Choices, app_health_case, freight, stage_with_conditions

pytestmark = pytest.mark.kube
SAMPLE = 60


def samples(build, size: int, seed: int) -> list:
    rng = random.Random(seed)
    return [build(Choices(rng.randbytes(size))) for _ in range(SAMPLE)]


@pytest.fixture
def schema_namespace(bare_kube: KubeCluster) -> str:
    """On the CRDs' schemas alone (bare_kube): Kargo's webhooks would rename the generated Freight."""
    return bare_kube.create_project_namespace()


def test_generated_stages_and_freight_pass_the_apiservers_dry_run(
    bare_kube: KubeCluster, schema_namespace: str
):
    kube, kube_namespace = bare_kube, schema_namespace
    kinds = (("Stage", stage_with_conditions, "s", 1), ("Freight", freight, "f", 2))
    for kind, strategy, prefix, seed in kinds:
        for index, generated in enumerate(samples(strategy, 128, seed)):
            obj = copy.deepcopy(generated)
            obj["metadata"] = {"name": f"{prefix}{index}", "namespace": kube_namespace}
            assert_crd_valid(kind, obj)
            spec_only = {key: value for key, value in obj.items() if key != "status"}
            dry_run_create(kube, spec_only)
            if "status" in obj:
                create(kube, spec_only)
                dry_run_status(kube, obj)


def test_generated_applications_pass_the_apiservers_dry_run(bare_kube: KubeCluster, schema_namespace: str):
    kube, kube_namespace = bare_kube, schema_namespace
    checked = 0
    for case_index, case in enumerate(samples(app_health_case, 192, 3)):
        for app_index, generated in enumerate(case["applications"]):
            obj = copy.deepcopy(generated)
            obj["metadata"] = {"name": f"a{case_index}-{app_index}", "namespace": kube_namespace}
            assert_crd_valid("Application", obj)
            dry_run_create(kube, obj)  # Application keeps its status in the object itself
            checked += 1
    assert checked >= SAMPLE
