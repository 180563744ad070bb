"""presentation/slides.md is a presenterm deck that fits a 90-minute talk: front matter, 35 to 50 slides, a
title and a speaker note on every slide, only comment commands presenterm knows, no diagram it cannot draw."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.docs.markdown import code_blocks
from tests.docs.repo_facts import REPO_ROOT

SLIDES = REPO_ROOT / "presentation" / "slides.md"
COMMENT = re.compile(r"<!--(?P<body>.*?)-->", re.DOTALL)
END_SLIDE = "<!-- end_slide -->"
# presenterm's comment commands used here: plain words, and "name: value" (YAML) ones.
WORD_COMMANDS = frozenset({"pause", "end_slide", "jump_to_middle", "reset_layout"})
VALUE_COMMANDS = frozenset({"speaker_note", "column_layout", "column", "incremental_lists", "new_lines"})
# A setext title: a line underlined with ===. A list item ("1. x") cannot be one: it would render as a list.
TITLE = re.compile(r"^(?P<title>\S.*)\n=+[ \t]*$", re.MULTILINE)
LIST_ITEM = re.compile(r"^(\d+[.)]|[-*+])\s")
MAX_CODE_WIDTH = 110  # columns of a projected terminal at a readable font size


@pytest.fixture(scope="module")
def text() -> str:
    return SLIDES.read_text(encoding="utf-8")


def front_matter_and_slides(text: str) -> tuple[dict, list[str]]:
    match = re.match(r"^---\n(?P<yaml>.*?)\n---\n(?P<rest>.*)$", text, re.DOTALL)
    assert match, "the deck must start with a YAML front matter block"
    slides = [s for s in match["rest"].split(END_SLIDE) if s.strip()]
    return yaml.safe_load(match["yaml"]), slides


def commands(slide: str) -> list[str | dict]:
    parsed = []
    for comment in COMMENT.finditer(slide):
        value = yaml.safe_load(comment["body"])
        parsed.append(value)
    return parsed


def test_front_matter_names_the_talk(text: str) -> None:
    meta, _ = front_matter_and_slides(text)
    assert meta["title"] == "Promoção de Imagens Docker entre Ambientes"
    assert meta["sub_title"] == "GitOps com Argo CD e Kargo"


def test_slide_count_fits_ninety_minutes(text: str) -> None:
    _, slides = front_matter_and_slides(text)
    assert 35 <= len(slides) <= 50, f"{len(slides)} slides"


def test_every_comment_is_a_presenterm_command(text: str) -> None:
    for comment in COMMENT.finditer(text):
        value = yaml.safe_load(comment["body"])
        if isinstance(value, str):
            assert value in WORD_COMMANDS, f"unknown comment command {value!r}"
        else:
            assert isinstance(value, dict) and len(value) == 1, f"not one command: {comment[0][:80]!r}"
            (name,) = value
            assert name in VALUE_COMMANDS, f"unknown comment command {name!r}"


def test_every_slide_has_a_title_and_a_speaker_note(text: str) -> None:
    _, slides = front_matter_and_slides(text)
    for number, slide in enumerate(slides, start=2):  # slide 1 is the title slide from the front matter
        titles = [m["title"] for m in TITLE.finditer(slide)]
        assert len(titles) == 1, f"slide {number}: expected one === title, found {titles}"
        assert not LIST_ITEM.match(titles[0]), f"slide {number}: {titles[0]!r} would render as a list item"
        notes = [c["speaker_note"] for c in commands(slide) if isinstance(c, dict) and "speaker_note" in c]
        assert len(notes) == 1 and notes[0].strip(), f"slide {number} ({titles[0]}): needs one speaker note"


def test_speaker_notes_follow_the_agenda(text: str) -> None:
    """Each note starts with the minute it should be said at, and the minutes never go back."""
    _, slides = front_matter_and_slides(text)
    minutes = []
    for slide in slides:
        note = next(c["speaker_note"] for c in commands(slide) if isinstance(c, dict) and "speaker_note" in c)
        match = re.match(r"(\d):(\d\d)\.", note.strip())
        assert match, f"speaker note without a time mark: {note[:60]!r}"
        minutes.append(int(match[1]) * 60 + int(match[2]))
    assert minutes == sorted(minutes), minutes
    assert minutes[-1] <= 90


def test_diagrams_are_text_and_code_fits_the_screen(text: str) -> None:
    for block in code_blocks(text):
        assert block.language != "mermaid", f"line {block.line}: presenterm needs mermaid-cli for Mermaid"
        assert block.closed, f"line {block.line}: unclosed code block"
        for offset, line in enumerate(block.text.split("\n")):
            assert len(line) <= MAX_CODE_WIDTH, f"line {block.line + offset} is {len(line)} columns wide"
