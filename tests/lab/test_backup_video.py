"""`make backup-video` (scripts/backup_video.py): the talk's story filmed into an MP4 that ffprobe plays.

Here, without a lab: a page with captions filmed in headless Chromium and assembled with Debian's ffmpeg
(seconds). The command's own `main` on `make lab`'s real lab is in tests/lab/test_make_lab.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import backup_video
from tests.harness.browser import chromium


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
