"""Client-side checks of generated objects against the pinned CRDs' OpenAPI v3 schemas (jsonschema-rs).

Fast enough for every generated case (the real apiserver's dry run checks a sample, see test_crd_dry_run.py):
types, required fields, enums, patterns, formats, minItems, and list maps (no two items with the same key).
What else a CRD schema holds beyond JSON Schema (x-kubernetes-validations CEL rules, int-or-string) is left to
that dry run.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema_rs
import yaml

from tests.harness.kube import CRD_FILES

_KINDS = {
    "Stage": "kargo.akuity.io_stages.yaml",
    "Freight": "kargo.akuity.io_freights.yaml",
    "Promotion": "kargo.akuity.io_promotions.yaml",
    "Warehouse": "kargo.akuity.io_warehouses.yaml",
    "Application": "application-crd.yaml",
}


@cache
def _schema(kind: str) -> dict[str, Any]:
    path = next(path for path in CRD_FILES if path.name == _KINDS[kind])
    crd = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = next(version for version in crd["spec"]["versions"] if version.get("storage"))
    return version["schema"]["openAPIV3Schema"]


@cache
def _validator(kind: str) -> Any:
    return jsonschema_rs.Draft4Validator(_schema(kind), validate_formats=True)


def list_map_errors(schema: Mapping[str, Any], value: Any, path: str = "") -> list[str]:
    """Kubernetes' `x-kubernetes-list-type: map`: no two items of such a list share their key fields."""
    errors: list[str] = []
    if isinstance(value, list):
        keys = schema.get("x-kubernetes-list-map-keys") or []
        if schema.get("x-kubernetes-list-type") == "map" and keys:
            seen = [tuple(item.get(key) for key in keys) for item in value if isinstance(item, Mapping)]
            errors += [
                f"{path}: duplicate {dict(zip(keys, key, strict=True))}"
                for key in set(seen)
                if seen.count(key) > 1
            ]
        for index, item in enumerate(value):
            errors += list_map_errors(schema.get("items") or {}, item, f"{path}[{index}]")
    elif isinstance(value, Mapping):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key) or (extra if isinstance(extra, Mapping) else None)
            if child:
                errors += list_map_errors(child, item, f"{path}.{key}" if path else key)
    return errors


def crd_errors(kind: str, obj: Mapping[str, Any]) -> list[str]:
    """What the CRD schema of `kind` refuses in `obj` ("path: message"), empty when it accepts it."""
    return [
        f"{'.'.join(map(str, error.instance_path))}: {error.message}"
        for error in _validator(kind).iter_errors(obj)
    ] + list_map_errors(_schema(kind), obj)


def assert_crd_valid(kind: str, obj: Mapping[str, Any]) -> None:
    # The fast path first; the errors are collected only on failure.
    if _validator(kind).is_valid(obj) and not list_map_errors(_schema(kind), obj):
        return
    raise AssertionError(f"generated {kind} the CRD refuses: {crd_errors(kind, obj)}")
