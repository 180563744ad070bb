"""The board: every Kubernetes object the dashboard reads in, one immutable view model out.

`build_board` is a pure function of its arguments (the caller passes `now`), so the same objects always give
the same board and the web side can render it once per change for any number of viewers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from dashboard.model.applications import (
    app_key,
    application_view,
    application_warnings,
    argocd_context,
    index_by_stage,
    stage_applications,
    with_kargo_health,
)
from dashboard.model.diff import stage_diffs
from dashboard.model.freight import (
    Availability,
    ParsedFreight,
    availability,
    commits_of,
    current_freight,
    current_freight_refs,
    freight_labels,
    freight_lane,
    images_of,
    parse_freight,
)
from dashboard.model.history import promotion_history, stage_previous_freight, with_requesters
from dashboard.model.layout import flow_layout
from dashboard.model.memo import Memo
from dashboard.model.objects import (
    annotations_of,
    condition,
    dig,
    mapping,
    name_of,
    namespace_of,
    parse_time,
    sequence,
    short_name,
    text,
)
from dashboard.model.pipeline import FreightRequest, Pipeline, build_pipeline, is_control_flow
from dashboard.model.promotions import (
    UNSUCCESSFUL_PHASES,
    promotion_view,
    promotions_by_stage,
    stage_promotions,
)
from dashboard.model.stage_state import latest_verification, stage_health, stage_state
from dashboard.model.types import (
    ApplicationView,
    Approval,
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
from dashboard.model.validate import InvalidObject, invalid_object_notice, object_problems
from dashboard.vocabulary import COLOR_ANNOTATION, DESCRIPTION_ANNOTATION

Objects = Mapping[str, Sequence[Mapping[str, Any]]]

_FAILED_VERIFICATION_PHASES = frozenset({"Failed", "Error", "Inconclusive", "Aborted"})


def build_board(
    objects: Objects,
    *,
    project: str,
    now: datetime,
    memo: Memo | None = None,
    rejected: Sequence[InvalidObject] = (),
    approvals: Mapping[str, Approval] | None = None,
) -> Board:
    """Build the board of one Kargo project from `{kind: [object dicts]}` (kinds as in `sources.store.KINDS`).

    Every object is validated alone (validate.py): one that is not in a shape the board can read is left out
    and named in a board notice (`invalid-object`), and the rest is drawn. `rejected` adds problems a source
    already found (objects it left out itself). Kargo objects outside the project namespace are ignored;
    Applications are matched to Stages by annotation. `memo` lets a long-lived caller reuse what earlier
    builds parsed from unchanged objects (see memo.py); the board is the same without it. `approvals` (from
    the audit log, Promotion name -> who asked for it) decide who each page names for a Promotion.
    """
    memo = memo if memo is not None else Memo()
    try:
        valid, problems = _validated(objects, memo)
        board = _build(valid, project, now if now.tzinfo else now.replace(tzinfo=UTC), memo, approvals or {})
        notices = tuple(invalid_object_notice(problem) for problem in (*rejected, *problems))
        return replace(board, warnings=board.warnings + notices) if notices else board
    finally:
        memo.end_build()


def _validated(
    objects: Objects, memo: Memo
) -> tuple[dict[str, list[Mapping[str, Any]]], list[InvalidObject]]:
    valid: dict[str, list[Mapping[str, Any]]] = {}
    problems: list[InvalidObject] = []
    for kind, objs in objects.items():
        valid[kind] = kept = []
        purpose, check = f"problems:{kind}", partial(object_problems, kind)
        for obj in objs:
            found = memo.get(purpose, obj, check) if isinstance(obj, dict) else object_problems(kind, obj)
            if found:
                problems.append(found[0])
            else:
                kept.append(obj)
    return valid, problems


def _build(  # pylint: disable=too-many-locals  # the one place that assembles every part of the board
    objects: Objects, project: str, now: datetime, memo: Memo, approvals: Mapping[str, Approval]
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
    promotions = _in_project(objects.get("Promotion", ()), project)

    context = _Context(
        project=project,
        pipeline=pipeline,
        freight_by_name=freight_by_name,
        promotions=promotions_by_stage(promotions),
        apps_by_key={app_key(app): app for app in applications},
        apps_by_stage=index_by_stage(applications, project),
    )
    labels = freight_labels(
        [
            *freight_by_name,
            *(text(ref.get("name")) for refs in refs_by_stage.values() for ref in refs),
            *(text(dig(promotion, "spec", "freight")) for promotion in promotions),
        ],
        {freight.name: freight.alias for freight in lane},
    )
    stage_views = tuple(
        _with_requesters(
            _with_labels(
                _stage_view(stage_by_name[name], context, refs_by_stage[name], promotable[name]), labels
            ),
            approvals,
            stage_previous_freight(stage_by_name[name]),
        )
        for name in pipeline.order
    )
    unclaimed_applications, unclaimed_promotions = _unclaimed(
        stage_views, context, promotions, set(stage_by_name), labels
    )
    freight_views = tuple(
        replace(view, label=labels.get(view.name, view.name)) if view.label != labels.get(view.name) else view
        for view in (_freight_view(freight, pipeline, held_by, promotable) for freight in lane)
    )
    warehouse_views = tuple(
        _warehouse_view(warehouse, pipeline)
        for warehouse in sorted(_in_project(objects.get("Warehouse", ()), project), key=name_of)
    )
    return Board(
        project=project,
        generated_at=now,
        stages=stage_views,
        freight=freight_views,
        warehouses=warehouse_views,
        diffs=stage_diffs(pipeline, refs_by_stage, lane),
        warnings=pipeline.notices,
        layout=flow_layout(stage_views, warehouse_views, freight_views),
        unclaimed_applications=unclaimed_applications,
        unclaimed_promotions=unclaimed_promotions,
        history=promotion_history(objects.get("Promotion", ()), objects.get("Freight", ()), project=project),
        aliases={view.name: view.label or view.alias or short_name(view.name) for view in freight_views},
    )


def _unclaimed(
    stage_views: Sequence[StageView],
    context: _Context,
    promotions: Sequence[Mapping[str, Any]],
    stage_names: set[str],
    labels: Mapping[str, str],
) -> tuple[tuple[ApplicationView, ...], tuple[PromotionView, ...]]:
    """Applications no Stage on the board names, and Promotions of Stages not on the board."""
    claimed = {(app.namespace, app.name) for stage in stage_views for app in stage.applications}
    applications = tuple(
        with_kargo_health(application_view(app), app)
        for key, app in sorted(context.apps_by_key.items())
        if key not in claimed
    )
    orphans = tuple(
        _label_promotion(promotion_view(promotion, None, context.freight_by_name), labels)
        for promotion in sorted(promotions, key=name_of)
        if text(dig(promotion, "spec", "stage")) not in stage_names
    )
    return applications, tuple(view for view in orphans if view is not None)


def _label_promotion(view: PromotionView | None, labels: Mapping[str, str]) -> PromotionView | None:
    if view is None:
        return None
    return replace(view, freight_label=labels.get(view.freight, view.freight_alias or view.freight))


def _with_labels(stage: StageView, labels: Mapping[str, str]) -> StageView:
    """Freight named unambiguously everywhere on the Stage card (alias, or enough of the name)."""
    return replace(
        stage,
        current_freight=tuple(
            replace(item, label=labels.get(item.name, item.alias or item.name))
            for item in stage.current_freight
        ),
        promotion=_label_promotion(stage.promotion, labels),
        last_promotion=_label_promotion(stage.last_promotion, labels),
        queued_promotions=tuple(
            view
            for view in (_label_promotion(p, labels) for p in stage.queued_promotions)
            if view is not None
        ),
        auto_promotion=replace(
            stage.auto_promotion,
            holds=tuple(
                replace(hold, freight_label=labels.get(hold.freight, hold.freight))
                for hold in stage.auto_promotion.holds
            ),
        ),
    )


def _with_requesters(
    stage: StageView, approvals: Mapping[str, Approval], previous_freight: str | None
) -> StageView:
    """Who asked for the Stage's Promotions, and the Freight a rollback would return it to."""
    return replace(
        stage,
        promotion=with_requesters(stage.promotion, approvals, stage.auto_promotion.enabled),
        last_promotion=with_requesters(stage.last_promotion, approvals, stage.auto_promotion.enabled),
        previous_freight=previous_freight,
    )


