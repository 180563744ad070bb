"""Checks a documented command, or a path in backticks, against the repository: every make target, script,
file, Kargo/Argo CD object, namespace and image it names must exist. Each check returns messages for people
([] when all is well)."""

from __future__ import annotations

import glob
import itertools
import os
import re
from pathlib import Path

from tests.docs.markdown import code_blocks, inline_code
from tests.docs.repo_facts import RepoFacts, make_targets
from tests.docs.shell import Command, ShellSyntaxError, commands_in_block, commands_in_line

# Top-level entries a repo path may start with, besides those that exist (so a path into a missing one fails).
EXPECTED_TOP_LEVEL = frozenset({".github", ".ci", "demo"})
GENERATED_TOP_LEVEL = frozenset(
    {".git", ".venv", ".bootstrap", ".pytest_cache", ".ruff_cache", ".hypothesis"}
)
FILE_SUFFIXES = frozenset(
    {"sh", "py", "yaml", "yml", "md", "json", "jsonl", "toml", "txt", "mk", "ts", "tsx", "js", "html", "css"}
)
REGISTRIES = frozenset({"docker.io", "index.docker.io", "ghcr.io", "quay.io", "gcr.io", "registry.k8s.io"})
PATH_TOKEN = re.compile(r"^[A-Za-z0-9_.*?<>{},@+-]+(/[A-Za-z0-9_.*?<>{},@+-]*)+$")
MAKE_OPTIONS_WITH_VALUE = frozenset({"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-o"})
KUBECTL_OPTIONS_WITH_VALUE = frozenset(
    {
        "-n", "--namespace", "-o", "--output", "-l", "--selector", "--context", "--kubeconfig", "-f",
        "--filename", "-c", "--container", "--sort-by", "--field-selector", "--for", "--timeout", "-p",
        "--patch", "--type", "--template", "-L", "--label-columns", "--since", "--tail", "--cluster",
        "--user", "-k", "--kustomize", "--server", "--token", "--as", "--image", "--replicas",
        "--to-revision", "--from-literal", "--from-file", "--subresource", "--field-manager",
    }
)  # fmt: skip
KARGO_OBJECT_FLAGS = {"--project": "Project", "--stage": "Stage", "--warehouse": "Warehouse"}
ARGOCD_APP_VERBS = frozenset({"get", "sync", "history", "rollback", "wait", "diff", "manifests", "delete"})
SHORT_NAMES = {"app": "Application", "apps": "Application"}
# kubectl verbs whose positional arguments are TYPE NAME... (the others are not checked for names).
NAMED_VERBS = frozenset({"get", "describe", "delete", "edit", "annotate", "label", "patch", "wait"})


def top_level_entries(root: Path) -> frozenset[str]:
    present = {p.name for p in root.iterdir()} - GENERATED_TOP_LEVEL
    return frozenset(present | EXPECTED_TOP_LEVEL)


def check_command(command: Command, facts: RepoFacts) -> list[str]:
    problems: list[str] = []
    arguments = list(command.argv)
    if Path(command.name).name == "git":
        # git's arguments are refs ("demo/01-feature", "origin/env/stg"); only a pathspec after -- is a path.
        arguments = arguments[arguments.index("--") + 1 :] if "--" in arguments else []
    words = [*command.env.values(), *arguments]
    for word in words:
        problems += check_word(word, facts, in_command=True)
    executable = command.name.removeprefix("./")
    if looks_like_repo_path(executable, facts.root, in_command=True) and not problems:
        target = facts.root / executable
        if target.is_file() and not os.access(target, os.X_OK):
            problems.append(f"{executable} is not executable")
    name = Path(command.name).name
    if name in ("make", "gmake"):
        problems += check_make(command, facts)
    elif name == "kubectl":
        problems += check_kubectl(command, facts)
    elif name == "kargo":
        problems += check_kargo(command, facts)
    elif name == "argocd":
        problems += check_argocd(command, facts)
    return problems


