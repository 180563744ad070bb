"""`make preflight` without KUBECONFIG checks the running lab (`python -m scripts.lab preflight-env`): on
`make lab`'s real lab, after a build went dev -> stg -> prod, every cluster line passes (or is SKIPped because
the lab runs that component as a process, not in the cluster). With no lab: tests/lab/test_lab_cli.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from scripts import backup_video
from tests.delivery.test_preflight import STAGES, Result, require, run_preflight
from tests.lab.pipeline import REAL_LAB_MARKS

pytestmark = REAL_LAB_MARKS

# What the lab runs as processes beside the cluster, or not at all: no Deployment, no StatefulSet to check.
OUTSIDE_THE_CLUSTER = (
    "ingress-nginx available",
    "cert-manager available",
    "Argo CD v",
    "Argo Rollouts available",
    "Kargo 1.",
    "promotion-board available",
    *(f"database ready in {stage}" for stage in STAGES),
)


def make_preflight(tmp: Path, state: Path) -> Result:
    """`make preflight` as a person runs it: no KUBECONFIG, a private HOME, the lab's state folder."""
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env.update(
        HOME=str(tmp), LAB_STATE_DIR=str(state), PREFLIGHT_TIMEOUT="5", PREFLIGHT_RECORDING=str(tmp / "none")
    )
    return run_preflight(env, ["make", "--no-print-directory", "preflight"])


def cluster_lines(result: Result) -> list[tuple[str, str]]:
    """The lines after the "Cluster" heading (the board's /healthz line included)."""
    start = result.output.index("Cluster (context:")
    tail = result.output[start:]
    return [(status, rest) for status, rest in result.lines if f"{status}  {rest}" in tail]


def test_on_the_real_lab_every_cluster_line_passes(lab_process: tuple[Path, dict], tmp_path: Path):
    require("kubectl")
    state, info = lab_process
    backup_video.Story(info).good_build_to_prod()  # stg and prod run a verified Freight too
    result = make_preflight(tmp_path, state)
    assert f"checking the running lab ({info['kubeconfig']})" in result.output, result.output
    lines = cluster_lines(result)
    assert len(lines) >= 4 + 5 * len(STAGES), result.output
    for status, line in lines:
        expected = ("SKIP",) if line.startswith(OUTSIDE_THE_CLUSTER) else ("PASS",)
        assert status in expected, f"{line}\n{result.output}"
    assert result.status(f"board answers at {info['board_url']}")[0] == "PASS", result.output
    # The registry line reads the lab's TLS registry through PREFLIGHT_REGISTRY_URL, its CA and login.
    for image in ("userapp-backend", "userapp-frontend"):
        status, line = result.status(f"{info['image_namespace']}/{image} published")
        assert status == "PASS", line
    assert result.status("network access to the registry")[0] == "PASS", result.output
    assert result.status("network access to the Git server")[0] == "PASS", result.output
