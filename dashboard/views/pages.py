"""Pages rendered per request (login, confirm, result, audit) and the per-session bar of cached pages."""

from __future__ import annotations

import string
from urllib.parse import quote

from flask import Flask, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse  # redirects are werkzeug responses

from dashboard.auth.roles import Identity
from dashboard.auth.web import current_auth, current_identity
from dashboard.i18n import board_timezone, clock_time, day_time, diff_translator, translator
from dashboard.live.jinja import install_filters
from dashboard.views.common import runtime, viewer_language

_FORMATTER = string.Formatter()


def install_page_context(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    install_filters(app.jinja_env)

    @app.context_processor
    def page_values() -> dict:
        language = viewer_language()
        auth = current_auth()
        tz = board_timezone(runtime().settings.timezone)
        return {
            "language": language,
            "t": translator(language),
            "diff_text": diff_translator(language),
            "project": runtime().settings.project,
            "identity": current_identity(),
            "login_enabled": auth.password_login,
            "clock_time": lambda moment: clock_time(moment, tz),
            "day_time": lambda moment: day_time(moment, tz),
        }


def wants_fragment() -> bool:
    """The request comes from htmx (`HX-Request`): it wants the fragment to swap, not a whole page."""
    return request.headers.get("HX-Request") == "true"


def login_first(identity: Identity, *, except_fragments: bool = False) -> BaseResponse | None:
    """To the login page (and back here after) when `identity` has not logged in; None otherwise, and for
    htmx requests when `except_fragments` (the caller answers those in the fragment)."""
    if identity.anonymous and not (except_fragments and wants_fragment()):
        return redirect(f"/login?next={quote(request.full_path)}", 303)
    return None


def render_page(template: str, status: int = 200, **values) -> Response:
    """A per-request page: never stored by a cache (it carries a CSRF token or personal data)."""
    response = Response(render_template(template, **values), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def sentence(key: str, values: dict[str, str]) -> str:
    """The translated sentence with its values; a value the sentence does not name is ignored, a missing
    one left empty (a message must never fail to render)."""
    text = translator(viewer_language())(key)
    names = {name for _, name, _, _ in _FORMATTER.parse(text) if name}
    return text.format(**{name: values.get(name, "") for name in names})


def session_bar() -> str:
    return render_template("_session.html")


def csrf_refused(reason: str) -> Response:
    """A missing or bad CSRF token: say what to do (reload), in the panel for htmx, as a page otherwise."""
    # Imported here: the action service is not needed to render pages.
    from dashboard.actions.service import Result  # pylint: disable=import-outside-toplevel

    text = sentence("error.csrf", {})
    if wants_fragment():
        return render_page(
            "actions/_result.html", 400, result=Result(False, "csrf", 400, reason), sentence=text
        )
    return render_page("message.html", 400, heading=sentence("error.title", {}), text=text, failed=True)
