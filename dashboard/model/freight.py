"""Freight: the lane (newest first), what each Stage currently holds, and Kargo's availability rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dashboard.model.objects import (
    ALIAS_LABEL,
    dig,
    labels_of,
    mapping,
    name_of,
    parse_duration,
    parse_time,
    sequence,
    text,
)
from dashboard.model.pipeline import FreightRequest
from dashboard.model.types import CommitRef, CurrentFreight, ImageRef, Origin


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
    longest_completed_soak: Mapping[str, timedelta]  # verifiedIn[stage].longestSoak
    in_stage_since: Mapping[str, datetime | None]  # currentlyIn[stage].since


def freight_facts(freight: Mapping[str, Any]) -> FreightFacts:
    verified = status_stages(freight, "verifiedIn")
    return FreightFacts(
        name=name_of(freight),
        origin=origin_of(freight),
        approved_for=frozenset(status_stages(freight, "approvedFor")),
        verified_in=frozenset(verified),
        longest_completed_soak={
            stage: parse_duration(mapping(record).get("longestSoak")) or timedelta(0)
            for stage, record in verified.items()
        },
        in_stage_since={
            stage: parse_time(mapping(record).get("since"))
            for stage, record in status_stages(freight, "currentlyIn").items()
        },
    )


@dataclass(frozen=True)
class ParsedFreight:
    """One Freight object read once: the board keeps it for as long as the object is unchanged (memo.py).

    `verdicts` and `views` are scratch space for the board build: availability verdicts that do not depend on
    the time, and the FreightView of the Freight's latest placement.
    """

    obj: Mapping[str, Any] = field(repr=False, compare=False)
    name: str
    alias: str
    origin: Origin
    images: tuple[ImageRef, ...]
    commits: tuple[CommitRef, ...]
    discovered_at: datetime | None
    currently_in: frozenset[str]
    facts: FreightFacts
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
    )


def availability(
    stage_name: str, requests: Sequence[FreightRequest], facts: FreightFacts, now: datetime
) -> Availability:
    """Kargo's `Stage.IsFreightAvailable`, as documented for v1.11.

    The origin must match one request, and then: approved for the Stage, or the request is direct, or the
    Freight is verified (and soaked for `requiredSoakTime`) in one upstream Stage (OneOf) or in all of them
    (All).
    """
    matching = [request for request in requests if request.origin == facts.origin]
    if not matching:
        return Availability(False, None)
    if stage_name in facts.approved_for:
        return Availability(True, None)
    remaining: list[timedelta] = []
    for request in matching:
        if request.direct:
            return Availability(True, None)
        waits = [_soak_wait(facts, upstream, request.required_soak, now) for upstream in request.upstream]
        if not waits:
            continue
        verified_waits = [wait for wait in waits if wait is not None]
        if request.availability_strategy == "All":
            if len(verified_waits) < len(waits):
                continue
            longest_wait = max(verified_waits)
            if longest_wait <= timedelta(0):
                return Availability(True, None)
            remaining.append(longest_wait)
        elif verified_waits:
            shortest_wait = min(verified_waits)
            if shortest_wait <= timedelta(0):
                return Availability(True, None)
            remaining.append(shortest_wait)
    return Availability(False, min(remaining) if remaining else None)


def longest_soak(facts: FreightFacts, stage_name: str, now: datetime) -> timedelta:
    """Kargo's `Freight.GetLongestSoak`: the longest completed soak, or the running one if the Freight is
    still in the Stage (time since `currentlyIn[stage].since`), whichever is longer; zero when not verified
    there."""
    if stage_name not in facts.verified_in:
        return timedelta(0)
    completed = facts.longest_completed_soak.get(stage_name, timedelta(0))
    since = facts.in_stage_since.get(stage_name)
    running = now - since if since is not None else timedelta(0)
    return max(completed, running)


def _soak_wait(facts: FreightFacts, upstream: str, required: timedelta, now: datetime) -> timedelta | None:
    """None when not verified upstream; otherwise how much longer it must soak there (<= 0: long enough)."""
    if upstream not in facts.verified_in:
        return None
    if required <= timedelta(0):
        return timedelta(0)
    return required - longest_soak(facts, upstream, now)
