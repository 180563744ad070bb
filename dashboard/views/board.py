"""The board's pages: /, /projector, /watch, /history. A full page, or the fragment for htmx (HX-Request)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from dashboard.views.common import LANGUAGE_COOKIE, runtime, viewer_language

board_views = Blueprint("board", __name__)


def _serve(view: str) -> Response:
    rendition = runtime().latest
    language = viewer_language()
    fragment_only = request.headers.get("HX-Request") == "true"
    # The fragment and the page differ, so they get different validators.
    etag = ("f" if fragment_only else "p") + rendition.etag(view, language).strip('"')
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = rendition.fragment(view, language) if fragment_only else rendition.page(view, language)
        response = Response(body, mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("HX-Request")
    response.vary.add("Cookie")
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
