"""Checks that object dicts carry the fields the board model relies on, in the shapes the CRDs define.

Sources that read untrusted input (a snapshot file) call this first, so bad input ends in one clear message
such as `Stage 'stg': spec.requestedFreight[0].origin.name: missing` instead of a traceback. Unknown fields
are fine; optional fields may be absent, but when present they must have the CRD's type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dashboard.model.objects import parse_duration, parse_time
from dashboard.model.types import Notice


class InvalidObject(ValueError):
    """One object does not have the shape the board needs."""

    def __init__(self, kind: str, name: str, path: str, problem: str) -> None:
        self.kind = kind
        self.name = name
        self.path = path
        self.problem = problem
        super().__init__(f"{kind} {name}: {path}: {problem}" if path else f"{kind} {name}: {problem}")


_TYPE_NAMES: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "an integer",
}


class _Checker:
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self.problems: list[InvalidObject] = []

    def fail(self, path: str, problem: str) -> None:
        self.problems.append(InvalidObject(self.kind, self.name, path, problem))

    def field(self, parent: Any, key: str, path: str, expected: type, *, required: bool = False) -> Any:
        """The value at `parent[key]` when it has the expected type; records a problem otherwise."""
        where = f"{path}.{key}" if path else key
        value = parent.get(key) if isinstance(parent, Mapping) else None
        if value is None:
            if required:
                self.fail(where, "missing")
            return None
        if not _is_type(value, expected):
            self.fail(where, f"expected {_TYPE_NAMES[expected]}, got {_describe(value)}")
            return None
        return value

    def text(self, parent: Any, key: str, path: str, *, required: bool = False) -> str | None:
        value = self.field(parent, key, path, str, required=required)
        if required and value == "":
            self.fail(f"{path}.{key}" if path else key, "empty")
        return value

    def time(self, parent: Any, key: str, path: str) -> None:
        value = self.text(parent, key, path)
        if value and parse_time(value) is None:
            self.fail(f"{path}.{key}", f"not an RFC 3339 timestamp: {value!r}")

    def duration(self, parent: Any, key: str, path: str) -> None:
        value = self.text(parent, key, path)
        if value and parse_duration(value) is None:
            self.fail(f"{path}.{key}", f"not a duration such as 1h or 30m: {value!r}")

    def items(self, parent: Any, key: str, path: str, *, required: bool = False) -> list[tuple[str, Any]]:
        """(path, item) for each mapping in a list field; non-mapping items are recorded as problems."""
        values = self.field(parent, key, path, list, required=required) or []
        result = []
        for index, item in enumerate(values):
            where = f"{path}.{key}[{index}]" if path else f"{key}[{index}]"
            if isinstance(item, Mapping):
                result.append((where, item))
            else:
                self.fail(where, f"expected an object, got {_describe(item)}")
        return result

    def entries(self, parent: Any, key: str, path: str) -> list[tuple[str, Any]]:
        """(path, value) for each entry of a map field whose values are objects (null counts as empty)."""
        values = self.field(parent, key, path, dict) or {}
        result = []
        for entry_key, value in values.items():
            where = f"{path}.{key}.{entry_key}"
            if value is None or isinstance(value, Mapping):
                result.append((where, value or {}))
            else:
                self.fail(where, f"expected an object, got {_describe(value)}")
        return result


def object_problems(kind: str, obj: Any, index: int | None = None) -> list[InvalidObject]:
    """Every problem found in one object (empty when it is fine)."""
    label = f"#{index}" if index is not None else "(unnamed)"
    if not isinstance(obj, Mapping):
        return [InvalidObject(kind, label, "", f"expected an object, got {_describe(obj)}")]
    name = obj.get("metadata", {}).get("name") if isinstance(obj.get("metadata"), Mapping) else None
    checker = _Checker(kind, repr(name) if isinstance(name, str) and name else label)
    metadata = checker.field(obj, "metadata", "", dict, required=True)
    if metadata is not None:
        checker.text(metadata, "name", "metadata", required=True)
        checker.text(metadata, "namespace", "metadata")
        checker.time(metadata, "creationTimestamp", "metadata")
        for field in ("annotations", "labels"):
            for entry_key, value in (checker.field(metadata, field, "metadata", dict) or {}).items():
                if not isinstance(value, str):
                    checker.fail(
                        f"metadata.{field}.{entry_key}", f"expected a string, got {_describe(value)}"
                    )
    check = _CHECKS.get(kind)
    if check is not None:
        check(checker, obj)
    return checker.problems


def invalid_object_notice(problem: InvalidObject) -> Notice:
    """The board's notice for an object it left out: kind, name, field and why, as parameters."""
    return Notice(
        "invalid-object",
        f"{problem} (left out of the board)",
        (("kind", problem.kind), ("name", problem.name), ("field", problem.path), ("why", problem.problem)),
    )


