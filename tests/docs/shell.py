"""The shell commands in a Markdown code block: simple commands with their arguments, as a reader types them.

What counts: fenced blocks tagged bash/sh/shell/zsh (every line is a command), console/shell-session (only
lines after a `$ ` prompt) and untagged blocks (every line). Diagrams belong in `text` blocks.
Line continuations are joined, here-document bodies skipped, `$(...)` substitutions become commands of their
own, and lists and pipelines (`&&`, `||`, `;`, `|`) are split into simple commands. Leading `VAR=value`
assignments and wrappers such as `sudo` or `watch -n 2` are peeled off.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from tests.docs.markdown import CodeBlock

SCRIPT_LANGUAGES = frozenset({"bash", "sh", "shell", "zsh", ""})
SESSION_LANGUAGES = frozenset({"console", "shell-session"})
PROMPT = re.compile(r"^\s*\$ ")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>[A-Za-z_][A-Za-z0-9_]*)\1")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "|&", "(", ")", ";;", "<(", ">("})
PLACEHOLDER = "__SUBSTITUTION__"
# Wrappers whose own options come before the real command: name -> options that take a value.
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D"}),
    "env": frozenset({"-u", "-C"}),
    "time": frozenset(),
    "nohup": frozenset(),
    "exec": frozenset(),
    "command": frozenset(),
    "watch": frozenset({"-n", "--interval", "-d"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
}


class ShellSyntaxError(ValueError):
    """A command line that shlex cannot split (an unbalanced quote, usually)."""


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    line: int  # 1-based line in the Markdown file
    text: str  # the logical line it came from
    env: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.argv[0] if self.argv else ""


def is_command_block(block: CodeBlock) -> bool:
    return block.language in SCRIPT_LANGUAGES or block.language in SESSION_LANGUAGES


def commands_in_block(block: CodeBlock) -> list[Command]:
    """Every simple command of a command block ([] for other languages). Raises ShellSyntaxError."""
    if not is_command_block(block):
        return []
    session = block.language in SESSION_LANGUAGES
    commands: list[Command] = []
    for line, text in _logical_lines(block.text, block.line, session):
        commands.extend(commands_in_line(text, line))
    return commands


def commands_in_line(text: str, line: int) -> list[Command]:
    text, substitutions = extract_substitutions(strip_comment(text))
    commands: list[Command] = []
    for inner in substitutions:
        commands.extend(commands_in_line(inner, line))
    try:
        tokens = _split_words(text)
    except ValueError as error:
        raise ShellSyntaxError(f"line {line}: cannot split {text!r}: {error}") from None
    for simple in _split_simple(tokens):
        command = _peel(simple, line, text)
        if command is not None:
            commands.append(command)
    return commands


def strip_comment(text: str) -> str:
    """Cut an unquoted `#` that starts a word, and what follows it (as the shell does)."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index].rstrip()
    return text


def extract_substitutions(text: str) -> tuple[str, list[str]]:
    """Replace each outermost `$(...)` with a placeholder word; return the text and the inner commands."""
    out: list[str] = []
    inner: list[str] = []
    index = 0
    quote = ""
    while index < len(text):
        char = text[index]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "'" and quote == "":
            quote = "'"
        elif char == '"':
            quote = "" if quote == '"' else '"'
        elif text.startswith("$(", index) and not text.startswith("$((", index):
            end = _matching_paren(text, index + 1)
            inner.append(text[index + 2 : end])
            out.append(PLACEHOLDER)
            index = end + 1
            continue
        out.append(char)
        index += 1
    return "".join(out), inner


def _matching_paren(text: str, open_index: int) -> int:
    depth = 0
    quote = ""
    for index in range(open_index, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ShellSyntaxError(f"unbalanced $( in {text!r}")


def _logical_lines(body: str, first_line: int, session: bool) -> list[tuple[int, str]]:
    """(line number, text) of each command line: prompts stripped, continuations joined, heredocs skipped."""
    result: list[tuple[int, str]] = []
    lines = body.split("\n")
    index = 0
    while index < len(lines):
        raw, number = lines[index], first_line + index
        index += 1
        if session:
            if not PROMPT.match(raw):
                continue  # output, not a command
            raw = PROMPT.sub("", raw, count=1)
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        # A trailing backslash, or an unclosed quote, continues the command on the next line.
        while index < len(lines) and (text.endswith("\\") or not _balanced(text)):
            text = (text[:-1] if text.endswith("\\") else text + "\n") + " " + lines[index].strip()
            index += 1
        heredoc = HEREDOC.search(text)
        if heredoc:
            while index < len(lines) and lines[index].strip() != heredoc["word"]:
                index += 1
            index += 1  # the terminator line
            text = text[: heredoc.start()].rstrip()
        result.append((number, text))
    return result


def _split_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # strip_comment handles comments as the shell does
    return list(lexer)


def _balanced(text: str) -> bool:
    try:
        _split_words(strip_comment(text))
    except ValueError:
        return False
    return True


def _split_simple(tokens: list[str]) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _peel(tokens: list[str], line: int, text: str) -> Command | None:
    argv: list[str] = []
    skip_next = False
    for position, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        if _is_redirection(token):
            skip_next = True  # the redirection's target
            continue
        nxt = tokens[position + 1] if position + 1 < len(tokens) else ""
        if token.isdigit() and _is_redirection(nxt):
            continue  # the file descriptor of "2>&1"
        argv.append(token)
    env: dict[str, str] = {}
    while True:
        while argv and ASSIGNMENT.match(argv[0]):
            name, _, value = argv.pop(0).partition("=")
            env[name] = value
        if not argv or argv[0] not in WRAPPERS:
            break
        wrapper = argv.pop(0)
        while argv and argv[0].startswith("-"):
            option = argv.pop(0)
            if option in WRAPPERS[wrapper] and argv:
                argv.pop(0)
        if wrapper == "timeout" and len(argv) > 1 and _is_duration(argv[0]):
            argv.pop(0)
    if not argv:
        return None
    return Command(tuple(argv), line, text, env)


def _is_redirection(token: str) -> bool:
    return bool(token) and set(token) <= set("<>&") and ("<" in token or ">" in token)


def _is_duration(token: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?[smhd]?", token) is not None
