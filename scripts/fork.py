"""The names a fork changes (fork.env), and the one rewrite that swaps them in any text.

`make fork` uses it to rewrite the repository's files; the test harness and the lab use it to apply the
manifests against their local registry and Git server. Standard library only: it runs before any set-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORK_ENV = REPO / "fork.env"
KEYS = ("GIT_URL", "IMAGE_NAMESPACE", "HOST_SUFFIX")


class ForkError(ValueError):
    """A fork value or fork.env line is malformed; the message says which and why."""


@dataclass(frozen=True)
class ForkNames:
    git_url: str  # e.g. https://github.com/<owner>/<name>.git
    image_namespace: str  # e.g. docker.io/<user>, no trailing slash
    host_suffix: str  # e.g. 192.168.49.2.nip.io

    def pairs(self, new: ForkNames) -> list[tuple[str, str]]:
        """(old, new) replacements, most specific first so no replacement rewrites part of another."""
        return [
            (self.git_url, new.git_url),
            (self.image_namespace + "/", new.image_namespace + "/"),
            ("." + self.host_suffix, "." + new.host_suffix),
        ]


def load_names(path: Path = FORK_ENV) -> ForkNames:
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or key not in KEYS:
            raise ForkError(f"{path}:{number}: expected one of {', '.join(KEYS)} as KEY=value, got {line!r}")
        values[key] = value
    missing = [key for key in KEYS if key not in values]
    if missing:
        raise ForkError(f"{path}: missing {', '.join(missing)}")
    return ForkNames(values["GIT_URL"], values["IMAGE_NAMESPACE"], values["HOST_SUFFIX"])


def rewrite_text(text: str, old: ForkNames, new: ForkNames) -> str:
    """`text` with every fork name of `old` replaced by the same name of `new`."""
    pattern = re.compile("|".join(re.escape(src) for src, _ in old.pairs(new)))
    table = dict(old.pairs(new))
    return pattern.sub(lambda match: table[match.group(0)], text)
