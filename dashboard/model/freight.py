"""Freight: the lane (newest first), what each Stage currently holds, and Kargo's availability rule."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dashboard.model.objects import (
    dig,
    labels_of,
    mapping,
    name_of,
    namespace_of,
    parse_go_duration_ns,
    parse_time,
    sequence,
    text,
)
from dashboard.model.pipeline import FreightRequest, freight_requests
from dashboard.model.types import CommitRef, CurrentFreight, FreightArtifacts, ImageRef, Origin, Rejection
from dashboard.vocabulary import ALIAS_LABEL


@dataclass(frozen=True)
class Availability:
    available: bool
    soak_remaining: timedelta | None  # set when verified upstream but still soaking


def origin_of(freight_or_ref: Mapping[str, Any]) -> Origin:
    origin = mapping(freight_or_ref.get("origin"))
    return Origin(text(origin.get("kind")) or "Warehouse", text(origin.get("name")))


def alias_of(freight: Mapping[str, Any]) -> str:
    return text(freight.get("alias")) or text(labels_of(freight).get(ALIAS_LABEL))


def discovered_at(freight: Mapping[str, Any]) -> datetime | None:
    return parse_time(freight.get("discoveredAt")) or parse_time(
        dig(freight, "metadata", "creationTimestamp")
    )


def images_of(freight_or_ref: Mapping[str, Any]) -> tuple[ImageRef, ...]:
    return tuple(
        ImageRef(text(image.get("repoURL")), text(image.get("tag")), text(image.get("digest")))
        for image in map(mapping, sequence(freight_or_ref.get("images")))
    )


def commits_of(freight_or_ref: Mapping[str, Any]) -> tuple[CommitRef, ...]:
    return tuple(
        CommitRef(
            repo_url=text(commit.get("repoURL")),
            id=text(commit.get("id")),
            branch=text(commit.get("branch")),
            tag=text(commit.get("tag")),
            message=text(commit.get("message")),
            author=text(commit.get("author")),
        )
        for commit in map(mapping, sequence(freight_or_ref.get("commits")))
    )


def freight_lane(freights: Iterable[ParsedFreight]) -> list[ParsedFreight]:
    """Newest first by discovery time; Freight without a time go last; the name breaks ties for stability."""
    by_name = sorted(freights, key=lambda freight: freight.name)
    dated = [(freight.discovered_at, freight) for freight in by_name if freight.discovered_at is not None]
    undated = [freight for freight in by_name if freight.discovered_at is None]
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: equal times keep name order
    return [freight for _, freight in dated] + undated


def status_stages(freight: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    """`status.currentlyIn` / `verifiedIn` / `approvedFor`: Stage name -> record."""
    return mapping(dig(freight, "status", field))


def current_freight_refs(
    stage: Mapping[str, Any], requests: Sequence[FreightRequest]
) -> list[Mapping[str, Any]]:
    """The FreightReferences of `status.freightHistory[0]`, in the order of the Stage's requests."""
    history = sequence(dig(stage, "status", "freightHistory"))
    if not history:
        return []
    items = mapping(mapping(history[0]).get("items"))
    rank = {request.origin.key: index for index, request in enumerate(requests)}
    keys = sorted(items, key=lambda key: (rank.get(key, len(rank)), key))
    return [mapping(items[key]) for key in keys if text(mapping(items[key]).get("name"))]


def current_freight(
    stage_name: str, refs: Sequence[Mapping[str, Any]], freight_by_name: Mapping[str, Mapping[str, Any]]
) -> tuple[CurrentFreight, ...]:
    current = []
    for ref in refs:
        name = text(ref.get("name"))
        freight = freight_by_name.get(name, {})
        since = parse_time(mapping(status_stages(freight, "currentlyIn").get(stage_name)).get("since"))
        current.append(CurrentFreight(name, alias_of(freight), origin_of(ref), since))
    return tuple(current)


@dataclass(frozen=True)
class FreightFacts:
    """What the availability rule reads from one Freight, parsed once per board."""

    name: str
    origin: Origin
    approved_for: frozenset[str]
    verified_in: frozenset[str]
    longest_completed_soak: Mapping[str, int]  # verifiedIn[stage].longestSoak, nanoseconds (0 when absent)
    in_stage_since: Mapping[str, datetime | None]  # currentlyIn[stage].since
    namespace: str = ""
    rejected: bool = False  # status.rejected (Kargo's development line): never available


def freight_facts(freight: Mapping[str, Any]) -> FreightFacts:
    verified = status_stages(freight, "verifiedIn")
    return FreightFacts(
        name=name_of(freight),
        origin=origin_of(freight),
        approved_for=frozenset(status_stages(freight, "approvedFor")),
        verified_in=frozenset(verified),
        longest_completed_soak={
            stage: parse_go_duration_ns(mapping(record).get("longestSoak")) or 0
            for stage, record in verified.items()
        },
        in_stage_since={
            stage: parse_time(mapping(record).get("since"))
            for stage, record in status_stages(freight, "currentlyIn").items()
        },
        namespace=namespace_of(freight),
        rejected=isinstance(dig(freight, "status", "rejected"), Mapping),
    )


