"""Command-line tools that need no server: `render` prints the board of a snapshot file as JSON or HTML."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TextIO

from dashboard.commands.static_html import render_board_html
from dashboard.model import InvalidObject, board_to_json, build_board
from dashboard.model.types import Notice
from dashboard.sources.snapshot import SnapshotError, load_snapshot

EXIT_BAD_INPUT = 2  # the input cannot be read, or nothing renderable is left in it
INVALID_OBJECT = "invalid-object"


def add_render_parser(subparsers: argparse._SubParsersAction) -> None:  # pylint: disable=protected-access
    parser = subparsers.add_parser(
        "render",
        help="print the board of a snapshot file (kubectl get ... -o yaml output)",
        description="Build the board from a YAML/JSON snapshot and print it as JSON or as static HTML.",
    )
    parser.add_argument(
        "snapshot", help="YAML or JSON file: a kind: List, YAML documents, or a list of objects"
    )
    parser.add_argument(
        "--format", choices=("json", "html"), default="json", help="output format (default json)"
    )
    parser.add_argument("--project", help="Kargo project (namespace); default: the namespace of the Stages")
    parser.add_argument(
        "--now", help="the time to evaluate soak times at, ISO 8601 (default: the current time)"
    )


def render_command(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        now = parse_now(args.now)
        snapshot = load_snapshot(args.snapshot, project=args.project)
    except (SnapshotError, InvalidObject, ValueError) as error:
        print(f"dashboard render: {error}", file=err)
        return EXIT_BAD_INPUT
    board = build_board(snapshot.objects, project=snapshot.project, now=now, rejected=snapshot.problems)
    left_out = [notice for notice in board.warnings if notice.code == INVALID_OBJECT]
    if not board.stages and left_out:
        # Nothing renderable is left: the objects that were left out are the whole story.
        for notice in left_out:
            print(f"dashboard render: {args.snapshot}: {_left_out_text(notice)}", file=err)
        return EXIT_BAD_INPUT
    for warning in snapshot.warnings:
        print(f"dashboard render: warning: {warning}", file=err)
    for notice in left_out:
        print(f"dashboard render: warning: {args.snapshot}: {notice.message}", file=err)
    if args.format == "html":
        out.write(render_board_html(board))
    else:
        out.write(json.dumps(board_to_json(board), indent=2, ensure_ascii=False) + "\n")
    return 0


def _left_out_text(notice: Notice) -> str:
    field = f"{notice.param('field')}: " if notice.param("field") else ""
    return f"{notice.param('kind')} {notice.param('name')}: {field}{notice.param('why')}"


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--now: not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
