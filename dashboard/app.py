"""The Flask application factory: thin views over one Runtime per process."""

from __future__ import annotations

from flask import Flask

from dashboard.runtime import Runtime
from dashboard.security import install_security_headers
from dashboard.settings import Settings, from_env
from dashboard.views.board import board_views
from dashboard.views.live import live_views
from dashboard.views.ops import ops_views


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, start: bool = True
) -> Flask:
    """Build the app. Without arguments: settings from the environment, the runtime started here."""
    settings = settings or from_env()
    runtime = runtime or Runtime(settings)
    app = Flask(__name__)
    app.extensions["runtime"] = runtime
    app.config["BOARD_SETTINGS"] = settings
    install_security_headers(app)
    app.register_blueprint(board_views)
    app.register_blueprint(live_views)
    app.register_blueprint(ops_views)
    if start:
        runtime.start()
    return app
