"""Run the board app on a real HTTP port in a background thread (for browsers and HTTP clients)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server

from dashboard.runtime import Runtime


@dataclass(frozen=True)
class LiveBoard:
    url: str
    app: Flask
    runtime: Runtime


@contextmanager
def live_board(runtime: Runtime) -> Iterator[LiveBoard]:
    from dashboard.app import create_app  # pylint: disable=import-outside-toplevel

    app = create_app(runtime.settings, runtime=runtime, start=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # As `python -m dashboard serve`: without DASHBOARD_PUBLIC_URL the audience URL is this server's /watch.
    runtime.audience_url = runtime.audience_url or f"{url}/watch"
    runtime.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveBoard(url, app, runtime)
    finally:
        server.shutdown()
        runtime.stop()
