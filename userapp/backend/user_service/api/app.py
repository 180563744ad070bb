"""Build the FastAPI application around a wired container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from user_service import __version__
from user_service.api.errors import install_error_handlers
from user_service.api.routes import auth, ops, stats, users
from user_service.composition import Container

DESCRIPTION = (
    "User management: accounts with the roles `admin` and `user`, JWT login, statistics for the admin view. "
    'Every error has the body `{"error": {"code": ..., "message": ..., "fields": {...}}}`.'
)


def build_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(container.try_bootstrap_first_admin)
        yield
        await container.aclose()

    app = FastAPI(
        title="User service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.state.container = container
    if container.settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=container.settings.allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    install_error_handlers(app)
    app.include_router(ops.router)
    api = APIRouter(prefix="/api")
    api.include_router(auth.router)
    api.include_router(users.router)
    api.include_router(stats.router)
    app.include_router(api)
    return app
