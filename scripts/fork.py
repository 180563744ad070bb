"""The names a fork changes (fork.env), and the one rewrite that swaps them in any text.

`make fork` uses it to rewrite the repository's files; the test harness and the lab use it to apply the
manifests against their local registry and Git server. Standard library only: it runs before any set-up.
"""

from __future__ import annotations

import os
import re
import sys
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


# ---- `make fork`: validate new values, rewrite every file that names the old ones, then fork.env ----------

# GitHub's rules: an owner is 1-39 letters, digits or single inner hyphens; a repository name is letters,
# digits, '.', '_', '-'.
_GITHUB = re.compile(r"^(?:https://)?github\.com/(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/?$")
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# Docker's reference grammar: a registry host (with a dot or a port, or localhost), then lowercase path
# components separated by '/'.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_REGISTRY_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})+|localhost)(?::\d{{1,5}})?$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_HOST_SUFFIX = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
# Never rewritten: third-party files copied verbatim, and folders of installed or generated things.
SKIP_DIRS = {".git", ".venv", ".bootstrap", "node_modules", "dist", "vendor", "__pycache__", ".pytest_cache"}


def parse_repo(value: str) -> str:
    """`github.com/<owner>/<name>` (or its https URL) -> the clone URL Argo CD and Kargo use."""
    match = _GITHUB.match(value.strip())
    if not match:
        raise ForkError(
            f"REPO={value!r}: expected github.com/<owner>/<name>, e.g. github.com/ana/promotion-board"
        )
    owner, name = match.group("owner"), match.group("name")
    if not _OWNER.match(owner):
        raise ForkError(
            f"REPO={value!r}: {owner!r} is not a GitHub owner (1-39 letters, digits or inner single hyphens)"
        )
    if not _REPO_NAME.match(name) or name in (".", ".."):
        raise ForkError(f"REPO={value!r}: {name!r} is not a GitHub repository name (letters, digits, . _ -)")
    return f"https://github.com/{owner}/{name}.git"


def parse_registry(value: str) -> str:
    """`<registry host>/<namespace>`, e.g. docker.io/ana or ghcr.io/ana: where the three images are pushed."""
    text = value.strip().rstrip("/")
    host, _, path = text.partition("/")
    if not path:
        raise ForkError(f"REGISTRY={value!r}: expected <registry host>/<namespace>, e.g. docker.io/<user>")
    if not _REGISTRY_HOST.match(host):
        raise ForkError(
            f"REGISTRY={value!r}: {host!r} is not a registry host (a lowercase DNS name such as docker.io or "
            "ghcr.io, with an optional :port)"
        )
    for component in path.split("/"):
        if not _PATH_COMPONENT.match(component):
            raise ForkError(
                f"REGISTRY={value!r}: {component!r} is not a valid namespace (lowercase letters, digits and "
                "single . _ - between them; no tag or digest)"
            )
    return text


def parse_host_suffix(value: str) -> str:
    """The DNS suffix of the ingress hosts, e.g. 192.168.49.2.nip.io (minikube's IP on nip.io)."""
    text = value.strip()
    if not _HOST_SUFFIX.match(text) or len(text) > 200:
        raise ForkError(
            f"HOST_SUFFIX={value!r}: expected a lowercase DNS suffix such as 192.168.49.2.nip.io "
            "(no leading dot, no wildcard)"
        )
    return text


def spellings(names: ForkNames) -> list[str]:
    """Every way a file may name these values: rewrite_text's forms plus the bare ones (a namespace at the
    end of a line, the repository without scheme or .git). After a fork none of the old ones may remain."""
    web = names.git_url.removesuffix(".git")
    return [
        names.git_url,
        web,
        web.removeprefix("https://"),
        names.image_namespace,
        "." + names.host_suffix,
    ]


