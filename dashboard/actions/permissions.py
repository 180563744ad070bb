"""What a role may do on the current board: one pure function for the buttons, the same rules for the POSTs.

An action is offered only where Kargo would accept it (freight available to the Stage, a Promotion still
running, ...) and only to roles allowed to do it. The POST handlers re-check with `check_*` against the
latest board, so a stale page or a hand-made request gets a clear refusal, not a surprise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.actions.errors import ActionError
from dashboard.auth.roles import (
    StagePolicy,
)
from dashboard.model import Board
from dashboard.model.types import FreightView, StageView
from dashboard.vocabulary import ADMIN, VIEWER


@dataclass(frozen=True)
class Permissions:
    """The configuration the rules depend on (one per process)."""

    policy: StagePolicy
    admin_actions: bool = True  # approve, abort, refresh (DASHBOARD_ENABLE_ADMIN_ACTIONS)
    writable: bool = True  # False for sources that cannot act (a snapshot file)


READ_ONLY = Permissions(StagePolicy(), admin_actions=False, writable=False)


@dataclass(frozen=True)
class StageActions:
    promote: tuple[str, ...] = ()  # Freight names, newest first
    rollback: str | None = None  # the Freight the Stage ran before, when it is still available
    abort: str | None = None  # the running Promotion's name


@dataclass(frozen=True)
class AllowedActions:
    role: str
    stages: Mapping[str, StageActions] = field(default_factory=dict)
    approve: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # Freight -> Stages
    refresh: tuple[str, ...] = ()  # Warehouses

    def any(self) -> bool:
        return bool(self.approve or self.refresh) or any(
            s.promote or s.rollback or s.abort for s in self.stages.values()
        )


def may_administer(role: str, permissions: Permissions) -> bool:
    return role == ADMIN and permissions.admin_actions and permissions.writable


def rollback_target(board: Board, stage: str) -> str | None:
    """The Freight `stage` ran before its current one; None for an unknown Stage (check_promote says so)."""
    try:
        return board.stage(stage).previous_freight
    except KeyError:
        return None


def allowed_actions(
    board: Board, role: str, permissions: Permissions, previous: Mapping[str, str] | None = None
) -> AllowedActions:
    """Every action `role` may take on `board`; `previous` maps a Stage to the Freight it ran before (by
    default what the board says: `StageView.previous_freight`)."""
    if previous is None:
        previous = {stage.name: stage.previous_freight for stage in board.stages if stage.previous_freight}
    if role == VIEWER or not permissions.writable:
        return AllowedActions(role)
    admin = may_administer(role, permissions)
    stages: dict[str, StageActions] = {}
    for stage in board.stages:
        if stage.control_flow:
            continue  # Kargo refuses Promotions into control-flow Stages
        may_promote = permissions.policy.may_promote(role, stage.name)
        rollback = previous.get(stage.name)
        stages[stage.name] = StageActions(
            promote=stage.promotable_freight if may_promote else (),
            rollback=rollback if may_promote and rollback in stage.promotable_freight else None,
            abort=stage.promotion.name if admin and stage.promotion and stage.promotion.name else None,
        )
    approve: dict[str, tuple[str, ...]] = {}
    if admin:
        for freight in board.freight:
            targets = tuple(stage.name for stage in board.stages if _approvable(freight, stage))
            if targets:
                approve[freight.name] = targets
    refresh = tuple(w.name for w in board.warehouses) if admin else ()
    return AllowedActions(role, stages, approve, refresh)


def _approvable(freight: FreightView, stage: StageView) -> bool:
    """Manual approval is Kargo's bypass for Freight not (yet) available to a Stage requesting its origin."""
    return (
        not stage.control_flow
        and freight.origin in stage.origins
        and stage.name not in freight.approved_for
        and stage.name not in freight.promotable_to
        and stage.name not in freight.currently_in
    )


# -- the POST-side checks -------------------------------------------------------------------------------


def check_promote(
    board: Board,
    role: str,
    permissions: Permissions,
    stage_name: str,
    freight_name: str,
    *,
    rollback_to: str | None = None,
    rollback: bool = False,
) -> tuple[StageView, FreightView]:
    """Raise ActionError unless `role` may promote `freight_name` into `stage_name` now."""
    _writable(permissions)
    if not permissions.policy.may_promote(role, stage_name):
        raise ActionError("forbidden", values={"role": role, "stage": stage_name})
    stage = _stage(board, stage_name)
    freight = _freight(board, freight_name)
    if stage.control_flow:
        raise ActionError(
            "invalid", f'Stage "{stage_name}" is a control-flow Stage: Kargo promotes nothing into it'
        )
    if any(item.name == freight.name for item in stage.current_freight):
        raise ActionError(
            "conflict", f'Stage "{stage_name}" already runs Freight "{freight.alias or freight.name}"'
        )
    if rollback and rollback_to != freight.name:
        raise ActionError(
            "not-available",
            f'Freight "{freight.alias or freight.name}" is not what "{stage_name}" ran before',
        )
    if freight.name not in stage.promotable_freight:
        raise ActionError(
            "not-available",
            f'Freight "{freight.alias or freight.name}" is not available to Stage "{stage_name}" '
            "(not verified upstream nor approved for it)",
        )
    return stage, freight


def check_approve(
    board: Board, role: str, permissions: Permissions, freight_name: str, stage_name: str
) -> tuple[StageView, FreightView]:
    _admin(role, permissions)
    stage = _stage(board, stage_name)
    freight = _freight(board, freight_name)
    if stage.control_flow or freight.origin not in stage.origins:
        raise ActionError(
            "invalid", f'Stage "{stage_name}" does not request Freight from {freight.origin.key}'
        )
    if stage_name in freight.approved_for:
        raise ActionError(
            "conflict", f'Freight "{freight.alias or freight.name}" is already approved for "{stage_name}"'
        )
    return stage, freight


def check_abort(board: Board, role: str, permissions: Permissions, promotion: str) -> StageView:
    _admin(role, permissions)
    for stage in board.stages:
        if stage.promotion is not None and stage.promotion.name == promotion:
            return stage
    raise ActionError("conflict", f'Promotion "{promotion}" is not pending or running (nothing to abort)')


def check_refresh(board: Board, role: str, permissions: Permissions, warehouse: str) -> None:
    _admin(role, permissions)
    if all(w.name != warehouse for w in board.warehouses):
        raise ActionError("not-found", f'Warehouse "{warehouse}" not found')


def _writable(permissions: Permissions) -> None:
    if not permissions.writable:
        raise ActionError("read-only")


def _admin(role: str, permissions: Permissions) -> None:
    _writable(permissions)
    if role != ADMIN:
        raise ActionError("forbidden", values={"role": role, "stage": ""})
    if not permissions.admin_actions:
        raise ActionError("forbidden", "admin actions are turned off (DASHBOARD_ENABLE_ADMIN_ACTIONS)")


def _stage(board: Board, name: str) -> StageView:
    try:
        return board.stage(name)
    except KeyError:
        raise ActionError("not-found", f'Stage "{name}" not found') from None


def _freight(board: Board, name: str) -> FreightView:
    try:
        return board.freight_named(name)
    except KeyError:
        raise ActionError("not-found", f'Freight "{name}" not found') from None
