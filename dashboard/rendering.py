"""Turns a Board into each view's HTML (fragment + full page) in each language, once per change."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import segno
from jinja2 import Environment, PackageLoader, select_autoescape

from dashboard.i18n import clock_time, translator
from dashboard.model import Board
from dashboard.model.history import promotion_history
from dashboard.sources.kube import SourceStatus

VIEWS = ("board", "projector", "watch", "history")
VIEW_TITLES = {"board": "title", "projector": "title", "watch": "audience_title", "history": "history_title"}
# The freight lane on the board shows this many rows: the newest matter; hundreds would bury the stages.
LANE_LIMIT = 25


@dataclass(frozen=True)
class RenderContext:
    """What the views need besides the Board: connection status, raw promotions, the audience URL."""

    status: SourceStatus
    objects: Mapping[str, Sequence[dict]]
    audience_url: str


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["clock_time"] = clock_time
    env.globals["view_titles"] = VIEW_TITLES
    return env


def qr_svg(url: str) -> str:
    """The audience URL as an inline SVG QR code (no external service, no inline style)."""
    return segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff", border=2)


class BoardRenderer:
    """Callable for the Publisher: (board, view, language, role) -> {"fragment", "page"}."""

    def __init__(self, env: Environment, context: Callable[[], RenderContext]) -> None:
        self._env = env
        self._context = context
        self._qr_cache: dict[str, str] = {}

    def __call__(self, board: Board, view: str, language: str, role: str = "viewer") -> Mapping[str, str]:
        context = self._context()
        values: dict[str, Any] = {
            "board": board,
            "view": view,
            "language": language,
            "role": role,
            "t": translator(language),
            "status": context.status,
            "aliases": {f.name: f.alias or f.name[:8] for f in board.freight},
            "lane_limit": LANE_LIMIT,
        }
        if view == "board":
            values["columns"] = _columns(board)
        elif view == "projector":
            values["audience_url"] = context.audience_url
            values["qr_svg"] = self._qr(context.audience_url)
        elif view == "history":
            values["history"] = promotion_history(
                context.objects.get("Promotion", ()),
                context.objects.get("Freight", ()),
                project=board.project,
            )
        fragment = self._env.get_template(f"live/{view}.html").render(values)
        page = self._env.get_template("live/page.html").render(values, fragment=fragment)
        return {"fragment": fragment, "page": page}

    def _qr(self, url: str) -> str:
        if url not in self._qr_cache:
            self._qr_cache[url] = qr_svg(url)
        return self._qr_cache[url]


def _columns(board: Board) -> list[list]:
    """Stages grouped by pipeline depth: one column per step of the pipeline, fan-out stacked."""
    columns: dict[int, list] = {}
    for stage in board.stages:
        columns.setdefault(stage.depth, []).append(stage)
    return [columns[depth] for depth in sorted(columns)]
