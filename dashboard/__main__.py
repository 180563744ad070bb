"""`python -m dashboard <command>`: `render` (a snapshot file to JSON/HTML), `serve` (the web board),
`hash-password` (a users file entry) and the demo tools `rehearse`, `record` and `replay`."""

from __future__ import annotations

import argparse
import importlib
import sys

from dashboard.commands.hash_password import add_hash_password_parser, hash_password_command
from dashboard.commands.render import add_render_parser, render_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="The Kargo promotion board.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_render_parser(subparsers)
    add_hash_password_parser(subparsers)
    # serve's own options belong to dashboard.commands.serve, which parses the rest of the command line.
    subparsers.add_parser("serve", help="start the web board (options: see `serve --help`)", add_help=False)
    # So do the demo tools' (see `<command> --help`).
    for command, (_, _, text) in DEMO_TOOLS.items():
        subparsers.add_parser(command, help=text, add_help=False)
    return parser


# command -> (module, function taking the rest of the command line, help text); imported when used
DEMO_TOOLS = {
    "rehearse": (
        "dashboard.commands.rehearse",
        "main",
        "practise the talk on the simulator, one step per Enter",
    ),
    "record": ("dashboard.commands.recording", "record_main", "record a cluster's object changes to a file"),
    "replay": (
        "dashboard.commands.recording",
        "replay_main",
        "serve the board from a recording, with no cluster",
    ),
}


def demo_command(command: str, argv: list[str]) -> int:
    module, function, _ = DEMO_TOOLS[command]
    return getattr(importlib.import_module(module), function)(argv)


def serve_command(argv: list[str]) -> int:
    # Imported lazily: `render` must not need the web stack (gunicorn, gevent) to start.
    server = importlib.import_module("dashboard.commands.serve")
    return server.main(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, rest = parser.parse_known_args(arguments)
    if args.command == "serve":
        return serve_command(rest)
    if args.command in DEMO_TOOLS:
        return demo_command(args.command, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "hash-password":
        return hash_password_command(args)
    return render_command(args)


if __name__ == "__main__":
    sys.exit(main())