def validate_object(kind: str, obj: Any, index: int | None = None) -> None:
    """Raise the first problem of one object as InvalidObject."""
    problems = object_problems(kind, obj, index)
    if problems:
        raise problems[0]


def validate_objects(objects: Mapping[str, Sequence[Any]]) -> None:
    """Raise the first problem found across `{kind: [objects]}`."""
    for kind, objs in objects.items():
        for index, obj in enumerate(objs):
            validate_object(kind, obj, index)


def partition_valid(
    objects: Mapping[str, Sequence[Any]],
) -> tuple[dict[str, list[dict]], list[InvalidObject]]:
    """Split `{kind: [objects]}` into the valid ones and the problems of the others (for live sources, where
    one bad object should be reported, not take the whole board down)."""
    valid: dict[str, list[dict]] = {}
    problems: list[InvalidObject] = []
    for kind, objs in objects.items():
        valid[kind] = []
        for index, obj in enumerate(objs):
            found = object_problems(kind, obj, index)
            if found:
                problems.extend(found)
            else:
                valid[kind].append(obj)
    return valid, problems


def _check_origin(checker: _Checker, parent: Any, path: str) -> None:
    origin = checker.field(parent, "origin", path, dict, required=True)
    if origin is not None:
        kind = checker.text(origin, "kind", f"{path}.origin", required=True)
        if kind and kind != "Warehouse":
            checker.fail(f"{path}.origin.kind", f"expected Warehouse, got {kind!r}")
        checker.text(origin, "name", f"{path}.origin", required=True)


def _check_artifacts(checker: _Checker, parent: Any, path: str) -> None:
    for where, image in checker.items(parent, "images", path):
        checker.text(image, "repoURL", where)
        checker.text(image, "tag", where)
        checker.text(image, "digest", where)
    for where, commit in checker.items(parent, "commits", path):
        for key in ("repoURL", "id", "branch", "tag", "message", "author"):
            checker.text(commit, key, where)


def _check_conditions(checker: _Checker, status: Any) -> None:
    for where, cond in checker.items(status, "conditions", "status"):
        checker.text(cond, "type", where, required=True)
        checker.text(cond, "status", where)
        checker.text(cond, "reason", where)
        checker.text(cond, "message", where)


def _check_promotion_status(checker: _Checker, status: Any, path: str) -> None:
    checker.text(status, "phase", path)
    checker.text(status, "message", path)
    checker.time(status, "startedAt", path)
    checker.time(status, "finishedAt", path)
    checker.field(status, "currentStep", path, int)
    for where, step in checker.items(status, "stepExecutionMetadata", path):
        checker.text(step, "alias", where)
        checker.text(step, "status", where)
        checker.text(step, "message", where)


# Fields of Stage specs older Kargo versions wrote, with the version that dropped them.
_LEGACY_STAGE_FIELDS = {
    "subscriptions": "Kargo v0.x before requestedFreight (v0.6)",
    "promotionMechanisms": "Kargo v0.x before promotion steps (v1.0)",
}


def _check_stage(checker: _Checker, stage: Mapping[str, Any]) -> None:
    spec = checker.field(stage, "spec", "", dict, required=True)
    legacy = [field for field in _LEGACY_STAGE_FIELDS if isinstance(spec, Mapping) and field in spec]
    if legacy and not (isinstance(spec, Mapping) and spec.get("requestedFreight")):
        field = legacy[0]
        checker.fail(
            f"spec.{field}",
            f"legacy schema ({_LEGACY_STAGE_FIELDS[field]}); this board reads Kargo v1.x Stages "
            "(spec.requestedFreight, spec.promotionTemplate)",
        )
        return
    if spec is not None:
        requests = checker.items(spec, "requestedFreight", "spec", required=True)
        if not requests and isinstance(spec.get("requestedFreight"), list) and not spec["requestedFreight"]:
            checker.fail("spec.requestedFreight", "empty: a Stage must request Freight from a Warehouse")
        for where, request in requests:
            _check_origin(checker, request, where)
            _check_sources(
                checker, checker.field(request, "sources", where, dict, required=True), f"{where}.sources"
            )
        template = checker.field(spec, "promotionTemplate", "spec", dict)
        template_spec = checker.field(template, "spec", "spec.promotionTemplate", dict)
        checker.items(template_spec, "steps", "spec.promotionTemplate.spec")
    status = checker.field(stage, "status", "", dict)
    if status is not None:
        _check_stage_status(checker, status)


def _check_sources(checker: _Checker, sources: Any, where: str) -> None:
    if sources is None:
        return
    checker.field(sources, "direct", where, bool)
    for index, upstream in enumerate(checker.field(sources, "stages", where, list) or []):
        if not isinstance(upstream, str) or not upstream:
            checker.fail(f"{where}.stages[{index}]", "expected a Stage name")
    strategy = checker.text(sources, "availabilityStrategy", where)
    if strategy not in (None, "", "All", "OneOf"):
        checker.fail(f"{where}.availabilityStrategy", f"expected All or OneOf, got {strategy!r}")
    checker.duration(sources, "requiredSoakTime", where)


