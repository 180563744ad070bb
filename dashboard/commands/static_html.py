"""A minimal, self-contained HTML page of the board (for `render --format html`); the web views replace it."""

from __future__ import annotations

from dashboard.live.jinja import new_environment
from dashboard.model import board_to_json
from dashboard.model.types import Board


def render_board_html(board: Board) -> str:
    return (
        new_environment().get_template("board_static.html").render(board=board_to_json(board), language="en")
    )
