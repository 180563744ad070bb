"""The front end's image serves in a real cluster: started exactly as its entrypoint starts it (the base
image's /docker-entrypoint.sh and /docker-entrypoint.d/ scripts, vendored verbatim), under the chart's
read-only root filesystem, with a private writable folder only where the chart mounts an emptyDir, it answers
/healthz and serves the build. The test creates no folder inside the container: what the entrypoint needs
must be there."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.helpers import helm_template, install_tool, one
from tests.harness.processes import free_port, stop, tail, wait_until
from tests.userapp.frontend_image import ENTRYPOINT_COPY, FrontendContainer, frontend_container, start
from tests.userapp.test_frontend_e2e import build_frontend

pytestmark = pytest.mark.timeout(600)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test server
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


@pytest.fixture(scope="module")
def deployment() -> dict:
    """The chart's Deployment as deployed (helm template of helm/frontend)."""
    return one(helm_template(install_tool("helm"), "frontend"), "Deployment")


@pytest.fixture
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="frontend-image-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_vendored_entrypoint_is_the_pinned_copy() -> None:
    sums = (ENTRYPOINT_COPY / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == 5, sums
    for line in sums:
        digest, name = line.split()
        assert hashlib.sha256((ENTRYPOINT_COPY / name).read_bytes()).hexdigest() == digest, name


def test_the_chart_runs_the_image_with_a_read_only_root_and_a_tmp_empty_dir(deployment: dict) -> None:
    container = frontend_container_for(deployment, Path(tempfile.mkdtemp(prefix="frontend-image-")))
    try:
        assert container.read_only, "the chart must run the front end with readOnlyRootFilesystem"
        assert container.user == 101
        assert list(container.volumes) == ["/tmp"]
    finally:
        shutil.rmtree(container.root.parent, ignore_errors=True)


def frontend_container_for(deployment: dict, workdir: Path, **env: str) -> FrontendContainer:
    return frontend_container(workdir, build_frontend(), deployment, env)


def test_the_image_serves_under_its_entrypoint_and_the_charts_mounts(deployment: dict, workdir: Path) -> None:
    port = free_port()
    # The port is the one setting changed, the way the chart sets it (NGINX_PORT), so runs do not collide.
    container = frontend_container_for(
        deployment, workdir, NGINX_PORT=str(port), BACKEND_UPSTREAM=f"127.0.0.1:{free_port()}"
    )
    before = sorted(str(p.relative_to(container.root)) for p in container.root.rglob("*"))
    log = workdir / "container.log"
    process = start(container, log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: get(f"{url}/healthz") == (200, "ok\n"), 30, "the front-end image's /healthz", process, log
        )
        status, body = get(f"{url}/users")
        assert status == 200 and '<div id="root">' in body, (status, body[:300])
        # The entrypoint rendered the server block into the emptyDir, and wrote nothing anywhere else.
        entrypoint_log = log.read_text(encoding="utf-8", errors="replace")
        assert (
            "Running envsubst on /etc/nginx/templates/default.conf.template to /tmp/default.conf"
            in entrypoint_log
        )
        assert "not writable" not in entrypoint_log, entrypoint_log
        rendered = (container.volumes["/tmp"] / "default.conf").read_text(encoding="utf-8")
        assert f"listen {port};" in rendered and "${" not in rendered
        after = sorted(str(p.relative_to(container.root)) for p in container.root.rglob("*"))
        assert after == before
    finally:
        stop(process)
        print(tail(log, 40))  # noqa: T201 - pytest shows it only when the test fails
