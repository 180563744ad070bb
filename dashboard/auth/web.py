"""Logins in the Flask app: session cookies, the trusted proxy header, and who the current request is.

Sessions are Flask's signed cookies (Secure, HttpOnly, SameSite=Lax). They carry only the user name: the role
is looked up in the users directory on every request, so a role change or a removed user takes effect at once.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import Flask, current_app, request, session

from dashboard.auth.proxy import TrustedHeaderAuth, parse_group_roles, parse_proxies
from dashboard.auth.ratelimit import LoginRateLimiter
from dashboard.auth.roles import ANONYMOUS, Identity
from dashboard.auth.users import User, UserDirectory, demo_directory, load_users
from dashboard.settings import Settings

log = logging.getLogger(__name__)

SESSION_USER = "user"
SESSION_LIFETIME = timedelta(hours=12)


class Auth:
    """One per app: the users who can log in, the optional trusted proxy, the login rate limiter."""

    def __init__(self, settings: Settings, limiter: LoginRateLimiter | None = None) -> None:
        if settings.users_file:
            self.users = load_users(settings.users_file)
        elif settings.demo and not settings.trusted_user_header:
            self.users = demo_directory()
        else:
            self.users = UserDirectory({})
        self.proxy: TrustedHeaderAuth | None = None
        if settings.trusted_user_header:
            self.proxy = TrustedHeaderAuth(
                user_header=settings.trusted_user_header,
                role_header=settings.trusted_role_header,
                groups_header=settings.trusted_groups_header,
                group_roles=parse_group_roles(settings.trusted_group_roles),
                proxies=parse_proxies(settings.trusted_proxies),
            )
        self.limiter = limiter or LoginRateLimiter()

    @property
    def password_login(self) -> bool:
        return len(self.users) > 0

    def identity(self) -> Identity:
        """Who is asking: the proxy's user, else the logged-in user, else the anonymous viewer."""
        if self.proxy is not None:
            found = self.proxy.identity(request.headers, request.remote_addr)
            if found is not None:
                return found
        name = session.get(SESSION_USER)
        user = self.users.get(name) if isinstance(name, str) else None
        if user is None:
            return ANONYMOUS
        return Identity(name=user.name, role=user.role, source="session")

    @staticmethod
    def start_session(user: User) -> None:
        # A fresh session at login: nothing from before (e.g. an attacker-planted CSRF token) survives.
        session.clear()
        session[SESSION_USER] = user.name
        session.permanent = True

    @staticmethod
    def end_session() -> None:
        session.clear()


def install_auth(app: Flask, settings: Settings) -> Auth:
    secret = settings.secret_key
    if not secret:
        if not settings.demo:
            # from_env refuses this; only code that builds Settings by hand (tests) gets here.
            log.warning(
                "no DASHBOARD_SECRET_KEY in production mode: using a random one (sessions end at restart)"
            )
        secret = secrets.token_hex(32)
    secure = settings.cookie_secure if settings.cookie_secure is not None else not settings.demo
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="board_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        WTF_CSRF_TIME_LIMIT=int(SESSION_LIFETIME.total_seconds()),
    )
    auth = Auth(settings)
    app.extensions["auth"] = auth
    return auth


def current_auth() -> Auth:
    return current_app.extensions["auth"]


def current_identity() -> Identity:
    return current_auth().identity()


def demo_banner(auth: Auth, secure_cookies: bool) -> str:
    """What `make demo` prints at start-up: the generated logins (there is no default password)."""
    lines = ["Demo logins (random, generated at start-up, valid until the board stops):"]
    lines += [f"  {name:<6} {password}   (role {role})" for name, role, password in auth.users.demo_logins()]
    if not secure_cookies:
        lines.append("Demo mode: session cookies are not Secure, so that plain http://127.0.0.1 works.")
    return "\n".join(lines)
