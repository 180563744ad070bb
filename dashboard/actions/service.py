"""Carries out one action: dedupe by request id, re-check against the latest board, audit, then ask Kargo.

Order matters:
1. a request id seen before returns the first outcome (double click, browser retry): nothing is sent again;
2. the role and Kargo's own rules are checked on the server, against the latest board;
3. a promotion claims (stage, Freight) in the shared database for a while: a second person confirming the
   same promotion at the same time, on any replica, is told who asked first, and nothing is sent twice;
4. the audit row is written; if that fails, the action is refused (no unaudited promotion);
5. only then does the gateway talk to Kargo, and the row gets the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from dashboard.actions import permissions as rules
from dashboard.actions.errors import ActionError
from dashboard.actions.gateway import Gateway
from dashboard.actions.permissions import Permissions
from dashboard.actions.request_ids import normalise_request_id, promotion_name
from dashboard.audit.shared import SharedState
from dashboard.audit.store import (
    NAME_LIMIT,
    AuditEntry,
    AuditStore,
    AuditUnavailable,
    NewEntry,
    clean_text,
)
from dashboard.auth.roles import Identity
from dashboard.model import Board
from dashboard.model.types import FreightView

log = logging.getLogger(__name__)
# How long the first confirm of a (stage, Freight) promotion holds it: longer than the watch takes to show
# the new Promotion on every replica, after which the board's own rules see it.
CLAIM_HOLD = timedelta(minutes=2)


@dataclass(frozen=True)
class Result:
    """What the person sees after confirming: `code` picks the sentence (i18n `result.*` / `error.*`)."""

    ok: bool
    code: str
    http_status: int
    detail: str = ""
    values: dict[str, str] = field(default_factory=dict)
    entry: AuditEntry | None = None


@dataclass(frozen=True)
class _Plan:
    """One action, ready to record and send."""

    action: str
    stage: str | None = None
    freight: FreightView | None = None
    warehouse: str | None = None
    promotion: str | None = None


@dataclass(frozen=True, kw_only=True)
class ActionService:
    board: Callable[[], Board]
    gateway: Callable[[], Gateway]
    audit: AuditStore
    shared: SharedState
    permissions: Permissions
    on_recorded: Callable[[AuditEntry], None] = lambda entry: None

    def promote(
        self, identity: Identity, stage: str, freight: str, request_id: str | None, *, rollback: bool = False
    ) -> Result:
        def check() -> _Plan:
            board = self.board()
            rollback_to = rules.rollback_target(board, stage) if rollback else None
            _, found = rules.check_promote(
                board,
                identity.role,
                self.permissions,
                stage,
                freight,
                rollback_to=rollback_to,
                rollback=rollback,
            )
            return _Plan("rollback" if rollback else "promote", stage=stage, freight=found)

        return self._run(
            identity, request_id, "rollback" if rollback else "promote", check, stage=stage, freight=freight
        )

    def approve(self, identity: Identity, freight: str, stage: str, request_id: str | None) -> Result:
        def check() -> _Plan:
            _, found = rules.check_approve(self.board(), identity.role, self.permissions, freight, stage)
            return _Plan("approve", stage=stage, freight=found)

        return self._run(identity, request_id, "approve", check, stage=stage, freight=freight)

    def abort(self, identity: Identity, promotion: str, request_id: str | None) -> Result:
        def check() -> _Plan:
            stage = rules.check_abort(self.board(), identity.role, self.permissions, promotion)
            return _Plan("abort", stage=stage.name, promotion=promotion)

        return self._run(identity, request_id, "abort", check, promotion=promotion)

    def refresh(self, identity: Identity, warehouse: str, request_id: str | None) -> Result:
        def check() -> _Plan:
            rules.check_refresh(self.board(), identity.role, self.permissions, warehouse)
            return _Plan("refresh", warehouse=warehouse)

        return self._run(identity, request_id, "refresh", check, warehouse=warehouse)

    # -- the common path -----------------------------------------------------------------------------------

    def _run(  # pylint: disable=too-many-return-statements  # one exit per step of the order above
        self,
        identity: Identity,
        raw_request_id: str | None,
        action: str,
        check: Callable[[], _Plan],
        **asked: Any,
    ) -> Result:
        if identity.anonymous:
            return _failure(ActionError("login-required"))
        request_id = normalise_request_id(raw_request_id)
        if request_id is None:
            return _failure(
                ActionError("invalid", "missing or malformed request id: reload the page and retry")
            )
        try:
            self.audit.ensure_ready()
            first = self.audit.get(request_id)
        except AuditUnavailable as error:
            return _failure(ActionError("audit-unavailable", str(error)))
        if first is not None:
            return self._repeated(first, identity, action, asked)
        try:
            plan = check()
            self._claim(identity, request_id, plan)
        except ActionError as refusal:
            self._record_refusal(identity, request_id, action, asked, refusal)
            return _failure(refusal)
        except AuditUnavailable as error:
            return _failure(ActionError("audit-unavailable", str(error)))
        try:
            entry, created = self.audit.record(self._new_entry(identity, request_id, plan))
        except AuditUnavailable as error:
            return _failure(ActionError("audit-unavailable", str(error)))
        if not created:  # the same request raced us in another thread: it owns the action
            return self._repeated(entry, identity, action, asked)
        return self._send(identity, entry, plan)

    def _claim(self, identity: Identity, request_id: str, plan: _Plan) -> None:
        key = _claim_key(plan)
        if key is None:
            return
        holder = self.shared.claim(key, request_id, identity.name, CLAIM_HOLD)
        if holder.request_id != request_id:
            assert plan.stage is not None and plan.freight is not None
            name = promotion_name(plan.stage, holder.request_id, plan.freight.name)
            raise ActionError("claimed", values={"actor": holder.actor, "promotion": name})

    def _release(self, request_id: str, plan: _Plan) -> None:
        """Nothing was created: the next person may ask for this promotion at once."""
        key = _claim_key(plan)
        if key is not None:
            try:
                self.shared.release(key, request_id)
            except AuditUnavailable as error:
                log.warning("claim %s kept until it expires: %s", key, error)

    def _send(self, identity: Identity, entry: AuditEntry, plan: _Plan) -> Result:
        gateway = self.gateway()
        try:
            if plan.action in ("promote", "rollback"):
                assert plan.stage is not None and plan.freight is not None
                name = gateway.promote(plan.stage, plan.freight.name, entry.request_id, identity)
                entry = self._safely(lambda: self.audit.set_promotion(entry.id, name), entry)
            elif plan.action == "approve":
                assert plan.stage is not None and plan.freight is not None
                gateway.approve(plan.freight.name, plan.stage, identity)
            elif plan.action == "abort":
                assert plan.promotion is not None
                gateway.abort(plan.promotion, identity)
            else:
                assert plan.warehouse is not None
                gateway.refresh_warehouse(plan.warehouse, identity)
        except ActionError as error:
            return self._failed(entry, plan, error)
        if plan.action not in ("promote", "rollback"):
            entry = self._safely(lambda: self.audit.complete(entry.id, "Succeeded"), entry)
        self.on_recorded(entry)
        values = {
            "promotion": entry.promotion or "",
            "stage": plan.stage or "",
            "warehouse": plan.warehouse or "",
        }
        if plan.freight is not None:
            values["freight"] = plan.freight.alias or plan.freight.name
        return Result(True, f"{plan.action}-done", 200, values=values, entry=entry)

    def _failed(self, entry: AuditEntry, plan: _Plan, error: ActionError) -> Result:
        if error.code == "already-requested" and plan.stage and plan.freight:
            # An earlier attempt of this very request created it (the gateway names it when it found it).
            name = error.values.get("promotion") or promotion_name(
                plan.stage, entry.request_id, plan.freight.name
            )
            entry = self._safely(lambda: self.audit.set_promotion(entry.id, name), entry)
            self.on_recorded(entry)
            return Result(True, "already-requested", 200, values={"promotion": name}, entry=entry)
        if error.code == "timeout":
            # Kubernetes may still have done it: leave the row open; the follower completes it if so.
            message = f"no answer from Kubernetes in time: {error.detail}"
            entry = self._safely(lambda: self.audit.note(entry.id, message), entry)
            self.on_recorded(entry)
        else:
            self._release(entry.request_id, plan)
            outcome = "refused" if error.refused else "Errored"
            message = f"{error.code}: {error.detail}".rstrip(": ")
            entry = self._safely(lambda: self.audit.complete(entry.id, outcome, message), entry)
            self.on_recorded(entry)
        return _failure(error, entry)

    def _repeated(
        self, first: AuditEntry, identity: Identity, action: str, asked: Mapping[str, Any]
    ) -> Result:
        same = (
            first.actor == identity.name
            and first.action == action
            and all(getattr(first, key) == clean_text(value, NAME_LIMIT) for key, value in asked.items())
        )
        if not same:
            return _failure(ActionError("request-reused"))
        values = {"promotion": first.promotion or "", "outcome": first.outcome or first.phase or ""}
        if first.outcome == "refused":
            return Result(False, "already-refused", 409, first.message or "", values, first)
        return Result(True, "already-requested", 200, values=values, entry=first)

    def _record_refusal(
        self, identity: Identity, request_id: str, action: str, asked: Mapping[str, Any], refusal: ActionError
    ) -> None:
        """Refusals by the board are audited too (best effort: the refusal stands either way)."""
        entry = NewEntry(
            request_id=request_id,
            actor=identity.name,
            role=identity.role,
            identity_source=identity.source,
            action=action,
            stage=asked.get("stage"),
            freight=asked.get("freight"),
            warehouse=asked.get("warehouse"),
            promotion=asked.get("promotion"),
            outcome="refused",
            message=f"{refusal.code}: {refusal.detail}".rstrip(": "),
        )
        try:
            self.audit.record(entry)
        except AuditUnavailable as error:
            log.warning("refusal not audited: %s", error)

    @staticmethod
    def _new_entry(identity: Identity, request_id: str, plan: _Plan) -> NewEntry:
        freight = plan.freight
        return NewEntry(
            request_id=request_id,
            actor=identity.name,
            role=identity.role,
            identity_source=identity.source,
            action=plan.action,
            stage=plan.stage,
            freight=freight.name if freight else None,
            freight_alias=(freight.alias or None) if freight else None,
            images=tuple(f"{i.repo_url}:{i.tag}" for i in freight.images) if freight else (),
            warehouse=plan.warehouse,
            promotion=plan.promotion,
        )

    @staticmethod
    def _safely(update: Callable[[], AuditEntry], fallback: AuditEntry) -> AuditEntry:
        """After Kargo has acted, a failing audit update must not turn success into an error page."""
        try:
            return update()
        except AuditUnavailable as error:
            log.error("audit update lost after the action was sent: %s", error)
            return fallback


def _claim_key(plan: _Plan) -> str | None:
    if plan.action not in ("promote", "rollback") or plan.stage is None or plan.freight is None:
        return None
    return f"promote:{plan.stage}:{plan.freight.name}"


def _failure(error: ActionError, entry: AuditEntry | None = None) -> Result:
    return Result(False, error.code, error.status, error.detail, dict(error.values), entry)
