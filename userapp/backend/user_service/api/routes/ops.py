"""Liveness, readiness and version: what Kubernetes probes and what the board shows."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from user_service.api.dependencies import ContainerDep
from user_service.api.errors import error_response
from user_service.api.schemas import ErrorResponse, HealthOut, VersionOut

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness: the process serves HTTP (no DB check)")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=HealthOut,
    summary="Readiness: the database answers",
    responses={503: {"model": ErrorResponse, "description": "the database is unreachable"}},
)
def readyz(container: ContainerDep) -> HealthOut | JSONResponse:
    if container.database_is_ready():
        return HealthOut(status="ready")
    return error_response(
        503, "service_unavailable", "the database is unreachable", headers={"Retry-After": "5"}
    )


@router.get("/version", response_model=VersionOut, summary="Which build runs here")
async def version(container: ContainerDep) -> VersionOut:
    settings = container.settings
    return VersionOut(
        version=settings.app_version,
        commit=settings.git_commit,
        image_tag=settings.image_tag,
        environment=settings.app_env,
    )
