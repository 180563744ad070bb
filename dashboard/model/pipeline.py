"""The pipeline graph: which Stage gets Freight from where, and a stable order to draw the Stages in.

Edges come only from `spec.requestedFreight[].sources` (Warehouse -> Stage when `direct`, upstream Stage ->
Stage for each name in `stages`), never from Stage names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.model.objects import mapping, name_of, parse_go_duration_ns, sequence, text
from dashboard.model.types import Notice, Origin


@dataclass(frozen=True)
class FreightRequest:
    """One `spec.requestedFreight[]` item."""

    origin: Origin
    direct: bool
    upstream: tuple[str, ...]
    availability_strategy: str  # "All" or "OneOf" ("" is normalised to "OneOf")
    required_soak_time: str  # Go duration text, "" when none
    required_soak_ns: int | None  # parsed as Kargo does (nanoseconds); None when none (no soak required)


@dataclass(frozen=True)
class Pipeline:  # pylint: disable=too-many-instance-attributes
    order: tuple[str, ...]
    depth: Mapping[str, int]  # 0 for Stages fed only by Warehouses; 1 + deepest upstream otherwise
    upstream: Mapping[str, tuple[str, ...]]  # known upstream Stages, in declaration order
    downstream: Mapping[str, tuple[str, ...]]  # in pipeline order
    direct_warehouses: Mapping[str, tuple[str, ...]]
    requests: Mapping[str, tuple[FreightRequest, ...]]
    stage_notices: Mapping[str, tuple[Notice, ...]]  # e.g. an upstream Stage that does not exist
    notices: tuple[Notice, ...]  # about the whole graph, e.g. a cycle


def freight_requests(stage: Mapping[str, Any]) -> tuple[FreightRequest, ...]:
    requests = []
    for item in sequence(mapping(stage.get("spec")).get("requestedFreight")):
        origin = mapping(mapping(item).get("origin"))
        sources = mapping(mapping(item).get("sources"))
        strategy = text(sources.get("availabilityStrategy")) or "OneOf"
        requests.append(
            FreightRequest(
                origin=Origin(text(origin.get("kind")) or "Warehouse", text(origin.get("name"))),
                direct=sources.get("direct") is True,
                upstream=tuple(dict.fromkeys(text(name) for name in sequence(sources.get("stages")))),
                availability_strategy=strategy,
                required_soak_time=text(sources.get("requiredSoakTime")),
                required_soak_ns=parse_go_duration_ns(sources.get("requiredSoakTime")),
            )
        )
    return tuple(requests)


def is_control_flow(stage: Mapping[str, Any]) -> bool:
    """A Stage without promotion steps only passes Freight on (Kargo's `Stage.IsControlFlow`)."""
    template_spec = mapping(mapping(mapping(stage.get("spec")).get("promotionTemplate")).get("spec"))
    return not sequence(template_spec.get("steps"))


def build_pipeline(stages: Sequence[Mapping[str, Any]]) -> Pipeline:
    names = sorted({name_of(stage) for stage in stages})
    known = set(names)
    requests = {name_of(stage): freight_requests(stage) for stage in stages}
    notices: list[Notice] = []
    stage_notices: dict[str, tuple[Notice, ...]] = {}

    upstream: dict[str, tuple[str, ...]] = {}
    direct: dict[str, tuple[str, ...]] = {}
    for name in names:
        declared = dict.fromkeys(up for request in requests[name] for up in request.upstream)
        stage_notices[name] = tuple(
            Notice(
                "unknown-upstream",
                f"requests Freight from Stage {missing!r}, which does not exist",
                (("stage", missing),),
            )
            for missing in declared
            if missing not in known
        )
        upstream[name] = tuple(up for up in declared if up in known and up != name)
        direct[name] = tuple(dict.fromkeys(r.origin.name for r in requests[name] if r.direct))

    depth, cyclic = _depths(names, upstream)
    if cyclic:
        notices.append(
            Notice(
                "cycle",
                "Stages in a cycle: " + ", ".join(sorted(cyclic)),
                (("stages", ", ".join(sorted(cyclic))),),
            )
        )
    order = tuple(sorted(names, key=lambda name: (depth[name], name)))
    position = {name: index for index, name in enumerate(order)}
    downstream = {
        name: tuple(sorted((other for other in names if name in upstream[other]), key=position.__getitem__))
        for name in names
    }
    return Pipeline(order, depth, upstream, downstream, direct, requests, stage_notices, tuple(notices))


def _depths(names: Sequence[str], upstream: Mapping[str, tuple[str, ...]]) -> tuple[dict[str, int], set[str]]:
    """Longest distance from a root (Kahn's algorithm); Stages caught in a cycle go after everything else."""
    waiting = {name: len(upstream[name]) for name in names}
    children: dict[str, list[str]] = {name: [] for name in names}
    for name in names:
        for parent in upstream[name]:
            children[parent].append(name)
    depth = {name: 0 for name in names}
    ready = [name for name in names if waiting[name] == 0]
    while ready:
        current = ready.pop()
        for child in children[current]:
            depth[child] = max(depth[child], depth[current] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    cyclic = {name for name in names if waiting[name] > 0}
    deepest = max((depth[name] for name in names if name not in cyclic), default=-1)
    for name in cyclic:
        depth[name] = deepest + 1
    return depth, cyclic
