"""Fenced code blocks and inline code spans of a Markdown file, with their line numbers (CommonMark rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENING_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# An inline code span: a run of N backticks, content, the same run of N backticks.
INLINE_CODE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)")


@dataclass(frozen=True)
class CodeBlock:
    language: str  # the first word of the info string, lower-cased ("" when there is none)
    text: str
    line: int  # 1-based line of the first content line
    closed: bool  # False when the file ends inside the block (usually a forgotten fence)
    fence_lines: tuple[int, int] = (0, 0)  # first and last line of the block, fences included


@dataclass(frozen=True)
class InlineCode:
    code: str
    line: int


def code_blocks(markdown: str) -> list[CodeBlock]:
    blocks: list[CodeBlock] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = OPENING_FENCE.match(lines[index])
        # A backtick fence's info string may not contain backticks (then it is inline code, not a fence).
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        start = index + 1
        index += 1
        closed = False
        while index < len(lines):
            if closing.match(lines[index]):
                closed = True
                index += 1
                break
            body.append(_unindent(lines[index], indent))
            index += 1
        words = opening["info"].strip().split()
        language = words[0].lower() if words else ""
        fence_lines = (start, index)  # index is now just past the closing fence (or the file's length)
        blocks.append(CodeBlock(language, "\n".join(body), start + 1, closed, fence_lines))
    return blocks


def inline_code(markdown: str) -> list[InlineCode]:
    """Inline code spans outside fenced blocks (a span is looked for within one line)."""
    inside = _lines_inside_fences(markdown)
    spans: list[InlineCode] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if number in inside:
            continue
        spans.extend(InlineCode(m["code"].strip(), number) for m in INLINE_CODE.finditer(line))
    return spans


def _lines_inside_fences(markdown: str) -> set[int]:
    inside: set[int] = set()
    for block in code_blocks(markdown):
        first, last = block.fence_lines
        inside.update(range(first, last + 1))
    return inside


def _unindent(line: str, indent: int) -> str:
    stripped = 0
    while stripped < indent and stripped < len(line) and line[stripped] == " ":
        stripped += 1
    return line[stripped:]
