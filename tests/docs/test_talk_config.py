"""presentation/talk.yaml names the speaker, contacts, repository and references once; the slides (title
slide, "Quem fala", "Referências", the closing slide), the README and every docs page show them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs.pages import DOC_PAGES
from tests.docs.repo_facts import REPO_ROOT
from tests.docs.test_slides import TITLE, front_matter_and_slides

TALK = REPO_ROOT / "presentation" / "talk.yaml"
SLIDES = REPO_ROOT / "presentation" / "slides.md"
URL = re.compile(r"^https://[^\s/]+\.[a-z]+/\S*$")
OFFICIAL_PAGES = ("Argo CD", "Kargo", "OpenGitOps", "Helm", "Kustomize")
REFERENCES = re.compile(r"^## Referências\n(?P<body>.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]+\]\((?P<url>https://[^)\s]+)\)")
NAMED_LINK = re.compile(r"\[(?P<name>[^\]]+)\]\((?P<url>https://[^)\s]+)\)")


@pytest.fixture(scope="module")
def talk() -> dict[str, Any]:
    return yaml.safe_load(TALK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slides() -> dict[str, str]:
    """Each slide's text by its title."""
    _, parts = front_matter_and_slides(SLIDES.read_text(encoding="utf-8"))
    by_title = {}
    for part in parts:
        title = TITLE.search(part)
        assert title, part[:80]
        by_title[title["title"]] = part
    return by_title


def fork_git_url() -> str:
    for line in (REPO_ROOT / "fork.env").read_text(encoding="utf-8").splitlines():
        if line.startswith("GIT_URL="):
            return line.removeprefix("GIT_URL=")
    raise AssertionError("fork.env has no GIT_URL")


def test_the_file_is_complete(talk: dict[str, Any]) -> None:
    assert set(talk) == {"speaker", "contacts", "repository", "resources"}
    assert isinstance(talk["speaker"], str) and talk["speaker"].strip()
    for entry in (*talk["contacts"], *talk["resources"]):
        assert set(entry) == {"name", "url"}, entry
        assert URL.match(entry["url"]), f"{entry['name']}: {entry['url']!r} is not an https URL"
    assert talk["contacts"], "at least one contact"
    assert (
        talk["repository"] == fork_git_url()
    ), "the repository is fork.env's GIT_URL (make fork rewrites both)"
    names = [r["name"] for r in talk["resources"]]
    assert set(OFFICIAL_PAGES) <= set(names), f"the resources must include {OFFICIAL_PAGES}"


def people_facing(talk: dict[str, Any]) -> list[str]:
    return [talk["speaker"], talk["repository"], *(c["url"] for c in talk["contacts"])]


def test_the_title_slide_names_the_speaker(talk: dict[str, Any]) -> None:
    meta, _ = front_matter_and_slides(SLIDES.read_text(encoding="utf-8"))
    assert meta["author"] == talk["speaker"]


def test_the_opening_and_closing_slides_show_the_speaker_and_contacts(
    talk: dict[str, Any], slides: dict[str, str]
) -> None:
    titles = list(slides)
    opening, closing = slides[titles[0]], slides[titles[-1]]
    assert titles[0] == "Quem fala"
    assert titles[-1].startswith("Obrigado")
    for value in people_facing(talk):
        assert value in opening, f"the opening slide lacks {value}"
        assert value in closing, f"the closing slide lacks {value}"


def test_the_references_slide_lists_every_resource(talk: dict[str, Any], slides: dict[str, str]) -> None:
    references = slides["Referências"]
    for resource in talk["resources"]:
        assert re.search(
            rf"\|\s*{re.escape(resource['name'])}\s*\|\s*{re.escape(resource['url'])}\s*\|", references
        ), f"the Referências slide lacks the row {resource['name']} | {resource['url']}"


def test_the_readme_shows_the_speaker(talk: dict[str, Any]) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The talk") :]
    section = section[: section.index("\n## ", 1)]
    for value in people_facing(talk):
        assert value in section, f"README's 'The talk' section lacks {value}"
    assert "presentation/talk.yaml" in section


