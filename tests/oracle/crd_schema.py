"""Client-side checks of generated objects against the pinned CRDs' OpenAPI v3 schemas (jsonschema-rs).

Fast enough for every generated case (the real apiserver's dry run checks a sample, see test_crd_dry_run.py):
types, required fields, enums, patterns, formats, minItems. What a CRD schema holds beyond JSON Schema
(x-kubernetes-validations CEL rules, int-or-string) is left to that dry run.
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
def _validator(kind: str) -> Any:
    path = next(path for path in CRD_FILES if path.name == _KINDS[kind])
    crd = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = next(version for version in crd["spec"]["versions"] if version.get("storage"))
    return jsonschema_rs.Draft4Validator(version["schema"]["openAPIV3Schema"], validate_formats=True)


def crd_errors(kind: str, obj: Mapping[str, Any]) -> list[str]:
    """What the CRD schema of `kind` refuses in `obj` ("path: message"), empty when it accepts it."""
    return [
        f"{'.'.join(map(str, error.instance_path))}: {error.message}"
        for error in _validator(kind).iter_errors(obj)
    ]


def assert_crd_valid(kind: str, obj: Mapping[str, Any]) -> None:
    if _validator(kind).is_valid(obj):  # the fast path; the errors are collected only on failure
        return
    raise AssertionError(f"generated {kind} the CRD refuses: {crd_errors(kind, obj)}")
