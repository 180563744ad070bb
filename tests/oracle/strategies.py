"""Hypothesis strategies for Kargo and Argo CD objects the pinned CRDs accept (crd_schema.py checks each one).

Times are whole tenths of a second around NOW and soak durations whole tenths of a second too, so that two
times the board and Kargo compare differ by 100 ms at least when they differ at all: the Go oracle measures
soak against the real clock (see tests/oracle/kargo/main.go), a few microseconds late.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
PROJECT = "kargo-demo"
KARGO_API = "kargo.akuity.io/v1alpha1"
ARGOCD_API = "argoproj.io/v1alpha1"
STAGE_NAMES = ("dev", "stg", "prod", "uat")
UNKNOWN_STAGE = "gone"  # named in Freight status or requests, no such Stage
WAREHOUSES = ("w1", "w2")
T = TypeVar("T")


def rfc3339(moment: datetime) -> str:
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


class Choices:
    """Decisions read from bytes Hypothesis draws: each choice takes one byte, and a zero byte (or none left)
    is the simplest option, so Hypothesis shrinks a failing case towards a simple object. Drawing one byte
    string per case is far cheaper than drawing every field with its own strategy."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def byte(self) -> int:
        if self._at >= len(self._data):
            return 0
        self._at += 1
        return self._data[self._at - 1]

    def number(self, low: int, high: int) -> int:
        """An integer in [low, high]; small spans take one byte, larger ones three."""
        span = high - low + 1
        if span <= 256:
            return low + self.byte() % span
        return low + ((self.byte() << 16) | (self.byte() << 8) | self.byte()) % span

    def pick(self, options: Sequence[T]) -> T:
        return options[self.number(0, len(options) - 1)]

    def chance(self, in_eight: int = 4) -> bool:
        """True with probability in_eight / 8 (False for a zero byte)."""
        return self.byte() % 8 >= 8 - in_eight

    def subset(self, options: Sequence[T], most: int) -> list[T]:
        chosen = [self.pick(options) for _ in range(self.number(0, most))]
        return list(dict.fromkeys(chosen))


def cases(build: Callable[[Choices], Any], count: int, size: int = 96) -> st.SearchStrategy[list[Any]]:
    """`count` objects made by `build`, from one byte string of `count * size` bytes."""
    return st.binary(min_size=count * size, max_size=count * size).map(
        lambda data: [build(Choices(data[index * size : (index + 1) * size])) for index in range(count)]
    )