@dataclass(frozen=True)
class _Context:
    """What every Stage view needs from the whole object set, computed once per board."""

    project: str
    pipeline: Pipeline
    freight_by_name: Mapping[str, Mapping[str, Any]]
    promotions: Mapping[str, list[Mapping[str, Any]]]
    apps_by_key: Mapping[tuple[str, str], Mapping[str, Any]]
    apps_by_stage: Mapping[str, list[tuple[str, str]]]


class _Promotable:
    """Per Stage: Freight names it may receive now (newest first) and Freight still soaking upstream."""

    def __init__(self) -> None:
        self.freight: list[str] = []
        self.freight_set: set[str] = set()  # the same names, for membership tests
        self.soaking: list[SoakingFreight] = []
        self.available: list[str] = []  # Kargo's IsFreightAvailable, current Freight included


def _held_by(refs_by_stage: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, set[str]]:
    """Freight name -> Stages holding it in `freightHistory[0]`."""
    held: dict[str, set[str]] = {}
    for stage_name, refs in refs_by_stage.items():
        for ref in refs:
            held.setdefault(text(ref.get("name")), set()).add(stage_name)
    return held


def _in_project(objs: Sequence[Mapping[str, Any]], project: str) -> list[Mapping[str, Any]]:
    return [obj for obj in objs if namespace_of(obj) in ("", project)]


