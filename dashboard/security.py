"""HTTP security for every response: a strict CSP (no inline script or style) and friends, plus CSRF
protection of every state-changing request (flask-wtf), with a clear page instead of a bare 400."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError, CSRFProtect

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
# The board's largest form (a confirm step) is well under 2 kB; anything bigger is refused with 413 from the
# Content-Length header, before the body is read (and a chunked body is cut off at the same size).
MAX_REQUEST_BYTES = 64 * 1024


def install_request_limits(app: Flask) -> None:
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        MAX_FORM_PARTS=100,
    )


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def install_csrf(app: Flask, on_failure) -> CSRFProtect:
    """Every POST/PUT/PATCH/DELETE needs the session's token (a form field, or the X-CSRFToken header htmx
    can send). `on_failure(reason)` renders the refusal."""
    csrf = CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def refused(error: CSRFError) -> Response:
        return on_failure(error.description or "CSRF check failed")

    return csrf
