"""A small structural validator for custom resources against the real CRDs in ../shared/crds.

It checks what the API server's structural schema checks and what a typo breaks: apiVersion/kind served by a
CRD, required fields, types (incl. int-or-string), enums, patterns, string/array/number bounds, and unknown
fields (which the API server would silently prune). CEL rules (x-kubernetes-validations) are not evaluated;
the server-side dry run against the real kube-apiserver covers those.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def crds_dir() -> Path:
    """Where the CRDs are: $SHARED_CRDS_DIR, else shared/crds beside the repository."""
    env = os.environ.get("SHARED_CRDS_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "crds"


@dataclass(frozen=True)
class CrdVersion:
    group: str
    kind: str
    version: str
    scope: str
    schema: dict[str, Any]


@dataclass
class CrdRegistry:
    versions: dict[tuple[str, str, str], CrdVersion] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | None = None) -> CrdRegistry:
        root = root or crds_dir()
        registry = cls()
        for path in sorted(root.rglob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    registry.add(doc)
        return registry

    def add(self, crd: dict[str, Any]) -> None:
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            key = (spec["group"], version["name"], spec["names"]["kind"])
            self.versions[key] = CrdVersion(
                group=spec["group"],
                kind=spec["names"]["kind"],
                version=version["name"],
                scope=spec["scope"],
                schema=version["schema"]["openAPIV3Schema"],
            )

    def kinds(self) -> set[tuple[str, str]]:
        return {(group, kind) for group, _, kind in self.versions}

    def find(self, api_version: str, kind: str) -> CrdVersion | None:
        group, _, version = api_version.rpartition("/")
        return self.versions.get((group, version, kind))

    def covers(self, api_version: str, kind: str) -> bool:
        """True when the object's group and kind belong to a known CRD (whatever the version)."""
        group = api_version.rpartition("/")[0]
        return (group, kind) in self.kinds()

    def validate(self, obj: dict[str, Any]) -> list[str]:
        """Errors for one object (empty when valid). The object must be of a kind a CRD defines."""
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        crd = self.find(api_version, kind)
        if crd is None:
            return [f"{api_version} {kind}: no served CRD version for this apiVersion/kind"]
        errors: list[str] = []
        metadata = obj.get("metadata") or {}
        if not metadata.get("name"):
            errors.append("metadata.name: required")
        if crd.scope == "Namespaced" and not metadata.get("namespace"):
            errors.append("metadata.namespace: required for a namespaced kind (set it explicitly)")
        if crd.scope == "Cluster" and metadata.get("namespace"):
            errors.append("metadata.namespace: must not be set on a cluster-scoped kind")
        body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
        schema = dict(crd.schema)
        schema["properties"] = {
            k: v
            for k, v in schema.get("properties", {}).items()
            if k not in ("apiVersion", "kind", "metadata")
        }
        schema["required"] = [
            r for r in schema.get("required", []) if r not in ("apiVersion", "kind", "metadata")
        ]
        errors.extend(_validate(body, schema, ""))
        return errors


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


def _type_ok(value: Any, expected: str) -> bool:
    if expected in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(expected, (object,)))


def _go_regex(pattern: str) -> re.Pattern[str]:
    """CRD patterns are Go RE2; the common subset is the same in Python."""
    return re.compile(pattern)


def _validate(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    where = path or "<root>"
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
    if schema.get("x-kubernetes-int-or-string"):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            return [f"{where}: expected an integer or a string, got {type(value).__name__}"]
        return []
    expected = schema.get("type")
    if expected and not _type_ok(value, expected):
        return [f"{where}: expected {expected}, got {type(value).__name__} ({value!r})"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        errors.extend(_check_string(value, schema, where))
    elif isinstance(value, (int, float)):
        errors.extend(_check_number(value, schema, where))
    elif isinstance(value, list):
        errors.extend(_check_array(value, schema, path))
    elif isinstance(value, dict):
        errors.extend(_check_object(value, schema, path))
    return errors


def _check_string(value: str, schema: dict[str, Any], where: str) -> Iterator[str]:
    if "pattern" in schema and not _go_regex(schema["pattern"]).search(value):
        yield f"{where}: {value!r} does not match pattern {schema['pattern']!r}"
    if "minLength" in schema and len(value) < schema["minLength"]:
        yield f"{where}: shorter than {schema['minLength']}"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        yield f"{where}: longer than {schema['maxLength']}"


def _check_number(value: float, schema: dict[str, Any], where: str) -> Iterator[str]:
    if "minimum" in schema and value < schema["minimum"]:
        yield f"{where}: {value} < minimum {schema['minimum']}"
    if "maximum" in schema and value > schema["maximum"]:
        yield f"{where}: {value} > maximum {schema['maximum']}"


def _check_array(value: list[Any], schema: dict[str, Any], path: str) -> Iterator[str]:
    where = path or "<root>"
    if "minItems" in schema and len(value) < schema["minItems"]:
        yield f"{where}: needs at least {schema['minItems']} item(s)"
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        yield f"{where}: at most {schema['maxItems']} item(s)"
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            yield from _validate(item, items, f"{path}[{index}]")


def _check_object(value: dict[str, Any], schema: dict[str, Any], path: str) -> Iterator[str]:
    prefix = f"{path}." if path else ""
    for name in schema.get("required", []):
        if name not in value:
            yield f"{prefix}{name}: required"
    properties: dict[str, Any] = schema.get("properties", {})
    additional = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
    embedded = schema.get("x-kubernetes-embedded-resource", False)
    for key, item in value.items():
        if key in properties:
            yield from _validate(item, properties[key], f"{prefix}{key}")
        elif isinstance(additional, dict):
            yield from _validate(item, additional, f"{prefix}{key}")
        elif additional is True or preserve or embedded or not properties and expected_free_object(schema):
            continue
        else:
            yield f"{prefix}{key}: unknown field (the API server would drop it)"


def expected_free_object(schema: dict[str, Any]) -> bool:
    """An object schema with no properties at all (e.g. embedded ObjectMeta) accepts any keys."""
    return (
        schema.get("type") == "object" and "properties" not in schema and "additionalProperties" not in schema
    )


def load_documents(paths: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every non-empty YAML document of the given files, with its file."""
    documents: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                documents.append((path, doc))
    return documents
