"""Helm -> Kustomize: the committed helm output is fresh, and every overlay builds to what its stage needs."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.delivery.helpers import (
    REPLICAS,
    REPO_ROOT,
    SHORT_SHA,
    STAGES,
    by_kind,
    container,
    docs,
    env_map,
    one,
    overlay_kustomization,
    run_ok,
)

pytestmark = pytest.mark.timeout(1200)

IMAGES = ("docker.io/promotionboard/userapp-backend", "docker.io/promotionboard/userapp-frontend")


def test_committed_helm_output_matches_a_fresh_render(tmp_path: Path, helm: str) -> None:
    del helm  # built by the fixture; the script finds it through scripts/install-tools.sh
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "generate-helm-output.sh")],
        env={**os.environ, "OUT_DIR": str(tmp_path)},
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    committed = REPO_ROOT / "kustomize" / "base" / "helm-output"
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in committed.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(committed, tmp_path, fresh, shallow=False)
    assert (
        not mismatch and not errors
    ), f"stale helm output {mismatch or errors}: run `make render` and commit"


@pytest.fixture(scope="module")
def overlays(kustomize: str) -> dict[str, list[dict[str, Any]]]:
    return {
        stage: docs(run_ok([kustomize, "build", str(REPO_ROOT / "kustomize" / "overlays" / stage)]))
        for stage in STAGES
    }


@pytest.mark.parametrize("stage", STAGES)
def test_overlay_namespace_and_replicas(overlays: dict[str, list[dict[str, Any]]], stage: str) -> None:
    objects = overlays[stage]
    assert objects
    for obj in objects:
        assert obj["metadata"].get("namespace") == stage, f"{obj['kind']} {obj['metadata']['name']}"
    deployments = by_kind(objects, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == {"userapp-backend", "userapp-frontend"}
    for deployment in deployments:
        assert deployment["spec"]["replicas"] == REPLICAS[stage]


@pytest.mark.parametrize("stage", STAGES)
def test_overlay_image_tags(overlays: dict[str, list[dict[str, Any]]], stage: str) -> None:
    tags = {i["name"]: i["newTag"] for i in overlay_kustomization(stage)["images"]}
    assert set(tags) == set(IMAGES), "the overlay must pin both images (Kargo rewrites these entries)"
    for tag in tags.values():
        assert re.match(SHORT_SHA, tag), f"{tag!r} is not an 8-hex-digit short SHA"
    images = set()
    for kind in ("Deployment", "Job"):
        for workload in by_kind(overlays[stage], kind):
            images.update(c["image"] for c in workload["spec"]["template"]["spec"]["containers"])
    assert images == {f"{name}:{tag}" for name, tag in tags.items()}


@pytest.mark.parametrize("stage", STAGES)
def test_labels_never_touch_selectors(overlays: dict[str, list[dict[str, Any]]], stage: str) -> None:
    for deployment in by_kind(overlays[stage], "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert set(selector) == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
        template_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= template_labels.items()
        assert template_labels["app.kubernetes.io/environment"] == stage
        assert deployment["metadata"]["labels"]["app.kubernetes.io/environment"] == stage
    for service in by_kind(overlays[stage], "Service"):
        assert "app.kubernetes.io/environment" not in service["spec"]["selector"]


@pytest.mark.parametrize("stage", STAGES)
def test_per_environment_config(overlays: dict[str, list[dict[str, Any]]], stage: str) -> None:
    objects = overlays[stage]
    for workload in (one(objects, "Deployment", "userapp-backend"), one(objects, "Job")):
        env = env_map(container(workload))
        assert env["APP_ENV"] == stage
        assert "secretKeyRef" in env["DATABASE_URL"]
    ingress = one(objects, "Ingress", "userapp-frontend")
    assert ingress["spec"]["rules"][0]["host"] == f"userapp-{stage}.192.168.49.2.nip.io"
    job = one(objects, "Job")
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


def test_base_has_no_namespace_and_no_environment(kustomize: str) -> None:
    objects = docs(run_ok([kustomize, "build", str(REPO_ROOT / "kustomize" / "base")]))
    for obj in objects:
        assert "namespace" not in obj["metadata"]
        assert "app.kubernetes.io/environment" not in obj["metadata"].get("labels", {})
