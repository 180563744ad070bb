""" "What changes" between adjacent Stages: what promoting the upstream's Freight downstream would bring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.model.freight import ParsedFreight, commits_of, images_of, origin_of
from dashboard.model.objects import text
from dashboard.model.pipeline import Pipeline
from dashboard.model.types import ImageChange, StageDiff


def stage_diffs(
    pipeline: Pipeline,
    current_refs: Mapping[str, Sequence[Mapping[str, Any]]],
    lane: Sequence[ParsedFreight],
) -> tuple[StageDiff, ...]:
    """One diff per (upstream, downstream, origin) edge of the pipeline where the upstream holds Freight.

    `current_refs` maps a Stage to the FreightReferences it currently holds; `lane` is the Freight, newest
    first.
    """
    oldest_first: dict[str, _OriginLane] = {}
    for freight in reversed(lane):
        oldest_first.setdefault(freight.origin.key, _OriginLane()).add(freight)
    diffs = []
    for downstream in pipeline.order:
        for request in pipeline.requests[downstream]:
            for upstream in request.upstream:
                if upstream not in pipeline.upstream[downstream]:
                    continue
                upstream_ref = _ref_for(current_refs.get(upstream, ()), request.origin.key)
                if upstream_ref is None:
                    continue
                downstream_ref = _ref_for(current_refs.get(downstream, ()), request.origin.key)
                diffs.append(
                    diff_refs(
                        upstream,
                        downstream,
                        upstream_ref,
                        downstream_ref,
                        oldest_first.get(request.origin.key, _OriginLane()),
                    )
                )
    return tuple(diffs)


class _OriginLane:
    """One origin's Freight, oldest first, with each name's position (computed once per board)."""

    def __init__(self) -> None:
        self.freight: list[ParsedFreight] = []
        self.positions: dict[str, int] = {}

    def add(self, freight: ParsedFreight) -> None:
        self.positions[freight.name] = len(self.freight)
        self.freight.append(freight)


def diff_refs(
    upstream: str,
    downstream: str,
    upstream_ref: Mapping[str, Any],
    downstream_ref: Mapping[str, Any] | None,
    origin_lane: _OriginLane,
) -> StageDiff:
    downstream_ref = downstream_ref or {}
    upstream_name = text(upstream_ref.get("name"))
    downstream_name = text(downstream_ref.get("name"))
    images = _image_changes(upstream_ref, downstream_ref)
    changed_commits = _changed_commit_repos(upstream_ref, downstream_ref)
    relation, freight_ahead, commits_ahead = _distance(upstream_name, downstream_name, origin_lane)
    code, params = summary_code(relation, freight_ahead, commits_ahead, images)
    return StageDiff(
        upstream=upstream,
        downstream=downstream,
        origin=origin_of(upstream_ref).key,
        upstream_freight=upstream_name,
        downstream_freight=downstream_name,
        relation=relation,
        freight_ahead=freight_ahead,
        commits_ahead=commits_ahead,
        images=images,
        changed_commits=changed_commits,
        summary=english_summary(code, params),
        summary_code=code,
        summary_params=params,
    )


def _distance(
    upstream_name: str, downstream_name: str, lane: _OriginLane
) -> tuple[str, int | None, int | None]:
    """(relation, freight ahead, commits ahead); counts are negative when the upstream runs older Freight."""
    if not downstream_name:
        return "downstream-empty", None, None
    if upstream_name == downstream_name:
        return "same", 0, 0
    positions = lane.positions
    if upstream_name not in positions or downstream_name not in positions:
        return "unknown", None, None
    freight_ahead = positions[upstream_name] - positions[downstream_name]
    low, high = sorted((positions[upstream_name], positions[downstream_name]))
    counted = _distinct_commits(lane.freight[low + 1 : high + 1], lane.freight[low])
    commits_ahead = None if counted is None else (counted if freight_ahead > 0 else -counted)
    return ("ahead" if freight_ahead > 0 else "behind"), freight_ahead, commits_ahead


def _ref_for(refs: Sequence[Mapping[str, Any]], origin_key: str) -> Mapping[str, Any] | None:
    for ref in refs:
        if origin_of(ref).key == origin_key:
            return ref
    return None


def _image_changes(
    upstream_ref: Mapping[str, Any], downstream_ref: Mapping[str, Any]
) -> tuple[ImageChange, ...]:
    upstream_images = {image.repo_url: image for image in images_of(upstream_ref)}
    downstream_images = {image.repo_url: image for image in images_of(downstream_ref)}
    changes = []
    for repo in sorted(upstream_images.keys() | downstream_images.keys()):
        up, down = upstream_images.get(repo), downstream_images.get(repo)
        if up is not None and down is not None and (up.tag, up.digest) == (down.tag, down.digest):
            continue
        changes.append(ImageChange(repo, down.tag if down else "", up.tag if up else ""))
    return tuple(changes)


def _changed_commit_repos(
    upstream_ref: Mapping[str, Any], downstream_ref: Mapping[str, Any]
) -> tuple[str, ...]:
    upstream_commits = {commit.repo_url: commit.id for commit in commits_of(upstream_ref)}
    downstream_commits = {commit.repo_url: commit.id for commit in commits_of(downstream_ref)}
    return tuple(
        repo
        for repo in sorted(upstream_commits.keys() | downstream_commits.keys())
        if upstream_commits.get(repo) != downstream_commits.get(repo)
    )


def _distinct_commits(newer: Sequence[ParsedFreight], base: ParsedFreight) -> int | None:
    """Distinct commits in `newer` Freight that `base` lacks; None unless every one carries commits."""
    if not base.commits or any(not freight.commits for freight in newer):
        return None
    seen = {(commit.repo_url, commit.id) for commit in base.commits}
    fresh = {(c.repo_url, c.id) for freight in newer for c in freight.commits} - seen
    return len(fresh)


def summary_code(
    relation: str, freight_ahead: int | None, commits_ahead: int | None, images: Sequence[ImageChange]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The "what changes" line as a code and its parameters, for the views to say in their language; the
    same facts as `_summary`'s English."""
    changes = ", ".join(
        f"{_short_repo(change.repo_url)} {change.downstream_tag or '-'} -> {change.upstream_tag or '-'}"
        for change in images
    )
    params: tuple[tuple[str, str], ...] = (("changes", changes),)
    if relation == "same":
        return "same", ()
    if relation == "downstream-empty":
        return "first", params
    if relation in ("ahead", "behind") and freight_ahead is not None:
        count, unit = (commits_ahead, "commit") if commits_ahead is not None else (freight_ahead, "version")
        amount = abs(count or 0)
        return f"{relation}-{unit}{'' if amount == 1 else 's'}", (("count", str(amount)), *params)
    return ("changed", params) if changes else ("different", ())


_ENGLISH_HEADS = {
    "same": "same Freight",
    "first": "first Freight",
    "changed": "",
    "different": "different Freight",
}


def english_summary(code: str, params: tuple[tuple[str, str], ...]) -> str:
    """The summary in English, e.g. "2 commits ahead: userapp-backend a1b2c3d4 -> e5f6a7b8"."""
    values = dict(params)
    if code in _ENGLISH_HEADS:
        head = _ENGLISH_HEADS[code]
    else:
        relation, unit = code.split("-", 1)
        head = f"{values.get('count', '')} {unit} {relation}"
    changes = values.get("changes", "")
    return f"{head}: {changes}" if head and changes else head or changes


def _short_repo(repo_url: str) -> str:
    return repo_url.rstrip("/").rsplit("/", 1)[-1] or repo_url
