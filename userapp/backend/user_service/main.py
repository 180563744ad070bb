"""ASGI entry point: `gunicorn -k uvicorn_worker.UvicornWorker 'user_service.main:create_app()'`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from user_service.api.app import build_app
from user_service.composition import build_container
from user_service.config import Settings


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # pyright: ignore[reportCallIssue] - values come from the environment
    configure_logging(settings.log_level)
    return build_app(build_container(settings))
