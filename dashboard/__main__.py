"""`python -m dashboard <command>`: `render` (a snapshot file to JSON/HTML) and `serve` (the web board)."""

from __future__ import annotations

import argparse
import importlib
import sys

from dashboard.cli import add_render_parser, render_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="The Kargo promotion board.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_render_parser(subparsers)
    # serve's own options belong to dashboard.server, which parses the rest of the command line itself.
    subparsers.add_parser("serve", help="start the web board (options: see `serve --help`)", add_help=False)
    return parser


def serve_command(argv: list[str]) -> int:
    # Imported lazily: `render` must not need the web stack (gunicorn, gevent) to start.
    server = importlib.import_module("dashboard.server")
    return server.main(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, rest = parser.parse_known_args(arguments)
    if args.command == "serve":
        return serve_command(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return render_command(args)


if __name__ == "__main__":
    sys.exit(main())
