"""A minimal, self-contained HTML page of the board (for `render --format html`); the web views replace it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboard.model import board_to_json
from dashboard.model.types import Board

_TEMPLATES = Path(__file__).parents[1] / "templates"


def render_board_html(board: Board) -> str:
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("board_static.html").render(board=board_to_json(board))
