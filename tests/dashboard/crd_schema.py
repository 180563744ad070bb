"""A small structural validator for objects against the CRDs in ../shared/crds (tests only).

It checks what the apiserver's structural-schema validation would reject for our objects: types, required
fields, enums, patterns, lengths, item counts, date-time format, nulls, and unknown fields wherever the
schema neither preserves unknown fields nor declares additionalProperties. Root `metadata` is checked the
apiserver's way (name must be a DNS-1123 subdomain), not by the schema, which leaves it open.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

CRD_ROOT = Path(__file__).resolve().parents[3] / "shared" / "crds"
CRD_FILES = {
    "Stage": "kargo/v1.11.2/kargo.akuity.io_stages.yaml",
    "Freight": "kargo/v1.11.2/kargo.akuity.io_freights.yaml",
    "Promotion": "kargo/v1.11.2/kargo.akuity.io_promotions.yaml",
    "Warehouse": "kargo/v1.11.2/kargo.akuity.io_warehouses.yaml",
    "Application": "argocd/v3.5.1/application-crd.yaml",
}
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


@cache
def crd_schema(kind: str) -> dict:
    """The openAPIV3Schema of the served version of `kind`'s CRD."""
    document = yaml.safe_load((CRD_ROOT / CRD_FILES[kind]).read_text())
    version = next(v for v in document["spec"]["versions"] if v.get("served", True))
    assert document["spec"]["names"]["kind"] == kind
    return version["schema"]["openAPIV3Schema"]


def validate(kind: str, obj: dict) -> list[str]:
    """Every problem found in `obj`, as `path: problem` strings; empty when the object is valid."""
    errors: list[str] = []
    schema = crd_schema(kind)
    if obj.get("kind") != kind:
        errors.append(f"kind: expected {kind!r}, got {obj.get('kind')!r}")
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or not _DNS_SUBDOMAIN.match(str(metadata.get("name", ""))):
        errors.append(f"metadata.name: not a DNS-1123 subdomain: {metadata!r:.80}")
    body = {key: value for key, value in obj.items() if key != "metadata"}
    body_schema = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k != "metadata"}}
    body_schema["required"] = [name for name in schema.get("required", []) if name != "metadata"]
    _walk(body, body_schema, kind, errors)
    return errors


def _walk(value: object, schema: dict, path: str, errors: list[str]) -> None:
    if value is None:
        if not schema.get("nullable"):
            errors.append(f"{path}: null is not allowed")
        return
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            errors.append(f"{path}: expected int or string, got {type(value).__name__}")
        return
    expected = schema.get("type")
    if expected:
        allowed = _TYPES[expected]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            errors.append(f"{path}: expected {expected}, got {type(value).__name__}")
            return
    _check_scalar(value, schema, path, errors)
    if isinstance(value, dict):
        _walk_object(value, schema, path, errors)
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                _walk(item, schema["items"], f"{path}[{index}]", errors)


def _check_scalar(value: object, schema: dict, path: str, errors: list[str]) -> None:
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not one of {schema['enum']}")
    if not isinstance(value, str):
        return
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{path}: shorter than {schema['minLength']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']}")
    if schema.get("format") == "date-time" and not _DATE_TIME.match(value):
        errors.append(f"{path}: {value!r} is not an RFC 3339 date-time")


def _walk_object(value: dict, schema: dict, path: str, errors: list[str]) -> None:
    for name in schema.get("required", []):
        if name not in value:
            errors.append(f"{path}: missing required field {name!r}")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
    for key, item in value.items():
        child = f"{path}.{key}"
        if key in properties:
            _walk(item, properties[key], child, errors)
        elif isinstance(extra, dict):
            _walk(item, extra, child, errors)
        elif not preserve and extra is not True:
            errors.append(f"{child}: unknown field")
