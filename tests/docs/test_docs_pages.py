"""docs/ has every page the talk needs, in an index, with Mermaid diagrams and links that resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.markdown import code_blocks
from tests.docs.pages import DOC_PAGES
from tests.docs.repo_facts import REPO_ROOT

DOCS = REPO_ROOT / "docs"
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*\s*$", re.MULTILINE)
MARKDOWN_FILES = sorted([*DOCS.glob("*.md"), *(REPO_ROOT / "presentation").glob("*.md")])


def github_anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped (accented letters kept), - for spaces."""
    text = re.sub(r"`", "", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    inside = set()
    for block in code_blocks(text):
        first, last = block.fence_lines
        inside.update(range(first, last + 1))
    found: set[str] = set()
    for match in HEADING.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if line not in inside:
            found.add(github_anchor(match["text"]))
    return found


def test_github_anchor() -> None:
    assert github_anchor("Rollback: o que é verdade") == "rollback-o-que-é-verdade"
    assert github_anchor("1.5 O painel no cluster") == "15-o-painel-no-cluster"
    assert github_anchor("`values.yaml`: o que varia") == "valuesyaml-o-que-varia"


def test_the_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {m["target"] for m in LINK.finditer(index)}
    missing = [page for page in DOC_PAGES if page != "README.md" and page not in linked]
    assert not missing, f"docs/README.md does not link {missing}"


@pytest.mark.parametrize("page", [p for p in DOC_PAGES if p != "README.md"])
def test_each_page_has_a_mermaid_diagram(page: str) -> None:
    blocks = code_blocks((DOCS / page).read_text(encoding="utf-8"))
    assert any(b.language == "mermaid" for b in blocks), f"docs/{page} has no Mermaid diagram"


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    problems = []
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match["target"]
        if re.match(r"^[a-z]+:", target):
            continue  # http(s):, mailto: ...
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{target}: no heading with that anchor in {linked.name}")
    assert not problems, f"{path.relative_to(REPO_ROOT)}: " + "; ".join(problems)
