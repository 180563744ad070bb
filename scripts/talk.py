"""Write presentation/talk.yaml (speaker, contacts, repository, references) into the places that show it: the
slides' front matter, their "Quem fala", "Referências" and closing tables, the README's "The talk" section and
the reference list of docs/README.md. `make talk` runs it after an edit of talk.yaml; `--check` only reports
what is out of date (exit 1), as tests/docs/test_talk_config.py does.

Usage: python scripts/talk.py [--check] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PEOPLE_TABLE = re.compile(r"\*\*[^*\n]+\*\*\n\n\| onde \| endereço \|\n\|---\|---\|\n(?:\|.*\|\n)+")
REFERENCES_TABLE = re.compile(r"\| \| documentação oficial \|\n\|---\|---\|\n(?:\|.*\|\n)+")
AUTHOR = re.compile(r"^author: .*$", re.MULTILINE)
README_SECTION = re.compile(r"^## The talk\n.*?(?=^## )", re.MULTILINE | re.DOTALL)
DOCS_REFERENCES = re.compile(r"(^## Referências\n\n(?:[^\n]+\n)+\n)(?:- \[.*\n)+", re.MULTILINE)


class TalkError(ValueError):
    """talk.yaml or a file it is written into is not as expected; the message says which and why."""


@dataclass(frozen=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True)
class Talk:
    speaker: str
    contacts: tuple[Link, ...]
    repository: str
    resources: tuple[Link, ...]


def load(path: Path) -> Talk:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) != {"speaker", "contacts", "repository", "resources"}:
        raise TalkError(f"{path}: expected exactly the keys speaker, contacts, repository, resources")

    def links(key: str) -> tuple[Link, ...]:
        entries = data[key]
        if not isinstance(entries, list) or not entries:
            raise TalkError(f"{path}: {key} must be a non-empty list of name/url entries")
        result = []
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) != {"name", "url"}:
                raise TalkError(f"{path}: {key}: each entry has exactly a name and a url, got {entry!r}")
            if not str(entry["url"]).startswith("https://"):
                raise TalkError(f"{path}: {key}: {entry['name']}: the url must start with https://")
            result.append(Link(str(entry["name"]), str(entry["url"])))
        return tuple(result)

    if not isinstance(data["speaker"], str) or not data["speaker"].strip():
        raise TalkError(f"{path}: speaker must be a name")
    return Talk(data["speaker"].strip(), links("contacts"), str(data["repository"]), links("resources"))


def people_table(talk: Talk) -> str:
    rows = [f"| {c.name} | {c.url} |" for c in talk.contacts]
    rows.append(f"| o código desta palestra | {talk.repository} |")
    return f"**{talk.speaker}**\n\n| onde | endereço |\n|---|---|\n" + "\n".join(rows) + "\n"


def references_table(talk: Talk) -> str:
    rows = "\n".join(f"| {r.name} | {r.url} |" for r in talk.resources)
    return f"| | documentação oficial |\n|---|---|\n{rows}\n"


def readme_section(talk: Talk) -> str:
    contacts = ", ".join(f"[{c.name}]({c.url})" for c in talk.contacts)
    return f"""## The talk

"Promoção de Imagens Docker entre Ambientes: GitOps com Argo CD e Kargo" (90 minutes, in Brazilian Portuguese)
by **{talk.speaker}**.
Contacts: {contacts}.
Its code is this repository: <{talk.repository}>

The slides are `presentation/slides.md` (`make slides` shows them with presenterm), the live demo's runbook is
`presentation/runbook.md`, the docs start at `docs/README.md`. The speaker, contacts, repository and
references are set in one file, `presentation/talk.yaml`: after editing it, `make talk` writes them into the
slides, this section and `docs/README.md` (`tests/docs/test_talk_config.py` fails while they disagree).

"""


def substitute(
    pattern: re.Pattern[str], text: str, new: str | Callable[[re.Match[str]], str], count: int, where: str
) -> str:
    """`text` with each of the `count` blocks `pattern` matches replaced; any other count is an error."""
    found = len(pattern.findall(text))
    if found != count:
        raise TalkError(f"{where}: expected {count} block(s) matching {pattern.pattern!r}, found {found}")
    return pattern.sub(new if callable(new) else lambda _match: new, text)


def render(root: Path, talk: Talk) -> dict[Path, str]:
    """The new text of every file that shows the talk's values."""
    slides_path, readme_path = root / "presentation/slides.md", root / "README.md"
    docs_path = root / "docs/README.md"
    slides = slides_path.read_text(encoding="utf-8")
    slides = substitute(
        AUTHOR, slides, f"author: {json.dumps(talk.speaker, ensure_ascii=False)}", 1, "slides"
    )
    slides = substitute(PEOPLE_TABLE, slides, people_table(talk), 2, "slides")
    slides = substitute(REFERENCES_TABLE, slides, references_table(talk), 1, "slides")
    readme = substitute(
        README_SECTION, readme_path.read_text(encoding="utf-8"), readme_section(talk), 1, "README"
    )
    listed = "".join(f"- [{r.name}]({r.url})\n" for r in talk.resources)
    docs = substitute(
        DOCS_REFERENCES, docs_path.read_text(encoding="utf-8"), lambda m: m[1] + listed, 1, "docs/README.md"
    )
    return {slides_path: slides, readme_path: readme, docs_path: docs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="report files that are out of date, change nothing"
    )
    parser.add_argument("--root", type=Path, default=REPO, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    try:
        talk = load(args.root / "presentation/talk.yaml")
        outputs = render(args.root, talk)
    except (TalkError, OSError, yaml.YAMLError) as error:
        print(f"talk: error: {error}", file=sys.stderr)
        return 2
    stale = [path for path, text in outputs.items() if path.read_text(encoding="utf-8") != text]
    for path in stale:
        where = path.relative_to(args.root)
        if args.check:
            print(f"talk: {where} does not show presentation/talk.yaml: run make talk", file=sys.stderr)
        else:
            path.write_text(outputs[path], encoding="utf-8")
            print(f"talk: updated {where}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
