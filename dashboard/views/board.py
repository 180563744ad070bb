"""The board's pages: /, /projector, /watch, /history. A full page, or the fragment for htmx (HX-Request)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from dashboard.auth.web import current_identity
from dashboard.live.renderer import SESSION_SLOT
from dashboard.views.common import LANGUAGE_COOKIE, runtime, viewer_language
from dashboard.views.pages import session_bar, wants_fragment
from dashboard.vocabulary import ANONYMOUS_ROLE

board_views = Blueprint("board", __name__)
PERSONAL_VIEWS = ("board", "history")  # pages with the session bar (see live/page.html)
# ?theme=light (bright rooms): the cached page with another class on <html>; the stream swaps only <main>.
THEMES = ("dark", "light")
THEME_CLASS = " theme-dark"


def _serve(view: str) -> Response:
    rendition = runtime().latest
    language = viewer_language()
    identity = current_identity()
    # Only the board has buttons; every other view is the same for everyone (one cached variant).
    role = identity.role if view == "board" else ANONYMOUS_ROLE
    fragment_only = wants_fragment()
    theme = request.args.get("theme", "dark")
    if theme not in THEMES:
        return Response(f"theme={theme!r}: expected one of {', '.join(THEMES)}\n", 400, mimetype="text/plain")
    if not fragment_only and not identity.anonymous and view in PERSONAL_VIEWS:
        # The page carries this person's session bar (name, logout token): never shared, never validated.
        response = Response(_page(rendition.page(view, language, role), theme), mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return _remember_language(response, language)
    # The fragment and the page differ, so they get different validators.
    etag = ("f" if fragment_only else "p" + theme[0]) + rendition.etag(view, language, role).strip('"')
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif fragment_only:
        response = Response(rendition.fragment(view, language, role), mimetype="text/html")
    else:
        response = Response(_page(rendition.page(view, language, role), theme), mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("HX-Request")
    response.vary.add("Cookie")
    return _remember_language(response, language)


def _page(page: str, theme: str) -> str:
    if theme != "dark":
        page = page.replace(THEME_CLASS, f" theme-{theme}", 1)
    return page.replace(SESSION_SLOT, session_bar(), 1) if SESSION_SLOT in page else page


def _remember_language(response: Response, language: str) -> Response:
    if request.args.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@board_views.get("/")
def board() -> Response:
    return _serve("board")


@board_views.get("/projector")
def projector() -> Response:
    return _serve("projector")


@board_views.get("/watch")
def watch() -> Response:
    return _serve("watch")


@board_views.get("/history")
def history() -> Response:
    return _serve("history")
