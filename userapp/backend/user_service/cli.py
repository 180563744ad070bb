"""`user-service` command line: `migrate` (run once per release), `serve` (a local server), `check-config`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from user_service.composition import build_container
from user_service.config import Settings
from user_service.infrastructure.storage import migrate
from user_service.main import configure_logging

log = logging.getLogger("user_service.cli")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, not {value}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="user-service",
        description="User management REST API. Configuration comes from environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = commands.add_parser(
        "migrate", help="apply the database migrations (then create FIRST_ADMIN_EMAIL if set)"
    )
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.add_argument(
        "--downgrade", action="store_true", help="go down to --revision instead of up (e.g. --revision base)"
    )

    serve = commands.add_parser("serve", help="run the HTTP server (uvicorn; use gunicorn in containers)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to bind (default: 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default: 1)")
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply migrations before serving (local runs; not for replicas)",
    )

    commands.add_parser("check-config", help="validate the environment configuration and exit")
    return parser


def _load_settings() -> Settings:
    try:
        return Settings()  # pyright: ignore[reportCallIssue] - values come from the environment
    except ValidationError as error:
        problems = "; ".join(
            (f"{'.'.join(str(p) for p in e['loc']).upper()}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in error.errors()
        )
        raise SystemExit(f"user-service: invalid configuration: {problems}") from None


def _migrate(settings: Settings, revision: str, down: bool) -> None:
    if down:
        migrate.downgrade(settings.database_url, revision)
        log.info("database downgraded to %s", revision)
        return
    migrate.upgrade(settings.database_url, revision)
    log.info("database migrated to %s", revision)
    container = build_container(settings)
    try:
        container.bootstrap_first_admin()
    finally:
        container.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _load_settings()
    configure_logging(settings.log_level)
    try:
        if args.command == "check-config":
            print(f"configuration OK (APP_ENV={settings.app_env})")
        elif args.command == "migrate":
            _migrate(settings, args.revision, args.downgrade)
        elif args.command == "serve":
            if args.workers > 1 and settings.jwt_secret is None:
                raise ValueError("set JWT_SECRET to run several workers: they must share the signing key")
            if args.migrate:
                _migrate(settings, "head", down=False)
            print(f"user-service listening on http://{args.host}:{args.port} (docs at /docs)", flush=True)
            uvicorn.run(
                "user_service.main:create_app",
                factory=True,
                host=args.host,
                port=args.port,
                workers=args.workers,
                log_level=settings.log_level.lower(),
            )
    # pylint: disable-next=broad-exception-caught  # the CLI reports any failure as one line and an exit code
    except Exception as error:  # noqa: BLE001
        log.debug("command failed", exc_info=True)
        print(f"user-service {args.command}: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
