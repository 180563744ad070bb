"""Turns a Board into each view's HTML (fragment + full page) in each language, once per change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import segno
from jinja2 import Environment

from dashboard.actions.permissions import READ_ONLY, Permissions, allowed_actions
from dashboard.i18n import (
    DEFAULT_TIMEZONE,
    clock_time,
    diff_translator,
    notice_translator,
    translator,
    zone_label,
)
from dashboard.live.jinja import new_environment
from dashboard.model import Board
from dashboard.model.people import DEFAULT_AUDIENCE_PEOPLE, shown_actor, shown_person
from dashboard.sources.status import SourceStatus
from dashboard.vocabulary import ANONYMOUS_ROLE

VIEWS = ("board", "projector", "watch", "history")
# Where the per-request session bar (name, logout form with its CSRF token) goes in a cached page.
SESSION_SLOT = "<!--board:session-->"
VIEW_TITLES = {"board": "title", "projector": "title", "watch": "audience_title", "history": "history_title"}
# The freight lane on the board shows this many rows: the newest matter; hundreds would bury the stages.
LANE_LIMIT = 25
# Each Stage card names this many of the Freight it could take next (newest first), then counts the rest.
PROMOTABLE_LIMIT = 5


@dataclass(frozen=True)
class RenderContext:
    """What the views need besides the Board, none of it read from the store or the audit log: connection
    status, the audience URL, what each role may do, how people are shown to the audience."""

    status: SourceStatus
    audience_url: str
    permissions: Permissions = READ_ONLY
    audience_people: str = DEFAULT_AUDIENCE_PEOPLE
    audience: int = 0  # audience pages (/watch) connected to this process now


def make_environment(tz: tzinfo = DEFAULT_TIMEZONE) -> Environment:
    """The live views' templates; every time they show is in `tz`, with its zone."""
    env = new_environment()
    env.globals["clock_time"] = lambda moment: clock_time(moment, tz)
    env.globals["zone_label"] = lambda moment: zone_label(tz, moment)
    env.globals["view_titles"] = VIEW_TITLES
    env.filters["image_label"] = lambda repo_url, labels: labels.get(repo_url, repo_url)
    return env


def qr_svg(url: str, title: str = "") -> str:
    """The audience URL as an inline SVG QR code (no external service, no inline style), sized by CSS."""
    svg = segno.make(url, error="m").svg_inline(
        scale=8, dark="#000", light="#fff", border=2, omitsize=True, svgclass="qr", title=title or url
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


class BoardRenderer:
    """Callable for the Publisher: (board, view, language, role) -> {"fragment", "page"}."""

    def __init__(self, env: Environment, context: Callable[[], RenderContext]) -> None:
        self._env = env
        self._context = context
        self._qr_cache: dict[tuple[str, str], str] = {}

    def __call__(
        self, board: Board, view: str, language: str, role: str = ANONYMOUS_ROLE
    ) -> Mapping[str, str]:
        context = self._context()
        t = translator(language)
        anonymous = role == ANONYMOUS_ROLE
        values: dict[str, Any] = {
            "board": board,
            "view": view,
            "language": language,
            "role": role,
            "t": t,
            "notice_text": notice_translator(language),
            "diff_text": diff_translator(language),
            "status": context.status,
            "aliases": board.aliases,
            "lane_limit": LANE_LIMIT,
            "promotable_limit": PROMOTABLE_LIMIT,
            # Who asked for what: names for logged-in people, roles for the audience (configurable).
            "person": lambda requester: shown_person(
                requester, anonymous, context.audience_people, lambda r: t(f"role.{r}"), t("person.hidden")
            ),
            "actor": lambda name: shown_actor(name, anonymous, context.audience_people, t("person.hidden")),
            "actions": None,
            "layout": board.layout,
            "stages_by_name": {stage.name: stage for stage in board.stages},
            "warehouses_by_name": {warehouse.name: warehouse for warehouse in board.warehouses},
        }
        if view == "board":
            values["columns"] = _columns(board)
            if role != ANONYMOUS_ROLE:
                # Role-gated buttons live in this role's cached variant; per-session bits never do.
                values["actions"] = allowed_actions(board, role, context.permissions)
        elif view == "projector":
            values["audience_url"] = context.audience_url
            values["audience"] = context.audience
            values["qr_svg"] = self._qr(
                context.audience_url, values["t"]("audience_qr", url=context.audience_url)
            )
        elif view == "history":
            values["history"] = board.history
        fragment = self._env.get_template(f"live/{view}.html").render(values)
        page = self._env.get_template("live/page.html").render(values, fragment=fragment)
        return {"fragment": fragment, "page": page}

    def _qr(self, url: str, title: str) -> str:
        if (url, title) not in self._qr_cache:
            self._qr_cache[(url, title)] = qr_svg(url, title)
        return self._qr_cache[(url, title)]


def _columns(board: Board) -> list[list]:
    """Stages grouped by pipeline depth: one column per step of the pipeline, fan-out stacked."""
    columns: dict[int, list] = {}
    for stage in board.stages:
        columns.setdefault(stage.depth, []).append(stage)
    return [columns[depth] for depth in sorted(columns)]
