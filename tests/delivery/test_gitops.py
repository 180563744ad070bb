"""Argo CD and Kargo objects, file by file: promotion steps, the Warehouse, the smoke test, the credentials.

The apiserver validates them (test_dry_run.py); how they agree with each other is test_consistency.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

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


def all_gitops() -> list[tuple[Path, dict[str, Any]]]:
    return gitops_objects("argocd") + gitops_objects("kargo")


def test_every_gitops_file_parses_into_kubernetes_objects() -> None:
    files = sorted((REPO_ROOT / "gitops").rglob("*.y*ml"))
    assert files
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert isinstance(doc, dict), f"{path}: not a mapping"
            assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), path


def test_stages_render_their_overlay_into_their_env_branch() -> None:
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
        # Which branch that is, and which Application syncs it: test_consistency.py.
        assert obj["spec"]["verification"]["analysisTemplates"] == [{"name": "userapp-smoke-test"}]


def test_warehouse_takes_only_short_sha_tags_without_exhausting_docker_hub() -> None:
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
        # Which tags the regex lets through, against what CI really pushes: test_consistency.py.


def test_analysis_template_smoke_tests_readyz_and_the_users_api() -> None:
    template = next(d for _, d in gitops_objects("kargo") if d["kind"] == "AnalysisTemplate")
    assert template["metadata"]["name"] == "userapp-smoke-test"
    assert template["metadata"]["namespace"] == KARGO_PROJECT
    assert [a["name"] for a in template["spec"]["args"]] == ["namespace"]
    script = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ][0]
    # The endpoints and Services it calls are checked against the real apps in test_consistency.py.
    assert '"$api/readyz" "200"' in script
    assert '"$web/api/users" "200 401 403"' in script


def test_credentials_are_templates_only() -> None:
    for path, obj in all_gitops():
        if obj["kind"] == "Secret":
            assert path.name.endswith(".example.yaml"), f"{path}: Secrets only as documented templates"
            assert set(obj.get("stringData", {}).values()) <= {"CHANGE-ME", REPO_URL}, path
            assert "data" not in obj
