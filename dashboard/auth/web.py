"""Logins in the Flask app: session cookies, the trusted proxy header, and who the current request is.

Sessions are Flask's signed cookies (Secure, HttpOnly, SameSite=Lax). They carry the user name and a random
session id: the role is looked up in the users directory on every request, so a role change or a removed user
takes effect at once, and a logout revokes the id in the audit database, so a copy of the cookie taken before
the logout is refused by every replica.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard.audit.shared import SharedState
from dashboard.audit.store import AuditUnavailable
from dashboard.auth.forwarded import PEER_KEY, TrustedProxyMiddleware
from dashboard.auth.proxy import TrustedHeaderAuth, parse_group_roles, parse_proxies
from dashboard.auth.ratelimit import LockoutPolicy
from dashboard.auth.roles import ANONYMOUS_IDENTITY, Identity
from dashboard.auth.users import User, UserDirectory, demo_directory, load_users
from dashboard.settings import Settings

log = logging.getLogger(__name__)

SESSION_USER = "user"
SESSION_ID = "sid"
SESSION_LIFETIME = timedelta(hours=12)
DEVICE_COOKIE = "board_device"
DEVICE_LIFETIME = timedelta(days=90)


class Auth:
    """One per app: the users who can log in, the optional trusted proxy, the login lock-outs and the
    revoked sessions (both shared with the other replicas through the audit database)."""

    def __init__(self, settings: Settings, shared: SharedState, policy: LockoutPolicy | None = None) -> None:
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
        self.shared = shared
        self.policy = policy or LockoutPolicy()

    @property
    def password_login(self) -> bool:
        return len(self.users) > 0

    def identity(self) -> Identity:
        """Who is asking: the proxy's user, else the logged-in user, else the anonymous viewer."""
        if self.proxy is not None:
            found = self.proxy.identity(request.headers, request.environ.get(PEER_KEY, request.remote_addr))
            if found is not None:
                return found
        name = session.get(SESSION_USER)
        user = self.users.get(name) if isinstance(name, str) else None
        if user is None or not self._session_valid():
            return ANONYMOUS_IDENTITY
        return Identity(name=user.name, role=user.role, source="session")

    def _session_valid(self) -> bool:
        """Not revoked by a logout (on any replica); asked once per request. When the audit database does not
        answer, the session is believed: everything a session could do beyond reading the public board (an
        action, the audit log) needs that database too, and is refused with a clear message until it is back.
        """
        if "session_valid" not in g:
            sid = session.get(SESSION_ID)
            if not isinstance(sid, str):
                g.session_valid = False
            else:
                try:
                    g.session_valid = not self.shared.session_revoked(sid)
                except AuditUnavailable as error:
                    log.warning("session revocation not checked (audit store down): %s", error)
                    g.session_valid = True
        return bool(g.session_valid)

    @staticmethod
    def start_session(user: User) -> None:
        # A fresh session at login: nothing from before (e.g. an attacker-planted CSRF token) survives.
        session.clear()
        session[SESSION_USER] = user.name
        session[SESSION_ID] = secrets.token_urlsafe(24)
        session.permanent = True

    def end_session(self) -> None:
        sid = session.get(SESSION_ID)
        session.clear()
        if isinstance(sid, str):
            try:
                self.shared.revoke_session(sid, self.shared.now() + SESSION_LIFETIME)
            except AuditUnavailable as error:
                log.error("logout: the session could not be revoked (its cookie is gone here): %s", error)

    # -- the known-device cookie (see dashboard.auth.ratelimit) ---------------------------------------

    @staticmethod
    def _devices() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.secret_key or "", salt="known-device")

    def known_device(self, user_name: str) -> str | None:
        """The id of this browser's known-device cookie when it was issued for `user_name`."""
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return None
        try:
            data = self._devices().loads(raw, max_age=int(DEVICE_LIFETIME.total_seconds()))
        except BadSignature:
            return None
        if isinstance(data, dict) and data.get("n") == user_name.lower() and isinstance(data.get("d"), str):
            return data["d"]
        return None

    def device_cookie(self, user_name: str) -> str:
        return self._devices().dumps({"n": user_name.lower(), "d": secrets.token_urlsafe(12)})


def install_auth(app: Flask, settings: Settings, shared: SharedState) -> Auth:
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
    # Client address and scheme from X-Forwarded-* only when the peer is a trusted proxy.
    app.wsgi_app = TrustedProxyMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, parse_proxies(settings.trusted_proxies)
    )
    auth = Auth(settings, shared)
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
