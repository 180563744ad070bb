"""The dashboard's import graph: no cycles, and each layer imports only what lies below it.

Read from the source with `ast` (nothing is imported), counting every import: module level, inside functions
and under TYPE_CHECKING, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "dashboard"
SUBPACKAGES = ("model", "sources", "live", "actions", "audit", "auth", "views", "commands")

# What reads the objects: the model and the sources never import it.
ABOVE_THE_OBJECTS = (
    "dashboard.actions",
    "dashboard.audit",
    "dashboard.auth",
    "dashboard.views",
    "dashboard.live",
    "dashboard.runtime",
    "dashboard.app",
    "flask",
)
# (importer prefix, forbidden prefixes, why). A prefix names a module and everything under it.
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("dashboard.vocabulary", ("dashboard",), "the shared names sit below everything"),
    (
        "dashboard.model",
        ("dashboard.sources", "dashboard.settings", *ABOVE_THE_OBJECTS, "jinja2", "kubernetes", "sqlalchemy"),
        "the model is pure: plain dicts in, view model out",
    ),
    (
        "dashboard.sources",
        ABOVE_THE_OBJECTS,
        "sources fill the object store and know nothing of what reads it",
    ),
    (
        "dashboard.audit",
        (
            "dashboard.actions",
            "dashboard.live",
            "dashboard.views",
            "dashboard.runtime",
            "dashboard.app",
            "flask",
        ),
        "the audit log is below the actions that write it",
    ),
    (
        "dashboard.actions",
        ("dashboard.views", "dashboard.runtime", "dashboard.app", "dashboard.live", "flask"),
        "the write side gets narrow dependencies, not the runtime",
    ),
    (
        "dashboard.live.publisher",
        ("dashboard.auth", "dashboard.actions", "dashboard.views", "dashboard.runtime", "flask"),
        "the publisher caches pages; it does not decide who sees what",
    ),
    (
        "dashboard.live.renderer",
        ("dashboard.sources.kube", "dashboard.views", "dashboard.runtime", "flask", "kubernetes"),
        "the renderer lays out a board; it needs no client library and no request",
    ),
    ("dashboard.runtime", ("dashboard.views", "dashboard.app", "flask"), "the runtime serves any front"),
    (
        "dashboard.runtime",
        (
            "dashboard.sources.snapshot",
            "dashboard.sources.simulation",
            "dashboard.sources.store",
            "kubernetes",
        ),
        "the runtime runs any Source; open_source (sources/bootstrap.py) alone picks and builds it",
    ),
    (
        "dashboard.live.renderer",
        ("dashboard.sources.store", "dashboard.audit", "dashboard.model.history"),
        "a page is laid out from the Board alone: no read of the store or the audit log at render time",
    ),
    ("dashboard.live", ("dashboard.views", "dashboard.runtime", "flask"), "the live path serves any front"),
)
# Entry points: only the dispatcher (and other commands) may import them.
COMMANDS = "dashboard.commands"
COMMAND_IMPORTERS = ("dashboard.__main__", COMMANDS)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def dashboard_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imports_of(path: Path, modules: Mapping[str, Path]) -> set[str]:
    """Every module `path` imports; `from package import module` counts as the module itself."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path}: relative import; the graph is read from absolute names")
    return found


def import_graph() -> dict[str, set[str]]:
    modules = dashboard_modules()
    return {name: imports_of(path, modules) for name, path in modules.items()}


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def subpackage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in SUBPACKAGES else None


def test_the_graph_is_read_from_every_module():
    graph = import_graph()
    assert len(graph) > 50, sorted(graph)
    assert "dashboard.vocabulary" in graph["dashboard.model.freight"]
    # `from dashboard.audit import migrate` is an edge to the module, not to the package's __init__.
    assert "dashboard.audit.migrate" in graph["dashboard.audit.store"]


def test_no_module_imports_itself_through_others():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(component) for component in found)


def test_no_cycle_between_subpackages():
    """model, sources, actions, audit, auth and views depend on each other in one direction only."""
    graph: dict[str, set[str]] = {name: set() for name in SUBPACKAGES}
    for module, targets in import_graph().items():
        source = subpackage_of(module)
        for target in targets:
            target_package = subpackage_of(target)
            if source and target_package and target_package != source:
                graph[source].add(target_package)
    assert not cycles(graph), graph


@pytest.mark.parametrize("importer, forbidden, why", RULES, ids=[rule[0] for rule in RULES])
def test_layers_import_only_downwards(importer: str, forbidden: tuple[str, ...], why: str):
    graph = import_graph()
    importers = [module for module in graph if under(module, importer)]
    assert importers, f"no module under {importer}"
    broken = sorted(
        f"{module} imports {target}"
        for module in importers
        for target in graph[module]
        if any(under(target, prefix) for prefix in forbidden)
    )
    assert not broken, f"{why}:\n" + "\n".join(broken)


def test_only_the_dispatcher_imports_the_commands():
    graph = import_graph()
    broken = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if not any(under(module, allowed) for allowed in COMMAND_IMPORTERS)
        for target in targets
        if under(target, COMMANDS)
    )
    assert not broken, "\n".join(broken)


def test_cycles_finds_a_cycle_and_nothing_else():
    """The checker itself: a cycle is reported with its members, an acyclic graph gives nothing."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert not cycles({"a": {"b"}, "b": {"c"}, "c": set()})
