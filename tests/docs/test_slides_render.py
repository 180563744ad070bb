"""presenterm itself reads presentation/slides.md: every slide parses and exports (presenterm's own HTML
export), and every slide fits the projector's terminal (presenterm --validate-overflows in a tmux pane of the
size set in presentation/presenterm.yaml). A broken or overflowing slide fails here, not on stage."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.docs.repo_facts import REPO_ROOT
from tests.docs.test_slides import TITLE, front_matter_and_slides

SLIDES = REPO_ROOT / "presentation" / "slides.md"
CONFIG = REPO_ROOT / "presentation" / "presenterm.yaml"
EXPORT_TIMEOUT = 120  # seconds for presenterm to export the deck
LOAD_TIMEOUT = 30  # seconds for presenterm to load the deck in a terminal and show it or its error


@pytest.fixture(scope="module")
def presenterm() -> str:
    result = subprocess.run(  # noqa: S603 - our own script
        [str(REPO_ROOT / "scripts/install-presenterm.sh"), "--cached"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail("presenterm is not built: run `make presenterm` (make setup does it)")
    return result.stdout.strip()


def slide_titles() -> list[str]:
    _, slides = front_matter_and_slides(SLIDES.read_text(encoding="utf-8"))
    titles = []
    for slide in slides:
        match = TITLE.search(slide)
        assert match, slide[:80]
        titles.append(match["title"])
    return titles


def test_presenterm_exports_every_slide(presenterm: str, tmp_path: Path) -> None:
    output = tmp_path / "slides.html"
    result = subprocess.run(  # noqa: S603 - the pinned presenterm
        [
            presenterm,
            "--config-file",
            str(CONFIG),
            "--export-html",
            "--export-temporary-path",
            str(tmp_path / "tmp"),
            "--output",
            str(output),
            str(SLIDES),
        ],
        capture_output=True,
        text=True,
        timeout=EXPORT_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert (
        result.returncode == 0
    ), f"presenterm could not export the slides:\n{result.stdout}\n{result.stderr}"
    exported = output.read_text(encoding="utf-8")
    titles = slide_titles()
    # One page per slide, plus the title slide made from the front matter.
    assert exported.count('<div class="container"') == len(titles) + 1
    text = html.unescape(re.sub(r"<[^>]+>", "", exported))
    missing = [title for title in titles if title not in text]
    assert not missing, f"slides whose title presenterm did not render: {missing}"


def test_presenterm_refuses_a_broken_deck(presenterm: str, tmp_path: Path) -> None:
    """The export above can fail: an unknown comment command stops presenterm with an error."""
    deck = tmp_path / "broken.md"
    deck.write_text("---\ntitle: x\n---\n\nSlide\n===\n\n<!-- no_such_command -->\n", encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - the pinned presenterm
        [presenterm, "-c", str(CONFIG), "--export-html", "--output", str(tmp_path / "x.html"), str(deck)],
        capture_output=True,
        text=True,
        timeout=EXPORT_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "no_such_command" in result.stdout + result.stderr


@pytest.fixture
def tmux_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private tmux server (its socket under tmp_path), stopped after the test."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: the overflow check runs presenterm in a tmux pane")
    sockets = tmp_path / "tmux"
    sockets.mkdir(mode=0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "TMUX_TMPDIR": str(sockets),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }
    try:
        yield env
    finally:
        subprocess.run(
            ["tmux", "kill-server"], env=env, capture_output=True, timeout=10, check=False
        )  # noqa: S607


def show_in_terminal(presenterm: str, deck: Path, env: dict[str, str]) -> str:
    """Start presenterm with --validate-overflows in a tmux pane of the projector's size; return the screen
    once it shows the title slide or an error."""
    size = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["export"]["dimensions"]
    command = f"'{presenterm}' -c '{CONFIG}' --validate-overflows --present '{deck}'; sleep 60"
    subprocess.run(  # noqa: S603 S607
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            "deck",
            "-x",
            str(size["columns"]),
            "-y",
            str(size["rows"]),
            command,
        ],
        env=env,
        check=True,
        timeout=10,
    )
    deadline = time.monotonic() + LOAD_TIMEOUT
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(  # noqa: S603 S607
            ["tmux", "capture-pane", "-p", "-t", "deck"],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        if "Error loading presentation" in screen or "GitOps com Argo CD e Kargo" in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(
        f"presenterm showed neither the title slide nor an error within {LOAD_TIMEOUT}s:\n{screen}"
    )


def test_every_slide_fits_the_projector_terminal(presenterm: str, tmux_env: dict[str, str]) -> None:
    screen = show_in_terminal(presenterm, SLIDES, tmux_env)
    assert "Error loading presentation" not in screen, " ".join(screen.split())
    assert "Marcell Martini" in screen  # the title slide, with the speaker from the front matter


def test_an_overflowing_slide_is_refused(presenterm: str, tmux_env: dict[str, str], tmp_path: Path) -> None:
    """The check above can fail: a slide taller than the terminal stops presenterm."""
    deck = tmp_path / "tall.md"
    lines = "\n".join(f"- item {n}" for n in range(80))
    deck.write_text(
        f"---\ntitle: x\nsub_title: GitOps com Argo CD e Kargo\n---\n\nSlide\n===\n\n{lines}\n",
        encoding="utf-8",
    )
    screen = show_in_terminal(presenterm, deck, tmux_env)
    assert "presentation overflows vertically on slide 2" in " ".join(screen.split())
