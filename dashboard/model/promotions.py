"""Promotions per Stage: the one in progress (with its current step), those queued behind it, the last one.

Both come from the Stage's `status.currentPromotion` / `status.lastPromotion` references, completed with the
Promotion object itself when it is known (for the create-actor annotation and the step list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from dashboard.model.freight import alias_of
from dashboard.model.objects import (
    annotations_of,
    dig,
    mapping,
    name_of,
    parse_time,
    sequence,
    text,
)
from dashboard.model.types import PromotionView, StepStatus
from dashboard.vocabulary import CREATE_ACTOR_ANNOTATION

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Errored", "Aborted"})
UNSUCCESSFUL_PHASES = frozenset({"Failed", "Errored", "Aborted"})
_FAILED_STEP_STATUSES = frozenset({"Failed", "Errored", "Aborted"})


def display_actor(annotation: str | None) -> str | None:
    """What Kargo's UI shows for `kargo.akuity.io/create-actor` (`get-promotion-actor.ts`): the second
    ':'-separated field when there is one (`email:alice@x.com` -> `alice@x.com`), else the whole value."""
    if not annotation:
        return None
    fields = annotation.split(":")
    return fields[1] if len(fields) > 1 and fields[1] else annotation


def promotions_by_stage(promotions: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Promotions grouped by `spec.stage`, oldest first (lexical name order is creation order in Kargo)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for promotion in sorted(promotions, key=name_of):
        grouped.setdefault(text(dig(promotion, "spec", "stage")), []).append(promotion)
    return grouped


class StagePromotions(NamedTuple):
    in_progress: PromotionView | None
    queued: tuple[PromotionView, ...]  # waiting behind the one in progress, oldest first
    last: PromotionView | None


def stage_promotions(
    stage: Mapping[str, Any],
    promotions: Sequence[Mapping[str, Any]],
    freight_by_name: Mapping[str, Mapping[str, Any]],
) -> StagePromotions:
    """The Stage's Promotions (oldest first, as `promotions_by_stage` groups them) where the board shows them.

    In progress: the one `status.currentPromotion` names, unless it has finished; without a reference, the
    newest Running one, else none (a Pending one then heads the queue: nothing runs). Last: the one
    `status.lastPromotion` names; without a reference, the newest finished Promotion object.
    """
    by_name = {name_of(promotion): promotion for promotion in promotions}

    def view(
        promotion: Mapping[str, Any] | None, reference: Mapping[str, Any] | None = None
    ) -> PromotionView:
        return promotion_view(promotion, reference, freight_by_name)

    def referenced(field: str) -> PromotionView | None:
        reference = mapping(dig(stage, "status", field))
        name = text(reference.get("name"))
        return view(by_name.get(name), reference) if name else None

    current = referenced("currentPromotion")
    if current is not None:
        # A Stage status written just before its Promotion finished can still point at it.
        in_progress = None if current.phase in TERMINAL_PHASES else current
    else:
        running = [p for p in promotions if _phase(p) == "Running"]
        in_progress = view(running[-1]) if running else None
    queued = tuple(
        view(promotion)
        for promotion in promotions
        if _phase(promotion) in ("Pending", "")
        and (in_progress is None or name_of(promotion) != in_progress.name)
    )
    last = referenced("lastPromotion")
    if last is None:
        finished = [p for p in promotions if _phase(p) in TERMINAL_PHASES]
        last = view(finished[-1]) if finished else None
    return StagePromotions(in_progress, queued, last)


def promotion_view(
    promotion: Mapping[str, Any] | None,
    reference: Mapping[str, Any] | None,
    freight_by_name: Mapping[str, Mapping[str, Any]],
) -> PromotionView:
    """Merge a Promotion object and a Stage's PromotionReference to it (either may be missing)."""
    promotion = promotion or {}
    reference = reference or {}
    status = mapping(promotion.get("status")) or mapping(reference.get("status"))
    phase = text(status.get("phase"))
    freight_name = (
        text(dig(promotion, "spec", "freight"))
        or text(mapping(reference.get("freight")).get("name"))
        or text(mapping(status.get("freight")).get("name"))
    )
    actor_annotation = text(annotations_of(promotion).get(CREATE_ACTOR_ANNOTATION)) or None
    step_number, step_count, step_alias = _current_step(promotion, status)
    failed_alias, failed_message = _failed_step(status) if phase in UNSUCCESSFUL_PHASES else ("", "")
    return PromotionView(
        stage=text(dig(promotion, "spec", "stage")),
        queued=phase in ("", "Pending"),
        steps=_step_statuses(promotion, status),
        name=name_of(promotion) or text(reference.get("name")),
        phase=phase,
        freight=freight_name,
        freight_alias=alias_of(freight_by_name.get(freight_name, {})),
        actor=display_actor(actor_annotation),
        actor_annotation=actor_annotation,
        message=text(status.get("message")),
        started_at=parse_time(status.get("startedAt")),
        finished_at=parse_time(status.get("finishedAt")) or parse_time(reference.get("finishedAt")),
        step_number=step_number,
        step_count=step_count,
        step_alias=step_alias,
        failed_step_alias=failed_alias,
        failed_step_message=failed_message,
    )


def _phase(promotion: Mapping[str, Any]) -> str:
    return text(dig(promotion, "status", "phase"))


def _current_step(
    promotion: Mapping[str, Any], status: Mapping[str, Any]
) -> tuple[int | None, int | None, str]:
    """(1-based step number, number of steps, step alias); the number is None before the first step runs."""
    steps = [mapping(step) for step in sequence(dig(promotion, "spec", "steps"))]
    executed = [mapping(entry) for entry in sequence(status.get("stepExecutionMetadata"))]
    # Without spec.steps the number of steps is not known ("step 2 of ?"), whatever ran so far.
    count = len(steps) or None
    index = status.get("currentStep")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        if not executed:
            return None, count, ""
        index = len(executed) - 1
    alias = ""
    if index < len(executed):
        alias = text(executed[index].get("alias"))
    if not alias and index < len(steps):
        alias = text(steps[index].get("as")) or text(steps[index].get("uses"))
    # Kargo names unnamed steps step-<index> when it inflates them.
    return index + 1, count, alias or f"step-{index}"


def _step_statuses(promotion: Mapping[str, Any], status: Mapping[str, Any]) -> tuple[StepStatus, ...]:
    """Each step Kargo recorded (`stepExecutionMetadata`), named as Kargo names it."""
    steps = [mapping(step) for step in sequence(dig(promotion, "spec", "steps"))]
    result = []
    for index, entry in enumerate(map(mapping, sequence(status.get("stepExecutionMetadata")))):
        alias = text(entry.get("alias"))
        if not alias and index < len(steps):
            alias = text(steps[index].get("as")) or text(steps[index].get("uses"))
        result.append(
            StepStatus(alias or f"step-{index}", text(entry.get("status")), text(entry.get("message")))
        )
    return tuple(result)


def _failed_step(status: Mapping[str, Any]) -> tuple[str, str]:
    """The step that failed the Promotion and its message (`stepExecutionMetadata[i].message`)."""
    for index, entry in reversed(
        list(enumerate(map(mapping, sequence(status.get("stepExecutionMetadata")))))
    ):
        if text(entry.get("status")) in _FAILED_STEP_STATUSES and entry.get("continueOnError") is not True:
            return text(entry.get("alias")) or f"step-{index}", text(entry.get("message")) or text(
                status.get("message")
            )
    return "", text(status.get("message"))