@dataclass(frozen=True)
class ParsedFreight(FreightArtifacts):
    """One Freight object read once: the board keeps it for as long as the object is unchanged (memo.py).

    `verdicts` and `views` are scratch space for the board build: availability verdicts that do not depend on
    the time, and the FreightView of the Freight's latest placement.
    """

    obj: Mapping[str, Any] = field(repr=False, compare=False)
    currently_in: frozenset[str]
    facts: FreightFacts
    rejected: Rejection | None
    verdicts: dict = field(default_factory=dict, repr=False, compare=False)
    views: dict = field(default_factory=dict, repr=False, compare=False)


def parse_freight(freight: Mapping[str, Any]) -> ParsedFreight:
    facts = freight_facts(freight)
    return ParsedFreight(
        obj=freight,
        name=facts.name,
        alias=alias_of(freight),
        origin=facts.origin,
        images=images_of(freight),
        commits=commits_of(freight),
        discovered_at=discovered_at(freight),
        currently_in=frozenset(status_stages(freight, "currentlyIn")),
        facts=facts,
        rejected=rejection_of(freight),
    )


def rejection_of(freight: Mapping[str, Any]) -> Rejection | None:
    record = dig(freight, "status", "rejected")
    if not isinstance(record, Mapping):
        return None
    return Rejection(text(record.get("actor")), parse_time(record.get("time")), text(record.get("reason")))


def freight_labels(names: Iterable[str], aliases: Mapping[str, str], minimum: int = 8) -> dict[str, str]:
    """Freight name -> what the board calls it: the alias, or the shortest prefix of the name (at least
    `minimum` characters) that no other Freight name on the board shares."""
    ordered = sorted({name for name in names if name})
    labels = {}
    for index, name in enumerate(ordered):
        alias = aliases.get(name)
        if alias:
            labels[name] = alias
            continue
        neighbours = ordered[max(index - 1, 0) : index] + ordered[index + 1 : index + 2]
        shared = max((_common_prefix(name, other) for other in neighbours), default=0)
        labels[name] = name[: max(minimum, shared + 1)]
    return labels


def _common_prefix(first: str, second: str) -> int:
    return len(os.path.commonprefix([first, second]))


def is_freight_available(stage: Mapping[str, Any], freight: Mapping[str, Any], now: datetime) -> bool:
    """Kargo's `Stage.IsFreightAvailable` for one Stage and one Freight object (same namespace required)."""
    if namespace_of(stage) != namespace_of(freight):
        return False
    return availability(name_of(stage), freight_requests(stage), freight_facts(freight), now).available


def availability(
    stage_name: str, requests: Sequence[FreightRequest], facts: FreightFacts, now: datetime
) -> Availability:
    """Kargo's `Stage.IsFreightAvailable` (api/v1alpha1/stage_types.go), in its order.

    For each request whose origin matches, in order: approved for the Stage, or a `direct` request, means
    available. An `All` request then decides alone: available when verified and soaked in every upstream Stage
    it names (so when it names none), else not. A `OneOf` request means available when verified and soaked in
    one of them, else the next request is tried. `soak_remaining` says how long until a verified Freight has
    soaked long enough, when that is all it lacks.
    """
    remaining: list[timedelta] = []
    for request in requests:
        if request.origin != facts.origin:
            continue
        if stage_name in facts.approved_for or request.direct:
            return Availability(True, None)
        ready = [
            upstream in facts.verified_in and has_soaked_in(facts, upstream, request.required_soak_ns, now)
            for upstream in request.upstream
        ]
        waits = [
            _soak_wait(facts, upstream, request.required_soak_ns, now)
            for upstream in request.upstream
            if upstream in facts.verified_in
        ]
        if request.availability_strategy == "All":
            if all(ready):
                return Availability(True, None)
            verified_everywhere = all(upstream in facts.verified_in for upstream in request.upstream)
            return Availability(False, _earliest(remaining, [max(waits)] if verified_everywhere else []))
        if any(ready):
            return Availability(True, None)
        remaining.extend(waits)
    return Availability(False, _earliest(remaining, []))


def _earliest(first: list[timedelta], second: list[timedelta]) -> timedelta | None:
    waits = [wait for wait in (*first, *second) if wait > timedelta(0)]
    return min(waits) if waits else None


def longest_soak_ns(facts: FreightFacts, stage_name: str, now: datetime) -> int:
    """Kargo's `Freight.GetLongestSoak` in nanoseconds: the longest completed soak, or the running one if the
    Freight is still in the Stage (time since `currentlyIn[stage].since`), whichever is longer; zero when not
    verified there."""
    if stage_name not in facts.verified_in:
        return 0
    completed = facts.longest_completed_soak.get(stage_name, 0)
    if stage_name not in facts.in_stage_since:
        return completed
    since = facts.in_stage_since[stage_name]
    running = _nanoseconds(now - since) if since is not None else 0
    return max(completed, running)


def has_soaked_in(facts: FreightFacts, stage_name: str, required_ns: int | None, now: datetime) -> bool:
    """Kargo's `Freight.HasSoakedIn`: true without a requirement, else longest soak >= the requirement."""
    return required_ns is None or longest_soak_ns(facts, stage_name, now) >= required_ns


def _soak_wait(facts: FreightFacts, upstream: str, required_ns: int | None, now: datetime) -> timedelta:
    """How much longer the Freight must soak in `upstream` (<= 0: long enough)."""
    if required_ns is None:
        return timedelta(0)
    missing = required_ns - longest_soak_ns(facts, upstream, now)
    return timedelta(microseconds=-(-missing // 1000))  # rounded up: never "ready" early


def _nanoseconds(delta: timedelta) -> int:
    return ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000