def _bounded(spelling: str) -> str:
    # A whole name, not part of a longer one: `docker.io/ana` must not match inside `docker.io/anabela`. A
    # following '/' (a path under it), ':' or '.git' is fine; a host suffix follows its host's first label.
    before = r"(?<![\w-])" if spelling[0].isalnum() else ""
    return rf"{before}{re.escape(spelling)}(?![\w-]|\.(?!git\b)\w)"


def fork_text(text: str, old: ForkNames, new: ForkNames) -> str:
    """rewrite_text, plus the bare spellings; the most specific first, each replaced once."""
    table = dict(zip(spellings(old), spellings(new), strict=True))
    pattern = re.compile("|".join(f"(?:{_bounded(s)})" for s in table))
    return pattern.sub(lambda match: table[match.group(0)], text)


def names_in(text: str, names: ForkNames) -> list[str]:
    """The spellings of `names` that `text` contains (as whole names)."""
    return [s for s in spellings(names) if re.search(_bounded(s), text)]


def candidate_files(root: Path) -> list[Path]:
    """Every file of the repository at `root` that a fork may have to rewrite (fork.env apart)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(folder, name)
            if not path.is_symlink() and path != root / "fork.env":
                found.append(path)
    return found


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary, or unreadable: names live only in text files


def write_fork_env(path: Path, new: ForkNames) -> None:
    values = {"GIT_URL": new.git_url, "IMAGE_NAMESPACE": new.image_namespace, "HOST_SUFFIX": new.host_suffix}
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key = line.partition("=")[0]
        lines.append(f"{key}={values[key]}" if key in values and not line.startswith("#") else line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fork(root: Path, new: ForkNames, check: bool = False) -> list[Path]:
    """Rewrite every file under `root` that names the values of `root`/fork.env to name `new`, then
    fork.env. Returns the files that changed (or would, with `check`). Running it again changes nothing."""
    env = root / "fork.env"
    old = load_names(env)
    changed = []
    for path in candidate_files(root):
        text = read_text(path)
        if text is None or not names_in(text, old):
            continue
        rewritten = fork_text(text, old, new)
        if rewritten != text:
            changed.append(path)
            if not check:
                path.write_text(rewritten, encoding="utf-8")
    if old != new:
        changed.append(env)
        if not check:
            write_fork_env(env, new)  # last: until here a rerun finds the old values again
    return changed


def main(argv: list[str] | None = None) -> int:
    import argparse  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(
        prog="make fork",
        description="Make every file of the repository name your fork: its GitHub repository, image "
        "registry namespace and ingress host suffix (fork.env holds the current ones).",
    )
    parser.add_argument("--repo", help="github.com/<owner>/<name>")
    parser.add_argument("--registry", help="<registry host>/<namespace>, e.g. docker.io/<user>")
    parser.add_argument("--host-suffix", help="DNS suffix of the ingress hosts, e.g. 192.168.49.2.nip.io")
    parser.add_argument("--root", type=Path, default=REPO, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="list the files that would change; change none")
    args = parser.parse_args(argv)
    try:
        if not (args.repo or args.registry or args.host_suffix or args.check):
            raise ForkError(
                "nothing to do: make fork REPO=github.com/<owner>/<name> REGISTRY=docker.io/<user> "
                "[HOST_SUFFIX=<minikube ip>.nip.io]"
            )
        old = load_names(args.root / "fork.env")
        new = ForkNames(
            parse_repo(args.repo) if args.repo else old.git_url,
            parse_registry(args.registry) if args.registry else old.image_namespace,
            parse_host_suffix(args.host_suffix) if args.host_suffix else old.host_suffix,
        )
        changed = fork(args.root, new, check=args.check)
    except ForkError as error:
        print(f"fork: error: {error}", file=sys.stderr)
        return 2
    verb = "would change" if args.check else "changed"
    for path in changed:
        print(f"  {verb} {path.relative_to(args.root)}")
    print(
        f"fork: {len(changed)} file(s) {verb}; GIT_URL={new.git_url} IMAGE_NAMESPACE={new.image_namespace} "
        f"HOST_SUFFIX={new.host_suffix}"
    )
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