def check_word(word: str, facts: RepoFacts, in_command: bool) -> list[str]:
    """A repo path must exist; in a command, an image must be one the Warehouse subscribes to."""
    problems: list[str] = []
    value = word.partition("=")[2] if word.startswith("-") and "=" in word else word
    if in_command:
        repo = image_repo(value, facts)
        if repo is not None and repo not in facts.image_repos:
            known = ", ".join(sorted(facts.image_repos))
            problems.append(f"image {repo} is not subscribed by the Warehouse (known: {known})")
    if looks_like_repo_path(value, facts.root, in_command) and not repo_path_exists(value, facts.root):
        problems.append(f"{value}: no such file or directory in the repository")
    return problems


def looks_like_repo_path(token: str, root: Path, in_command: bool) -> bool:
    """A relative path into the repo. In commands, also any relative path to a file with a known suffix, so a
    wrong top-level directory is caught too."""
    token = token.removeprefix("./").rstrip(".,;:")
    if not PATH_TOKEN.match(token) or token.startswith(("-", "/", "~", "$", "../")):
        return False
    first, last = token.split("/")[0], token.rstrip("/").split("/")[-1]
    if first in top_level_entries(root):
        return True
    return in_command and "." in last and last.rsplit(".", 1)[1] in FILE_SUFFIXES and "." not in first


def repo_path_exists(token: str, root: Path) -> bool:
    """Exists, or (for a glob, brace list or <placeholder>) matches at least one file."""
    token = token.removeprefix("./").rstrip(".,;:")
    pattern = re.sub(r"<[^<>/]+>", "*", token)
    return all(glob.glob(str(root / p)) for p in expand_braces(pattern))


def expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return list(
        itertools.chain.from_iterable(expand_braces(head + part + tail) for part in match[1].split(","))
    )


def image_repo(token: str, facts: RepoFacts) -> str | None:
    """The repository of an image reference (registry/path[:tag|@digest]), or None if it is not one."""
    if "://" in token or "/" not in token or "$" in token:
        return None
    first = token.split("/")[0]
    hub_namespaces = {r.split("/")[1] for r in facts.image_repos if r.startswith("docker.io/")}
    if first in hub_namespaces:
        token = f"docker.io/{token}"
    elif first not in REGISTRIES:
        return None
    repo = token.split("@")[0]
    last = repo.rsplit("/", 1)[1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":")[0]
    return repo.replace("index.docker.io/", "docker.io/", 1)


def check_make(command: Command, facts: RepoFacts) -> list[str]:
    makefile = facts.root / "Makefile"
    targets: list[str] = []
    args = list(command.argv[1:])
    while args:
        arg = args.pop(0)
        if arg in ("-C", "--directory") and args:
            makefile = facts.root / args.pop(0) / "Makefile"
        elif arg in ("-f", "--file", "--makefile") and args:
            makefile = facts.root / args.pop(0)
        elif arg in MAKE_OPTIONS_WITH_VALUE and args and args[0].isdigit():
            args.pop(0)
        elif not arg.startswith("-") and "=" not in arg:
            targets.append(arg)
    if makefile == facts.root / "Makefile":
        known = facts.make_targets
    elif makefile.is_file():
        known = make_targets(makefile)
    else:
        return [f"no Makefile at {makefile.relative_to(facts.root)}"]
    where = makefile.relative_to(facts.root)
    return [
        f"make target '{t}' is not defined by {where} (or what it includes)"
        for t in targets
        if t not in known
    ]


def check_kubectl(command: Command, facts: RepoFacts) -> list[str]:
    problems: list[str] = []
    options, positional = split_options(command.argv[1:], KUBECTL_OPTIONS_WITH_VALUE)
    for option, value in options:
        if option in ("-n", "--namespace") and literal(value) and value not in facts.namespaces:
            problems.append(f"namespace '{value}' is not used by the overlays, gitops/ or scripts/")
    if not positional or positional[0] not in NAMED_VERBS:
        return problems
    verb, rest = positional[0], positional[1:]
    names: list[tuple[str, str]] = []  # (type word, object name)
    for word in rest:
        if "/" in word:
            kind_word, _, name = word.partition("/")
            names.append((kind_word, name))
    if rest and "/" not in rest[0]:
        # "get TYPE NAME...": every further word is a name; annotate/label/patch take one NAME then arguments.
        candidates = rest[1:] if verb in ("get", "describe", "delete", "edit", "wait") else rest[1:2]
        names += [(rest[0], n) for n in candidates if "=" not in n and not n.endswith("-")]
    for kind_word, name in names:
        kind = kind_of(kind_word, facts)
        if kind is not None and literal(name) and name not in facts.objects[kind]:
            problems.append(
                f"no {kind} named '{name}' in gitops/ (known: {', '.join(sorted(facts.objects[kind]))})"
            )
    return problems


