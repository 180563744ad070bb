"""The snapshot source: objects from a YAML or JSON file, for offline rendering and replay.

Accepts what `kubectl get stages,freight,promotions,warehouses -n P -o yaml` and
`kubectl get applications -n argocd -o yaml` print (a `kind: List` with `items`), typed lists (`StageList`),
single objects, several YAML documents (`---`), or plain lists of objects, in any mix. A file that cannot be
read as a whole ends in a `SnapshotError` with a one-line message naming the file; an object the board cannot
read is left out and listed in `problems` (kind, name, field, why), and the rest is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dashboard.model.validate import InvalidObject, validate_object
from dashboard.sources.store import KINDS, ObjectStore
from dashboard.vocabulary import API_GROUPS


class SnapshotError(Exception):
    """The snapshot cannot be used; the message is one line, fit to print as is."""


@dataclass(frozen=True)
class LoadedSnapshot:
    objects: Mapping[str, tuple[dict, ...]]  # every kind of KINDS, possibly empty
    project: str
    warnings: tuple[str, ...]  # things ignored on the way (unknown kinds, other groups)
    problems: tuple[InvalidObject, ...] = ()  # objects left out because the board cannot read them
    left_out: Mapping[str, tuple[dict, ...]] = field(default_factory=dict)  # those objects, by kind


class _PlainLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that keeps timestamps as the strings the Kubernetes API returns."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_snapshot(path: str | Path, *, project: str | None = None) -> LoadedSnapshot:
    """Read and check a snapshot file; `project` defaults to the namespace of its Stages."""
    try:
        content = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SnapshotError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"cannot read {path}: not UTF-8 text") from None
    return parse_snapshot(content, source=str(path), project=project)


def parse_snapshot(content: str, *, source: str = "snapshot", project: str | None = None) -> LoadedSnapshot:
    try:
        documents = list(yaml.load_all(content, Loader=_PlainLoader))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise SnapshotError(f"{source}: {where}YAML syntax error: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise SnapshotError(f"{source}: YAML syntax error: {error}") from None

    objects, every, problems, ignored = _collect(documents, source)
    left_out = {
        kind: tuple(obj for obj in every[kind] if not any(obj is kept for kept in objects[kind]))
        for kind in KINDS
    }
    warnings = [f"ignored {count} object(s) of kind {label}" for label, count in sorted(ignored.items())]
    chosen = project or detect_project(every, source)
    if not any(obj.get("metadata", {}).get("namespace") in (None, "", chosen) for obj in objects["Stage"]):
        warnings.append(f"no Stage in project {chosen!r}")
    frozen = {kind: tuple(objs) for kind, objs in objects.items()}
    return LoadedSnapshot(frozen, chosen, tuple(warnings), tuple(problems), left_out)


def _collect(
    documents: list[Any], source: str
) -> tuple[dict[str, list[dict]], dict[str, list[dict]], list[InvalidObject], dict[str, int]]:
    """Valid objects by kind, every object of a known kind (for telling the project), the problems of the
    invalid ones (each object is checked alone: one bad object never hides the others), and how many objects
    of other kinds (or API groups) were skipped."""
    objects: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    every: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    problems: list[InvalidObject] = []
    ignored: dict[str, int] = {}
    for kind, obj, position in _objects(documents, source):
        if kind not in API_GROUPS or not _in_group(obj, API_GROUPS[kind]):
            label = f"{kind} ({obj.get('apiVersion')})" if kind in API_GROUPS else kind
            ignored[label] = ignored.get(label, 0) + 1
            continue
        every[kind].append(obj)
        try:
            validate_object(kind, obj, len(every[kind]) - 1)
        except InvalidObject as error:
            problems.append(
                InvalidObject(
                    error.kind, error.name, error.path, error.problem + _position_hint(error, position)
                )
            )
            continue
        objects[kind].append(obj)
    return objects, every, problems, ignored


def detect_project(objects: Mapping[str, Iterable[Mapping[str, Any]]], source: str = "snapshot") -> str:
    """The Kargo project: the namespace of the Stages (else of the other Kargo objects), if unique."""
    for kinds in (("Stage",), ("Warehouse", "Freight", "Promotion")):
        namespaces = sorted(
            {
                namespace
                for kind in kinds
                for obj in objects.get(kind, ())
                if (namespace := (obj.get("metadata") or {}).get("namespace"))
            }
        )
        if len(namespaces) == 1:
            return namespaces[0]
        if len(namespaces) > 1:
            raise SnapshotError(
                f"{source}: objects from several namespaces ({', '.join(namespaces)}); "
                "choose one with --project"
            )
    raise SnapshotError(f"{source}: cannot tell the Kargo project (no namespaced Stage); pass --project")


def fill_store(store: ObjectStore, snapshot: LoadedSnapshot) -> None:
    """Make the store hold exactly the snapshot's objects (one relist per kind), the ones the board cannot
    read included: the board leaves them out itself and names them on the page."""
    for kind in KINDS:
        store.replace(kind, [*snapshot.objects.get(kind, ()), *snapshot.left_out.get(kind, ())])


def _objects(documents: list[Any], source: str) -> Iterable[tuple[str, dict, str]]:
    """(kind, object, position) for every object in the documents, Lists flattened."""
    for doc_index, document in enumerate(documents, start=1):
        where = f"document {doc_index}" if len(documents) > 1 else "top level"
        if document is None:
            continue
        if isinstance(document, list):
            yield from _list_items(document, "", f"{where}, item", source)
        elif isinstance(document, dict):
            kind = document.get("kind")
            if isinstance(kind, str) and kind.endswith("List") and "items" in document:
                items = document.get("items") or []
                if not isinstance(items, list):
                    raise SnapshotError(f"{source}: {where}: items: expected a list")
                yield from _list_items(items, kind.removesuffix("List"), f"{where}, item", source)
            else:
                yield _kind_of(document, "", where, source), document, where
        else:
            raise SnapshotError(
                f"{source}: {where}: expected a Kubernetes List, an object or a list of objects, "
                f"got {type(document).__name__}"
            )


def _list_items(items: list[Any], list_kind: str, where: str, source: str) -> Iterable[tuple[str, dict, str]]:
    for index, item in enumerate(items):
        position = f"{where} {index}"
        if not isinstance(item, dict):
            raise SnapshotError(f"{source}: {position}: expected an object, got {type(item).__name__}")
        yield _kind_of(item, list_kind, position, source), item, position


def _kind_of(obj: dict, default: str, position: str, source: str) -> str:
    kind = obj.get("kind") or default
    if not isinstance(kind, str) or not kind:
        raise SnapshotError(f"{source}: {position}: object without kind")
    return kind


def _in_group(obj: Mapping[str, Any], group: str) -> bool:
    api_version = obj.get("apiVersion")
    return not isinstance(api_version, str) or api_version.split("/", 1)[0] == group


def _position_hint(error: InvalidObject, position: str) -> str:
    # Unnamed objects are numbered per kind; say where they sit in the file too.
    return f" ({position})" if error.name.startswith("#") else ""
