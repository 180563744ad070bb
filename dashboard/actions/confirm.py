"""The confirm step of each action: is it allowed now, what to ask, what changes, which fields to post back.

Runs the same checks as the POST (so a button never leads to a form that would be refused) and raises the
same ActionError when the action is not possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.actions import permissions as rules
from dashboard.actions.errors import ActionError
from dashboard.actions.permissions import Permissions
from dashboard.actions.preview import PromotionPreview, preview
from dashboard.auth.roles import Identity
from dashboard.model import Board
from dashboard.model.objects import short_name

ACTIONS = ("promote", "rollback", "approve", "abort", "refresh")
# The form fields each action posts back (besides the CSRF token and the request id).
FIELDS = {
    "promote": ("stage", "freight"),
    "rollback": ("stage", "freight"),
    "approve": ("freight", "stage"),
    "abort": ("promotion",),
    "refresh": ("warehouse",),
}


@dataclass(frozen=True)
class Confirmation:
    action: str
    question: str  # i18n key
    values: dict[str, str]  # for the question and the note
    fields: dict[str, str]  # hidden form fields
    preview: PromotionPreview | None = None
    note: str = ""  # i18n key of a caveat, "" for none


def confirmation(
    board: Board,
    identity: Identity,
    permissions: Permissions,
    action: str,
    args: Mapping[str, str],
) -> Confirmation:
    if action not in ACTIONS:
        raise ActionError("not-found", f"unknown action {action!r}")
    if identity.anonymous:
        raise ActionError("login-required")
    fields = {name: (args.get(name) or "").strip() for name in FIELDS[action]}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise ActionError("invalid", f"missing {', '.join(missing)}")
    role = identity.role
    if action in ("promote", "rollback"):
        rollback = action == "rollback"
        rollback_to = rules.rollback_target(board, fields["stage"]) if rollback else None
        stage, freight = rules.check_promote(
            board,
            role,
            permissions,
            fields["stage"],
            fields["freight"],
            rollback_to=rollback_to,
            rollback=rollback,
        )
        values = {"stage": stage.name, "freight": freight.alias or short_name(freight.name)}
        return Confirmation(action, f"confirm.{action}", values, fields, preview(board, stage, freight))
    if action == "approve":
        stage, freight = rules.check_approve(board, role, permissions, fields["freight"], fields["stage"])
        values = {"stage": stage.name, "freight": freight.alias or short_name(freight.name)}
        return Confirmation(action, "confirm.approve", values, fields, note="confirm.approve_note")
    if action == "abort":
        rules.check_abort(board, role, permissions, fields["promotion"])
        return Confirmation(action, "confirm.abort", dict(fields), fields, note="confirm.abort_note")
    rules.check_refresh(board, role, permissions, fields["warehouse"])
    return Confirmation(action, "confirm.refresh", dict(fields), fields, note="confirm.refresh_note")
