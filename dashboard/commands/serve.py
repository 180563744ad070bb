"""`python -m dashboard serve`: the board under gunicorn with a gevent worker (hundreds of open streams).

One worker by default: the object cache, the watches and the simulator live in one process, so the cluster
sees one set of watches and every viewer sees the same simulated world.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gunicorn.app.base import BaseApplication

from dashboard.settings import SettingsError, from_env


class BoardServer(BaseApplication):  # pylint: disable=abstract-method  # load_config is overridden
    def __init__(self, options: dict) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)  # type: ignore[union-attr]

    def load(self):  # pyright: ignore[reportIncompatibleMethodOverride]
        # Imported here, in the worker, after gevent has patched the standard library.
        from dashboard.app import create_app  # pylint: disable=import-outside-toplevel

        return create_app()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard serve", description="Serve the promotion board."
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("DASHBOARD_HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")), help="default 8080")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="gunicorn workers; each holds its own watches and cache (default 1)",
    )
    parser.add_argument("--connections", type=int, default=2000, help="open connections per worker")
    return parser


def gunicorn_options(args: argparse.Namespace) -> dict:
    return {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gevent",
        "worker_connections": args.connections,
        "timeout": 60,
        "graceful_timeout": 5,
        "accesslog": None,
        "loglevel": "info",
        # gunicorn >= 25 opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR/gunicorn.ctl):
        # every board on the machine would share (and steal) it. The board needs none.
        "control_socket_disable": True,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 < args.port < 65536:
        print(f"dashboard serve: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("dashboard serve: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = from_env()
    except SettingsError as error:
        print(f"dashboard serve: {error}", file=sys.stderr)
        return 2
    if settings.source == "simulator" and args.workers > 1:
        print("dashboard serve: the simulator runs in one process; use --workers 1", file=sys.stderr)
        return 2
    base = f"http://{args.host}:{args.port}"
    audience = settings.public_url or f"{base}/watch"
    # The projector's QR code points at what is printed here; create_app() reads it in the worker.
    if not settings.public_url:
        os.environ["DASHBOARD_PUBLIC_URL"] = audience
    print(
        f"Promotion board ({settings.source}, project {settings.project}):\n"
        f"  board:     {base}/\n  projector: {base}/projector\n  audience:  {audience}\n"
        f"  history:   {base}/history",
        flush=True,
    )
    BoardServer(gunicorn_options(args)).run()
    return 0
