"""Helpers the view modules share: the process Runtime and the viewer's language."""

from __future__ import annotations

from flask import current_app, request

from dashboard.i18n import pick_language
from dashboard.runtime import Runtime

LANGUAGE_COOKIE = "board_lang"


def runtime() -> Runtime:
    return current_app.extensions["runtime"]


def viewer_language() -> str:
    return pick_language(
        request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE), runtime().settings.default_language
    )
