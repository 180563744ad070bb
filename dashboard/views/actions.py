"""The actions: GET shows the confirm step (per request), POST carries it out through the ActionService.

Both answer a fragment to htmx (swapped into the action panel) and a full page otherwise, so everything
works without JavaScript too.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response  # the base class: redirects are werkzeug responses

from dashboard.actions.confirm import ACTIONS, confirmation
from dashboard.actions.errors import ActionError
from dashboard.actions.request_ids import new_request_id
from dashboard.actions.service import ActionService, Result
from dashboard.auth.web import current_identity
from dashboard.views.common import runtime
from dashboard.views.pages import login_first, render_page, sentence, wants_fragment

action_views = Blueprint("actions", __name__)


def _service() -> ActionService:
    service = runtime().write.service
    if service is None:
        abort(503)
    return service


def _show(partial: str, status: int, **values) -> Response:
    if wants_fragment():
        return render_page(partial, status, **values)
    return render_page("actions/page.html", status, partial=partial, **values)


def _result(result: Result) -> Response:
    values = dict(result.values)
    if "role" in values:
        values["role"] = sentence(f"role.{values['role']}", {})
    key = f"result.{result.code}" if result.ok else f"error.{result.code}"
    return _show("actions/_result.html", result.http_status, result=result, sentence=sentence(key, values))


def _refused(error: ActionError) -> Response:
    return _result(Result(False, error.code, error.status, error.detail, dict(error.values)))


@action_views.get("/actions/dismiss")
def dismiss() -> Response:
    """htmx "cancel": empties the action panel."""
    return Response("", mimetype="text/html")


@action_views.get("/actions/<action>")
def confirm(action: str) -> Response:
    if action not in ACTIONS:
        abort(404)
    identity = current_identity()
    to_login = login_first(identity, except_fragments=True)
    if to_login is not None:
        return to_login
    board_runtime = runtime()
    try:
        found = confirmation(
            board_runtime.latest.board,
            identity,
            board_runtime.write.permissions,
            action,
            request.args,
        )
    except ActionError as error:
        return _refused(error)
    return _show(
        "actions/_confirm.html",
        200,
        action=action,
        question=sentence(found.question, found.values),
        note=sentence(found.note, found.values) if found.note else "",
        preview=found.preview,
        fields=found.fields,
        request_id=new_request_id(board_runtime.clock()),
    )


@action_views.post("/actions/<action>")
def execute(action: str) -> Response:
    if action not in ACTIONS:
        abort(404)
    identity = current_identity()
    service = _service()
    form = request.form
    request_id = form.get("request_id")
    if action in ("promote", "rollback"):
        result = service.promote(
            identity,
            form.get("stage", ""),
            form.get("freight", ""),
            request_id,
            rollback=action == "rollback",
        )
    elif action == "approve":
        result = service.approve(identity, form.get("freight", ""), form.get("stage", ""), request_id)
    elif action == "abort":
        result = service.abort(identity, form.get("promotion", ""), request_id)
    else:
        result = service.refresh(identity, form.get("warehouse", ""), request_id)
    return _result(result)