def test_the_docs_index_lists_every_resource(talk: dict[str, Any]) -> None:
    index = (REPO_ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    match = REFERENCES.search(index)
    assert match, "docs/README.md has no '## Referências' section"
    listed = {(m["name"], m["url"]) for m in NAMED_LINK.finditer(match["body"])}
    missing = [r for r in talk["resources"] if (r["name"], r["url"]) not in listed]
    assert not missing, f"docs/README.md's Referências lack {missing}"


@pytest.mark.parametrize("page", DOC_PAGES)
def test_each_doc_page_ends_with_its_references(page: str, talk: dict[str, Any]) -> None:
    text = (REPO_ROOT / "docs" / page).read_text(encoding="utf-8")
    match = REFERENCES.search(text)
    assert match, f"docs/{page} has no '## Referências' section"
    links = [m["url"] for m in LINK.finditer(match["body"])]
    assert links, f"docs/{page}: the Referências section links nothing"
    official = tuple(r["url"] for r in talk["resources"])
    assert any(
        url.startswith(official) for url in links
    ), f"docs/{page}: its Referências link none of the official documentation of presentation/talk.yaml"


# ---- make talk (scripts/talk.py) writes talk.yaml into those places ------------------------------------

GENERATED = ("presentation/slides.md", "README.md", "docs/README.md", "presentation/talk.yaml")


def run_talk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, with this interpreter
        [sys.executable, str(REPO_ROOT / "scripts/talk.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def copy_of_the_talk(tmp_path: Path) -> Path:
    for relative in GENERATED:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / relative, tmp_path / relative)
    return tmp_path


def test_the_generated_sections_are_up_to_date() -> None:
    result = run_talk("--check")
    assert result.returncode == 0, result.stderr


def test_a_new_speaker_reaches_the_slides_and_the_readmes(tmp_path: Path, talk: dict[str, Any]) -> None:
    root = copy_of_the_talk(tmp_path)
    new = {
        **talk,
        "speaker": "Ana Souza",
        "contacts": [{"name": "GitHub", "url": "https://github.com/ana-souza-example"}],
        "resources": [{"name": "Kargo", "url": "https://docs.kargo.io/"}],
    }
    (root / "presentation/talk.yaml").write_text(yaml.safe_dump(new, allow_unicode=True), encoding="utf-8")
    assert run_talk("--check", "--root", str(root)).returncode == 1

    result = run_talk("--root", str(root))
    assert result.returncode == 0, result.stderr
    assert run_talk("--check", "--root", str(root)).returncode == 0
    slides = (root / "presentation/slides.md").read_text(encoding="utf-8")
    meta, _ = front_matter_and_slides(slides)
    assert meta["author"] == "Ana Souza"
    assert slides.count("| GitHub | https://github.com/ana-souza-example |") == 2  # opening and closing
    assert "| Kargo | https://docs.kargo.io/ |" in slides
    readme = (root / "README.md").read_text(encoding="utf-8")
    docs = (root / "docs/README.md").read_text(encoding="utf-8")
    assert "**Ana Souza**" in readme and "https://github.com/ana-souza-example" in readme
    assert "- [Kargo](https://docs.kargo.io/)" in docs and "- [Helm](" not in docs
    for old in (talk["speaker"], *(c["url"] for c in talk["contacts"])):
        assert old not in slides and old not in readme, f"{old} was left behind"


def test_a_bad_talk_file_is_refused_and_nothing_is_written(tmp_path: Path, talk: dict[str, Any]) -> None:
    root = copy_of_the_talk(tmp_path)
    before = (root / "presentation/slides.md").read_text(encoding="utf-8")
    bad = {**talk, "contacts": [{"name": "Site", "url": "http://example.com/"}]}
    (root / "presentation/talk.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    result = run_talk("--root", str(root))
    assert result.returncode == 2
    assert "contacts: Site: the url must start with https://" in result.stderr
    assert (root / "presentation/slides.md").read_text(encoding="utf-8") == before
