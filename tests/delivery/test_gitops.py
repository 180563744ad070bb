"""Argo CD and Kargo objects: valid against the real CRDs, and consistent with each other and the overlays."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.delivery.crd_schema import CrdRegistry, crds_dir
from tests.delivery.helpers import (
    KARGO_PROJECT,
    PROMOTION_STEPS,
    REPO_ROOT,
    SHORT_SHA,
    STAGES,
    gitops_objects,
    kargo_object,
)

REPO_URL = "https://github.com/promotionboard/promotion-board.git"
IMAGES = ["docker.io/promotionboard/userapp-backend", "docker.io/promotionboard/userapp-frontend"]
# Fields of a Kargo v1.11 image subscription (the CRD leaves subscriptions schemaless, so check them here).
IMAGE_SUBSCRIPTION_FIELDS = {
    "repoURL",
    "imageSelectionStrategy",
    "allowTagsRegexes",
    "ignoreTagsRegexes",
    "constraint",
    "platform",
    "discoveryLimit",
    "insecureSkipTLSVerify",
    "strictSemvers",
    "cacheByTag",
}


@pytest.fixture(scope="module")
def registry() -> CrdRegistry:
    assert crds_dir().is_dir(), f"CRDs not found at {crds_dir()} (set SHARED_CRDS_DIR)"
    return CrdRegistry.load()


def all_gitops() -> list[tuple[Path, dict[str, Any]]]:
    return gitops_objects("argocd") + gitops_objects("kargo")


def test_every_gitops_file_parses_into_kubernetes_objects() -> None:
    files = sorted((REPO_ROOT / "gitops").rglob("*.y*ml"))
    assert files
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert isinstance(doc, dict), f"{path}: not a mapping"
            assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), path


def test_every_custom_resource_matches_its_crd(registry: CrdRegistry) -> None:
    validated = set()
    for path, obj in all_gitops():
        if registry.covers(obj["apiVersion"], obj["kind"]):
            errors = registry.validate(obj)
            assert (
                not errors
            ), f"{path.relative_to(REPO_ROOT)} {obj['kind']} {obj['metadata']['name']}: {errors}"
            validated.add(obj["kind"])
        else:
            assert (
                obj["apiVersion"] == "v1" and obj["kind"] == "Secret"
            ), f"{path}: unexpected kind {obj['kind']}"
    expected = {
        "Project",
        "ProjectConfig",
        "Warehouse",
        "Stage",
        "AnalysisTemplate",
        "Application",
        "AppProject",
    }
    assert expected <= validated


STAGE_DEV = REPO_ROOT / "gitops" / "kargo" / "stage-dev.yaml"


def broken(mutate: Any) -> dict[str, Any]:
    obj = copy.deepcopy(yaml.safe_load(STAGE_DEV.read_text(encoding="utf-8")))
    mutate(obj)
    return obj


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda o: o["spec"].pop("requestedFreight"), "spec.requestedFreight: required"),
        (
            lambda o: o["spec"]["requestedFreight"][0]["origin"].update(kind="Stage"),
            "is not one of ['Warehouse']",
        ),
        (lambda o: o["spec"].update(verfication={}), "spec.verfication: unknown field"),
        (lambda o: o["spec"]["requestedFreight"][0]["sources"].update(direct="yes"), "expected boolean"),
        (lambda o: o["metadata"].pop("namespace"), "metadata.namespace: required"),
        (lambda o: o.update(apiVersion="kargo.akuity.io/v1beta1"), "no served CRD version"),
    ],
)
def test_the_crd_validator_catches_mistakes(registry: CrdRegistry, mutation: Any, expected: str) -> None:
    errors = registry.validate(broken(mutation))
    assert any(expected in e for e in errors), errors


def test_stages_promote_in_order_through_the_env_branches() -> None:
    for stage in STAGES:
        obj = kargo_object("Stage", stage)
        assert obj["metadata"]["namespace"] == KARGO_PROJECT
        steps = obj["spec"]["promotionTemplate"]["spec"]["steps"]
        assert [s.get("uses") for s in steps] == PROMOTION_STEPS
        by_use = {s["uses"]: s for s in steps}
        checkout = by_use["git-clone"]["config"]["checkout"]
        assert {"branch": "env/${{ ctx.stage }}", "create": True, "path": "./out"} in checkout
        assert by_use["git-clear"]["config"]["path"] == "./out"
        overlay = "./src/kustomize/overlays/${{ ctx.stage }}"
        assert by_use["kustomize-set-image"]["config"]["path"] == overlay
        assert by_use["kustomize-build"]["config"]["path"] == overlay
        assert by_use["kustomize-build"]["config"]["outPath"].startswith("./out")
        assert by_use["git-push"]["config"]["path"] == "./out"
        commit_alias = by_use["git-commit"]["as"]
        app = by_use["argocd-update"]["config"]["apps"][0]
        assert app["name"] == "userapp-${{ ctx.stage }}" and app["namespace"] == "argocd"
        assert app["sources"][0]["desiredRevision"] == f"${{{{ outputs.{commit_alias}.commit }}}}"
        assert obj["spec"]["verification"]["analysisTemplates"] == [{"name": "userapp-smoke-test"}]
        assert obj["spec"]["verification"]["args"] == [{"name": "namespace", "value": stage}]


def test_stage_vars_name_the_same_repository_and_images_as_everything_else() -> None:
    warehouse = kargo_object("Warehouse", "userapp")
    warehouse_images = [s["image"]["repoURL"] for s in warehouse["spec"]["subscriptions"]]
    assert warehouse_images == IMAGES
    for stage in STAGES:
        promotion = kargo_object("Stage", stage)["spec"]["promotionTemplate"]["spec"]
        variables = {v["name"]: v["value"] for v in promotion["vars"]}
        assert variables["gitRepo"] == REPO_URL
        assert [variables["backendImage"], variables["frontendImage"]] == IMAGES
        set_image = next(s for s in promotion["steps"] if s["uses"] == "kustomize-set-image")
        assert [i["image"] for i in set_image["config"]["images"]] == [
            "${{ vars.backendImage }}",
            "${{ vars.frontendImage }}",
        ]
    for chart, image in zip(("backend", "frontend"), IMAGES, strict=True):
        values = yaml.safe_load((REPO_ROOT / "helm" / chart / "values.yaml").read_text(encoding="utf-8"))
        assert values["image"]["repository"] == image
    for stage in STAGES:
        kustomization = REPO_ROOT / "kustomize" / "overlays" / stage / "kustomization.yaml"
        names = [i["name"] for i in yaml.safe_load(kustomization.read_text(encoding="utf-8"))["images"]]
        assert names == IMAGES


def test_stages_form_the_dev_stg_prod_pipeline() -> None:
    sources = {
        stage: kargo_object("Stage", stage)["spec"]["requestedFreight"][0]["sources"] for stage in STAGES
    }
    for stage in STAGES:
        origin = kargo_object("Stage", stage)["spec"]["requestedFreight"][0]["origin"]
        assert origin == {"kind": "Warehouse", "name": "userapp"}
    assert sources["dev"] == {"direct": True}
    assert sources["stg"] == {"stages": ["dev"]}
    assert sources["prod"] == {"stages": ["stg"]}


def test_promotion_policies_dev_auto_stg_and_prod_manual() -> None:
    config = kargo_object("ProjectConfig", KARGO_PROJECT)
    assert config["metadata"]["namespace"] == config["metadata"]["name"] == KARGO_PROJECT
    policies = {
        p["stageSelector"]["name"]: p["autoPromotionEnabled"] for p in config["spec"]["promotionPolicies"]
    }
    assert policies == {"dev": True, "stg": False, "prod": False}
    receiver = config["spec"]["webhookReceivers"][0]
    assert receiver["dockerhub"]["secretRef"]["name"] == "dockerhub-webhook"


def test_warehouse_accepts_only_short_sha_tags_without_exhausting_docker_hub() -> None:
    warehouse = kargo_object("Warehouse", "userapp")
    interval = warehouse["spec"]["interval"]
    assert re.fullmatch(r"(\d+)m0s|(\d+)s", interval) and interval in ("1m0s", "30s", "45s")
    for subscription in warehouse["spec"]["subscriptions"]:
        image = subscription["image"]
        assert set(image) <= IMAGE_SUBSCRIPTION_FIELDS, set(image) - IMAGE_SUBSCRIPTION_FIELDS
        assert "allowTags" not in image and "ignoreTags" not in image, "removed in Kargo v1.11"
        assert image["allowTagsRegexes"] == [SHORT_SHA]
        assert image["imageSelectionStrategy"] == "NewestBuild"
        assert image["cacheByTag"] is True, "NewestBuild without the tag cache hits Docker Hub for every tag"
        assert 1 <= image["discoveryLimit"] <= 10
        pattern = re.compile(image["allowTagsRegexes"][0])
        for good in ("0a1b2c3d", "deadbeef", "12345678"):
            assert pattern.search(good)
        for bad in ("0a1b2c3", "0a1b2c3d4", "DEADBEEF", "latest", "v1.2.3", "main-0a1b2c3d"):
            assert not pattern.search(bad), bad


def test_applications_match_their_stages() -> None:
    apps = [d for _, d in gitops_objects("argocd") if d["kind"] == "Application"]
    assert sorted(a["metadata"]["name"] for a in apps) == sorted(f"userapp-{s}" for s in STAGES)
    project = next(d for _, d in gitops_objects("argocd") if d["kind"] == "AppProject")
    for app in apps:
        stage = app["metadata"]["name"].removeprefix("userapp-")
        kargo_object("Stage", stage)
        assert app["metadata"]["namespace"] == "argocd"
        assert (
            app["metadata"]["annotations"]["kargo.akuity.io/authorized-stage"] == f"{KARGO_PROJECT}:{stage}"
        )
        source = app["spec"]["source"]
        assert source == {"repoURL": REPO_URL, "targetRevision": f"env/{stage}", "path": "."}
        assert app["spec"]["destination"]["namespace"] == stage
        assert app["spec"]["project"] == project["metadata"]["name"]
        assert "automated" not in app["spec"].get("syncPolicy", {}), "Kargo's argocd-update triggers syncs"
        assert {"namespace": stage, "server": app["spec"]["destination"]["server"]} in project["spec"][
            "destinations"
        ]
    assert project["spec"]["sourceRepos"] == [REPO_URL]


def test_analysis_template_smoke_tests_readyz_and_the_users_api() -> None:
    template = next(d for _, d in gitops_objects("kargo") if d["kind"] == "AnalysisTemplate")
    assert template["metadata"]["name"] == "userapp-smoke-test"
    assert template["metadata"]["namespace"] == KARGO_PROJECT
    assert [a["name"] for a in template["spec"]["args"]] == ["namespace"]
    script = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ][0]
    assert "userapp-backend.${TARGET_NAMESPACE}.svc.cluster.local:8000" in script
    assert '"$api/readyz" "200"' in script
    assert '"$web/api/users"' in script


def test_credentials_are_templates_only() -> None:
    for path, obj in all_gitops():
        if obj["kind"] == "Secret":
            assert path.name.endswith(".example.yaml"), f"{path}: Secrets only as documented templates"
            assert set(obj.get("stringData", {}).values()) <= {"CHANGE-ME", REPO_URL}, path
            assert "data" not in obj