def check_kargo(command: Command, facts: RepoFacts) -> list[str]:
    problems: list[str] = []
    options, _ = split_options(
        command.argv[1:], frozenset(KARGO_OBJECT_FLAGS) | {"--freight", "--freight-alias"}
    )
    for option, value in options:
        kind = KARGO_OBJECT_FLAGS.get(option)
        if kind and literal(value) and value not in facts.objects.get(kind, frozenset()):
            problems.append(f"{option} {value}: no {kind} named '{value}' in gitops/")
    return problems


def check_argocd(command: Command, facts: RepoFacts) -> list[str]:
    _, positional = split_options(command.argv[1:], frozenset({"-o", "--output", "--revision", "--id"}))
    apps = facts.objects.get("Application", frozenset())
    if len(positional) >= 3 and positional[0] == "app" and positional[1] in ARGOCD_APP_VERBS:
        name = positional[2]
        if literal(name) and name not in apps:
            return [f"no Argo CD Application named '{name}' in gitops/argocd"]
    return []


def split_options(args: tuple[str, ...] | list[str], with_value: frozenset[str]) -> tuple[list, list[str]]:
    """([(option, value)], positional arguments). "--opt=value" and "--opt value" are both understood."""
    options: list[tuple[str, str]] = []
    positional: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positional += rest
            break
        if arg.startswith("-") and "=" in arg:
            option, _, value = arg.partition("=")
            options.append((option, value))
        elif arg in with_value and rest:
            options.append((arg, rest.pop(0)))
        elif arg.startswith("-"):
            options.append((arg, ""))
        else:
            positional.append(arg)
    return options, positional


def kind_of(word: str, facts: RepoFacts) -> str | None:
    """The gitops kind a kubectl type word names ("stage", "stages.kargo.akuity.io", "app"...), if any."""
    word = word.lower()
    if word in SHORT_NAMES and SHORT_NAMES[word] in facts.objects:
        return SHORT_NAMES[word]
    for kind, group in facts.kind_groups.items():
        singular = kind.lower()
        forms = {singular, singular + "s"}
        if word in forms or word in {f"{form}.{group}" for form in forms}:
            return kind
    return None


def literal(value: str) -> bool:
    """False for shell variables and placeholders, which name nothing in particular."""
    return bool(value) and not any(c in value for c in "$<>{}*") and "__SUBSTITUTION__" not in value


def command_problems(text: str, facts: RepoFacts) -> list[str]:
    """Problems of every command in a Markdown text: fenced command blocks, plus inline `make ...` spans and
    `scripts/... ARGS` spans (a command in the prose is a command too; a bare script path in the prose is a
    path, checked by backtick_path_problems). Each message starts with its line."""
    problems: list[str] = []
    commands: list[Command] = []
    for block in code_blocks(text):
        if not block.closed:
            problems.append(f"{block.line - 1}: code fence never closed")
        try:
            commands += commands_in_block(block)
        except ShellSyntaxError as error:
            problems.append(str(error))
    for span in inline_code(text):
        if span.code.startswith("make ") or (
            span.code.startswith(("scripts/", "./scripts/")) and " " in span.code
        ):
            try:
                commands += commands_in_line(span.code, span.line)
            except ShellSyntaxError as error:
                problems.append(str(error))
    for command in commands:
        problems += [f"{command.line}: `{command.text}`: {p}" for p in check_command(command, facts)]
    return problems


def backtick_path_problems(text: str, facts: RepoFacts) -> list[str]:
    """Every repo path written in backticks in the prose must exist."""
    problems: list[str] = []
    for span in inline_code(text):
        if " " in span.code:
            continue  # a command or a phrase; commands are checked by command_problems
        if looks_like_repo_path(span.code, facts.root, in_command=False) and not repo_path_exists(
            span.code, facts.root
        ):
            problems.append(f"{span.line}: `{span.code}`: no such file or directory in the repository")
    return problems
