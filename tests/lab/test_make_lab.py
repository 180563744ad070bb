"""The commands a speaker runs on `make lab UIS=1`'s own lab (`lab_process`: real Kargo, Argo CD, Argo
Rollouts, KWOK Nodes, and the Argo CD and Kargo UIs), in one module so that one lab serves them all, in order.

- `make backup-video` (scripts/backup_video.py): the command's own `main` films the whole story in compressed
  time (one frame every few real seconds, a fifth of a second each); the story ends with dev rolled back.
- `make preflight` without KUBECONFIG checks the running lab (`python -m scripts.lab preflight-env`): after a
  build went dev -> stg -> prod, every cluster line passes (or is SKIPped because the lab runs that component
  as a process, not in the cluster). With no lab: tests/lab/test_lab_cli.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


# Captions of the story, as the video shows them (Portuguese, like the talk).
STEPS = 9


@pytest.mark.browser
def test_make_backup_video_films_the_whole_story_on_the_real_lab(
    lab_process: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv("VIDEO_FRAME_INTERVAL", "5")
    monkeypatch.setenv("VIDEO_FRAME_SECONDS", "0.2")
    monkeypatch.setenv("VIDEO_CAPTION_SECONDS", "1")
    monkeypatch.setenv("VIDEO_ERROR_HOLD", "15")
    out = tmp_path / "backup.mp4"
    assert backup_video.main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "using the running lab" in printed, printed
    for caption in (
        "QA (ana) aprova a promoção para stg",
        "PO (paulo) aprova",
        "build com erro",
        "volta o dev",
    ):
        assert caption in printed, printed
    assert "only the board is filmed" not in printed, printed
    facts = backup_video.probe(out)
    assert facts["h264"] and (facts["width"], facts["height"]) == (1280, 720), facts
    # The lab runs the Argo CD and Kargo UIs: each was logged into through its own login page and filmed
    # beside the board, shot for shot.
    assert set(lab_process[1]["uis"]) == {"argocd", "kargo"}, lab_process[1]
    for name in ("argocd", "kargo"):
        beside = backup_video.probe(out.with_name(f"backup-{name}.mp4"))
        assert beside["h264"] and (beside["width"], beside["height"]) == (1280, 720), (name, beside)
        assert beside["frames"] == pytest.approx(facts["frames"], abs=2), (name, beside, facts)
        print(f"backup video of {name}'s UI: {beside}")
    # Each captioned step shows 1 s, every other frame 0.2 s: at least the captions' length, and far less
    # than the real time the story took (compressed time).
    assert STEPS * 1.0 <= facts["duration"] < 300, facts
    assert facts["frames"] == pytest.approx(facts["duration"] * 10, abs=3), facts
    print(f"backup video: {facts}, {out.stat().st_size} bytes\n{printed}")
    # The rollback left Kargo holding dev's auto-promotion; the next build still reaches prod: root
    # promotes it into dev from the board, which releases the hold (as the runbook tells the speaker).
    story = backup_video.Story(lab_process[1])
    assert story.kargo.auto_promotion_held("dev")
    _, freight = story.good_build_to_prod()
    assert not story.kargo.auto_promotion_held("dev")
    assert story.kargo.current("prod") == freight


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
