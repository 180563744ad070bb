from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from user_service.api.dependencies import AuthServiceDep, CurrentUser
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
def login(body: LoginRequest, auth: AuthServiceDep) -> TokenResponse:
    issued = auth.login(body.email, body.password)
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=UserOut, responses=ERRORS, summary="The user behind the access token")
def me(current: CurrentUser) -> UserOut:
    return UserOut.of(current)
