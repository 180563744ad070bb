"""`make backup-video` (scripts/backup_video.py): the talk's story filmed into an MP4 that ffprobe plays.

The first test films a page with captions in headless Chromium and assembles it with Debian's ffmpeg (no lab:
seconds). The second runs the command's own `main` on `make lab`'s real lab (real Kargo, Argo CD, Argo
Rollouts, KWOK Nodes), in compressed time: one frame every few real seconds, a fifth of a second each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import backup_video
from tests.harness.browser import chromium
from tests.lab.pipeline import REAL_LAB_MARKS

# Captions of the story, as the video shows them (Portuguese, like the talk).
STEPS = 9


@pytest.mark.browser
def test_captioned_frames_become_an_mp4_of_the_planned_length(tmp_path: Path):
    timing = backup_video.Timing(frame_interval=0.0, frame_seconds=0.2, caption_seconds=1.0)
    film = backup_video.Film(timing)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 640, "height": 360})
        page.set_content("<main><h1>dev → stg → prod</h1></main>")
        film.cameras.append(backup_video.Camera("board", page, backup_video.Reel(tmp_path)))
        film.caption("QA aprova a promoção para stg")
        caption = page.locator(f"#{backup_video.CAPTION_ID}")
        assert caption.inner_text() == "QA aprova a promoção para stg"
        page.set_content("<main>htmx swapped the page</main>")  # the caption comes back on the next frame
        for _ in range(4):
            film.tick()
        assert caption.inner_text() == "QA aprova a promoção para stg"
    reel = film.cameras[0].reel
    assert [seconds for _, seconds in reel.frames] == [1.0, 0.2, 0.2, 0.2, 0.2]
    out = tmp_path / "out" / "backup.mp4"
    reel.write(out, fps=10)
    facts = backup_video.probe(out)
    assert facts["h264"] and (facts["width"], facts["height"]) == (640, 360), facts
    assert facts["duration"] == pytest.approx(1.8, abs=0.15), facts
    assert facts["frames"] == pytest.approx(18, abs=2), facts


def real_lab(test):
    """The marks of a test on `make lab`'s real lab, and the browser's."""
    for mark in (*REAL_LAB_MARKS, pytest.mark.browser):
        test = mark(test)
    return test


@real_lab
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
