"""Log in (built-in users, rate-limited) and log out. With a trusted proxy, the proxy does the logging in."""

from __future__ import annotations

import logging
import math
import re
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response  # the base class: redirects are werkzeug responses

from dashboard.auth.ratelimit import login_keys
from dashboard.auth.web import current_auth
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
    keys = login_keys(username, request.remote_addr)
    wait = auth.limiter.retry_after(keys)
    if wait > 0:
        response = _form(429, sentence("login_rate_limited", {"seconds": str(math.ceil(wait))}), username)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = auth.users.authenticate(username, password) if username and password else None
    if user is None:
        auth.limiter.failed(keys)
        log.warning("failed login for %r from %s", username, request.remote_addr)
        return _form(401, sentence("login_failed", {}), username)
    auth.limiter.succeeded(keys)
    auth.start_session(user)
    log.info("login: %s (%s) from %s", user.name, user.role, request.remote_addr)
    return redirect(safe_next(request.form.get("next")), 303)


@auth_views.post("/logout")
def logout() -> Response:
    current_auth().end_session()
    return redirect("/", 303)
