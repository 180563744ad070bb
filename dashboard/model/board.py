"""The board: every Kubernetes object the dashboard reads in, one immutable view model out.

`build_board` is a pure function of its arguments (the caller passes `now`), so the same objects always give
the same board and the web side can render it once per change for any number of viewers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.model.applications import (
    app_key,
    application_warnings,
    argocd_context,
    index_by_stage,
    stage_applications,
)
from dashboard.model.diff import stage_diffs
from dashboard.model.freight import (
    Availability,
    ParsedFreight,
    availability,
    commits_of,
    current_freight,
    current_freight_refs,
    freight_lane,
    images_of,
    parse_freight,
)
from dashboard.model.layout import flow_layout
from dashboard.model.memo import Memo
from dashboard.model.objects import (
    COLOR_ANNOTATION,
    DESCRIPTION_ANNOTATION,
    annotations_of,
    condition,
    dig,
    mapping,
    name_of,
    namespace_of,
    parse_time,
    sequence,
    text,
)
from dashboard.model.pipeline import FreightRequest, Pipeline, build_pipeline, is_control_flow
from dashboard.model.promotions import (
    UNSUCCESSFUL_PHASES,
    last_promotion,
    promotion_in_progress,
    promotions_by_stage,
)
from dashboard.model.stage_state import latest_verification, stage_health, stage_state
from dashboard.model.types import (
    AutoPromotion,
    AutoPromotionHold,
    Board,
    CommitRef,
    FreightView,
    Health,
    ImageRef,
    Notice,
    PromotionView,
    SoakingFreight,
    StageView,
    Verification,
    WarehouseView,
)

Objects = Mapping[str, Sequence[Mapping[str, Any]]]

_FAILED_VERIFICATION_PHASES = frozenset({"Failed", "Error", "Inconclusive", "Aborted"})


def build_board(objects: Objects, *, project: str, now: datetime, memo: Memo | None = None) -> Board:
    """Build the board of one Kargo project from `{kind: [object dicts]}` (kinds as in `sources.store.KINDS`).

    Kargo objects outside the project namespace are ignored; Applications are matched to Stages by annotation.
    `memo` lets a long-lived caller reuse what earlier builds parsed from unchanged objects (see memo.py); the
    board is the same without it.
    """
    memo = memo if memo is not None else Memo()
    try:
        return _build(objects, project, now if now.tzinfo else now.replace(tzinfo=UTC), memo)
    finally:
        memo.end_build()


def _build(  # pylint: disable=too-many-locals  # one name per part of the board
    objects: Objects, project: str, now: datetime, memo: Memo
) -> Board:
    stages = _in_project(objects.get("Stage", ()), project)
    applications = list(objects.get("Application", ()))

    pipeline = build_pipeline(stages)
    stage_by_name = {name_of(stage): stage for stage in stages}
    lane = freight_lane(
        memo.get("freight", freight, parse_freight)
        for freight in _in_project(objects.get("Freight", ()), project)
    )
    freight_by_name = {freight.name: freight.obj for freight in lane}
    refs_by_stage = {
        name: current_freight_refs(stage_by_name[name], pipeline.requests[name]) for name in pipeline.order
    }
    promotable = _promotable(pipeline, stage_by_name, lane, refs_by_stage, now, memo)
    held_by = _held_by(refs_by_stage)

    context = _Context(
        project=project,
        pipeline=pipeline,
        freight_by_name=freight_by_name,
        promotions=promotions_by_stage(_in_project(objects.get("Promotion", ()), project)),
        apps_by_key={app_key(app): app for app in applications},
        apps_by_stage=index_by_stage(applications, project),
    )
    warehouses = sorted(_in_project(objects.get("Warehouse", ()), project), key=name_of)
    stage_views = tuple(
        _stage_view(stage_by_name[name], context, refs_by_stage[name], promotable[name])
        for name in pipeline.order
    )
    freight_views = tuple(_freight_view(freight, pipeline, held_by, promotable) for freight in lane)
    warehouse_views = tuple(_warehouse_view(warehouse, pipeline) for warehouse in warehouses)
    return Board(
        project=project,
        generated_at=now,
        stages=stage_views,
        freight=freight_views,
        warehouses=warehouse_views,
        diffs=stage_diffs(pipeline, refs_by_stage, lane),
        warnings=pipeline.notices,
        layout=flow_layout(stage_views, warehouse_views, freight_views),
    )


class _Context:
    """What every Stage view needs from the whole object set, computed once per board."""

    def __init__(
        self,
        *,
        project: str,
        pipeline: Pipeline,
        freight_by_name: Mapping[str, Mapping[str, Any]],
        promotions: Mapping[str, list[Mapping[str, Any]]],
        apps_by_key: Mapping[tuple[str, str], Mapping[str, Any]],
        apps_by_stage: Mapping[str, list[tuple[str, str]]],
    ) -> None:
        self.project = project
        self.pipeline = pipeline
        self.freight_by_name = freight_by_name
        self.promotions = promotions
        self.apps_by_key = apps_by_key
        self.apps_by_stage = apps_by_stage


class _Promotable:
    """Per Stage: Freight names it may receive now (newest first) and Freight still soaking upstream."""

    def __init__(self) -> None:
        self.freight: list[str] = []
        self.freight_set: set[str] = set()  # the same names, for membership tests
        self.soaking: list[SoakingFreight] = []


def _held_by(refs_by_stage: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, set[str]]:
    """Freight name -> Stages holding it in `freightHistory[0]`."""
    held: dict[str, set[str]] = {}
    for stage_name, refs in refs_by_stage.items():
        for ref in refs:
            held.setdefault(text(ref.get("name")), set()).add(stage_name)
    return held


def _in_project(objs: Sequence[Mapping[str, Any]], project: str) -> list[Mapping[str, Any]]:
    return [obj for obj in objs if namespace_of(obj) in ("", project)]


def _promotable(
    pipeline: Pipeline,
    stage_by_name: Mapping[str, Mapping[str, Any]],
    lane: Sequence[ParsedFreight],
    refs_by_stage: Mapping[str, Sequence[Mapping[str, Any]]],
    now: datetime,
    memo: Memo,
) -> dict[str, _Promotable]:
    """Kargo refuses Promotions into control-flow Stages, so they never get promotable Freight."""
    result = {name: _Promotable() for name in pipeline.order}
    targets = [
        _PromotionTarget(name, pipeline.requests[name], refs_by_stage[name], result[name], memo)
        for name in pipeline.order
        if not is_control_flow(stage_by_name[name])
    ]
    for freight in lane:
        for target in targets:
            if freight.name in target.current:
                continue
            verdict = target.verdict(freight, now)
            if verdict.available:
                target.promotable.freight.append(freight.name)
                target.promotable.freight_set.add(freight.name)
            elif verdict.soak_remaining is not None:
                seconds = max(1, math.ceil(verdict.soak_remaining.total_seconds()))
                target.promotable.soaking.append(SoakingFreight(freight.name, seconds))
    return result


class _PromotionTarget:
    """One Stage Freight may be promoted into, and the Freight it holds now (never offered again)."""

    def __init__(
        self,
        name: str,
        requests: tuple[FreightRequest, ...],
        refs: Sequence[Mapping[str, Any]],
        promotable: _Promotable,
        memo: Memo,
    ) -> None:
        self.name = name
        self.requests = requests
        self.current = {text(ref.get("name")) for ref in refs}
        self.promotable = promotable
        # Without soak times the verdict depends on the Freight and the requests only, not on `now`: it can
        # be kept per Freight object for as long as the Stage asks for the same.
        timeless = all(request.required_soak <= timedelta(0) for request in requests)
        self._token = memo.token((name, requests)) if timeless else None

    def verdict(self, freight: ParsedFreight, now: datetime) -> Availability:
        if self._token is None:
            return availability(self.name, self.requests, freight.facts, now)
        verdict = freight.verdicts.get(self._token)
        if verdict is None:
            verdict = freight.verdicts[self._token] = availability(
                self.name, self.requests, freight.facts, now
            )
        return verdict


def _stage_view(
    stage: Mapping[str, Any], context: _Context, refs: Sequence[Mapping[str, Any]], promotable: _Promotable
) -> StageView:
    name = name_of(stage)
    pipeline = context.pipeline
    in_progress = promotion_in_progress(stage, context.promotions.get(name, []), context.freight_by_name)
    last = last_promotion(stage, context.promotions.get(name, []), context.freight_by_name)
    verification = latest_verification(stage)
    health = stage_health(stage)
    context_keys, context_notice = argocd_context(stage)
    applications = stage_applications(context_keys, context.apps_by_stage.get(name, []), context.apps_by_key)

    warnings = [
        *pipeline.stage_notices[name],
        *([context_notice] if context_notice is not None else []),
        *_promotion_warnings(in_progress, last),
        *_health_warnings(verification, health),
        *application_warnings(applications),
    ]
    return StageView(
        name=name,
        description=text(annotations_of(stage).get(DESCRIPTION_ANNOTATION)),
        color=text(annotations_of(stage).get(COLOR_ANNOTATION)),
        control_flow=is_control_flow(stage),
        depth=pipeline.depth[name],
        origins=tuple(dict.fromkeys(request.origin for request in pipeline.requests[name])),
        direct_warehouses=pipeline.direct_warehouses[name],
        upstream=pipeline.upstream[name],
        downstream=pipeline.downstream[name],
        current_freight=current_freight(name, refs, context.freight_by_name),
        freight_summary=text(dig(stage, "status", "freightSummary")),
        images=_stage_images(refs, context.freight_by_name),
        commits=_stage_commits(refs, context.freight_by_name),
        state=stage_state(stage),
        health=health,
        verification=verification,
        promotion=in_progress,
        last_promotion=last,
        auto_promotion=_auto_promotion(stage),
        applications=applications,
        promotable_freight=tuple(promotable.freight),
        soaking_freight=tuple(promotable.soaking),
        warnings=tuple(warnings),
    )


def _health_warnings(verification: Verification | None, health: Health) -> list[Notice]:
    warnings = []
    if verification is not None and verification.phase in _FAILED_VERIFICATION_PHASES:
        detail = f": {verification.message}" if verification.message else ""
        warnings.append(Notice("verification-failed", f"verification {verification.phase}{detail}"))
    if health.status == "Unhealthy":
        detail = f": {'; '.join(health.issues)}" if health.issues else ""
        warnings.append(Notice("unhealthy", f"Stage is unhealthy{detail}"))
    return warnings


def _promotion_warnings(in_progress: PromotionView | None, last: PromotionView | None) -> list[Notice]:
    if in_progress is None and last is not None and last.phase in UNSUCCESSFUL_PHASES:
        return [Notice("promotion-failed", _failure_text(last))]
    return []


def _failure_text(promotion: PromotionView) -> str:
    step = f" at step {promotion.failed_step_alias}" if promotion.failed_step_alias else ""
    message = promotion.failed_step_message or promotion.message
    return f"Promotion {promotion.name} {promotion.phase or 'failed'}{step}" + (
        f": {message}" if message else ""
    )


def _stage_images(
    refs: Sequence[Mapping[str, Any]], freight_by_name: Mapping[str, Mapping[str, Any]]
) -> tuple[ImageRef, ...]:
    """Images of the current Freight; the Freight object fills in when the history entry omits them."""
    images: list[ImageRef] = []
    for ref in refs:
        images.extend(images_of(ref) or images_of(freight_by_name.get(text(ref.get("name")), {})))
    return tuple(images)


def _stage_commits(
    refs: Sequence[Mapping[str, Any]], freight_by_name: Mapping[str, Mapping[str, Any]]
) -> tuple[CommitRef, ...]:
    commits: list[CommitRef] = []
    for ref in refs:
        commits.extend(commits_of(ref) or commits_of(freight_by_name.get(text(ref.get("name")), {})))
    return tuple(commits)


def _auto_promotion(stage: Mapping[str, Any]) -> AutoPromotion:
    status = mapping(stage.get("status"))
    holds = mapping(status.get("effectiveAutoPromotionHolds")) or mapping(status.get("autoPromotionHolds"))
    return AutoPromotion(
        enabled=status.get("autoPromotionEnabled") is True,
        holds=tuple(
            AutoPromotionHold(
                origin=key,
                freight=text(mapping(holds[key]).get("freightName")),
                promotion=text(mapping(holds[key]).get("promotionName")),
                actor=text(mapping(holds[key]).get("actor")),
                created_at=parse_time(mapping(holds[key]).get("createdAt")),
            )
            for key in sorted(holds)
        ),
    )


def _freight_view(
    freight: ParsedFreight,
    pipeline: Pipeline,
    held_by: Mapping[str, set[str]],
    promotable: Mapping[str, _Promotable],
) -> FreightView:
    """`held_by` maps a Freight name to the Stages whose freightHistory[0] holds it (status may lag)."""
    name = freight.name
    held = frozenset(held_by.get(name, ()))
    promotable_to = tuple(stage for stage in pipeline.order if name in promotable[stage].freight_set)
    key = (pipeline.order, held, promotable_to)
    view = freight.views.get(key)
    if view is None:
        freight.views.clear()  # only the latest placement of this Freight is worth keeping
        view = freight.views[key] = FreightView(
            name=name,
            alias=freight.alias,
            origin=freight.origin,
            images=freight.images,
            commits=freight.commits,
            discovered_at=freight.discovered_at,
            currently_in=_in_pipeline_order(set(freight.currently_in | held), pipeline),
            verified_in=_in_pipeline_order(set(freight.facts.verified_in), pipeline),
            approved_for=_in_pipeline_order(set(freight.facts.approved_for), pipeline),
            promotable_to=promotable_to,
        )
    return view


def _in_pipeline_order(stage_names: set[str], pipeline: Pipeline) -> tuple[str, ...]:
    """Known Stages in pipeline order, then names of Stages not on the board (deleted ones) alphabetically."""
    known = [stage for stage in pipeline.order if stage in stage_names]
    return tuple(known + sorted(stage_names - set(known)))


def _warehouse_view(warehouse: Mapping[str, Any], pipeline: Pipeline) -> WarehouseView:
    name = name_of(warehouse)
    ready = mapping(condition(warehouse, "Ready"))
    return WarehouseView(
        name=name,
        subscriptions=tuple(
            _subscription_label(item) for item in sequence(dig(warehouse, "spec", "subscriptions"))
        ),
        ready=text(ready.get("status")),
        message=text(ready.get("message")),
        last_freight=text(dig(warehouse, "status", "lastFreightID")),
        discovered_at=parse_time(dig(warehouse, "status", "discoveredArtifacts", "discoveredAt")),
        downstream=tuple(stage for stage in pipeline.order if name in pipeline.direct_warehouses[stage]),
    )


def _subscription_label(subscription: Any) -> str:
    """`image:<repo>`, `git:<repo>`, `chart:<repo>[/<name>]`, or the kind alone for other subscribers."""
    for kind, spec in mapping(subscription).items():
        spec = mapping(spec)
        repo = text(spec.get("repoURL"))
        chart = text(spec.get("name")) if kind == "chart" else ""
        label = f"{repo}/{chart}" if repo and chart else repo or chart
        return f"{kind}:{label}" if label else kind
    return "unknown"
