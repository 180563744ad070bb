"""Scripts (shellcheck-clean, strict mode), the CI workflow (actionlint, tag format, image names) and the
Dockerfiles (ports, users and commands consistent with the charts)."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from tests.delivery.helpers import REPO_ROOT, SHORT_SHA, container, helm_template, one, run, run_ok

pytestmark = pytest.mark.timeout(1200)

# Ours (the scripts); the harness scripts are checked by their owners.
OUR_SCRIPTS = [
    "install-tools.sh",
    "generate-helm-output.sh",
    "setup-minikube.sh",
    "setup-argocd.sh",
    "setup-kargo.sh",
    "start-database.sh",
    "deploy-dashboard.sh",
    "preflight.sh",
    "demo-refresh-warehouse.sh",
    "demo-ui.sh",
]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def script_paths() -> list[Path]:
    return [REPO_ROOT / "scripts" / name for name in OUR_SCRIPTS] + sorted(
        (REPO_ROOT / "scripts" / "lib").glob("*.sh")
    )


def test_shellcheck_is_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed: run `make setup` (Debian package shellcheck)")
    result = run([shellcheck, "-x", *[str(p.relative_to(REPO_ROOT)) for p in script_paths()]])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", OUR_SCRIPTS)
def test_scripts_are_strict_and_executable(name: str) -> None:
    path = REPO_ROOT / "scripts" / name
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert path.stat().st_mode & stat.S_IXUSR, f"{name} is not executable"


def test_install_tools_pins_versions() -> None:
    text = (REPO_ROOT / "scripts" / "install-tools.sh").read_text(encoding="utf-8")
    for tool in ("HELM", "KUSTOMIZE", "ACTIONLINT"):
        assert re.search(rf'^{tool}_VERSION="v\d+\.\d+\.\d+"$', text, re.M), tool
    common = (REPO_ROOT / "scripts" / "lib" / "common.sh").read_text(encoding="utf-8")
    assert 'ARGOCD_VERSION="v3.5.1"' in common
    assert 'KARGO_VERSION="1.11.2"' in common
    assert 'KARGO_CHART="oci://ghcr.io/akuity/kargo-charts/kargo"' in common
    assert re.search(r'^MINIKUBE_VERSION="v\d+\.\d+\.\d+"$', common, re.M)


def test_actionlint_is_clean(actionlint: str) -> None:
    # actionlint also shellchecks the run: blocks when shellcheck is on PATH.
    run_ok([actionlint, "-no-color", str(WORKFLOW.relative_to(REPO_ROOT))])


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_ci_tags_images_with_the_short_sha_the_warehouse_accepts() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert 'tag="${GITHUB_SHA::8}"' in text
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert re.match(SHORT_SHA, sha[:8])
    warehouse = yaml.safe_load(
        (REPO_ROOT / "gitops" / "kargo" / "warehouse.yaml").read_text(encoding="utf-8")
    )
    for subscription in warehouse["spec"]["subscriptions"]:
        assert subscription["image"]["allowTagsRegexes"] == [SHORT_SHA]


def test_ci_builds_the_images_the_warehouse_watches() -> None:
    flow = workflow()
    namespace = flow["env"]["IMAGE_NAMESPACE"]
    matrix = flow["jobs"]["images"]["strategy"]["matrix"]["include"]
    built = {f"{namespace}/{m['image']}": m for m in matrix}
    warehouse = yaml.safe_load(
        (REPO_ROOT / "gitops" / "kargo" / "warehouse.yaml").read_text(encoding="utf-8")
    )
    watched = {s["image"]["repoURL"] for s in warehouse["spec"]["subscriptions"]}
    assert watched <= set(built)
    dashboard_values = yaml.safe_load((REPO_ROOT / "helm" / "dashboard" / "values.yaml").read_text("utf-8"))
    assert dashboard_values["image"]["repository"] in built
    for entry in matrix:
        assert (REPO_ROOT / entry["context"]).is_dir()


def test_ci_pushes_only_from_main_with_secrets() -> None:
    steps = workflow()["jobs"]["images"]["steps"]
    login = next(s for s in steps if s.get("uses", "").startswith("docker/login-action"))
    assert login["with"] == {
        "username": "${{ secrets.DOCKERHUB_USERNAME }}",
        "password": "${{ secrets.DOCKERHUB_TOKEN }}",
    }
    build = next(s for s in steps if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["push"] == "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"


def dockerfile(path: str) -> str:
    return (REPO_ROOT / path).read_text(encoding="utf-8")


def test_frontend_dockerfile_matches_the_chart(helm: str) -> None:
    text = dockerfile("userapp/frontend/Dockerfile")
    assert re.search(r"^FROM node:\d+\.\d+\.\d+-alpine[\d.]* AS build$", text, re.M)
    assert re.search(r"^FROM nginxinc/nginx-unprivileged:\d+\.\d+\.\d+-alpine AS runtime$", text, re.M)
    c = container(one(helm_template(helm, "frontend"), "Deployment"))
    assert f"EXPOSE {c['ports'][0]['containerPort']}" in text
    assert f"USER {c['securityContext']['runAsUser']}" in text
    template = dockerfile("userapp/frontend/default.conf.template")
    assert "listen 8080;" in template
    assert "location = /healthz" in template
    assert "location /api/" in template and "proxy_pass http://${BACKEND_UPSTREAM};" in template
    nginx = dockerfile("userapp/frontend/nginx.conf")
    assert "pid /tmp/nginx.pid;" in nginx
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["NGINX_ENVSUBST_OUTPUT_DIR"] == "/tmp/nginx/conf.d"
    assert "include /tmp/nginx/conf.d/*.conf;" in nginx


def test_dashboard_dockerfile_matches_the_chart(helm: str) -> None:
    text = dockerfile("dashboard/Dockerfile")
    assert len(re.findall(r"^FROM python:3\.11\.\d+-slim-bookworm AS \w+$", text, re.M)) == 2
    c = container(one(helm_template(helm, "dashboard", namespace="promotion-board"), "Deployment"))
    assert f"EXPOSE {c['ports'][0]['containerPort']}" in text
    assert f"USER {c['securityContext']['runAsUser']}" in text
    assert '"gunicorn"' in text and '"0.0.0.0:8080"' in text
    assert "uv export --frozen" in text


def test_backend_dockerfile_matches_the_chart(helm: str) -> None:
    text = (REPO_ROOT / "userapp" / "backend" / "Dockerfile").read_text(encoding="utf-8")
    c = container(one(helm_template(helm, "backend"), "Deployment"))
    assert f"EXPOSE {c['ports'][0]['containerPort']}" in text
    assert re.search(rf"^USER {c['securityContext']['runAsUser']}\b", text, re.M)