def _check_stage_status(checker: _Checker, status: Mapping[str, Any]) -> None:
    _check_conditions(checker, status)
    checker.field(status, "autoPromotionEnabled", "status", bool)
    checker.text(status, "freightSummary", "status")
    health = checker.field(status, "health", "status", dict)
    checker.text(health, "status", "status.health")
    checker.field(health, "issues", "status.health", list)
    for where, collection in checker.items(status, "freightHistory", "status"):
        for item_where, ref in checker.entries(collection, "items", where):
            checker.text(ref, "name", item_where)
            _check_artifacts(checker, ref, item_where)
        for ver_where, verification in checker.items(collection, "verificationHistory", where):
            checker.text(verification, "phase", ver_where)
            checker.time(verification, "startTime", ver_where)
            checker.time(verification, "finishTime", ver_where)
    for field in ("currentPromotion", "lastPromotion"):
        reference = checker.field(status, field, "status", dict)
        if reference is not None:
            checker.text(reference, "name", f"status.{field}", required=True)
            checker.time(reference, "finishedAt", f"status.{field}")
            checker.field(reference, "freight", f"status.{field}", dict)
            _check_promotion_status(
                checker, checker.field(reference, "status", f"status.{field}", dict), f"status.{field}.status"
            )
    for field in ("autoPromotionHolds", "effectiveAutoPromotionHolds"):
        for where, hold in checker.entries(status, field, "status"):
            checker.text(hold, "freightName", where)
            checker.time(hold, "createdAt", where)


def _check_freight(checker: _Checker, freight: Mapping[str, Any]) -> None:
    _check_origin(checker, freight, "")
    checker.text(freight, "alias", "")
    checker.time(freight, "discoveredAt", "")
    _check_artifacts(checker, freight, "")
    status = checker.field(freight, "status", "", dict)
    for where, record in checker.entries(status, "currentlyIn", "status"):
        checker.time(record, "since", where)
    for where, record in checker.entries(status, "verifiedIn", "status"):
        checker.time(record, "verifiedAt", where)
        checker.duration(record, "longestSoak", where)
    for where, record in checker.entries(status, "approvedFor", "status"):
        checker.time(record, "approvedAt", where)
    rejected = checker.field(status, "rejected", "status", dict)  # Kargo's development line
    if rejected is not None:
        checker.text(rejected, "actor", "status.rejected")
        checker.time(rejected, "time", "status.rejected")
        checker.text(rejected, "reason", "status.rejected")


def _check_promotion(checker: _Checker, promotion: Mapping[str, Any]) -> None:
    spec = checker.field(promotion, "spec", "", dict, required=True)
    if spec is not None:
        checker.text(spec, "stage", "spec", required=True)
        checker.text(spec, "freight", "spec")
        checker.items(spec, "steps", "spec")
    _check_promotion_status(checker, checker.field(promotion, "status", "", dict), "status")


def _check_warehouse(checker: _Checker, warehouse: Mapping[str, Any]) -> None:
    spec = checker.field(warehouse, "spec", "", dict)
    checker.items(spec, "subscriptions", "spec")
    status = checker.field(warehouse, "status", "", dict)
    _check_conditions(checker, status)
    checker.text(status, "lastFreightID", "status")


def _check_application(checker: _Checker, application: Mapping[str, Any]) -> None:
    status = checker.field(application, "status", "", dict)
    if status is None:
        return
    sync = checker.field(status, "sync", "status", dict)
    checker.text(sync, "status", "status.sync")
    checker.text(sync, "revision", "status.sync")
    health = checker.field(status, "health", "status", dict)
    checker.text(health, "status", "status.health")
    operation = checker.field(status, "operationState", "status", dict)
    checker.text(operation, "phase", "status.operationState")
    checker.text(operation, "message", "status.operationState")
    summary = checker.field(status, "summary", "status", dict)
    for index, image in enumerate(checker.field(summary, "images", "status.summary", list) or []):
        if not isinstance(image, str):
            checker.fail(f"status.summary.images[{index}]", f"expected a string, got {_describe(image)}")
    for where, cond in checker.items(status, "conditions", "status"):
        checker.text(cond, "type", where)
        checker.text(cond, "message", where)
    checker.time(status, "reconciledAt", "status")


_CHECKS: dict[str, Callable[[_Checker, Mapping[str, Any]], None]] = {
    "Stage": _check_stage,
    "Freight": _check_freight,
    "Promotion": _check_promotion,
    "Warehouse": _check_warehouse,
    "Application": _check_application,
}


def _is_type(value: Any, expected: type) -> bool:
    if expected is dict:
        return isinstance(value, Mapping)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    return repr(value)
