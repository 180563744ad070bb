"""The Flask application factory: thin views over one Runtime per process."""

from __future__ import annotations

from flask import Flask

from dashboard.auth.web import demo_banner, install_auth
from dashboard.runtime import Runtime
from dashboard.security import install_csrf, install_request_limits, install_security_headers
from dashboard.settings import Settings, from_env
from dashboard.views.actions import action_views
from dashboard.views.audit import audit_views
from dashboard.views.auth import auth_views
from dashboard.views.board import board_views
from dashboard.views.ops import ops_views
from dashboard.views.pages import csrf_refused, install_page_context
from dashboard.views.streams import live_views


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, start: bool = True
) -> Flask:
    """Build the app. Without arguments: settings from the environment, the runtime started here."""
    settings = settings or from_env()
    runtime = runtime or Runtime(settings)
    app = Flask(__name__)
    app.extensions["runtime"] = runtime
    app.config["BOARD_SETTINGS"] = settings
    install_request_limits(app)
    install_security_headers(app)
    auth = install_auth(app, settings, runtime.write.shared)
    install_csrf(app, csrf_refused)
    install_page_context(app)
    app.register_blueprint(board_views)
    app.register_blueprint(live_views)
    app.register_blueprint(ops_views)
    app.register_blueprint(auth_views)
    app.register_blueprint(action_views)
    app.register_blueprint(audit_views)
    if start:
        runtime.start()
        if auth.users.generated:
            # There are no default passwords: demo mode makes fresh ones and says them once, here.
            print(demo_banner(auth, app.config["SESSION_COOKIE_SECURE"]), flush=True)
    return app
