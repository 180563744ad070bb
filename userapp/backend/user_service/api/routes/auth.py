from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from user_service.api.dependencies import CallerDep, ContainerDep, run_unauthenticated
from user_service.api.schemas import ErrorResponse, LoginRequest, TokenResponse, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "wrong credentials or bad token"},
    422: {"model": ErrorResponse, "description": "malformed request"},
    503: {"model": ErrorResponse, "description": "the database is unavailable"},
}


@router.post(
    "/login", response_model=TokenResponse, responses=ERRORS, summary="Get a short-lived access token"
)
async def login(body: LoginRequest, container: ContainerDep) -> TokenResponse:
    issued = await run_unauthenticated(container, lambda auth: auth.login(body.email, body.password))
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=UserOut, responses=ERRORS, summary="The user behind the access token")
async def me(caller: CallerDep) -> UserOut:
    return UserOut.of(await caller.queries.me(caller.user_id))