def batched(total_cases: int, batch: int) -> settings:
    """Settings for a property over `total_cases` objects asked of an oracle `batch` at a time: reproducible
    (derandomized, no example database), no deadline (the oracle is another process)."""
    return settings(
        max_examples=total_cases // batch + 10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def time_text(choices: Choices, before_s: int = 4 * 3600, after_s: int = 600, step: float = 0.1) -> str:
    """An RFC 3339 time in steps of `step` seconds between NOW - before_s and NOW + after_s."""
    steps = choices.number(0, round((before_s + after_s) / step)) - round(before_s / step)
    return rfc3339(NOW + timedelta(seconds=steps * step))


def argocd_time(choices: Choices) -> str:
    """Argo CD writes metav1.Time: RFC 3339 to the second (the oracle's client round-trips it so too)."""
    return time_text(choices, 120, 120, step=1)


def soak_duration(choices: Choices) -> str:
    """A `requiredSoakTime` (the CRD's pattern ^([0-9]+(\\.[0-9]+)?(s|m|h))+$), whole tenths of a second."""
    text = ""
    for _ in range(choices.number(1, 3)):
        unit = choices.pick(["s", "m", "h"])
        tenths = choices.number(0, 7200)
        if unit == "h":
            tenths //= 60  # keep hours short; 0.1h is 6 min, a whole number of tenths of a second
        whole, fraction = divmod(tenths, 10)
        text += f"{whole}.{fraction}{unit}" if fraction or choices.chance(2) else f"{whole}{unit}"
    return text


def go_duration(choices: Choices) -> str:
    """What Kargo writes in `verifiedIn[].longestSoak` (Go's Duration.String()), whole tenths of a second."""
    tenths = choices.number(0, 6 * 3600 * 10)
    if tenths == 0:
        return "0s"
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    seconds = f"{rest // 10}.{rest % 10}".removesuffix(".0")
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"


ALL_STAGE_NAMES = (*STAGE_NAMES, UNKNOWN_STAGE)


def origin(choices: Choices) -> dict:
    return {"kind": "Warehouse", "name": choices.pick(WAREHOUSES)}


def freight_request(choices: Choices) -> dict:
    sources: dict[str, Any] = {}
    if choices.chance():
        sources["direct"] = choices.chance()
    if choices.chance(6):
        sources["stages"] = [choices.pick(ALL_STAGE_NAMES) for _ in range(choices.number(0, 3))]
    if choices.chance():
        sources["availabilityStrategy"] = choices.pick(["All", "OneOf", ""])
    if choices.chance():
        sources["requiredSoakTime"] = soak_duration(choices)
    return {"origin": origin(choices), "sources": sources}


def promotion_template(choices: Choices) -> dict | None:
    """None (no template), a template without steps, or one with steps."""
    shape = choices.pick(["absent", "steps", "empty-spec", "vars-only"])
    if shape == "absent":
        return None
    if shape == "empty-spec":
        return {"spec": {}}
    if shape == "vars-only":
        return {"spec": {"vars": [{"name": "x", "value": "1"}]}}
    uses = ["git-clone", "kustomize-set-image", "argocd-update"]
    return {"spec": {"steps": [{"uses": choices.pick(uses)} for _ in range(choices.number(1, 3))]}}


def namespace(choices: Choices) -> str:
    return "other-project" if choices.chance(1) else PROJECT


def stage(choices: Choices, name: str | None = None) -> dict:
    spec: dict[str, Any] = {
        "requestedFreight": [freight_request(choices) for _ in range(choices.number(1, 3))]
    }
    template = promotion_template(choices)
    if template is not None:
        spec["promotionTemplate"] = template
    return {
        "apiVersion": KARGO_API,
        "kind": "Stage",
        "metadata": {"name": name or choices.pick(STAGE_NAMES), "namespace": namespace(choices)},
        "spec": spec,
    }


def stage_map(choices: Choices, record: Callable[[Choices], dict]) -> dict:
    return {name: record(choices) for name in choices.subset(ALL_STAGE_NAMES, 4)}


def current_stage_record(choices: Choices) -> dict:
    # Kargo always writes `since`; without it Kargo's own GetLongestSoak would dereference nil (see
    # differences.py), so it is left out only now and then.
    return {} if choices.byte() % 32 == 31 else {"since": time_text(choices)}


def verified_stage_record(choices: Choices) -> dict:
    record: dict[str, Any] = {}
    if choices.chance():
        record["verifiedAt"] = time_text(choices)
    if choices.chance():
        record["longestSoak"] = go_duration(choices)
    return record


def approved_stage_record(choices: Choices) -> dict:
    return {"approvedAt": time_text(choices)} if choices.chance() else {}


def freight(choices: Choices) -> dict:
    name = "".join(choices.pick("0123456789abcdef") for _ in range(40))
    status: dict[str, Any] = {}
    for key, record in (
        ("currentlyIn", current_stage_record),
        ("verifiedIn", verified_stage_record),
        ("approvedFor", approved_stage_record),
    ):
        if choices.chance(5):
            status[key] = stage_map(choices, record)
    obj: dict[str, Any] = {
        "apiVersion": KARGO_API,
        "kind": "Freight",
        "metadata": {"name": name, "namespace": namespace(choices)},
        "origin": origin(choices),
        "images": [{"repoURL": "docker.io/demo/app", "tag": name[:8]}],
    }
    if status or choices.chance():
        obj["status"] = status
    return obj


_CONDITION_TYPES = ("Promoting", "Verified", "Reconciling", "Ready", "Healthy", "Promotable")
_CONDITION_REASONS = (
    "NoFreight",
    "ActivePromotion",
    "Verified",
    "VerificationRunning",
    "LastPromotionFailed",
)


def condition(choices: Choices, kind: str) -> dict:
    return {
        "type": kind,
        "status": choices.pick(["True", "False", "Unknown"]),
        "reason": choices.pick(_CONDITION_REASONS),
        "message": choices.pick(["", "something happened"]),
        "lastTransitionTime": time_text(choices),
        "observedGeneration": 1,
    }


def stage_with_conditions(choices: Choices) -> dict:
    obj = stage(choices)
    if choices.byte() % 16:
        # Conditions are a list map keyed by type (the apiserver refuses two of one type).
        obj["status"] = {
            "conditions": [condition(choices, kind) for kind in choices.subset(_CONDITION_TYPES, 6)]
        }
    return obj


APP_NAMES = ("app-a", "app-b", "app-c")
APP_NAMESPACES = ("argocd", "apps")
_REVISIONS = ("1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222")


def app_health_check(choices: Choices) -> dict:
    """One entry of an argocd-update health check's input (`apps[]`)."""
    check: dict[str, Any] = {"name": choices.pick(APP_NAMES)}
    if choices.chance():
        check["namespace"] = choices.pick(APP_NAMESPACES)
    if choices.chance(5):
        check["desiredRevisions"] = [choices.pick(("", *_REVISIONS)) for _ in range(choices.number(0, 2))]
    return check


def application(choices: Choices, name: str, namespace_: str) -> dict:
    spec: dict[str, Any] = {"project": "default", "destination": {"server": "https://kubernetes.default.svc"}}
    source_shape = choices.pick(["one", "two", "none"])
    repo = {"repoURL": "https://github.com/demo/app.git", "path": "env"}
    if source_shape == "one":
        spec["source"] = repo
    elif source_shape == "two":
        spec["sources"] = [repo, {"repoURL": "https://github.com/demo/values.git", "path": "x"}]
    obj: dict[str, Any] = {
        "apiVersion": ARGOCD_API,
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace_},
        "spec": spec,
    }
    if choices.chance(7):
        obj["status"] = application_status(choices)
    if choices.chance(1):
        obj["operation"] = {"sync": {"revision": choices.pick(_REVISIONS)}}
    return obj


