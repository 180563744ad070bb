"""Log in (built-in users, rate-limited) and log out. With a trusted proxy, the proxy does the logging in."""

from __future__ import annotations

import logging
import math
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request
from werkzeug.wrappers import Response  # the base class: redirects are werkzeug responses

from dashboard.audit.store import AuditUnavailable
from dashboard.auth.web import DEVICE_COOKIE, DEVICE_LIFETIME, current_auth
from dashboard.views.pages import render_page, sentence

auth_views = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


MAX_NEXT_LENGTH = 2000
# Browsers drop tabs and newlines from URLs and read a backslash as a slash: "/\t/evil.example" is
# "//evil.example" to them. Any control character, space or backslash makes the target untrusted.
UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would turn the login page into a phishing tool."""
    if (
        not target
        or len(target) > MAX_NEXT_LENGTH
        or not target.startswith("/")
        or target.startswith("//")
        or UNSAFE_IN_NEXT.search(target)
    ):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _form(status: int = 200, problem: str = "", username: str = "") -> Response:
    auth = current_auth()
    return render_page(
        "auth/login.html",
        status,
        problem=problem,
        username=username,
        next_url=safe_next(request.values.get("next")),
        password_login=auth.password_login,
        proxy_login=auth.proxy is not None,
    )


@auth_views.get("/login")
def login_form() -> Response:
    return _form()


@auth_views.post("/login")
def login() -> Response:
    auth = current_auth()
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    address = request.remote_addr or "unknown"  # the client, also behind a trusted proxy
    device = auth.known_device(username)
    try:
        counts = auth.shared.failures(username.lower(), address, device, auth.policy.windows)
    except AuditUnavailable as error:
        log.error("login refused: the lock-out counts are unavailable: %s", error)
        return _form(503, sentence("login_unavailable", {}), username)
    wait = auth.policy.retry_after(counts, auth.shared.now(), known_device=device is not None)
    if wait > 0:
        response = _form(429, sentence("login_rate_limited", {"seconds": str(math.ceil(wait))}), username)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = auth.users.authenticate(username, password) if username and password else None
    if user is None:
        try:
            auth.shared.record_failure(username.lower(), address, device)
        except AuditUnavailable as error:
            log.error("failed login not counted: %s", error)
        log.warning("failed login for %r from %s", username, address)
        return _form(401, sentence("login_failed", {}), username)
    try:
        auth.shared.forget_failures(username.lower(), address)
    except AuditUnavailable as error:
        log.warning("could not clear the failed logins of %r: %s", username, error)
    auth.start_session(user)
    log.info("login: %s (%s) from %s", user.name, user.role, address)
    response = redirect(safe_next(request.form.get("next")), 303)
    response.set_cookie(
        DEVICE_COOKIE,
        auth.device_cookie(user.name),
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@auth_views.post("/logout")
def logout() -> Response:
    current_auth().end_session()
    return redirect("/", 303)