def _promotable(  # pylint: disable=too-many-locals  # one pass over the lane fills every Stage
    pipeline: Pipeline,
    stage_by_name: Mapping[str, Mapping[str, Any]],
    lane: Sequence[ParsedFreight],
    refs_by_stage: Mapping[str, Sequence[Mapping[str, Any]]],
    now: datetime,
    memo: Memo,
) -> dict[str, _Promotable]:
    """Kargo's availability verdict for every Stage; Kargo refuses Promotions into control-flow Stages, so
    those never get promotable Freight (tests/oracle/differences.py, control-flow-not-promotable)."""
    result = {name: _Promotable() for name in pipeline.order}
    targets = [
        _PromotionTarget(name, pipeline.requests[name], refs_by_stage[name], result[name], memo)
        for name in pipeline.order
    ]
    # (verdict, Freight it holds, lists to fill) per Stage; control-flow Stages get no promotable list.
    plans = [
        (
            target.verdict,
            target.current,
            target.promotable.available,
            None if is_control_flow(stage_by_name[target.name]) else target.promotable,
        )
        for target in targets
    ]
    for freight in lane:
        if freight.facts.rejected:
            continue  # never available again (tests/oracle/differences.py, rejected-freight)
        name = freight.name
        for verdict_of, current, available, promotable in plans:
            verdict = verdict_of(freight, now)
            if verdict.available:
                available.append(name)
            if promotable is None or name in current:
                continue
            if verdict.available:
                promotable.freight.append(name)
                promotable.freight_set.add(name)
            elif verdict.soak_remaining is not None:
                seconds = max(1, math.ceil(verdict.soak_remaining.total_seconds()))
                promotable.soaking.append(SoakingFreight(name, seconds))
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
        timeless = all(not request.required_soak_ns for request in requests)
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
    in_progress, queued, last = stage_promotions(
        stage, context.promotions.get(name, []), context.freight_by_name
    )
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
        available_freight=tuple(promotable.available),
        queued_promotions=queued,
    )


def _health_warnings(verification: Verification | None, health: Health) -> list[Notice]:
    warnings = []
    if verification is not None and verification.phase in _FAILED_VERIFICATION_PHASES:
        detail = f": {verification.message}" if verification.message else ""
        warnings.append(
            Notice(
                "verification-failed",
                f"verification {verification.phase}{detail}",
                (("phase", verification.phase), ("detail", detail)),
            )
        )
    if health.status == "Unhealthy":
        detail = f": {'; '.join(health.issues)}" if health.issues else ""
        warnings.append(Notice("unhealthy", f"Stage is unhealthy{detail}", (("detail", detail),)))
    return warnings


def _promotion_warnings(in_progress: PromotionView | None, last: PromotionView | None) -> list[Notice]:
    if in_progress is None and last is not None and last.phase in UNSUCCESSFUL_PHASES:
        message = last.failed_step_message or last.message
        params = (
            ("name", last.name),
            ("phase", last.phase or "Failed"),
            ("step", last.failed_step_alias),
            ("detail", f": {message}" if message else ""),
        )
        return [Notice("promotion-failed", _failure_text(last), params)]
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
    """Holds as the CRD writes them: `autoPromotionHolds` (recorded until released) and
    `effectiveAutoPromotionHolds` (in force now, including in-flight Promotions'), by origin key."""
    status = mapping(stage.get("status"))
    recorded = mapping(status.get("autoPromotionHolds"))
    effective = mapping(status.get("effectiveAutoPromotionHolds"))
    holds = []
    for key in sorted({*recorded, *effective}):
        hold = mapping(effective.get(key)) or mapping(recorded.get(key))
        holds.append(
            AutoPromotionHold(
                origin=key,
                freight=text(hold.get("freightName")),
                promotion=text(hold.get("promotionName")),
                actor=text(hold.get("actor")),
                created_at=parse_time(hold.get("createdAt")),
                effective=key in effective,
                recorded=key in recorded,
            )
        )
    return AutoPromotion(enabled=status.get("autoPromotionEnabled") is True, holds=tuple(holds))


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
            label=freight.alias or name,
            rejected=freight.rejected,
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
