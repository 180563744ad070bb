"""One JSON error body everywhere: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from user_service.domain.exceptions import (
    AuthenticationError,
    DomainError,
    DuplicateEmailError,
    InvalidValueError,
    PermissionDeniedError,
    StorageUnavailableError,
    UserNotFoundError,
)

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidValueError: 422,
    UserNotFoundError: 404,
    DuplicateEmailError: 409,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    StorageUnavailableError: 503,
}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "service_unavailable",
}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field_name(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _on_domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(error, cls)), 400)
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif status == 503:
        headers = {"Retry-After": "5"}
        log.warning("storage unavailable: %s", error.__cause__ or error)
    fields = error.fields if isinstance(error, InvalidValueError) else None
    return error_response(status, error.code, error.message, fields, headers)


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    fields: dict[str, str] = {}
    for problem in error.errors():
        fields.setdefault(_field_name(tuple(problem.get("loc", ()))), str(problem.get("msg", "is invalid")))
    message = "invalid request: " + ", ".join(sorted(fields))
    return error_response(422, "validation_error", message, fields)


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = CODE_BY_STATUS.get(error.status_code, "error")
    try:
        default = HTTPStatus(error.status_code).phrase
    except ValueError:
        default = "error"
    message = error.detail if isinstance(error.detail, str) and error.detail else default
    return error_response(error.status_code, code, message, headers=getattr(error, "headers", None))


async def _on_unexpected_error(_request: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return error_response(500, "internal_error", "an unexpected error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected_error)