def application_status(choices: Choices) -> dict:
    status: dict[str, Any] = {}
    if choices.chance(6):
        health = choices.pick(["Healthy", "Progressing", "Suspended", "Degraded", "Missing", "Unknown", ""])
        status["health"] = {"status": health} if health else {}
    sync: dict[str, Any] = {"status": choices.pick(["Synced", "OutOfSync", "Unknown"])}
    if choices.chance():
        sync["revision"] = choices.pick(_REVISIONS)
    if choices.chance(2):
        sync["revisions"] = [choices.pick(_REVISIONS) for _ in range(choices.number(0, 2))]
    status["sync"] = sync
    kinds = (
        "ComparisonError",
        "InvalidSpecError",
        "SyncError",
        "OrphanedResourceWarning",
        "SharedResourceWarning",
    )
    conditions = [{"type": choices.pick(kinds), "message": "details"} for _ in range(choices.number(0, 2))]
    if conditions and choices.chance():
        status["conditions"] = conditions
    if choices.chance(6):
        status["reconciledAt"] = argocd_time(choices)
    if choices.chance(5):
        operation_state: dict[str, Any] = {
            "operation": {"sync": {"revision": choices.pick(_REVISIONS)}},
            "phase": choices.pick(["Running", "Succeeded", "Failed", "Error", "Terminating"]),
            "startedAt": argocd_time(choices),
        }
        if choices.chance(6):
            operation_state["finishedAt"] = argocd_time(choices)
        status["operationState"] = operation_state
    return status


def app_health_case(choices: Choices) -> dict:
    """Checks of 1-3 Applications, and the Applications that exist (some checked ones may not)."""
    checks = [app_health_check(choices) for _ in range(choices.number(1, 3))]
    applications = [
        application(choices, name, namespace_)
        for name in APP_NAMES
        for namespace_ in APP_NAMESPACES
        if choices.chance(5)
    ]
    return {
        "op": "appHealth",
        "project": PROJECT,
        "stageName": "stg",
        "apps": checks,
        "applications": applications,
    }
